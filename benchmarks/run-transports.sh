#!/usr/bin/env bash
# The transport table (issue #6): every Sluice transport x 18/4266/6786/79435 B x sequential/parallel,
# timed at the receiver, beside raw reactor-netty / grpc-java baselines and iperf3's loopback limit.
# About 10 minutes on 2 cores (the run prints and records its wall time). Outputs benchmarks/results/transports-<UTC time>.{txt,json,md,png}.
#
#   benchmarks/run-transports.sh                       full run (installs iperf3 from Debian if missing)
#   benchmarks/run-transports.sh --smoke               one short iteration of two transports (CI runs this)
#   benchmarks/run-transports.sh --only 'TCP_.*' --sizes 18,79435 --sequential-only   a subset
#   benchmarks/run-transports.sh --only 'TCP_LENGTH.*|GRPC_STREAM.*' --sizes 18,79435 --iperf-seconds 0
#       the TLS rows (TCP length-prefixed and gRPC streaming, OpenSSL and JDK engines) beside their
#       plaintext rows; the Targets section gives each TLS cell's throughput as a share of plaintext
#       (needs the openssl command to make the certificate)
# Any other option goes to the harness: --help lists them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
smoke=false
for a in "$@"; do
  [ "$a" = "--smoke" ] && smoke=true
done
if ! $smoke && ! command -v iperf3 >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q iperf3 >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q iperf3 >/dev/null; }
  else
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q iperf3 >/dev/null || echo "iperf3 unavailable: no loopback baseline"
  fi
fi
cd "$here/.."
mvn -q -B -DskipTests install
cd "$here"
mvn -q -B package
stamp="$(date -u +%Y-%m-%d-%H%M)"
if $smoke; then out=target/smoke; stem="smoke-$stamp"; else out=results; stem="transports-$stamp"; fi
mkdir -p "$out"
# reactor-netty logs a benign "channel not registered to an event loop" task failure when a
# WebSocket connection is closed while its receive is being cancelled; keep it out of the table log.
java -Xms1g -Xmx4g \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.io.netty.util.concurrent.AbstractEventExecutor=error \
  -cp target/benchmarks.jar io.sluice.bench.transport.TransportBench --out "$out" --stem "$stem" "$@" \
  | tee "$out/$stem.txt"
