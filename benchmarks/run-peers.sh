#!/usr/bin/env bash
# Issue 18 benchmark: Sluice against the programs users would run instead, on this machine, same
# input, same sender, one run, rounds alternating (what each cell measures: peers_bench.py):
#   TCP newline -> file, 100 B and 1 KB lines (socat sender)    vs rsyslog imtcp -> omfile, and dd
#   HTTP POST intake, 100 B and 4 KB, 32 and 256 connections (wrk) vs nginx `return 202`, bare reactor-netty
#   UDP datagrams -> file, 100 B (one Python sender), loss counted  vs rsyslog imudp -> omfile
# Results: benchmarks/results/peers-<UTC time>.{md,json,tsv,png}.
#
#   benchmarks/run-peers.sh                    # 3 rounds, about 12 minutes on 2 cores
#   ROUNDS=5 benchmarks/run-peers.sh
#   ONLY=tcp,http-100-c32 benchmarks/run-peers.sh          # some cells (prefixes of cell names)
#   PROFILE=benchmarks/results/peers-profile ONLY=tcp-100 ROUNDS=1 benchmarks/run-peers.sh
#       # + async-profiler (Maven Central tools.profiler:async-profiler) on the gateway: flame graphs per cell
#   benchmarks/run-peers.sh --smoke            # tiny inputs, one round, results in target/peers-smoke
#   benchmarks/run-peers.sh --quick            # the issue's target cells only, about 6-7 minutes:
#       # ONLY=tcp,http-100-c32 ROUNDS=3 HTTP_SECONDS=6 HTTP_WARM_SECONDS=10 WARM_PASSES=3 (each overridable)
#   SLUICE_JAR=/tmp/new-cli.jar BASE_JAR=/tmp/main-cli.jar BENCH_JAR=/tmp/benchmarks.jar benchmarks/run-peers.sh --quick
#       # prebuilt jars, nothing is built: a branch ("sluice") and main ("sluice-base") in the same rounds
#   WHO=sluice,sluice-base ONLY=tcp ROUNDS=2 ...  # some contestants only
#
# Installs rsyslog, nginx-light, wrk and socat with apt-get when missing. Other load on the machine
# skews every figure: the report records `uptime` for each round.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
need() {
  command -v "$1" >/dev/null && return 0
  echo "installing $2 for $1" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "$2" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }
}
need rsyslogd rsyslog
need nginx nginx-light
need wrk wrk
need socat socat
if [ "${1:-}" = "--quick" ]; then
  shift
  export ONLY="${ONLY:-tcp,http-100-c32}" ROUNDS="${ROUNDS:-3}" HTTP_SECONDS="${HTTP_SECONDS:-6}" \
    HTTP_WARM_SECONDS="${HTTP_WARM_SECONDS:-10}" WARM_PASSES="${WARM_PASSES:-3}"
fi
if [ -n "${SLUICE_JAR:-}" ]; then
  SKIP_BUILD=1   # prebuilt jars: nothing is built
fi
if [ "${SKIP_BUILD:-}" != 1 ]; then
  (cd "$root" && mvn -q -B -DskipTests -Djacoco.skip=true install)
  (cd "$here" && mvn -q -B package)
fi
jar="${SLUICE_JAR:-$(ls "$root"/target/sluice-*-cli.jar)}"
bench_jar="${BENCH_JAR:-$here/target/benchmarks.jar}"
out="$here/results"
[ "${1:-}" = "--smoke" ] && out="$root/target/peers-smoke"
if [ -n "${PROFILE:-}" ] && [ -z "${ASPROF_LIB:-}" ]; then
  v=4.2
  ap="$HOME/.m2/repository/tools/profiler/async-profiler/$v/async-profiler-$v.jar"
  [ -f "$ap" ] || mvn -q -B dependency:get -Dartifact="tools.profiler:async-profiler:$v"
  mkdir -p "$root/target/async-profiler"
  (cd "$root/target/async-profiler" && unzip -oq "$ap" 'linux-x64/*')
  export ASPROF_LIB="$root/target/async-profiler/linux-x64/libasyncProfiler.so"
  export PROFILE="$(cd "$(dirname "$PROFILE")" && pwd)/$(basename "$PROFILE")"
fi
echo "commit $(git -C "$root" rev-parse --short HEAD), $(nproc) cores, $(java -version 2>&1 | head -1)," \
  "$(rsyslogd -v | head -1), $(nginx -v 2>&1), $(wrk -v 2>&1 | head -1), $(uptime)"
echo "sluice: $jar${BASE_JAR:+, sluice-base: $BASE_JAR}"
exec python3 "$here/peers_bench.py" "$jar" "$bench_jar" "$out" "$@"
