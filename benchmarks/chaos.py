#!/usr/bin/env python3
"""Chaos run (issue 17, item 5): one `sluice run` gateway with four pipelines for DURATION seconds
while its receivers are killed (SIGKILL) and restarted, the TCP receiver closes connections at
random, and malformed input arrives on the side. At the end every pipeline's accounting must add
up, and the lossless pipeline must have delivered everything it acknowledged.

Pipelines (all fed by this script's senders, numbered messages):
  http-relay  http source -> block -> http sink (retry) -> HTTP receiver   lossless: every 202 arrives
  tcp-relay   tcp source  -> block -> tcp sink (retry)  -> TCP receiver    loses at most what was in
                                                                          flight on a dropped connection
  tcp-lossy   tcp source  -> drop-newest(64) -> file                      drops counted
  udp-file    udp source  -> block -> file                                 network loss only, counted

Usage: chaos.py JAR OUTDIR [DURATION_SECONDS]     (receiver modes are internal: chaos.py recv-tcp|recv-http)
"""
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


# ---------------------------------------------------------------- receivers (child processes)

def recv_tcp(port, path):
    """Newline receiver: appends complete lines (unbuffered); closes each connection after a random
    2-10 s, so the gateway's sink sees the receiving side drop it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(16)

    def serve(c):
        c.settimeout(0.5)
        until = time.time() + random.uniform(2, 10)
        rest = b""
        while time.time() < until:
            try:
                data = c.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not data:
                break
            rest += data
            cut = rest.rfind(b"\n")
            if cut >= 0:
                os.write(fd, rest[:cut + 1])
                rest = rest[cut + 1:]
        c.close()  # a partial line in `rest` was in flight: lost with the connection

    while True:
        c, _ = srv.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def recv_http(port, path):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            os.write(fd, body + b"\n")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass

    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()


class Receiver:
    """A receiver child process the chaos thread kills and restarts on the same port."""

    def __init__(self, mode, port, path):
        self.mode, self.port, self.path = mode, port, path
        self.proc = None
        self.kills = 0

    def start(self):
        self.proc = subprocess.Popen([sys.executable, __file__, self.mode, str(self.port), self.path])

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.kills += 1


# ---------------------------------------------------------------- senders

class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.n = 0

    def add(self, k=1):
        with self.lock:
            self.n += k


def tcp_sender(port, tag, stop, sent, rate):
    """Numbered lines on one connection, reconnecting if the gateway drops it; counts lines written."""
    seq = 0
    while not stop.is_set():
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            time.sleep(0.2)
            continue
        try:
            while not stop.is_set():
                batch = b"".join(b"%s-%d\n" % (tag, seq + i) for i in range(50))
                s.sendall(batch)
                seq += 50
                sent.add(50)
                time.sleep(50 / rate)
        except OSError:
            pass
        finally:
            s.close()
    return seq


def http_sender(port, stop, acked, tag, rate):
    """POSTs numbered bodies; an id counts as acknowledged on 202; anything else is retried."""
    seq = 0
    conn = None
    while not stop.is_set():
        body = b"%s-%d" % (tag, seq)
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("POST", "/ingest", body=body)
            r = conn.getresponse()
            r.read()
            if r.status == 202:
                acked.append(body)
                seq += 1
                time.sleep(1 / rate)
            else:
                time.sleep(0.05)
        except (OSError, http.client.HTTPException):
            conn = None
            time.sleep(0.1)


def udp_sender(port, stop, sent, rate):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    seq = 0
    while not stop.is_set():
        for _ in range(20):
            s.sendto(b"u-%d" % seq, ("127.0.0.1", port))
            seq += 1
        sent.add(20)
        time.sleep(20 / rate)


def malformed(ports, stop, count, udp_junk):
    """Garbage on the side: bad HTTP, an oversized TCP line, random datagrams."""
    rnd = random.Random(7)
    while not stop.is_set():
        try:
            kind = rnd.randrange(3)
            if kind == 0:
                with socket.create_connection(("127.0.0.1", ports["http"]), timeout=2) as s:
                    s.sendall(rnd.choice([b"GARBAGE\r\n\r\n", b"POST /ingest HTTP/9.9\r\n\r\n",
                                          b"POST /ingest HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                                          bytes(rnd.randrange(256) for _ in range(300))]))
                    s.settimeout(2)
                    try:
                        s.recv(4096)
                    except OSError:
                        pass
            elif kind == 1:
                with socket.create_connection(("127.0.0.1", ports["tcp-lossy"]), timeout=2) as s:
                    s.sendall(b"x" * (2 << 20) + b"\n")  # over the source's maxFrame: that connection is failed
            else:
                u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                junk = bytes(rnd.choice([b for b in range(256) if b not in (10, 13)]) for _ in range(rnd.randrange(1, 1400)))
                u.sendto(junk, ("127.0.0.1", ports["udp"]))  # no line breaks: the file counts one line each
                u.close()
                udp_junk.add()
            count.add()
        except OSError:
            pass
        time.sleep(0.2)


# ---------------------------------------------------------------- the run

def lines(path):
    try:
        with open(path, "rb") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def main():
    jar, out, duration = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 600
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="sluice-chaos-")
    ports = {"http": free_port(), "tcp": free_port(), "tcp-lossy": free_port(), "udp": free_port(socket.SOCK_DGRAM),
             "recv-tcp": free_port(), "recv-http": free_port(), "admin": free_port()}
    retry = "retry: {initial: 50ms, max: 2s, maxAttempts: -1}"
    cfg = os.path.join(work, "chaos.yaml")
    with open(cfg, "w") as f:
        f.write(f"""admin: {{host: 127.0.0.1, port: {ports['admin']}}}
