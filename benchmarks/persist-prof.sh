#!/bin/bash
# One timed run (and, with PROF=1, an async-profiler CPU profile per thread, collapsed stacks, of the
# whole gateway process) of TCP length-prefixed -> OVERFLOW -> file, as in durable_bench.py.
# usage: persist-prof.sh NAME JAR OVERFLOW INPUT WARM   -> $OUT/NAME.collapsed (PROF=1 or PROF=timed) and $OUT/NAME.time
#   OVERFLOW e.g. "{policy: persistent, path: 'DIR/plog', maxBytes: 8GiB, fsync: 10ms}" (DIR: a fresh run dir)
#   INPUT, WARM: length-prefixed files (4-byte big-endian length + payload), WARM sent first, untimed
#   AP=/path/to/libasyncProfiler.so (default /tmp/h16/ap/linux-x64/libasyncProfiler.so), OUT (default /tmp/h14d)
# persist-prof-threads.sh NAME.collapsed prints the share of samples per thread.
set -e
name=$1; jar=$2; overflow=$3; input=$4; warm=$5
OUT=${OUT:-/tmp/h14d}; mkdir -p $OUT
d=$OUT/run-$name; rm -rf $d; mkdir -p $d
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
cat > $d/g.yaml <<Y
pipelines:
  - name: bench
    source: {type: tcp, host: 127.0.0.1, port: $port, framing: length-prefixed}
    overflow: ${overflow//DIR/$d}
    sink: {type: file, path: '$d/out.txt', flushInterval: 10ms}
Y
ap=${AP:-/tmp/h16/ap/linux-x64/libasyncProfiler.so}
# PROF=1: the whole process from its start (JIT warm-up included); PROF=timed: attached after the warm-up
# (ApAttach.java), stopped after the timed input, so only the timed part is sampled
agent=; [ "$PROF" = 1 ] && agent="-agentpath:$ap=start,event=cpu,interval=1ms,threads,file=$OUT/$name.collapsed,collapsed"
java $agent ${JAVA_OPTS} -jar $jar run $d/g.yaml > $d/gw.log 2>&1 &
pid=$!
for i in $(seq 150); do (echo -n > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
# warm-up (excluded): output = payload + newline = input size (4-byte prefix -> 1 newline... prefix 4 vs newline 1)
n_w=$(python3 -c "import struct;f=open('$warm','rb');d=f.read();i=0;c=0
while i<len(d): l=struct.unpack('>I',d[i:i+4])[0]; i+=4+l; c+=1
print(c)")
ws=$(( $(stat -c %s $warm) - 3*n_w ))
# WARM_REPS (default 1): the warm-up file is sent that many times (JIT settled before the timed part)
for r in $(seq ${WARM_REPS:-1}); do
  socat -u OPEN:$warm TCP:127.0.0.1:$port
  while [ $(stat -c %s $d/out.txt 2>/dev/null || echo 0) -lt $((ws*r)) ]; do sleep 0.05; done
done
ws=$((ws*${WARM_REPS:-1}))
n=$(python3 -c "import struct;f=open('$input','rb');d=f.read();i=0;c=0
while i<len(d): l=struct.unpack('>I',d[i:i+4])[0]; i+=4+l; c+=1
print(c)")
want=$(( $(stat -c %s $input) - 3*n ))
[ "$PROF" = timed ] && java "$(dirname "$0")/ApAttach.java" $pid $ap "start,event=cpu,interval=1ms,threads"
l0=$(cut -d' ' -f1 /proc/loadavg)
# CPU time of the gateway process (user + system, clock ticks) around the timed part: per message it
# depends far less on other load than the throughput does
c0=$(awk '{print $14+$15}' /proc/$pid/stat)
# SYSCPU=1: CPU of every task on the machine (kernel threads such as kworker and jbd2, the sender) in the timed part
[ -n "$SYSCPU" ] && python3 "$(dirname "$0")/cpusnap.py" save $d/cpusnap.json
# the gateway's log from here on is kept as NAME.timedlog (e.g. JAVA_OPTS=-XX:+PrintCompilation: what the JIT compiles in the timed part)
t0=$(date +%s.%N); wl0=$(wc -l < $d/gw.log)
socat -u OPEN:$input TCP:127.0.0.1:$port; ts=$(date +%s.%N)  # sent: the sender is done (the source has read all but its socket buffers)
while [ $(stat -c %s $d/out.txt) -lt $((ws+want)) ]; do sleep 0.02; done
t1=$(date +%s.%N); tail -n +$((wl0+1)) $d/gw.log > $OUT/$name.timedlog
c1=$(awk '{print $14+$15}' /proc/$pid/stat)
[ -n "$SYSCPU" ] && python3 "$(dirname "$0")/cpusnap.py" diff $d/cpusnap.json 25 > $OUT/$name.syscpu
[ "$PROF" = timed ] && java "$(dirname "$0")/ApAttach.java" $pid $ap "stop,file=$OUT/$name.collapsed,collapsed"
kill -TERM $pid; wait $pid || true
tck=$(getconf CLK_TCK)
python3 -c "t=$t1-$t0; c=($c1-$c0)/$tck; print('$name', round(t,2),'s', 'sent', round($ts-$t0,2), round($n/t),'msg/s', 'gateway cpu', round(c,2), 's =', round(c*1e6/$n,2), 'us/msg', 'load', '$l0', open('/proc/loadavg').read().split()[0])" | tee $OUT/$name.time
