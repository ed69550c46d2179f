#!/usr/bin/env python3
"""Cuts every client profile of a `PROFILE_FORMAT=jfr benchmarks/run-kafka.sh` run to its timed window
(the span both sides' figures are computed over) and prints, per client JVM, the CPU samples (itimer,
1 ms each) in that window by thread and by what the threads did, per million records. Writes
<label>.window.collapsed next to each .jfr (one line per stack, thread first).

   python3 benchmarks/kafka/profile_window.py DIR [records]

Windows:
- consumers: from partition assignment to the last record. The Sluice side prints
  `WINDOW <start epoch ms> <end epoch ms>`; Kafka's ConsumerPerformance prints start.time, end.time and
  rebalance.time.ms (the window starts at start.time + rebalance.time.ms).
- producers: from the first send to the producer's close. The Sluice side prints `WINDOW`; Kafka's
  ProducerPerformance prints only its summary ("N records sent, R records/sec ...") right after the
  close: its window ends when that line arrived (<label>.arrivals, written by the harness) and lasts
  N / R seconds. Without an .arrivals file (older runs) the end is the tool's last CPU sample on its
  main thread, taken from the .jfr itself (`jfr print`), which may be a little late (JVM shut-down); a
  Sluice producer from before it printed WINDOW ends at its sink thread's last sample and lasts
  records / RESULT seconds (pass `records`).
"""
import collections, datetime, glob, os, re, subprocess, sys

d = sys.argv[1]
records = int(sys.argv[2]) if len(sys.argv) > 2 else None
conv = sorted(glob.glob(os.path.expanduser(
    "~/.m2/repository/tools/profiler/jfr-converter/*/jfr-converter-*.jar")))[-1]
SUMMARY = re.compile(r"(\d+) records sent, ([\d.]+) records/sec.*50th")


