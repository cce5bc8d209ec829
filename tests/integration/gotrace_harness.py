"""Shared helpers for gotrace's integration tests: fixture binaries, Go targets that report their own runtime
accounting (ground truth), and running gotrace against them with its output captured to a file."""
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
import weakref
from dataclasses import dataclass
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
GOTRACE = TOP / "gotrace"
MANIFEST = TOP / "build" / "tests" / "go" / "manifest.tsv"


@dataclass(frozen=True)
class Fixture:
    goversion: str
    gocmd: str
    program: str
    variant: str
    path: str

    @property
    def id(self):
        return f"{self.goversion}-{self.program}-{self.variant}"


def fixtures(program=None, variants=None):
    """Every fixture binary tests/build-go.sh built, one per toolchain present and variant."""
    if not MANIFEST.exists():
        raise RuntimeError(f"{MANIFEST} missing: run tests/build-go.sh (make test does)")
    out = []
    for line in MANIFEST.read_text().splitlines():
        f = Fixture(*line.split("\t"))
        if (program is None or f.program == program) and (variants is None or f.variant in variants):
            out.append(f)
    return out


def toolchains():
    return sorted({f.goversion for f in fixtures()})


class Target:
    """A Go test program started with -start=signal: it prints "ready PID", waits for SIGUSR1, runs its
    workload, then prints one JSON line of ground truth from its own runtime."""

    def __init__(self, path, *args, env=None, cgroup=None):
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen([path, "-start=signal", *args], stdout=subprocess.PIPE, text=True, env=e,
                                     preexec_fn=cgroup.enter if cgroup else None)
        line = self.proc.stdout.readline()
        if not line.startswith("ready "):
            raise RuntimeError(f"{path}: unexpected first line {line!r}")
        self.pid = int(line.split()[1])

    def start(self):
        os.kill(self.pid, signal.SIGUSR1)

    def truth(self, timeout=60):
        line = self.proc.stdout.readline()
        self.proc.wait(timeout=timeout)
        return json.loads(line)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _remove(*paths):
    for p in paths:
        with contextlib.suppress(OSError):
            os.unlink(p)


