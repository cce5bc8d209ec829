"""GC pauses and cycles against the Go runtime's own accounting, for every toolchain and binary variant.

Ground truth comes from the traced program itself (tests/go/gcload): /gc/pauses:seconds and
/gc/cycles/total:gc-cycles from runtime/metrics over the workload window, and every cycle's MemStats.PauseNs
(debug.ReadGCStats, polled so that no cycle is missed)."""
import pytest

from gotrace_harness import by_event, fixtures, trace_workload

GC_REASONS = ("gc_sweep_termination", "gc_mark_termination")
VARIANTS = ("default", "stripped", "pie", "external", "static")


def gc_pauses(events):
    return [e for e in by_event(events, "stw") if e["reason"] in GC_REASONS]


def within_window(start_ns, duration_ns, truth):
    """The program read its counters at window_start_ns and window_end_ns (CLOCK_MONOTONIC, the runtime's
    clock); a pause is counted by the runtime once it ended, a cycle once its mark termination ended."""
    return truth["window_start_ns"] <= start_ns + duration_ns <= truth["window_end_ns"]


def cycles_in_window(events, truth):
    """Completed cycles gotrace reported that the program also recorded (same runtime cycle numbers)."""
    ours = {c["cycle"]: c for c in by_event(events, "gc_cycle") if c["complete"]}
    return {n: ours[n] for n in ours if str(n) in truth["cycle_pause_ns"]}


@pytest.mark.parametrize("fx", fixtures("gcload", VARIANTS), ids=lambda f: f.id)
def test_pause_count_equals_runtime_metrics(fx):
    """The count of GC stop-the-world pauses equals /gc/pauses:seconds over the same window, the count of
    completed cycles equals /gc/cycles/total:gc-cycles."""
    events, truth, _ = trace_workload(fx.path, ["-duration=2s"])
    assert truth["gc_cycles"] > 10, "the workload should drive many GC cycles"
    in_window = [p for p in gc_pauses(events) if within_window(p["time_ns"], p["duration_ns"], truth)]
    cycles = [c for c in by_event(events, "gc_cycle") if c["complete"] and within_window(c["time_ns"], c["duration_ns"], truth)]
    assert len(in_window) == truth["gc_pauses"]
    assert len(cycles) == truth["gc_cycles"]
    summary = by_event(events, "summary")[0]
    assert summary["events_lost"] == 0


@pytest.mark.parametrize("fx", fixtures("gcload", VARIANTS), ids=lambda f: f.id)
def test_cycle_pause_matches_memstats(fx):
    """Every cycle the runtime ran in the window is reported, and its pause equals MemStats.PauseNs to the
    nanosecond, twice over: the reported total, and the sum of the pauses the probes timed (probes_pause_ns), which
    gotrace also checks live against the runtime's own record (layout_verified_cycles)."""
    events, truth, g = trace_workload(fx.path, ["-duration=2s", "-live-kb=8192"])
    want = {int(n): ns for n, ns in truth["cycle_pause_ns"].items()}
    matched = cycles_in_window(events, truth)
    assert len(want) > 10
    assert sorted(matched) == sorted(want), f"cycles missed: {sorted(set(want) - set(matched))[:10]}"
    wrong = [(n, c["pause_ns"], c["probes_pause_ns"], want[n]) for n, c in matched.items()
             if c["pause_ns"] != want[n] or c["probes_pause_ns"] != want[n]]
    print(f"{fx.id}: {len(matched)} cycles, {len(matched) - len(wrong)} exact")
    assert not wrong, f"{len(wrong)} of {len(matched)} cycles differ (n, reported, probed, PauseNs): {wrong[:5]}"
    gc = by_event(events, "summary")[0]["gc"]
    assert gc["layout_mismatched_cycles"] == 0 and gc["layout_verified_cycles"] >= len(want), g.stderr()


