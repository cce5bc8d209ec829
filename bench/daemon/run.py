#!/usr/bin/env python3
"""What the continuous-profiling daemon costs as the number of Go processes it traces grows: 1, 10 and 50 copies
of a small Go service (tests/go/gcload: one allocating goroutine, a GC cycle every few ms, GOMAXPROCS=1), each
traced with the default profile (cpu at 99 Hz, a profile per process every 10 s) and every capability.

For each N, in one run: the seconds until all N are traced (from their start, read off /metrics), then over a
steady window the daemon's own CPU (utime + stime from /proc, as a share of one core), its RSS and anonymous RSS,
the uprobe hits per second, the CPU its BPF programs used (the daemon's own metrics), the size and time of one
/metrics scrape, and the profiles written. The targets' work rate (GC cycles/s from their JSON reports) is
measured over the same length of run with and without the daemon, one after the other, so that the daemon's cost
to them shows as a ratio. Each daemon configuration is a row of its own, run right after the same untraced
baseline (default: gc-source = memstats, the default, and probes).
Usage: bench/daemon/run.py [window seconds, default 30] [counts, default 1,10,50] [configs]     (root; `make` first)
configs: daemon options, ';' between configurations (default "--gc-source=memstats;--gc-source=probes")"""
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "integration"))
from gotrace_harness import daemon, fixtures, private_copy, wait_for  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
TARGET_EXTRA_S = 15     # targets run this much longer than the window: attach, settling, the last profile


def start_targets(binary, n, seconds):
    env = dict(os.environ, GOMAXPROCS="1")
    return [subprocess.Popen([binary, f"-duration={seconds}s", "-workers=1", "-live-kb=256"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for _ in range(n)]


def cycles_per_second(procs):
    """Sum over the targets of GC cycles per second of their window, from their own reports."""
    total = 0.0
    for p in procs:
        out, _ = p.communicate(timeout=120)
        r = json.loads(out.strip().splitlines()[-1])
        total += r["gc_cycles"] / (r["window_ns"] / 1e9)
    return total


def metrics(d):
    """The daemon's own gauges and counters, the scrape's size and how long it took."""
    t0 = time.monotonic()
    body = d.metrics()[2]
    took = time.monotonic() - t0
    values = {}
    for line in body.splitlines():
        m = re.match(r"^(gotrace_daemon_[a-z_]+) ([0-9.e+-]+)$", line)
        if m:
            values[m.group(1)] = float(m.group(2))
    return values, len(body), took


def cpu_seconds(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / CLK_TCK


def rss_kib(pid):
    status = open(f"/proc/{pid}/status").read()
    return (int(re.search(r"VmRSS:\s+(\d+)", status).group(1)), int(re.search(r"RssAnon:\s+(\d+)", status).group(1)))


def traced(binary, n, window, config):
    with daemon("--profile-interval=10s", *config.split(), allow=os.path.basename(binary)) as d:
        t0 = time.monotonic()
        procs = start_targets(binary, n, window + TARGET_EXTRA_S)
        wait_for(lambda: metrics(d)[0].get("gotrace_daemon_targets", 0) >= n, 60, f"{n} targets traced",
                 interval=0.05)
        attach_s = time.monotonic() - t0
        time.sleep(max(0.0, 5 - attach_s))        # past the attach work
        m0, _, _ = metrics(d)
        c0, w0 = cpu_seconds(d.proc.pid), time.monotonic()
        time.sleep(window)
        c1, w1 = cpu_seconds(d.proc.pid), time.monotonic()
        m1, size, took = metrics(d)
        rss, anon = rss_kib(d.proc.pid)
        rate = cycles_per_second(procs)
    shutil.rmtree(d.dir, ignore_errors=True)     # its profiles and log
    elapsed = w1 - w0
    return {
        "attach_s": attach_s,
        "cpu_pct": 100 * (c1 - c0) / elapsed,
        "rss_mib": rss / 1024, "anon_mib": anon / 1024,
        "hits_per_s": (m1["gotrace_daemon_probe_hits_total"] - m0["gotrace_daemon_probe_hits_total"]) / elapsed,
        "bpf_cpu_pct": 100 * (m1["gotrace_daemon_bpf_cpu_seconds_total"]
                              - m0["gotrace_daemon_bpf_cpu_seconds_total"]) / elapsed,
        "scrape_kib": size / 1024, "scrape_ms": took * 1000,
        "profiles": m1.get("gotrace_daemon_profiles_written_total", 0),
        "gc_per_s": rate,
    }


def untraced(binary, n, window):
    return cycles_per_second(start_targets(binary, n, window + TARGET_EXTRA_S))


def main():
    window = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    counts = [int(c) for c in (sys.argv[2] if len(sys.argv) > 2 else "1,10,50").split(",")]
    configs = (sys.argv[3] if len(sys.argv) > 3 else "--gc-source=memstats;--gc-source=probes").split(";")
    binary = private_copy(fixtures("gcload", ["default"])[-1], "bench")
    print(f"daemon scaling, {window} s windows, {os.cpu_count()} CPUs, kernel {os.uname().release}")
    print(f"config: {' | '.join(configs)}")
    print(f"{'targets':>7} {'config':>6} {'attach':>7} {'CPU':>6} {'BPF CPU':>7} {'RSS':>8} {'anon':>8} {'hits/s':>8} "
          f"{'scrape':>14} {'profiles':>8} {'GC/s untraced':>13} {'traced/untraced':>15}")
    try:
        for n in counts:
            base = untraced(binary, n, window)
            for k, config in enumerate(configs):
                r = traced(binary, n, window, config)
                print(f"{n:>7} {k + 1:>6} {r['attach_s']:>6.2f}s {r['cpu_pct']:>5.2f}% {r['bpf_cpu_pct']:>6.2f}% "
                      f"{r['rss_mib']:>5.1f}MiB {r['anon_mib']:>5.1f}MiB {r['hits_per_s']:>8.0f} "
                      f"{r['scrape_kib']:>6.1f}KiB {r['scrape_ms']:>4.1f}ms {r['profiles']:>8.0f} "
                      f"{base:>13.0f} {r['gc_per_s'] / base:>15.3f}", flush=True)
    finally:
        shutil.rmtree(os.path.dirname(binary), ignore_errors=True)


if __name__ == "__main__":
    main()
