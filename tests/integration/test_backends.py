"""gotrace daemon against the back ends a fleet runs, real ones built by tests/build-backends.sh: an OpenTelemetry
Collector receiving OTLP/HTTP metrics and profiles (its file exporter writes what it received), and Parca storing
profiles and answering queries. What arrives is checked against the Go runtime's own accounting, against what
/metrics says, and against the pprof files the daemon writes (which `go tool pprof` reads)."""
import glob
import http.server
import os
import re
import signal
import subprocess
import threading
import time

from gotrace_harness import (Target, daemon, fixtures, free_port, http_get, otel_collector, parca_server,
                             private_copy, run_gotrace, series_value, wait_for)

GCLOAD = fixtures("gcload", ["default"])
HOTSPOTS = fixtures("hotspots", ["default"])
GO = "/usr/local/go/bin/go"

# The labels that name the process, as OTLP resource attributes (the rest are data point attributes).
RESOURCE = {"service": "service.name", "pid": "process.pid", "executable": "process.executable.name",
            "go_version": "process.runtime.version", "comm": "gotrace.comm", "cgroup": "gotrace.cgroup",
            "container_id": "container.id", "pod_uid": "k8s.pod.uid", "namespace": "k8s.namespace.name",
            "pod": "k8s.pod.name", "container": "k8s.container.name", "qos_class": "gotrace.k8s.qos_class"}
# gotrace's figures that OpenTelemetry's Go runtime conventions name.
SEMCONV = {"gotrace_go_gomemlimit_bytes": "go.memory.limit", "gotrace_go_heap_goal_bytes": "go.memory.gc.goal",
           "gotrace_go_gogc": "go.config.gogc", "gotrace_gomaxprocs": "go.processor.limit",
           "gotrace_goroutine_sched_delay_seconds": "go.schedule.duration"}
# The conventions leave a value out when it means "none": GOGC off (-1), GOMEMLIMIT unset (0), no GOGC goal (0).
SKIP_BELOW = {"gotrace_go_gogc": 0, "gotrace_go_gomemlimit_bytes": 1, "gotrace_go_heap_goal_bytes": 1}
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def any_value(v, strings):
    (kind, value), = v.items()
    return int(value) if kind == "intValue" else strings[value] if kind == "stringValueStrindex" else value


def attributes(attrs, strings=None):
    """{key: value}; keys and strings given as string table indexes (profiles) resolved in strings."""
    return {a["key"] if "key" in a else strings[a.get("keyStrindex", 0)]: any_value(a["value"], strings)
            for a in attrs or []}


def series_of(exposition, pid):
    """{(family, type): {frozen point labels: value or {le: cumulative, "sum": s, "count": n}}} of pid's series."""
    types, out = {}, {}
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            types[name] = kind
            continue
        m = SAMPLE.match(line)
        if not m or line.startswith("#"):
            continue
        name, labels, value = m.group(1), dict(LABEL.findall(m.group(2) or "")), float(m.group(3))
        if labels.get("pid") != str(pid):
            continue
        family = next(f for f in (name, re.sub(r"_(bucket|sum|count)$", "", name)) if f in types)
        point = frozenset((k, v) for k, v in labels.items() if k not in RESOURCE and k != "le")
        series = out.setdefault((family, types[family]), {})
        if types[family] != "histogram":
            series[point] = value
        else:
            h = series.setdefault(point, {})
            h[labels["le"] if name.endswith("_bucket") else name.rsplit("_", 1)[1]] = value
    return out


def resource_metrics(exports, pid):
    """The metrics of every export that carried process pid, in order: [({name: metric}, resource attributes)]."""
    out = []
    for request in exports:
        for rm in request["resourceMetrics"]:
            res = attributes(rm["resource"]["attributes"])
            if res.get("process.pid") == pid:
                out.append(({m["name"]: m for sm in rm["scopeMetrics"] for m in sm["metrics"]}, res))
    assert out, f"no OTLP export carried PID {pid}"
    return out


