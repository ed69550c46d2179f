#!/bin/bash
# Profiles one Sluice gateway (http source -> block overflow -> discard, as run-peers.sh's http cells)
# in the timed window only: warm-up with wrk, then async-profiler attached with jcmd for one wrk run of
# CPU samples and one of allocation samples; flame graphs and collapsed stacks, plus wrk's output and
# the load, under OUT.
#   benchmarks/http-prof.sh NAME CLI_JAR            -> $OUT/NAME-cpu.{html,collapsed}, NAME-alloc.{html,collapsed}, NAME.txt
#   EVENTS="none none" ...: no profiler, two timed wrk runs (CPU per request without the profiler's cost)
#   JAVA_OPTS="-D..." : options for the gateway JVM
#   AP=/path/libasyncProfiler.so (default /tmp/h16/ap/linux-x64/libasyncProfiler.so), OUT (default
#   benchmarks/results/http-profile-2026-12-03g), WARM (s, 15), SECONDS_RUN (s, 6), CONNS (32), SINK ({type: discard})
set -euo pipefail
name=$1; jar=$2
here="$(cd "$(dirname "$0")" && pwd)"
OUT=${OUT:-$here/results/http-profile-2026-12-03g}; mkdir -p "$OUT"
ap=${AP:-/tmp/h16/ap/linux-x64/libasyncProfiler.so}
d=$(mktemp -d /tmp/http-prof-XXXX)
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
cat > "$d/g.yaml" <<Y
pipelines:
  - name: bench
    source: {type: http, host: 127.0.0.1, port: $port, path: /ingest, maxConnections: 1024}
    overflow: {policy: block, capacity: 10000}
    sink: ${SINK:-{type: discard}}
Y
cat > "$d/post.lua" <<'L'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/octet-stream"
wrk.body = string.rep("x", 99) .. "\n"
L
java ${JAVA_OPTS:-} -jar "$jar" run "$d/g.yaml" > "$d/gw.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$d"' EXIT
for i in $(seq 150); do (echo -n > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
url=http://127.0.0.1:$port/ingest
wrk -t1 -c"${CONNS:-32}" -d"${WARM:-15}"s -s "$d/post.lua" $url > /dev/null
cpu() { awk '{print $14+$15}' /proc/$pid/stat; }
{
  for ev in ${EVENTS:-cpu alloc}; do
    extra=""; [ $ev = cpu ] && extra=",interval=1ms"
    [ $ev = none ] || jcmd $pid JVMTI.agent_load "$ap" "\"start,event=$ev$extra,threads\"" > /dev/null
    echo "== $ev  $(uptime)"
    c0=$(cpu)
    wrk -t1 -c"${CONNS:-32}" -d"${SECONDS_RUN:-6}"s -s "$d/post.lua" $url | tee "$d/wrk.txt"
    c1=$(cpu)
    n=$(grep -o '[0-9]* requests in' "$d/wrk.txt" | cut -d' ' -f1)
    python3 -c "print('gateway CPU %.1f us/request (profiler: $ev)' % (($c1-$c0)/$(getconf CLK_TCK)*1e6/$n))"
    [ $ev = none ] && continue
    jcmd $pid JVMTI.agent_load "$ap" "\"stop,file=$OUT/$name-$ev.html\"" > /dev/null
    jcmd $pid JVMTI.agent_load "$ap" "\"dump,collapsed,file=$OUT/$name-$ev.collapsed\"" > /dev/null || true
  done
} 2>&1 | tee "$OUT/$name.txt"
