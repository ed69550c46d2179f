#!/usr/bin/env python3
"""cpusnap.py save FILE | diff FILE [N]: CPU (user+system) of every task on the machine, grouped by process
name and thread name (digits folded), between a saved snapshot and now; plus /proc/stat totals (idle, iowait)."""
import glob, json, os, re, sys, collections
def snap():
    d = {}
    for p in glob.glob('/proc/[0-9]*/task/[0-9]*/stat'):
        try:
            s = open(p).read()
        except OSError:
            continue
        pid = p.split('/')[2]
        comm = s[s.index('(') + 1:s.rindex(')')]
        f = s[s.rindex(')') + 2:].split()
        try:
            pcomm = open(f'/proc/{pid}/comm').read().strip()
        except OSError:
            pcomm = '?'
        d[p] = (pcomm, comm, int(f[11]) + int(f[12]))
    cpu = open('/proc/stat').readline().split()[1:]
    return {'tasks': d, 'cpu': [int(x) for x in cpu]}
if sys.argv[1] == 'save':
    json.dump(snap(), open(sys.argv[2], 'w'))
else:
    a = json.load(open(sys.argv[2])); b = snap(); tck = os.sysconf('SC_CLK_TCK')
    g = collections.Counter()
    for k, (pc, c, t) in b['tasks'].items():
        t0 = a['tasks'].get(k, (pc, c, 0))[2]
        if t - t0 > 0:
            key = re.sub(r'\d+', 'N', pc) + ' / ' + re.sub(r'\d+', 'N', c)
            g[key] += t - t0
    tot = sum(g.values())
    dc = [y - x for x, y in zip(a['cpu'], b['cpu'])]
    names = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal']
    print('machine (ticks):', ' '.join(f'{n}={v}' for n, v in zip(names, dc)))
    print(f'task CPU total {tot} ticks ({tot / tck:.2f} s)')
    for k, v in g.most_common(int(sys.argv[3]) if len(sys.argv) > 3 else 20):
        print(f'{v:6d} {100 * v / tot:5.1f}% {k}')
