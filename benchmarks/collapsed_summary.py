#!/usr/bin/env python3
"""Text summary of an async-profiler collapsed-stack file: frames by self samples, then the inclusive
share of Sluice / Reactor / atomic frames.   python3 benchmarks/collapsed_summary.py FILE.collapsed"""
import sys, collections
# summary of collapsed stacks: self by frame, inclusive for io.sluice / reactor frames, per thread-ish root
tot=0; selfc=collections.Counter(); inc=collections.Counter()
for line in open(sys.argv[1]):
    st, n = line.rstrip().rsplit(' ',1); n=int(n); fr=st.split(';'); tot+=n
    selfc[fr[-1]]+=n
    for f in set(fr): inc[f]+=n
print("total", tot)
print("-- self")
for f,c in selfc.most_common(22): print("%5.1f%% %s"%(100*c/tot,f))
print("-- inclusive (sluice/reactor/Atomic/VarHandle/LongAdder)")
for f,c in inc.most_common(400):
    if any(k in f for k in ('sluice','reactor','Atomic','VarHandle','LongAdder','Blackhole','park','Unsafe')):
        print("%5.1f%% %s"%(100*c/tot,f))
