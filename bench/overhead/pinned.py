#!/usr/bin/env python3
"""What tracing costs an HTTP server, measured finely enough to resolve 1%: the server alone on one CPU.

bench/overhead/run.py compares every mode at once on a shared machine, where the spread of one mode is 10-20%.
This one answers a narrower question precisely: the server (tests/go/httpload, newest Go present) is pinned to
CPU 1, so GOMAXPROCS is 1 and that CPU is saturated by it; wrk (-t1 -c16), gotrace and everything else run on
CPU 0. The server's requests/s is then the inverse of its CPU cost per request, the figure tracing changes
(BPF programs and probe traps run in the context of the thread they trace, on its CPU). Each mode is measured
against the untraced server in pairs run back to back, in alternating order (ABBA), so slow drift falls on both
arms; a mode's figure is the median of its per-pair ratios, with min-max and the interquartile range. A 'noise'
mode (untraced against untraced) shows the resolution of the run itself.

Usage: bench/overhead/pinned.py [--pairs N] [--seconds S] [--before GOTRACE] [MODE...]
       (root; `make` and tests/build-go.sh first)
MODE: noise default gc sched waits goroutines cgroup memory (default: noise default gc sched waits goroutines)
--before GOTRACE: also measures each traced MODE with that gotrace binary (an older build), in the same pairs'
rounds, as "MODE (before)": a change's effect with the machine's drift falling on both.
"""
import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GOTRACE = os.path.join(TOP, "gotrace")
SERVER_CPU, OTHER_CPU = "1", "0"
MODES = {
    "noise": None,
    "default": [],
    "gc": ["-c", "gc"],
    "sched": ["-c", "sched"],
    "waits": ["-c", "waits"],
    "goroutines": ["-c", "goroutines"],
    "cgroup": ["-c", "cgroup"],
    "memory": ["-c", "memory"],
}


def server_binary():
    manifest = os.path.join(TOP, "build", "tests", "go", "manifest.tsv")
    rows = [line.split("\t") for line in open(manifest).read().splitlines()]
    rows = [r for r in rows if r[2] == "httpload" and r[3] == "default"]
    return sorted(rows, key=lambda r: [int(x) for x in re.findall(r"\d+", r[0])])[-1][4]


