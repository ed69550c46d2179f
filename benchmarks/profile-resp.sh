#!/usr/bin/env bash
# Profiles a gateway build on the RESP cells of run-resp.sh / ab-resp.sh with async-profiler attached
# to each cell separately (itimer, 1 ms, per thread): UPDATE and NEXT at -P 1 and -P 16, after the
# same unmeasured warm-up as ab-resp.sh. Writes <prefix>-{update,next}-P{1,16}.html (flame graph) and
# .collapsed (text, for benchmarks/resp_profile_summary.py), and prints one CSV line per cell
# (label,command,pipeline,requests_per_second,cpu_us_per_request) with `uptime` before and after.
#
#   benchmarks/profile-resp.sh JAR LABEL PREFIX
#   AP=/path/libasyncProfiler.so N=100000 CLIENTS=50 WARMUP=100000 benchmarks/profile-resp.sh \
#       target/sluice-0.1.0-SNAPSHOT-cli.jar new "$PWD/benchmarks/results/resp-profile-<date>-new"
#
# PREFIX must be an absolute path (the agent writes relative to the gateway's working directory).
# async-profiler: the release tarball, or the jar tools.profiler:async-profiler from Maven Central
# (its linux-x64/libasyncProfiler.so).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
JAR="$1"; LABEL="$2"; PREFIX="$3"
AP="${AP:-/tmp/h16/ap/linux-x64/libasyncProfiler.so}"
N="${N:-100000}"; C="${CLIENTS:-50}"; ITEMS="${ITEMS:-$N}"; WARMUP="${WARMUP:-100000}"
tck=$(getconf CLK_TCK)
java -jar "$JAR" run "$here/resp-bench.yaml" >/dev/null 2>&1 &
gw=$!
trap 'kill $gw 2>/dev/null; wait $gw 2>/dev/null || true' EXIT
wait_port() { for _ in $(seq 1 300); do redis-cli -p "$1" PING >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no PING on $1" >&2; exit 1; }
wait_port 17380; wait_port 17381
cpu() { awk '{print $14+$15}' "/proc/$gw/stat"; }
agent() { jcmd "$gw" JVMTI.agent_load "$AP" "\"$1\"" >/dev/null; }
bench() { redis-benchmark -h 127.0.0.1 -p "$1" -c "$C" -n "$2" -P "$3" -r "$ITEMS" -q --csv "${@:4}" 2>/dev/null | tail -1 | cut -d, -f2 | tr -d '"'; }
fill() {
  seq 1 "$ITEMS" | awk '{printf "UPDATE item:%d %d\r\n", $1, $1 % 97}' | redis-cli -p 17380 --pipe >/dev/null
  for _ in $(seq 1 600); do redis-cli -p 17381 INFO | grep -q "^size:$ITEMS" && return 0; sleep 0.1; done
  echo "the sink did not reach $ITEMS items" >&2; exit 1
}
drain() {
  for _ in $(seq 1 100); do
    redis-cli -p 17381 INFO | grep -q "^size:0" && break
    awk -v n="$ITEMS" 'BEGIN { for (i = 0; i < n; i++) printf "NEXT\r\n" }' | redis-cli -p 17381 --pipe >/dev/null
  done
}
bench 17380 "$WARMUP" 16 UPDATE item:__rand_int__ 5 >/dev/null; bench 17380 $((WARMUP / 4)) 1 UPDATE item:__rand_int__ 5 >/dev/null
sleep 1; drain; fill; bench 17381 "$WARMUP" 16 NEXT >/dev/null; drain
echo "# $(uptime)"
for p in 1 16; do
  c0=$(cpu); agent "start,event=itimer,interval=1ms,threads"; u=$(bench 17380 "$N" "$p" UPDATE item:__rand_int__ 5)
  agent "dump,collapsed,file=$PREFIX-update-P$p.collapsed"; agent "stop,file=$PREFIX-update-P$p.html"; c1=$(cpu)
  sleep 2; drain; fill
  c2=$(cpu); agent "start,event=itimer,interval=1ms,threads"; n=$(bench 17381 "$N" "$p" NEXT)
  agent "dump,collapsed,file=$PREFIX-next-P$p.collapsed"; agent "stop,file=$PREFIX-next-P$p.html"; c3=$(cpu)
  drain
  echo "$LABEL,UPDATE,$p,$u,$(( (c1 - c0) * 1000000 / tck / N ))"
  echo "$LABEL,NEXT,$p,$n,$(( (c3 - c2) * 1000000 / tck / N ))"
done
echo "# $(uptime)"
