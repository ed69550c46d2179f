#!/usr/bin/env python3
"""Issue 18 benchmark: Sluice against the programs users would run instead, on this machine, in one run.

Every contestant in a cell gets the same input from the same sender; contestants alternate within
each round (the order rotates from round to round) so that load from other work hits them alike.
Figures are taken at the receiving side. Each round records `uptime`.

Cells
  tcp-100, tcp-1000   socat streams a file of N syslog-style lines (100 B or 1 KB with the '\\n')
                      to 127.0.0.1; time from the sender's start until the output file holds every
                      byte (polled every 10 ms). Contestants:
                        sluice   `sluice run`: tcp newline -> file (flushInterval 10ms); a warm-up
                                 file (200,000 lines) sent WARM_PASSES times first, not timed: the
                                 JIT compiles the gateway's path for a long time on 2 shared cores
                        rsyslog  rsyslogd imtcp -> omfile, template %rawmsg%\\n (default queues)
                        dd       dd of the same byte count to the same disk (conv=fdatasync): the
                                 disk's bound, not a receiver
  http-<size>-c<conns>  wrk -t1 -c<conns> -d<HTTP_SECONDS>s POSTing a <size>-byte body to /ingest
                      (100 B and 4 KB, 32 and 256 connections); requests/s as wrk reports them, every
                      answer must be 2xx. Contestants (all three run for the whole HTTP part, each
                      warmed up with wrk first; only the one under test gets requests):
                        sluice   `sluice run`: http source -> discard sink
                        nginx    nginx-light, `location /ingest { return 202; }` (worker_processes auto)
                        netty    io.sluice.bench.peers.BareHttp: a bare reactor-netty handler that
                                 reads the body and answers 202 (the framework's limit)
                        netty-codec  io.sluice.bench.peers.BareNettyHttp: plain Netty, HttpServerCodec
                                 and one streaming handler that copies the body out and answers 202
                                 (what serving the intake without reactor-netty would cost)
  udp-100             one Python sender sends N datagrams of 100 B as fast as it can; the receiver
                      writes each to a file; lines/s = lines written / (last write - sender start);
                      loss = datagrams sent - lines written. Contestants: sluice (udp -> file) and
                      rsyslog (imudp -> omfile).
CPU: every contestant's own user+system CPU time (process, its threads and its child processes,
from /proc) over the timed part, per line or per request: on a shared machine it moves far less
than throughput, which depends on how much of the 2 cores the contestant got.

Usage: peers_bench.py CLI_JAR BENCH_JAR OUTDIR [--smoke]
Env: ROUNDS (3), ONLY (comma list of cell prefixes, e.g. tcp,http-100), WHO (comma list of
     contestants, e.g. sluice,sluice-base,rsyslog; default all), BASE_JAR (a second CLI jar run as
     "sluice-base" in the same rounds: before/after), HTTP_SECONDS (8), HTTP_WARM_SECONDS (= HTTP_SECONDS;
     one wrk warm-up per HTTP server), WARM_PASSES (3), TCP_LINES_100 (2,000,000), TCP_LINES_1000 (300,000),
     PROFILE=<dir> + ASPROF_LIB (path of libasyncProfiler.so): async-profiler on each Sluice gateway
     during its timed part only (attached with jcmd; PROFILE_EVENT cpu or itimer), flame graphs
     <dir>/<cell>-r<round>-<who>.html; PROFILE_FROM=start profiles from JVM start to exit instead
     (TCP cells: <dir>/<cell>-r<round>-<who>.html, HTTP: <dir>/http.html), SLUICE_JAVA_OPTS.
"""
import json
import resource
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

JAR, BENCH_JAR, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
TICK = os.sysconf("SC_CLK_TCK")
SMOKE = "--smoke" in sys.argv
ROUNDS = 1 if SMOKE else int(os.environ.get("ROUNDS", "3"))
HTTP_SECONDS = 2 if SMOKE else int(os.environ.get("HTTP_SECONDS", "8"))
HTTP_WARM = 2 if SMOKE else int(os.environ.get("HTTP_WARM_SECONDS", str(HTTP_SECONDS)))
TCP_SIZES = {100: 20_000 if SMOKE else int(os.environ.get("TCP_LINES_100", "2000000")),
             1000: 5_000 if SMOKE else int(os.environ.get("TCP_LINES_1000", "300000"))}
