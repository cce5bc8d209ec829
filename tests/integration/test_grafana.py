"""deploy/grafana/gotrace.json, the Grafana dashboard of the daemon's metrics: decoded strictly by the decoder
Grafana's foundation SDK generates from Grafana's schemas (tests/grafana, built here), which broken copies show to
be strict; and every PromQL expression of its panels and variables run in a real Prometheus scraping the daemon
while it traces a GC-busy program throttled by a CPU quota and a program the OOM killer ends: each parses, uses
only metric families and labels the daemon serves, and returns data, with every label its legend names."""
import json
import os
import re
import signal
import subprocess
import time

import pytest

from gotrace_harness import (TOP, MemoryCgroup, QuotaCgroup, Target, daemon, fixtures, private_copy,
                             prometheus_server, promql, wait_for)

DASHBOARD = TOP / "deploy" / "grafana" / "gotrace.json"
CHECKER = TOP / "tests" / "grafana"
GO = "/usr/local/go/bin/go"
KUBERNETES_LABELS = {"pod_uid", "qos_class", "namespace", "pod", "container"}
GCLOAD = fixtures("gcload", ["default"])
MEMLOAD = fixtures("memload", ["default"])

# What Grafana's $__rate_interval comes to for the harness's 1 s scrape interval is at least 4 s (four scrapes);
# 10 s gives every rate() several samples.
RATE_INTERVAL = "10s"

# Families whose panels must show more than zero here: the program's GC, its throttling, the memory view with a
# GOMEMLIMIT and a cgroup limit set, the OOM kill, and the daemon's own work (gc-source = probes: probe hits).
POSITIVE = ["gotrace_gc_cycle_pause_seconds_bucket", "gotrace_gc_pause_seconds_bucket", "gotrace_gc_cycles_total",
            "gotrace_cgroup_throttled_periods_total", "gotrace_cgroup_throttled_seconds_total",
            "gotrace_goroutine_sched_delay_seconds_bucket", "gotrace_go_heap_live_bytes",
            "gotrace_go_gomemlimit_bytes", "gotrace_cgroup_memory_limit_bytes", "gotrace_cgroup_cpu_quota_cpus",
            "gotrace_oom_kills_total", "gotrace_daemon_cpu_seconds_total", "gotrace_daemon_probe_hits_total",
            "gotrace_daemon_targets"]


