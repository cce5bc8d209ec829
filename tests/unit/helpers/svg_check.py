#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Reads a flamegraph SVG with Python's XML parser (an independent consumer) and reports, one line each:
#   ERROR <what>                      anything malformed: not XML, external references, inconsistent geometry
#   TOTAL <value of the root frame>   SUMROOTS <sum of the depth-1 frames>   UNSORTED <siblings out of name order>
#   FRAME <value> <r,g,b> <hex of the root-first path, names joined by 0x1f, UTF-8>
# The C test compares these with the profile it wrote.
import bisect
import re
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
TITLE = re.compile(r"^(.*) \(([0-9,]+) (.+), ([0-9.]+)%\)$", re.S)


def error(msg):
    print("ERROR", msg)


def check_no_external_refs(root):
    for el in root.iter():
        for key, value in el.attrib.items():
            if key.endswith("href") or "://" in value or "url(" in value:
                error("external reference %s=%r" % (key, value))
        if el.text and ("://" in el.text or "url(" in el.text or "@import" in el.text):
            error("external reference in <%s> text" % el.tag)


def read_frames(root):
    group = next((g for g in root.iter(SVG + "g") if g.get("id") == "frames"), None)
    if group is None:
        error("no frames group")
        return []
    frames = []
    for g in group.findall(SVG + "g"):
        title, rect, text = g.find(SVG + "title"), g.find(SVG + "rect"), g.find(SVG + "text")
        m = TITLE.match(title.text if title is not None and title.text else "")
        if m is None or rect is None or text is None:
            error("frame without title/rect/text or with an unparsable title")
            continue
        name, value = m.group(1), int(m.group(2).replace(",", ""))
        label = text.text or ""
        if label and label != name and not (label.endswith("..") and name.startswith(label[:-2])):
            error("label %r is not a prefix of %r" % (label, name))
        frames.append({"name": name, "value": value, "x": float(rect.get("x")),
                       "w": float(rect.get("width")), "y": float(rect.get("y")), "fill": rect.get("fill")})
    return frames


def link_parents(frames):
    """Each frame's parent is the frame one row further down whose span holds it."""
    root_y = max(f["y"] for f in frames)
    heights = sorted(set(root_y - f["y"] for f in frames))
    step = heights[1] if len(heights) > 1 else 16
    rows = {}
    for f in frames:
        f["depth"] = int(round((root_y - f["y"]) / step))
        rows.setdefault(f["depth"], []).append(f)
    for row in rows.values():
        row.sort(key=lambda f: f["x"])
    for f in frames:
        f["children"] = []
        if f["depth"] == 0:
            f["parent"] = None
            continue
        below = rows.get(f["depth"] - 1, [])
        i = bisect.bisect_right([b["x"] for b in below], f["x"] + 0.01) - 1 if below else -1
        parent = below[i] if i >= 0 else None
        if parent is None or f["x"] + f["w"] > parent["x"] + parent["w"] + 0.02:
            error("frame %r has no parent below it" % f["name"])
        f["parent"] = parent
        if parent is not None:
            parent["children"].append(f)
    return [f for f in frames if f["depth"] == 0]


def check_geometry(frames, roots):
    total = roots[0]["value"]
    scale = roots[0]["w"] / total if total else 0
    unsorted = 0
    for f in frames:
        if abs(f["w"] - f["value"] * scale) > 0.011:
            error("width %.2f of %r is not its value %d" % (f["w"], f["name"], f["value"]))
        kids = f["children"]
        if sum(k["value"] for k in kids) > f["value"]:
            error("children of %r add up to more than it" % f["name"])
        for a, b in zip(kids, kids[1:]):
            if a["x"] + a["w"] > b["x"] + 0.02:
                error("siblings %r and %r overlap" % (a["name"], b["name"]))
            unsorted += a["name"].encode("utf-8", "surrogatepass") > b["name"].encode("utf-8", "surrogatepass")
    print("TOTAL", total)
    print("SUMROOTS", sum(k["value"] for k in roots[0]["children"]))
    print("UNSORTED", unsorted)


def path_of(f):
    names = []
    while f["parent"] is not None:
        names.append(f["name"])
        f = f["parent"]
    return "\x1f".join(reversed(names))


def main():
    try:
        root = ET.parse(sys.argv[1]).getroot()
    except ET.ParseError as e:
        error("not well-formed XML: %s" % e)
        return
    if root.tag != SVG + "svg":
        error("root element is %s" % root.tag)
    check_no_external_refs(root)
    frames = read_frames(root)
    if not frames:
        error("no frames")
        return
    roots = link_parents(frames)
    if len(roots) != 1 or roots[0]["name"] != "all":
        error("expected one root frame 'all', found %d" % len(roots))
        return
    check_geometry(frames, roots)
    for f in frames:
        if f["parent"] is not None:
            fill = re.sub(r"[^0-9,]", "", f["fill"] or "")
            print("FRAME", f["value"], fill, path_of(f).encode("utf-8").hex())


main()
