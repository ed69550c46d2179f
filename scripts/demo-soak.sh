#!/usr/bin/env bash
# Issue 12 item 4: the gateway demo (`sluice demo`) RUNS times back to back (default 20) with a CPU
# hog beside it (HOGS busy processes, default: one per core); every run must add up (exit 0, no
# "NO" in its summary) and print no stack trace. Not part of CI (about SECONDS_PER_RUN + drain per
# run). Writes benchmarks/results/demo-soak-<UTC>.txt with one line per run and the verdict.
#
#   scripts/demo-soak.sh                       # 20 runs of 10 s, one hog per core
#   RUNS=5 SECONDS_PER_RUN=5 scripts/demo-soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-20}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-10}"
HOGS="${HOGS:-$(nproc)}"
stamp="$(date -u +%Y-%m-%d-%H%M)"
mkdir -p benchmarks/results target
out="benchmarks/results/demo-soak-$stamp.txt"
./sluice --version > /dev/null 2>&1 || true   # builds the jar if needed
hogs=()
for _ in $(seq "$HOGS"); do
  ( while :; do :; done ) &
  hogs+=($!)
done
trap 'kill "${hogs[@]}" 2>/dev/null || true' EXIT
echo "demo soak $stamp UTC: RUNS=$RUNS SECONDS_PER_RUN=$SECONDS_PER_RUN HOGS=$HOGS on $(nproc) cores, commit $(git rev-parse --short HEAD), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out"
ok=0
for i in $(seq "$RUNS"); do
  log="target/demo-soak-$stamp-$i.log"
  set +e
  ./sluice demo --seconds "$SECONDS_PER_RUN" > "$log" 2>&1
  rc=$?
  set -e
  traces=$(grep -c -E '^\s+at |Exception' "$log" || true)
  nos=$(grep -c -w 'NO' "$log" || true)
  verdict=FAIL
  if [ "$rc" -eq 0 ] && [ "$traces" -eq 0 ] && [ "$nos" -eq 0 ]; then verdict=ok; ok=$((ok + 1)); fi
  echo "run $i: exit $rc, stack-trace lines $traces, rows not adding up $nos: $verdict" | tee -a "$out"
  [ "$verdict" = ok ] || sed 's/^/    /' "$log" | tail -40 >> "$out"
done
echo "$ok of $RUNS runs add up with no stack trace" | tee -a "$out"
[ "$ok" -eq "$RUNS" ]