def last_sample(jfr, threads):
    """Epoch ms of the last CPU sample of a thread whose name matches `threads` in an async-profiler .jfr
    (jdk.ExecutionSample; `jfr print` gives times of day, UTC here)."""
    summary = subprocess.run(["jfr", "summary", jfr], check=True, capture_output=True, text=True).stdout
    start = datetime.datetime.strptime(re.search(r"Start: (\S+ \S+)", summary).group(1), "%Y-%m-%d %H:%M:%S")
    text = subprocess.run(["jfr", "print", "--events", "jdk.ExecutionSample", "--stack-depth", "1", jfr],
                          check=True, capture_output=True, text=True).stdout
    last = None
    for ev in text.split("jdk.ExecutionSample {")[1:]:
        if not re.search(r'sampledThread = "(' + threads + ')', ev):
            continue
        m = re.search(r"startTime = (\d+):(\d+):(\d+)\.(\d+)", ev)
        if m:
            h, mi, sec, frac = m.groups()
            t = start.replace(hour=int(h), minute=int(mi), second=int(sec), microsecond=int(frac.ljust(6, "0")[:6]))
            if t < start:
                t += datetime.timedelta(days=1)
            ms = int(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
            last = max(last or 0, ms)
    return last


def window(label, out):
    m = re.search(r"^WINDOW (\d+) (\d+)$", out, re.M)
    if m:
        return int(m.group(1)), int(m.group(2)), None
    s = None
    for s in SUMMARY.finditer(out):
        pass
    if s:  # ProducerPerformance: the last summary (the total) follows the close
        n, rate = int(s.group(1)), float(s.group(2))
        dur = int(round(n / rate * 1000))
        arr = os.path.join(d, label + ".arrivals")
        end = None
        if os.path.exists(arr):
            for line in open(arr):
                ms, text = line.rstrip("\n").split("\t", 1)
                if SUMMARY.search(text) and text.startswith(s.group(1) + " records sent"):
                    end = int(ms)
            how = "summary line arrival"
        if end is None:
            # the main thread is named DestroyJavaVM once the JVM exits
            end = last_sample(os.path.join(d, label + ".jfr"), "main|DestroyJavaVM")
            how = "last main-thread sample"
        return end - dur, end, how
    r = re.search(r"^RESULT ([\d.]+)$", out, re.M)
    if r and records and "producer" in label:  # a Sluice producer from before it printed WINDOW
        # the sink's thread sends, flushes and closes the producer; main only waits
        end = last_sample(os.path.join(d, label + ".jfr"), "sluice-kafka-sink-")
        return end - int(round(records / float(r.group(1)) * 1000)), end, "last sink-thread sample"
    lines = out.splitlines()
    for i, l in enumerate(lines):
        if l.startswith("start.time"):
            cols = [c.strip() for c in lines[i + 1].split(",")]
            hdr = [c.strip() for c in l.split(",")]
            f = "%Y-%m-%d %H:%M:%S:%f"
            st = datetime.datetime.strptime(cols[0], f).replace(tzinfo=datetime.timezone.utc)
            en = datetime.datetime.strptime(cols[1], f).replace(tzinfo=datetime.timezone.utc)
            reb = int(cols[hdr.index("rebalance.time.ms")])
            return int(st.timestamp() * 1000) + reb, int(en.timestamp() * 1000), None
    return None


COMMON = [  # first match wins, tested against the whole stack
    ("JIT compiler", r"^\[?(C1|C2|CompilerThre|CN CompilerThre)"),
    ("GC", r"^\[?(GC Thread|G1 |VM Thread|GC )"),
]
CONSUMER = COMMON + [
    ("KafkaConsumer.poll", r"KafkaConsumer\.poll"),
    ("Message building", r"KafkaClients\.message"),
    ("emit onNext (pipeline)", r"onNext"),
    ("thread hand-off / park / wake", r"(LockSupport|Unsafe\.park|Unsafe\.unpark|pthread_cond|futex|ThreadPoolExecutor\.execute|LinkedBlockingQueue|WakeupException|wakeup)"),
    ("heartbeat thread", r"^\[?kafka-coordinator-heartbeat"),
]
PRODUCER = COMMON + [
    ("net thread: ack callbacks", r"^\[?kafka-producer-network-thread.*(onCompletion|PerfCallback|Stats\.record|KafkaSink\$Run\.acked|lambda\$send)"),
    ("net thread: Sender (I/O, batches)", r"^\[?kafka-producer-network-thread"),
    ("input: payload generation", r"(generateRandomPayload|SluiceSide\.payload|SplittableRandom)"),
    ("KafkaProducer.send: serialize + append", r"(KafkaProducer\.send|KafkaProducer\.doSend)"),
    ("ProducerRecord / headers / Message", r"(KafkaClients\.record|RecordHeaders|ProducerRecord\.<init>|Message\.of)"),
    ("thread hand-off / park / wake", r"(LockSupport|Unsafe\.park|Unsafe\.unpark|pthread_cond|futex|ThreadPoolExecutor\.execute|LinkedBlockingQueue)"),
    ("Reactor operators (other)", r"reactor\.core|\bFlux|\bMono|Operators|BaseSubscriber|;Flux|;Mono"),
]

for jfr in sorted(glob.glob(os.path.join(d, "*.jfr"))):
    label = os.path.basename(jfr)[:-4]
    outf = os.path.join(d, label + ".out")
    if not os.path.exists(outf):
        continue
    w = window(label, open(outf).read())
    if not w:
        print(label, ": no window")
        continue
    cats_def = PRODUCER if "producer" in label else CONSUMER
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
        for name, rx in cats_def:
            if re.search(rx, st):
                cats[name] += n
                break
        else:
            cats["other: " + th] += n
    ms = w[1] - w[0]
    per = "" if not records else ", %.0f samples per million records" % (tot / records * 1e6)
    how = "" if not w[2] else " (end: %s)" % w[2]
    print("%s: window %d ms%s, %d CPU samples (%.2f cores)%s" % (label, ms, how, tot, tot / max(ms, 1), per))
    for th, c in threads.most_common(8):
        print("    thread %-40s %6d  %5.1f%%" % (th, c, 100 * c / tot))
    for name, c in cats.most_common(14):
        print("    what   %-40s %6d  %5.1f%%" % (name, c, 100 * c / tot))
