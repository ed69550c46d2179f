#!/usr/bin/env bash
# Issue 17 item 4: lossless soak (not part of CI). MESSAGES numbered messages (default 10,000,000)
# through each streaming transport at once -- TCP newline, TCP length-prefixed, WebSocket, gRPC
# client streaming, RSocket channel, ZeroMQ PUSH/PULL -- into a gateway run as its own `sluice run`
# process with -Xmx256m and Netty leak detection PARANOID. Each gateway pipeline is
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
#   SENDER_DELAY=1us SINK_DELAY=60us benchmarks/run-soak.sh   # pacing (parkNanos: ~55 us floor on Linux)
#   TRANSPORTS="grpc rsocket" benchmarks/run-soak.sh          # some of them
# Needs python3 with matplotlib (Debian: apt-get install python3-matplotlib) and jcmd (the JDK).
set -euo pipefail
cd "$(dirname "$0")/.."
MESSAGES="${MESSAGES:-10000000}"
SENDER_DELAY="${SENDER_DELAY:-1us}"
SINK_DELAY="${SINK_DELAY:-60us}"
CAPACITY="${CAPACITY:-1024}"
NO_PROGRESS_LIMIT="${NO_PROGRESS_LIMIT:-300}"   # seconds without a delivered message before giving up
read -r -a TRANSPORTS <<< "${TRANSPORTS:-tcp-newline tcp-length websocket grpc rsocket zmq}"
stamp="$(date -u +%Y-%m-%d-%H%M)"
out="benchmarks/results/soak-$stamp"
work="target/soak-$stamp"
mkdir -p "$work" benchmarks/results
[ -f target/sluice-*-cli.jar ] 2>/dev/null || mvn -q -B -DskipTests -Djacoco.skip=true package
jar="$(ls target/sluice-*-cli.jar)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
declare -A port
for t in "${TRANSPORTS[@]}"; do port[$t]=$(free_port); done
admin=$(free_port)

# the gateway under test: one pipeline per transport
{
  echo "admin: {host: 127.0.0.1, port: $admin}"
  echo "drainTimeout: 60s"
  echo "pipelines:"
  for t in "${TRANSPORTS[@]}"; do
    p=${port[$t]}
    case $t in
      tcp-newline) src="{type: tcp, port: $p, framing: newline, idleTimeout: 0s}" ;;
      tcp-length) src="{type: tcp, port: $p, framing: length-prefixed, idleTimeout: 0s}" ;;
      websocket) src="{type: websocket, port: $p, idleTimeout: 0s, pingInterval: 0s}" ;;
      grpc) src="{type: grpc, port: $p, idleTimeout: 0s}" ;;
      rsocket) src="{type: rsocket, port: $p, mode: channel, idleTimeout: 0s}" ;;
      zmq) src="{type: zmq-pull, endpoint: 'tcp://127.0.0.1:$p', bind: true}" ;;
    esac
    echo "  - name: $t"
    echo "    source: $src"
    echo "    overflow: {policy: block, capacity: $CAPACITY}"
    echo "    steps: [{type: delay, per: $SINK_DELAY}]"
    echo "    sink: {type: file, path: $PWD/$work/$t.out, format: newline}"
  done
} > "$work/gateway.yaml"
# the senders: the same transports' sinks, fed by numbered generators
{
  echo "pipelines:"
  for t in "${TRANSPORTS[@]}"; do
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
    echo "    steps: [{type: delay, per: $SENDER_DELAY}]"
    echo "    sink: $sink"
  done
} > "$work/sender.yaml"

load() { cut -d' ' -f1-3 /proc/loadavg; }
{
  echo "# Lossless soak $stamp UTC: $MESSAGES messages per transport, all six at once"
  echo "commit $(git rev-parse --short HEAD), $(nproc) cores, load at start $(load)"
  echo "command: MESSAGES=$MESSAGES SENDER_DELAY=$SENDER_DELAY SINK_DELAY=$SINK_DELAY CAPACITY=$CAPACITY benchmarks/run-soak.sh"
  echo "gateway: java -Xmx256m -Dio.netty.leakDetection.level=paranoid -jar $jar run gateway.yaml (run niced)"
  echo "gateway.yaml:"; sed 's/^/    /' "$work/gateway.yaml"
  echo "sender.yaml:"; sed 's/^/    /' "$work/sender.yaml"
} > "$out.txt"

nice java -Xmx256m -Dio.netty.leakDetection.level=paranoid -Dio.grpc.netty.shaded.io.netty.leakDetection.level=paranoid \
  -jar "$jar" run "$work/gateway.yaml" > "$work/gateway.log" 2>&1 &
