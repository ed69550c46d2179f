#!/usr/bin/env bash
# Sluice's RESP endpoints vs redis-server doing the same job with a sorted set, driven by the same
# client (redis-benchmark, Debian redis-tools) with the same pipelining (-P 1 and -P 16):
#   UPDATE item prio   (resp source)          vs  ZINCRBY q prio item  (and ZADD q prio item)
#   NEXT               (priority-queue sink)  vs  ZPOPMAX q
# over ITEMS distinct items. Before each NEXT / ZPOPMAX run, both queues are filled with exactly
# ITEMS distinct items by mass insertion (redis-cli --pipe), so every NEXT / ZPOPMAX takes an item
# (none answers nil). Scores are redis-benchmark's requests per second (a request/reply client
# counts a request when its reply arrived). Results: benchmarks/results/resp-<UTC time>.csv and .md.
#
#   benchmarks/run-resp.sh                  # builds Sluice, starts redis-server and the gateway
#   benchmarks/run-resp.sh --no-start       # both already running on the ports below
#   ITEMS=100000 CLIENTS=50 benchmarks/run-resp.sh
#   ITEMS=10000 RESULTS=/tmp/resp-smoke benchmarks/run-resp.sh   # smoke run, results kept out of the repo
#   WARMUP=100000 benchmarks/run-resp.sh    # first WARMUP unmeasured requests of every cell's command on
#                                           # both targets (the JVM's JIT compiles before it is measured)
#
# Needs: redis-benchmark, redis-cli (redis-tools) and redis-server (redis-server); installs them with
# apt-get when missing. Machine must be otherwise idle for the numbers to mean anything.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
ITEMS="${ITEMS:-100000}"
CLIENTS="${CLIENTS:-50}"
WARMUP="${WARMUP:-0}"
SLUICE_IN=17380
SLUICE_OUT=17381
REDIS=17390
start=yes
[ "${1:-}" = "--no-start" ] && start=no

need() {
  command -v "$1" >/dev/null && return 0
  echo "installing $2 for $1" >&2
  apt-get install -y -qq "$2" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }
}
need redis-benchmark redis-tools
need redis-cli redis-tools
pids=()
cleanup() { for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_port() {
  for _ in $(seq 1 300); do redis-cli -p "$1" PING >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "nothing answers PING on port $1" >&2; exit 1
}

if [ "$start" = yes ]; then
  need redis-server redis-server
  redis-server --port "$REDIS" --save '' --appendonly no >/dev/null &
  pids+=($!)
  (cd "$root" && ./sluice validate "$here/resp-bench.yaml") >&2 || {
    echo "this gateway cannot run $here/resp-bench.yaml (needs the resp / priority-queue endpoint types)" >&2
    exit 2
  }
  (cd "$root" && exec ./sluice run "$here/resp-bench.yaml") >/dev/null 2>&1 &
  pids+=($!)
fi
wait_port "$REDIS"; wait_port "$SLUICE_IN"; wait_port "$SLUICE_OUT"

stamp="$(date -u +%Y-%m-%d-%H%M)"
results="${RESULTS:-$here/results}"
mkdir -p "$results"
csv="$results/resp-$stamp.csv"
echo "target,command,pipeline,requests_per_second" > "$csv"

bench() { # target port pipeline requests command...
  local target="$1" port="$2" p="$3" n="$4"; shift 4
  local rps
  rps="$(redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$n" -P "$p" -r "$ITEMS" -q --csv "$@" \
    | tail -1 | cut -d, -f2 | tr -d '"')"
  echo "$target,$1,$p,$rps" | tee -a "$csv"
}

