"""gotrace daemon against the systems it feeds: a real Prometheus server scraping /metrics while Go programs
start and stop, `go tool pprof` reading every profile it writes, a Pyroscope-compatible receiver, and a churn of
hundreds of short-lived processes that must leave no file descriptor, BPF object or memory behind."""
import contextlib
import glob
import gzip
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from gotrace_harness import (GOTRACE, MemoryCgroup, Target, bpf_entries_keyed_by, bpf_hash_entries, daemon, fd_kinds,
                             fixtures, free_port, http_get, private_copy, prometheus_server, promql, run_gotrace,
                             series_value, wait_for)

GCLOAD = fixtures("gcload", ["default"])
HOTSPOTS = fixtures("hotspots", ["default"])
MEMLOAD = fixtures("memload", ["default"])
GO = "/usr/local/go/bin/go"


@pytest.mark.parametrize("source", ["memstats", "probes"])
def test_prometheus_scrapes_programs_as_they_come_and_go(source):
    """Two Go programs (each toolchain) start, run GC cycles and exit while Prometheus scrapes the daemon: their
    series appear, PromQL over the scraped per-cycle pause histogram counts exactly the cycles each program's own
    runtime counted, its sum is their MemStats.PauseNs to the nanosecond, and after they exit their series go stale.
    With gc-source = probes the per-stop histogram counts one mark termination per cycle too; with the default
    (memstats) no uprobe is hit."""
    paths = [private_copy(fx, "p") for fx in GCLOAD]
    with daemon(f"--gc-source={source}", allow="gtp*") as d, prometheus_server(d.port) as prom:
        targets = [Target(path, "-duration=2s", "-linger=3s") for path in paths]
        try:
            d.start_traced(targets)
            truths = [t.truth(timeout=60) for t in targets]
            hits = d.metric("gotrace_daemon_probe_hits_total")
        finally:
            for t in targets:
                t.kill()
        time.sleep(3)   # a few more scrapes, then the exit makes the series stale
        assert (hits == 0) == (source == "memstats"), hits
        for t, truth in zip(targets, truths):
            q = f'max_over_time(gotrace_gc_cycle_pause_seconds_count{{pid="{t.pid}"}}[5m])'
            got = promql(prom, q)
            assert list(got.values()) == [truth["gc_cycles"]], (q, got, truth["gc_cycles"])
            q = f'max_over_time(gotrace_gc_cycle_pause_seconds_sum{{pid="{t.pid}"}}[5m])'
            want = sum(truth["cycle_pause_ns"].values())
            assert abs(list(promql(prom, q).values())[0] * 1e9 - want) < 1 + want * 1e-12, q
            if source == "probes":
                q = f'max_over_time(gotrace_gc_pause_seconds_count{{pid="{t.pid}",reason="gc_mark_termination"}}[5m])'
                assert list(promql(prom, q).values()) == [truth["gc_cycles"]], q
            assert promql(prom, f'gotrace_gc_cycles_total{{pid="{t.pid}"}}') == {}, "series must go stale"
        status, ctype, body = d.metrics()
        assert status == 200 and ctype.startswith("text/plain; version=0.0.4")
        check = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr


def test_profiles_open_in_pprof_and_retention_keeps_the_newest():
    path = private_copy(GCLOAD[-1], "r")
    with daemon("--profile-interval=1s", "--retention-count=3", allow=os.path.basename(path)) as d:
        t = Target(path, "-duration=0")
        try:
            wait_for(lambda: d.traces(t.pid), what="traced")
            t.start()
            seen = set()
            deadline = time.time() + 8
            while time.time() < deadline:
                files = set(glob.glob(os.path.join(d.profiles, "*.pb.gz")))
                assert len(files) <= 3
                seen |= files
                time.sleep(0.3)
        finally:
            t.kill()
    # The process's exit and then the daemon's stop write a last profile each, after the loop's last look.
    kept = glob.glob(os.path.join(d.profiles, "*.pb.gz"))
    seen |= set(kept)
    by_time = lambda f: f.rsplit("-", 1)[1]   # NAME-PID-TYPE-TIME.pb.gz
    assert len(seen) > 4, "several intervals should have produced files"
    assert set(kept) == set(sorted(seen, key=by_time)[-len(kept):]), "retention deletes the oldest first"
    assert oct(os.stat(d.profiles).st_mode & 0o777) == "0o750"
    for f in kept:
        p = subprocess.run([GO, "tool", "pprof", "-top", f], capture_output=True, text=True)
        assert p.returncode == 0 and "Type: cpu" in p.stdout, p.stderr
        assert os.path.basename(f).startswith(os.path.basename(path))


