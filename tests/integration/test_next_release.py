"""A rehearsal of the next Go release: a Go 1.27 binary whose build info is rewritten to an unreleased go1.28.0 (every
occurrence of the bytes `go1.27.3`, same length: the program still runs and `go version` reports go1.28.0).

gotrace's table ends at 1.27, so nothing about this binary may come from its version number: the default build is
traced through its DWARF, the stripped one through the function table and the machine code plus the newest table
entry, and both only after the live process confirmed the layout. Every GC cycle must equal the runtime's own
MemStats.PauseNs to the nanosecond, goroutine delay must be on, and so must the memory view (runtime.gcController
found through the symbol table or the machine code). Also: a runtime function a release renamed
turns off only the view that needs it, with a message naming it. (A release older than gotrace traces:
test_cli.py and test_robustness.py.)"""
import json
import subprocess
from pathlib import Path

import pytest

from gotrace_harness import GOTRACE, by_event, fixtures, trace_workload

GO127 = {f.variant: f for f in fixtures("gcload") if f.goversion == "go1.27.3"}
NEXT = b"go1.28.0"


def rewritten(tmp_path, fx, old=b"go1.27.3", new=NEXT):
    data = Path(fx.path).read_bytes()
    assert data.count(old) > 0 and len(old) == len(new)
    out = tmp_path / f"gcload-{new.decode()}.{fx.variant}"
    out.write_bytes(data.replace(old, new))
    out.chmod(0o755)
    return out


def info(path):
    p = subprocess.run([str(GOTRACE), "info", "--json", str(path)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_go127_fixtures_exist():
    """The suite obtained Go 1.27.3 itself (tests/build-go.sh) and built every variant with it."""
    assert set(GO127) == {"default", "stripped", "pie", "external", "static"}


@pytest.mark.parametrize("variant", ["default", "stripped"])
def test_next_release_traced_exactly(tmp_path, variant):
    fx = GO127[variant]
    path = rewritten(tmp_path, fx)
    version = subprocess.run([fx.gocmd, "version", str(path)], capture_output=True, text=True,
                             env={"GOTOOLCHAIN": "local", "PATH": "/usr/bin:/bin"}).stdout
    assert version.split()[-1] == "go1.28.0", version

    i = info(path)
    assert i["go_version"] == "go1.28.0" and not i["release_in_table"] and i["layout_known"]
    assert i["gc_shape"] == "worldstop_args"
    assert (i["stw_reason_mark_term"], i["stw_reason_sweep_term"], i["stw_reasons_source"]) == (1, 2, "runtime data")
    sources = set(i["offset_sources"].values())
    if variant == "default":
        assert i["offsets"]["source"] == "dwarf" and i["gc_shape_source"] == "DWARF"
        assert i["offset_sources"]["memstats.pause_ns"] == "DWARF"
    else:
        assert "DWARF" not in sources and i["gc_shape_source"] == "function table"
        assert i["offset_sources"]["memstats.pause_ns"] == "newest table"
        assert i["globals"]["runtime.memstats_source"] == "derived from machine code"
        assert i["globals"]["runtime.gcController_source"] == "derived from machine code"
    pacer_source = "symbol table" if variant == "default" else "derived from machine code"
    assert i["memory_runtime"]["pacer"] and i["memory_runtime"]["pacer_source"] == pacer_source, i["memory_runtime"]

    events, truth, g = trace_workload(str(path), ["-duration=2s", "-live-kb=8192", "-workers=8"])
    assert "warning" not in g.stderr(), g.stderr()
    ours = {c["cycle"]: c for c in by_event(events, "gc_cycle") if c["complete"]}
    want = {int(n): ns for n, ns in truth["cycle_pause_ns"].items()}
    assert len(want) > 10
    missing = sorted(set(want) - set(ours))
    assert not missing, f"cycles the runtime ran that gotrace did not report: {missing[:10]}"
    wrong = [(n, ours[n]["pause_ns"], ours[n]["probes_pause_ns"], ns) for n, ns in want.items()
             if ours[n]["pause_ns"] != ns or ours[n]["probes_pause_ns"] != ns]
    assert not wrong, f"{len(wrong)} of {len(want)} cycles differ from MemStats.PauseNs: {wrong[:5]}"
    s = by_event(events, "summary")[0]
    assert s["gc"]["layout_mismatched_cycles"] == 0 and s["gc"]["layout_verified_cycles"] >= len(want)
    assert s["goroutines"]["mode"] == "sampled"
    assert s["goroutines"]["count"] >= sum(truth["sched_latency"]["counts"]) > 100
    assert s["memory"]["runtime_view"] == "on" and s["memory"]["gc_controller_source"] == pacer_source, s["memory"]
    assert s["memory"]["gc_cycles"] >= max(want), s["memory"]


def test_renamed_function_turns_off_only_gc(tmp_path):
    """A release that renamed runtime.startTheWorldWithSema (rehearsed by renaming it in the function table of a
    stripped copy: the program runs, names are only for tracebacks): the GC view turns off with a message naming
    the function; goroutine delay, which does not need it, stays on."""
    fx = GO127["stripped"]
    data = Path(fx.path).read_bytes()
    old, new = b"runtime.startTheWorldWithSema\x00", b"runtime.startTheWorldWithSemX\x00"
    assert data.count(old) == 1
    path = tmp_path / "renamed"
    path.write_bytes(data.replace(old, new))
    path.chmod(0o755)
    events, truth, g = trace_workload(str(path), ["-duration=500ms", "-workers=8"])
    err = g.stderr()
    assert "GC pause tracing is off: runtime.startTheWorldWithSema is not in the function table" in err, err
    s = by_event(events, "summary")[0]
    assert "gc" not in s
    assert s["goroutines"]["count"] >= sum(truth["sched_latency"]["counts"]) > 0