class Gotrace:
    """gotrace running in the background with stdout in a file (a pipe nobody reads would stall it)."""

    def __init__(self, *args, wait_ready=True):
        self.out = tempfile.NamedTemporaryFile("w+", prefix="gotrace-out-", delete=False)
        self.err = tempfile.NamedTemporaryFile("w+", prefix="gotrace-err-", delete=False)
        weakref.finalize(self, _remove, self.out.name, self.err.name)
        self.proc = subprocess.Popen([str(GOTRACE), *args], stdout=self.out, stderr=self.err, text=True)
        if wait_ready:
            self.wait_ready()

    def wait_ready(self, timeout=30):
        """Returns once gotrace printed "Tracing ... Hit Ctrl-C to end." (all probes attached)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if "Hit Ctrl-C to end." in Path(self.err.name).read_text():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"gotrace exited {self.proc.returncode}: {self.stderr()}")
            time.sleep(0.02)
        raise AssertionError(f"gotrace not ready after {timeout}s: {self.stderr()}")

    def stop(self, sig=signal.SIGINT, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.wait(timeout)

    def wait(self, timeout=60):
        self.proc.wait(timeout=timeout)
        return self.proc.returncode

    def stdout(self):
        return Path(self.out.name).read_text()

    def stderr(self):
        return Path(self.err.name).read_text()

    def events(self):
        return [json.loads(line) for line in self.stdout().splitlines() if line.strip()]


def run_gotrace(*args, timeout=60):
    """gotrace in the foreground: (exit code, stdout, stderr)."""
    p = subprocess.run([str(GOTRACE), *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def trace_workload(fixture_path, target_args=(), gotrace_args=(), env=None, cgroup=None):
    """Attaches gotrace -j to a signal-started target, runs the workload, and returns (events, truth, gotrace)
    once the target has exited and gotrace has printed its summary.

    The target lingers 200 ms after its report: a pause's exit probe sits on the RET of startTheWorldWithSema,
    which the thread that restarted the world may reach only after the main goroutine has already printed its
    counters; a process that exits at once can take that last pause with it."""
    t = Target(fixture_path, "-linger=200ms", *target_args, env=env, cgroup=cgroup)
    try:
        g = Gotrace("-p", str(t.pid), "-j", *gotrace_args)
        t.start()
        truth = t.truth()
        rc = g.wait(timeout=30)
        assert rc == 0, f"gotrace exit {rc}: {g.stderr()}"
        return g.events(), truth, g
    finally:
        t.kill()


def by_event(events, kind):
    return [e for e in events if e.get("event") == kind]


class OwnCgroup:
    """A cgroup the test created (self.dir), removed on exit once its processes are gone."""

    def remove(self):
        for _ in range(50):
            try:
                self.dir.rmdir()
                return
            except OSError:
                time.sleep(0.1)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class QuotaCgroup(OwnCgroup):
    """A cgroup with a CPU quota, on cgroup v1's cpu controller when mounted, else cgroup v2; removed on exit.
    Processes started with preexec_fn=cg.enter run inside it from their first instruction."""

    def __init__(self, quota_pct, period_us=100_000):
        name = f"gotrace-test-{os.getpid()}-{time.monotonic_ns()}"
        quota = quota_pct * period_us // 100
        v1 = Path("/sys/fs/cgroup/cpu")
        if (v1 / "cpu.cfs_quota_us").exists():
            self.dir = v1 / name
            self.dir.mkdir()
            (self.dir / "cpu.cfs_period_us").write_text(str(period_us))
            (self.dir / "cpu.cfs_quota_us").write_text(str(quota))
            self.version = 1
        elif "cpu" in Path("/sys/fs/cgroup/cgroup.controllers").read_text().split():
            Path("/sys/fs/cgroup/cgroup.subtree_control").write_text("+cpu")
            self.dir = Path("/sys/fs/cgroup") / name
            self.dir.mkdir()
            (self.dir / "cpu.max").write_text(f"{quota} {period_us}")
            self.version = 2
        else:
            raise RuntimeError("no cgroup cpu controller (v1 or v2) on this machine")
        self.path = "/" + name

    def enter(self):
        (self.dir / "cgroup.procs").write_text(str(os.getpid()))

    def stat(self):
        """cpu.stat as {nr_periods, nr_throttled, throttled_ns}."""
        kv = dict(line.split() for line in (self.dir / "cpu.stat").read_text().splitlines())
        ns = int(kv["throttled_time"]) if "throttled_time" in kv else int(kv["throttled_usec"]) * 1000
        return {"nr_periods": int(kv["nr_periods"]), "nr_throttled": int(kv["nr_throttled"]), "throttled_ns": ns}



def machine_has_swap():
    return len(Path("/proc/swaps").read_text().splitlines()) > 1


class MemoryCgroup(OwnCgroup):
    """A child of the v1 memory controller's root with a memory limit (where there is swap, the same limit on
    memory+swap, so that a process over it is OOM-killed rather than swapped out), and optionally a soft limit;
    removed on exit. Only cgroups it created are touched."""

    def __init__(self, limit_bytes, soft_limit_bytes=None):
        root = Path("/sys/fs/cgroup/memory")
        if not (root / "memory.limit_in_bytes").exists():
            raise RuntimeError("no cgroup v1 memory controller at /sys/fs/cgroup/memory")
        self.dir = root / f"gotrace-test-{os.getpid()}-{time.monotonic_ns()}"
        self.dir.mkdir()
        (self.dir / "memory.limit_in_bytes").write_text(str(limit_bytes))
        # without swap the memory limit alone OOM-kills, and the kernel counts the charges that hit it in
        # memory.failcnt; with memory+swap limited too, this machine's 6.18 counted them in neither failcnt file
        self.swap_limited = machine_has_swap() and (self.dir / "memory.memsw.limit_in_bytes").exists()
        if self.swap_limited:
            (self.dir / "memory.memsw.limit_in_bytes").write_text(str(limit_bytes))
        if soft_limit_bytes is not None:
            (self.dir / "memory.soft_limit_in_bytes").write_text(str(soft_limit_bytes))
        self.path = "/" + self.dir.name

    def enter(self):
        (self.dir / "cgroup.procs").write_text(str(os.getpid()))

    def read(self, name):
        return (self.dir / name).read_text()

    def oom_control(self):
        """memory.oom_control as numbers: oom_kill_disable, under_oom, oom_kill."""
        return {k: int(v) for k, v in (line.split() for line in self.read("memory.oom_control").splitlines())}

    def oom_kills(self):
        return self.oom_control()["oom_kill"]



def window_gc_pauses(events, truth):
    """GC pauses of the cycles the program counted in its window: its first cycle there, and as many as it ran
    (it turns GC off when the window closes, after letting a cycle in progress finish; before the window it
    idles). Counting by the runtime's own cycle numbers avoids racing the runtime's bookkeeping at the edges."""
    first, n = truth["first_cycle"], truth["gc_cycles"]
    return [p for p in by_event(events, "stw")
            if p["reason"].startswith("gc_") and first <= p["gc_cycle"] < first + n]


def quantile_bucket(hist, q):
    """Index of the bucket of a runtime/metrics histogram ({"boundaries", "counts"}) that holds quantile q, and
    its [lo, hi) in ns."""
    total = sum(hist["counts"])
    rank, seen = max(1, int(q * total + 0.999999)), 0
    for i, n in enumerate(hist["counts"]):
        seen += n
        if seen >= rank:
            return i, hist["boundaries"][i] * 1e9, hist["boundaries"][i + 1] * 1e9
    raise AssertionError("empty histogram")


def fd_kinds(pid):
    """Process pid's open fds, and of them the BPF objects and perf events (a uprobe's, a sampler's) by kind:
    (count, {"bpf-prog": n, "bpf-map": n, "bpf-link": n, "[perf_event]": n})."""
    fds = os.listdir(f"/proc/{pid}/fd")
    kinds = {"bpf-prog": 0, "bpf-map": 0, "bpf-link": 0, "[perf_event]": 0}
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("anon_inode:") and target[len("anon_inode:"):] in kinds:
            kinds[target[len("anon_inode:"):]] += 1
    return len(fds), kinds


HASH_MAP_TYPES = {1, 5, 9, 10}    # BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH


def _hash_map_dumps(pid):
    """(name, entries) of every hash-like BPF map process pid holds (found through its fds): arrays are always
    full. Entries as bpftool dumps them: {"key": [bytes as "0x.."], "value": [...]}."""
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") != "anon_inode:bpf-map":
                continue
            info = dict(line.split(":\t", 1) for line in Path(f"/proc/{pid}/fdinfo/{fd}").read_text().splitlines()
                        if ":\t" in line)
        except OSError:
            continue
        if int(info.get("map_type", -1)) not in HASH_MAP_TYPES:
            continue
        map_id = info["map_id"].strip()
        dump = subprocess.run(["bpftool", "map", "dump", "id", map_id, "-j"], capture_output=True, text=True)
        shown = subprocess.run(["bpftool", "map", "show", "id", map_id, "-j"], capture_output=True, text=True)
        if dump.returncode == 0 and shown.returncode == 0:
            yield json.loads(shown.stdout).get("name", map_id), json.loads(dump.stdout)


def bpf_hash_entries(pid):
    """Entries of every hash-like BPF map process pid holds, summed by map name."""
    out = {}
    for name, entries in _hash_map_dumps(pid):
        out[name] = out.get(name, 0) + len(entries)
    return out


def bpf_entries_keyed_by(pid, tgid):
    """Entries of process pid's hash-like BPF maps whose key begins with tgid (a u32: gotrace's per-process keys
    all do; per-thread maps key by thread id, the main thread's being tgid too), summed by map name."""
    prefix = [f"0x{b:02x}" for b in tgid.to_bytes(4, "little")]
    out = {}
    for name, entries in _hash_map_dumps(pid):
        n = sum(e["key"][:4] == prefix for e in entries if isinstance(e.get("key"), list))
        if n:
            out[name] = out.get(name, 0) + n
    return out