def test_sigterm_flushes_and_leaves_no_partial_file():
    path = private_copy(GCLOAD[-1], "s")
    with daemon("--profile-interval=1h", allow=os.path.basename(path)) as d:
        t = Target(path, "-duration=0")
        try:
            wait_for(lambda: d.traces(t.pid), what="traced")
            t.start()
            time.sleep(2)
            assert d.stop() == 0
        finally:
            t.kill()
    files = os.listdir(d.profiles)
    assert files and all(f.endswith(".pb.gz") and not f.startswith(".") for f in files), files
    for f in files:
        assert gzip.decompress(Path(d.profiles, f).read_bytes())
    assert "profiles flushed" in d.logs()
    for line in d.logs().splitlines():   # structured logs: one JSON object per line
        assert {"time", "level", "msg"} <= set(json.loads(line))


def test_sighup_reload_applies_new_rules(tmp_path):
    conf = tmp_path / "daemon.conf"
    path = private_copy(GCLOAD[-1], "h")
    conf.write_text("profile-interval = 1h\n")
    with daemon(f"--config={conf}", allow=os.path.basename(path)) as d:
        t = Target(path, "-duration=0")
        try:
            wait_for(lambda: d.traces(t.pid), what="traced")
            conf.write_text(f"deny-exe = {os.path.basename(path)}\n")
            d.proc.send_signal(signal.SIGHUP)
            # Scraped all through the reload: the same listen address keeps its server (no refused connection).
            wait_for(lambda: not d.traces(t.pid), what="dropped after reload")
            assert "configuration reloaded" in d.logs()
            assert d.logs().count("serving /metrics") == 1
        finally:
            t.kill()


def test_a_process_dropped_and_admitted_again_starts_afresh(tmp_path):
    """A reload drops a busy process (deny-exe) and the next admits it again. The scheduler's programs keep each
    thread's state by thread id until its next switch: a thread left runnable at the drop must not have its wait
    taken as begun then (the attach generation, bpf/events.bpf.h), so no run-queue delay of the new attach reaches
    back over the 3 s the process was not traced (16 Ps on 2 CPUs keep threads runnable at any moment). And while
    it is not traced, nothing of it is left in the daemon's maps: a program that had passed its targets check when
    the process left may write after the capabilities' sweep, unless the drop waits for it (event_bus.c)."""
    conf = tmp_path / "daemon.conf"
    path = private_copy(GCLOAD[-1], "r")
    name = os.path.basename(path)
    conf.write_text("profile-interval = 1h\n")
    with daemon(f"--config={conf}", allow=name) as d:
        t = Target(path, "-duration=0", "-workers=16", env={"GOMAXPROCS": "16"})
        try:
            t.start()
            wait_for(lambda: d.traces(t.pid), what="traced")
            time.sleep(1)
            conf.write_text(f"profile-interval = 1h\ndeny-exe = {name}\n")
            d.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: not d.traces(t.pid), what="dropped after a reload")
            time.sleep(3)
            left = bpf_entries_keyed_by(d.proc.pid, t.pid)
            conf.write_text("profile-interval = 1h\n")
            d.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: d.traces(t.pid), what="traced again after the next")
            time.sleep(2)
            exposition = d.metrics()[2]
        finally:
            t.kill()
    waits = series_value(exposition, "gotrace_thread_runqueue_delay_seconds_count", t.pid)
    buckets = {float(le): float(v) for le, v in re.findall(
        rf'^gotrace_thread_runqueue_delay_seconds_bucket{{[^}}]*pid="{t.pid}"[^}}]*le="([^"]+)"[^}}]*}} (\S+)$',
        exposition, re.M)}
    within_a_second = max(v for le, v in buckets.items() if le <= 1.0)
    assert waits > 1000 and within_a_second == waits, f"{waits} waits, {within_a_second} within a second: {buckets}"
    assert not left, f"entries keyed by the dropped process in the daemon's maps 3 s after the drop: {left}"


def test_processes_of_one_binary_cost_no_resident_copy_each():
    """Eight processes of one executable, each traced with its own open copy of the binary: once attached, the
    daemon gives the pages it read back (they stay in the page cache), so its resident memory holds at most one
    file's worth of that binary, not one per process (before: about 4 MiB each, the DWARF and code it read)."""
    path = private_copy(GCLOAD[-1], "b")
    with daemon("--profile-interval=1h", allow=os.path.basename(path)) as d:
        targets = [Target(path, "-duration=0") for _ in range(8)]
        try:
            for t in targets:
                wait_for(lambda: d.traces(t.pid), what="traced")
            resident_kib = 0
            for line in Path(f"/proc/{d.proc.pid}/smaps").read_text().splitlines():
                if line.endswith(path):
                    mapping = True
                elif re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                    mapping = False
                elif line.startswith("Rss:") and mapping:
                    resident_kib += int(line.split()[1])
        finally:
            for t in targets:
                t.kill()
    assert resident_kib * 1024 <= os.path.getsize(path), (resident_kib, os.path.getsize(path))


