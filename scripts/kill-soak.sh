#!/usr/bin/env bash
# Issue 19 item 4: a gateway with a persistent stage under load, killed with SIGKILL at random moments
# KILLS times (default 1,000), restarted each time; a sender over TCP in acks mode resends only what
# was not acknowledged. After each restart the run must resume (acknowledgements grow); at the end
# every message must be in the sink file (DurableTcpKillTest with -Dkill.count). Not part of CI
# (about 2-4 s per kill without the class-data sharing archive made below: a JVM start each time). Writes benchmarks/results/kill-soak-<UTC>.txt.
#
#   scripts/kill-soak.sh              # 1,000 kills, 3,000 messages per kill (a kill lands ~250-800 after its
#                                     # threshold, and the sender runs on until the SIGKILL lands)
#   KILLS=50 scripts/kill-soak.sh     # shorter
#   SEED=42 scripts/kill-soak.sh      # replay a seed printed by an earlier run
set -euo pipefail
cd "$(dirname "$0")/.."
KILLS="${KILLS:-1000}"
MESSAGES="${MESSAGES:-$((KILLS * 3000 + 20000))}"
SECONDS_LIMIT="${SECONDS_LIMIT:-$((KILLS * 20 + 120))}"
stamp="$(date -u +%Y-%m-%d-%H%M)"
out="benchmarks/results/kill-soak-$stamp.txt"
seedArg=()
[ -n "${SEED:-}" ] && seedArg=("-Dkill.seed=$SEED")
start=$(date +%s)
{
  echo "kill soak $stamp UTC: KILLS=$KILLS MESSAGES=$MESSAGES on $(nproc) cores, commit $(git rev-parse --short HEAD)"
  echo "command: mvn -B test-compile surefire:test@default-test -Dtest=DurableTcpKillTest -Dkill.count=$KILLS -Dkill.step=500 -Dkill.messages=$MESSAGES -Dkill.seconds=$SECONDS_LIMIT ${seedArg[*]:-}"
} | tee "$out"
# Each kill costs a JVM start: start the CLI jar with a class-data sharing archive of it (made once
# here by a short run stopped with SIGTERM) and C1 only, which shortens each start severalfold.
mvn -q -B -DskipTests -Djacoco.skip=true package
jar="$(ls target/sluice-*-cli.jar)"
jsa="target/kill-soak.jsa"
cds="$(mktemp -d)"
printf 'pipelines:\n  - name: cds\n    source: {type: tcp, host: 127.0.0.1, port: 0, framing: length-prefixed, acks: true}\n    overflow: {policy: persistent, path: %s/log, fsync: 10ms}\n    sink: {type: file, path: %s/out, append: true}\n' "$cds" "$cds" > "$cds/g.yaml"
rm -f "$jsa"
java -XX:ArchiveClassesAtExit="$jsa" -XX:TieredStopAtLevel=1 -jar "$jar" run "$cds/g.yaml" > "$cds/cds.log" 2>&1 &
cdsPid=$!
sleep 5
kill -TERM "$cdsPid"; wait "$cdsPid" || true
rm -rf "$cds"
jvmArgs="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
[ -f "$jsa" ] && jvmArgs="$jvmArgs -XX:SharedArchiveFile=$PWD/$jsa" || echo "no CDS archive made; running without it" | tee -a "$out"
echo "gateway JVM: java $jvmArgs -jar $jar" | tee -a "$out"
set +e
# test-compile + the default surefire execution only (the fuzz-regression execution would run it again)
mvn -B test-compile surefire:test@default-test -Dtest=DurableTcpKillTest -Dsurefire.failIfNoSpecifiedTests=false -Djacoco.skip=true -Dsurefire.forkTimeout=0 \
  -Dkill.jar="$PWD/$jar" -Dkill.jvmArgs="$jvmArgs" \
  -Dkill.count="$KILLS" -Dkill.step=500 -Dkill.messages="$MESSAGES" -Dkill.seconds="$SECONDS_LIMIT" "${seedArg[@]}" > "target/kill-soak-$stamp.log" 2>&1
rc=$?
set -e
grep -h "DurableTcpKillTest:" target/surefire-reports/io.sluice.cli.DurableTcpKillTest-output.txt 2>/dev/null | tee -a "$out" || true
grep -E "Tests run:|FAIL|[0-9]+ missing|resumed|timeout" "target/kill-soak-$stamp.log" | head -20 | tee -a "$out"
echo "exit $rc after $(( $(date +%s) - start )) s" | tee -a "$out"
exit $rc
