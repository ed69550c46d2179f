#!/usr/bin/env bash
# h18h quiet-window A/B: overflow operators vs Reactor, main (3925189) vs h18h (0364841), one JMH run each
# (-f 1 -wi 2 -i 3), order main, h18h, [h18h without the poll spin: overwrite-oldest cells only], h18h, main.
# Everything prebuilt under /tmp/h18h (nothing compiles): benchmarks.jar = main's harness jar,
# bench-overlay = OverflowBenchmark as on main, {main,h18h,nospin}-classes = the Sluice classes put in
# front of the jar (they decide which Sluice runs; the Reactor cells are the same code in every run).
# Usage: /tmp/h18h/ab.sh      (~4.5-5 min; results under /work/wt-h18h/benchmarks/results)
set -uo pipefail
cd /work/wt-h18h
ab() {
  OVERFLOW_JAR=/tmp/h18h/benchmarks.jar OVERFLOW_CLASSES=/tmp/h18h/$1-classes:/tmp/h18h/bench-overlay \
    OVERFLOW_LABEL=$1-ab$2 ROUNDS=1 benchmarks/run-overflow.sh --vs-reactor -f 1 -wi 2 -i 3 2>&1 \
    | grep -v '^\[INFO\]' | grep -E '^OverflowBenchmark|^# load'
}
stamp=$(date -u +%Y-%m-%d-%H%M)
echo "# start $stamp UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
ab main 1; ab h18h 1
# h18h with SPINS = 0 (a fused poller reports empty at once): is the spin what helps or hurts?
java -cp /tmp/h18h/nospin-classes:/tmp/h18h/bench-overlay:/tmp/h18h/benchmarks.jar org.openjdk.jmh.Main \
  'io.sluice.bench.OverflowBenchmark.overwriteOldest(Sluice|Reactor)$' -f 1 -wi 2 -i 3 \
  -rf json -rff "benchmarks/results/overflow-vs-reactor-$stamp-nospin-r1.json" 2>&1 | grep -v '^\[INFO\]' \
  | tee "benchmarks/results/overflow-vs-reactor-$stamp-nospin-r1.txt" | grep -E '^OverflowBenchmark'
echo "# load after nospin: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "benchmarks/results/overflow-vs-reactor-$stamp-nospin-r1.txt"
ab h18h 2; ab main 2
echo "# end $(date -u +%H%M) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 benchmarks/overflow_ratios.py \
  $(ls -t benchmarks/results/overflow-vs-reactor-*-main-ab[12]-r1.json | head -2 | sed 's/^/main=/') \
  $(ls -t benchmarks/results/overflow-vs-reactor-*-h18h-ab[12]-r1.json | head -2 | sed 's/^/h18h=/') \
  "nospin=benchmarks/results/overflow-vs-reactor-$stamp-nospin-r1.json" \
  | tee "benchmarks/results/overflow-vs-reactor-$stamp-main-vs-h18h-ab.md"
