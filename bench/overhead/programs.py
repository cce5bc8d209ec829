#!/usr/bin/env python3
"""Where the BPF time goes: each of gotrace's programs, runs per second and ns per run, under the HTTP load.

The server (as in pinned.py: CPU 1, wrk and gotrace on CPU 0) is traced by each gotrace binary given, in turn,
ROUNDS times; over a 5 s wrk run the kernel's per-program counters (bpftool prog show: run_cnt, run_time_ns; gotrace
turns the statistics on) are read before and after. Runs per second depend on the whole machine (a sched_switch
program runs for every context switch, also wrk's), so the table also gives BPF time per request served.
The statistics add two clock reads to every run (about 20-40 ns here): absolute ns per run are high by that much.

Usage: bench/overhead/programs.py [--rounds N] [GOTRACE...] [-- gotrace options]   (default: ./gotrace, no options)
"""
import argparse
import collections
import importlib.util
import json
import os
import signal
import statistics
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("pinned", os.path.join(HERE, "pinned.py"))
pinned = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pinned)


def prog_counters():
    progs = json.loads(subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True, text=True,
                                      check=True).stdout)
    return {p["id"]: (p.get("name", "?"), p.get("run_cnt", 0), p.get("run_time_ns", 0)) for p in progs}


def one_round(binary, options, pid, port, seconds):
    """{program name: (runs/s, ns/s)} and requests/s, for one traced wrk run."""
    g = pinned.start_tracer(pid, (binary, options), "/dev/null")
    try:
        before = prog_counters()
        rps = pinned.wrk_rps(port, seconds)
        after = prog_counters()
    finally:
        g.send_signal(signal.SIGINT)
        g.wait(timeout=60)
    per = collections.defaultdict(lambda: [0.0, 0.0])
    for pid_, (name, cnt, ns) in after.items():
        if pid_ in before and cnt > before[pid_][1]:
            per[name][0] += (cnt - before[pid_][1]) / seconds
            per[name][1] += (ns - before[pid_][2]) / seconds
    return per, rps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("binaries", nargs="*", default=[pinned.GOTRACE])
    ap.add_argument("options", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    options = a.options[1:] if a.options[:1] == ["--"] else a.options
    server = subprocess.Popen(["taskset", "-c", pinned.SERVER_CPU, pinned.server_binary(), "-duration=0"],
                              stdout=subprocess.PIPE, text=True)
    _, pid, port = server.stdout.readline().split()
    results = collections.defaultdict(list)
    try:
        pinned.wrk_rps(port, a.seconds)	# warm-up
        for _ in range(a.rounds):
            for b in a.binaries:
                results[b].append(one_round(b, options, int(pid), int(port), a.seconds))
                time.sleep(1)
    finally:
        server.kill()
    for b, rounds in results.items():
        names = sorted({n for per, _ in rounds for n in per})
        rps = statistics.median(r for _, r in rounds)
        total = statistics.median(sum(v[1] for v in per.values()) for per, _ in rounds)
        print(f"\n{b} {' '.join(options)}: median of {len(rounds)} rounds; {rps:.0f} req/s; "
              f"BPF {total / 1e6:.2f} ms/s = {total / rps:.0f} ns per request")
        print("| program | runs/s | ms/s | ns/run |")
        print("|---|---|---|---|")
        for n in names:
            runs = statistics.median(per.get(n, [0, 0])[0] for per, _ in rounds)
            ns = statistics.median(per.get(n, [0, 0])[1] for per, _ in rounds)
            print(f"| {n} | {runs:.0f} | {ns / 1e6:.2f} | {ns / runs if runs else 0:.0f} |")


if __name__ == "__main__":
    main()