@pytest.fixture(scope="module")
def dashcheck(tmp_path_factory):
    """The checker, built from its pinned go.mod and go.sum (readonly: a missing or changed sum fails the build)."""
    out = tmp_path_factory.mktemp("dashcheck") / "dashcheck"
    env = dict(os.environ, GOFLAGS="-mod=readonly -buildvcs=false", GOTOOLCHAIN="local",
               GOCACHE=str(TOP / "build" / "gocache"))
    r = subprocess.run([GO, "build", "-o", str(out), "."], cwd=CHECKER, env=env, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    return out


def check(dashcheck, path):
    return subprocess.run([str(dashcheck), str(path)], capture_output=True, text=True, timeout=60)


def checked(dashcheck):
    """The dashboard's panel queries and query variables, as the strict check prints them."""
    r = check(dashcheck, DASHBOARD)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    return [x for x in lines if "expr" in x], [x for x in lines if "variable" in x]


def test_the_dashboard_passes_the_strict_check(dashcheck):
    queries, variables = checked(dashcheck)
    d = json.loads(DASHBOARD.read_text())
    assert d["uid"] == "gotrace" and 39 <= d["schemaVersion"] <= 42
    ds = [v for v in d["templating"]["list"] if v["type"] == "datasource"]
    assert [(v["name"], v["query"]) for v in ds] == [("datasource", "prometheus")]
    assert {v["variable"] for v in variables} == {"instance", "namespace", "service", "pod"}
    heatmaps = [q for q in queries if q["format"] == "heatmap"]
    assert heatmaps and all("_bucket{" in q["expr"] and "by (le)" in q["expr"] for q in heatmaps), heatmaps
    panels = {q["panel"] for q in queries}
    assert len(panels) == sum(p["type"] != "row" for p in d["panels"]), "every panel has a query"


# Each breaks one thing the strict check must catch, and says what its message must name.
BROKEN = [
    pytest.param('"uid": "gotrace"', '"uid": "gotrace", "folder": "gotrace"', "unexpected field 'folder'",
                 id="unknown-dashboard-field"),
    pytest.param('"gridPos"', '"gridpos"', "unexpected field 'gridpos'", id="misspelled-panel-key"),
    pytest.param('"legendFormat"', '"legendFromat"', "unexpected field 'legendFromat'", id="misspelled-query-key"),
    pytest.param('"calculate"', '"calculte"', "unexpected field 'calculte'", id="misspelled-heatmap-option"),
    pytest.param('"includeAll"', '"includeALL"', "unexpected field 'includeALL'", id="misspelled-variable-key"),
    # the SDK reads fieldConfig leniently but for its "custom" part; dashcheck decodes it strictly too
    pytest.param('"unit": "percentunit"', '"units": "percentunit"', "unexpected field 'units'",
                 id="misspelled-field-config-key"),
    # a panel type the SDK has no options schema for would have its options read unchecked
    pytest.param('"type": "timeseries"', '"type": "timeserie"', 'type "timeserie"', id="unknown-panel-type"),
    pytest.param("[$__rate_interval]", "[$__rate_intervall]", "$__rate_intervall is not a variable",
                 id="misspelled-variable-in-a-panel"),
    pytest.param('service=~\\"$service\\"', 'service=~\\"$servce\\"', "$servce is not a variable",
                 id="misspelled-variable-in-a-variable"),
]


@pytest.mark.parametrize("old, new, message", BROKEN)
def test_a_broken_copy_fails_the_strict_check(dashcheck, tmp_path, old, new, message):
    text = DASHBOARD.read_text()
    assert old in text, old
    bad = tmp_path / "gotrace.json"
    bad.write_text(text.replace(old, new, 1))
    r = check(dashcheck, bad)
    assert r.returncode == 1 and message in r.stderr, r.stderr


def substitute(expr, values):
    """expr as Grafana sends it to Prometheus: each variable replaced by its value (a regex), $__rate_interval by
    its duration."""
    expr = expr.replace("$__rate_interval", RATE_INTERVAL)
    for name, value in values.items():
        expr = expr.replace(f"${name}", value)
    assert "$" not in expr, expr
    return expr


def regex_of(*values):
    """Selected values as Grafana writes them into a regex matcher: escaped, several as alternatives in
    parentheses; then escaped once more for a PromQL string literal."""
    escaped = [re.escape(v) for v in values]
    r = escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"
    return r.replace("\\", "\\\\")


def data_for_all(prom, exprs, timeout=30):
    """The results of the instant queries exprs once every one has data (promql() asserts that each ran); at the
    timeout, fails naming those still without."""
    deadline = time.time() + timeout
    while True:
        results = [promql(prom, e) for e in exprs]
        empty = [e for e, r in zip(exprs, results) if not r]
        if not empty:
            return results
        assert time.time() < deadline, f"no data after {timeout} s for: {empty}"
        time.sleep(1)


def families(exposition):
    """Metric family names in a /metrics text, with the series names histograms add."""
    out = set()
    for name, kind in re.findall(r"^# TYPE (\S+) (\S+)$", exposition, re.M):
        out.add(name)
        if kind == "histogram":
            out |= {name + "_bucket", name + "_sum", name + "_count"}
    return out


def label_names(exposition):
    return set(re.findall(r"[{,](\w+)=\"", exposition))


def labels_used(expr):
    """Label names expr groups by or matches on."""
    grouped = {x.strip() for group in re.findall(r"\bby \(([^)]*)\)", expr) for x in group.split(",")}
    return grouped | set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)\s*\"", expr))


