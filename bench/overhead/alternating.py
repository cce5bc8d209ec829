#!/usr/bin/env python3
"""What tracing costs an HTTP server, with the host's own drift cancelled: two copies served in alternation.

pinned.py compares runs of seconds back to back; on this VM the untraced server alone moves +-10-30% between such
runs (the host gives the VM more or less of its CPUs), more than the 1% to resolve. Here two copies of the server
(tests/go/httpload, newest Go present) share CPU 1 (GOMAXPROCS 1), each loaded by its own wrk (-t1 -c16) on CPU 0,
and only one copy is served at a time: the wrk of the other is stopped (SIGSTOP), and they swap every --slot (100 ms).
One copy is traced, the other is not; whatever the host does slower than a slot falls on both alike. Each copy's
rate is its requests over the time its wrk ran, and its requests per CPU-second of the server (BPF programs and
probe traps are charged to the thread they run on). Rounds swap which copy is traced, so that a difference between
the copies themselves (ports, memory placement) cancels too. A mode's figures: the median of its rounds' ratios
(traced over untraced) with their range, and the median of its pairs of rounds (rounds 1-2, 3-4, ...: one with
each copy traced; the geometric mean of the two ratios), in which the two copies' own difference cancels exactly
(it moved single rounds by +-2% in a run of 2026-12-08); the 'noise' mode traces neither copy and shows the
run's resolution. Use an even number of rounds.

What it leaves out: the tracepoint programs also run (filtered out after a load and a compare) for the untraced
copy's context switches and system calls, so the part of their cost that every task on the host pays is on both
sides of the ratio; bench/overhead/programs.py gives the BPF time per request whole.

Usage: bench/overhead/alternating.py [--rounds N] [--seconds S] [--slot MS] [--before GOTRACE] [MODE...]
       (root; `make` and tests/build-go.sh first)
MODE: as pinned.py: noise default gc sched waits goroutines cgroup memory (default: noise default)
--before GOTRACE: also measures each traced MODE with that binary (an older build), interleaved, as "MODE (before)".
"""
import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pinned import (GOTRACE, MODES, OTHER_CPU, SERVER_CPU, cpu_seconds, quartiles, server_binary,  # noqa: E402
                    start_tracer, stop_tracer)


def start_server(path):
    p = subprocess.Popen(["taskset", "-c", SERVER_CPU, path, "-duration=0"], stdout=subprocess.PIPE, text=True)
    _, pid, port = p.stdout.readline().split()
    return p, int(pid), int(port)


def start_wrk(port, seconds):
    return subprocess.Popen(["taskset", "-c", OTHER_CPU, "wrk", "-t1", "-c16", f"-d{seconds}s",
                             f"http://127.0.0.1:{port}/x"], stdout=subprocess.PIPE, text=True)


def requests_of(wrk):
    out = wrk.communicate(timeout=60)[0]
    return int(re.search(r"(\d+) requests in", out).group(1))


def alternate(servers, seconds, slot):
    """Serves the two copies in turns of `slot` seconds for `seconds`: per copy (requests per second its wrk ran,
    requests per server CPU-second)."""
    wrks = [start_wrk(port, seconds) for _, _, port in servers]
    cpu0 = [cpu_seconds(pid) for _, pid, _ in servers]
    ran = [0.0, 0.0]
    wrks[1].send_signal(signal.SIGSTOP)
    serving, start = 0, time.monotonic()
    turn = start
    while time.monotonic() - start < seconds - slot:
        time.sleep(slot)
        now = time.monotonic()
        ran[serving] += now - turn
        wrks[serving].send_signal(signal.SIGSTOP)
        serving = 1 - serving
        wrks[serving].send_signal(signal.SIGCONT)
        turn = now
    wrks[1 - serving].send_signal(signal.SIGSTOP)
    time.sleep(max(0.0, seconds - (time.monotonic() - start)))   # the serving copy's last turn
    ran[serving] += time.monotonic() - turn
    cpu1 = [cpu_seconds(pid) for _, pid, _ in servers]
    wrks[1 - serving].send_signal(signal.SIGCONT)      # past its end: it reads what is in flight and reports
    done = [requests_of(w) for w in wrks]
    return [(done[i] / ran[i], done[i] / max(cpu1[i] - cpu0[i], 1e-9)) for i in range(2)]