# ---- the daemon, for tests/integration/test_daemon.py and bench/daemon ----

def private_copy(fx, tag):
    """A copy of a fixture under a name no other process has, so that the daemon (allow-exe) traces only this
    test's processes even when other tests run Go programs at the same time."""
    d = tempfile.mkdtemp(prefix="gotrace-bin-")
    os.chmod(d, 0o755)
    path = os.path.join(d, f"gt{tag}{os.getpid()}x{int(time.time() * 1000) % 100000}")
    Path(path).write_bytes(Path(fx.path).read_bytes())
    os.chmod(path, 0o755)
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.headers.get("Content-Type"), r.read().decode()


def wait_for(predicate, timeout=20, what="condition", interval=0.2):
    """predicate()'s first true value, polled every `interval` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


class Daemon:
    """gotrace daemon limited to the test's own programs (allow-exe), with its logs in a file."""

    def __init__(self, *args, allow, wait_healthy=True):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="gotrace-daemon-")
        self.profiles = os.path.join(self.dir, "profiles")
        self.log = open(os.path.join(self.dir, "log"), "w+")
        cmd = [str(GOTRACE), "daemon", f"--listen=127.0.0.1:{self.port}", f"--profile-dir={self.profiles}",
               f"--allow-exe={allow}", *args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.log)
        if wait_healthy:
            wait_for(self.healthy, what="the daemon's /healthz")

    def healthy(self):
        try:
            return http_get(f"http://127.0.0.1:{self.port}/healthz")[0] == 200
        except OSError:
            if self.proc.poll() is not None:
                raise AssertionError(f"daemon exited {self.proc.returncode}: {self.logs()}")
            return False

    def metrics(self):
        return http_get(f"http://127.0.0.1:{self.port}/metrics")

    def traces(self, pid):
        return f'pid="{pid}"' in self.metrics()[2]

    def metric(self, name):
        """The value of an unlabelled sample (the daemon's own gauges and counters) in what /metrics serves."""
        m = re.search(rf"^{re.escape(name)} (\S+)$", self.metrics()[2], re.M)
        assert m, f"{name} not served"
        return float(m.group(1))

    def logs(self):
        return Path(self.log.name).read_text()

    def start_traced(self, targets):
        """Starts the waiting targets once the daemon traces every one of them."""
        for t in targets:
            wait_for(lambda: self.traces(t.pid), what=f"PID {t.pid} traced")
        for t in targets:
            t.start()

    def exit_noticed(self, pid, name=None):
        """The daemon logged this PID's exit (as the process `name`, when given)."""
        who = re.escape(name) if name is not None else "[^)]*"
        return re.search(rf"PID {pid} \({who}\): exited", self.logs()) is not None

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=30)


