#!/usr/bin/env bash
# Issue 14 benchmark: TCP -> persistent log -> file at 100 B and 1 KB for fsync never / 10ms /
# always, side by side in one run with the same pipeline in memory (overflow block), rsyslog
# (imtcp -> disk-assisted queue -> omfile, and a pure disk queue) fed the same bytes by the same
# sender (socat), and dd's sequential write bandwidth on the same disk. What each cell measures is
# in durable_bench.py. Results: benchmarks/results/durable-<UTC time>.md and .json.
#
#   benchmarks/run-durable.sh            # 3 rounds, 1,000,000 x 100 B and 200,000 x 1 KB
#   ROUNDS=5 benchmarks/run-durable.sh
#   benchmarks/run-durable.sh --smoke    # tiny inputs, one round, results in target/ (a check that it runs)
#   ONLY_SIZE=1000 SKIP=sluice-persistent-always ROUNDS=2 benchmarks/run-durable.sh   # one size, a cell left out
#   WARM_REPS=1 benchmarks/run-durable.sh   # one untimed warm-up pass per gateway instead of 5 (the JIT still compiles in the timed part)
#
# Needs rsyslog and socat (installed with apt-get when missing). The machine must be otherwise idle
# for the numbers to mean anything.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
need() {
  command -v "$1" >/dev/null && return 0
  echo "installing $2 for $1" >&2
  apt-get install -y -qq "$2" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }
}
need rsyslogd rsyslog
need socat socat
(cd "$root" && mvn -q -B -DskipTests -Djacoco.skip=true package)
jar="$(ls "$root"/target/sluice-*-cli.jar)"
out="$here/results"
[ "${1:-}" = "--smoke" ] && out="$root/target/durable-smoke"
echo "commit $(git -C "$root" rev-parse --short HEAD), $(nproc) cores, $(java -version 2>&1 | head -1), $(rsyslogd -v | head -1)"
exec python3 "$here/durable_bench.py" "$jar" "$out" "$@"
