"""Scheduling delay and CFS throttling, against the kernel's and the runtime's own accounting.

Ground truth: the cgroup's cpu.stat read by the test itself, the Go runtime's /sched/latencies:seconds (reported
by tests/go/gcload over its window), and libbpf-tools' runqlat run on the same process at the same time."""
import re
import subprocess
import time

import pytest

from gotrace_harness import Gotrace, QuotaCgroup, Target, by_event, fixtures, quantile_bucket, trace_workload

GCLOAD = fixtures("gcload", ["default"])
# Small live heap and four allocating workers: hundreds of GC cycles per second, so that stop-the-world pauses
# often begin while the other P's thread is already throttled (CFS runtime is handed out per CPU in slices).
THROTTLE_WORKLOAD = ["-duration=6s", "-live-kb=128", "-workers=4"]


def summary(events):
    return by_event(events, "summary")[0]


def throttled_run(fx, quota_pct):
    """gcload with GOMAXPROCS=2 in a cgroup with quota_pct% of one CPU; cpu.stat read by the test around the
    window gotrace traces."""
    with QuotaCgroup(quota_pct) as cg:
        t = Target(fx.path, "-linger=200ms", *THROTTLE_WORKLOAD, env={"GOMAXPROCS": "2"}, cgroup=cg)
        try:
            g = Gotrace("-p", str(t.pid), "-j")
            before = cg.stat()
            t.start()
            truth = t.truth()
            assert g.wait(30) == 0, g.stderr()
            after = cg.stat()
        finally:
            t.kill()
    return g.events(), truth, {k: after[k] - before[k] for k in after}, cg


