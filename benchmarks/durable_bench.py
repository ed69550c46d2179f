#!/usr/bin/env python3
"""Issue 14 benchmark: TCP -> persistent log -> file, Sluice vs rsyslog's disk-assisted queue vs dd.

Every cell receives the same input file from the same sender (socat) on 127.0.0.1 and writes
every line to a file; a cell's time runs from the sender's start until the output file holds every
byte (polled every 20 ms), so it includes the disk log, the queue hand-offs and the final write.
Cells (each repeated ROUNDS times, cells alternating within a round; medians reported):
  sluice-memory         tcp newline -> overflow block (10,000, in memory) -> file
  sluice-persistent-*   tcp newline -> overflow persistent (fsync never | 10ms | always) -> file
  sluice-lp-10ms        tcp length-prefixed -> persistent fsync 10ms -> file (the issue's framing;
                        same payloads, 4-byte prefixes instead of newlines)
  rsyslog-da            rsyslogd imtcp -> ruleset with a disk-assisted LinkedList queue -> omfile
  rsyslog-disk          rsyslogd imtcp -> ruleset with a pure Disk queue -> omfile
  dd                    dd of the same byte count to the same disk, conv=fdatasync (the disk's bound)
Each Sluice gateway (the CLI jar) gets a warm-up file first, WARM_REPS times, excluded from the timing.
Usage: durable_bench.py JAR OUTDIR [--smoke]
"""
import json
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

JAR, OUT = sys.argv[1], sys.argv[2]
SMOKE = "--smoke" in sys.argv
ROUNDS = 1 if SMOKE else int(os.environ.get("ROUNDS", "3"))
SIZES = {100: 20_000 if SMOKE else 1_000_000, 1000: 5_000 if SMOKE else 200_000}
# ONLY_SIZE=1000 runs one size; SKIP=sluice-persistent-always,rsyslog-disk leaves cells out (fsync always is slow)
if os.environ.get("ONLY_SIZE"):
    SIZES = {int(os.environ["ONLY_SIZE"]): SIZES[int(os.environ["ONLY_SIZE"])]}
