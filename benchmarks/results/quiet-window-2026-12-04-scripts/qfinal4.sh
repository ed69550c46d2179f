#!/usr/bin/env bash
# Transport table A/B: the issue-18 baseline (1740059, its own harness) vs main ebe328d, interleaved per transport group.
while pgrep -f "qfinal.sh|qfinal2.sh|qfinal3.sh" >/dev/null; do sleep 0.2; done
touch /work/notes/QUIET
log=/tmp/qfinal.log
echo "=== build old 1740059 $(date -u)" >> $log
(cd /work/wt-old && mvn -q -B -DskipTests -Djacoco.skip=true install && cd benchmarks && mvn -q -B package) >> /tmp/build-old.log 2>&1
cp /work/wt-old/benchmarks/target/benchmarks.jar /tmp/final/old-benchmarks.jar
(cd /work/main && mvn -q -B -o -DskipTests -Djacoco.skip=true install) >> /tmp/build-old.log 2>&1
echo "=== transports A/B $(date -u) $(uptime)" >> $log
cd /work/main/benchmarks
i=0
for g in "TCP_LENGTH|TCP_NEWLINE|RAW_NETTY_TCP" "UDP_STREAM|UDP_UNARY" "HTTP_UNARY|RAW_NETTY_HTTP" "GRPC_STREAM|GRPC_UNARY|RAW_GRPC_STREAM" "WEBSOCKET|ZMQ_PUSH_PULL" "RSOCKET_FNF|RSOCKET_CHANNEL"; do
  i=$((i+1))
  if [ $((i % 2)) = 1 ]; then order="old new"; else order="new old"; fi
  for who in $order; do
    jar=/tmp/final/benchmarks.jar; [ $who = old ] && jar=/tmp/final/old-benchmarks.jar
    echo "--- g$i $who $g $(date -u +%H:%M:%S) $(cut -d' ' -f1 /proc/loadavg)" >> $log
    java -Xms1g -Xmx4g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
      -Dorg.slf4j.simpleLogger.log.io.netty.util.concurrent.AbstractEventExecutor=error \
      -cp $jar io.sluice.bench.transport.TransportBench --only "$g" --iperf-seconds 0 \
      --out results/transports-ab-2026-12-04 --stem $who-g$i >> $log 2>&1
  done
done
echo "=== end4 $(date -u) $(uptime)" >> $log
rm -f /work/notes/QUIET
