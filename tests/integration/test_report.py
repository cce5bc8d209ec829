"""gotrace report: the HTML page of a real throttled trace, loaded in headless Chromium and checked against the
JSON and folded stacks it was drawn from.

The trace: gcload with GOMAXPROCS=2 in a cgroup limited to 20% of one CPU (as in test_sched.py), recorded by
`gotrace report -p PID --keep DIR`, which keeps the ndjson and folded files its two children wrote. Ground truth is
those files, read here with Python's json: every pause, GC cycle and throttled interval of the stream is in the
timeline (the marks' counts add up to them, also after zooming), every heatmap column holds the counts of its
interval object, the flamegraph has the frames the folded stacks give, the advice is the summary's. Chromium is
driven over the DevTools protocol (a small websocket client below): console errors, network requests, the DOM
after the script ran, screenshots.

The memory lane: memload in a v1 memory cgroup these tests create, holding still (its own runtime.MemStats counts
of GC cycles, the cgroup limit written here) or growing until the OOM killer kills it (the kill at its event's
time, quoting its figures)."""
import base64
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request
import zlib
from pathlib import Path

import pytest

from gotrace_harness import (GOTRACE, TOP, Gotrace, MemoryCgroup, QuotaCgroup, Target, by_event, fixtures,
                             run_gotrace)

CHROMIUM = "/usr/bin/chromium"
NODE = "/usr/bin/node"  # Debian's nodejs (scripts/install-deps.sh): only to check the page's script as JavaScript
ASSETS = TOP / "user" / "report" / "assets"  # the page's stylesheet and script, compiled into gotrace verbatim
GCLOAD = fixtures("gcload", ["default"])[-1]
THROTTLE_WORKLOAD = ["-duration=5s", "-live-kb=128", "-workers=4"]
FLAME_MIN_SHARE = 4096  # REPORT_FLAME_MIN_SHARE (user/report/report.h): frames under 1/4096 of the samples left out


# ---- a minimal DevTools client: RFC 6455 websocket frames over a socket, JSON-RPC on top ----

