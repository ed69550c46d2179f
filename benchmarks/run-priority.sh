#!/usr/bin/env bash
# The issue's JMH target alone: Overflow.priority, one producer thread, one consumer thread
# (publishOn), capacity 1024, fast consumer (work = 0), scored in elements per second (JMH
# throughput mode; each invocation moves 100,000 elements and counts them as 100,000 operations).
# Target: at least 5,000,000 elements/s. Builds and installs Sluice, builds the benchmark jar, runs
# PriorityOverflowBenchmark.prioritySluice and saves JMH's raw console output and JSON:
#   benchmarks/results/priority-<UTC time>.txt and .json
#
#   benchmarks/run-priority.sh                       # 3 x 1 s warm-up, 5 x 1 s measured, 1 fork
#   benchmarks/run-priority.sh -f 3 -i 10            # extra arguments go to JMH
#   benchmarks/run-priority.sh --no-install -wi 0 -i 1 -r 1s   # smoke: Sluice already in ~/.m2
#
# The machine must be otherwise idle for the figure to mean anything.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
install=yes
if [ "${1:-}" = "--no-install" ]; then install=no; shift; fi
if [ "$install" = yes ]; then (cd "$here/.." && mvn -q -B -DskipTests install); fi
cd "$here"
mvn -q -B package
stamp="$(date -u +%Y-%m-%d-%H%M%S)"
out="${RESULTS:-$here/results}"
mkdir -p "$out"
java -jar target/benchmarks.jar 'io.sluice.bench.PriorityOverflowBenchmark.prioritySluice$' \
  -p capacity=1024 -p work=0 -bm thrpt -tu s \
  -rf json -rff "$out/priority-$stamp.json" "$@" | tee "$out/priority-$stamp.txt"
echo "raw output: $out/priority-$stamp.txt and .json (score = elements/s; target >= 5,000,000)"
