#!/usr/bin/env python3
"""A/B of the persistent stage: two gateway jars, alternated, on the cells of durable_bench.py.

Per size (100 B x 1,000,000 and 1 KB x 200,000) and round: TCP length-prefixed -> persistent
(fsync 10ms) -> file with jar A and with jar B (order alternating between rounds), and the same
pipeline in memory (overflow block, newline framing: the reference cell of durable_bench.py) with
jar B. Medians and every round are printed and saved to OUTDIR/persist-ab-<UTC time>.txt.
MEMORY_LP=1 adds the in-memory cell with the persistent cells' framing (TCP length-prefixed -> overflow
block -> file, jar B): the issue's "same pipeline in memory"; the newline cell stays for continuity.
Usage: durable_ab.py JAR_A JAR_B OUTDIR   (ROUNDS=5 by default; FSYNC=10ms; ONLY_SIZE=100; MEMORY_LP=1)
"""
import os
import statistics
import struct
import sys
import time

JAR_A, JAR_B, OUTDIR = sys.argv[1:4]
sys.argv = [sys.argv[0], JAR_B, OUTDIR]
import durable_bench as db  # noqa: E402  (reads its JAR from sys.argv)

ROUNDS = int(os.environ.get("ROUNDS", "5"))
FSYNC = os.environ.get("FSYNC", "10ms")
SIZES = {100: 1_000_000, 1000: 200_000}
if os.environ.get("ONLY_SIZE"):
    SIZES = {int(os.environ["ONLY_SIZE"]): SIZES[int(os.environ["ONLY_SIZE"])]}


def inputs(size, n):
    nl, lp = db.make_inputs(size, n)
    warm_nl, warm_lp = nl + ".warm", lp + ".warm"
    with open(nl, "rb") as a, open(warm_nl, "wb") as w:
        w.write(b"".join(a.readline() for _ in range(db.WARM)))
    with open(lp, "rb") as a, open(warm_lp, "wb") as w:
        for _ in range(db.WARM):
            h = a.read(4)
            w.write(h + a.read(struct.unpack(">I", h)[0]))
    return nl, lp, warm_nl, warm_lp, os.path.getsize(nl), os.path.getsize(warm_nl)


def main():
    lines = [f"# persistent A/B {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, fsync {FSYNC}, rounds {ROUNDS}",
             f"A = {JAR_A}", f"B = {JAR_B}", f"load before: {open('/proc/loadavg').read().strip()}", ""]
    res = {}
    try:
        for size, n in SIZES.items():
            nl, lp, warm_nl, warm_lp, main_bytes, warm_bytes = inputs(size, n)
            persist = db.PERSIST % FSYNC
            for r in range(ROUNDS):
                order = [("A", JAR_A), ("B", JAR_B)] if r % 2 == 0 else [("B", JAR_B), ("A", JAR_A)]
                cells = [(f"{k}-lp-{FSYNC}", j, persist, "length-prefixed", lp, warm_lp) for k, j in order]
                cells.append(("B-memory", JAR_B, "{policy: block, capacity: 10000}", "newline", nl, warm_nl))
                if os.environ.get("MEMORY_LP"):
                    cells.append(("B-memory-lp", JAR_B, "{policy: block, capacity: 10000}", "length-prefixed", lp, warm_lp))
                for name, jar, overflow, framing, main_in, warm_in in cells:
                    t = db.sluice_cell(overflow, framing, main_in, warm_in, main_bytes, warm_bytes, jar=jar)
                    res.setdefault(size, {}).setdefault(name, []).append(n / t)
                    line = (f"size {size} round {r + 1} {name}: {n / t:,.0f} msg/s ({main_bytes / t / 2**20:,.1f} MiB/s)"
                            f" load {open('/proc/loadavg').read().split()[0]}")
                    print(line, flush=True)
                    lines.append(line)
    finally:
        db.shutil.rmtree(db.WORK, ignore_errors=True)
    lines += ["", "| size | cell | median msg/s | MiB/s | range | vs B-memory (newline) | vs B-memory-lp |",
              "|---|---|---|---|---|---|---|"]
    for size, cells in res.items():
        mem = statistics.median(cells["B-memory"])
        mem_lp = statistics.median(cells["B-memory-lp"]) if "B-memory-lp" in cells else None
        for k, v in cells.items():
            m = statistics.median(v)
            vs_lp = f"{m / mem_lp:.2f}" if mem_lp else "-"
            lines.append(f"| {size} B | {k} | {m:,.0f} | {m * size / 2**20:,.1f} | {min(v):,.0f}-{max(v):,.0f} | {m / mem:.2f} | {vs_lp} |")
    lines.append(f"load after: {open('/proc/loadavg').read().strip()}")
    os.makedirs(OUTDIR, exist_ok=True)
    out = os.path.join(OUTDIR, f"persist-ab-{time.strftime('%Y-%m-%d-%H%M', time.gmtime())}.txt")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines[-(sum(len(c) for c in res.values()) + 4):]))
    print(f"results: {out}")


if __name__ == "__main__":
    main()
