import collections, gzip, re, sys
"""collapsed_per_thread.py FILE.collapsed[.gz] [REGEX] [N]: per thread (digits folded), top N self frames and the
frames matching REGEX by inclusive samples (async-profiler collapsed stacks recorded with threads)."""
path = sys.argv[1]
pat = sys.argv[2] if len(sys.argv) > 2 else None
op = gzip.open if path.endswith('.gz') else open
thr = collections.Counter(); selfc = collections.defaultdict(collections.Counter); inc = collections.defaultdict(collections.Counter)
tot = 0
for line in op(path, 'rt'):
    st, n = line.rstrip().rsplit(' ', 1); n = int(n)
    fr = st.split(';')
    t = re.sub(r' tid=\d+\]', ']', fr[0]); t = re.sub(r'-\d+\]', '-N]', t)
    thr[t] += n; tot += n
    selfc[t][fr[-1]] += n
    seen = set()
    for f in fr[1:]:
        f2 = re.sub(r'\(.*', '', f)
        if f2 not in seen:
            seen.add(f2); inc[t][f2] += n
print('total', tot)
for t, n in thr.most_common(8):
    print(f'== {t} {n} ({100*n/tot:.1f}%)')
    for f, m in selfc[t].most_common(int(sys.argv[3]) if len(sys.argv) > 3 else 12):
        print(f'   self {m:6d} {100*m/n:5.1f}% {f[:150]}')
    if pat:
        for f, m in sorted(((f, m) for f, m in inc[t].items() if re.search(pat, f)), key=lambda x: -x[1])[:25]:
            print(f'   inc  {m:6d} {100*m/n:5.1f}% {f[:150]}')
