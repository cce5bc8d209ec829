#!/usr/bin/env python3
"""The daemon for an hour (or --seconds) under churn: --procs Go processes alive at any moment (a quarter GC-busy
gcload, a quarter CPU-burning hotspots, half idle), each living 20-100 s, a quarter of them killed with SIGKILL
before their end, so that one starts and one exits every few seconds; all of them in a cgroup of this run with a
quota of one CPU, so that the daemon, Prometheus and the machine keep the other. Debian's Prometheus scrapes the
daemon every second; the daemon gets SIGHUP every minute (a reload of its config file).

Every --sample seconds: the daemon's anonymous and total RSS, open fds, BPF programs/maps/links it holds, the
entries of its BPF hash maps (bpftool), its CPU time, the series /metrics serves, the processes it traces. At the
end (SIGTERM, the final profile flush), the checks: every process started was traced and its exit seen (the
daemon's log), every CPU-burning process has a CPU profile file, no event, sample, profile write or scrape lost,
one reload per SIGHUP; and the resources flat: the last third of the run against the first third after warm-up.
Writes samples.csv, summary.json and SVG plots into --out (default bench/soak/results), prints the summary and
exits non-zero when a check fails.

Usage: bench/soak/soak.py [--seconds 3600] [--procs 20] [--sample 10] [--out DIR]   (root; `make` and the Go
fixtures (tests/build-go.sh) first)"""
import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "integration"))
from gotrace_harness import (Daemon, QuotaCgroup, bpf_hash_entries, fd_kinds, fixtures,  # noqa: E402
                             private_copy, prometheus_server, promql)

import plot  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
KINDS = {  # kind: (fixture, arguments besides -duration, share of the processes)
    "gc": ("gcload", ["-workers=1", "-live-kb=256"], 0.25),
    "cpu": ("hotspots", ["-workers=1"], 0.25),
    "idle": ("idle", [], 0.5),
}
LIFETIME_S = (20, 100)
KILLED_SHARE = 0.25
HUP_EVERY_S = 60
LOSS_COUNTERS = ("gotrace_daemon_events_lost_total", "gotrace_daemon_profile_samples_dropped_total",
                 "gotrace_daemon_profile_write_failures_total")


def newest_fixture(program):
    fx = [f for f in fixtures(program, ["default"])]
    return sorted(fx, key=lambda f: f.goversion)[-1]


class Churn:
    """Keeps n processes alive, each with its planned end: its own exit (-duration) or a SIGKILL before it."""

    def __init__(self, paths, n, cgroup):
        self.paths, self.n, self.cgroup = paths, n, cgroup
        self.live = []          # dicts: kind, proc, start, kill_at
        self.ended = []         # dicts: kind, pid, start, end, how, code
        self.rng = random.Random(1)

    def _kind(self):
        r, acc = self.rng.random(), 0.0
        for kind, (_, _, share) in KINDS.items():
            acc += share
            if r < acc:
                return kind
        return "idle"

    def start_one(self, now):
        kind = self._kind()
        life = self.rng.uniform(*LIFETIME_S)
        args = [self.paths[kind], f"-duration={life:.1f}s", *KINDS[kind][1]]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=dict(os.environ, GOMAXPROCS="1"), preexec_fn=self.cgroup.enter)
        kill_at = now + life * self.rng.uniform(0.3, 0.9) if self.rng.random() < KILLED_SHARE else None
        self.live.append({"kind": kind, "proc": proc, "start": now, "kill_at": kill_at})

    def step(self, now, refill=True):
        for p in list(self.live):
            if p["kill_at"] is not None and now >= p["kill_at"] and p["proc"].poll() is None:
                p["proc"].kill()
                p["how"] = "killed"
            code = p["proc"].poll()
            if code is not None:
                self.live.remove(p)
                self.ended.append({"kind": p["kind"], "pid": p["proc"].pid, "start": p["start"], "end": now,
                                   "how": p.get("how", "exited"), "code": code})
        while refill and len(self.live) < self.n:
            self.start_one(now)

    def stop(self, now):
        for p in self.live:
            p["proc"].kill()
            p["how"] = "killed at the end"
        for p in self.live:
            p["proc"].wait(timeout=30)
        self.step(now, refill=False)


