#!/usr/bin/env python3
"""Cuts every consumer profile of a `PROFILE_FORMAT=jfr benchmarks/run-kafka.sh` run to its timed window
(from partition assignment to the last record, the span both sides' figures are computed over) and prints,
per client JVM, the CPU samples (itimer, 1 ms each) in that window by thread and by what the threads did,
per million records. Writes <label>.window.collapsed next to each .jfr (one line per stack, thread first).

   python3 benchmarks/kafka/profile_window.py DIR [records]

The Sluice side prints `WINDOW <start epoch ms> <end epoch ms>`; Kafka's ConsumerPerformance prints
start.time, end.time and rebalance.time.ms (the window starts at start.time + rebalance.time.ms).
"""
import collections, datetime, glob, os, re, subprocess, sys

d = sys.argv[1]
records = int(sys.argv[2]) if len(sys.argv) > 2 else None
conv = sorted(glob.glob(os.path.expanduser(
    "~/.m2/repository/tools/profiler/jfr-converter/*/jfr-converter-*.jar")))[-1]

def window(out):
    m = re.search(r"^WINDOW (\d+) (\d+)$", out, re.M)
    if m:
        return int(m.group(1)), int(m.group(2))
    lines = out.splitlines()
    for i, l in enumerate(lines):
        if l.startswith("start.time"):
            cols = [c.strip() for c in lines[i + 1].split(",")]
            hdr = [c.strip() for c in l.split(",")]
            f = "%Y-%m-%d %H:%M:%S:%f"
            st = datetime.datetime.strptime(cols[0], f).replace(tzinfo=datetime.timezone.utc)
            en = datetime.datetime.strptime(cols[1], f).replace(tzinfo=datetime.timezone.utc)
            reb = int(cols[hdr.index("rebalance.time.ms")])
            return int(st.timestamp() * 1000) + reb, int(en.timestamp() * 1000)
    return None

CATS = [  # first match wins, tested against the whole stack
    ("JIT compiler", r"^\[?(C1|C2|CompilerThre|CN CompilerThre)"),
    ("GC", r"^\[?(GC Thread|G1 |VM Thread|GC )"),
    ("KafkaConsumer.poll", r"KafkaConsumer\.poll"),
    ("Message building", r"KafkaClients\.message"),
    ("emit onNext (pipeline)", r"onNext"),
    ("thread hand-off / park / wake", r"(LockSupport|Unsafe\.park|Unsafe\.unpark|pthread_cond|futex|ThreadPoolExecutor\.execute|LinkedBlockingQueue|WakeupException|wakeup)"),
    ("heartbeat thread", r"^\[?kafka-coordinator-heartbeat"),
]

for jfr in sorted(glob.glob(os.path.join(d, "*consumer*.jfr"))):
    label = os.path.basename(jfr)[:-4]
    outf = os.path.join(d, label + ".out")
    if not os.path.exists(outf):
        continue
    w = window(open(outf).read())
    if not w:
        print(label, ": no window")
        continue
    coll = os.path.join(d, label + ".window.collapsed")
    subprocess.run(["java", "-jar", conv, "-o", "collapsed", "--cpu", "-t", "--simple", "--from", str(w[0]),
                    "--to", str(w[1]), jfr, coll], check=True, stdout=subprocess.DEVNULL)
    threads = collections.Counter()
    cats = collections.Counter()
    tot = 0
    for line in open(coll):
        st, n = line.rstrip().rsplit(" ", 1)
        n = int(n)
        tot += n
        th = re.sub(r"[-\d]+\]?$", "", st.split(";")[0].split(" tid=")[0]).strip("[")
        threads[th] += n
        for name, rx in CATS:
            if re.search(rx, st):
                cats[name] += n
                break
        else:
            cats["other: " + th] += n
    ms = w[1] - w[0]
    per = "" if not records else ", %.0f samples per million records" % (tot / records * 1e6)
    print("%s: window %d ms, %d CPU samples (%.2f cores)%s" % (label, ms, tot, tot / max(ms, 1), per))
    for th, c in threads.most_common(8):
        print("    thread %-40s %6d  %5.1f%%" % (th, c, 100 * c / tot))
    for name, c in cats.most_common(12):
        print("    what   %-40s %6d  %5.1f%%" % (name, c, 100 * c / tot))