def series_value(exposition, name, pid):
    """The value of PID's one sample of `name` in an exposition (AssertionError when there is none)."""
    m = re.search(rf'^{name}{{[^}}]*pid="{pid}"[^}}]*}} (\S+)$', exposition, re.M)
    assert m, f"{name} of PID {pid} not served"
    return float(m.group(1))


@contextlib.contextmanager
def daemon(*args, **kw):
    d = Daemon(*args, **kw)
    try:
        yield d
    finally:
        d.stop()


@contextlib.contextmanager
def prometheus_server(scrape_port):
    """Debian's Prometheus scraping 127.0.0.1:scrape_port every second; yields its own port."""
    port = free_port()
    work = tempfile.mkdtemp(prefix="gotrace-prom-")
    config = Path(work, "prometheus.yml")
    config.write_text(f"""global:
  scrape_interval: 1s
scrape_configs:
  - job_name: gotrace
    static_configs:
      - targets: ['127.0.0.1:{scrape_port}']
""")
    p = subprocess.Popen(["/usr/bin/prometheus", f"--config.file={config}", f"--storage.tsdb.path={work}/data",
                          f"--web.listen-address=127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        def ready():
            try:
                return http_get(f"http://127.0.0.1:{port}/-/ready")[0] == 200
            except OSError:
                assert p.poll() is None, "prometheus exited"
                return False

        wait_for(ready, what="prometheus ready")
        # Ready is not scraping: the discovery manager hands the static target over up to 5 s later, and a test's
        # programs may come and go in that time. Its first successful scrape is what a test can count on.
        wait_for(lambda: list(promql(port, 'up{job="gotrace"}').values()) == [1.0], timeout=30,
                 what="prometheus scraping the daemon")
        yield port
    finally:
        p.terminate()
        p.wait(timeout=30)


def promql(port, query):
    """An instant query: {sorted label tuple: value}."""
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": query})
    data = json.loads(http_get(url)[2])
    assert data["status"] == "success", data
    return {tuple(sorted(r["metric"].items())): float(r["value"][1]) for r in data["data"]["result"]}


BACKENDS = TOP / "build" / "backends"


@contextlib.contextmanager
def _serve(cmd, ready, what, work):
    """Starts cmd (logs in work/log) and waits for ready(); yields the process; stops it at the end."""
    log = open(os.path.join(work, "log"), "w")
    p = subprocess.Popen(cmd, stdout=log, stderr=log)

    def up():
        try:
            return ready()
        except OSError:
            assert p.poll() is None, f"{what} exited: {Path(log.name).read_text()[-2000:]}"
            return False

    try:
        wait_for(up, timeout=60, what=f"{what} ready")
        yield p
    finally:
        p.terminate()
        p.wait(timeout=30)
        log.close()


class Collector:
    """What an OpenTelemetry Collector received: the file exporter's JSON lines, one per request."""

    def __init__(self, port, work):
        self.port, self.endpoint = port, f"http://127.0.0.1:{port}"
        self.files = {s: os.path.join(work, f"{s}.jsonl") for s in ("metrics", "profiles")}

    def received(self, signal_name):
        try:
            text = Path(self.files[signal_name]).read_text()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines() if line.strip()]


@contextlib.contextmanager
def otel_collector():
    """The Collector tests/build-backends.sh built (OTLP/HTTP receiver, file exporter), with the profiles signal
    (alpha) on; yields a Collector."""
    binary = BACKENDS / "otelcol" / "otelcol-gotrace"
    assert binary.exists(), f"{binary} missing: run tests/build-backends.sh (make test does)"
    work = tempfile.mkdtemp(prefix="gotrace-otelcol-")
    port = free_port()
    c = Collector(port, work)
    config = Path(work, "config.yaml")
    config.write_text(f"""receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{port}
exporters:
  file/metrics:
    path: {c.files["metrics"]}
    flush_interval: 100ms
  file/profiles:
    path: {c.files["profiles"]}
    flush_interval: 100ms
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    metrics:
      receivers: [otlp]
      exporters: [file/metrics]
    profiles:
      receivers: [otlp]
      exporters: [file/profiles]
""")

    def ready():
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True

    with _serve([str(binary), f"--config={config}", "--feature-gates=service.profilesSupport"], ready,
                "the OpenTelemetry Collector", work):
        yield c


@contextlib.contextmanager
def parca_server():
    """Parca (built by tests/build-backends.sh) with in-memory storage and no debuginfod upstream; yields its
    base URL."""
    binary = BACKENDS / "parca"
    assert binary.exists(), f"{binary} missing: run tests/build-backends.sh (make test does)"
    work = tempfile.mkdtemp(prefix="gotrace-parca-")
    port = free_port()
    config = Path(work, "parca.yaml")
    config.write_text(f"object_storage:\n  bucket:\n    type: FILESYSTEM\n    config:\n      directory: {work}/bucket\n")
    url = f"http://127.0.0.1:{port}"
    cmd = [str(binary), f"--config-path={config}", f"--http-address=127.0.0.1:{port}",
           "--debuginfod-upstream-servers=", "--storage-active-memory=134217728"]
    with _serve(cmd, lambda: http_get(f"{url}/api/profiles/types")[0] == 200, "Parca", work):
        yield url
