#!/usr/bin/env bash
# Fuzzes Sluice's decoders and parsers with Jazzer, one target at a time, each in its own JVM.
#
#   scripts/fuzz.sh --ci            every target for a few seconds (CI: total well under 2 minutes)
#   scripts/fuzz.sh --runs 1000000  every target for that many executions (the campaign the issue asks
#                                   for, see benchmarks/run-fuzz.sh); writes benchmarks/results/fuzz-<time>.txt
#   scripts/fuzz.sh --seconds 60 [Target#method ...]   chosen targets for a time
#
# Plain `mvn test` already replays the committed corpus (src/test/resources/io/sluice/**/*FuzzTestInputs/)
# in JUnit regression mode. A finding leaves a crash-* (timeout-*, oom-*) file in
# target/fuzz/findings/<target>/; copy it into the target's *FuzzTestInputs/<method>/ folder to turn it
# into a regression test, then fix the code.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=seconds; amount=60; targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --ci) mode=seconds; amount=${FUZZ_CI_SECONDS:-3}; shift ;;
    --runs) mode=runs; amount=$2; shift 2 ;;
    --seconds) mode=seconds; amount=$2; shift 2 ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(grep -rl '@FuzzTest' src/test/java --include='*.java' | sort | while read -r f; do
    cls=$(echo "${f#src/test/java/}" | sed 's/\.java$//; s|/|.|g')
    grep -A2 '@FuzzTest' "$f" | grep -oE 'void [a-zA-Z0-9_]+' | awk -v c="$cls" '{print c"#"$2}'
  done)
fi
if [ ! -f target/test-cp.txt ] || [ pom.xml -nt target/test-cp.txt ] || [ ! -d target/test-classes/io/sluice/fuzz ] || [ -z "${FUZZ_NO_COMPILE:-}" ]; then
  mvn -B -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/test-cp.txt \
      -Dmdep.includeScope=test >/dev/null
fi
cp="$PWD/target/test-classes:$PWD/target/classes:$(cat target/test-cp.txt)"
work=target/fuzz; mkdir -p "$work"
stamp=$(date -u +%Y-%m-%d-%H%M)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
report=""
failed=0
for t in "${targets[@]}"; do
  cls=${t%#*}; method=${t#*#}
  corpus="$work/corpus/$cls/$method"; mkdir -p "$corpus"
  seeds="src/test/resources/${cls//.//}Inputs/$method"
  limit=(-max_total_time="$amount")
  if [ "$mode" = runs ]; then
    limit=(-runs="$amount")
    # FUZZ_MAX_SECONDS caps each target's time in a campaign (a slow target then stops short of the runs)
    [ "${FUZZ_MAX_SECONDS:-0}" -gt 0 ] && limit+=(-max_total_time="$FUZZ_MAX_SECONDS")
  fi
  findings="$work/findings/$cls.$method"; mkdir -p "$findings"
  log="$work/$cls.$method.log"
  echo "fuzzing $t ($mode $amount)"
  start=$(date +%s)
  set +e
  (cd "$work" && java -Xmx1g -Dio.netty.leakDetection.level=paranoid \
      -Dio.grpc.netty.shaded.io.netty.leakDetection.level=paranoid -cp "$cp" \
      com.code_intelligence.jazzer.Jazzer --target_class="$cls" --target_method="$method" \
      --instrumentation_includes='io.sluice.**' \
      --disabled_hooks=com.code_intelligence.jazzer.sanitizers.ServerSideRequestForgery \
      "${limit[@]}" -artifact_prefix="$PWD/../../$findings/" -rss_limit_mb=1536 -timeout="${FUZZ_TIMEOUT:-30}" "$PWD/../../$corpus" \
      $( [ -d "$seeds" ] && echo "$PWD/../../$seeds" )) > "$log" 2>&1
  rc=$?
  set -e
  secs=$(( $(date +%s) - start ))
  done_line=$(grep -a -E '^Done [0-9]+ runs' "$log" | tail -1 || true)
  if [ $rc -ne 0 ]; then
    failed=1
    echo "FINDING in $t (exit $rc), log: $log"
    grep -a -E '^== Java Exception|^(ERROR|FINDING)|Exception' "$log" | head -5
  fi
  echo "  ${done_line:-no summary} (${secs}s wall, exit $rc)"
  last=$(grep -a -E '^#[0-9]+' "$log" | tail -1 || true)
  execs=$(echo "$done_line" | grep -oE '[0-9]+' | head -1 || true)
  cov=$(echo "$last" | grep -oE 'cov: [0-9]+' | grep -oE '[0-9]+' || true)
  ft=$(echo "$last" | grep -oE 'ft: [0-9]+' | grep -oE '[0-9]+' || true)
  corp=$(echo "$last" | grep -oE 'corp: [0-9]+' | grep -oE '[0-9]+' || true)
  rate=$(echo "$last" | grep -oE 'exec/s: [0-9]+' | grep -oE '[0-9]+' || true)
  crashes=$(find "$findings" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' \) | wc -l)
  report+="$(printf '%-62s %10s %7s %5s %6s %6s %7s %6s  %s' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$crashes" "${secs}s" \
      "$([ $rc -eq 0 ] && echo 'no finding' || echo "FINDING (exit $rc): $(grep -a -m1 -E '^== Java Exception|SUMMARY' "$log" | cut -c1-150)")")"$'\n'
done
if [ "$mode" = runs ]; then
  out=benchmarks/results/fuzz-$stamp.txt
  { echo "Fuzz campaign $stamp UTC: scripts/fuzz.sh --runs $amount (each target capped at ${FUZZ_MAX_SECONDS:-0} s; 0 = no cap)"
    echo "commit $(git rev-parse --short HEAD), $(nproc) cores, Jazzer $(ls "$HOME"/.m2/repository/com/code-intelligence/jazzer/ 2>/dev/null | tail -1), Netty leak detection paranoid"
    echo "load (1/5/15 min) at start ${load_start}, at end $(cut -d' ' -f1-3 /proc/loadavg) (shared machine; run niced)"
    echo
    printf '%-62s %10s %7s %5s %6s %6s %7s %6s  %s\n' target executions exec/s cov ft corpus crashes wall result
    printf '%s' "$report"
    echo
    echo "cov/ft: libFuzzer's coverage counters and features at the end (io.sluice.** instrumented); corpus: inputs kept;"
    echo "crashes: crash-/timeout-/oom- files in target/fuzz/findings/<target>/. Logs: target/fuzz/<target>.log."
  } > "$out"
  echo "wrote $out"
fi
exit $failed
