#!/bin/bash
# usage: prof.sh JAR INPUT WARMPASSES OUT.html [javaopts]: warm passes, then one profiled pass
JAR=$1; IN=$2; N=$3; OUT=$4; shift 4
AP=/tmp/h18f/ap/linux-x64/libasyncProfiler.so
cd /tmp/h18f/man; rm -f out.txt
java "$@" -jar $JAR run gw.yaml > gw.log 2>&1 & P=$!
for i in $(seq 100); do (echo > /dev/tcp/127.0.0.1/19711) 2>/dev/null && break; sleep 0.1; done
sz=$(stat -c %s $IN); want=0
cpu() { awk '{s=substr($0, index($0,")")+2); split(s,f," "); print f[12]+f[13]}' /proc/$P/stat; }
for i in $(seq $((N+1))); do
  [ $i = $((N+1)) ] && jcmd $P JVMTI.agent_load $AP "\"start,event=cpu,interval=500us,threads\"" >/dev/null
  want=$((want+sz)); c0=$(cpu); t0=$(date +%s.%N)
  socat -u OPEN:$IN TCP:127.0.0.1:19711
  while [ $(stat -c %s out.txt) -lt $want ]; do sleep 0.01; done
  t1=$(date +%s.%N); c1=$(cpu)
  echo "pass $i: $(echo "$t1-$t0"|bc) s, gateway cpu $(( c1-c0 )) ticks; $(uptime | sed 's/.*load/load/')"
done
jcmd $P JVMTI.agent_load $AP "\"stop,file=$OUT\"" > /dev/null
kill $P; wait $P 2>/dev/null
