#!/usr/bin/env python3
"""Summarises async-profiler collapsed stacks of the RESP cells (benchmarks/profile-resp.sh).

usage: resp_profile_summary.py FILE.collapsed [...]
Prints, per file, the share of all samples whose stack matches each category (a stack can match
several: the shares are inclusive and need not add up to 100%), then the 20 hottest leaf frames.
"""
import collections
import re
import sys

CATEGORIES = [
    ("JIT compiler threads", r"CompileBroker::"),
    ("GC", r"G1|GangWorker|ConcurrentGCThread"),
    ("socket write (send/writev)", r"__GI___send|writev|__libc_write"),
    ("socket read", r"AbstractEpollStreamChannel\$EpollStreamUnsafe.epollInReady"),
    ("epoll_wait", r"epoll_wait"),
    ("RESP decode (Netty RedisDecoder + aggregators)",
     r"codec/redis/RedisDecoder|RedisArrayAggregator|RedisBulkStringAggregator"),
    ("RESP decode (RespRequestDecoder)", r"RespRequestDecoder"),
    ("RespCommand.of", r"RespCommand\.of"),
    ("RESP encode (RedisEncoder)", r"RedisEncoder"),
    ("reactor-netty receive (FluxReceive)", r"FluxReceive"),
    ("flatMap merge (FluxFlatMap)", r"FluxFlatMap"),
    ("Backlog.offer (sink feed)", r"Backlog\.offer"),
    ("Backlog.take (NEXT)", r"Backlog\.take"),
    ("upstream request (Feed demand)", r"Backlog\.take.*request|BaseSubscriber\.request"),
    ("PriorityBuffer", r"io/sluice/overflow/PriorityBuffer"),
    ("flush", r"flush0|AbstractChannelHandlerContext\.flush"),
    ("WorkerCommands.execute", r"WorkerCommands\.execute"),
    ("RespSource.execute", r"RespSource\.execute"),
    ("event loop tasks (runAllTasks)", r"runAllTasks"),
]


def summarise(path):
    total = 0
    hits = collections.Counter()
    leaves = collections.Counter()
    for line in open(path):
        stack, _, n = line.rstrip().rpartition(" ")
        n = int(n)
        total += n
        leaves[stack.split(";")[-1]] += n
        for name, pattern in CATEGORIES:
            if re.search(pattern, stack):
                hits[name] += n
    print(f"== {path}: {total} samples")
    for name, _ in CATEGORIES:
        if hits[name]:
            print(f"{100 * hits[name] / total:5.1f}%  {name}")
    print("-- hottest leaf frames")
    for frame, n in leaves.most_common(20):
        print(f"{100 * n / total:5.1f}%  {frame[:130]}")


for f in sys.argv[1:]:
    summarise(f)
