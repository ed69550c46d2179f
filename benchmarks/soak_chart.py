#!/usr/bin/env python3
"""Draws the heap-after-GC curve of benchmarks/run-soak.sh (its CSV) with the delivered total.

usage: soak_chart.py CSV PNG COUNT
"""
import csv
import sys

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def main():
    src, png, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(src) as f:
        rows = list(csv.reader(f))
    head, rows = rows[0], [r for r in rows[1:] if r[1] != '-1']
    t = [int(r[0]) for r in rows]
    heap = [int(r[1]) / 1024 for r in rows]
    delivered = [sum(int(x) for x in r[3:] if x) / 1e6 for r in rows]
    fig, ax = plt.subplots(figsize=(11, 5))
    ax.plot(t, heap, color='tab:blue', marker='.', label='gateway heap used after full GC (MiB)')
    ax.set_xlabel('seconds since the senders started')
    ax.set_ylabel('MiB (-Xmx256m)')
    ax.set_ylim(0, max(64, max(heap) * 1.3) if heap else 64)
    ax2 = ax.twinx()
    ax2.plot(t, delivered, color='tab:green', label='messages delivered, all transports (millions)')
    ax2.set_ylabel('millions delivered')
    lines = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(lines, [l.get_label() for l in lines], loc='upper left')
    ax.set_title(f'Sluice lossless soak: {len(head) - 3} transports x {count:,} messages, heap after GC every 10 s')
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    if heap:
        print(f"heap after GC: first {heap[0]:.1f} MiB, min {min(heap):.1f}, max {max(heap):.1f}, "
              f"last {heap[-1]:.1f} MiB over {len(heap)} samples")
    return 0


if __name__ == '__main__':
    sys.exit(main())
