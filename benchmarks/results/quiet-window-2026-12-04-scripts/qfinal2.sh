#!/usr/bin/env bash
while pgrep -f qfinal.sh >/dev/null; do sleep 0.2; done
touch /work/notes/QUIET
cd /work/main
log=/tmp/qfinal.log
echo "=== peers full $(date -u) $(uptime)" >> $log
SLUICE_JAR=/tmp/final/new.jar BENCH_JAR=/tmp/final/benchmarks.jar benchmarks/run-peers.sh >> $log 2>&1
echo "=== end2 $(date -u) $(uptime)" >> $log
rm -f /work/notes/QUIET