@pytest.mark.parametrize("fx", fixtures("gcload", VARIANTS), ids=lambda f: f.id)
def test_memstats_source_reads_every_cycle_with_no_probe(fx):
    """--gc-source=memstats: every cycle the runtime ran in the window is reported once, with its pause equal to
    MemStats.PauseNs to the nanosecond, and not one uprobe is attached or hit. The fixture runs hundreds of cycles
    a second, so several land between two reads of the 256-entry record."""
    events, truth, g = trace_workload(fx.path, ["-duration=2s", "-live-kb=8192"], ["--gc-source=memstats"])
    want = {int(n): ns for n, ns in truth["cycle_pause_ns"].items()}
    cycles = [c for c in by_event(events, "gc_cycle")]
    got = {c["cycle"]: c["pause_ns"] for c in cycles if str(c["cycle"]) in truth["cycle_pause_ns"]}
    assert len(want) > 10
    assert all(c["source"] == "memstats" and c["complete"] for c in cycles)
    assert len({c["cycle"] for c in cycles}) == len(cycles), "a cycle reported twice"
    assert sorted(got) == sorted(want), f"cycles missed: {sorted(set(want) - set(got))[:10]}"
    wrong = [(n, got[n], want[n]) for n in want if got[n] != want[n]]
    assert not wrong, f"{len(wrong)} of {len(want)} cycles differ (n, reported, PauseNs): {wrong[:5]}"
    summary = by_event(events, "summary")[0]
    assert summary["gc"]["source"] == "memstats" and summary["gc"]["cycles_unread"] == 0
    assert summary["gc"]["cycles"] >= len(want) and summary["gc"]["pauses"] == 0
    assert summary["gc"]["cycle_pause_ns"] >= sum(want.values())
    assert summary["probe_hits_per_second"] == 0, g.stderr()


@pytest.mark.parametrize("fx", fixtures("gcload", ["default"]), ids=lambda f: f.id)
def test_non_gc_stop_reported_with_reason(fx):
    """runtime.ReadMemStats stops the world without a GC: each call is one pause with reason read_mem_stats."""
    events, truth, _ = trace_workload(fx.path, ["-duration=500ms", "-read-mem-stats=5"])
    reads = [e for e in by_event(events, "stw") if e["reason"] == "read_mem_stats"]
    assert len(reads) == truth["read_mem_stats_calls"] == 5
    assert all(e["gc_cycle"] == 0 and e["duration_ns"] > 0 for e in reads)


@pytest.mark.parametrize("fx", fixtures("gcload", ["default"]), ids=lambda f: f.id)
def test_forced_gc_cycles_counted(fx):
    """runtime.GC() runs full cycles: every one shows up, with both of its pauses."""
    events, truth, _ = trace_workload(fx.path, ["-duration=300ms", "-workers=0", "-forced-gc=20"])
    cycles = [c for c in by_event(events, "gc_cycle") if within_window(c["time_ns"], c["duration_ns"], truth)]
    assert len(cycles) == truth["gc_cycles"] >= 20
    assert all(c["pauses"] >= 2 for c in cycles)


@pytest.mark.parametrize("fx", fixtures("gcload", ["default"]), ids=lambda f: f.id)
def test_gogc_off_reports_no_cycles(fx):
    """GOGC=off: the runtime runs no cycle, gotrace reports none and its text output says so."""
    events, truth, _ = trace_workload(fx.path, ["-duration=500ms"], env={"GOGC": "off"})
    assert truth["gc_cycles"] == 0
    assert gc_pauses(events) == []
    assert by_event(events, "summary")[0]["gc"]["cycles"] == 0


@pytest.mark.parametrize("fx", fixtures("gcload", ["default"]), ids=lambda f: f.id)
def test_gomemlimit_pressure(fx):
    """GOGC=off with a GOMEMLIMIT just above the live heap: the runtime collects to stay under the limit; the
    cycles gotrace sees are the ones it ran."""
    env = {"GOGC": "off", "GOMEMLIMIT": "24MiB"}
    events, truth, _ = trace_workload(fx.path, ["-duration=1s", "-live-kb=16384"], env=env)
    assert truth["gc_cycles"] > 5
    cycles = [c for c in by_event(events, "gc_cycle") if c["complete"] and within_window(c["time_ns"], c["duration_ns"], truth)]
    assert len(cycles) == truth["gc_cycles"]