def memory(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    kib = {k: int(re.search(rf"{k}:\s+(\d+) kB", status).group(1)) for k in ("VmRSS", "RssAnon")}
    return kib["VmRSS"], kib["RssAnon"]


def cpu_seconds(pid):
    f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / CLK_TCK


def daemon_gauges(d):
    body = d.metrics()[2]
    values = {}
    series = 0
    for line in body.splitlines():
        if line and not line.startswith("#"):
            series += 1
        m = re.match(r"^(gotrace_daemon_[a-z_]+) ([0-9.e+-]+)$", line)
        if m:
            values[m.group(1)] = float(m.group(2))
    return values, series


def sample(d, t0):
    pid = d.proc.pid
    rss, anon = memory(pid)
    fds, kinds = fd_kinds(pid)
    gauges, series = daemon_gauges(d)
    entries = bpf_hash_entries(pid)
    return {"t": round(time.monotonic() - t0, 1), "rss_kib": rss, "anon_kib": anon, "fds": fds,
            "bpf_progs": kinds["bpf-prog"], "bpf_maps": kinds["bpf-map"], "bpf_links": kinds["bpf-link"],
            "perf_events": kinds["[perf_event]"],
            "bpf_hash_entries": sum(entries.values()), "bpf_entries_by_map": entries,
            "cpu_s": cpu_seconds(pid), "series": series,
            "targets": gauges.get("gotrace_daemon_targets", 0),
            "traced_total": gauges.get("gotrace_daemon_processes_traced_total", 0)}


def log_pids(text, pattern):
    return {int(m.group(1)) for m in re.finditer(pattern, text)}


def profile_pids(directory):
    pids = {}
    for f in Path(directory).glob("*.pb.gz"):
        m = re.match(r"^.+-(\d+)-([a-z0-9_]+)-\d{8}T\d{6}\.\d{3}Z\.pb\.gz$", f.name)
        if m:
            pids.setdefault(int(m.group(1)), set()).add(m.group(2))
    return pids


def third(samples, which, key):
    """Median of key over the first or last third of the samples after the first tenth (warm-up)."""
    body = samples[len(samples) // 10:]
    k = len(body) // 3
    part = body[:k] if which == "first" else body[-k:]
    values = sorted(s[key] for s in part)
    return values[len(values) // 2]


def run(args):
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {kind: private_copy(newest_fixture(program), "soak") for kind, (program, _, _) in KINDS.items()}
    allow = "gtsoak*"
    config = out / "daemon.conf"
    config.write_text("profile-interval = 60s\nscan-interval = 1s\n")
    samples, hups = [], 0
    with QuotaCgroup(100) as cg:
        d = Daemon(f"--config={config}", allow=allow)
        churn = Churn(paths, args.procs, cg)
        try:
            with prometheus_server(d.port) as prom:
                t0 = time.monotonic()
                next_sample = next_hup = t0
                while time.monotonic() - t0 < args.seconds:
                    now = time.monotonic()
                    churn.step(now)
                    if now >= next_hup and now > t0:
                        d.proc.send_signal(signal.SIGHUP)
                        hups += 1
                    if now >= next_hup:
                        next_hup = now + HUP_EVERY_S
                    if now >= next_sample:
                        samples.append(sample(d, t0))
                        next_sample = now + args.sample
                        print(json.dumps({k: v for k, v in samples[-1].items() if k != "bpf_entries_by_map"}),
                              flush=True)
                    time.sleep(0.2)
                churn.stop(time.monotonic())
                time.sleep(3)   # the last exits reach the daemon and their profiles are written
                scrapes = promql(prom, f'count_over_time(up[{int(args.seconds)}s])')
                scrapes_ok = promql(prom, f'sum_over_time(up[{int(args.seconds)}s])')
                gauges, _ = daemon_gauges(d)
                lost = {k: gauges.get(k, 0) for k in LOSS_COUNTERS}
        finally:
            stop_code = d.stop()
    return summarize(args, out, d, churn, samples, hups, stop_code, scrapes, scrapes_ok, lost)


def summarize(args, out, d, churn, samples, hups, stop_code, scrapes, scrapes_ok, lost):
    logs = d.logs()
    final = json.loads(Path(d.log.name).read_text().splitlines()[-1]) if logs else {}
    traced = log_pids(logs, r"tracing PID (\d+) ")
    exits = log_pids(logs, r"PID (\d+) \([^)]*\): exited")
    started = {p["pid"] for p in churn.ended}
    burning = {p["pid"] for p in churn.ended if p["kind"] in ("gc", "cpu")}
    profiles = profile_pids(d.profiles)
    without_profile = sorted(pid for pid in burning if "cpu" not in profiles.get(pid, set()))
    reloads = logs.count("configuration reloaded")
    flat = {key: (third(samples, "first", key), third(samples, "last", key))
            for key in ("anon_kib", "rss_kib", "fds", "bpf_maps", "bpf_progs", "bpf_links", "perf_events",
                        "bpf_hash_entries", "series")}
    cpu = (samples[-1]["cpu_s"] - samples[0]["cpu_s"]) / max(samples[-1]["t"] - samples[0]["t"], 1)
    summary = {
        "seconds": args.seconds, "procs": args.procs, "started": len(started), "killed":
            sum(p["how"] == "killed" for p in churn.ended), "traced": len(started & traced),
        "not_traced": sorted(started - traced), "exit_seen": len(started & exits),
        "exit_missed": sorted((started & traced) - exits), "cpu_burning": len(burning),
        "without_cpu_profile": without_profile, "profile_files": sum(len(v) for v in profiles.values()),
        "sighups": hups, "reloads": reloads, "daemon_exit_code": stop_code,
        "scrapes": sum(scrapes.values()), "scrapes_up": sum(scrapes_ok.values()),
        "daemon_cpu_share": round(cpu, 4), "flat_first_last_third": flat, "lost": lost,
        "bpf_entries_by_map": {"after_warmup": samples[len(samples) // 10]["bpf_entries_by_map"],
                               "last": samples[-1]["bpf_entries_by_map"]},
        "final_log": final.get("msg", ""),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    write_csv(out / "samples.csv", samples)
    plot.write_all(out, samples)
    failures = checks(summary)
    print(json.dumps(summary, indent=1))
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


def checks(s):
    failures = []
    if s["not_traced"]:
        failures.append(f"{len(s['not_traced'])} processes never traced: {s['not_traced'][:10]}")
    if s["exit_missed"]:
        failures.append(f"{len(s['exit_missed'])} exits not seen: {s['exit_missed'][:10]}")
    if s["without_cpu_profile"]:
        failures.append(f"{len(s['without_cpu_profile'])} CPU-burning processes without a CPU profile: "
                        f"{s['without_cpu_profile'][:10]}")
    if s["reloads"] != s["sighups"]:
        failures.append(f"{s['sighups']} SIGHUPs, {s['reloads']} reloads")
    if s["daemon_exit_code"] != 0:
        failures.append(f"daemon exited {s['daemon_exit_code']}")
    if s["scrapes_up"] != s["scrapes"]:
        failures.append(f"{s['scrapes'] - s['scrapes_up']} of {s['scrapes']} scrapes failed")
    for key, value in s["lost"].items():
        if value:
            failures.append(f"{key} = {value}")
    first, last = s["flat_first_last_third"]["anon_kib"]
    if last > first * 1.10 + 1024:
        failures.append(f"anonymous RSS grew from {first} to {last} KiB")
    first, last = s["flat_first_last_third"]["series"]
    if last > first * 1.2:
        failures.append(f"series per scrape grew from {first} to {last}")
    for key in ("fds", "bpf_maps", "bpf_progs", "bpf_links", "perf_events"):
        first, last = s["flat_first_last_third"][key]
        if last > first + 2:
            failures.append(f"{key} grew from {first} to {last}")
    return failures


def write_csv(path, samples):
    keys = [k for k in samples[0] if k != "bpf_entries_by_map"]
    lines = [",".join(keys)] + [",".join(str(s[k]) for k in keys) for s in samples]
    path.write_text("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=3600)
    ap.add_argument("--procs", type=int, default=20)
    ap.add_argument("--sample", type=float, default=10)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    sys.exit(run(ap.parse_args()))


if __name__ == "__main__":
    main()
