"""The memory capability against the Go runtime's own accounting and the kernel's.

Ground truth: tests/go/memload reports runtime/metrics (/gc/gogc:percent, /gc/gomemlimit:bytes and /gc/heap/live:bytes
from Go 1.21; /gc/heap/goal:bytes and MemStats on every version) after one GC, then holds still while gotrace's
last reading happens; for an OOM kill, a v1 memory cgroup this test creates (128 MiB) and its own files; for the soft
limit, a v1 memory cgroup this test creates with one, and the files the kernel keeps for it, read after the trace."""
import signal

import pytest

from gotrace_harness import Gotrace, MemoryCgroup, Target, by_event, fixtures, trace_workload

MEMLOAD = fixtures("memload", ["default", "stripped"])
HOLD = ["-heap-mib=32", "-linger=1500ms"]	# the last flag wins: idle long enough for gotrace's 100 ms polls
MIB = 1 << 20
SETTINGS = [
    pytest.param({"GOGC": "150"}, 150, None, id="gogc150"),
    pytest.param({"GOGC": "80", "GOMEMLIMIT": "256MiB"}, 80, 256 * MIB, id="gogc80-limit256m"),
]


def memory_summary(events):
    return by_event(events, "summary")[0]["memory"]


def expected(truth, metric, env_value):
    """A runtime/metrics value where this Go version has it, else what the environment set."""
    return truth[metric] if truth[metric] is not None else env_value


@pytest.mark.parametrize("env,gogc,gomemlimit", SETTINGS)
@pytest.mark.parametrize("fx", MEMLOAD, ids=lambda f: f.id)
def test_runtime_settings_and_heap(fx, env, gogc, gomemlimit):
    events, truth, _ = trace_workload(fx.path, HOLD, env=env)
    m = memory_summary(events)
    # memstats (derived from machine code when stripped): exactly the one runtime.GC() of the window
    assert m["forced_gc_cycles"] == truth["num_forced_gc"] == 1
    assert m["gc_cycles"] >= 1
    assert 0 <= m["gc_cpu_fraction"] <= 1
    assert m["oom_killed"] is False
    source = "derived from machine code" if fx.variant == "stripped" else "symbol table"
    assert m["runtime_view"] == "on" and m["gc_controller_source"] == source, m
    assert m["gogc"] == expected(truth, "gogc", gogc)
    unset = 2**63 - 1
    assert m["gomemlimit_bytes"] == expected(truth, "gomemlimit", gomemlimit if gomemlimit else unset)
    assert m["gomemlimit_set"] == (gomemlimit is not None)
    if truth["heap_live"] is not None:
        assert m["heap_marked_bytes"] == truth["heap_live"]
    else:  # Go 1.19: HeapAlloc right after runtime.GC() (swept) is the marked heap within a few hundred bytes
        # (objects allocated black during the mark, and the report's own allocations): bounds, not equality
        assert 32 * MIB <= m["heap_marked_bytes"] <= truth["heap_alloc"] + 64 * 1024
        assert m["heap_marked_bytes"] >= truth["heap_alloc"] - 64 * 1024
    if gomemlimit is None:  # the runtime's goal is the GOGC goal unless the memory limit is lower
        assert m["heap_goal_bytes"] == truth["heap_goal"]
    else:
        assert m["heap_goal_bytes"] >= truth["heap_goal"]
    assert m["heap_marked_bytes"] <= m["mapped_ready_bytes"]
    assert m["rss_bytes"] >= 32 * MIB


