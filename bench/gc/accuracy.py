#!/usr/bin/env python3
"""GC accuracy and cost of `gotrace -p`, per Go toolchain present, in one run:
- error of each cycle's pause total against the runtime's own MemStats.PauseNs (max and p99 of |error|);
- inflation: the runtime's own median and p99 pause, untraced vs traced, interleaved runs (A B A B ...);
- probe hits per GC cycle.
Usage: bench/gc/accuracy.py [runs per side, default 5]   (root; after `make` and tests/build-go.sh)"""
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "integration"))
from gotrace_harness import Target, by_event, fixtures, trace_workload  # noqa: E402

ARGS = ["-duration=3s", "-live-kb=8192"]


def quantile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0


def untraced(path):
    t = Target(path, *ARGS)
    t.start()
    return list(t.truth()["cycle_pause_ns"].values())


def traced(path):
    events, truth, _ = trace_workload(path, ARGS)
    ours = {c["cycle"]: c["pause_ns"] for c in by_event(events, "gc_cycle") if c["complete"]}
    errors = [abs(ours[int(n)] - v) for n, v in truth["cycle_pause_ns"].items() if int(n) in ours]
    hits = by_event(events, "summary")[0]["probe_hits"]
    return list(truth["cycle_pause_ns"].values()), errors, hits / max(1, len(ours))


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    print("| Go | variant | cycles compared | max error | p99 error | median pause untraced | traced | "
          "p99 pause untraced | traced | probe hits per cycle |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for fx in fixtures("gcload", ["default", "stripped"]):
        base, with_probes, errs, hits = [], [], [], []
        for _ in range(runs):
            base += untraced(fx.path)
            p, e, h = traced(fx.path)
            with_probes += p
            errs += e
            hits.append(h)
        print(f"| {fx.goversion} | {fx.variant} | {len(errs)} | {max(errs)} ns | {quantile(errs, 0.99)} ns | "
              f"{statistics.median(base) / 1e3:.1f} us | {statistics.median(with_probes) / 1e3:.1f} us | "
              f"{quantile(base, 0.99) / 1e3:.0f} us | {quantile(with_probes, 0.99) / 1e3:.0f} us | "
              f"{statistics.median(hits):.1f} |", flush=True)


if __name__ == "__main__":
    main()
