#!/usr/bin/env bash
# Builds Sluice and the JMH benchmarks, runs the overflow and queue benchmarks and the delivered-share
# check (about 7 minutes on 2 cores) and saves the raw output under benchmarks/results/. Extra
# arguments go to JMH, e.g.
#   benchmarks/run-overflow.sh -f 3 -wi 5 -i 10      (longer, tighter error bars)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
mvn -q -B -DskipTests install
cd "$here"
mvn -q -B package
stamp="$(date -u +%Y-%m-%d-%H%M)"
mkdir -p results
java -jar target/benchmarks.jar 'io.sluice.bench.(OverflowBenchmark|PriorityOverflowBenchmark|QueueBenchmark)' \
  -prof gc -rf json -rff "results/overflow-$stamp.json" "$@" | tee "results/overflow-$stamp.txt"
# Context for the scores: which share of the produced elements each lossy stage delivered.
{
  echo "# java -cp benchmarks/target/benchmarks.jar io.sluice.bench.DropShare ($stamp UTC; Pekko's INFO log lines removed)"
  echo "# share of the 100,000 produced elements that reached the consumer, mean of 10 runs after 5 warm-up runs"
  java -cp target/benchmarks.jar io.sluice.bench.DropShare 2>/dev/null | grep -v '^\[INFO\]'
} | tee "results/overflow-dropshare-$stamp.txt"