drainTimeout: 60s
pipelines:
  - name: http-relay
    source: {{type: http, host: 127.0.0.1, port: {ports['http']}, path: /ingest}}
    overflow: {{policy: block, capacity: 2000}}
    sink: {{type: http, host: 127.0.0.1, port: {ports['recv-http']}, path: /in, {retry}}}
  - name: tcp-relay
    source: {{type: tcp, host: 127.0.0.1, port: {ports['tcp']}, framing: newline}}
    overflow: {{policy: block, capacity: 2000}}
    sink: {{type: tcp, host: 127.0.0.1, port: {ports['recv-tcp']}, framing: newline, {retry}}}
  - name: tcp-lossy
    source: {{type: tcp, host: 127.0.0.1, port: {ports['tcp-lossy']}, framing: newline}}
    overflow: {{policy: drop-newest, capacity: 64}}
    sink: {{type: file, path: '{work}/lossy.log'}}
  - name: udp-file
    source: {{type: udp, host: 127.0.0.1, port: {ports['udp']}}}
    overflow: {{policy: block, capacity: 2000}}
    sink: {{type: file, path: '{work}/udp.log'}}
""")
    rt = Receiver("recv-tcp", ports["recv-tcp"], os.path.join(work, "recv-tcp.log"))
    rh = Receiver("recv-http", ports["recv-http"], os.path.join(work, "recv-http.log"))
    rt.start()
    rh.start()
    glog = open(os.path.join(work, "gateway.log"), "w")
    gw = subprocess.Popen(["java", "-Xmx512m", "-jar", jar, "run", cfg], stdout=subprocess.PIPE, stderr=glog, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", ports["tcp"]), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    stop = threading.Event()
    tcp_sent, lossy_sent, udp_sent, bad, udp_junk = Counter(), Counter(), Counter(), Counter(), Counter()
    http_acked = []
    threads = [threading.Thread(target=tcp_sender, args=(ports["tcp"], b"t%d" % i, stop, tcp_sent, 1500)) for i in range(2)]
    threads += [threading.Thread(target=tcp_sender, args=(ports["tcp-lossy"], b"l0", stop, lossy_sent, 5000))]
    threads += [threading.Thread(target=http_sender, args=(ports["http"], stop, http_acked, b"h%d" % i, 300)) for i in range(2)]
    threads += [threading.Thread(target=udp_sender, args=(ports["udp"], stop, udp_sent, 1000)),
                threading.Thread(target=malformed, args=(ports, stop, bad, udp_junk))]
    for t in threads:
        t.daemon = True
        t.start()
    rnd = random.Random(42)
    t0 = time.time()
    events = []
    while time.time() - t0 < duration:
        time.sleep(rnd.uniform(5, 20))
        victim = rnd.choice([rt, rh])
        victim.kill()
        down = rnd.uniform(0.5, 4)
        events.append(f"{time.time() - t0:7.1f}s kill {victim.mode}, down {down:.1f}s")
        time.sleep(down)
        victim.start()
    stop.set()
    for t in threads:
        t.join(30)
    # drain: the relays' receivers are up; wait until their files stop growing
    last, still = -1, 0
    while still < 5:
        time.sleep(1)
        n = len(lines(rt.path)) + len(lines(rh.path))
        still = still + 1 if n == last else 0
        last = n
    gw.send_signal(signal.SIGTERM)
    summary, _ = gw.communicate(timeout=120)
    for r in (rt, rh):
        r.proc.kill()  # the end of the run, not a chaos kill
        r.proc.wait()

    report = {}
    for line in summary.splitlines():
        m = re.match(r"(\S+)\s+(\S+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+(yes|NO)\s+(\S+)", line)
        if m:
            num = lambda i: int(m.group(i).replace(",", ""))
            report[m.group(1)] = {"policy": m.group(2), "received": num(3), "delivered": num(4), "dropped": num(5),
                                  "filtered": num(6), "discarded": num(7), "addsUp": m.group(8) == "yes",
                                  "outcome": m.group(9)}
    got_http = set(lines(rh.path))
    http_missing = [b for b in http_acked if b not in got_http]
    got_tcp = lines(rt.path)
    tcp_ids = set(got_tcp)
    tcp_lost = tcp_sent.n - len(tcp_ids)
    last_seq, backwards = {}, 0
    for l in got_tcp:  # per sender connection, numbers only go up; a step back is a resend or a reorder
        tag, seq = l.rsplit(b"-", 1)
        if int(seq) < last_seq.get(tag, -1):
            backwards += 1
        last_seq[tag] = int(seq)
    lossy_lines, udp_lines = len(lines(os.path.join(work, "lossy.log"))), len(lines(os.path.join(work, "udp.log")))
    checks = {
        "every pipeline adds up": all(r["addsUp"] for r in report.values()) and len(report) == 4,
        "http-relay: every 202'd message reached the receiver": not http_missing,
        "tcp-relay: the receiver got what the source received, less at most in-flight bytes":
            report.get("tcp-relay", {}).get("received", -1) == tcp_sent.n,
        "tcp-lossy: file lines == delivered": lossy_lines == report.get("tcp-lossy", {}).get("delivered"),
        "udp-file: file lines == delivered": udp_lines == report.get("udp-file", {}).get("delivered"),
        "gateway exit code 0": gw.returncode == 0,
    }
    res = {
        "duration_s": duration, "kills": {"recv-tcp": rt.kills, "recv-http": rh.kills}, "events": events,
        "malformed_sent": bad.n, "report": report,
        "http": {"acked": len(http_acked), "received_unique": len(got_http), "missing": len(http_missing)},
        "tcp_relay": {"sent": tcp_sent.n, "received_lines": len(got_tcp), "unique": len(tcp_ids),
                      "lost_in_flight": tcp_lost, "duplicates": len(got_tcp) - len(tcp_ids),
                      "steps_back": backwards},
        "tcp_lossy": {"sent": lossy_sent.n, "file_lines": lossy_lines},
        "udp": {"sent": udp_sent.n, "junk_sent": udp_junk.n, "file_lines": udp_lines,
                "network_loss": udp_sent.n + udp_junk.n - report.get("udp-file", {}).get("received", 0)},
        "checks": checks, "passed": all(checks.values()),
        "load": open("/proc/loadavg").read().split()[:3],
    }
    stamp = time.strftime("%Y-%m-%d-%H%M", time.gmtime())
    with open(os.path.join(out, f"chaos-{stamp}.json"), "w") as f:
        json.dump(res, f, indent=2)
    with open(os.path.join(out, f"chaos-{stamp}.txt"), "w") as f:
        f.write(summary + "\n")
        for k, v in checks.items():
            f.write(f"{'PASS' if v else 'FAIL'}  {k}\n")
        f.write(json.dumps({k: res[k] for k in ("kills", "malformed_sent", "http", "tcp_relay", "tcp_lossy", "udp", "load")}, indent=2) + "\n")
        f.write("\n".join(events) + "\n")
    print(open(os.path.join(out, f"chaos-{stamp}.txt")).read())
    print("work dir (gateway.log, receiver files):", work)
    sys.exit(0 if res["passed"] else 1)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("recv-tcp", "recv-http"):
        (recv_tcp if sys.argv[1] == "recv-tcp" else recv_http)(int(sys.argv[2]), sys.argv[3])
    else:
        main()
