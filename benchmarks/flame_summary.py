#!/usr/bin/env python3
"""Text summary of an async-profiler (4.x) HTML flame graph: frames by self samples, and frames
matching a pattern by inclusive samples (summed per frame name; recursion counts twice).

  python3 benchmarks/flame_summary.py FLAME.html ['regex for the inclusive list']
"""
import bisect
import collections
import re
import sys


def frames(path):
    s = open(path).read()
    cp = s[s.index("const cpool = [") + len("const cpool = "):]
    cpool = eval(cp[:cp.index("];") + 1])  # a JS array of string literals
    for i in range(1, len(cpool)):  # prefix-compressed: first char = 32 + length shared with the previous
        cpool[i] = cpool[i - 1][:ord(cpool[i][0]) - 32] + cpool[i][1:]
    body = s[s.rindex("unpack(cpool);") + len("unpack(cpool);"):]
    body = body[:body.index("</script>")] if "</script>" in body else body
    out, level, left, width = [], 0, 0, 0
    for fn, args in re.findall(r"\b([fun])\(([\d,]+)\)", body):
        a = [int(x) for x in args.split(",")]
        if fn == "f":  # f(key, level, left, width)
            level, left = a[1], left + a[2]
            width = a[3] if len(a) > 3 and a[3] else width
        elif fn == "u":  # u(key, width): child of the previous frame
            level += 1
            width = a[1] if len(a) > 1 and a[1] else width
        else:  # n(key, width): next sibling
            left += width
            width = a[1] if len(a) > 1 and a[1] else width
        out.append((level, left, width, cpool[a[0] >> 3]))
    return out


def main():
    fr = frames(sys.argv[1])
    total = sum(w for lv, x, w, n in fr if lv == 0)
    by_level = collections.defaultdict(list)
    for f in fr:
        by_level[f[0]].append(f)
    self_c, incl = collections.Counter(), collections.Counter()
    for lv, lst in by_level.items():
        kids = sorted(by_level.get(lv + 1, []), key=lambda f: f[1])
        starts = [k[1] for k in kids]
        for (_, x, w, n) in lst:
            i, c = bisect.bisect_left(starts, x), 0
            while i < len(kids) and kids[i][1] < x + w:
                c += kids[i][2]
                i += 1
            self_c[n] += w - c
            incl[n] += w
    print(f"total samples {total}")
    print("--- self, top 30")
    for n, c in self_c.most_common(30):
        print(f"{100 * c / total:6.2f}% {n}")
    pat = sys.argv[2] if len(sys.argv) > 2 else "io/sluice"
    print(f"--- inclusive, frames matching {pat!r}, top 50")
    shown = 0
    for n, c in incl.most_common():
        if re.search(pat, n) and shown < 50:
            print(f"{100 * c / total:6.2f}% {n}")
            shown += 1


if __name__ == "__main__":
    main()