def values_of(carried, name):
    """Every value metric name (a sum of one point) had in the exports."""
    return {int(m[name]["sum"]["dataPoints"][0].get("asInt", 0)) for m, _ in carried if name in m}


def check_same_as_exposition(series, metrics):
    """Every series /metrics had for the process is in the OTLP metrics, with the same figures."""
    for (family, kind), points in series.items():
        name = SEMCONV.get(family, family)
        if family in SKIP_BELOW and all(v < SKIP_BELOW[family] for v in points.values()):
            assert name not in metrics, (name, points)
            continue
        assert name in metrics, (name, sorted(metrics))
        m = metrics[name]
        data = m.get("histogram") or m.get("sum") or m.get("gauge")
        got = {frozenset(attributes(p.get("attributes")).items()): p for p in data["dataPoints"]}
        assert set(got) == set(points), (name, set(got), set(points))
        for labels, want in points.items():
            p = got[labels]
            if kind == "histogram":
                counts = [int(c) for c in p["bucketCounts"]]
                cumulative = [sum(counts[:i + 1]) for i in range(len(counts))]
                bounds = p["explicitBounds"] + ["+Inf"]
                assert int(p["count"]) == want["count"] and abs(p.get("sum", 0) - want["sum"]) <= 1e-9, name
                for bound, c in zip(bounds, cumulative):
                    le = "+Inf" if bound == "+Inf" else next(k for k in want if k not in ("sum", "count")
                                                             and k != "+Inf" and float(k) == bound)
                    assert c == want[le], (name, le, c, want[le])
            else:
                value = float(p["asInt"]) if "asInt" in p else p.get("asDouble", 0.0)
                assert value == want, (name, labels, value, want)
            if kind == "counter" or name in SEMCONV.values():
                assert data["aggregationTemporality"] == 2, name     # cumulative
                assert int(p["startTimeUnixNano"]) <= int(p["timeUnixNano"]), name
        if kind == "counter":
            assert data.get("isMonotonic") is True, name


