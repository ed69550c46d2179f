#!/usr/bin/env python3
"""Shares of a peers TCP cell's profile (benchmarks/peers-prof.sh, async-profiler collapsed stacks with
threads): per thread, then the inclusive share of the places issue 18 looks at, then the top self frames.
    python3 benchmarks/peers_profile_summary.py FILE.cpu.collapsed [TOP]     (.gz accepted)"""
import collections
import gzip
import sys

PLACES = [
    ("event loop thread (read, decode, pipeline, copy into the file buffer)", "reactor-tcp-epoll"),
    ("file writer thread (bounded-elastic)", "boundedElastic"),
    ("JIT compiler threads", "CompilerThre"),
    ("GC threads", "GC Thread"),
    ("socket read syscall (doReadBytes)", "doReadBytes"),
    ("newline / length decoder (decode itself)", ("FrameDecoders$Lines.decode", "FrameDecoders$LengthField.decode")),
    ("  of which newline search", "firstIndexOf"),
    ("file write syscall (FileChannelImpl.write)", "FileChannelImpl.write"),
    ("file sink, old: publishOn hand-off + per-message write", "FileSink$BufferedWriter.write"),
    ("file sink, old: publishOn queue/schedule", "FluxPublishOn$PublishOnSubscriber.onNext"),
    ("file sink, new: copy into the buffer on the delivering thread", "BufferedFileWriter.onNext"),
    ("file sink, new: worker drain (write, ack, resume)", "BufferedFileWriter.drain"),
    ("overflow stage (block)", "io/sluice/overflow/"),
    ("gateway per-message metrics (PipelineRun counters, latency timer)", ("PipelineRun", "micrometer")),
    ("  of which micrometer", "micrometer"),
    ("thread park/unpark (hand-offs)", "park"),
    ("clock reads (clock_gettime in the vdso)", "[vdso]"),
    ("kernel frames, all", "_[k]"),
]


def main():
    f = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    opener = gzip.open if f.endswith(".gz") else open
    total = 0
    threads = collections.Counter()
    inc = collections.Counter()
    selfc = collections.Counter()
    with opener(f, "rt") as lines:
        for line in lines:
            stack, n = line.rstrip().rsplit(" ", 1)
            n = int(n)
            frames = stack.split(";")
            total += n
            t = frames[0]
            threads[t[:t.find(" tid=")] + "]" if " tid=" in t else t] += n
            selfc[frames[-1]] += n
            for label, key in PLACES:
                keys = key if isinstance(key, tuple) else (key,)
                if any(k in x for x in frames for k in keys):
                    inc[label] += n
    print(f"{f}: {total} samples")
    print("-- threads")
    for t, c in threads.most_common(6):
        print(f"  {100 * c / total:5.1f}% {t}")
    print("-- places (inclusive)")
    for label, _ in PLACES:
        print(f"  {100 * inc[label] / total:5.1f}% {label}")
    print("-- self")
    for k, c in selfc.most_common(top):
        print(f"  {100 * c / total:5.1f}% {k}")


if __name__ == "__main__":
    main()