class WebSocket:
    def __init__(self, url):
        m = re.match(r"ws://([^:/]+):(\d+)(/.*)", url)
        self.sock = socket.create_connection((m.group(1), int(m.group(2))), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {m.group(3)} HTTP/1.1\r\nHost: {m.group(1)}:{m.group(2)}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                          .encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101"), head

    def _exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            buf += chunk
        return buf

    def send(self, text):
        data, mask = text.encode(), os.urandom(4)
        n = len(data)
        head = struct.pack("!B", 0x81) + (struct.pack("!B", 0x80 | n) if n < 126 else
                                          struct.pack("!BH", 0x80 | 126, n) if n < 65536 else
                                          struct.pack("!BQ", 0x80 | 127, n))
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._exact(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._exact(8))[0]
            payload = self._exact(n)
            opcode = b0 & 0x0F
            if opcode == 8:
                raise ConnectionError("DevTools closed the connection")
            if opcode in (0, 1, 2):
                message += payload
                if b0 & 0x80:
                    return message.decode()


class Browser:
    """Headless Chromium with a fresh profile and no network, one page driven over the DevTools protocol."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="gotrace-chromium-")
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={self.profile}", "--remote-debugging-port=0", "--hide-scrollbars", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        port = None
        deadline = time.time() + 60
        while port is None and time.time() < deadline:
            line = self.proc.stderr.readline()
            m = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
            if m:
                port = int(m.group(1))
            elif not line and self.proc.poll() is not None:
                break
        assert port, "Chromium did not start its DevTools server"
        pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30))
        self.ws = WebSocket([p for p in pages if p["type"] == "page"][0]["webSocketDebuggerUrl"])
        self.next_id = 0
        self.events = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                assert "error" not in msg, (method, msg["error"])
                return msg["result"]
            self.events.append(msg)

    def wait_event(self, method, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for e in self.events:
                if e.get("method") == method:
                    return e
            self.events.append(json.loads(self.ws.recv()))
        raise AssertionError(f"no {method} within {timeout}s")

    def open(self, path, width=1366, height=900):
        """Loads the page at a laptop's size; returns the seconds from navigation to the script's last line."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        self.events = []
        t0 = time.time()
        self.call("Page.navigate", url=Path(path).resolve().as_uri())
        self.wait_event("Page.loadEventFired")
        assert self.eval("document.documentElement.dataset.rendered") == "yes", self.errors()
        return time.time() - t0

    def eval(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in r, r["exceptionDetails"]
        return r["result"].get("value")

    def errors(self):
        """Uncaught exceptions, console.error calls and errors the browser logged (a CSP violation, a failed load)."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append(p["exceptionDetails"].get("exception", {}).get("description") or p["exceptionDetails"])
            elif m == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
                out.append([a.get("value") for a in p["args"]])
            elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(p["entry"]["text"])
        return out

    def requests(self):
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def screenshot(self, selector=None):
        """PNG of the viewport, or of one element wherever it is on the page."""
        params = {"format": "png"}
        if selector:
            box = self.eval(f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
                            ".getBoundingClientRect(); return [r.x + scrollX, r.y + scrollY, r.width, r.height]; })()")
            params["clip"] = {"x": box[0], "y": box[1], "width": box[2], "height": box[3], "scale": 1}
            params["captureBeyondViewport"] = True
        return base64.b64decode(self.call("Page.captureScreenshot", **params)["data"])

    def mouse(self, kind, x, y, **extra):
        self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, **extra)

    def close(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def png_pixels(png):
    """(width, height, rows of (r, g, b) tuples) of an 8-bit RGB or RGBA PNG: enough of a decoder for screenshots."""
    pos, idat = 8, b""
    while pos < len(png):
        n, kind = struct.unpack("!I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack("!IIBB", body[:10])
            assert depth == 8 and color in (2, 6), (depth, color)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    bpp = 3 if color == 2 else 4
    raw, stride, prev, rows = zlib.decompress(idat), width * bpp, bytearray(width * bpp), []
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[i:i + 3]) for i in range(0, stride, bpp)])
        prev = line
    return width, height, rows


def colour_counts(png):
    counts = {}
    for row in png_pixels(png)[2]:
        for px in row:
            counts[px] = counts.get(px, 0) + 1
    return counts


# ---- ground truth from the recorded files ----

def read_ndjson(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def folded_frames(path):
    """Total samples and the number of frames (prefix-tree nodes, the root "all" included) at least 1/4096 of it."""
    tree, total = {}, 0
    for line in Path(path).read_text().splitlines():
        stack, n = line.rsplit(" ", 1)
        total += int(n)
        prefix = ()
        for frame in stack.split(";"):
            prefix += (frame,)
            tree[prefix] = tree.get(prefix, 0) + int(n)
    kept = [p for p, v in tree.items() if v * FLAME_MIN_SHARE >= total and
            all(tree[p[:i]] * FLAME_MIN_SHARE >= total for i in range(1, len(p)))]
    return total, 1 + len(kept)


def heatmap_truth(events):
    """Per interval object: the thread run-queue counts and the goroutine dispatch counts it holds."""
    runq, gor = [], []
    for e in by_event(events, "interval"):
        runq.append(sum(b["count"] for b in e.get("sched", {}).get("runq_hist", [])))
        g = e.get("goroutines", {})
        gor.append(sum(b["count"] for b in g.get("buckets", g.get("hist", []))))
    return runq, gor


# What the page drew, read from its DOM: the marks' counts (data-n) per timeline lane, the cells' counts per
# heatmap and column group, the flamegraph's frames, the advice.
PAGE_STATE = """(() => {
  const sum = (els, attr) => [...els].reduce((a, e) => a + Number(e.getAttribute(attr)), 0);
  const lanes = {};
  for (const g of document.querySelectorAll('#timeline-plot g[data-lane]'))
    lanes[g.dataset.lane] = sum(g.querySelectorAll('rect.mark'), 'data-n');
  const heat = {};
  for (const g of document.querySelectorAll('g[data-heatmap]')) {
    const cols = {};
    for (const c of g.querySelectorAll('rect.cell'))
      cols[c.dataset.g] = (cols[c.dataset.g] || 0) + Number(c.dataset.count);
    heat[g.dataset.heatmap] = cols;
  }
  const frames = document.querySelectorAll('#flame-plot .frame');
  const root = [...frames].find(f => f.querySelector('text') && f.querySelector('text').textContent === 'all');
  return {
    lanes, heat,
    laneLabels: [...document.querySelectorAll('#timeline-plot svg > text')].map(t => t.textContent),
    pauses: sum(document.querySelectorAll('#timeline-plot rect.pause'), 'data-n'),
    cycles: sum(document.querySelectorAll('#timeline-plot rect.cycle'), 'data-n'),
    throttles: sum(document.querySelectorAll('#timeline-plot rect.throttle'), 'data-n'),
    hatched: document.querySelectorAll('#timeline-plot g.hatched rect').length,
    cells: document.querySelectorAll('rect.cell').length,
    frames: frames.length,
    rootValue: root ? Number(root.dataset.value) : null,
    advice: [...document.querySelectorAll('#advice li')].map(li => li.textContent),
    caption: document.getElementById('timeline-caption').textContent,
    view: window.gotraceReport.view(),
  };
})()"""


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """One live `gotrace report` of the throttled workload: (page, events, folded path, report's stderr)."""
    out = tmp_path_factory.mktemp("report")
    with QuotaCgroup(20) as cg:
        t = Target(GCLOAD.path, "-linger=200ms", *THROTTLE_WORKLOAD, env={"GOMAXPROCS": "2"}, cgroup=cg)
        try:
            g = Gotrace("report", "-p", str(t.pid), "-o", str(out / "report.html"), "--keep", str(out / "rec"))
            time.sleep(0.5)  # the profile attaches after the trace
            t.start()
            t.truth()
            assert g.wait(60) == 0, g.stderr()
        finally:
            t.kill()
    return out / "report.html", read_ndjson(out / "rec" / "trace.ndjson"), out / "rec" / "cpu.folded", g.stderr()


@pytest.fixture(scope="module")
def browser():
    with Browser() as b:
        yield b


def test_live_report_written(recorded):
    page, events, folded, stderr = recorded
    assert page.stat().st_size > 10_000 and folded.exists()
    s = by_event(events, "summary")[0]
    assert s["cgroup"]["nr_throttled"] > 10 and s["gomaxprocs"] == 2, "the workload was not throttled"
    assert len(by_event(events, "interval")) >= 4, "the trace child runs with 1 s intervals"
    assert "Report written to" in stderr and str(page) in stderr
    text = page.read_text()
    # self-contained: no reference to anything outside the file
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text, re.I)
    assert "<link" not in text and "@import" not in text and "url(http" not in text


def test_page_matches_the_trace(recorded, browser):
    page, events, folded, _ = recorded
    browser.open(page)
    assert browser.errors() == []
    assert browser.requests() == [page.resolve().as_uri()], "the page loaded something besides itself"
    st = browser.eval(PAGE_STATE)
    stw, cycles, throttles = by_event(events, "stw"), by_event(events, "gc_cycle"), by_event(events, "throttle")
    print(f"{len(stw)} pauses, {len(cycles)} cycles, {len(throttles)} throttled intervals;",
          f"{st['cells']} heatmap cells, {st['frames']} flamegraph frames")
    assert len(stw) > 100 and len(throttles) > 10
    assert (st["pauses"], st["cycles"], st["throttles"]) == (len(stw), len(cycles), len(throttles))
    reasons = {}
    for p in stw:
        reasons[p["reason"]] = reasons.get(p["reason"], 0) + 1
    s = by_event(events, "summary")[0]
    # one lane per reason, in order of first appearance, labelled with its count
    for i, (reason, n) in enumerate(reasons.items()):
        assert st["lanes"][f"stw-{i}"] == n
        assert f"pause: {reason} ({n})" in st["laneLabels"]
    long_throttled = [p for p in stw if p["duration_ns"] >= 20e6 and p["throttled_ns"] >= p["duration_ns"] / 2]
    assert long_throttled and st["hatched"] >= 1, "long throttled pauses are hatched"
    # heatmaps: at full view every interval is a column of its own; its cells add up to its interval object
    runq, gor = heatmap_truth(events)
    assert st["heat"]["runq"] == {str(i): n for i, n in enumerate(runq) if n}
    assert st["heat"]["goroutines"] == {str(i): n for i, n in enumerate(gor) if n}
    assert sum(runq) == s["sched"]["runq_count"]
    # flamegraph: the frames the folded stacks give, the root holding every sample
    total, frames = folded_frames(folded)
    assert total > 0 and (st["frames"], st["rootValue"]) == (frames, total)
    # advice and GOMAXPROCS vs quota, as the summary says
    assert st["advice"] == [a["text"] for a in s["advice"]] and st["advice"]
    assert "GOMAXPROCS 2 vs CPU quota 0.20 CPUs" in st["caption"]


def test_histograms_and_tables_match_the_summary(recorded, browser):
    page, events, _, _ = recorded
    browser.open(page)
    s = by_event(events, "summary")[0]
    tables = browser.eval("""[...document.querySelectorAll('#histograms table.hist, #waits table.hist')].map(t => ({
        title: t.caption.firstChild.textContent.trim(),
        total: [...t.tBodies[0].rows].reduce((a, r) => a + Number(r.cells[1].textContent), 0)}))""")
    got = {t["title"]: t["total"] for t in tables}
    for reason, hist in s["gc"]["stw_hist"].items():
        if reason != "unit":
            assert got[f"stop-the-world pause: {reason}"] == sum(b["count"] for b in hist)
    assert got["thread run-queue delay"] == s["sched"]["runq_count"]
    assert got["goroutine scheduling delay (sampled)"] == s["goroutines"]["count"]
    figures = browser.eval("document.getElementById('figures').textContent")
    assert f"{s['gc']['pauses']} pauses" in figures
    assert f"{s['cgroup']['nr_throttled']} of {s['cgroup']['nr_periods']} periods throttled" in figures
    waits = browser.eval("document.getElementById('waits').textContent")
    assert "futex calls" in waits and str(s["futex"]["calls"]) in waits
    assert "netpoller" in waits and s["epoll"]["netpoller"] in waits


def gap_midpoints(stw, t0):
    """Times (us from t0) halfway through gaps of at least 100 us between pauses: window edges no pause crosses,
    so that a count of the pauses inside is exact whatever the page's rounding to microseconds."""
    spans = sorted(((p["time_ns"] - t0) / 1e3, (p["time_ns"] + p["duration_ns"] - t0) / 1e3) for p in stw)
    out, end = [], spans[0][1]
    for a, b in spans[1:]:
        if a - end >= 100:
            out.append((end + a) / 2)
        end = max(end, b)
    return out


def test_zoom_keeps_counts(recorded, browser):
    """Zoomed to a window around the longest pause, the marks count exactly the pauses inside; the buttons, the
    mouse wheel and dragging move the view."""
    page, events, _, _ = recorded
    browser.open(page)
    t0 = by_event(events, "start")[0]["time_ns"]
    stw = by_event(events, "stw")
    longest = max(stw, key=lambda p: p["duration_ns"])
    at = (longest["time_ns"] - t0) / 1e3
    mids = gap_midpoints(stw, t0)
    first = min(p["time_ns"] - t0 for p in stw) / 1e3
    last = max(p["time_ns"] + p["duration_ns"] - t0 for p in stw) / 1e3
    a = max([m for m in mids if m < at - 20_000] or [first - 1])
    b = min([m for m in mids if m > at + longest["duration_ns"] / 1e3 + 20_000] or [last + 1])
    inside = [p for p in stw if a <= (p["time_ns"] - t0) / 1e3 <= b]
    browser.eval(f"window.gotraceReport.setView({a}, {b})")
    st = browser.eval(PAGE_STATE)
    assert st["view"] == pytest.approx([a, b])
    assert st["pauses"] == len(inside) and 0 < len(inside) < len(stw)
    # hover over the longest pause: its details appear, duration and throttling included
    box = browser.eval("""(() => { let best = null;
        for (const r of document.querySelectorAll('#timeline-plot rect.pause'))
          if (!best || r.width.baseVal.value > best.width.baseVal.value) best = r;
        best.scrollIntoView({block: 'center'}); const b = best.getBoundingClientRect();
        return [b.x + b.width / 2, b.y + b.height / 2]; })()""")
    browser.mouse("mouseMoved", *box)
    tip = browser.eval("document.getElementById('tip').hidden ? null : document.getElementById('tip').textContent")
    assert tip and longest["reason"] in tip and "throttled for" in tip
    # buttons: zoom in halves the span, whole trace restores it
    span = b - a
    browser.eval("document.getElementById('zoom-in').click()")
    time.sleep(0.2)
    v = browser.eval("window.gotraceReport.view()")
    assert v[1] - v[0] == pytest.approx(span / 2)
    browser.eval("document.getElementById('zoom-reset').click()")
    time.sleep(0.2)
    assert browser.eval("window.gotraceReport.view()") == browser.eval("window.gotraceReport.full")
    # the wheel over the timeline zooms in around the pointer
    x, y = browser.eval("""(() => { const b = document.querySelector('#timeline-plot svg').getBoundingClientRect();
        return [b.x + b.width * 0.6, b.y + 40]; })()""")
    browser.mouse("mouseWheel", x, y, deltaX=0, deltaY=-100)
    time.sleep(0.3)
    v = browser.eval("window.gotraceReport.view()")
    full = browser.eval("window.gotraceReport.full")
    assert v[1] - v[0] < full[1] - full[0]
    assert browser.eval(PAGE_STATE)["pauses"] < len(stw)
    assert browser.errors() == []


def test_screenshot_is_not_blank(recorded, browser):
    page, _, _, _ = recorded
    browser.open(page)
    whole = colour_counts(browser.screenshot())
    print(f"viewport: {len(whole)} colours")
    assert len(whole) > 50 and max(whole.values()) < 0.95 * sum(whole.values())
    for part in ("#timeline-plot", "#heatmap-runq", "#flame-plot"):
        c = colour_counts(browser.screenshot(part))
        print(f"{part}: {len(c)} colours")
        assert len(c) >= 8, part


def test_command_mode(tmp_path, browser):
    """`gotrace report -- CMD`: traced from the program's first instruction (its first GC cycle is cycle 1, complete)
    to its exit; the page holds what the kept trace holds."""
    rc, out, err = run_gotrace("report", "-o", str(tmp_path / "r.html"), "--keep", str(tmp_path / "rec"), "--",
                               GCLOAD.path, "-start=now", "-duration=2s", timeout=120)
    assert rc == 0, err
    events = read_ndjson(tmp_path / "rec" / "trace.ndjson")
    cycles = by_event(events, "gc_cycle")
    assert cycles and cycles[0]["cycle"] == 1 and cycles[0]["complete"]
    assert by_event(events, "summary")[0]["target_exited"]
    browser.open(tmp_path / "r.html")
    st = browser.eval(PAGE_STATE)
    assert browser.errors() == []
    assert (st["pauses"], st["cycles"]) == (len(by_event(events, "stw")), len(cycles))


def shifted_copy(events, seconds):
    """A long trace from a short one: its events replayed back to back, shifted in time (and in GC cycle number),
    until `seconds` are covered; one start and one summary."""
    start, summary = by_event(events, "start")[0], by_event(events, "summary")[0]
    body = [e for e in events if e["event"] not in ("start", "summary")]
    span = summary["time_ns"] - start["time_ns"]
    last_cycle = max(e.get("cycle", 0) for e in body)
    lines = [json.dumps(start)]
    for k in range(int(seconds * 1e9 // span) + 1):
        for e in body:
            e = dict(e, time_ns=e["time_ns"] + k * span)
            if "end_ns" in e:
                e["end_ns"] += k * span
            if e["event"] == "gc_cycle":
                e["cycle"] += k * last_cycle
            if e.get("gc_cycle"):
                e["gc_cycle"] += k * last_cycle
            lines.append(json.dumps(e, separators=(",", ":")))
    lines.append(json.dumps(dict(summary, time_ns=start["time_ns"] + (k + 1) * span, duration_ns=(k + 1) * span)))
    return "\n".join(lines) + "\n"


def test_ten_minute_trace(recorded, browser, tmp_path):
    """A 10-minute trace of the same throttled workload: drawn in well under a second, and the page stays a few
    MB: every pause is five small numbers (start as a delta in us, duration, reason, throttled us, cycle delta),
    about 15 bytes, a cycle four (about 11 bytes), so 20 bytes per event bound the data, plus 512 KiB for the
    page, script, heatmap cells (600 columns) and flamegraph. The browser draws it, counts intact."""
    _, events, folded, _ = recorded
    trace = tmp_path / "long.ndjson"
    trace.write_text(shifted_copy(events, 600))
    long_events = read_ndjson(trace)
    n = {k: len(by_event(long_events, k)) for k in ("stw", "gc_cycle", "throttle", "interval")}
    t0 = time.monotonic()
    rc, out, err = run_gotrace("report", "-i", str(trace), "--flame", str(folded), "-o", str(tmp_path / "long.html"))
    elapsed = time.monotonic() - t0
    assert rc == 0, err
    size = (tmp_path / "long.html").stat().st_size
    events_total = n["stw"] + n["gc_cycle"] + n["throttle"]
    print(f"10-minute trace: {trace.stat().st_size / 1e6:.1f} MB of ndjson, {n}; report in {elapsed:.3f} s, "
          f"{size / 1e6:.2f} MB ({(size - 512 * 1024) / events_total:.1f} bytes per event)")
    assert n["interval"] >= 600 and n["stw"] > 50_000
    assert size <= 512 * 1024 + 20 * events_total
    load = browser.open(tmp_path / "long.html")
    st = browser.eval(PAGE_STATE)
    print(f"Chromium: loaded and drawn in {load:.2f} s, {st['cells']} heatmap cells")
    assert browser.errors() == []
    assert (st["pauses"], st["cycles"], st["throttles"]) == (n["stw"], n["gc_cycle"], n["throttle"])


HOSTILE = "<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">&amp;\u2028'\""


def test_text_from_the_trace_is_escaped(tmp_path, browser):
    """Names and texts from the traced process (comm, exe, stop reasons, advice, futex stacks) cannot add markup or
    script to the page: they show as the text they are."""
    t = 1_000_000_000
    lines = [
        {"event": "start", "pid": 42, "comm": HOSTILE, "exe": "/tmp/" + HOSTILE, "go_version": "go1.26</script>",
         "time_ns": t, "realtime_ns": 1_700_000_000_000_000_000, "probes": 3},
        {"event": "stw", "pid": 42, "tid": 43, "time_ns": t + 1000, "reason": HOSTILE, "gc_cycle": 0,
         "duration_ns": 5000, "runtime_clock": True, "throttled_ns": 0},
        {"event": "summary", "pid": 42, "time_ns": t + 10**9, "duration_ns": 10**9, "target_exited": False,
         "probe_hits": 2, "events_lost": 0, "advice": [{"id": HOSTILE, "text": HOSTILE}],
         "futex": {"calls": 1, "waits": 1, "wait_ns": 10, "ops": [], "paths": {},
                   "top_stacks": [{"op": HOSTILE, "path": "m_park", "calls": 1, "ns": 10, "frames": [HOSTILE]}]}},
    ]
    trace = tmp_path / "evil.ndjson"
    trace.write_text("".join(json.dumps(e) + "\n" for e in lines) + "not json at all\n")
    folded = tmp_path / "evil.folded"
    folded.write_text(f"main;{HOSTILE.replace(';', ':')} 3\n")
    rc, _, err = run_gotrace("report", "-i", str(trace), "--flame", str(folded), "-o", str(tmp_path / "evil.html"))
    assert rc == 0, err
    browser.open(tmp_path / "evil.html")
    assert browser.errors() == []
    assert browser.eval("window.pwned === undefined")
    assert browser.eval("document.querySelectorAll('img').length") == 0
    assert browser.eval("document.querySelectorAll('script').length") == 2  # the data and the page's own script
    assert browser.eval("document.querySelector('h1 .comm').textContent") == HOSTILE
    assert browser.eval("document.querySelector('#advice li').textContent") == HOSTILE
    assert HOSTILE in browser.eval("document.getElementById('waits').textContent")
    assert f"pause: {HOSTILE} (1)" in browser.eval(PAGE_STATE)["laneLabels"]
    assert browser.eval("document.querySelector('.warn').textContent").startswith("1 of 4 lines")


@pytest.mark.parametrize("args,code,message", [
    ([], 2, "nothing to report"),
    (["-p", "1"], 2, "no output"),
    (["-p", "abc", "-o", "x.html"], 2, "invalid PID 'abc'"),
    (["-p", "1", "-i", "t.ndjson", "-o", "x.html"], 2, "give one of"),
    (["-i", "t.ndjson", "-d", "5s", "-o", "x.html"], 2, "-d sets how long to record"),
    (["-p", "1", "--flame", "cpu.folded", "-o", "x.html"], 2, "--flame FILE goes with -i"),
    (["-i", "t.ndjson", "--keep", "d", "-o", "x.html"], 2, "--keep keeps a recording"),
    (["-p", "1", "-o", "x.html", "extra"], 2, "invalid argument 'extra'"),
    (["-o", "x.html", "--"], 2, "no command after --"),
    (["-i", "/nonexistent.ndjson", "-o", "x.html"], 1, "cannot open /nonexistent.ndjson"),
    (["-i", "/etc/passwd", "-o", "x.html"], 1, "/etc/passwd is not a gotrace trace"),
    (["-p", "999999", "-o", "x.html"], 1, "PID 999999: no such process"),
    (["-o", "x.html", "--", "/nonexistent-command"], 1, "cannot run '/nonexistent-command'"),
])
def test_errors(tmp_path, args, code, message):
    """Exit codes and one-line messages like every other command; nothing is written on failure."""
    p = subprocess.run([str(GOTRACE), "report", *args], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert p.returncode == code, p.stderr
    lines = [line for line in p.stderr.splitlines() if line.startswith("gotrace:")]
    assert len(lines) == 1 and message in lines[0], p.stderr
    assert not (tmp_path / "x.html").exists()


def test_not_go_is_one_line(tmp_path):
    """A process that is not Go: the trace child's message, and nothing from a profile that never started."""
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        p = subprocess.run([str(GOTRACE), "report", "-p", str(sleeper.pid), "-o", "x.html"], capture_output=True,
                           text=True, timeout=60, cwd=tmp_path)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert p.returncode == 1
    assert p.stderr.strip().count("\n") == 0 and "not a Go program" in p.stderr, p.stderr


def test_help_teaches():
    rc, out, err = run_gotrace("report", "--help")
    assert rc == 0 and "Examples:" in out and "gotrace report -p 1234 -d 30s -o report.html" in out
    assert "-i TRACE.ndjson" in out and "--keep" in out
    rc, out, _ = run_gotrace("help")
    assert "report" in out


# ---- the page's stylesheet and script: real files, embedded at build time ----

def node_check(path):
    return subprocess.run([NODE, "--check", str(path)], capture_output=True, text=True, timeout=60)


def test_script_is_javascript(tmp_path):
    """report.js parses as JavaScript (`node --check`: a syntax error fails here, not first in someone's browser);
    the same check rejects a copy with one syntax error, so it is not one that passes anything."""
    script = ASSETS / "report.js"
    ok = node_check(script)
    assert ok.returncode == 0, ok.stderr
    broken = tmp_path / "broken.js"
    broken.write_text(script.read_text().replace("function (", "function ((", 1))
    bad = node_check(broken)
    assert bad.returncode != 0 and "SyntaxError" in bad.stderr, bad.stderr


def test_page_carries_the_assets_verbatim(tmp_path):
    """The binary's stylesheet and script are the files in the tree, byte for byte (a stale build would differ)."""
    trace = tmp_path / "t.ndjson"
    trace.write_text(json.dumps({"event": "start", "pid": 42, "comm": "x", "time_ns": 1, "realtime_ns": 1,
                                 "probes": 1}) + "\n")
    rc, _, err = run_gotrace("report", "-i", str(trace), "-o", str(tmp_path / "t.html"))
    assert rc == 0, err
    page = (tmp_path / "t.html").read_bytes()
    css = re.search(rb"<style>\n(.*?)</style>", page, re.S).group(1)
    js = re.findall(rb"<script>\n(.*?)</script>", page, re.S)
    assert css == (ASSETS / "report.css").read_bytes()
    assert js == [(ASSETS / "report.js").read_bytes()]


# ---- the memory lane: the runtime's heap, GOMEMLIMIT and the memory cgroup, GC cycles begun, OOM kills ----

MEMLOAD = fixtures("memload", ["default"])[-1]
MIB = 1 << 20
MEMORY_FIELDS = ["heap_live_bytes", "heap_goal_bytes", "gomemlimit_bytes", "cgroup_usage_bytes", "cgroup_limit_bytes",
                 "rss_bytes"]


def record_report(tmp_path, target):
    """`gotrace report -p` of a held target until it exits: (page, events)."""
    g = Gotrace("report", "-p", str(target.pid), "-o", str(tmp_path / "report.html"), "--keep", str(tmp_path / "rec"))
    time.sleep(0.5)
    target.start()
    return g


def expected_memory_columns(events):
    """What the page's per-interval memory array must hold, from the interval objects: six figures (-1 where the
    object has none, GOMEMLIMIT -1 when unset), then the automatic and forced cycles begun in the interval."""
    out, cycles, forced = [], 0, 0
    for iv in by_event(events, "interval"):
        m = iv["memory"]
        for k in MEMORY_FIELDS:
            v = m.get(k, -1)
            out.append(-1 if (k == "gomemlimit_bytes" and not m["gomemlimit_set"]) or v < 0 else v)
        f = m["forced_gc_cycles"] - forced
        out += [m["gc_cycles"] - cycles - f, f]
        cycles, forced = m["gc_cycles"], m["forced_gc_cycles"]
    return out


def memory_page_state(browser):
    return browser.eval("""(() => {
      const D = JSON.parse(document.getElementById('report-data').textContent);
      const lines = {};
      for (const p of document.querySelectorAll('#timeline-plot [data-lane=memory] polyline'))
        lines[p.dataset.series] = Number(p.dataset.n);
      const begun = [...document.querySelectorAll('#timeline-plot [data-lane=cycles-begun] rect')]
        .map(r => [Number(r.dataset.auto), Number(r.dataset.forced)]);
      return { mem: D.mem, ooms: D.ooms, lines: lines, begun: begun,
               oomMarks: document.querySelectorAll('#timeline-plot [data-lane=oom] line.oom').length };
    })()""")


def hover_tip(browser, selector):
    box = browser.eval(f"""(() => {{ const r = document.querySelector({json.dumps(selector)});
        r.scrollIntoView({{block: 'center'}}); const b = r.getBoundingClientRect();
        return [b.x + b.width / 2, b.y + b.height / 2]; }})()""")
    browser.mouse("mouseMoved", *box)
    return browser.eval("document.getElementById('tip').hidden ? null : document.getElementById('tip').textContent")


def test_memory_lane_matches_the_trace(tmp_path, browser):
    """memload holds a 32 MiB heap after one runtime.GC() with GOMEMLIMIT=256MiB in a 192 MiB memory cgroup: the
    lane's figures are the interval objects', its cycles begun add up to the runtime's own NumGC and NumForcedGC
    (the program starts after gotrace attached), and the cgroup's limit is the one this test wrote."""
    with MemoryCgroup(192 * MIB) as cg:
        t = Target(MEMLOAD.path, "-heap-mib=32", "-linger=2500ms", env={"GOGC": "80", "GOMEMLIMIT": "256MiB"},
                   cgroup=cg)
        try:
            g = record_report(tmp_path, t)
            truth = t.truth()
            assert g.wait(60) == 0, g.stderr()
        finally:
            t.kill()
    events = read_ndjson(tmp_path / "rec" / "trace.ndjson")
    assert len(by_event(events, "interval")) >= 2
    browser.open(tmp_path / "report.html")
    assert browser.errors() == []
    st = memory_page_state(browser)
    assert st["mem"] == expected_memory_columns(events)
    cols = [st["mem"][i:i + 8] for i in range(0, len(st["mem"]), 8)]
    assert {c[4] for c in cols} == {192 * MIB} and {c[2] for c in cols} == {256 * MIB}
    assert sum(c[6] + c[7] for c in cols) == truth["num_gc"] and sum(c[7] for c in cols) == truth["num_forced_gc"] == 1
    # every interval is a point of each line; the cycles lane shows the intervals where cycles began
    n = len(cols)
    assert st["lines"] == {"live heap": n, "heap goal (GOGC)": n, "cgroup usage": n, "cgroup limit": n,
                           "GOMEMLIMIT": n}
    assert sorted(st["begun"]) == sorted([c[6], c[7]] for c in cols if c[6] + c[7] > 0)
    assert st["ooms"] == [] and st["oomMarks"] == 0
    tip = hover_tip(browser, "#timeline-plot [data-lane=memory] rect.mhit")
    assert tip and "cgroup limit: 192.0 MiB" in tip and "GOMEMLIMIT: 256.0 MiB" in tip


def test_oom_kill_is_marked(tmp_path, browser):
    """memload grows its heap in a 128 MiB memory cgroup until the OOM killer kills it: the page marks the kill at
    the time of the oom_kill event, and its details quote the event's last figures and the cgroup's limit."""
    with MemoryCgroup(128 * MIB) as cg:
        t = Target(MEMLOAD.path, "-grow", "-step-mib=4", "-every=150ms", env={"GOGC": "100"}, cgroup=cg)
        try:
            g = record_report(tmp_path, t)
            assert t.proc.wait(timeout=60) == -signal.SIGKILL
            assert g.wait(60) == 0, g.stderr()
            kills = cg.oom_kills()
        finally:
            t.kill()
    events = read_ndjson(tmp_path / "rec" / "trace.ndjson")
    (oom,) = by_event(events, "oom_kill")
    assert kills >= 1 and oom["cgroup_limit_bytes"] == 128 * MIB
    start = by_event(events, "start")[0]["time_ns"]
    last_interval = by_event(events, "interval")[-1]["time_ns"]
    assert start < oom["time_ns"] <= by_event(events, "summary")[0]["time_ns"]
    assert oom["time_ns"] >= last_interval - 1_000_000_000
    browser.open(tmp_path / "report.html")
    assert browser.errors() == []
    st = memory_page_state(browser)
    assert st["mem"] == expected_memory_columns(events)
    assert st["oomMarks"] == 1 and st["ooms"][0] == round((oom["time_ns"] - start) / 1e3)
    tip = hover_tip(browser, "#timeline-plot [data-lane=oom] rect.oom-hit")
    assert tip and "killed by the OOM killer" in tip, tip
    assert f"heap {oom['heap_live_bytes'] / MIB:.1f} MiB of a 128.0 MiB cgroup limit" in tip, tip
    assert "GOMEMLIMIT unset, GOGC 100" in tip, tip
