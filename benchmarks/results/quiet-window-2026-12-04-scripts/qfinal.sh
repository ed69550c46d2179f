#!/usr/bin/env bash
# Quiet window: final figures of main ebe328d against the last session's start 3925189 (base).
set -u
touch /work/notes/QUIET
cd /work/main
F=/tmp/final
log=/tmp/qfinal.log
echo "=== start $(date -u) $(uptime)" >> $log
echo "=== peers $(date -u)" >> $log
SLUICE_JAR=$F/new.jar BASE_JAR=$F/base.jar BENCH_JAR=$F/benchmarks.jar benchmarks/run-peers.sh --quick >> $log 2>&1
echo "=== kafka 1KB producer A/B $(date -u)" >> $log
NO_BUILD=1 SLUICE_CLASSES=$F/new-classes benchmarks/run-kafka.sh --sizes 1024 --rounds 5 --records 2000000 --sides producer --base-classes $F/base-classes >> $log 2>&1
echo "=== kafka all cells $(date -u)" >> $log
NO_BUILD=1 SLUICE_CLASSES=$F/new-classes benchmarks/run-kafka.sh --rounds 3 >> $log 2>&1
echo "=== durable A/B $(date -u)" >> $log
MEMORY_LP=1 ROUNDS=3 python3 benchmarks/durable_ab.py $F/base.jar $F/new.jar benchmarks/results >> $log 2>&1
echo "=== overflow new $(date -u)" >> $log
(cd benchmarks && OVERFLOW_JAR=$F/benchmarks.jar OVERFLOW_CLASSES=$F/new-classes OVERFLOW_LABEL=main-ebe328d ./run-overflow.sh --vs-reactor) >> $log 2>&1
echo "=== overflow base $(date -u)" >> $log
(cd benchmarks && OVERFLOW_JAR=$F/benchmarks.jar OVERFLOW_CLASSES=$F/base-classes OVERFLOW_LABEL=base-3925189 ./run-overflow.sh --vs-reactor) >> $log 2>&1
echo "=== transports $(date -u)" >> $log
stamp=$(date -u +%Y-%m-%d-%H%M)
(cd benchmarks && java -Xms1g -Xmx4g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.io.netty.util.concurrent.AbstractEventExecutor=error \
  -cp $F/benchmarks.jar io.sluice.bench.transport.TransportBench --out results --stem transports-$stamp | tee results/transports-$stamp.txt) >> $log 2>&1
echo "=== end $(date -u) $(uptime)" >> $log
rm -f /work/notes/QUIET