@pytest.mark.parametrize("fx", MEMLOAD, ids=lambda f: f.id)
def test_oom_kill_event(fx):
    limit = 128 * MIB
    with MemoryCgroup(limit) as cg:
        t = Target(fx.path, "-grow", "-step-mib=4", "-every=50ms", env={"GOGC": "100"}, cgroup=cg)
        try:
            g = Gotrace("-p", str(t.pid), "-j", "1s")
            t.start()
            assert t.proc.wait(timeout=60) == -signal.SIGKILL
            assert g.wait(timeout=30) == 0, g.stderr()
            kills = cg.oom_kills()
            cg_limit = int(cg.read("memory.limit_in_bytes"))
            failcnt = int(cg.read("memory.failcnt")) + int(cg.read("memory.memsw.failcnt"))
        finally:
            t.kill()
    events = g.events()
    ooms = by_event(events, "oom_kill")
    assert len(ooms) == 1, g.stdout()
    e = ooms[0]
    assert e["pid"] == t.pid and e["signal"] == signal.SIGKILL
    assert e["cgroup"] == cg.path
    assert e["cgroup_limit_bytes"] == cg_limit == limit
    assert e["cgroup_oom_kills"] == kills >= 1
    assert memory_summary(events)["oom_killed"] is True
    # charges that hit the limit (v1 memory.failcnt + memory.memsw.failcnt): the cgroup is this test's and the program
    # started after gotrace read it, so the count over the trace is the files'; without swap the limit is on memory
    # alone, whose failcnt the kernel keeps
    assert memory_summary(events)["memory_cgroup"]["events_during_trace"]["failcnt"] == failcnt
    assert failcnt > 0 or cg.swap_limited
    if fx.variant == "default":
        assert e["gogc"] == 100 and e["gomemlimit_set"] is False
        # the last figures, at most one 100 ms poll before the kill: a heap already large, and within the limit
        # but for the step being allocated: heapLive counts a span when it is handed out, before its pages are
        # touched and charged to the cgroup (seen 100 KiB over the limit, 2 runs in 10)
        assert 16 * MIB <= e["heap_live_bytes"] <= limit + 4 * MIB
        assert e["heap_goal_bytes"] >= e["heap_marked_bytes"]


@pytest.mark.parametrize("fx", MEMLOAD[:1], ids=lambda f: f.id)
def test_cgroup_soft_limit_and_kernel_counters(fx):
    limit, soft = 256 * MIB, 48 * MIB
    with MemoryCgroup(limit, soft_limit_bytes=soft) as cg:
        events, _, _ = trace_workload(fx.path, HOLD, cgroup=cg)
        written = int(cg.read("memory.soft_limit_in_bytes"))
        oom = cg.oom_control()
        peak = int(cg.read("memory.max_usage_in_bytes"))
        failcnt = int(cg.read("memory.failcnt")) + int(cg.read("memory.memsw.failcnt"))
    c = memory_summary(events)["memory_cgroup"]
    assert c["version"] == 1 and c["path"] == cg.path
    assert c["soft_limit_bytes"] == written == soft
    assert c["soft_limiting_level"] == 0
    assert c["limit_bytes"] == limit and c["limiting_level"] == 0
    # the kernel's own counters after the trace; the process held still for its last 1.5 s, gotrace read at its exit
    assert c["oom_kills"] == oom["oom_kill"] == 0
    assert c["under_oom"] is (oom["under_oom"] == 1) is False
    assert c["events_during_trace"] == {"oom_kill": 0, "failcnt": failcnt} and failcnt == 0
    assert c["peak_bytes"] == peak >= 32 * MIB
    # v2 only: memory.high, memory.events and memory.pressure are absent on v1, not 0
    assert "high_limit_bytes" not in c and "pressure" not in c


@pytest.mark.parametrize("fx", MEMLOAD, ids=lambda f: f.id)
def test_file_descriptors_against_the_limit(fx):
    """The program lowers its RLIMIT_NOFILE soft limit to 64 and tries to open 100 files: gotrace's count of its
    descriptors equals the program's own count of /proc/self/fd, its limits equal getrlimit's, the open calls
    that failed with EMFILE (counted in BPF at the syscall's exit) are as many as the program saw fail, and the
    advice says the process is at its limit, quoting the numbers."""
    events, truth, _ = trace_workload(fx.path, HOLD + ["-nofile=64", "-files=100"])
    assert truth["emfile_errors"] > 0 and truth["nofile_soft"] == 64
    m = memory_summary(events)
    assert m["open_fds"] == truth["open_fds"]
    assert m["fd_limit"] == 64 and m["fd_limit_hard"] == truth["nofile_hard"]
    assert m["emfile_errors"] == {"accept": 0, "socket": 0, "open": truth["emfile_errors"]}
    assert m["enfile_errors"] == {"accept": 0, "socket": 0, "open": 0}
    advice = {a["id"]: a["text"] for a in by_event(events, "summary")[0]["advice"]}
    assert (f"{truth['emfile_errors']} accept, socket or open calls failed with EMFILE; {truth['open_fds']} file "
            "descriptors open of a limit of 64") in advice["fd_limit_near"], advice


