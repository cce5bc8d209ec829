#!/usr/bin/env python3
"""Overhead of tracing a Go HTTP server under load, gotrace's modes side by side with peers, in one run.

The server (tests/go/httpload, built by the newest Go present) runs under `wrk -t1 -c16 --latency` on loopback
(both on this machine's cores). Each round runs every mode once, in a fresh random order, for RUN seconds each;
a mode's ratio is its requests/s over the same round's untraced run. Reported: min/median/max of the ratios, p99
latency, and for gotrace the probe hits per second it counted (the figure that carries across machines: a uprobe
hit costs 1-3 us on bare metal, ~20 us on this project's VMs).

Usage: bench/overhead/run.py [rounds] [seconds per run]     (root; `make` first; installs wrk/bpftrace if missing)
"""
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GOTRACE = os.path.join(TOP, "gotrace")


def server_binary():
    manifest = os.path.join(TOP, "build", "tests", "go", "manifest.tsv")
    rows = [line.split("\t") for line in open(manifest).read().splitlines()]
    rows = [r for r in rows if r[2] == "httpload" and r[3] == "default"]
    return sorted(rows, key=lambda r: [int(x) for x in re.findall(r"\d+", r[0])])[-1][4]


def start_server(path, *args):
    p = subprocess.Popen([path, *args], stdout=subprocess.PIPE, text=True)
    _, pid, port = p.stdout.readline().split()
    return p, int(pid), int(port)


def cpu_seconds(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def measured(pid, port, seconds):
    """wrk's figures plus requests per CPU-second of the server: a trap or probe is charged to the thread it
    stops, so this ratio shows tracing cost even when other jobs share the machine and move requests/s."""
    c0 = cpu_seconds(pid)
    rps, p99, errors = wrk(port, seconds)
    return rps, p99, errors, rps * seconds / max(cpu_seconds(pid) - c0, 1e-9)


def wrk(port, seconds):
    out = subprocess.run(["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", f"http://127.0.0.1:{port}/x"],
                         capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 1e-3, "ms": 1, "s": 1e3}[p99.group(2)]
    errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, float(p99.group(1)) * scale, errors + (int(non2xx.group(1)) if non2xx else 0)


class Tracer:
    """A tracer started before the load and stopped after it; hits() after stop."""

    def __init__(self, argv, ready, out=None):
        self.out = out
        self.proc = subprocess.Popen(argv, stdout=open(out, "w") if out else subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        buf = ""
        while ready and ready not in buf and time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                raise RuntimeError(f"{argv[0]} exited: {buf}")
            buf += line
        time.sleep(0.5)

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=60)

    def hits_per_second(self):
        if not self.out:
            return None
        for line in open(self.out):
            if '"summary"' in line:
                s = json.loads(line)
                return s.get("probe_hits_per_second")
        return None


def modes(pid, exe, tmp):
    """name -> function starting the tracer (None: untraced)."""
    bt = (f'uprobe:{exe}:runtime.stopTheWorldWithSema {{ @s[tid] = nsecs; }} '
          f'uprobe:{exe}:runtime.startTheWorldWithSema /@s[tid]/ {{ @pause = hist(nsecs - @s[tid]); delete(@s[tid]); }}')
    name = os.path.basename(exe)
    return {
        "untraced": None,
        "gotrace -p (default)": lambda: Tracer([GOTRACE, "-p", str(pid), "-j"], "Hit Ctrl-C", f"{tmp}/a.json"),
        "gotrace -c gc": lambda: Tracer([GOTRACE, "-p", str(pid), "-j", "-c", "gc"], "Hit Ctrl-C", f"{tmp}/b.json"),
        "gotrace --goroutines=exact": lambda: Tracer([GOTRACE, "-p", str(pid), "-j", "--goroutines=exact"],
                                                     "Hit Ctrl-C", f"{tmp}/c.json"),
        "gotrace flame -F 99": lambda: Tracer([GOTRACE, "flame", "-p", str(pid), "-o", f"{tmp}/f.pb.gz"],
                                              "Hit Ctrl-C"),
        "gotrace daemon": lambda: Tracer([GOTRACE, "daemon", "--listen=127.0.0.1:0", "--profile-dir=none",
                                          f"--allow-exe={name}"], "started"),
        "bpftrace (same GC uprobes)": lambda: Tracer(["bpftrace", "-p", str(pid), "-e", bt], None),
    }


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    for tool, pkg in (("wrk", "wrk"), ("bpftrace", "bpftrace")):
        if not shutil.which(tool):
            subprocess.run(["apt-get", "install", "-y", "-qq", pkg], check=True, stdout=subprocess.DEVNULL)
    tmp = tempfile.mkdtemp()
    exe = os.path.join(tmp, "httpload-bench")
    shutil.copy(server_binary(), exe)
    server, pid, port = start_server(exe, "-duration=0")
    trace_server, tpid, tport = start_server(exe, "-duration=0", f"-exectrace={tmp}/exec.trace")
    results = {}
    try:
        wrk(port, seconds)	# warm-up: connections, heap growth, page cache
        wrk(tport, seconds)
        table = modes(pid, exe, tmp)
        names = list(table) + ["Go execution tracer (runtime/trace)"]
        for r in range(rounds):
            order = names[:]
            random.shuffle(order)
            base = None
            runs = {}
            for name in order:
                if name.startswith("Go execution tracer"):
                    runs[name] = (measured(tpid, tport, seconds), None)
                    continue
                tracer = table[name]() if table[name] else None
                got = measured(pid, port, seconds)
                if tracer:
                    tracer.stop()
                runs[name] = (got, tracer.hits_per_second() if tracer else None)
            base, base_eff = runs["untraced"][0][0], runs["untraced"][0][3]
            for name, ((rps, p99, errors, eff), hits) in runs.items():
                results.setdefault(name, []).append((rps / base, rps, p99, errors, hits, eff / base_eff))
            print(f"round {r + 1}/{rounds} done", file=sys.stderr, flush=True)
    finally:
        server.kill()
        trace_server.kill()
    print("| mode | req/s ratio min | median | max | req per server CPU-s ratio (median) | median req/s | median p99 "
          "| errors | probe hits/s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, rs in sorted(results.items(), key=lambda kv: -statistics.median(x[0] for x in kv[1])):
        ratios = [x[0] for x in rs]
        hits = [x[4] for x in rs if x[4] is not None]
        print(f"| {name} | {min(ratios):.3f} | {statistics.median(ratios):.3f} | {max(ratios):.3f} | "
              f"{statistics.median(x[5] for x in rs):.3f} | {statistics.median(x[1] for x in rs):.0f} | {statistics.median(x[2] for x in rs):.2f} ms | "
              f"{sum(x[3] for x in rs)} | {f'{statistics.median(hits):.0f}' if hits else '-'} |")


if __name__ == "__main__":
    main()
