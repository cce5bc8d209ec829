"""Line charts of the soak's samples as small standalone SVG files (no plotting library on these machines)."""
from pathlib import Path

W, H, LEFT, BOTTOM, TOP, RIGHT = 640, 240, 70, 30, 24, 16
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]


def _axis_max(v):
    """A round number at or above v, for the y axis."""
    if v <= 0:
        return 1
    step = 10 ** (len(str(int(v))) - 1)
    for m in (1, 2, 2.5, 5, 10):
        if v <= m * step:
            return m * step
    return 10 * step


def chart(path, title, t, lines, unit):
    """lines: {label: [values]}, one per t (seconds); y from 0."""
    ymax = _axis_max(max(max(v) for v in lines.values()))
    tmax = max(t[-1], 1)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def x(v):
        return LEFT + pw * v / tmax

    def y(v):
        return TOP + ph * (1 - v / ymax)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" '
           f'font-size="11">', f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{LEFT}" y="15" font-size="13">{title}</text>']
    for i in range(5):
        v = ymax * i / 4
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 4}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
    for i in range(7):
        v = tmax * i / 6
        out.append(f'<text x="{x(v):.1f}" y="{H - 10}" text-anchor="middle">{v / 60:.0f} min</text>')
    out.append(f'<text x="12" y="{TOP + ph / 2}" transform="rotate(-90 12 {TOP + ph / 2})" '
               f'text-anchor="middle">{unit}</text>')
    for i, (label, values) in enumerate(lines.items()):
        c = COLOURS[i % len(COLOURS)]
        points = " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in zip(t, values))
        out.append(f'<polyline fill="none" stroke="{c}" stroke-width="1.5" points="{points}"/>')
        out.append(f'<text x="{W - RIGHT - 4}" y="{TOP + 14 * (i + 1)}" text-anchor="end" fill="{c}">{label}</text>')
    out.append("</svg>")
    Path(path).write_text("\n".join(out) + "\n")


def write_all(out, samples):
    t = [s["t"] for s in samples]
    cpu = [0.0] + [100 * (b["cpu_s"] - a["cpu_s"]) / max(b["t"] - a["t"], 1e-9)
                   for a, b in zip(samples, samples[1:])]
    chart(Path(out, "memory.svg"), "daemon memory", t,
          {"RSS": [s["rss_kib"] / 1024 for s in samples], "anonymous RSS": [s["anon_kib"] / 1024 for s in samples]},
          "MiB")
    chart(Path(out, "fds.svg"), "daemon file descriptors and BPF objects", t,
          {"open fds": [s["fds"] for s in samples], "BPF maps": [s["bpf_maps"] for s in samples],
           "BPF programs": [s["bpf_progs"] for s in samples], "perf events": [s["perf_events"] for s in samples]},
          "count")
    chart(Path(out, "bpf_entries.svg"), "entries of the daemon's BPF hash maps, and processes traced", t,
          {"hash map entries": [s["bpf_hash_entries"] for s in samples],
           "processes traced": [s["targets"] for s in samples]}, "count")
    chart(Path(out, "series.svg"), "series in one /metrics scrape", t, {"series": [s["series"] for s in samples]},
          "series")
    chart(Path(out, "cpu.svg"), "daemon CPU (user + system)", t, {"CPU": cpu}, "% of one CPU")