def round_of(servers, arm, traced, seconds, slot, out):
    """One round: (traced/untraced req/s, same per server CPU-second, probe hits/s, BPF share of one CPU).
    arm: (gotrace binary, its options), or None for the noise mode."""
    tracer = None if arm is None else start_tracer(servers[traced][1], arm, out)
    t0 = time.monotonic()
    try:
        rates = alternate(servers, seconds, slot)
    finally:
        hits, bpf_ns = stop_tracer(tracer, out) if tracer else (None, None)
    t, u = rates[traced], rates[1 - traced]
    return t[0] / u[0], t[1] / u[1], t[0], hits, None if bpf_ns is None else bpf_ns / ((time.monotonic() - t0) * 1e9)


def paired(ratios):
    """Geometric means of rounds 1-2, 3-4, ...: each pair has one round per traced copy (an odd last round is
    left out, unless it is the only one)."""
    pairs = [(ratios[i] * ratios[i + 1]) ** 0.5 for i in range(0, len(ratios) - 1, 2)]
    return pairs or ratios


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=8, help="rounds per mode, even (default 8)")
    ap.add_argument("--seconds", type=int, default=20, help="seconds per round (default 20)")
    ap.add_argument("--slot", type=int, default=100, help="milliseconds per turn (default 100)")
    ap.add_argument("--before", metavar="GOTRACE", help="an older gotrace binary to measure beside this one")
    ap.add_argument("modes", nargs="*", default=["noise", "default"])
    a = ap.parse_args()
    unknown = [m for m in a.modes if m not in MODES]
    if unknown:
        ap.error(f"unknown mode {unknown[0]} (modes: {' '.join(MODES)})")
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
    tmp = tempfile.mkdtemp()
    arms = {}
    for mode in a.modes:
        arms[mode] = None if MODES[mode] is None else (GOTRACE, MODES[mode])
        if a.before and MODES[mode] is not None:
            arms[f"{mode} (before)"] = (os.path.abspath(a.before), MODES[mode])
    servers = [start_server(server_binary()) for _ in range(2)]
    results = {m: [] for m in arms}
    try:
        alternate(servers, 3, a.slot / 1000)     # warm-up: connections, heap growth
        for i in range(a.rounds):
            for mode, arm in arms.items():
                r = round_of(servers, arm, i % 2, a.seconds, a.slot / 1000, f"{tmp}/round.json")
                results[mode].append(r)
                print(f"round {i + 1}/{a.rounds} {mode}: {r[0]:.4f} req/s, {r[1]:.4f} per CPU-s, {r[2]:.0f} req/s",
                      file=sys.stderr, flush=True)
    finally:
        for p, _, _ in servers:
            p.kill()
    print(f"{a.rounds} rounds of {a.seconds} s per mode, turns of {a.slot} ms; two server copies on CPU {SERVER_CPU} "
          f"(GOMAXPROCS 1), their wrks and gotrace on CPU {OTHER_CPU}")
    print("| mode | pairs' req/s ratio median | pairs min-max | rounds' req/s ratio median | IQR | min-max "
          "| req per server CPU-s ratio median | min-max | traced copy's req/s (median) | probe hits/s "
          "| BPF CPU % of one CPU |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for mode, rs in results.items():
        ratios, eff = [r[0] for r in rs], [r[1] for r in rs]
        pairs = paired(ratios)
        q1, q3 = quartiles(ratios)
        hits = [r[3] for r in rs if r[3] is not None]
        bpf = [r[4] * 100 for r in rs if r[4] is not None]
        print(f"| {mode} | {statistics.median(pairs):.4f} | {min(pairs):.4f}-{max(pairs):.4f} "
              f"| {statistics.median(ratios):.4f} | {q1:.4f}-{q3:.4f} | {min(ratios):.4f}-{max(ratios):.4f} "
              f"| {statistics.median(eff):.4f} | {min(eff):.4f}-{max(eff):.4f} | {statistics.median(r[2] for r in rs):.0f} "
              f"| {f'{statistics.median(hits):.0f}' if hits else '-'} "
              f"| {f'{statistics.median(bpf):.2f}' if bpf else '-'} |")


if __name__ == "__main__":
    main()