UDP_N = 20_000 if SMOKE else 500_000
WARM = 2_000 if SMOKE else 200_000
# TCP warm-up of each Sluice gateway: the warm-up file (WARM lines) sent WARM_PASSES times, not timed
WARM_PASSES = 1 if SMOKE else int(os.environ.get("WARM_PASSES", "3"))
ONLY = [p for p in os.environ.get("ONLY", "").split(",") if p]
PROFILE = os.environ.get("PROFILE")
PROFILE_FROM = os.environ.get("PROFILE_FROM", "timed")
PROFILE_EVENT = os.environ.get("PROFILE_EVENT", "cpu")  # cpu (perf events) or itimer
ASPROF = os.environ.get("ASPROF_LIB")
JOPTS = os.environ.get("SLUICE_JAVA_OPTS", "").split()
# BASE_JAR=<another CLI jar>: one more contestant, "sluice-base", run like "sluice" (before/after in one run)
BASE_JAR = os.environ.get("BASE_JAR")
SLUICES = ["sluice"] + (["sluice-base"] if BASE_JAR else [])
WORK = tempfile.mkdtemp(prefix="peers-bench-", dir=os.environ.get("BENCH_DIR", "/tmp"))
UPTIMES = []
# WHO=<comma list>: only these contestants (e.g. WHO=sluice,sluice-base,rsyslog); default all
WHO = [w for w in os.environ.get("WHO", "").split(",") if w]
# CPU seconds each contestant used in the timed part, by cell -> who -> [per unit, ...] (micro-s per line/request)
CPU = {}


def take(names):
    return [n for n in names if not WHO or n in WHO]


def cpu_seconds(pid):
    """user + system CPU of a process and of its direct children (nginx workers), threads included."""
    total = 0.0
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        if int(p) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def wanted(cell):
    return not ONLY or any(cell == p or cell.startswith(p + "-") for p in ONLY)


def uptime():
    u = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    return u[u.find("load average"):] if "load average" in u else u


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, seconds=90):
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


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def make_lines(size, n, name):
    path = os.path.join(WORK, name)
    head = b"<13>Dec  3 07:00:00 host app[42]: "
    fill = b"x" * (size - 1 - len(head) - 9)
    with open(path, "wb") as f:
        for i in range(n):
            f.write(head + b"%08d " % (i % 100_000_000) + fill + b"\n")
    return path