def test_otlp_metrics_are_what_metrics_serves_and_what_the_runtime_counted():
    """Programs of every toolchain run GC cycles under GOGC=50, GOMEMLIMIT=300MiB and GOMAXPROCS=2 while the daemon
    exports OTLP every second to a real Collector: each program is one resource (process.pid, service.name,
    process.runtime.version...), every series /metrics served for it after it exited is in the last export that
    carried it with the same figures, the per-cycle pause histogram counts the cycles its runtime counted and sums
    their MemStats.PauseNs, and the Go runtime conventions' metrics say what the program was given (GOGC off, as
    gcload sets it at its end, is left out as the conventions say)."""
    paths = [private_copy(fx, "o") for fx in GCLOAD]
    env = {"GOGC": "50", "GOMEMLIMIT": "300MiB", "GOMAXPROCS": "2"}
    with otel_collector() as col:
        with daemon(f"--otlp-endpoint={col.endpoint}", "--otlp-interval=1s", allow="gto*") as d:
            # -linger: the runtime's record of the last cycles is read before the process is gone (within 200 ms)
            targets = [Target(path, "-duration=2s", "-linger=1s", env=env) for path in paths]
            try:
                d.start_traced(targets)
                truths = [t.truth(timeout=60) for t in targets]
            finally:
                for t in targets:
                    t.kill()
            # once the exit is noticed the series are the kept copy of its end, which no render changes (before,
            # a scrape and an export render the living process at two moments: a cgroup's usage moves between)
            for t in targets:
                wait_for(lambda: d.exit_noticed(t.pid), what=f"PID {t.pid}'s exit noticed")
            final = d.metrics()[2]
            wait_for(lambda: 'gotrace_daemon_otlp_exports_total{signal="metrics"} ' in d.metrics()[2],
                     what="exports")
            assert d.stop() == 0
        exports = wait_for(lambda: col.received("metrics"), what="metrics received")
    assert "OTLP metrics not sent" not in d.logs(), d.logs()
    for fx, t, truth in zip(GCLOAD, targets, truths):
        carried = resource_metrics(exports, t.pid)
        metrics, res = carried[-1]
        assert res["service.name"] == os.path.basename(t.proc.args[0]) and res["process.runtime.name"] == "go"
        assert res["process.runtime.version"] == fx.goversion and res["host.name"], res
        series = series_of(final, t.pid)
        assert series, f"/metrics has no series of PID {t.pid}"
        check_same_as_exposition(series, metrics)
        pauses = metrics["gotrace_gc_cycle_pause_seconds"]["histogram"]["dataPoints"][0]
        assert int(pauses["count"]) == truth["gc_cycles"] > 0, (pauses["count"], truth["gc_cycles"])
        want = sum(truth["cycle_pause_ns"].values())
        assert abs(pauses["sum"] * 1e9 - want) < 1 + want * 1e-12, (pauses["sum"], want)
        # gcload turns GC off (SetGCPercent(-1)) around its window and at its end: then the point is left out
        assert values_of(carried, "go.config.gogc") == {50}, values_of(carried, "go.config.gogc")
        assert values_of(carried, "go.memory.limit") == {300 << 20}
        assert values_of(carried, "go.processor.limit") == {2}, values_of(carried, "go.processor.limit")
        assert min(values_of(carried, "go.memory.gc.goal")) > 0, values_of(carried, "go.memory.gc.goal")
        assert "gotrace_go_heap_live_bytes" in metrics
        assert metrics["go.memory.limit"]["unit"] == "By" and metrics["go.schedule.duration"]["unit"] == "s"
    own = [rm for e in exports for rm in e["resourceMetrics"]
           if attributes(rm["resource"]["attributes"]).get("service.name") == "gotrace"]
    assert own and attributes(own[-1]["resource"]["attributes"])["process.pid"] == d.proc.pid


def cpu_ns_in_files(files):
    """The cpu nanoseconds of every sample in the pprof files, as `go tool pprof -raw` reads them."""
    total = 0
    for f in files:
        raw = subprocess.run([GO, "tool", "pprof", "-raw", f], capture_output=True, text=True)
        assert raw.returncode == 0, raw.stderr
        assert raw.stdout.count("samples/count cpu/nanoseconds") == 1, raw.stdout[:500]
        total += sum(int(m.group(2)) for m in re.finditer(r"^\s+(\d+)\s+(\d+): ", raw.stdout, re.M))
    return total


def burn(d, path, seconds):
    """A hotspots process burning CPU in main.hotSpin for seconds, traced by d; its PID once it exited."""
    t = Target(path, "-mode=cpu", f"-duration={seconds}s", "-workers=1")
    try:
        wait_for(lambda: d.traces(t.pid), what=f"PID {t.pid} traced")
        t.start()
        t.truth(timeout=60)
        wait_for(lambda: d.exit_noticed(t.pid), what=f"PID {t.pid}'s exit noticed")
    finally:
        t.kill()
    return t.pid


def otlp_profiles_of(exports, pid):
    """(sample type, unit, value, leaf-to-root function names) of every sample of pid's profiles."""
    out = []
    for request in exports:
        dic = request["dictionary"]
        strings = dic["stringTable"]
        for rp in request["resourceProfiles"]:
            if attributes(rp["resource"].get("attributes"), strings).get("process.pid") != pid:
                continue
            for sp in rp["scopeProfiles"]:
                assert sp["scope"]["name"] == "gotrace"
                for p in sp["profiles"]:
                    st = p["sampleType"]
                    for s in p["samples"]:
                        stack = dic["stackTable"][s["stackIndex"]]["locationIndices"]
                        names = [strings[dic["functionTable"][ln["functionIndex"]].get("nameStrindex", 0)]
                                 for i in stack for ln in dic["locationTable"][i].get("lines", [])]
                        out.append((strings[st["typeStrindex"]], strings[st["unitStrindex"]],
                                    int(s["values"][0]), names))
    return out


