#!/usr/bin/env python3
"""Per-thread text summary of async-profiler collapsed stacks recorded with threads=true
(e.g. JMH -prof "async:...;threads=true;output=collapsed"): for the busiest threads, their share
of all samples, the top frames by self samples and the inclusive share of the overflow-related
frames (Sluice's stages, publishOn's wake-up path, park/unpark, the consumer's work).

  python3 benchmarks/collapsed_threads.py FILE.collapsed ...
"""
import collections
import re
import sys

KEYS = ('sluice/overflow', 'trySchedule', 'unpark', 'park', 'Blackhole', 'schedule', 'runAsync', 'poll',
        'drop', 'onDiscard', 'LongAdder', 'getAndAdd', 'BufferDropOldest')


def summarize(path, threads=4, top=14):
    per_thread = collections.Counter()
    self_samples = collections.defaultdict(collections.Counter)
    inclusive = collections.defaultdict(collections.Counter)
    total = 0
    for line in open(path):
        stack, n = line.rstrip().rsplit(' ', 1)
        n = int(n)
        frames = stack.split(';')
        total += n
        thread = re.sub(r'tid=\d+', '', frames[0])
        per_thread[thread] += n
        self_samples[thread][frames[-1]] += n
        for f in set(frames[1:]):
            inclusive[thread][f] += n
    print("==", path, "total", total)
    for thread, c in per_thread.most_common(threads):
        print("  thread %s: %d (%.1f%%)" % (thread, c, 100 * c / total))
        for f, k in self_samples[thread].most_common(top):
            print("     self %5.1f%% %s" % (100 * k / c, f))
        for f, k in inclusive[thread].most_common(300):
            if any(s in f for s in KEYS):
                print("     incl %5.1f%% %s" % (100 * k / c, f))


if __name__ == '__main__':
    for p in sys.argv[1:]:
        summarize(p)
