#!/usr/bin/env bash
# Builds Sluice and the JMH benchmarks, runs the overflow and queue benchmarks and the delivered-share
# check (about 7 minutes on 2 cores) and saves the raw output under benchmarks/results/, with the
# ratio table of Sluice against Reactor's equivalent built-ins (overflow_ratios.py) at the end.
# Extra arguments go to JMH, e.g.
#   benchmarks/run-overflow.sh -f 3 -wi 5 -i 10      (longer, tighter error bars)
#   benchmarks/run-overflow.sh --vs-reactor          (only Sluice and Reactor, both policies, fast and
#                                                     slow consumer, 3 rounds in one run; ~4 minutes)
set -euo pipefail
vs_reactor=0
if [ "${1:-}" = "--vs-reactor" ]; then
  vs_reactor=1
  shift
fi
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
mvn -q -B -DskipTests install
cd "$here"
mvn -q -B package
stamp="$(date -u +%Y-%m-%d-%H%M)"
mkdir -p results
echo "# load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$vs_reactor" = 1 ]; then
  # Sluice and Reactor in the same run, capacity 1024, work 0 (fast) and 100 (slow consumer);
  # three JMH runs, so the ratio is taken three times; JMH alternates the contestants in each run
  files=()
  for round in 1 2 3; do
    java -jar target/benchmarks.jar 'io.sluice.bench.OverflowBenchmark.(overwriteOldest|dropNewest)(Sluice|Reactor)$' \
      -rf json -rff "results/overflow-vs-reactor-$stamp-r$round.json" "$@" | tee "results/overflow-vs-reactor-$stamp-r$round.txt"
    echo "# load after round $round: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "results/overflow-vs-reactor-$stamp-r$round.txt"
    files+=("results/overflow-vs-reactor-$stamp-r$round.json")
  done
  python3 overflow_ratios.py "${files[@]}" | tee "results/overflow-vs-reactor-$stamp.md"
  exit 0
fi
java -jar target/benchmarks.jar 'io.sluice.bench.(OverflowBenchmark|PriorityOverflowBenchmark|QueueBenchmark)' \
  -prof gc -rf json -rff "results/overflow-$stamp.json" "$@" | tee "results/overflow-$stamp.txt"
# Context for the scores: which share of the produced elements each lossy stage delivered.
{
  echo "# java -cp benchmarks/target/benchmarks.jar io.sluice.bench.DropShare ($stamp UTC; Pekko's INFO log lines removed)"
  echo "# share of the 100,000 produced elements that reached the consumer, mean of 10 runs after 5 warm-up runs"
  java -cp target/benchmarks.jar io.sluice.bench.DropShare 2>/dev/null | grep -v '^\[INFO\]'
} | tee "results/overflow-dropshare-$stamp.txt"
python3 overflow_ratios.py "results/overflow-$stamp.json" | tee "results/overflow-ratios-$stamp.md"