def test_otlp_profiles_carry_what_the_profile_files_hold():
    """A program burns CPU while the daemon sends its profiles over OTLP to a real Collector (the profiles signal,
    alpha, turned on) every 2 s and at its exit: the CPU nanoseconds received for its resource add up to those of the
    pprof files the daemon wrote for it (read by `go tool pprof`), and its stacks name main.hotSpin."""
    path = private_copy(HOTSPOTS[-1], "q")
    with otel_collector() as col:
        with daemon(f"--otlp-endpoint={col.endpoint}", "--otlp-signals=profiles", "--profile-interval=2s",
                    allow="gtq*") as d:
            pid = burn(d, path, 3)
            assert d.stop() == 0
        files = glob.glob(os.path.join(d.profiles, f"*-{pid}-cpu-*.pb.gz"))
        exports = wait_for(lambda: col.received("profiles"), what="profiles received")
    assert col.received("metrics") == [], "otlp-signals=profiles sends no metrics"
    samples = otlp_profiles_of(exports, pid)
    cpu = [s for s in samples if s[:2] == ("cpu", "nanoseconds")]
    counts = [s for s in samples if s[:2] == ("samples", "count")]
    assert cpu and len(cpu) == len(counts), (len(cpu), len(counts))
    assert sum(s[2] for s in cpu) == cpu_ns_in_files(files) > 0
    assert any("main.hotSpin" in s[3] for s in cpu), [s[3] for s in cpu[:5]]


def parca_query(url, path, **params):
    import json
    import urllib.parse
    return json.loads(http_get(f"{url}{path}?{urllib.parse.urlencode(params)}", timeout=30)[2])


def test_parca_stores_the_profiles_and_answers_for_them():
    """The daemon pushes each profile to a real Parca (its HTTP write API): Parca lists the CPU profile types, the
    process's PID as a label value, and its merged CPU time for that PID is the CPU nanoseconds of the pprof files
    the daemon wrote (`go tool pprof`), with main.hotSpin among its functions."""
    path = private_copy(HOTSPOTS[-1], "r")
    cpu_type = "process_cpu:cpu:nanoseconds:cpu:nanoseconds:delta"
    with parca_server() as parca:
        with daemon(f"--parca-url={parca}", "--profile-interval=2s", allow="gtr*") as d:
            pid = burn(d, path, 3)
            assert d.stop() == 0
        files = glob.glob(os.path.join(d.profiles, f"*-{pid}-cpu-*.pb.gz"))
        assert d.logs().count("to Parca") == 0, d.logs()
        types = parca_query(parca, "/api/profiles/types")["types"]
        assert {"name": "process_cpu", "sampleType": "cpu", "sampleUnit": "nanoseconds", "periodType": "cpu",
                "periodUnit": "nanoseconds", "delta": True} in types, types
        values = parca_query(parca, "/api/profiles/labels/pid/values", profile_type=cpu_type)["labelValues"]
        assert str(pid) in values, values

        def merged():
            return parca_query(parca, "/api/profiles/query", mode="MODE_MERGE", reportType="REPORT_TYPE_TOP",
                               **{"merge.query": f'{cpu_type}{{pid="{pid}"}}', "merge.start": "2020-01-01T00:00:00Z",
                                  "merge.end": "2100-01-01T00:00:00Z"})
        want = cpu_ns_in_files(files)
        answer = merged()
        assert int(answer["total"]) == want, (answer["total"], want)
        names = {(e["meta"].get("function") or {}).get("name") for e in answer["top"]["list"]}
        assert "main.hotSpin" in names, sorted(n for n in names if n)[:20]