def test_reload_to_an_address_it_cannot_serve_is_refused(tmp_path):
    """listen is moved by SIGHUP: to an address this machine does not have, the reload is refused whole and the
    running server stays (scraped right after); to a free port, the new server is up and the old one gone; to
    the same port on every interface, which overlaps the running server, too."""
    conf = tmp_path / "daemon.conf"
    old, new = free_port(), free_port()
    conf.write_text(f"listen = 127.0.0.1:{old}\nprofile-dir = none\nallow-exe = nothing-matches\n")
    log = tmp_path / "log"
    with open(log, "w") as err:
        p = subprocess.Popen([str(GOTRACE), "daemon", f"--config={conf}"], stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_for(lambda: "serving /metrics" in log.read_text(), what="serving")
        conf.write_text(f"listen = 192.0.2.1:{new}\nprofile-dir = none\nallow-exe = nothing-matches\n")
        p.send_signal(signal.SIGHUP)
        wait_for(lambda: "reload refused" in log.read_text(), what="the refusal")
        assert "cannot listen on 192.0.2.1" in log.read_text(), log.read_text()
        assert http_get(f"http://127.0.0.1:{old}/healthz")[0] == 200
        conf.write_text(f"listen = 127.0.0.1:{new}\nprofile-dir = none\nallow-exe = nothing-matches\n")
        p.send_signal(signal.SIGHUP)
        wait_for(lambda: "configuration reloaded" in log.read_text(), what="the reload")
        assert http_get(f"http://127.0.0.1:{new}/healthz")[0] == 200
        with pytest.raises(OSError):
            http_get(f"http://127.0.0.1:{old}/healthz", timeout=2)
        # every interface, same port: it overlaps the running server, bound only once that one is closed
        conf.write_text(f"listen = :{new}\nprofile-dir = none\nallow-exe = nothing-matches\n")
        p.send_signal(signal.SIGHUP)
        wait_for(lambda: log.read_text().count("configuration reloaded") == 2, what="the second reload")
        assert f"serving /metrics and /healthz on :{new}" in log.read_text(), log.read_text()
        assert http_get(f"http://127.0.0.1:{new}/healthz")[0] == 200
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=20) == 0, log.read_text()


def test_binds_loopback_by_default():
    assert "127.0.0.1:9465" in subprocess.run([str(GOTRACE), "daemon", "--help"], capture_output=True,
                                              text=True).stdout


