#!/usr/bin/env bash
# Runs the persistent log's crash-consistency model (CrashModelTest) for many steps per fsync policy.
# Usage: scripts/plog-model.sh [steps-per-policy (default 3400000, ~10M in total)] [seed]
# A failure prints the seed; replay it with: scripts/plog-model.sh <steps> <seed>
set -euo pipefail
cd "$(dirname "$0")/.."
steps="${1:-3400000}"
seed_arg=()
if [[ $# -ge 2 ]]; then seed_arg=("-Dplog.seed=$2"); fi
mvn -q -Dtest=CrashModelTest -Dsurefire.failIfNoSpecifiedTests=false -Dplog.steps="$steps" "${seed_arg[@]}" \
    -DforkedProcessTimeoutInSeconds=0 test
grep -h "crash model" target/surefire-reports/io.sluice.persist.CrashModelTest-output.txt
