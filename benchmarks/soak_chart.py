#!/usr/bin/env python3
"""Draws the gateway's heap after a full GC (sampled every 10 s) over each round of
benchmarks/run-soak.sh, from its CSV (round,seconds,heap_used_after_gc_kib,load1,delivered...).

usage: soak_chart.py CSV PNG COUNT
"""
import csv
import sys

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def main():
    src, png, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rounds = {}
    with open(src) as f:
        for r in list(csv.reader(f))[1:]:
            if int(r[2]) < 0:
                continue
            delivered = sum(int(x) for x in r[4].split()) if len(r) > 4 and r[4] else 0
            rows = rounds.setdefault(r[0], [])
            if rows and delivered < rows[-1][2] * 1e6:
                delivered = rows[-1][2] * 1e6  # /metrics did not answer (a gateway out of memory): keep the last count
            rows.append((int(r[1]), int(r[2]) / 1024, delivered / 1e6))
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(11, 8), sharex=True)
    top = 64
    for name, rows in rounds.items():
        t = [x[0] for x in rows]
        heap = [x[1] for x in rows]
        top = max(top, max(heap) * 1.2)
        ax.plot(t, heap, marker='.', label=name)
        ax2.plot(t, [x[2] for x in rows], label=name)
        print(f"{name}: heap after GC min {min(heap):.1f} MiB, max {max(heap):.1f}, last {heap[-1]:.1f} "
              f"over {len(heap)} samples")
    ax.axhline(256, color='red', linestyle='--', linewidth=1, label='-Xmx256m')
    ax.set_ylim(0, max(top, 270))
    ax.set_ylabel('heap used after full GC (MiB)')
    ax.set_title(f'Sluice lossless soak: {count:,} messages per transport, gateway heap after GC every 10 s '
                 '(Netty leak detection paranoid)', fontsize=10)
    ax.legend(loc='upper right', fontsize=8)
    ax2.set_ylabel('messages delivered (millions)')
    ax2.set_xlabel('seconds since the sender started')
    ax2.legend(loc='upper left', fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    return 0


if __name__ == '__main__':
    sys.exit(main())
