"""Target safety under load: an HTTP server under wrk while gotrace attaches and detaches 200 times, cycling
through every mode (default, GC only, exact goroutine probes, flame cpu/offcpu/gc sampling). The server must
never crash, keep answering correctly, wrk must see no error, and afterwards no breakpoint may be left in its
code (uprobes replace an instruction's first byte with int3 while attached)."""
import json
import os
import re
import signal
import subprocess
import tempfile
import urllib.request

from gotrace_harness import GOTRACE, fixtures, run_gotrace

SERVER = [f for f in fixtures("httpload", ["default"])][-1]
PROBED = ("runtime.startTheWorldWithSema", "runtime.stopTheWorldWithSema", "runtime.stopTheWorld.func1",
          "runtime.casgstatus", "runtime.gcStart", "runtime.gcAssistAlloc")


def code_sites(path):
    """(address, file byte) of every entry and RET gotrace probes in a non-PIE binary (vaddr = address)."""
    info = json.loads(run_gotrace("info", "--json", path)[1])
    sites = []
    with open(path, "rb") as f:
        for p in info["probes"]:
            if p["found"]:
                f.seek(p["file_offset"])
                sites.append((p["address"], p["size"], f.read(p["size"])))
    return sites


def memory(pid, addr, size):
    with open(f"/proc/{pid}/mem", "rb") as f:
        f.seek(addr)
        return f.read(size)


def check_answer(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/check", timeout=5) as r:
        body = json.loads(r.read())
    assert r.status == 200 and body["path"] == "/check" and int(body["hash"]) > 0


def test_attach_detach_200_times_under_load():
    server = subprocess.Popen([SERVER.path, "-duration=0"], stdout=subprocess.PIPE, text=True)
    _, pid, port = server.stdout.readline().split()
    pid = int(pid)
    load = subprocess.Popen(["wrk", "-t1", "-c8", "-d600s", f"http://127.0.0.1:{port}/"], stdout=subprocess.PIPE,
                            text=True)
    tmp = tempfile.mkdtemp()
    modes = [
        ["-p", str(pid), "-d", "150ms"],
        ["-p", str(pid), "-d", "150ms", "-c", "gc"],
        ["-p", str(pid), "-d", "150ms", "--goroutines=exact"],
        ["flame", "-p", str(pid), "-d", "150ms", "-o", f"{tmp}/cpu.folded"],
        ["flame", "-t", "offcpu", "-p", str(pid), "-d", "150ms", "-o", f"{tmp}/off.folded"],
        ["flame", "-t", "gc", "-p", str(pid), "-d", "150ms", "-o", f"{tmp}/gc.folded"],
    ]
    failures = []
    try:
        for i in range(200):
            rc, _, err = run_gotrace(*modes[i % len(modes)], timeout=60)
            if rc != 0:
                failures.append((modes[i % len(modes)], err[-300:]))
            assert server.poll() is None, f"the server died after {i + 1} attaches"
            if i % 20 == 0:
                check_answer(port)
        check_answer(port)
    finally:
        load.send_signal(signal.SIGINT)
        out = load.communicate(timeout=30)[0]
        alive = server.poll() is None
        leftovers = [(hex(a), s) for a, s, code in code_sites(SERVER.path) if alive and memory(pid, a, s) != code]
        server.kill()
        server.wait()
    assert not failures, failures[:3]
    assert alive
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    assert requests > 1000
    assert "Socket errors" not in out and "Non-2xx" not in out, out
    assert leftovers == [], "breakpoints left in the server's code"
