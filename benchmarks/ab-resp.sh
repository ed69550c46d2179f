#!/usr/bin/env bash
# Interleaved A/B of two gateway builds on the RESP cells of run-resp.sh, with redis-server between
# them in every round, so that a shared or noisy machine weighs on all three alike: report ratios
# from the same round, not absolute numbers. Each build runs in a fresh gateway (benchmarks/resp-bench.yaml)
# with the same unmeasured warm-up (WARMUP requests of UPDATE at -P 16, a quarter at -P 1, a fill,
# WARMUP NEXT at -P 16). Per cell it prints requests/s (redis-benchmark) and the server's CPU time per
# request in microseconds (user + system, from /proc/<pid>/stat): the latter depends less on the load.
# The warm-up runs every measured cell's command and pipelining, WARM_ROUNDS times (default 2: the
# JIT recompiles the event loop's code when the traffic switches between source and sink, until it
# has seen both), then waits (at most SETTLE seconds, default 15) until the JVM's JIT compiler
# threads are idle, so that the cells measure the compiled gateway: jit_us_per_request is the part
# of cpu_us_per_request the compiler threads still used during the cell (0 for redis-server), and
# client_cpu_us_per_request is redis-benchmark's own CPU time (user + system) per request: at -P 1 the
# client and the server share the 2 cores, so the way the server's replies arrive weighs on it too.
# WARM_ROUNDS=1 SETTLE=0 WARM_P1_NEXT=0 give the earlier warm-up (UPDATE -P16, UPDATE -P1 a
# quarter, NEXT -P16; no wait).
#
#   benchmarks/ab-resp.sh OLD.jar NEW.jar [rounds]       # CSV on stdout: build,command,pipeline,rps,cpu_us_per_request,jit_us_per_request,client_cpu_us_per_request
#   N=100000 CLIENTS=50 WARMUP=100000 benchmarks/ab-resp.sh /tmp/old-cli.jar target/sluice-0.1.0-SNAPSHOT-cli.jar 3
#
# OLD_OPTS / NEW_OPTS: JVM options for that side's gateway, e.g. NEW_OPTS=-Dreactor.netty.ioWorkerCount=1;
# OLD_CONFIG / NEW_CONFIG: its gateway config instead of benchmarks/resp-bench.yaml (same ports).
# Build a jar of another commit with: git worktree add /tmp/old <commit> && (cd /tmp/old && mvn -q -B -DskipTests package)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
OLD="$1"; NEW="$2"; ROUNDS="${3:-3}"
N="${N:-100000}"; C="${CLIENTS:-50}"; ITEMS="${ITEMS:-$N}"; WARMUP="${WARMUP:-100000}"
SETTLE="${SETTLE:-15}"; WARM_P1_NEXT="${WARM_P1_NEXT:-1}"; WARM_ROUNDS="${WARM_ROUNDS:-2}"
tck=$(getconf CLK_TCK)
jit() { # CPU ticks of the JVM's JIT compiler threads (C1/C2), 0 when there are none
  local t sum=0
  for t in /proc/"$1"/task/*; do
    case "$(cat "$t/comm" 2>/dev/null)" in C1*|C2*) sum=$((sum + $(awk '{print $14+$15}' "$t/stat" 2>/dev/null || echo 0)));; esac
  done
  echo "$sum"
}
settle() { # wait until the compiler threads used at most 2 ticks in a second, or SETTLE seconds passed
  local a b i
  for i in $(seq 1 "$SETTLE"); do
    a=$(jit "$1"); sleep 1; b=$(jit "$1")
    [ $((b - a)) -le 2 ] && return 0
  done
  return 0
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
bench() { # port requests pipeline command...: prints requests/s; the client's CPU seconds go to $tmp/client
  /usr/bin/time -f "%U %S" -o "$tmp/client" redis-benchmark -h 127.0.0.1 -p "$1" -c "$C" -n "$2" -P "$3" -r "$ITEMS" -q --csv "${@:4}" \
    | tail -1 | cut -d, -f2 | tr -d '"'
}
client_us() { awk -v n="$N" '{printf "%d", ($1 + $2) * 1000000 / n}' "$tmp/client"; } # of the last bench
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
wait_port() { for _ in $(seq 1 300); do redis-cli -p "$1" PING >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no PING on $1" >&2; exit 1; }
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
gateway() { # label jar [java options, word-split] [config]
  # shellcheck disable=SC2086
  java ${3:-} -jar "$2" run "${4:-$here/resp-bench.yaml}" >/dev/null 2>&1 &
  local gw=$!
  wait_port 17380; wait_port 17381
  local r
  for r in $(seq 1 "$WARM_ROUNDS"); do
    bench 17380 "$WARMUP" 16 UPDATE item:__rand_int__ 5 >/dev/null; bench 17380 $((WARMUP / 4)) 1 UPDATE item:__rand_int__ 5 >/dev/null
    sleep 1; drain; fill; bench 17381 "$WARMUP" 16 NEXT >/dev/null; drain
    if [ "$WARM_P1_NEXT" = 1 ]; then fill; bench 17381 $((WARMUP / 4)) 1 NEXT >/dev/null; drain; fi
  done
  settle $gw
  for p in 1 16; do
    local c0 c1 c2 c3 j0 j1 j2 j3 u n uc nc
    j0=$(jit $gw); c0=$(cpu $gw); u=$(bench 17380 "$N" "$p" UPDATE item:__rand_int__ 5); c1=$(cpu $gw); j1=$(jit $gw); uc=$(client_us)
    sleep 2; drain; fill
    j2=$(jit $gw); c2=$(cpu $gw); n=$(bench 17381 "$N" "$p" NEXT); c3=$(cpu $gw); j3=$(jit $gw); nc=$(client_us)
    drain
    echo "$1,UPDATE,$p,$u,$(( (c1 - c0) * 1000000 / tck / N )),$(( (j1 - j0) * 1000000 / tck / N )),$uc"
    echo "$1,NEXT,$p,$n,$(( (c3 - c2) * 1000000 / tck / N )),$(( (j3 - j2) * 1000000 / tck / N )),$nc"
  done
  kill $gw; wait $gw 2>/dev/null || true
}
redis() {
  redis-server --port 17390 --save '' --appendonly no >/dev/null &
  local rs=$!
  wait_port 17390
  for p in 1 16; do
    local c0 c1 c2 c3 u n uc nc
    c0=$(cpu $rs); u=$(bench 17390 "$N" "$p" ZINCRBY q 5 item:__rand_int__); c1=$(cpu $rs); uc=$(client_us)
    redis-cli -p 17390 DEL q >/dev/null
    seq 1 "$ITEMS" | awk '{printf "ZADD q %d item:%d\r\n", $1 % 97, $1}' | redis-cli -p 17390 --pipe >/dev/null
    c2=$(cpu $rs); n=$(bench 17390 "$N" "$p" ZPOPMAX q); c3=$(cpu $rs); nc=$(client_us)
    redis-cli -p 17390 DEL q >/dev/null
    echo "redis,UPDATE,$p,$u,$(( (c1 - c0) * 1000000 / tck / N )),0,$uc"
    echo "redis,NEXT,$p,$n,$(( (c3 - c2) * 1000000 / tck / N )),0,$nc"
  done
  kill $rs; wait $rs 2>/dev/null || true
}
echo "build,command,pipeline,requests_per_second,cpu_us_per_request,jit_us_per_request,client_cpu_us_per_request"
for _ in $(seq 1 "$ROUNDS"); do
  gateway old "$OLD" "${OLD_OPTS:-}" "${OLD_CONFIG:-}"; gateway new "$NEW" "${NEW_OPTS:-}" "${NEW_CONFIG:-}"; redis
done
