#!/usr/bin/env python3
"""Sluice's overflow stages against Reactor's equivalent built-ins, from JMH JSON results.

  python3 benchmarks/overflow_ratios.py [LABEL=]results.json ...

Each file is one JMH run of OverflowBenchmark (ns per produced element, lower is better). Files
with the same LABEL are rounds of the same build: the table shows each round's score and their
median, and the speed-up of Sluice over Reactor's equivalent (Reactor ns / Sluice ns) per round,
both contestants taken from the same run. Reactor's equivalents at the same capacity:
overwrite-oldest = onBackpressureBuffer(capacity, DROP_OLDEST), drop-newest =
onBackpressureBuffer(capacity, DROP_LATEST). (onBackpressureLatest keeps one element and
onBackpressureDrop buffers nothing, so neither holds 1024 elements.) Target: 2x.
Apples to apples, when the run has them: Reactor with an overflow callback that counts the drops
(overwriteOldestReactorCounting, dropNewestReactorCounting: the work Sluice always does), and Sluice
kept from fusing with publishOn (overwriteOldestSluiceUnfused: the same hand-off into publishOn's
queue as Reactor, hence the same semantics: up to 256 older elements wait there besides the newest
1024; fused, Sluice keeps exactly the newest 1024). Select them with an extra JMH pattern, e.g.
  benchmarks/run-overflow.sh --vs-reactor 'OverflowBenchmark.(overwriteOldestSluiceUnfused|.*ReactorCounting)$'
"""
import collections
import json
import statistics
import sys

PAIRS = [("overwrite-oldest", "overwriteOldestSluice", "overwriteOldestReactor"),
         ("drop-newest", "dropNewestSluice", "dropNewestReactor"),
         # same work: Reactor's overflow callback counts the drops, as Sluice always does
         ("overwrite-oldest vs counting Reactor", "overwriteOldestSluice", "overwriteOldestReactorCounting"),
         ("drop-newest vs counting Reactor", "dropNewestSluice", "dropNewestReactorCounting"),
         # same shape: Sluice kept from fusing (hide()), so both hand over to publishOn's queue
         ("overwrite-oldest unfused vs Reactor", "overwriteOldestSluiceUnfused", "overwriteOldestReactor")]


def load(path):
    out = {}
    for r in json.load(open(path)):
        name = r["benchmark"].rsplit(".", 1)[1]
        work = r.get("params", {}).get("work", "?")
        out[(name, work)] = r["primaryMetric"]["score"]
    return out


def main(args):
    runs = collections.OrderedDict()
    for a in args:
        label, _, path = a.rpartition("=")
        runs.setdefault(label or "run", []).append(load(path))
    print("| build | policy | consumer | Sluice ns/op (rounds) | Reactor ns/op (rounds) | Reactor/Sluice per round | median ratio |")
    print("|---|---|---|---|---|---|---|")
    for label, rounds in runs.items():
        for policy, s, r in PAIRS:
            for work in ("0", "100"):
                ss = [x[(s, work)] for x in rounds if (s, work) in x and (r, work) in x]
                rr = [x[(r, work)] for x in rounds if (s, work) in x and (r, work) in x]
                if not ss:
                    continue
                ratios = [b / a for a, b in zip(ss, rr)]
                print("| %s | %s | %s | %s | %s | %s | **%.2fx** |" % (
                    label, policy, "fast (work=0)" if work == "0" else "slow (work=100)",
                    " / ".join("%.1f" % v for v in ss), " / ".join("%.1f" % v for v in rr),
                    " / ".join("%.2f" % v for v in ratios), statistics.median(ratios)))


if __name__ == "__main__":
    main(sys.argv[1:])