def wait_size(path, want, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if os.path.getsize(path) >= want:
                return True
        except FileNotFoundError:
            pass
        time.sleep(0.01)
    return False


def sluice(d, source, sink, tag, profile=None, jar=None):
    cfg = os.path.join(d, f"{tag}.yaml")
    with open(cfg, "w") as f:
        f.write("pipelines:\n  - name: bench\n"
                f"    source: {source}\n"
                "    overflow: {policy: block, capacity: 10000}\n"
                f"    sink: {sink}\n")
    return subprocess.Popen(["java", *JOPTS, *profiler(profile), "-jar", jar or JAR, "run", cfg],
                            stdout=open(os.path.join(d, f"{tag}.log"), "w"), stderr=subprocess.STDOUT)


def profiler(name):
    """PROFILE_FROM=start: async-profiler from the gateway's start to its exit (warm-up included)."""
    if not (PROFILE and ASPROF and name) or PROFILE_FROM != "start":
        return []
    os.makedirs(PROFILE, exist_ok=True)
    return [f"-agentpath:{ASPROF}=start,event=itimer,interval=1ms,file={os.path.join(PROFILE, name)}.html"]


class Timed:
    """The timed part of one contestant: its CPU, and (PROFILE, default PROFILE_FROM=timed) an
    async-profiler flame graph of just that part, attached with jcmd (Java contestants only)."""

    def __init__(self, proc, name):
        self.proc, self.name, self.cpu = proc, name, 0.0
        self.prof = bool(PROFILE and ASPROF and name and PROFILE_FROM == "timed")

    def _agent(self, cmd):
        # jcmd splits its arguments at '=': the agent's options go quoted, as one
        r = subprocess.run(["jcmd", str(self.proc.pid), "JVMTI.agent_load", ASPROF, f'"{cmd}"'],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0 or "return code: 0" not in r.stdout:
            print(f"  async-profiler {cmd}: {r.stdout.strip()} {r.stderr.strip()}", file=sys.stderr, flush=True)

    def __enter__(self):
        if self.prof:
            os.makedirs(PROFILE, exist_ok=True)
            self._agent(f"start,event={PROFILE_EVENT},interval=1ms,threads")
        self.c0 = cpu_seconds(self.proc.pid)
        return self

    def __exit__(self, *exc):
        self.cpu = cpu_seconds(self.proc.pid) - self.c0
        if self.prof:
            self._agent(f"stop,file={os.path.join(PROFILE, self.name)}.html")
        return False


# ---------------------------------------------------------------- TCP -> file

def tcp_send(path, port):
    subprocess.run(["socat", "-u", f"OPEN:{path}", f"TCP:127.0.0.1:{port}"], check=True)


def timed_tcp(path, port, out, want):
    t0 = time.perf_counter()
    tcp_send(path, port)
    if not wait_size(out, want, 600):
        raise RuntimeError(f"{out} reached {os.path.getsize(out) if os.path.exists(out) else 0} of {want} bytes")
    return time.perf_counter() - t0


def tcp_sluice(inp, warm, main_bytes, warm_bytes, name, jar=None):
    d = tempfile.mkdtemp(dir=WORK)
    port, out = free_port(), os.path.join(d, "out.txt")
    proc = sluice(d, f"{{type: tcp, host: 127.0.0.1, port: {port}, framing: newline}}",
                  f"{{type: file, path: '{out}', flushInterval: 10ms}}", "gateway", name, jar)
    try:
        wait_port(port, proc)
        for i in range(WARM_PASSES):
            timed_tcp(warm, port, out, warm_bytes * (i + 1))
        warm_bytes *= WARM_PASSES
        with Timed(proc, name) as timed:
            t = timed_tcp(inp, port, out, warm_bytes + main_bytes)
        check_same(inp, out, warm_bytes)
        return t, timed.cpu
    except Exception:
        print(open(os.path.join(d, "gateway.log")).read()[-3000:], file=sys.stderr)
        raise
    finally:
        stop(proc)
        shutil.rmtree(d, ignore_errors=True)


def check_same(inp, out, skip):
    """Sluice keeps order: the output after the warm-up is the input, byte for byte."""
    with open(inp, "rb") as a, open(out, "rb") as b:
        b.seek(skip)
        while True:
            x, y = a.read(1 << 20), b.read(1 << 20)
            if x != y:
                raise RuntimeError(f"{out} differs from {inp}")
            if not x:
                return


def rsyslog_conf(d, inputs):
    cfg = os.path.join(d, "rsyslog.conf")
    with open(cfg, "w") as f:
        f.write(f'global(workDirectory="{d}" maxMessageSize="8k")\n'
                + inputs
                + 'template(name="raw" type="string" string="%rawmsg%\\n")\n'
                f'ruleset(name="bench") {{\n  action(type="omfile" file="{d}/out.txt" template="raw")\n}}\n')
    return subprocess.Popen(["rsyslogd", "-n", "-f", cfg, "-i", os.path.join(d, "pid")],
                            stdout=open(os.path.join(d, "rsyslog.log"), "w"), stderr=subprocess.STDOUT)


def tcp_rsyslog(inp, main_bytes):
    d = tempfile.mkdtemp(dir=WORK)
    port = free_port()
    proc = rsyslog_conf(d, 'module(load="imtcp")\n'
                           f'input(type="imtcp" port="{port}" address="127.0.0.1" ruleset="bench")\n')
    try:
        wait_port(port, proc)
        c0 = cpu_seconds(proc.pid)
        t = timed_tcp(inp, port, os.path.join(d, "out.txt"), main_bytes)
        return t, cpu_seconds(proc.pid) - c0
    finally:
        stop(proc)
        shutil.rmtree(d, ignore_errors=True)


def dd_cell(main_bytes):
    target = os.path.join(WORK, "dd.out")
    mib = max(1, main_bytes >> 20)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(["dd", "if=/dev/zero", f"of={target}", "bs=1M", f"count={mib}", "conv=fdatasync"],
                   check=True, capture_output=True)
    t = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    os.remove(target)
    scale = main_bytes / (mib << 20)
    return t * scale, (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * scale


# ---------------------------------------------------------------- HTTP intake

NGINX_CONF = """worker_processes auto;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port};
    location /ingest {{ return 202; }}
  }}
}}
"""


def start_http_servers():
    d = tempfile.mkdtemp(dir=WORK)
    servers = {}
    for who in take(SLUICES + ["nginx", "netty", "netty-codec"]):
        p = free_port()
        if who == "sluice":
            servers[who] = (p, sluice(d, f"{{type: http, host: 127.0.0.1, port: {p}, path: /ingest, "
                                         "maxConnections: 1024}", "{type: discard}", "gateway-http", "http"))
        elif who == "sluice-base":
            servers[who] = (p, sluice(d, f"{{type: http, host: 127.0.0.1, port: {p}, path: /ingest, "
                                         "maxConnections: 1024}", "{type: discard}", "gateway-http-base", "http-base",
                                      BASE_JAR))
        elif who == "nginx":
            with open(os.path.join(d, "nginx.conf"), "w") as f:
                f.write(NGINX_CONF.format(d=d, port=p))
            servers[who] = (p, subprocess.Popen(["nginx", "-c", os.path.join(d, "nginx.conf"), "-p", d],
                                                stdout=open(os.path.join(d, "nginx.log"), "w"), stderr=subprocess.STDOUT))
        else:
            main = "BareHttp" if who == "netty" else "BareNettyHttp"
            servers[who] = (p, subprocess.Popen(["java", *JOPTS, "-cp", BENCH_JAR, f"io.sluice.bench.peers.{main}",
                                                 str(p)], stdout=open(os.path.join(d, f"{who}.log"), "w"),
                                                stderr=subprocess.STDOUT))
    try:
        for who, (port, proc) in servers.items():
            wait_port(port, proc)
    except Exception:
        for f in os.listdir(d):
            if f.endswith(".log"):
                print(f"--- {f}:\n" + open(os.path.join(d, f)).read()[-2000:], file=sys.stderr)
        for _, proc in servers.values():
            stop(proc)
        raise
    return d, servers


def wrk(port, size, conns, seconds):
    script = os.path.join(WORK, f"post-{size}.lua")
    if not os.path.exists(script):
        with open(script, "w") as f:
            f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/octet-stream"\n'
                    f'wrk.body = string.rep("x", {size - 1}) .. "\\n"\n')
    r = subprocess.run(["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "-s", script, f"http://127.0.0.1:{port}/ingest"],
                       capture_output=True, text=True, check=True)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", r.stdout)
    errs = re.search(r"Socket errors: (.*)", r.stdout)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", r.stdout).group(1))
    done = int(re.search(r"(\d+) requests in", r.stdout).group(1))
    if bad or errs:
        print(f"  wrk port {port}: non-2xx {bad.group(1) if bad else 0}, socket errors {errs.group(1) if errs else '-'}",
              flush=True)
    return rps, (int(bad.group(1)) if bad else 0), done


# ---------------------------------------------------------------- UDP intake

def udp_send(port, n, size):
    payload_head = b"<13>Dec  3 07:00:00 host app[42]: "
    fill = b"x" * (size - len(payload_head) - 9)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    addr = ("127.0.0.1", port)
    for i in range(n):
        s.sendto(payload_head + b"%08d " % i + fill, addr)
    s.close()


def timed_udp(port, out, n):
    t0 = time.perf_counter()
    udp_send(port, n, 100)
    sent_s = time.perf_counter() - t0
    last, size, last_t = -1, 0, time.perf_counter()
    while time.perf_counter() - last_t < 1.0:  # settled: no growth for 1 s
        size = os.path.getsize(out) if os.path.exists(out) else 0
        if size != last:
            last, last_t = size, time.perf_counter()
        time.sleep(0.01)
    with open(out, "rb") as f:
        lines = sum(1 for _ in f)
    return lines, last_t - t0, sent_s


def udp_sluice(name, jar=None):
    d = tempfile.mkdtemp(dir=WORK)
    port, out = free_port(), os.path.join(d, "out.txt")
    proc = sluice(d, f"{{type: udp, host: 127.0.0.1, port: {port}}}",
                  f"{{type: file, path: '{out}', flushInterval: 10ms}}", "gateway", name, jar)
    try:
        time.sleep(0.2)
        wait_log(os.path.join(d, "gateway.log"), proc)
        timed_udp(port, out, WARM // 4)  # warm-up
        base = sum(1 for _ in open(out, "rb"))
        lines, t, sent_s = timed_udp(port, out, UDP_N)
        return lines - base, t, sent_s
    finally:
        stop(proc)
        shutil.rmtree(d, ignore_errors=True)


def wait_log(log, proc, seconds=90):
    """UDP has no connect: wait until the gateway logs that its pipeline started."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gateway exited: " + open(log).read()[-2000:])
        if re.search(r"started|listening|bound", open(log).read(), re.I):
            time.sleep(0.3)
            return
        time.sleep(0.05)
    raise RuntimeError("gateway did not start: " + open(log).read()[-2000:])


def udp_rsyslog():
    d = tempfile.mkdtemp(dir=WORK)
    port = free_port()
    proc = rsyslog_conf(d, 'module(load="imudp")\n'
                           f'input(type="imudp" port="{port}" address="127.0.0.1" ruleset="bench")\n')
    try:
        time.sleep(1.0)
        lines, t, sent_s = timed_udp(port, os.path.join(d, "out.txt"), UDP_N)
        return lines, t, sent_s
    finally:
        stop(proc)
        shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------- main

def rotate(xs, r):
    return xs[r % len(xs):] + xs[:r % len(xs)]


def record(res, cell, who, value, extra=None):
    res.setdefault(cell, {}).setdefault(who, []).append(value)
    if extra:
        res.setdefault(cell + ":extra", {}).setdefault(who, []).append(extra)


def main():
    res = {}
    try:
        for size, n in TCP_SIZES.items():
            cell = f"tcp-{size}"
            if not wanted(cell):
                continue
            inp = make_lines(size, n, f"in-{size}.txt")
            warm = make_lines(size, min(WARM, n), f"warm-{size}.txt")
            main_bytes, warm_bytes = os.path.getsize(inp), os.path.getsize(warm)
            for r in range(ROUNDS):
                UPTIMES.append((cell, r + 1, uptime()))
                for who in rotate(take(SLUICES + ["rsyslog", "dd"]), r):
                    if who.startswith("sluice"):
                        t, cpu = tcp_sluice(inp, warm, main_bytes, warm_bytes, f"{cell}-r{r + 1}-{who}",
                                            BASE_JAR if who == "sluice-base" else None)
                    elif who == "rsyslog":
                        t, cpu = tcp_rsyslog(inp, main_bytes)
                    else:
                        t, cpu = dd_cell(main_bytes)
                    record(res, cell, who, n / t)
                    CPU.setdefault(cell, {}).setdefault(who, []).append(cpu * 1e6 / n)
                    print(f"{cell} round {r + 1} {who}: {n / t:,.0f} lines/s ({main_bytes / t / 2**20:,.1f} MiB/s), "
                          f"CPU {cpu * 1e6 / n:.2f} us/line ({cpu / t:.2f} cores)  [{uptime()}]", flush=True)
        http_cells = [(s, c) for s in (100, 4096) for c in (32, 256) if wanted(f"http-{s}-c{c}")]
        if http_cells:
            d, servers = start_http_servers()
            try:
                for who, (port, _) in servers.items():  # warm-up, not recorded (HTTP_WARM_SECONDS)
                    wrk(port, 100, 32, HTTP_WARM)
                for r in range(ROUNDS):
                    for size, conns in http_cells:
                        cell = f"http-{size}-c{conns}"
                        UPTIMES.append((cell, r + 1, uptime()))
                        for who in rotate(list(servers), r):
                            port, proc = servers[who]
                            with Timed(proc, f"{cell}-r{r + 1}-{who}" if who.startswith("sluice") else None) as tm:
                                rps, bad, done = wrk(port, size, conns, HTTP_SECONDS)
                            cpu = tm.cpu
                            record(res, cell, who, rps, {"non2xx": bad})
                            CPU.setdefault(cell, {}).setdefault(who, []).append(cpu * 1e6 / max(1, done))
                            print(f"{cell} round {r + 1} {who}: {rps:,.0f} req/s, CPU {cpu * 1e6 / max(1, done):.1f} "
                                  f"us/request ({cpu / HTTP_SECONDS:.2f} cores)  [{uptime()}]", flush=True)
            finally:
                for _, proc in servers.values():
                    stop(proc)
                shutil.rmtree(d, ignore_errors=True)
        if wanted("udp-100"):
            cell = "udp-100"
            for r in range(ROUNDS):
                UPTIMES.append((cell, r + 1, uptime()))
                for who in rotate(take(SLUICES + ["rsyslog"]), r):
                    lines, t, sent_s = (udp_sluice(f"{cell}-r{r + 1}-{who}", BASE_JAR if who == "sluice-base" else None)
                                        if who.startswith("sluice") else udp_rsyslog())
                    record(res, cell, who, lines / t, {"written": lines, "sent": UDP_N, "lost": UDP_N - lines,
                                                       "sender_s": round(sent_s, 3)})
                    print(f"{cell} round {r + 1} {who}: {lines / t:,.0f} lines/s, {lines:,} of {UDP_N:,} written "
                          f"(lost {UDP_N - lines:,}), sender {UDP_N / sent_s:,.0f} datagrams/s  [{uptime()}]", flush=True)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    return res


PEER = {"tcp": "rsyslog", "http": "nginx", "udp": "rsyslog"}
UNIT = {"tcp": "lines/s", "http": "req/s", "udp": "lines/s"}


def cpu_text(vals):
    if not vals:
        return ""
    return f"{statistics.median(vals):.2f} ({min(vals):.2f}-{max(vals):.2f})"


def report(res):
    stamp = time.strftime("%Y-%m-%d-%H%M", time.gmtime())
    os.makedirs(OUT, exist_ok=True)
    base = os.path.join(OUT, f"peers-{stamp}")
    commit = subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(__file__)), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    with open(base + ".json", "w") as f:
        json.dump({"commit": commit, "rounds": ROUNDS, "uptime": UPTIMES, "results": res, "cpu_us_per_unit": CPU,
                   "base_jar": BASE_JAR, "jar": JAR}, f, indent=1)
    jars = f"sluice = `{JAR}`" + (f", sluice-base = `{BASE_JAR}`" if BASE_JAR else "")
    lines = [f"# Sluice vs peers ({stamp} UTC, harness commit {commit}, {os.cpu_count()} cores, {ROUNDS} rounds)", "",
             f"Jars: {jars}. TCP warm-up: {WARM_PASSES} x {WARM:,} lines per gateway; HTTP: {HTTP_WARM} s "
             f"warm-up per server, {HTTP_SECONDS} s per measurement.", "",
             "Median (min-max) of the rounds; ratio = Sluice's median / the contestant's median. "
             "Method: benchmarks/peers_bench.py. Chart: " + os.path.basename(base) + ".png", "",
             "CPU = the contestant's own user+system CPU (process, threads and child processes) during the "
             "timed part, per line or request: median (min-max); on a shared machine it moves less than throughput.",
             "", "| cell | contestant | median | range | MiB/s | Sluice / it | CPU us/unit | extra |",
             "|---|---|---|---|---|---|---|---|"]
    tsv = []
    for cell, who_vals in res.items():
        if cell.endswith(":extra"):
            continue
        kind, size = cell.split("-")[0], int(cell.split("-")[1])
        med = {w: statistics.median(v) for w, v in who_vals.items()}
        extra = res.get(cell + ":extra", {})
        for w, v in who_vals.items():
            ratio = med["sluice"] / med[w] if "sluice" in med and med[w] else float("nan")
            ex = ""
            if w in extra:
                if kind == "udp":
                    ex = "lost " + ", ".join(f"{e['lost']:,}/{e['sent']:,}" for e in extra[w])
                elif any(e["non2xx"] for e in extra[w]):
                    ex = "non-2xx " + ", ".join(str(e["non2xx"]) for e in extra[w])
            lines.append(f"| {cell} | {w} | {med[w]:,.0f} {UNIT[kind]} | {min(v):,.0f}-{max(v):,.0f} | "
                         f"{med[w] * size / 2**20:,.1f} | {'-' if w == 'sluice' else f'{ratio:.2f}x'} | "
                         f"{cpu_text(CPU.get(cell, {}).get(w))} | {ex} |")
            if w != "sluice" and "sluice" in med:
                tsv.append(f"{cell}\tSluice / {w}\t{ratio:.4f}")
    lines += ["", "Load (`uptime`) at the start of each round:", ""]
    lines += [f"- {c} round {r}: {u}" for c, r, u in UPTIMES]
    with open(base + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(base + ".tsv", "w") as f:
        f.write("\n".join(tsv) + "\n")
    subprocess.run(["java", "-cp", BENCH_JAR, "io.sluice.bench.peers.PeersChart", base + ".tsv", base + ".png",
                    f"Sluice / peer, median throughput ({stamp} UTC, {commit}; 1.0 = level)"], check=False)
    print("\n".join(lines))
    print(f"results: {base}.md, {base}.json, {base}.png")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))  # run the finally blocks: stop every server
    report(main())
