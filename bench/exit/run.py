#!/usr/bin/env python3
"""Ctrl-C to exit: the time from SIGINT to gotrace's process reaped (what a shell waits for), per capability set
(default, -c gc, -c waits, -c sched), for each gotrace binary given (e.g. before and after a change), plus two
references measured the same way: SIGKILL (no summary, no explicit teardown: the kernel closes every fd in the
exit path) and the default set with GOTRACE_TRACEPOINTS=tp_btf (raw tracepoints, whose detach does not wait).
Rounds are interleaved, every arm once per round in random order, against one GC-busy Go process.
Each arm: median and spread (min-max, p25-p75) of N runs. With -v, gotrace logs how long detaching took and the
slowest single link: that figure is the kernel's floor for the batch.
Usage: bench/exit/run.py [runs, default 15] [gotrace binary...]   (root; `make` first; default ./gotrace)"""
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SETS = {"default": [], "gc": ["-c", "gc"], "waits": ["-c", "waits"], "sched": ["-c", "sched"]}


def go_binary():
    rows = [l.split("\t") for l in open(os.path.join(TOP, "build/tests/go/manifest.tsv")).read().splitlines()]
    return [r for r in rows if r[2] == "gcload" and r[3] == "default"][-1][4]


def one_exit(binary, pid, args, sig=signal.SIGINT, env=None):
    """Seconds from sig to gotrace reaped, and what it logged about detaching (None if nothing)."""
    with tempfile.TemporaryFile("w+") as err:
        p = subprocess.Popen([binary, "-v", "-p", str(pid), *args], stdout=subprocess.DEVNULL, stderr=err,
                             env=dict(os.environ, **(env or {})))
        deadline = time.monotonic() + 30
        while "Hit Ctrl-C" not in (err.seek(0) or err.read()):
            if p.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{binary} {args}: not ready: {err.read()[-500:]}")
            time.sleep(0.02)
        time.sleep(0.3)
        t0 = time.monotonic()
        p.send_signal(sig)
        p.wait()
        took = time.monotonic() - t0
        err.seek(0)
        m = re.search(r"detached (\d+) links in ([\d.]+) ms \(the slowest alone ([\d.]+) ms\)", err.read())
    return took, (int(m.group(1)), float(m.group(2)), float(m.group(3))) if m else None


def arms(binaries):
    out = []
    for b in binaries:
        name = os.path.relpath(b, TOP) if b.startswith(TOP) else b
        for s, args in SETS.items():
            out.append((f"{name} {s}", b, args, signal.SIGINT, None))
    last = binaries[-1]
    out.append(("SIGKILL default (exit path only)", last, [], signal.SIGKILL, None))
    out.append(("SIGKILL gc", last, SETS["gc"], signal.SIGKILL, None))
    out.append(("tp_btf default", last, [], signal.SIGINT, {"GOTRACE_TRACEPOINTS": "tp_btf"}))
    return out


def ms(x):
    return f"{1000 * x:.0f}"


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    binaries = [os.path.abspath(b) for b in sys.argv[2:]] or [os.path.join(TOP, "gotrace")]
    target = subprocess.Popen([go_binary(), "-duration=0", "-workers=1", "-live-kb=4096"],
                              stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    todo = arms(binaries)
    times = {a[0]: [] for a in todo}
    detach = {a[0]: [] for a in todo}
    try:
        for r in range(runs):
            random.shuffle(todo)
            for name, b, args, sig, env in todo:
                took, d = one_exit(b, target.pid, args, sig, env)
                times[name].append(took)
                if d:
                    detach[name].append(d)
            print(f"round {r + 1}/{runs} done", file=sys.stderr)
    finally:
        target.kill()
        target.wait()
    print(f"Ctrl-C to exit, ms ({runs} runs each; {os.uname().release}, {os.cpu_count()} CPUs)")
    print(f"| arm | median | p25-p75 | min-max | links detached | detach median | slowest link median |")
    print("|---|---|---|---|---|---|---|")
    for name, _, _, _, _ in sorted(todo, key=lambda a: list(times).index(a[0])):
        t = sorted(times[name])
        q = statistics.quantiles(t, n=4)
        d = detach[name]
        extra = (f"{d[0][0]} | {statistics.median(x[1] for x in d):.0f} | {statistics.median(x[2] for x in d):.0f}"
                 if d else "- | - | -")
        print(f"| {name} | {ms(statistics.median(t))} | {ms(q[0])}-{ms(q[2])} | {ms(t[0])}-{ms(t[-1])} | {extra} |")


if __name__ == "__main__":
    main()