gw=$!
sender=""
cleanup() { [ -n "$sender" ] && kill "$sender" 2>/dev/null; kill "$gw" 2>/dev/null; true; }
trap cleanup EXIT
for _ in $(seq 120); do
  curl -sf "http://127.0.0.1:$admin/health/ready" > /dev/null && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$admin/health/ready" > /dev/null || { echo "gateway not ready"; tail -30 "$work/gateway.log"; exit 1; }
start=$(date +%s)
nice java -Xmx512m -jar "$jar" run "$work/sender.yaml" > "$work/sender.log" 2>&1 &
sender=$!

# delivered count of every pipeline, in TRANSPORTS order
delivered() {
  curl -sf "http://127.0.0.1:$admin/metrics" | awk -v list="${TRANSPORTS[*]}" '
    /^sluice_messages_delivered_total\{/ { match($0, /pipeline="[^"]*"/); p = substr($0, RSTART + 10, RLENGTH - 11); v[p] = $NF }
    END { n = split(list, t, " "); s = ""; for (i = 1; i <= n; i++) s = s (i > 1 ? "," : "") int(v[t[i]] + 0); print s }'
}
heap_after_gc() {
  jcmd "$gw" GC.run > /dev/null 2>&1 || true
  jcmd "$gw" GC.heap_info 2>/dev/null | grep -m1 -oE 'used [0-9]+K' | grep -oE '[0-9]+' || echo -1
}
echo "seconds,heap_used_after_gc_kib,load1,$(IFS=,; echo "${TRANSPORTS[*]}")" > "$out.csv"
last_total=-1; last_change=$(date +%s); result=incomplete
while kill -0 "$gw" 2>/dev/null; do
  now=$(date +%s)
  d=$(delivered || echo "")
  h=$(heap_after_gc)
  echo "$((now - start)),$h,$(cut -d' ' -f1 /proc/loadavg),$d" >> "$out.csv"
  # the class histogram at the highest heap seen (above 64 MiB), to tell what a growing heap holds
  if [ "$h" -gt "${peak:-65536}" ]; then
    peak=$h
    { echo "at $((now - start)) s, heap after GC ${h} KiB:"; jcmd "$gw" GC.class_histogram 2>/dev/null | head -30; } > "$out.histogram.txt"
  fi
  total=$(echo "$d" | tr ',' '\n' | awk '{s += $1} END {print s + 0}')
  done_all=$(echo "$d" | tr ',' '\n' | awk -v n="$MESSAGES" '$1 < n {x = 1} END {print x ? 0 : 1}')
  [ -n "$d" ] && [ "$done_all" = 1 ] && { result=complete; break; }
  if [ "$total" != "$last_total" ]; then last_total=$total; last_change=$now; fi
  if [ $((now - last_change)) -gt "$NO_PROGRESS_LIMIT" ]; then result="stalled at $d"; break; fi
  sleep $((10 - ($(date +%s) - now) > 0 ? 10 - ($(date +%s) - now) : 0))
done
elapsed=$(( $(date +%s) - start ))
wait "$sender" 2>/dev/null; src=$?; sender=""
kill -TERM "$gw" 2>/dev/null || true
wait "$gw" 2>/dev/null; grc=$?
trap - EXIT
{
  echo
  echo "run: $result after $elapsed s; load at end $(load); sender exit $src, gateway exit $grc (after SIGTERM)"
  echo "delivered per pipeline (${TRANSPORTS[*]}): $(tail -1 "$out.csv" | cut -d, -f4-)"
  echo "LEAK lines in the gateway log: $(grep -c 'LEAK' "$work/gateway.log" || true)"
  echo "ERROR/exception lines in the gateway log: $(grep -cE 'ERROR|Exception' "$work/gateway.log" || true), sender log: $(grep -cE 'ERROR|Exception' "$work/sender.log" || true)"
  echo
  echo "gateway summary (stdout at stop):"; grep -vE '^\s+at ' "$work/gateway.log" | tail -25 | sed 's/^/    /'
  echo
  echo "received files (sequence check, one connection per transport):"
} >> "$out.txt"
check=0
for t in "${TRANSPORTS[@]}"; do
  python3 benchmarks/soak_check.py "$work/$t.out" "$MESSAGES" "$t" >> "$out.txt" || check=1
done
python3 benchmarks/soak_chart.py "$out.csv" "$out.png" "$MESSAGES" >> "$out.txt" || echo "no chart" >> "$out.txt"
leaks=$(grep -c 'LEAK' "$work/gateway.log" || true)
verdict=PASS
{ [ "$result" = complete ] && [ $check -eq 0 ] && [ "$leaks" -eq 0 ]; } || verdict=FAIL
echo "verdict: $verdict" >> "$out.txt"
cat "$out.txt" | tail -30
echo "wrote $out.txt $out.csv $out.png"
[ "$verdict" = PASS ]
