#!/bin/bash
# persist-prof-threads.sh FILE.collapsed [N]: per-thread share of samples (thread name without tid), and top self frames of the busiest threads
f=$1
awk '{n=$NF; $NF=""; split($0,a,";"); t=a[1]; sub(/ tid=[0-9]+\]/,"]",t); T[t]+=n; tot+=n} END{for(k in T) printf "%6.1f%% %s\n", 100*T[k]/tot, k; printf "total %d\n", tot}' $f | sort -rn | head -${2:-14}
