#!/usr/bin/env bash
while pgrep -f "qfinal.sh|qfinal2.sh" >/dev/null; do sleep 0.2; done
touch /work/notes/QUIET
cd /work/main
log=/tmp/qfinal.log
echo "=== kafka all cells 5 rounds 2M $(date -u) $(uptime)" >> $log
NO_BUILD=1 SLUICE_CLASSES=/tmp/final/new-classes benchmarks/run-kafka.sh --rounds 5 --records 2000000 >> $log 2>&1
echo "=== end3 $(date -u) $(uptime)" >> $log
rm -f /work/notes/QUIET
