#!/usr/bin/env python3
"""Goroutine scheduling-delay accuracy of `gotrace -p`, per Go toolchain present: gotrace's p50 and p99 against
the bucket of the runtime's own /sched/latencies:seconds (runtime/metrics, read by the program itself over the
same run) that holds the same quantile. Sampled mode (the default) reads that histogram from the process's memory;
exact mode (--goroutines=exact) times every dispatch with casgstatus probes, independently of it.
Usage: bench/sched/accuracy.py [runs per mode, default 5]   (root; after `make` and tests/build-go.sh)"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "integration"))
from gotrace_harness import by_event, fixtures, quantile_bucket, trace_workload  # noqa: E402

MODES = {"sampled": ([], ["-duration=2s", "-workers=8"]),
         "exact": (["--goroutines=exact"], ["-duration=1s", "-workers=2"])}	# exact: every switch is a probe hit


def us(ns):
    if ns == float("inf"):
        return "inf"
    return f"{ns / 1e3:.3f}" if ns < 1000 else f"{ns / 1e3:.1f}"


def one_run(path, gotrace_args, target_args):
    events, truth, _ = trace_workload(path, target_args, gotrace_args)
    g = by_event(events, "summary")[0]["goroutines"]
    rows = []
    for q, key in ((0.5, "p50_ns_below"), (0.99, "p99_ns_below")):
        _, lo, hi = quantile_bucket(truth["sched_latency"], q)
        rows.append((lo, hi, g[key]))
    return g["count"], sum(truth["sched_latency"]["counts"]), rows


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    print("| Go | mode | run | dispatches gotrace / runtime | runtime p50 bucket (us) | gotrace p50 below (us) | "
          "runtime p99 bucket (us) | gotrace p99 below (us) |")
    print("|---|---|---|---|---|---|---|---|")
    for fx in fixtures("gcload", ["default"]):
        for mode, (gotrace_args, target_args) in MODES.items():
            for r in range(runs):
                ours, theirs, ((lo50, hi50, p50), (lo99, hi99, p99)) = one_run(fx.path, gotrace_args, target_args)
                print(f"| {fx.goversion} | {mode} | {r + 1} | {ours} / {theirs} | [{us(lo50)}, {us(hi50)}) | "
                      f"{us(p50)} | [{us(lo99)}, {us(hi99)}) | {us(p99)} |", flush=True)


if __name__ == "__main__":
    main()
