#!/usr/bin/env bash
# Fuzzes Sluice's decoders and parsers with Jazzer.
#
#   scripts/fuzz.sh --ci            CI's time-boxed run: every target in ONE JVM (io.sluice.fuzz.AllTargets#all:
#                                   the first input byte picks the target) for FUZZ_CI_SECONDS (default 60);
#                                   seeds: every committed corpus. Measured under 2 minutes in all (README).
#   scripts/fuzz.sh --runs 1000000  every target for that many executions, each in its own JVM (the campaign
#                                   the issue asks for, see benchmarks/run-fuzz.sh); writes
#                                   benchmarks/results/fuzz-<time>.txt
#   scripts/fuzz.sh --seconds 60 [Target#method ...]   chosen targets for a time, each in its own JVM
#
# Plain `mvn test` already replays the committed corpus (src/test/resources/io/sluice/**/*FuzzTestInputs/)
# in JUnit regression mode. A finding leaves a crash-* (timeout-*, oom-*) file in
# target/fuzz/findings/<target>/ (with --ci: the input for that target, and its base64 in the log); copy
# it into the target's *FuzzTestInputs/<method>/ folder to turn it into a regression test, then fix the
# code. Exit status 1 when anything was found.
set -euo pipefail
cd "$(dirname "$0")/.."
script_start=$(date +%s)
mode=seconds; amount=60; targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --ci) mode=ci; amount=${FUZZ_CI_SECONDS:-60}; shift ;;
    --runs) mode=runs; amount=$2; shift 2 ;;
    --seconds) mode=seconds; amount=$2; shift 2 ;;
    -h|--help) sed -n 2,17p "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(grep -rlE '^\s*@FuzzTest' src/test/java --include='*.java' | sort | while read -r f; do
    cls=$(echo "${f#src/test/java/}" | sed 's/\.java$//; s|/|.|g')
    [ "$cls" = io.sluice.fuzz.AllTargets ] && continue # the --ci dispatcher over all the others
    grep -A2 -E '^\s*@FuzzTest' "$f" | grep -oE 'void [a-zA-Z0-9_]+' | awk -v c="$cls" '{print c"#"$2}'
  done)
fi
if [ ! -f target/test-cp.txt ] || [ pom.xml -nt target/test-cp.txt ] || [ ! -d target/test-classes/io/sluice/fuzz ] || [ -z "${FUZZ_NO_COMPILE:-}" ]; then
  mvn -B -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/test-cp.txt \
      -Dmdep.includeScope=test >/dev/null
fi
cp="$PWD/target/test-classes:$PWD/target/classes:$(cat target/test-cp.txt)"
work=target/fuzz; mkdir -p "$work"
jazzer_opts=(--instrumentation_includes='io.sluice.**'
    --disabled_hooks=com.code_intelligence.jazzer.sanitizers.ServerSideRequestForgery)
# A fuzzer this script stops with SIGTERM (CI budget, pause file) exits the JVM in the middle of an input:
# libFuzzer then reports "fuzz target exited" and writes that input as a crash-* file although nothing failed.
# After such a stop, with no Java exception in the piece's log (from line $2 on), those files become
# interrupted-* (kept, not counted as findings).
not_findings_when_stopped() {  # findings-dir log first-line-of-piece
  local piece; piece=$(tail -n +"$3" "$2")
  if echo "$piece" | grep -a -q 'libFuzzer: fuzz target exited' && ! echo "$piece" | grep -a -q -E '^== Java Exception|^== libFuzzer crashing input'; then
    for f in "$1"/crash-*; do
      [ -f "$f" ] && [ "$f" -nt "$2.start" ] && mv "$f" "$1/interrupted-${f##*/crash-}" && echo "  (input in flight when stopped: $1/interrupted-${f##*/crash-}, not a finding)"
    done
    sed -i "$3,\$ s/^\(==[0-9]*== ERROR: libFuzzer: fuzz target exited\|SUMMARY: libFuzzer: fuzz target exited\)/stopped by the script: &/" "$2"
  fi
  true
}
jvm_opts=(-Xmx1g -Dio.netty.leakDetection.level=paranoid -Dio.grpc.netty.shaded.io.netty.leakDetection.level=paranoid)