@pytest.mark.parametrize("fx", GCLOAD, ids=lambda f: f.id)
def test_throttling_measured_and_attributed(fx):
    events, truth, stat, cg = throttled_run(fx, 20)
    s = summary(events)
    c = s["cgroup"]
    # cpu.stat deltas reported within 10% of what the test read itself over the same window
    assert c["path"] == cg.path and c["version"] == cg.version and c["quota_cpus"] == pytest.approx(0.2)
    assert stat["nr_throttled"] > 10
    for key in ("nr_periods", "nr_throttled", "throttled_ns"):
        assert c[key] == pytest.approx(stat[key], rel=0.10), key
    # long pauses are throttled ones: a pause lasting most of a CFS period is the quota running out mid-pause
    pauses = by_event(events, "stw")
    long = [p for p in pauses if p["duration_ns"] >= 20_000_000]
    print(f"{fx.id}: {len(pauses)} pauses, {len(long)} of 20 ms or more:",
          [(p["duration_ns"] // 10**6, p["throttled_ns"] // 10**6) for p in long])
    assert long, "expected stop-the-world pauses stretched by throttling"
    assert all(p["throttled_ns"] >= 0.5 * p["duration_ns"] for p in long)
    assert s["throttling"]["stw_throttled_ns"] >= sum(p["throttled_ns"] for p in long)
    assert s["throttling"]["runq_share"] > 0.5
    # the advice names GOMAXPROCS and quotes the numbers
    advice = {a["id"]: a["text"] for a in s["advice"]}
    assert "gomaxprocs_above_quota" in advice and "GOMAXPROCS is 2" in advice["gomaxprocs_above_quota"]
    assert "throttling_stretches_pauses" in advice
    assert s["gomaxprocs"] == 2


@pytest.mark.parametrize("forced, attach", [("tp_btf", "tp_btf"), ("classic", "tracepoint")])
def test_throttling_seen_by_each_tracepoint_kind(forced, attach, monkeypatch):
    """Either kind of sched program (GOTRACE_TRACEPOINTS forces one; kernels before 5.5 have only the classic
    tracepoints) is the one used, and sees the throttling and the run-queue delay it causes."""
    monkeypatch.setenv("GOTRACE_TRACEPOINTS", forced)
    events, truth, stat, cg = throttled_run(GCLOAD[-1], 20)
    s = summary(events)
    print(f"{forced}: {s['sched']['throttled_intervals']} throttled intervals, cpu.stat {stat['nr_throttled']}, "
          f"runq share {s['throttling']['runq_share']:.2f}")
    assert s["sched"]["attach"] == attach
    assert stat["nr_throttled"] > 10
    assert s["sched"]["throttled_intervals"] > 0
    assert s["throttling"]["runq_share"] > 0.5


@pytest.mark.parametrize("fx", GCLOAD, ids=lambda f: f.id)
def test_no_quota_no_throttling(fx):
    """The same program outside any quota: no throttling, none attributed, no quota advice."""
    events, truth, _ = trace_workload(fx.path, THROTTLE_WORKLOAD[1:] + ["-duration=2s"], env={"GOMAXPROCS": "2"})
    s = summary(events)
    assert s["cgroup"]["nr_throttled"] == 0
    assert s["sched"]["throttled_intervals"] == 0
    assert s["throttling"]["stw_throttled_ns"] == 0 and s["throttling"]["runq_throttled_ns"] == 0
    assert all(p.get("throttled_ns", 0) == 0 for p in by_event(events, "stw"))
    ids = {a["id"] for a in s["advice"]}
    assert not ids & {"gomaxprocs_above_quota", "quota_exhausted", "throttling_stretches_pauses",
                      "throttling_delays_threads"}


@pytest.mark.parametrize("fx", GCLOAD, ids=lambda f: f.id)
def test_goroutine_delay_matches_runtime_metrics(fx):
    """Sampled mode reads the runtime's own histogram: p50 and p99 fall in the bucket /sched/latencies:seconds
    puts them in, or a neighbour (gotrace's window also holds the few dispatches just before and after the
    program's own)."""
    events, truth, _ = trace_workload(fx.path, ["-duration=2s", "-workers=8"])
    g = summary(events)["goroutines"]
    assert g["mode"] == "sampled" and g["count"] >= sum(truth["sched_latency"]["counts"]) > 100
    bounds = truth["sched_latency"]["boundaries"]
    for q, ours in ((0.5, g["p50_ns_below"]), (0.99, g["p99_ns_below"])):
        i, lo, hi = quantile_bucket(truth["sched_latency"], q)
        prev_upper = bounds[i] * 1e9
        next_upper = bounds[i + 2] * 1e9 if i + 2 < len(bounds) else float("inf")
        assert prev_upper * 0.999999 <= ours <= next_upper * 1.000001, (q, ours, lo, hi)


@pytest.mark.parametrize("fx", GCLOAD, ids=lambda f: f.id)
def test_syscall_return_note_is_true_of_the_runtime(fx):
    """Sampled mode says when the runtime's histogram also counts returns from system calls (Go 1.25 and older):
    the runtime must then add about one zero-delay sample per eight system calls of a goroutine, and none when
    gotrace says it does not (Go 1.26)."""
    n = 80000
    events, truth, _ = trace_workload(fx.path, ["-duration=200ms", "-workers=0", f"-syscalls={n}"])
    g = summary(events)["goroutines"]
    hist = truth["sched_latency"]
    first_bucket = hist["counts"][hist["boundaries"].index(0)]	# [0, 1 ns) or [0, 64 ns); the one before is -inf
    if g["counts_syscall_returns"]:
        assert first_bucket >= 0.8 * n / 8, (fx.goversion, first_bucket)
    else:
        assert first_bucket < 0.1 * n / 8, (fx.goversion, first_bucket)


def log2_row(ns):
    """The printed row (0 -> 1, 2 -> 3, 4 -> 7 ... microseconds) a duration falls in."""
    us = int(ns // 1000)
    return max(0, us.bit_length() - 1)


def without_syscall_returns(hist, goversion):
    """The runtime's histogram without the zero-delay samples Go 1.25 and older record for returns from system
    calls (see test_syscall_return_note_is_true_of_the_runtime): those land in the [0, 1 ns) bucket, which no
    real dispatch reaches (its delay is two nanotime() readings apart). Go 1.26 records none."""
    minor = int(goversion.split(".")[1])
    i = hist["boundaries"].index(0)
    if minor > 25 or hist["boundaries"][i + 1] > 1e-9:
        return hist
    return {"boundaries": hist["boundaries"], "counts": hist["counts"][:i] + [0] + hist["counts"][i + 1:]}


@pytest.mark.parametrize("fx", GCLOAD, ids=lambda f: f.id)
def test_goroutine_delay_exact_mode(fx):
    """Exact mode times every dispatch with casgstatus probes: its p50 and p99 fall in the same log2 row as the
    runtime's sampled quantiles, or a neighbour (the runtime's p99 rests on one dispatch in eight: a few dozen
    samples). (Each probe hit costs the program time, so the workload is light.)"""
    events, truth, g = trace_workload(fx.path, ["-duration=1s", "-workers=2"], ["--goroutines=exact"])
    r = summary(events)["goroutines"]
    assert r["mode"] == "exact" and r["count"] > 100
    hist = without_syscall_returns(truth["sched_latency"], fx.goversion)
    for q, key in ((0.5, "p50_ns_below"), (0.99, "p99_ns_below")):
        _, lo, hi = quantile_bucket(hist, q)
        ours_row = log2_row(r[key] - 1)
        assert log2_row(lo) - 1 <= ours_row <= log2_row(hi) + 1, (q, r[key], lo, hi)


def parse_runqlat(text):
    rows = re.findall(r"^\s*(\d+) -> (\d+)\s*:\s*(\d+)", text, re.M)
    return {int(lo).bit_length() - 1 if int(lo) else 0: int(n) for lo, hi, n in rows}


def quantile_row(rows, q):
    total = sum(rows.values())
    rank, seen = max(1, int(q * total + 0.999999)), 0
    for row in sorted(rows):
        seen += rows[row]
        if seen >= rank:
            return row
    raise AssertionError("empty")


def gotrace_rows(hist):
    """Our JSON log2 slots ({le, count}) folded into runqlat's rows (row 0 holds 0 and 1)."""
    rows = {}
    for b in hist:
        row = max(0, b["le"].bit_length() - 1)
        rows[row] = rows.get(row, 0) + b["count"]
    return rows


def test_runq_delay_matches_runqlat():
    """Thread run-queue delay against libbpf-tools' runqlat -p on the same process at the same time."""
    fx = GCLOAD[-1]
    t = Target(fx.path, "-duration=5s", "-workers=4")
    try:
        t.start()
        time.sleep(0.3)
        rq = subprocess.Popen(["runqlat", "-p", str(t.pid), "3", "1"], stdout=subprocess.PIPE, text=True)
        g = Gotrace("-p", str(t.pid), "-j", "-d", "3s", "-c", "sched")
        theirs = parse_runqlat(rq.communicate(timeout=30)[0])
        assert g.wait(30) == 0
    finally:
        t.kill()
    ours = gotrace_rows(summary(g.events())["sched"]["runq_hist"])
    assert sum(theirs.values()) > 1000 and sum(ours.values()) > 1000
    assert sum(ours.values()) == pytest.approx(sum(theirs.values()), rel=0.15)
    for q in (0.5, 0.9, 0.99):
        assert abs(quantile_row(ours, q) - quantile_row(theirs, q)) <= 1, q