class Cgroups:
    """Enters a process into several cgroups (a v1 cpu one and a v1 memory one) before it runs."""

    def __init__(self, *cgroups):
        self.cgroups = cgroups

    def enter(self):
        for c in self.cgroups:
            c.enter()


def test_every_panel_query_runs_in_prometheus_and_returns_data(dashcheck):
    """gcload (GC-busy, GOMEMLIMIT set) in a cgroup with a CPU quota of a fifth of a CPU (throttled however busy
    the machine is) and a 1 GiB memory limit, and memload growing its heap in a 64 MiB memory cgroup until the OOM
    killer ends it, both traced by a daemon with gc-source = probes, scraped every second. Each panel query, with
    the variables at "All" (.*) and at the two programs' own values, is accepted by Prometheus and returns data,
    those of POSITIVE more than zero; each query variable lists the daemon and the service."""
    queries, variables = checked(dashcheck)
    busy, oom = private_copy(GCLOAD[-1], "gfb"), private_copy(MEMLOAD[-1], "gfo")
    names = [os.path.basename(busy), os.path.basename(oom)]
    with QuotaCgroup(20) as cpu, MemoryCgroup(1 << 30) as mem, MemoryCgroup(64 << 20) as small, \
            daemon("--gc-source=probes", f"--allow-exe={names[1]}", allow=names[0]) as d, \
            prometheus_server(d.port) as prom:
        gc = Target(busy, "-duration=0", env={"GOMEMLIMIT": "512MiB"}, cgroup=Cgroups(cpu, mem))
        grower = Target(oom, "-grow", "-step-mib=4", "-every=50ms", cgroup=small)
        try:
            for t in (gc, grower):
                wait_for(lambda: d.traces(t.pid), what=f"PID {t.pid} traced")
                t.start()
            assert grower.proc.wait(timeout=60) == -signal.SIGKILL, "memload must be OOM-killed"
            exposition = d.metrics()[2]
            served = families(exposition)
            # with the labels only the processes of a pod have (test_daemon's Kubernetes test shows them) and
            # those Prometheus adds
            labels = label_names(exposition) | KUBERNETES_LABELS | {"instance", "job"}
            settings = {"all": {v: ".*" for v in ("instance", "namespace", "service", "pod")},
                        "selected": {"instance": regex_of(f"127.0.0.1:{d.port}"), "namespace": ".*",
                                     "service": regex_of(*names), "pod": ".*"}}
            for setting, values in settings.items():
                exprs = [substitute(q["expr"], values) for q in queries]
                results = data_for_all(prom, exprs)
                for q, e, result in zip(queries, exprs, results):
                    used = set(re.findall(r"\bgotrace_\w+", e))
                    assert used <= served, (q["panel"], used - served)
                    assert labels_used(e) <= labels, (q["panel"], labels_used(e) - labels)
                    # every label the legend names is on every series (else the legend shows it empty)
                    legend = set(re.findall(r"\{\{ *(\w+) *\}\}", q["legendFormat"]))
                    for series in result:
                        assert legend <= {k for k, _ in series}, (q["panel"], q["legendFormat"], series)
                    if any(f in e for f in POSITIVE):
                        assert any(v > 0 for v in result.values()), (setting, q["panel"], e, result)
            for v in variables:
                selector, label = re.fullmatch(r"label_values\((.*), *(\w+)\)", v["query"]).groups()
                listed = promql(prom, f"count by ({label}) ({substitute(selector, settings['all'])})")
                got = {dict(k).get(label, "") for k in listed}
                want = {"instance": f"127.0.0.1:{d.port}", "service": names[0]}.get(v["variable"], "")
                assert want in got, (v, got)
        finally:
            gc.kill()
            grower.kill()