GCLOAD = fixtures("gcload", ["default"])


@pytest.mark.parametrize("fx", GCLOAD, ids=lambda f: f.id)
def test_gc_cpu_share_and_a_tight_gomemlimit(fx):
    """gcload churns a live heap of about 56 MiB, a million small linked objects that each cycle marks, under
    GOMEMLIMIT=76MiB (GOGC 100 would allow twice the live heap) in a 512 MiB memory cgroup: the limit paces the GC
    and it runs back to back. gotrace's share of the CPU the GC used, from the
    runtime's gc_cpu_fraction at the ends of the first and last cycles traced, equals the program's own count over
    its window (/cpu/classes, Go 1.20+: GC time but idle marking, of the available CPU) scaled to gotrace's window;
    the advice says the limit is tight, quoting it."""
    with MemoryCgroup(512 * MIB) as cg:
        events, truth, _ = trace_workload(fx.path, ["-live-kb=8192", "-live-nodes=1000000", "-workers=2",
                                                    "-duration=3s"],
                                          env={"GOMEMLIMIT": "76MiB", "GOGC": "100"}, cgroup=cg)
    m = memory_summary(events)
    share, window = m["gc_cpu_share"], m["gc_cpu_share_window_ns"]
    print(f"gotrace {share:.3f} over {window / 1e9:.2f} s; the program {truth['gc_cpu_share']} over "
          f"{truth['window_ns'] / 1e9:.2f} s")
    if truth["gc_cpu_share"] is not None:
        assert share == pytest.approx(truth["gc_cpu_share"] * truth["window_ns"] / window, abs=0.03)
    assert share >= 0.25
    advice = {a["id"]: a["text"] for a in by_event(events, "summary")[0]["advice"]}
    live = m["heap_marked_bytes"]
    text = advice["gomemlimit_tight"]
    assert (f"GOMEMLIMIT is 76.0 MiB, {100 * (76 * MIB / live - 1):.0f}% above the live heap of {live / MIB:.1f} MiB"
            in text), text
    assert f"it used {100 * share:.0f}% of the process's available CPU" in text, text
    assert "the memory cgroup's limit allows GOMEMLIMIT=461MiB, 90% of it" in text, text


@pytest.mark.parametrize("fx", GCLOAD, ids=lambda f: f.id)
def test_gogc_low_for_the_memory_allowed(fx):
    """gcload keeps 2 MiB live and runs hundreds of cycles a second with GOGC 100 in a 1 GiB memory cgroup: the
    advice quotes the goal and live heap the summary read, the room the cgroup's limit (written here) leaves, and
    a GOGC giving half of it."""
    with MemoryCgroup(1024 * MIB) as cg:
        # until killed: a timed run ends its window with GOGC off (gcload's own counting), which would be the last
        # reading
        t = Target(fx.path, "-duration=0", env={"GOGC": "100"}, cgroup=cg)
        try:
            g = Gotrace("-p", str(t.pid), "-j", "-d", "2s")
            t.start()
            assert g.wait(timeout=30) == 0, g.stderr()
        finally:
            t.kill()
        limit = int(cg.read("memory.limit_in_bytes"))
    events = g.events()
    m = memory_summary(events)
    assert m["gc_cycles"] / 2 >= 20, m
    room = 0.9 * limit
    live, goal = m["heap_marked_bytes"], m["heap_goal_bytes"]
    gogc = 100 * (room / 2 / live - 1)
    gogc = 100 * int(gogc / 100) if gogc >= 1000 else 10 * int(gogc / 10)
    advice = {a["id"]: a["text"] for a in by_event(events, "summary")[0]["advice"]}
    text = advice["gogc_low"]
    assert (f"GOGC 100 puts the heap goal at {goal / MIB:.1f} MiB ({live / MIB:.1f} MiB live after the last GC), "
            f"{100 * goal / room:.1f}% of the 921.6 MiB the memory allows (90% of the memory cgroup's limit)") in text
    assert f"GOGC={gogc} (a goal of {live * (1 + gogc / 100) / MIB:.1f} MiB, half of it)" in text, text
    assert "GOMEMLIMIT=922MiB as the backstop" in text, text
