#!/usr/bin/env python3
"""Attach time: from starting the tool to its "tracing now" line (every probe attached), for gotrace (default
capabilities, GC only, daemon) and peers doing comparable work on the same Go process: bpftrace with uprobes on the
same runtime functions, and libbpf-tools' runqlat -p. Also gotrace's own footprint while tracing (RSS, CPU).
Median of N runs each, interleaved. bpftrace's figure is a lower bound: its "Attaching N probes..." line comes
before it attaches them (and v0.17 fires BEGIN before them too), so nothing it prints marks "all attached".
Usage: bench/attach/run.py [runs, default 9]     (root; `make` first)"""
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GOTRACE = os.path.join(TOP, "gotrace")


def go_binary():
    rows = [l.split("\t") for l in open(os.path.join(TOP, "build/tests/go/manifest.tsv")).read().splitlines()]
    return [r for r in rows if r[2] == "gcload" and r[3] == "default"][-1][4]


def time_to_line(argv, pattern, stream):
    """Seconds from exec to the first line matching pattern on stream ("out" or "err"); then the tool is stopped."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE if stream == "out" else subprocess.DEVNULL,
                         stderr=subprocess.PIPE if stream == "err" else subprocess.DEVNULL, text=True)
    pipe = p.stdout if stream == "out" else p.stderr
    for line in pipe:
        if re.search(pattern, line):
            took = time.monotonic() - t0
            break
    else:
        raise RuntimeError(f"{argv[0]} ended without {pattern!r}")
    p.send_signal(signal.SIGINT)
    try:
        p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
    return took


def footprint(pid, seconds=10):
    """gotrace's RSS and CPU share while tracing pid for `seconds`."""
    p = subprocess.Popen([GOTRACE, "-p", str(pid), "-d", f"{seconds}s"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    for line in p.stderr:
        if "Hit Ctrl-C" in line:
            break
    def cpu():
        f = open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    c0, t0 = cpu(), time.monotonic()
    time.sleep(seconds - 1)
    c1, t1 = cpu(), time.monotonic()
    rss = int(open(f"/proc/{p.pid}/status").read().split("VmHWM:")[1].split()[0])
    p.wait(timeout=60)
    return rss, (c1 - c0) / (t1 - t0)


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    if not shutil.which("bpftrace"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "bpftrace"], check=True, stdout=subprocess.DEVNULL)
    target = subprocess.Popen([go_binary(), "-duration=0"], stdout=subprocess.DEVNULL)
    pid, exe = target.pid, f"/proc/{target.pid}/exe"
    time.sleep(0.5)
    tools = {
        "gotrace -p (all capabilities)": ([GOTRACE, "-p", str(pid)], "Hit Ctrl-C", "err"),
        "gotrace -p -c gc (GC uprobes only)": ([GOTRACE, "-p", str(pid), "-c", "gc"], "Hit Ctrl-C", "err"),
        "gotrace -p -c sched": ([GOTRACE, "-p", str(pid), "-c", "sched"], "Hit Ctrl-C", "err"),
        "bpftrace, uprobes on the same GC functions (lower bound)": (
            ["bpftrace", "-p", str(pid), "-e", f"uprobe:{exe}:runtime.stopTheWorldWithSema {{ @a = count(); }} "
             f"uprobe:{exe}:runtime.startTheWorldWithSema {{ @b = count(); }}"], "Attaching", "out"),
        "runqlat -p (libbpf-tools)": (["stdbuf", "-oL", "runqlat", "-p", str(pid)], "Tracing", "out"),
    }
    times = {name: [] for name in tools}
    try:
        for _ in range(runs):
            for name, (argv, pattern, stream) in tools.items():
                times[name].append(time_to_line(argv, pattern, stream))
                print(f"{name}: {times[name][-1] * 1000:.0f} ms", file=sys.stderr, flush=True)
        rss, cpu = footprint(pid)
    finally:
        target.kill()
    print("| tool | median attach time | min | max |")
    print("|---|---|---|---|")
    for name, ts in times.items():
        print(f"| {name} | {statistics.median(ts) * 1000:.0f} ms | {min(ts) * 1000:.0f} ms | {max(ts) * 1000:.0f} ms |")
    print(f"\ngotrace -p while tracing a GC-heavy program: peak RSS {rss / 1024:.1f} MiB, CPU {cpu * 100:.2f}% of one core")


if __name__ == "__main__":
    main()
