#!/usr/bin/env bash
while pgrep -f "qfinal5.sh" >/dev/null; do sleep 0.2; done
touch /work/notes/QUIET
log=/tmp/qfinal.log
cd /work/main/benchmarks
echo "=== rsocket confirm $(date -u) $(uptime)" >> $log
for i in 1 2; do for who in new old; do
  jar=/tmp/final/benchmarks.jar; [ $who = old ] && jar=/tmp/final/old-benchmarks.jar
  echo "--- rs$i $who $(date -u +%H:%M:%S) $(cut -d' ' -f1 /proc/loadavg)" >> $log
  java -Xms1g -Xmx4g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -Dorg.slf4j.simpleLogger.log.io.netty.util.concurrent.AbstractEventExecutor=error \
    -cp $jar io.sluice.bench.transport.TransportBench --only "RSOCKET_CHANNEL|GRPC_UNARY" --sizes 4266,6786 --iperf-seconds 0 \
    --out results/transports-ab-2026-12-04/confirm --stem $who-rs$i >> $log 2>&1
done; done
echo "=== end6 $(date -u) $(uptime)" >> $log
rm -f /work/notes/QUIET