def cpu_seconds(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def wrk_rps(port, seconds):
    out = subprocess.run(["taskset", "-c", OTHER_CPU, "wrk", "-t1", "-c16", f"-d{seconds}s",
                          f"http://127.0.0.1:{port}/x"], capture_output=True, text=True).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def measure(pid, port, seconds):
    """(requests/s, requests per server CPU-second)."""
    c0 = cpu_seconds(pid)
    rps = wrk_rps(port, seconds)
    return rps, rps * seconds / max(cpu_seconds(pid) - c0, 1e-9)


def start_tracer(pid, args, out):
    """gotrace on the other CPU, returned once it says it is tracing. args: (binary, [options])."""
    binary, args = args
    p = subprocess.Popen(["taskset", "-c", OTHER_CPU, binary, "-p", str(pid), "-j", *args],
                         stdout=open(out, "w"), stderr=subprocess.PIPE, text=True)
    seen = ""
    deadline = time.time() + 30
    while "Hit Ctrl-C" not in seen:
        line = p.stderr.readline()
        if not line or time.time() > deadline:
            raise RuntimeError(f"gotrace {' '.join(args)} did not start: {seen}")
        seen += line
    time.sleep(0.5)	# the first interval's reads settle
    return p


def stop_tracer(p, out):
    """Stops gotrace; its summary's probe hits/s and BPF CPU share."""
    p.send_signal(signal.SIGINT)
    p.wait(timeout=60)
    for line in open(out):
        if '"summary"' in line:
            s = json.loads(line)
            return s.get("probe_hits_per_second"), s.get("bpf_cpu_ns")
    return None, None


def traced(pid, port, seconds, args, out):
    """(req/s, req per CPU-s), probe hits/s, BPF CPU as a share of one CPU over the tracer's life."""
    t0 = time.monotonic()
    p = start_tracer(pid, args, out)
    try:
        got = measure(pid, port, seconds)
    finally:
        hits, bpf_ns = stop_tracer(p, out)
    return got, hits, None if bpf_ns is None else bpf_ns / ((time.monotonic() - t0) * 1e9)


def run_pair(pid, port, seconds, args, out, traced_first):
    """One untraced and one traced run back to back: (traced/untraced req/s, same per CPU-s, hits, bpf_ns).
    args None: the 'traced' arm is untraced too (the noise floor)."""
    def base():
        return measure(pid, port, seconds)

    def mode():
        if args is None:
            return measure(pid, port, seconds), None, None
        return traced(pid, port, seconds, args, out)

    if traced_first:
        (m_rps, m_eff), hits, bpf_ns = mode()
        b_rps, b_eff = base()
    else:
        b_rps, b_eff = base()
        (m_rps, m_eff), hits, bpf_ns = mode()
    return m_rps / b_rps, m_eff / b_eff, m_rps, hits, bpf_ns


def quartiles(xs):
    q = statistics.quantiles(xs, n=4) if len(xs) >= 2 else [xs[0]] * 3
    return q[0], q[2]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=9, help="untraced/traced pairs per mode (default 9)")
    ap.add_argument("--seconds", type=int, default=6, help="seconds per run (default 6)")
    ap.add_argument("--before", metavar="GOTRACE", help="an older gotrace binary to measure beside this one")
    ap.add_argument("modes", nargs="*", default=["noise", "default", "gc", "sched", "waits", "goroutines"])
    a = ap.parse_args()
    unknown = [m for m in a.modes if m not in MODES]
    if unknown:
        ap.error(f"unknown mode {unknown[0]} (modes: {' '.join(MODES)})")
    arms = {}
    for mode in a.modes:
        arms[mode] = None if MODES[mode] is None else (GOTRACE, MODES[mode])
        if a.before and MODES[mode] is not None:
            arms[f"{mode} (before)"] = (os.path.abspath(a.before), MODES[mode])
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
    tmp = tempfile.mkdtemp()
    server = subprocess.Popen(["taskset", "-c", SERVER_CPU, server_binary(), "-duration=0"],
                              stdout=subprocess.PIPE, text=True)
    _, pid, port = server.stdout.readline().split()
    pid, port = int(pid), int(port)
    results = {}
    try:
        wrk_rps(port, a.seconds)	# warm-up: connections, heap growth, page cache
        for i in range(a.pairs):
            for n, (mode, args) in enumerate(arms.items()):
                results.setdefault(mode, []).append(
                    run_pair(pid, port, a.seconds, args, f"{tmp}/{n}.json", traced_first=i % 2 == 1))
            print(f"pair {i + 1}/{a.pairs} done", flush=True, file=os.sys.stderr)
    finally:
        server.kill()
    print(f"{a.pairs} pairs of {a.seconds} s per mode; server pinned to CPU {SERVER_CPU} (GOMAXPROCS 1), "
          f"wrk and gotrace on CPU {OTHER_CPU}")
    print("| mode | req/s ratio median | IQR | min-max | req per server CPU-s ratio (median) | median req/s "
          "| probe hits/s | BPF CPU % of one CPU |")
    print("|---|---|---|---|---|---|---|---|")
    for mode, rs in results.items():
        ratios = [r[0] for r in rs]
        q1, q3 = quartiles(ratios)
        hits = [r[3] for r in rs if r[3] is not None]
        bpf = [r[4] * 100 for r in rs if r[4] is not None]
        print(f"| {mode} | {statistics.median(ratios):.4f} | {q1:.4f}-{q3:.4f} | {min(ratios):.4f}-{max(ratios):.4f} "
              f"| {statistics.median(r[1] for r in rs):.4f} | {statistics.median(r[2] for r in rs):.0f} "
              f"| {f'{statistics.median(hits):.0f}' if hits else '-'} | {f'{statistics.median(bpf):.2f}' if bpf else '-'} |")


if __name__ == "__main__":
    main()