if [ "$mode" = ci ]; then
  # One JVM for all targets: target i gets the inputs whose first byte is i (mod the number of targets);
  # its committed corpus, each file prefixed with that byte, seeds the run.
  start=$(date +%s)
  n=${#targets[@]}
  list=$(IFS=,; echo "${targets[*]}")
  # the corpus kept between local runs is only valid for the same list of targets (the selector byte)
  seeds="$work/ci-seeds"; corpus="$work/corpus/all-$(echo "$list" | md5sum | cut -c1-8)"
  findings="$work/findings/all"; log="$work/all.log"
  rm -rf "$seeds" "$findings"; mkdir -p "$seeds" "$corpus" "$findings"
  for i in "${!targets[@]}"; do
    t=${targets[$i]}; cls=${t%#*}; method=${t#*#}; hex=$(printf '\\x%02x' "$i")
    printf "$hex" > "$seeds/$i-empty"
    for f in "src/test/resources/${cls//.//}Inputs/$method"/*; do
      [ -f "$f" ] && { printf "$hex"; cat "$f"; } > "$seeds/$i-$(basename "$f")"
    done
  done
  echo "$(date -u +%T) fuzzing ${n} targets in one JVM for ${amount}s (load $(cut -d' ' -f1-3 /proc/loadavg)): $list"
  # FUZZ_CI_BUDGET caps the whole step (compile, JVM start-up, fuzzing) in wall-clock seconds: on a
  # loaded machine the fuzzer is stopped (SIGTERM) when it is reached, with whatever time it had.
  budget=${FUZZ_CI_BUDGET:-110}
  touch "$log.start"; : > "$log"
  (cd "$work" && exec java "${jvm_opts[@]}" -Dsluice.fuzz.targets="$list" -cp "$cp" com.code_intelligence.jazzer.Jazzer \
      --target_class=io.sluice.fuzz.AllTargets --target_method=all "${jazzer_opts[@]}" -max_total_time="$amount" \
      -print_final_stats=1 -artifact_prefix="$PWD/../../$findings/" -rss_limit_mb=1536 -timeout="${FUZZ_TIMEOUT:-30}" \
      "$PWD/../../$corpus" "$PWD/../../$seeds") > "$log" 2>&1 &
  pid=$!; stopped=0
  while kill -0 "$pid" 2>/dev/null; do
    if [ $stopped -eq 0 ] && [ $(( $(date +%s) - script_start )) -ge "$budget" ]; then
      echo "$(date -u +%T) the ${budget}s budget is reached: stopping the fuzzer"; kill -TERM "$pid"; stopped=1
    fi
    sleep 1
  done
  set +e; wait "$pid"; rc=$?; set -e
  # stopped for the budget: not a failure unless it had found something
  [ $stopped -eq 1 ] && not_findings_when_stopped "$findings" "$log" 1
  if [ $stopped -eq 1 ] && ! grep -a -q -E '^== Java Exception|^==[0-9]+== ERROR: libFuzzer|^SUMMARY: libFuzzer' "$log"; then rc=0; fi
  grep -a -E '^Done [0-9]+ runs|^stat::number_of_executed_units|^fuzz targets:' "$log" || true
  found=0
  for f in "$findings"/*; do
    [ -f "$f" ] || continue
    case "$(basename "$f")" in crash-*|timeout-*|oom-*) ;; *) continue ;; esac
    found=1
    sel=$(od -An -tu1 -N1 "$f" | tr -d ' '); t=${targets[$(( ${sel:-0} % n ))]}
    out="$work/findings/${t%#*}.${t#*#}"; mkdir -p "$out"
    tail -c +2 "$f" > "$out/$(basename "$f")"
    echo "FINDING in $t: $out/$(basename "$f") (copy into src/test/resources/$(echo "${t%#*}" | tr . /)Inputs/${t#*#}/); base64:"
    base64 -w0 "$out/$(basename "$f")"; echo
  done
  if [ $rc -ne 0 ] || [ $found -ne 0 ]; then
    echo "fuzzing failed (exit $rc), log: $log"
    grep -a -A12 -E '^== Java Exception|^== libFuzzer crashing input' "$log" | head -40
    exit 1
  fi
  units=$(grep -a -E '^stat::number_of_executed_units' "$log" | tail -1 | grep -oE '[0-9]+$' || true)
  if [ "${units:-0}" -eq 0 ] && [ $stopped -eq 1 ]; then
    # the committed corpus was still replayed by mvn verify; say loudly that no fuzzing happened
    echo "WARNING: the fuzzer had not started fuzzing when the ${budget}s budget ran out (JVM start-up on a loaded machine)"
  fi
  echo "no finding (${units:-?} inputs, $(( $(date +%s) - start ))s wall in the fuzzer, $(( $(date +%s) - script_start ))s in all, load $(cut -d' ' -f1-3 /proc/loadavg))"
  exit 0
fi

stamp=$(date -u +%Y-%m-%d-%H%M)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
report=""
failed=0
for t in "${targets[@]}"; do
  cls=${t%#*}; method=${t#*#}
  corpus="$work/corpus/$cls/$method"; mkdir -p "$corpus"
  seeds="src/test/resources/${cls//.//}Inputs/$method"
  findings="$work/findings/$cls.$method"; mkdir -p "$findings"
  log="$work/$cls.$method.log"; : > "$log"
  echo "fuzzing $t ($mode $amount)"
  start=$(date +%s); execs=0; rc=0; paused=0
  # Runs in pieces when FUZZ_PAUSE_FILE names a file: while it exists the fuzzer is stopped (SIGTERM, its
  # executions so far counted) and started again afterwards on the same corpus for what is left.
  while :; do
    if [ -n "${FUZZ_PAUSE_FILE:-}" ] && [ -e "$FUZZ_PAUSE_FILE" ]; then
      echo "  paused while $FUZZ_PAUSE_FILE exists"; paused=$((paused + 1))
      while [ -e "$FUZZ_PAUSE_FILE" ]; do sleep 10; done
    fi
    spent=$(( $(date +%s) - start ))
    if [ "$mode" = runs ]; then
      limit=(-runs="$(( amount - execs ))")
      # FUZZ_MAX_SECONDS caps each target's time in a campaign (a slow target then stops short of the runs)
      if [ "${FUZZ_MAX_SECONDS:-0}" -gt 0 ]; then
        [ "$spent" -ge "$FUZZ_MAX_SECONDS" ] && break
        limit+=(-max_total_time="$(( FUZZ_MAX_SECONDS - spent ))")
      else
        # without it Jazzer stops at the @FuzzTest's maxDuration (10-60 s, meant for CI) long before the runs
        limit+=(-max_total_time=$(( 30 * 86400 )))
      fi
    else
      [ "$spent" -ge "$amount" ] && break
      limit=(-max_total_time="$(( amount - spent ))")
    fi
    first=$(( $(wc -l < "$log") + 1 )); touch "$log.start"
    (cd "$work" && exec java "${jvm_opts[@]}" -cp "$cp" \
        com.code_intelligence.jazzer.Jazzer --target_class="$cls" --target_method="$method" "${jazzer_opts[@]}" \
        "${limit[@]}" -print_final_stats=1 -artifact_prefix="$PWD/../../$findings/" -rss_limit_mb=1536 \
        -timeout="${FUZZ_TIMEOUT:-30}" "$PWD/../../$corpus" $( [ -d "$seeds" ] && echo "$PWD/../../$seeds" )) >> "$log" 2>&1 &
    pid=$!; stopped=0
    while kill -0 "$pid" 2>/dev/null; do
      if [ -n "${FUZZ_PAUSE_FILE:-}" ] && [ -e "$FUZZ_PAUSE_FILE" ] && [ $stopped -eq 0 ]; then
        kill -TERM "$pid" 2>/dev/null; stopped=1
      fi
      sleep 1
    done
    set +e; wait "$pid"; rc=$?; set -e
    [ $stopped -eq 1 ] && not_findings_when_stopped "$findings" "$log" "$first"
    n=$(grep -a -E '^stat::number_of_executed_units' "$log" | tail -1 | grep -oE '[0-9]+$' || true)
    # stopped by a signal, libFuzzer may not print its final stats: its last status line (#N) is a lower bound
    [ -z "$n" ] && n=$(grep -a -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
    execs=$(( execs + ${n:-0} ))
    # a piece that was not stopped for a pause ended for good: runs or time done, or a finding
    if [ $stopped -eq 0 ]; then break; fi
    rc=0
    [ "$mode" = runs ] && [ "$execs" -ge "$amount" ] && break
    # the final-stats line of this piece is counted: mark it so the next piece's is the one read
    sed -i -e 's/^stat::number_of_executed_units/counted::number_of_executed_units/' -e 's/^#\([0-9]\)/counted#\1/' "$log"
  done
  secs=$(( $(date +%s) - start ))
  if [ $rc -ne 0 ]; then
    failed=1
    echo "FINDING in $t (exit $rc), log: $log"
    grep -a -E '^== Java Exception|^(ERROR|FINDING)|Exception' "$log" | head -5
  fi
  echo "  ${execs} runs (${secs}s wall, ${paused} pauses, exit $rc)"
  last=$(grep -a -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(echo "$last" | grep -oE 'cov: [0-9]+' | grep -oE '[0-9]+' || true)
  ft=$(echo "$last" | grep -oE 'ft: [0-9]+' | grep -oE '[0-9]+' || true)
  corp=$(echo "$last" | grep -oE 'corp: [0-9]+' | grep -oE '[0-9]+' || true)
  rate=$(echo "$last" | grep -oE 'exec/s: [0-9]+' | grep -oE '[0-9]+' || true)
  crashes=$(find "$findings" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  report+="$(printf '%-62s %10s %7s %5s %6s %6s %7s %6s %6s  %s' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$crashes" "${secs}s" "$paused" \
      "$([ $rc -eq 0 ] && echo 'no finding' || echo "FINDING (exit $rc): $(grep -a -m1 -E '^== Java Exception|SUMMARY' "$log" | cut -c1-150)")")"$'\n'
done
if [ "$mode" = runs ]; then
  out=benchmarks/results/fuzz-$stamp.txt
  { echo "Fuzz campaign $stamp UTC: scripts/fuzz.sh --runs $amount (each target capped at ${FUZZ_MAX_SECONDS:-0} s; 0 = no cap)"
    echo "commit $(git rev-parse --short HEAD), $(nproc) cores, Jazzer $(ls "$HOME"/.m2/repository/com/code-intelligence/jazzer/ 2>/dev/null | tail -1), Netty leak detection paranoid"
    echo "load (1/5/15 min) at start ${load_start}, at end $(cut -d' ' -f1-3 /proc/loadavg) (shared machine; run niced)"
    echo
    printf '%-62s %10s %7s %5s %6s %6s %7s %6s %6s  %s\n' target executions exec/s cov ft corpus crashes wall pauses result
    printf '%s' "$report"
    echo
    echo "cov/ft: libFuzzer's coverage counters and features at the end (io.sluice.** instrumented); corpus: inputs kept;"
    echo "crashes: crash-/timeout-/oom- files in target/fuzz/findings/<target>/. Logs: target/fuzz/<target>.log."
    echo "exec/s: libFuzzer's last status line; wall includes JVM start-ups and pauses (FUZZ_PAUSE_FILE=${FUZZ_PAUSE_FILE:-})."
  } > "$out"
  echo "wrote $out"
fi
exit $failed
