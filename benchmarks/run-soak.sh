#!/usr/bin/env bash
# Issue 17 item 4: lossless soak (not part of CI). MESSAGES numbered messages (default 10,000,000)
# through each streaming transport -- TCP newline, TCP length-prefixed, WebSocket, gRPC client
# streaming, RSocket channel, ZeroMQ PUSH/PULL -- into a gateway run as its own `sluice run` process
# with -Xmx256m and Netty leak detection PARANOID: one transport after the other, a fresh gateway for
# each (MODE=each, the default), or all six through one gateway at once (MODE=together). Each gateway pipeline is
# source -> overflow block -> delay step -> file sink, its delay making it about half as fast as its
# sender. The senders are the CLI jar's own sinks in a second `sluice run` process: one pipeline per
# transport, a `generator` source (devices mode: each payload is a JSON reading carrying "seq":N)
# paced by a delay step, then the transport's sink, which holds one connection (one ZeroMQ socket).
#
# Every 10 s the gateway's heap after a full GC is recorded (jcmd GC.run, then GC.heap_info) with the
# delivered counts from /metrics. At the end benchmarks/soak_check.py reads each received file and
# counts lost, duplicated and reordered sequence numbers, the gateway log is searched for LEAK lines,
# and the heap curve is drawn. Writes benchmarks/results/soak-<UTC>.{txt,csv,png}.
#
#   benchmarks/run-soak.sh                          # 10M per transport (tens of minutes on 2 cores)
#   MESSAGES=1000000 benchmarks/run-soak.sh         # shorter
#   SENDER_DELAY=1ms SENDER_EVERY=100 SINK_DELAY=1ms SINK_EVERY=50 benchmarks/run-soak.sh
#        # pacing (the defaults): the delay step pauses DELAY once per EVERY messages, so the sender
#        # goes at most ~100k/s and the gateway's sink at most ~50k/s, half of it (one pause per
#        # message cannot go below parkNanos' ~55 us floor on Linux: ~45 min per 10M transport)
#   TRANSPORTS="grpc rsocket" benchmarks/run-soak.sh          # some of them
#   MODE=together benchmarks/run-soak.sh                        # all through one gateway at once
#   PAUSE_FILE=/path/to/flag benchmarks/run-soak.sh             # no new round starts while the file exists
#   GATEWAY_JVM_OPTS=-XX:-StackTraceInThrowable TRANSPORTS=rsocket benchmarks/run-soak.sh
#        # extra gateway JVM options. This one keeps PARANOID leak detection (every buffer tracked, a
#        # leak still logged as LEAK) but its access records carry no stack trace: RSocket's frame codec
#        # touches each buffer many times and with traces its event loop spent its time in
#        # Throwable.fillInStackTrace (~5k messages/s, ~35 min for 10M on 2 shared cores)
# Needs /usr/bin/python3 (or $PYTHON) with matplotlib (Debian: apt-get install python3-matplotlib) and jcmd (the JDK).
set -euo pipefail
cd "$(dirname "$0")/.."
MESSAGES="${MESSAGES:-10000000}"
SENDER_DELAY="${SENDER_DELAY:-1ms}"
SENDER_EVERY="${SENDER_EVERY:-100}"
SINK_DELAY="${SINK_DELAY:-1ms}"
SINK_EVERY="${SINK_EVERY:-50}"
CAPACITY="${CAPACITY:-1024}"
MODE="${MODE:-each}"
NO_PROGRESS_LIMIT="${NO_PROGRESS_LIMIT:-300}"   # seconds without a delivered message before giving up
GATEWAY_JVM_OPTS="${GATEWAY_JVM_OPTS:-}"
PAUSE_FILE="${PAUSE_FILE:-}"   # while this file exists, no new round starts (a shared machine's quiet window)
read -r -a TRANSPORTS <<< "${TRANSPORTS:-tcp-newline tcp-length websocket grpc rsocket zmq}"
stamp="$(date -u +%Y-%m-%d-%H%M)"
out="benchmarks/results/soak-$stamp"
work="target/soak-$stamp"
mkdir -p "$work" benchmarks/results
ls target/sluice-*-cli.jar > /dev/null 2>&1 || mvn -q -B -DskipTests -Djacoco.skip=true package
jar="$(ls target/sluice-*-cli.jar)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
{
  echo "# Lossless soak $stamp UTC: $MESSAGES messages per transport, MODE=$MODE (${TRANSPORTS[*]})"
  echo "commit $(git rev-parse --short HEAD), $(nproc) cores, load at start $(load) (the machine is shared; every JVM runs niced)"
  echo "command: MESSAGES=$MESSAGES MODE=$MODE SENDER_DELAY=$SENDER_DELAY SENDER_EVERY=$SENDER_EVERY SINK_DELAY=$SINK_DELAY SINK_EVERY=$SINK_EVERY CAPACITY=$CAPACITY GATEWAY_JVM_OPTS=\"$GATEWAY_JVM_OPTS\" TRANSPORTS=\"${TRANSPORTS[*]}\" benchmarks/run-soak.sh"
  echo "gateway: nice java -Xmx256m $GATEWAY_JVM_OPTS -Dio.netty.leakDetection.level=paranoid -Dio.grpc.netty.shaded.io.netty.leakDetection.level=paranoid -jar $jar run gateway.yaml"
  echo "sender:  nice java -Xmx512m -jar $jar run sender.yaml"
} > "$out.txt"
echo "round,seconds,heap_used_after_gc_kib,load1,delivered,overflow_buffered" > "$out.csv"
# one value per pipeline of a Prometheus metric read from stdin, in the given order, space-separated
per_pipeline() {
  awk -v name="$1" -v list="$2" '
    index($0, name "{") == 1 { match($0, /pipeline="[^"]*"/); p = substr($0, RSTART + 10, RLENGTH - 11); v[p] = $NF }
    END { n = split(list, t, " "); s = ""; for (i = 1; i <= n; i++) s = s (i > 1 ? " " : "") int(v[t[i]] + 0); print s }'
}
gw=""; sender=""
cleanup() { [ -n "$sender" ] && kill "$sender" 2>/dev/null; [ -n "$gw" ] && kill "$gw" 2>/dev/null; true; }
trap cleanup EXIT
failed=0

# One gateway and one sender process carrying the given transports; appends to $out.csv and $out.txt.
run_round() {
  local round=$1; shift
  local ts=("$@") t p src sink dir="$work/$round"
  if [ -n "$PAUSE_FILE" ]; then while [ -e "$PAUSE_FILE" ]; do sleep 30; done; fi
  mkdir -p "$dir"
  declare -A port
  for t in "${ts[@]}"; do port[$t]=$(free_port); done
  local admin; admin=$(free_port)
  {
    echo "admin: {host: 127.0.0.1, port: $admin}"
    echo "drainTimeout: 60s"
    echo "pipelines:"
    for t in "${ts[@]}"; do
      p=${port[$t]}
      case $t in
        tcp-newline) src="{type: tcp, port: $p, framing: newline, idleTimeout: 0s}" ;;
        tcp-length) src="{type: tcp, port: $p, framing: length-prefixed, idleTimeout: 0s}" ;;
        websocket) src="{type: websocket, port: $p, idleTimeout: 0s, pingInterval: 0s}" ;;
        grpc) src="{type: grpc, port: $p, idleTimeout: 0s}" ;;
        rsocket) src="{type: rsocket, port: $p, mode: channel, idleTimeout: 0s}" ;;
        zmq) src="{type: zmq-pull, endpoint: 'tcp://127.0.0.1:$p', bind: true}" ;;
        *) echo "unknown transport $t" >&2; return 1 ;;
      esac
      echo "  - name: $t"
      echo "    source: $src"
      echo "    overflow: {policy: block, capacity: $CAPACITY}"
      echo "    steps: [{type: delay, per: $SINK_DELAY, every: $SINK_EVERY}]"
      echo "    sink: {type: file, path: $PWD/$dir/$t.out, format: newline}"
    done
  } > "$dir/gateway.yaml"
  {
    echo "pipelines:"
    for t in "${ts[@]}"; do
      p=${port[$t]}
      case $t in
        tcp-newline) sink="{type: tcp, port: $p, framing: newline}" ;;
        tcp-length) sink="{type: tcp, port: $p, framing: length-prefixed}" ;;
        websocket) sink="{type: websocket, port: $p}" ;;
        grpc) sink="{type: grpc, port: $p, mode: stream}" ;;
        rsocket) sink="{type: rsocket, port: $p, mode: channel}" ;;
        zmq) sink="{type: zmq-push, endpoint: 'tcp://127.0.0.1:$p'}" ;;
      esac
      echo "  - name: send-$t"
      echo "    source: {type: generator, count: $MESSAGES, devices: 16}"
      echo "    steps: [{type: delay, per: $SENDER_DELAY, every: $SENDER_EVERY}]"
      echo "    sink: $sink"
    done
  } > "$dir/sender.yaml"
  { echo; echo "## round $round (${ts[*]}), load at start $(load)"
    echo "gateway.yaml:"; sed 's/^/    /' "$dir/gateway.yaml"
    echo "sender.yaml:"; sed 's/^/    /' "$dir/sender.yaml"; } >> "$out.txt"
  # shellcheck disable=SC2086 # GATEWAY_JVM_OPTS: words
  nice java -Xmx256m $GATEWAY_JVM_OPTS -Dio.netty.leakDetection.level=paranoid -Dio.grpc.netty.shaded.io.netty.leakDetection.level=paranoid \
    -jar "$jar" run "$dir/gateway.yaml" > "$dir/gateway.log" 2>&1 &
  gw=$!
  for _ in $(seq 120); do
    curl -sf "http://127.0.0.1:$admin/health/ready" > /dev/null && break
    sleep 0.5
  done
  curl -sf "http://127.0.0.1:$admin/health/ready" > /dev/null || { echo "gateway not ready" >> "$out.txt"; tail -30 "$dir/gateway.log" >> "$out.txt"; failed=1; return 0; }
  local start; start=$(date +%s)
  nice java -Xmx512m -jar "$jar" run "$dir/sender.yaml" > "$dir/sender.log" 2>&1 &
  sender=$!
  local last_total=-1 last_change=$start result=incomplete now d h total done_all peak=65536 sender_done=""
  while kill -0 "$gw" 2>/dev/null; do
    now=$(date +%s)
    # delivered count of every pipeline, in the round's order
    m=$(curl -sf --max-time 5 "http://127.0.0.1:$admin/metrics" || echo "")
    d=""; [ -n "$m" ] && d=$(echo "$m" | per_pipeline sluice_messages_delivered_total "${ts[*]}")
    # how full each overflow buffer is (of CAPACITY): full means the sink is what holds the sender back
    b=$(echo "$m" | per_pipeline sluice_overflow_buffered "${ts[*]}")
    timeout 60 jcmd "$gw" GC.run > /dev/null 2>&1 || true
    h=$(timeout 30 jcmd "$gw" GC.heap_info 2>/dev/null | grep -m1 -oE 'used [0-9]+K' | grep -oE '[0-9]+' || echo -1)
    echo "$round,$((now - start)),$h,$(cut -d' ' -f1 /proc/loadavg),$d,$b" >> "$out.csv"
    # the sender finishes long before the slower sink only if the gateway read ahead of its demand
    if [ -z "$sender_done" ] && ! kill -0 "$sender" 2>/dev/null; then sender_done="at $((now - start)) s, when the gateway had delivered $d"; fi
    # the class histogram at the highest heap seen (above 64 MiB), to tell what a growing heap holds
    if [ "$h" -gt "$peak" ]; then
      peak=$h
      { echo "round $round at $((now - start)) s, heap after GC ${h} KiB:"; timeout 60 jcmd "$gw" GC.class_histogram 2>/dev/null | head -25; } > "$out.$round.histogram.txt"
    fi
    total=$(echo "$d" | tr ' ' '\n' | awk '{s += $1} END {print s + 0}')
    done_all=$(echo "$d" | tr ' ' '\n' | awk -v n="$MESSAGES" 'NF && $1 < n {x = 1} END {print x ? 0 : 1}')
    [ -n "$d" ] && [ "$done_all" = 1 ] && { result=complete; break; }
    if [ "$total" != "$last_total" ]; then last_total=$total; last_change=$now; fi
    if grep -q 'OutOfMemoryError' "$dir/gateway.log"; then result="OutOfMemoryError in the gateway at $d delivered"; break; fi
    if [ $((now - last_change)) -gt "$NO_PROGRESS_LIMIT" ]; then result="stalled at $d"; break; fi
    sleep $((10 - ($(date +%s) - now) > 0 ? 10 - ($(date +%s) - now) : 0))
  done
  local elapsed=$(( $(date +%s) - start )) src grc
  if [ "$result" = complete ]; then wait "$sender" 2>/dev/null && src=0 || src=$?; else kill "$sender" 2>/dev/null; src=killed; fi
  sender=""
  kill -TERM "$gw" 2>/dev/null || true
  # a gateway out of memory may not drain: SIGKILL after a minute
  for _ in $(seq 60); do kill -0 "$gw" 2>/dev/null || break; sleep 1; done
  kill -9 "$gw" 2>/dev/null || true
  wait "$gw" 2>/dev/null && grc=0 || grc=$?; gw=""
  local leaks; leaks=$(grep -c 'LEAK' "$dir/gateway.log" || true)
  {
    echo "round $round: $result after $elapsed s ($(( total / (elapsed > 0 ? elapsed : 1) )) messages/s delivered); load at end $(load); sender exit $src, gateway exit $grc (after SIGTERM)"
    echo "LEAK lines in the gateway log: $leaks; OutOfMemoryError lines: $(grep -c OutOfMemoryError "$dir/gateway.log" || true)"
    echo "sender: $(grep -E '^send-' "$dir/sender.log" | tr -s ' ' | head -1) (sender process ended: ${sender_done:-no, not before the gateway delivered everything})"
    echo "ERROR/exception lines in the gateway log: $(grep -cE 'ERROR|Exception' "$dir/gateway.log" || true), sender log: $(grep -cE 'ERROR|Exception' "$dir/sender.log" || true)"
    echo "overflow buffer fill in this round (of $CAPACITY; sum over pipelines, one sample per 10 s): $(awk -F, -v r="$round" '$1 == r && NF >= 6 && $6 != "" {n = split($6, a, " "); s = 0; for (i = 1; i <= n; i++) s += a[i]; print s}' "$out.csv" | sort -n | awk '{a[NR] = $1} END {print "min " a[1] ", median " a[int((NR + 1) / 2)] ", max " a[NR] " over " NR " samples"}')"
    echo "heap after GC in this round (KiB): $(awk -F, -v r="$round" '$1 == r && $3 >= 0 {print $3}' "$out.csv" | sort -n | awk '{a[NR] = $1} END {print "min " a[1] ", median " a[int((NR + 1) / 2)] ", max " a[NR] " over " NR " samples"}')"
    echo "gateway summary (stdout at stop):"; grep -vE '^\s+at ' "$dir/gateway.log" | grep -A8 -E '^pipeline +policy' | sed 's/^/    /'  || true
    echo "received files (sequence check; one connection per transport):"
  } >> "$out.txt"
  for t in "${ts[@]}"; do
    python3 benchmarks/soak_check.py "$dir/$t.out" "$MESSAGES" "$t" >> "$out.txt" || failed=1
  done
  rm -f "$dir"/*.out   # up to ~450 MB each at 10M messages
  { [ "$result" = complete ] && [ "$leaks" -eq 0 ]; } || failed=1
}

if [ "$MODE" = together ]; then
  run_round all "${TRANSPORTS[@]}"
else
  for t in "${TRANSPORTS[@]}"; do run_round "$t" "$t"; done
fi
trap - EXIT
"${PYTHON:-/usr/bin/python3}" benchmarks/soak_chart.py "$out.csv" "$out.png" "$MESSAGES" >> "$out.txt" || echo "no chart" >> "$out.txt"
verdict=PASS; [ $failed -eq 0 ] || verdict=FAIL
{ echo; echo "verdict: $verdict (0 lost, 0 duplicated, 0 reordered on every transport, every round complete, no LEAK line)"; echo "load at end $(load)"; } >> "$out.txt"
grep -E '^round |received|verdict|heap after GC' "$out.txt"
echo "wrote $out.txt $out.csv $out.png"
[ "$verdict" = PASS ]
