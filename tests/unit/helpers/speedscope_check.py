#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Reads a speedscope file with Python's JSON parser and checks it against the file format's rules (a sampled
# profile: frames with names, stacks of frame indexes, one weight each, endValue the sum). Prints
#   ERROR <what>    UNIT <unit>    TOTAL <endValue - startValue>
#   STACK <weight> <hex of the root-first frame names joined by 0x1f, UTF-8>
import json
import sys

UNITS = {"none", "nanoseconds", "microseconds", "milliseconds", "seconds", "bytes"}


def main():
    try:
        with open(sys.argv[1], "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        print("ERROR not UTF-8 JSON: %s" % e)
        return
    if doc.get("$schema") != "https://www.speedscope.app/file-format-schema.json":
        print("ERROR missing $schema")
    frames = doc.get("shared", {}).get("frames", [])
    if not all(isinstance(fr, dict) and isinstance(fr.get("name"), str) for fr in frames):
        print("ERROR frame without a name")
        return
    profiles = doc.get("profiles", [])
    if len(profiles) != 1 or profiles[0].get("type") != "sampled":
        print("ERROR expected one sampled profile")
        return
    prof = profiles[0]
    samples, weights = prof.get("samples", []), prof.get("weights", [])
    if prof.get("unit") not in UNITS or not isinstance(prof.get("name"), str):
        print("ERROR bad unit or name")
    if len(samples) != len(weights):
        print("ERROR %d samples but %d weights" % (len(samples), len(weights)))
        return
    if sum(weights) != prof.get("endValue", 0) - prof.get("startValue", 0):
        print("ERROR weights do not add up to endValue - startValue")
    print("UNIT", prof.get("unit"))
    print("TOTAL", prof.get("endValue", 0) - prof.get("startValue", 0))
    for stack, weight in zip(samples, weights):
        if not all(isinstance(i, int) and 0 <= i < len(frames) for i in stack):
            print("ERROR frame index out of range")
            continue
        path = "\x1f".join(frames[i]["name"] for i in stack)
        print("STACK", weight, path.encode("utf-8").hex())


main()
