import json,glob,os,statistics,sys
d='/work/main/benchmarks/results/transports-ab-2026-12-04'
cells={}
for f in glob.glob(d+'/*.json'):
    who=os.path.basename(f).split('-')[0]
    for c in json.load(open(f))['cells']:
        if c.get('medianNsPerMessage'):
            cells.setdefault((c['transport'],c['size'],c['parallel']),{})[who]=(c['medianNsPerMessage'],c['spreadPercent'])
rows=[]
for k,v in sorted(cells.items()):
    if 'old' in v and 'new' in v:
        rows.append((k,v['old'],v['new'],v['new'][0]/v['old'][0]))
print('| transport | size | rows | 1740059 ns/msg (spread) | ebe328d ns/msg (spread) | new/old |')
print('|---|---|---|---|---|---|')
for k,o,n,r in rows:
    print(f"| {k[0]} | {k[1]} | {'parallel' if k[2] else 'sequential'} | {o[0]:,.0f} ({o[1]:.0f}%) | {n[0]:,.0f} ({n[1]:.0f}%) | {r:.2f}{' **slower**' if r>1.15 else ''} |")
rs=[r for *_,r in rows]
print(f"\n{len(rows)} cells; new/old median {statistics.median(rs):.2f}; faster (<0.87): {sum(r<0.87 for r in rs)}; within 15%: {sum(0.87<=r<=1.15 for r in rs)}; slower (>1.15): {sum(r>1.15 for r in rs)}")
