#!/usr/bin/env bash
# Issue 17 item 3: the fuzz campaign (not part of CI): every Jazzer target (@FuzzTest methods under
# src/test/java) to RUNS executions (default 1,000,000), each in its own JVM at nice NICE (default 19), with Netty's paranoid
# leak detection. Writes benchmarks/results/fuzz-<UTC>.txt: per target executions, exec/s, coverage,
# corpus size, crashes, wall time, and the machine load. A finding leaves its input in
# target/fuzz/findings/<target>/: copy it into the target's *FuzzTestInputs/<method>/ folder (a
# regression test from then on) and fix the code.
#
#   benchmarks/run-fuzz.sh                         # 1,000,000 runs per target
#   RUNS=100000 benchmarks/run-fuzz.sh             # shorter
#   MAX_SECONDS=300 benchmarks/run-fuzz.sh         # also cap each target at 5 minutes (a loaded machine)
#   benchmarks/run-fuzz.sh 'io.sluice.transport.tcp.TcpFramingFuzzTest#newline'   # chosen targets
#   PAUSE_FILE=/path/QUIET benchmarks/run-fuzz.sh  # stop fuzzing while that file exists (a shared machine's
#                                                  # measurement window), then go on where it stopped
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_MAX_SECONDS="${MAX_SECONDS:-0}" FUZZ_PAUSE_FILE="${PAUSE_FILE:-}" exec nice -n "${NICE:-19}" \
    scripts/fuzz.sh --runs "${RUNS:-1000000}" "$@"