class Ingest(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Ingest.received.append((self.path, self.headers.get("Content-Type"), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_pushes_profiles_to_a_pyroscope_compatible_ingest(tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), Ingest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        path = private_copy(GCLOAD[-1], "y")
        with daemon("--profile-interval=1s", f"--pyroscope-url={url}", allow=os.path.basename(path)) as d:
            t = Target(path, "-duration=0")
            try:
                wait_for(lambda: d.traces(t.pid), what="traced")
                t.start()
                wait_for(lambda: Ingest.received, what="a push")
            finally:
                t.kill()
    finally:
        server.shutdown()
    request, ctype, body = Ingest.received[0]
    query = urllib.parse.parse_qs(urllib.parse.urlparse(request).query)
    assert urllib.parse.urlparse(request).path == "/ingest" and query["format"] == ["pprof"]
    assert query["name"][0].startswith(os.path.basename(path) + "{") and f'pid={t.pid}' in query["name"][0]
    boundary = ctype.split("boundary=")[1].encode()
    part = body.split(b"--" + boundary)[1]
    pprof = part.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n", 1)[0]
    f = tmp_path / "pushed.pb.gz"
    f.write_bytes(pprof)
    p = subprocess.run([GO, "tool", "pprof", "-top", str(f)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


# ---- a process's end: its last profile, its last series ----

def cpu_seconds(pid):
    """CPU time the process has used (utime + stime from /proc/PID/stat), 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def burning(path, d, duration):
    """A hotspots process burning CPU in main.hotSpin for duration, traced by the daemon d."""
    t = Target(path, "-mode=cpu", f"-duration={duration}", "-workers=1")
    wait_for(lambda: d.traces(t.pid), what=f"PID {t.pid} traced")
    t.start()
    return t


def burnt(t):
    """Once t has used half a second of CPU: the profiler has sampled it, however loaded the machine."""
    wait_for(lambda: cpu_seconds(t.pid) >= 0.5, timeout=120, what=f"PID {t.pid} burning CPU")
    return t


def per_thread_entries(pid):
    """Entries of the daemon's per-thread BPF maps: the scheduler's threads, the calls in progress of waits."""
    entries = bpf_hash_entries(pid)
    return {name: entries.get(name, 0) for name in ("threads", "inflight")}


def profile_files_of(d, pid):
    return glob.glob(os.path.join(d.profiles, f"*-{pid}-cpu-*.pb.gz"))


def check_profile_of(files, pid):
    """The files hold samples of pid, symbolized (main.hotSpin), which go tool pprof reads."""
    assert files, f"no profile of PID {pid}"
    for f in files:
        raw = subprocess.run([GO, "tool", "pprof", "-raw", f], capture_output=True, text=True)
        assert raw.returncode == 0, raw.stderr
        assert f"pid:[{pid}]" in raw.stdout, raw.stdout[:2000]
        top = subprocess.run([GO, "tool", "pprof", "-top", f], capture_output=True, text=True)
        assert top.returncode == 0 and "main.hotSpin" in top.stdout, top.stdout + top.stderr


@pytest.mark.parametrize("how", ["exits", "sigkill"])
def test_a_process_that_ends_leaves_its_last_profile(how):
    """With an interval of an hour, a process that exits by itself, or is killed, still gets its profile at once,
    symbolized although its binary is no longer mapped anywhere."""
    path = private_copy(HOTSPOTS[-1], "x")
    with daemon("--profile-interval=1h", allow=os.path.basename(path)) as d:
        t = burning(path, d, "2s" if how == "exits" else "1h")
        try:
            if how == "exits":
                assert t.truth()["process_cpu_ns"] > 0
            else:
                burnt(t).proc.kill()
                t.proc.wait()
            wait_for(lambda: d.exit_noticed(t.pid, os.path.basename(path)), timeout=30,
                     what="the exit noticed")
            files = wait_for(lambda: profile_files_of(d, t.pid), timeout=30, what="the last profile")
            assert d.proc.poll() is None, "written while the daemon runs, not at its stop"
        finally:
            t.kill()
    check_profile_of(files, t.pid)
    assert len(profile_files_of(d, t.pid)) == 1, "one profile: nothing left for the stop"


def test_sigterm_writes_profiles_of_processes_that_just_exited():
    """Two processes killed just before the daemon's SIGTERM (their exits noticed or not) and one alive: each
    leaves its profile."""
    path = private_copy(HOTSPOTS[-1], "z")
    with daemon("--profile-interval=1h", allow=os.path.basename(path)) as d:
        targets = [burning(path, d, "1h") for _ in range(3)]
        try:
            for t in targets:
                burnt(t)
            for t in targets[:2]:
                t.proc.kill()
            assert d.stop() == 0
        finally:
            for t in targets:
                t.kill()
    for t in targets:
        check_profile_of(profile_files_of(d, t.pid), t.pid)


def test_the_last_profile_of_an_exiting_process_is_pushed(tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), Ingest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    Ingest.received = []
    try:
        path = private_copy(HOTSPOTS[-1], "w")
        with daemon("--profile-interval=1h", f"--pyroscope-url={url}", allow=os.path.basename(path)) as d:
            t = burning(path, d, "2s")
            try:
                t.truth()
                wait_for(lambda: Ingest.received, timeout=30, what="a push")
            finally:
                t.kill()
    finally:
        server.shutdown()
    request, ctype, body = Ingest.received[0]
    name = urllib.parse.parse_qs(urllib.parse.urlparse(request).query)["name"][0]
    assert f"pid={t.pid}" in name, name
    boundary = ctype.split("boundary=")[1].encode()
    f = tmp_path / "pushed.pb.gz"
    f.write_bytes(body.split(b"--" + boundary)[1].split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n", 1)[0])
    check_profile_of([str(f)], t.pid)


def test_series_of_an_exited_process_stay_for_one_scrape():
    """The first scrape of what the daemon rendered after noticing the exit still has the process's series
    (valid exposition, merged family by family with the living ones'); once scraped they go."""
    path = private_copy(GCLOAD[-1], "k")
    with daemon(allow=os.path.basename(path)) as d:
        t = Target(path, "-duration=1s")
        try:
            wait_for(lambda: d.traces(t.pid), what="traced")
            t.start()
            t.truth()
            wait_for(lambda: d.exit_noticed(t.pid, os.path.basename(path)), timeout=30, what="the exit noticed")
            # Scrapes until the first rendering that no longer traces it (one rendered before may be served
            # first): that one still has its series.
            body = wait_for(lambda: (lambda b: "gotrace_daemon_targets 0" in b and b)(d.metrics()[2]),
                            timeout=30, interval=0.05, what="a rendering after the exit")
        finally:
            t.kill()
        assert f'gotrace_gc_cycles_total{{pid="{t.pid}"' in body
        assert "gotrace_daemon_process_exits_total 1" in body
        check = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        wait_for(lambda: not d.traces(t.pid), timeout=30, what="the series gone after a scrape")


def test_the_last_cycles_of_a_program_that_exits_soon_after_are_counted():
    """Programs of every toolchain run GC cycles for 2 s (GOGC=50: hundreds a second), stop collecting and exit
    800 ms later, with no scrape meanwhile (a render reads every record): the daemon, which reads a busy program's
    record when 64 cycles wait or one has waited a second, reads it at the first poll that finds no new cycle
    (within 200 ms), so the kept series count every cycle the runtime counted and sum their MemStats.PauseNs, with
    none unread. (With the one-second rule alone the read would come 0.8-1.1 s after the last cycle: too late.)"""
    paths = [private_copy(fx, "x") for fx in GCLOAD]
    with daemon(allow="gtx*") as d:
        targets = [Target(path, "-duration=2s", "-linger=800ms", env={"GOGC": "50"}) for path in paths]
        try:
            d.start_traced(targets)
            truths = [t.truth(timeout=60) for t in targets]
            for t in targets:
                wait_for(lambda: d.exit_noticed(t.pid), timeout=30, what=f"PID {t.pid}'s exit noticed")
            body = d.metrics()[2]
        finally:
            for t in targets:
                t.kill()
    for t, truth in zip(targets, truths):
        assert series_value(body, "gotrace_gc_cycles_unread_total", t.pid) == 0
        count = series_value(body, "gotrace_gc_cycle_pause_seconds_count", t.pid)
        assert count == truth["gc_cycles"] > 100, (count, truth["gc_cycles"])
        want = sum(truth["cycle_pause_ns"].values())
        assert abs(series_value(body, "gotrace_gc_cycle_pause_seconds_sum", t.pid) * 1e9 - want) < 1 + want * 1e-12


def test_metrics_are_rendered_for_each_scrape_and_only_then():
    """Nobody scrapes for 3 s: nothing is rendered (the daemon does no per-second work for /metrics). A scrape gets
    figures rendered for it: a GC cycle count read right after the program reported it is already there."""
    path = private_copy(GCLOAD[-1], "m")
    with daemon(allow=os.path.basename(path)) as d:
        t = Target(path, "-duration=1s", "-linger=10s")
        try:
            wait_for(lambda: d.traces(t.pid), what="traced")
            before = d.metric("gotrace_daemon_metrics_renders_total")
            time.sleep(3)
            assert d.metric("gotrace_daemon_metrics_renders_total") == before + 1
            t.start()
            truth = json.loads(t.proc.stdout.readline())   # its report; it lingers, traced
            time.sleep(0.3)     # the runtime's record is read every 100 ms
            m = re.search(rf'^gotrace_gc_cycles_total{{[^}}]*pid="{t.pid}"[^}}]*}} (\S+)$', d.metrics()[2], re.M)
            assert m and float(m.group(1)) == truth["gc_cycles"], (m and m.group(0), truth["gc_cycles"])
        finally:
            t.kill()


def test_a_scrape_while_the_daemon_starts_is_rendered_once():
    """A scrape sent as soon as the port answers waits for the start-up's render, which serves it; no second render
    follows for it. (Its request used to stay queued and render once more, so that the next scrape after a quiet
    second counted three renders: test_metrics_are_rendered_for_each_scrape_and_only_then failed so in CI.) Three
    programs already running make the start-up's scan long enough for the scrape to arrive before its render."""
    paths = [private_copy(GCLOAD[-1], f"s{i}") for i in range(3)]
    targets = [Target(path, "-duration=1s", "-linger=10s") for path in paths]

    def renders():
        try:
            return d.metric("gotrace_daemon_metrics_renders_total")
        except OSError:
            assert d.proc.poll() is None, "the daemon exited"
            return None

    try:
        with daemon(allow="gts*", wait_healthy=False) as d:
            first = wait_for(renders, interval=0.01, what="the daemon's first /metrics")
            time.sleep(1.5)     # longer than a render stays fresh (250 ms)
            assert renders() == first + 1
    finally:
        for t in targets:
            t.kill()


def test_exec_events_find_processes_and_proc_scans_stay_rare():
    """With the kernel's exec and exit events, a program started after the daemon is traced within seconds of its
    exec (the next scan is 30 s away) and seen gone at its exit, with no /proc scan besides the one at start: the
    default scan-interval is a safety net (a scan of every /proc entry each second was 15% of the daemon's CPU)."""
    path = private_copy(GCLOAD[-1], "e")
    with daemon(allow=os.path.basename(path)) as d:
        t = Target(path, "-duration=100ms")
        try:
            wait_for(lambda: d.traces(t.pid), timeout=5, interval=0.05, what="traced soon after its exec")
            t.start()
            t.proc.wait(timeout=30)
            wait_for(lambda: d.metric("gotrace_daemon_process_exits_total") == 1, timeout=5, what="its exit")
        finally:
            t.kill()
        time.sleep(1)
        assert d.metric("gotrace_daemon_scans_total") == 1
        assert d.metric("gotrace_daemon_events_lost_total") == 0


def test_capabilities_choose_what_runs_in_every_process():
    """capabilities = gc,goroutines,cgroup,memory: the GC figures are there (every cycle the program counted), the
    scheduler's are not, and no tracepoint or uprobe is attached for the processes (gotrace_daemon_probes 0). The
    process's descriptors and RLIMIT_NOFILE as /proc shows them at the scrape."""
    path = private_copy(GCLOAD[-1], "q")
    with daemon("--capabilities=gc,goroutines,cgroup,memory", allow=os.path.basename(path)) as d:
        t = Target(path, "-duration=1s", "-linger=10s")
        try:
            wait_for(lambda: d.traces(t.pid), what="traced")
            t.start()
            truth = json.loads(t.proc.stdout.readline())   # its report; it lingers, traced
            time.sleep(0.3)     # the runtime's record is read every 100 ms
            body = d.metrics()[2]
            fds = len(os.listdir(f"/proc/{t.pid}/fd"))
            soft = int(re.search(r"^Max open files +(\d+)", Path(f"/proc/{t.pid}/limits").read_text(), re.M).group(1))
        finally:
            t.kill()

        def sample(family, extra=""):
            m = re.search(rf'^{family}{{[^}}]*pid="{t.pid}"[^}}]*{extra}[^}}]*}} (\S+)$', body, re.M)
            return m and float(m.group(1))
        assert sample("gotrace_gc_cycles_total") == truth["gc_cycles"], body
        assert f'gotrace_go_heap_goal_bytes{{pid="{t.pid}"' in body
        assert sample("gotrace_process_open_fds") == fds and sample("gotrace_process_max_fds") == soft
        assert sample("gotrace_process_emfile_errors_total", 'call="open"') == 0
        assert "gotrace_thread_runqueue_delay_seconds" not in body
        assert re.search(r"^gotrace_daemon_probes 0$", body, re.M), d.logs()


def test_series_of_an_exited_process_go_after_one_profile_interval_unscraped():
    path = private_copy(GCLOAD[-1], "u")
    """Nobody scrapes after the exit: the series go after one profile interval all the same (-v logs it)."""
    with daemon("--profile-interval=1s", "-v", allow=os.path.basename(path)) as d:
        t = Target(path, "-duration=1s")
        try:
            wait_for(lambda: d.traces(t.pid), what="traced")
            t.start()
            t.truth()
            wait_for(lambda: f"PID {t.pid}: its last series leave /metrics (not scraped in time)" in d.logs(),
                     timeout=30, what="the series dropped unscraped")
        finally:
            t.kill()
        assert d.exit_noticed(t.pid, os.path.basename(path))
        wait_for(lambda: not d.traces(t.pid), timeout=10, what="the series gone")


def resources(pid):
    nfds, kinds = fd_kinds(pid)
    # Anonymous memory only: the pages of mapped Go binaries (RssFile) grow as more of their pclntab is read, up
    # to the binaries' size, and are page cache the kernel can take back; a leak shows in the heap.
    status = Path(f"/proc/{pid}/status").read_text()
    rss_anon = int(re.search(r"RssAnon:\s+(\d+) kB", status).group(1)) << 10
    return nfds, kinds, rss_anon


def mapped_binaries(pid):
    """How many times each churned test binary (private copies named gtc...) is mapped in the daemon. A binary
    is mapped when the first process running it is traced (its symbolizer opens it, for profiles made after the
    process exits); how often each is mapped must not depend on how many processes ran it."""
    counts = {}
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        if "/gtc" in line:
            path = line.split()[-1]
            counts[path] = counts.get(path, 0) + 1
    return counts


def churn(paths, n, concurrency=16):
    """n processes of a second each, `concurrency` at a time; idle ones (no allocating workers), so that the
    2-core machine keeps CPU for the daemon that must find them."""
    procs = []
    for i in range(n):
        procs.append(subprocess.Popen([paths[i % len(paths)], "-duration=1s", "-workers=0"],
                                      stdout=subprocess.DEVNULL))
        if len(procs) >= concurrency:
            procs.pop(0).wait(timeout=30)
    for p in procs:
        p.wait(timeout=30)


def traced_total(d):
    return int([line for line in d.metrics()[2].splitlines()
                if line.startswith("gotrace_daemon_processes_traced_total")][0].split()[1])


def test_churn_of_500_processes_leaks_nothing():
    """500 short-lived Go programs of two binaries: at the end the daemon holds the file descriptors and BPF
    objects it held at the start, and its heap has not grown (measured after a warm-up of 40 processes that
    fills its caches: binary layouts, symbols). Also its mappings: each binary is mapped at most once, however
    many processes ran it."""
    paths = [private_copy(fx, "c") for fx in GCLOAD]
    with daemon("--profile-interval=2s", "--scan-interval=200ms", allow="gtc*") as d:
        churn(paths, 40)
        wait_for(lambda: "gotrace_daemon_targets 0" in d.metrics()[2], timeout=30, what="all released")
        time.sleep(3)   # a profile flush with nothing to write
        fds0, bpf0, rss0 = resources(d.proc.pid)
        maps0 = mapped_binaries(d.proc.pid)
        per_thread0 = per_thread_entries(d.proc.pid)
        before = traced_total(d)
        churn(paths, 500)
        wait_for(lambda: "gotrace_daemon_targets 0" in d.metrics()[2], timeout=30, what="all released")
        time.sleep(3)
        fds1, bpf1, rss1 = resources(d.proc.pid)
        maps1 = mapped_binaries(d.proc.pid)
        per_thread1 = per_thread_entries(d.proc.pid)
        traced = traced_total(d) - before
    print(f"churn: traced {traced} of 500, fds {fds0}->{fds1}, bpf {bpf0}->{bpf1}, "
          f"anonymous rss {rss0 >> 10}->{rss1 >> 10} KiB, mappings of the binaries {maps0}->{maps1}, "
          f"per-thread map entries {per_thread0}->{per_thread1}")
    assert traced >= 0.9 * 500
    assert fds1 == fds0 and bpf1 == bpf0
    # the per-thread entries of the ~2,500 threads that exited (the scheduler's last switch-out, a futex call a thread
    # died in) go with their process's detach (the last process's at the next one): kept, they were one entry per
    # thread ever, up to the maps' LRU bounds
    for name in per_thread0:
        assert per_thread1[name] - per_thread0[name] <= 20, (name, per_thread0, per_thread1)
    assert all(n == 1 for n in maps1.values()) and set(maps0) <= set(maps1) <= set(paths)
    assert rss1 - rss0 < 4 << 20


def test_systemd_notify_protocol(tmp_path):
    """Type=notify with a watchdog: READY=1 once serving, WATCHDOG=1 within half the period, STOPPING=1 on
    SIGTERM, over a datagram socket like systemd's."""
    sock_path = str(tmp_path / "notify")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(sock_path)
    s.settimeout(20)
    port = free_port()
    env = dict(os.environ, NOTIFY_SOCKET=sock_path, WATCHDOG_USEC="2000000")
    p = subprocess.Popen([str(GOTRACE), "daemon", f"--listen=127.0.0.1:{port}", "--profile-dir=none",
                          "--allow-exe=nothing-matches"], env=env, stderr=subprocess.DEVNULL)
    try:
        got = [s.recv(256).decode()]
        assert got[0] == "READY=1"
        got.append(s.recv(256).decode())
        assert got[1] == "WATCHDOG=1"
        p.send_signal(signal.SIGTERM)
        assert s.recv(256).decode() == "STOPPING=1"
        assert p.wait(timeout=20) == 0
    finally:
        p.kill()
        s.close()


def test_systemd_unit_verifies(tmp_path):
    unit = Path(__file__).resolve().parents[2] / "scripts" / "systemd" / "gotrace-daemon.service"
    text = unit.read_text().replace("/usr/local/bin/gotrace", str(GOTRACE))
    copy = tmp_path / "gotrace-daemon.service"
    copy.write_text(text)
    r = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "Type=notify" in text and "WatchdogSec=" in text and "CapabilityBoundingSet=" in text


def metric_of(text, name, pid):
    """The value of the sample of name labelled with pid, or None."""
    for line in text.splitlines():
        if line.startswith(name + "{") and f'pid="{pid}"' in line:
            return float(line.rsplit(" ", 1)[1])
    return None


@pytest.mark.parametrize("fx", MEMLOAD, ids=lambda f: f.id)
def test_memory_of_each_process_and_its_oom_kill(fx):
    """A Go program (GOGC=150) grows its heap in a 128 MiB memory cgroup until the OOM killer ends it. While it
    runs, the daemon exports its GOGC, the cgroup's limit, soft limit and its RSS; after the kill, a log line says the OOM
    killer ended it, and its series, kept for a scrape, count the cgroup's OOM kill as the kernel does; once they are
    gone, the service's own count of OOM kills stays."""
    limit, soft = 128 << 20, 96 << 20
    path = private_copy(fx, "m")
    with daemon("--profile-dir=none", "--scan-interval=200ms", allow=os.path.basename(path) + "*") as d, \
            MemoryCgroup(limit, soft_limit_bytes=soft) as cg:
        t = Target(path, "-grow", "-step-mib=4", "-every=100ms", env={"GOGC": "150"}, cgroup=cg)
        try:
            wait_for(lambda: metric_of(d.metrics()[2], "gotrace_go_gogc", t.pid) is not None, timeout=30,
                     what="the memory series of the process")
            live = d.metrics()[2]
            t.start()
            assert t.proc.wait(timeout=90) == -signal.SIGKILL
            kills = cg.oom_kills()
            wait_for(lambda: "killed by the OOM killer" in d.logs(), timeout=30, what="the OOM kill's log line")
            counted = wait_for(lambda: metric_of(d.metrics()[2], "gotrace_cgroup_oom_kills_total", t.pid),
                               timeout=10, what="the kept series counting the OOM kill")
            service = re.search(r'service="([^"]*)"', [x for x in live.splitlines() if f'pid="{t.pid}"' in x][0])[1]
            # the service's count outlives the process's own series
            wait_for(lambda: metric_of(d.metrics()[2], "gotrace_cgroup_oom_kills_total", t.pid) is None, timeout=30,
                     what="the exited process's series gone")
            per_service = [x for x in d.metrics()[2].splitlines() if x.startswith("gotrace_oom_kills_total{")]
        finally:
            t.kill()
    assert metric_of(live, "gotrace_go_gogc", t.pid) == 150
    assert metric_of(live, "gotrace_cgroup_memory_limit_bytes", t.pid) == limit
    # v1: the soft limit and under_oom; memory.high and PSI are v2's, so no sample (not a 0)
    assert metric_of(live, "gotrace_cgroup_memory_soft_limit_bytes", t.pid) == soft
    assert metric_of(live, "gotrace_cgroup_memory_under_oom", t.pid) == 0
    assert metric_of(live, "gotrace_cgroup_memory_high_bytes", t.pid) is None
    assert metric_of(live, "gotrace_cgroup_memory_pressure_seconds_total", t.pid) is None
    assert metric_of(live, "gotrace_process_rss_bytes", t.pid) > 0
    line = [x for x in d.logs().splitlines() if "killed by the OOM killer" in x][0]
    assert f"PID {t.pid}" in line and "of a 128.0 MiB limit" in line and "GOGC 150" in line, line
    assert counted == kills >= 1
    assert per_service == [f'gotrace_oom_kills_total{{service="{service}"}} 1'], per_service


class PodCgroup:
    """A container's cgroup as the kubelet names it with the cgroupfs driver, kubepods/burstable/pod<uid>/<id>,
    made under this test's own cgroup of the v1 cpu controller (as a nested node's would be); removed on exit."""

    def __init__(self, uid, container_id):
        self.root = Path("/sys/fs/cgroup/cpu") / f"gotrace-test-{os.getpid()}-{time.monotonic_ns()}"
        self.dirs = [self.root, self.root / "kubepods", self.root / "kubepods" / "burstable",
                     self.root / "kubepods" / "burstable" / f"pod{uid}"]
        self.dirs.append(self.dirs[-1] / container_id)
        for d in self.dirs:
            d.mkdir()
        self.path = "/" + str(self.dirs[-1].relative_to("/sys/fs/cgroup/cpu"))

    def enter(self):
        (self.dirs[-1] / "cgroup.procs").write_text(str(os.getpid()))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for d in reversed(self.dirs):
            for _ in range(50):
                try:
                    d.rmdir()
                    break
                except OSError:
                    time.sleep(0.1)


def labels_of(text, name, pid):
    """The labels of the sample of name labelled with pid."""
    for line in text.splitlines():
        if line.startswith(name + "{") and f'pid="{pid}"' in line:
            return dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
    return None


def test_kubernetes_identity_from_the_pod_cgroup_and_the_kubelet_logs(tmp_path):
    """A Go program in a Burstable pod's container cgroup (cgroupfs driver), and the kubelet's log links for it in
    a log directory made here: every series of the process carries the pod's UID and QoS class from the cgroup path
    and its namespace, pod and container names from the links; gotrace -p's summary names the pod's UID and QoS
    class with the container id. A program outside any pod gets none of those labels."""
    uid, cid = "2f1e5a9c-7b3d-4e6f-8a1b-9c0d1e2f3a4b", os.urandom(32).hex()
    logs = tmp_path / "log"
    (logs / "containers").mkdir(parents=True)
    (logs / "pods" / f"shop_api-7d9f8c6b5-x2x4z_{uid}" / "server").mkdir(parents=True)
    (logs / "containers" / f"api-7d9f8c6b5-x2x4z_shop_server-{cid}.log").symlink_to(
        logs / "pods" / f"shop_api-7d9f8c6b5-x2x4z_{uid}" / "server" / "0.log")
    path = private_copy(GCLOAD[-1], "k")
    with PodCgroup(uid, cid) as cg, \
            daemon("--profile-dir=none", f"--pod-log-dir={logs}", allow=os.path.basename(path)) as d:
        in_pod, outside = Target(path, "-duration=0", cgroup=cg), Target(path, "-duration=0")
        try:
            for t in (in_pod, outside):
                wait_for(lambda: d.traces(t.pid), what=f"PID {t.pid} traced")
                t.start()
            text = wait_for(lambda: (lambda m: m if labels_of(m, "gotrace_go_gogc", outside.pid) and
                                     labels_of(m, "gotrace_go_gogc", in_pod.pid) else None)(d.metrics()[2]),
                            timeout=30, what="the series of both processes")
            code, out, err = run_gotrace("-p", str(in_pod.pid), "-j", "-d", "1s", "-c", "cgroup")
        finally:
            in_pod.kill()
            outside.kill()
    want = {"pod_uid": uid, "qos_class": "Burstable", "namespace": "shop", "pod": "api-7d9f8c6b5-x2x4z",
            "container": "server", "container_id": cid, "cgroup": cg.path}
    for name in ("gotrace_go_gogc", "gotrace_gc_cycles_total", "gotrace_process_rss_bytes"):
        got = labels_of(text, name, in_pod.pid)
        assert {k: got.get(k) for k in want} == want, (name, got)
        assert not set(want) - {"cgroup", "container_id"} & set(labels_of(text, name, outside.pid)), name
    assert code == 0, err
    summary = [json.loads(x) for x in out.splitlines() if '"summary"' in x][0]
    c = summary["cgroup"]
    assert (c["pod_uid"], c["qos_class"], c["container_id"], c["path"]) == (uid, "Burstable", cid, cg.path)
