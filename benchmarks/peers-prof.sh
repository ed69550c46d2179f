#!/bin/bash
# Profiles the gateway of the peers benchmark's TCP cells (tcp newline -> file, as peers_bench.py runs it)
# in the timed part only: WARM passes of a warm-up file, then one timed pass under async-profiler,
# attached with jcmd. Writes OUT/NAME.{cpu,alloc}.collapsed (EVENTS, per thread) and OUT/NAME.time
# (seconds, lines/s, the gateway's CPU per line, load).
#   usage: peers-prof.sh NAME JAR SIZE LINES [WARM_PASSES]       SIZE: 100 or 1000 (bytes per line with '\n')
#   env: OUT (default target/peers-prof), AP (libasyncProfiler.so; default /tmp/h18i/ap/linux-x64/...),
#        EVENTS (default "cpu alloc": one timed pass per event), FRAMING (newline | length-prefixed),
#        JAVA_OPTS
# Summaries: python3 benchmarks/collapsed_summary.py OUT/NAME.cpu.collapsed; persist-prof-threads.sh per thread.
set -euo pipefail
name=$1; jar=$2; size=$3; lines=$4; warm=${5:-3}
here="$(cd "$(dirname "$0")" && pwd)"
OUT=${OUT:-$here/../target/peers-prof}; mkdir -p "$OUT"; OUT="$(cd "$OUT" && pwd)"
ap=${AP:-/tmp/h18i/ap/linux-x64/libasyncProfiler.so}
framing=${FRAMING:-newline}
d=$(mktemp -d /tmp/peers-prof-XXXXXX)
trap 'kill $pid 2>/dev/null || true; rm -rf "$d"' EXIT
python3 - "$d" "$size" "$lines" "$framing" <<'PY'
import struct, sys
d, size, n, framing = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
head = b"<13>Dec  3 07:00:00 host app[42]: "
fill = b"x" * (size - 1 - len(head) - 9)
for name, count in (("in", n), ("warm", min(n, 200_000))):
    with open(f"{d}/{name}", "wb") as f:
        for i in range(count):
            line = head + b"%08d " % (i % 100_000_000) + fill
            f.write(line + b"\n" if framing == "newline" else struct.pack(">I", len(line)) + line)
PY
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
cat > "$d/g.yaml" <<Y
pipelines:
  - name: bench
    source: {type: tcp, host: 127.0.0.1, port: $port, framing: $framing}
    overflow: {policy: block, capacity: 10000}
    sink: {type: file, path: '$d/out.txt', flushInterval: 10ms}
Y
java ${JAVA_OPTS:-} -jar "$jar" run "$d/g.yaml" > "$d/gw.log" 2>&1 &
pid=$!
for i in $(seq 300); do (echo -n > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
out_size() { stat -c %s "$d/out.txt" 2>/dev/null || echo 0; }
# output bytes of an input file: newline framing keeps them; length-prefixed: payload + '\n' per frame
send() {  # file, expected output bytes of it
  local t=$(( $(out_size) + $2 ))
  socat -u "OPEN:$1" "TCP:127.0.0.1:$port"
  while [ "$(out_size)" -lt $t ]; do sleep 0.01; done
}
nl() { if [ "$framing" = newline ]; then stat -c %s "$1"; else python3 -c "
import struct;d=open('$1','rb').read();i=0;b=0
while i<len(d): l=struct.unpack('>I',d[i:i+4])[0]; i+=4+l; b+=l+1
print(b)"; fi; }
wb=$(nl "$d/warm"); ib=$(nl "$d/in")
for i in $(seq "$warm"); do send "$d/warm" "$wb"; done
cpu() { awk '{s=substr($0, index($0,")")+2); split(s,f," "); print f[12]+f[13]}' /proc/$pid/stat; }
tick=$(getconf CLK_TCK)
for ev in ${EVENTS:-cpu alloc}; do
  opts="start,event=$ev,threads"; [ "$ev" = cpu ] && opts="$opts,interval=500us"
  jcmd $pid JVMTI.agent_load "$ap" "\"$opts\"" > /dev/null
  l0=$(cut -d' ' -f1 /proc/loadavg); c0=$(cpu); t0=$(date +%s.%N)
  send "$d/in" "$ib"
  t1=$(date +%s.%N); c1=$(cpu)
  jcmd $pid JVMTI.agent_load "$ap" "\"stop,file=$OUT/$name.$ev.collapsed,collapsed\"" > /dev/null
  python3 -c "t=$t1-$t0; n=$lines; print('$name $ev-profiled pass: %.2f s, %d lines/s, %.1f MiB/s, gateway CPU %.2f us/line, load %s -> %s' % (t, n/t, $ib/t/2**20, ($c1-$c0)/$tick*1e6/n, '$l0', open('/proc/loadavg').read().split()[0]))" | tee -a "$OUT/$name.time"
done
cmp <(tail -c "$ib" "$d/out.txt") <( [ "$framing" = newline ] && cat "$d/in" || python3 -c "
import struct,sys;d=open('$d/in','rb').read();i=0;o=sys.stdout.buffer
while i<len(d): l=struct.unpack('>I',d[i:i+4])[0]; o.write(d[i+4:i+4+l]+b'\n'); i+=4+l") && echo "$name: output byte-exact" | tee -a "$OUT/$name.time"
kill -TERM $pid; wait $pid || true