def test_a_receiver_that_is_down_costs_nothing_but_counted_failures():
    """OTLP to a port nobody listens on: the daemon runs on, serves /metrics, and counts (and logs) the failures;
    the log lines name the receiver without the password its URL carries."""
    port = free_port()
    with daemon(f"--otlp-endpoint=http://gotrace:s3cret@127.0.0.1:{port}", "--otlp-interval=1s", allow="none") as d:
        wait_for(lambda: re.search(r'gotrace_daemon_otlp_export_failures_total\{signal="metrics"\} [1-9]',
                                   d.metrics()[2]), what="a counted failure")
        assert d.healthy()
    assert f"OTLP metrics not sent to http://127.0.0.1:{port}/v1/metrics" in d.logs()
    assert "s3cret" not in d.logs()


class SlowReceiver:
    """An OTLP/HTTP receiver that answers each request after `delay` seconds (a Collector under load; the real one
    cannot be made slow on demand), counting what it received."""

    def __init__(self, delay):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(delay)
                received.append((self.path, len(body)))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_a_slow_receiver_holds_up_nothing():
    """A receiver that takes 1.5 s to answer each export, sent every 2 s: a daemon that waited for it would be
    blocked three quarters of the time; it does not wait. Programs of every toolchain run hundreds of GC cycles a
    second meanwhile and exit 800 ms after their last: every cycle is counted, none unread; a scrape during the run
    is rendered for it (not the last rendering served after a 2 s wait); on SIGTERM the export still queued is sent
    before the daemon exits, within its 5 s drain (the receiver keeps up, so at most two wait)."""
    receiver = SlowReceiver(1.5)
    paths = [private_copy(fx, "w") for fx in GCLOAD]
    try:
        with daemon(f"--otlp-endpoint={receiver.endpoint}", "--otlp-interval=2s", allow="gtw*") as d:
            targets = [Target(path, "-duration=2s", "-linger=800ms", env={"GOGC": "50"}) for path in paths]
            try:
                d.start_traced(targets)
                time.sleep(1)
                renders = d.metric("gotrace_daemon_metrics_renders_total")
                time.sleep(0.3)     # past the 250 ms in which scrapes share a rendering
                started = time.monotonic()
                during = d.metrics()[2]
                scrape_s = time.monotonic() - started
                assert f"gotrace_daemon_metrics_renders_total {renders + 1:g}\n" in during, "an old rendering"
                truths = [t.truth(timeout=60) for t in targets]
                for t in targets:
                    wait_for(lambda: d.exit_noticed(t.pid), what=f"PID {t.pid}'s exit noticed")
                body = d.metrics()[2]
            finally:
                for t in targets:
                    t.kill()
            queued = len(receiver.received)
            started = time.monotonic()
            assert d.stop() == 0
            stop_s = time.monotonic() - started
    finally:
        receiver.close()
    assert scrape_s < 1.0, scrape_s
    for t, truth in zip(targets, truths):
        assert series_value(body, "gotrace_gc_cycles_unread_total", t.pid) == 0
        assert series_value(body, "gotrace_gc_cycle_pause_seconds_count", t.pid) == truth["gc_cycles"]
    assert len(receiver.received) > queued, "the exports queued at the stop were not sent"
    assert stop_s < 5 + 1.5 + 2, stop_s
    assert "not sent" not in d.logs(), d.logs()


def test_otlp_and_parca_settings_are_checked():
    for args, why in [(["--otlp-endpoint=ftp://x"], "must start with http:// or https://"),
                      (["--otlp-signals=traces"], "a comma-separated list of metrics and profiles"),
                      (["--otlp-interval=500ms"], "must be from 1s to 1d"),
                      (["--parca-url=http://h/?q"], "must not have a query or fragment")]:
        code, out, err = run_gotrace("daemon", *args)
        assert code == 2 and why in err and len(err.strip().splitlines()) == 1, (args, code, err)
