#!/usr/bin/env bash
# KafkaSink vs ProducerPerformance (kafka-producer-perf-test) and KafkaSource vs ConsumerPerformance
# (kafka-consumer-perf-test), 100 B and 1 KB records, acks=all, same batch settings, one in-process KRaft
# broker, every client in its own JVM with the same options, a warm-up round then alternating rounds
# (issue #15). Outputs benchmarks/results/kafka-<UTC time>.md.
#
#   benchmarks/run-kafka.sh                          full run (1,000,000 records at 100 B, 250,000 at 1 KB, 3 rounds)
#   benchmarks/run-kafka.sh --smoke                  20,000 records, 1 round: proves every cell runs, measures nothing
#   benchmarks/run-kafka.sh --rounds 5 --partitions 4 --records 2000000 --bootstrap 127.0.0.1:9092
#   PROFILE=benchmarks/results/kafka-profile benchmarks/run-kafka.sh --rounds 1 ...
#                                                    every client under async-profiler (itimer), one flame graph each
#   PROFILE=... PROFILE_FORMAT=jfr benchmarks/run-kafka.sh ...   the same as .jfr (timestamped; each client's
#                                                    output in <label>.out gives its timed window: python3 benchmarks/kafka/profile_window.py DIR)
#   JVM_EXTRA="-Xlog:..." benchmarks/run-kafka.sh ...  extra options for every client JVM (diagnostics only)
#   SLUICE_CLASSES=/tmp/base/target/classes benchmarks/run-kafka.sh ...   Sluice from another build (A/B)
#   benchmarks/run-kafka.sh --base-classes /tmp/base/target/classes ...   a base build's Sluice as a third
#                                                    contender in every round (rotated order, same topics)
#   benchmarks/run-kafka.sh --sides consumer ...     only the consumer cells (Kafka's tool still fills the topic)
#   benchmarks/run-kafka.sh --sides producer ...     only the producer cells (no consumer runs)
#   NO_BUILD=1 benchmarks/run-kafka.sh ...           nothing is compiled (a quiet window): uses the class paths and
#                                                    harness classes an earlier run of this script left in target/
#
# Sluice is taken from this checkout's target/classes (compiled here), not from ~/.m2, so the run measures
# the code in this tree.
set -euo pipefail
# a relative PROFILE is relative to where the script was started (made absolute before the cds below)
[ -n "${PROFILE:-}" ] && PROFILE="$(mkdir -p "$PROFILE" && cd "$PROFILE" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
out="$here/results"
for a in "$@"; do
  [ "$a" = "--smoke" ] && out="$here/kafka/target/smoke"
done
cd "$root"
if [ -z "${NO_BUILD:-}" ]; then
mvn -q -B -o compile dependency:build-classpath -Dmdep.outputFile=target/kafka-bench-root.cp \
  || mvn -q -B compile dependency:build-classpath -Dmdep.outputFile=target/kafka-bench-root.cp
fi
cd "$here/kafka"
mkdir -p target/classes
if [ -z "${NO_BUILD:-}" ]; then
mvn -q -B -o dependency:build-classpath -DexcludeArtifactIds=sluice -Dmdep.outputFile=target/classpath.txt \
  || mvn -q -B dependency:build-classpath -DexcludeArtifactIds=sluice -Dmdep.outputFile=target/classpath.txt
fi
# the tools' own versions first (e.g. jopt-simple 5 over the root build's older one)
# SLUICE_CLASSES=<dir>: another build's compiled Sluice classes (an A/B of two commits with this harness)
classes="${SLUICE_CLASSES:-$root/target/classes}"
cp="$classes:$(cat target/classpath.txt):$(cat "$root/target/kafka-bench-root.cp")"
if [ -z "${NO_BUILD:-}" ]; then
  javac --release 17 -nowarn -d target/classes -cp "$cp" $(find src/main/java -name '*.java')
else
  test -f target/classes/io/sluice/bench/kafka/KafkaBench.class || { echo "NO_BUILD: no harness classes in $here/kafka/target/classes" >&2; exit 1; }
fi
props=()
if [ -n "${PROFILE:-}" ]; then
  mkdir -p "$PROFILE"
  ap="$(find ~/.m2/repository/tools/profiler/async-profiler -name 'async-profiler-*.jar' | sort | tail -1)"
  [ -n "$ap" ] || { mvn -q -B dependency:get -Dartifact=tools.profiler:async-profiler:4.2; ap="$(find ~/.m2/repository/tools/profiler/async-profiler -name 'async-profiler-*.jar' | sort | tail -1)"; }
  mkdir -p target/async-profiler && (cd target/async-profiler && unzip -q -o "$ap")
  lib="$(find "$here/kafka/target/async-profiler" -name libasyncProfiler.so -path '*linux-x64*' | head -1)"
  props=(-Dprofile="$(cd "$PROFILE" && pwd)" -Dprofiler.lib="$lib" -Dprofile.format="${PROFILE_FORMAT:-html}")
fi
[ -n "${JVM_EXTRA:-}" ] && props+=(-Djvm.extra="$JVM_EXTRA")
uptime
java -Xms1g -Xmx2g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dsluice.classes="$classes" "${props[@]}" \
  -cp "$here/kafka/target/classes:$cp" io.sluice.bench.kafka.KafkaBench --out "$out" "$@"
uptime