fill() { # mass insertion of ITEMS distinct items into both queues (each with its own priority)
  seq 1 "$ITEMS" | awk '{printf "UPDATE item:%d %d\r\n", $1, $1 % 97}' | redis-cli -p "$SLUICE_IN" --pipe >/dev/null
  seq 1 "$ITEMS" | awk '{printf "ZADD q %d item:%d\r\n", $1 % 97, $1}' | redis-cli -p "$REDIS" --pipe >/dev/null
  # the source answers when it handed an item on; wait until the sink holds them all
  for _ in $(seq 1 600); do
    redis-cli -p "$SLUICE_OUT" INFO | grep -q "^size:$ITEMS" && return 0; sleep 0.1
  done
  echo "the priority-queue sink did not reach $ITEMS items" >&2; exit 1
}

drain() { # empty both queues (NEXT until the sink reports size 0)
  for _ in $(seq 1 100); do
    redis-cli -p "$SLUICE_OUT" INFO | grep -q "^size:0" && break
    awk -v n="$ITEMS" 'BEGIN { for (i = 0; i < n; i++) printf "NEXT\r\n" }' \
      | redis-cli -p "$SLUICE_OUT" --pipe >/dev/null
  done
  redis-cli -p "$REDIS" DEL q >/dev/null
}

warmup() { # WARMUP unmeasured requests of each command on both targets, then both queues emptied
  [ "$WARMUP" -gt 0 ] || return 0
  local w
  for w in 16 1; do
    redis-benchmark -h 127.0.0.1 -p "$SLUICE_IN" -c "$CLIENTS" -n "$WARMUP" -P "$w" -r "$ITEMS" -q UPDATE item:__rand_int__ 5 >/dev/null
    redis-benchmark -h 127.0.0.1 -p "$REDIS" -c "$CLIENTS" -n "$WARMUP" -P "$w" -r "$ITEMS" -q ZINCRBY q 5 item:__rand_int__ >/dev/null
    sleep 2; drain; fill
    redis-benchmark -h 127.0.0.1 -p "$SLUICE_OUT" -c "$CLIENTS" -n "$WARMUP" -P "$w" -q NEXT >/dev/null
    redis-benchmark -h 127.0.0.1 -p "$REDIS" -c "$CLIENTS" -n "$WARMUP" -P "$w" -q ZPOPMAX q >/dev/null
    drain
  done
}
warmup

for p in 1 16; do
  bench sluice "$SLUICE_IN" "$p" "$ITEMS" UPDATE item:__rand_int__ 5
  bench redis "$REDIS" "$p" "$ITEMS" ZINCRBY q 5 item:__rand_int__
  bench redis "$REDIS" "$p" "$ITEMS" ZADD q 5 item:__rand_int__
  redis-cli -p "$REDIS" DEL q >/dev/null
  # UPDATEs still flowing from source to sink would be taken by NEXT: wait, then start from empty
  sleep 2; drain
  fill
  bench sluice "$SLUICE_OUT" "$p" "$ITEMS" NEXT
  bench redis "$REDIS" "$p" "$ITEMS" ZPOPMAX q
  drain
done

{
  echo "# RESP: Sluice vs redis-server ($stamp UTC, $ITEMS distinct items, $CLIENTS clients, warm-up $WARMUP requests per command)"
  echo
  echo "| command | pipeline | Sluice req/s | redis-server req/s (equivalent) |"
  echo "|---|---|---|---|"
  for p in 1 16; do
    s_up="$(grep "^sluice,UPDATE,$p," "$csv" | cut -d, -f4)"
    r_inc="$(grep "^redis,ZINCRBY,$p," "$csv" | cut -d, -f4)"
    r_add="$(grep "^redis,ZADD,$p," "$csv" | cut -d, -f4)"
    s_next="$(grep "^sluice,NEXT,$p," "$csv" | cut -d, -f4)"
    r_pop="$(grep "^redis,ZPOPMAX,$p," "$csv" | cut -d, -f4)"
    echo "| UPDATE | $p | $s_up | $r_inc (ZINCRBY), $r_add (ZADD) |"
    echo "| NEXT | $p | $s_next | $r_pop (ZPOPMAX) |"
  done
} | tee "$results/resp-$stamp.md"
