#!/usr/bin/env bash
while pgrep -f "qfinal4.sh" >/dev/null; do sleep 0.2; done
touch /work/notes/QUIET
log=/tmp/qfinal.log
cd /work/main
O=benchmarks/results/peers-profile-2026-12-04
mkdir -p $O
echo "=== profiles $(date -u) $(uptime)" >> $log
OUT=$O AP=/tmp/ap/linux-x64/libasyncProfiler.so EVENTS=cpu benchmarks/peers-prof.sh main-ebe328d-tcp-100 /tmp/final/new.jar 100 2000000 3 >> $log 2>&1
OUT=$O AP=/tmp/ap/linux-x64/libasyncProfiler.so EVENTS=cpu benchmarks/peers-prof.sh main-ebe328d-tcp-1000 /tmp/final/new.jar 1000 300000 3 >> $log 2>&1
OUT=$O AP=/tmp/ap/linux-x64/libasyncProfiler.so EVENTS=cpu WARM=15 SECONDS_RUN=6 benchmarks/http-prof.sh main-ebe328d-http-100-c32 /tmp/final/new.jar >> $log 2>&1
echo "=== end5 $(date -u) $(uptime)" >> $log
rm -f /work/notes/QUIET
