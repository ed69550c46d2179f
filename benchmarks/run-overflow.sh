#!/usr/bin/env bash
# Builds Sluice and the JMH benchmarks, runs the overflow and queue benchmarks and the delivered-share
# check (about 7 minutes on 2 cores) and saves the raw output under benchmarks/results/, with the
# ratio table of Sluice against Reactor's equivalent built-ins (overflow_ratios.py) at the end.
# Extra arguments go to JMH, e.g.
#   benchmarks/run-overflow.sh -f 3 -wi 5 -i 10      (longer, tighter error bars)
#   benchmarks/run-overflow.sh --vs-reactor          (only Sluice and Reactor, both policies, fast and
#                                                     slow consumer, 3 rounds in one run; ~4 minutes)
# A/B without building (e.g. in a quiet window), --vs-reactor only: OVERFLOW_JAR=<prebuilt benchmarks.jar>
# runs that jar, OVERFLOW_CLASSES=<Sluice classes dir> puts those classes in front of it (which Sluice
# runs), OVERFLOW_LABEL names the build in the file names and the table, ROUNDS sets the rounds (3):
#   OVERFLOW_JAR=/tmp/x/benchmarks.jar OVERFLOW_CLASSES=/tmp/x/main-classes OVERFLOW_LABEL=main ROUNDS=1 \
#     benchmarks/run-overflow.sh --vs-reactor -wi 2 -i 4
set -euo pipefail
vs_reactor=0
if [ "${1:-}" = "--vs-reactor" ]; then
  vs_reactor=1
  shift
fi
here="$(cd "$(dirname "$0")" && pwd)"
jar="${OVERFLOW_JAR:-}"
if [ -z "$jar" ]; then
  cd "$here/.."
  mvn -q -B -DskipTests install
  cd "$here"
  mvn -q -B package
  jar=target/benchmarks.jar
fi
cd "$here"
stamp="$(date -u +%Y-%m-%d-%H%M)"
label="${OVERFLOW_LABEL:-}"
mkdir -p results
echo "# load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$vs_reactor" = 1 ]; then
  # Sluice and Reactor in the same run, capacity 1024, work 0 (fast) and 100 (slow consumer);
  # three JMH runs, so the ratio is taken three times; JMH alternates the contestants in each run
  files=()
  stem="results/overflow-vs-reactor-$stamp${label:+-$label}"
  for round in $(seq 1 "${ROUNDS:-3}"); do
    java -cp "${OVERFLOW_CLASSES:+$OVERFLOW_CLASSES:}$jar" org.openjdk.jmh.Main \
      'io.sluice.bench.OverflowBenchmark.(overwriteOldest|dropNewest)(Sluice|Reactor)$' \
      -rf json -rff "$stem-r$round.json" "$@" | tee "$stem-r$round.txt"
    echo "# load after round $round: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$stem-r$round.txt"
    files+=("${label:+$label=}$stem-r$round.json")
  done
  python3 overflow_ratios.py "${files[@]}" | tee "$stem.md"
  exit 0
fi
[ -n "${OVERFLOW_JAR:-}" ] && { echo "OVERFLOW_JAR is for --vs-reactor only" >&2; exit 2; }
java -jar target/benchmarks.jar 'io.sluice.bench.(OverflowBenchmark|PriorityOverflowBenchmark|QueueBenchmark)' \
  -prof gc -rf json -rff "results/overflow-$stamp.json" "$@" | tee "results/overflow-$stamp.txt"
# Context for the scores: which share of the produced elements each lossy stage delivered.
{
  echo "# java -cp benchmarks/target/benchmarks.jar io.sluice.bench.DropShare ($stamp UTC; Pekko's INFO log lines removed)"
  echo "# share of the 100,000 produced elements that reached the consumer, mean of 10 runs after 5 warm-up runs"
  java -cp target/benchmarks.jar io.sluice.bench.DropShare 2>/dev/null | grep -v '^\[INFO\]'
} | tee "results/overflow-dropshare-$stamp.txt"
python3 overflow_ratios.py "results/overflow-$stamp.json" | tee "results/overflow-ratios-$stamp.md"
