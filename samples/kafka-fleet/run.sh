#!/usr/bin/env bash
# Kafka fleet sample: one Apache Kafka broker (KRaft, single node, from Maven Central artifacts, no
# Docker), two front gateways (TCP -> Kafka) and two archiver gateways in one consumer group
# (Kafka -> file); load through both fronts; per-stage counts at the end. Run from the repository root:
#
#   samples/kafka-fleet/run.sh [--partitions 4] [--seconds 30]
#
# Needs: Java 17, Maven (the broker's jars come from Maven Central through benchmarks/kafka/pom.xml).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/samples/kafka-fleet"
work="$root/target/samples/kafka-fleet"
partitions=4
seconds=30
while [ $# -gt 0 ]; do
  case "$1" in
    --partitions) partitions="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
rm -rf "$work" && mkdir -p "$work/kraft"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

echo "== building Sluice and resolving Apache Kafka's jars"
(cd "$root" && mvn -q -B -DskipTests install)
(cd "$root/benchmarks/kafka" && mvn -q -B dependency:build-classpath -Dmdep.outputFile="$work/kafka.cp")
cp="$(cat "$work/kafka.cp")"
kjava() { java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" "$@"; }

echo "== starting the broker on 127.0.0.1:19092 (KRaft, combined broker+controller)"
cat > "$work/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:19093
listeners=PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093
advertised.listeners=PLAINTEXT://127.0.0.1:19092
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$work/kraft
num.partitions=$partitions
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
PROPS
kjava kafka.tools.StorageTool format -t "$(kjava kafka.tools.StorageTool random-uuid | tail -1)" \
  -c "$work/server.properties" >"$work/format.log" 2>&1
kjava -Xmx1g kafka.Kafka "$work/server.properties" \
  >"$work/broker.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do
  kjava org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:19092 --list >/dev/null 2>&1 && break
  sleep 1
done
kjava org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:19092 --create --topic telemetry \
  --partitions "$partitions" --replication-factor 1

echo "== starting 2 archivers (group 'archivers') and 2 front gateways"
for g in archiver-1 archiver-2 front-1 front-2; do
  "$root/sluice" run "$here/$g.yaml" --max-time "$((seconds + 20))s" >"$work/$g.log" 2>&1 &
  pids+=($!)
done
sleep 5
echo "== load: 2 x 1,000,000 lines of 100 B through both fronts"
"$root/sluice" run "$here/load.yaml" --max-time "${seconds}s" >"$work/load.log" 2>&1 || true
sleep 10

echo "== per-stage counts"
for g in load front-1 front-2 archiver-1 archiver-2; do
  echo "-- $g"; grep -E "pipeline|messages|dropped|errors" "$work/$g.log" | tail -8 || true
done
echo "-- topic 'telemetry' end offsets (records in Kafka)"
kjava org.apache.kafka.tools.GetOffsetShell --bootstrap-server 127.0.0.1:19092 --topic telemetry
echo "-- archive files (lines)"
wc -l "$work"/archive-*.log 2>/dev/null || true
