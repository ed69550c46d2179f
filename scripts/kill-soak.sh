#!/usr/bin/env bash
# Issue 19 item 4: a gateway with a persistent stage under load, killed with SIGKILL at random moments
# KILLS times (default 1,000), restarted each time; a sender over TCP in acks mode resends only what
# was not acknowledged. After each restart the run must resume (acknowledgements grow); at the end
# every message must be in the sink file (DurableTcpKillTest with -Dkill.count). Not part of CI
# (about 2-4 s per kill: a JVM start each time). Writes benchmarks/results/kill-soak-<UTC>.txt.
#
#   scripts/kill-soak.sh              # 1,000 kills, 500 messages per kill
#   KILLS=50 scripts/kill-soak.sh     # shorter
#   SEED=42 scripts/kill-soak.sh      # replay a seed printed by an earlier run
set -euo pipefail
cd "$(dirname "$0")/.."
KILLS="${KILLS:-1000}"
MESSAGES="${MESSAGES:-$((KILLS * 500 + 20000))}"
SECONDS_LIMIT="${SECONDS_LIMIT:-$((KILLS * 20 + 120))}"
stamp="$(date -u +%Y-%m-%d-%H%M)"
out="benchmarks/results/kill-soak-$stamp.txt"
seedArg=()
[ -n "${SEED:-}" ] && seedArg=("-Dkill.seed=$SEED")
start=$(date +%s)
{
  echo "kill soak $stamp UTC: KILLS=$KILLS MESSAGES=$MESSAGES on $(nproc) cores, commit $(git rev-parse --short HEAD)"
  echo "command: mvn -B test -Dtest=DurableTcpKillTest -Dkill.count=$KILLS -Dkill.messages=$MESSAGES -Dkill.seconds=$SECONDS_LIMIT ${seedArg[*]:-}"
} | tee "$out"
set +e
mvn -B test -Dtest=DurableTcpKillTest -Dsurefire.failIfNoSpecifiedTests=false -Djacoco.skip=true \
  -Dkill.count="$KILLS" -Dkill.messages="$MESSAGES" -Dkill.seconds="$SECONDS_LIMIT" "${seedArg[@]}" > "target/kill-soak-$stamp.log" 2>&1
rc=$?
set -e
grep -h "DurableTcpKillTest:" target/surefire-reports/io.sluice.cli.DurableTcpKillTest-output.txt 2>/dev/null | tee -a "$out" || true
grep -E "Tests run:|FAIL|missing|resumed" "target/kill-soak-$stamp.log" | head -20 | tee -a "$out"
echo "exit $rc after $(( $(date +%s) - start )) s" | tee -a "$out"
exit $rc