SKIP = set(filter(None, os.environ.get("SKIP", "").split(",")))
WARM = 2_000 if SMOKE else 100_000
# WARM_REPS (default 5): untimed passes of the warm-up file per Sluice gateway before the timed input. With
# one pass the C2 compiler used 26% of the gateway's CPU in a persistent 100 B cell's timed part
# (results/persist-tail-2026-12-04/README.md); every Sluice cell gets the same warm-up.
WARM_REPS = int(os.environ.get("WARM_REPS", "5"))
WORK = tempfile.mkdtemp(prefix="durable-bench-", dir=os.environ.get("BENCH_DIR", "/tmp"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"receiver exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def make_inputs(size, n):
    """Newline file and length-prefixed file with the same payloads (size - 1 printable bytes each)."""
    nl = os.path.join(WORK, f"in-{size}.txt")
    lp = os.path.join(WORK, f"in-{size}.lp")
    head = b"<13>Dec  3 07:00:00 host app[42]: "  # a syslog line (one starting with a digit is octet-counted to rsyslog)
    fill = b"x" * (size - 1 - len(head) - 9)
    with open(nl, "wb") as a, open(lp, "wb") as b:
        for i in range(n):
            p = head + b"%08d " % (i % 100_000_000) + fill
            a.write(p + b"\n")
            b.write(struct.pack(">I", len(p)) + p)
    return nl, lp


def send(path, port):
    subprocess.run(["socat", "-u", f"OPEN:{path}", f"TCP:127.0.0.1:{port}"], check=True)


def wait_size(path, want, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if os.path.getsize(path) >= want:
                return True
        except FileNotFoundError:
            pass
        time.sleep(0.02)
    return False


def timed(send_path, port, out, want):
    t0 = time.perf_counter()
    send(send_path, port)
    if not wait_size(out, want, 600):
        raise RuntimeError(f"{out} reached {os.path.getsize(out) if os.path.exists(out) else 0} of {want} bytes")
    return time.perf_counter() - t0


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def sluice_cell(overflow, framing, main_in, warm_in, main_bytes, warm_bytes, jar=None):
    d = tempfile.mkdtemp(dir=WORK)
    port = free_port()
    out = os.path.join(d, "out.txt")
    cfg = os.path.join(d, "g.yaml")
    with open(cfg, "w") as f:
        f.write("pipelines:\n  - name: bench\n"
                f"    source: {{type: tcp, host: 127.0.0.1, port: {port}, framing: {framing}}}\n"
                f"    overflow: {overflow.replace('DIR', d)}\n"
                f"    sink: {{type: file, path: '{out}', flushInterval: 10ms}}\n")
    # JAVA_OPTS (space-separated), e.g. -Dio.netty.leakDetection.level=disabled: Netty's sampled leak detector
    # tracks every frame sliced from a sampled cumulation buffer (length-prefixed framing), a random extra cost
    proc = subprocess.Popen(["java", *os.environ.get("JAVA_OPTS", "").split(), "-jar", jar or JAR, "run", cfg], stdout=open(os.path.join(d, "gateway.log"), "w"),
                            stderr=subprocess.STDOUT)
    try:
        wait_port(port, proc)
        for r in range(WARM_REPS):
            timed(warm_in, port, out, warm_bytes * (r + 1))
        return timed(main_in, port, out, warm_bytes * WARM_REPS + main_bytes)
    except Exception:
        print(open(os.path.join(d, "gateway.log")).read()[-3000:], file=sys.stderr)
        raise
    finally:
        stop(proc)
        shutil.rmtree(d, ignore_errors=True)


def rsyslog_cell(queue, main_in, main_bytes):
    d = tempfile.mkdtemp(dir=WORK)
    port = free_port()
    out = os.path.join(d, "out.txt")
    cfg = os.path.join(d, "rsyslog.conf")
    q = {"da": 'queue.type="LinkedList" queue.filename="daq" queue.saveOnShutdown="on" queue.maxDiskSpace="4g"',
         "disk": 'queue.type="Disk" queue.filename="dq" queue.maxDiskSpace="4g"'}[queue]
    with open(cfg, "w") as f:
        f.write(f'global(workDirectory="{d}" maxMessageSize="8k")\n'
                'module(load="imtcp")\n'
                'template(name="raw" type="string" string="%rawmsg%\\n")\n'
                f'ruleset(name="bench" {q}) {{\n'
                f'  action(type="omfile" file="{out}" template="raw")\n'
                '}\n'
                f'input(type="imtcp" port="{port}" address="127.0.0.1" ruleset="bench")\n')
    proc = subprocess.Popen(["rsyslogd", "-n", "-f", cfg, "-i", os.path.join(d, "pid")],
                            stdout=open(os.path.join(d, "gateway.log"), "w"), stderr=subprocess.STDOUT)
    try:
        wait_port(port, proc)
        return timed(main_in, port, out, main_bytes)
    finally:
        stop(proc)
        shutil.rmtree(d, ignore_errors=True)


def dd_cell(main_bytes):
    target = os.path.join(WORK, "dd.out")
    t0 = time.perf_counter()
    subprocess.run(["dd", "if=/dev/zero", f"of={target}", "bs=1M", f"count={max(1, main_bytes >> 20)}",
                    "conv=fdatasync"], check=True, capture_output=True)
    t = time.perf_counter() - t0
    os.remove(target)
    return t * main_bytes / (max(1, main_bytes >> 20) << 20)


PERSIST = "{policy: persistent, path: 'DIR/plog', maxBytes: 8GiB, fsync: %s}"
CELLS = [
    ("sluice-memory", lambda s: ("sluice", "{policy: block, capacity: 10000}", "newline")),
    ("sluice-persistent-never", lambda s: ("sluice", PERSIST % "never", "newline")),
    ("sluice-persistent-10ms", lambda s: ("sluice", PERSIST % "10ms", "newline")),
    ("sluice-persistent-always", lambda s: ("sluice", PERSIST % "always", "newline")),
    ("sluice-lp-10ms", lambda s: ("sluice", PERSIST % "10ms", "length-prefixed")),
    ("rsyslog-da", lambda s: ("rsyslog", "da", None)),
    ("rsyslog-disk", lambda s: ("rsyslog", "disk", None)),
    ("dd", lambda s: ("dd", None, None)),
]


def main():
    results = {}
    try:
        for size, n in SIZES.items():
            nl, lp = make_inputs(size, n)
            warm_nl = os.path.join(WORK, f"warm-{size}.txt")
            warm_lp = os.path.join(WORK, f"warm-{size}.lp")
            with open(nl, "rb") as a, open(warm_nl, "wb") as w:
                w.write(b"".join(a.readline() for _ in range(WARM)))
            with open(lp, "rb") as a, open(warm_lp, "wb") as w:
                for _ in range(WARM):
                    h = a.read(4)
                    w.write(h + a.read(struct.unpack(">I", h)[0]))
            main_bytes, warm_bytes = os.path.getsize(nl), os.path.getsize(warm_nl)
            for r in range(ROUNDS):
                for name, spec in CELLS:
                    if name in SKIP:
                        continue
                    kind, arg, framing = spec(size)
                    if kind == "sluice":
                        lpf = framing == "length-prefixed"
                        t = sluice_cell(arg, framing, lp if lpf else nl, warm_lp if lpf else warm_nl,
                                        main_bytes, warm_bytes)
                    elif kind == "rsyslog":
                        t = rsyslog_cell(arg, nl, main_bytes)
                    else:
                        t = dd_cell(main_bytes)
                    results.setdefault(f"{size}", {}).setdefault(name, []).append(n / t)
                    print(f"size {size} round {r + 1} {name}: {n / t:,.0f} msg/s ({main_bytes / t / 2**20:,.1f} MiB/s)",
                          flush=True)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    return results


if __name__ == "__main__":
    res = main()
    stamp = time.strftime("%Y-%m-%d-%H%M", time.gmtime())
    os.makedirs(OUT, exist_ok=True)
    base = os.path.join(OUT, f"durable-{stamp}")
    with open(base + ".json", "w") as f:
        json.dump(res, f, indent=1)
    lines = [f"# TCP -> persistent -> file vs rsyslog vs dd ({stamp} UTC, {os.cpu_count()} cores, rounds {ROUNDS})", "",
             "median msg/s (min-max); ratios against the median of the named cell", "",
             "| size | cell | msg/s | MiB/s | range | vs rsyslog-da | vs sluice-memory | vs dd |", "|---|---|---|---|---|---|---|---|"]
    for size, cells in res.items():
        med = {k: statistics.median(v) for k, v in cells.items()}
        for k, v in cells.items():
            m = med[k]
            lines.append(f"| {size} B | {k} | {m:,.0f} | {m * int(size) / 2**20:,.1f} | {min(v):,.0f}-{max(v):,.0f} | "
                         f"{m / med['rsyslog-da']:.2f}x | {m / med['sluice-memory']:.2f} | {m / med['dd']:.2f} |")
    with open(base + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"results: {base}.md, {base}.json")
