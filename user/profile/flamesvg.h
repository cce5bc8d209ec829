/* SPDX-License-Identifier: GPL-2.0 */
/* Interactive SVG flamegraph writer: one self-contained file any browser opens, no other tool needed. */
#ifndef GOTRACE_FLAMESVG_H
#define GOTRACE_FLAMESVG_H

#include <stdio.h>

#include "profile/profile.h"

/* Writes the samples' value value_index as a flamegraph 1200 px wide: root ("all") at the bottom, frames
 * merged by prefix and sorted by name within their parent, each placed where its samples lie in that order and
 * as wide as its value; frames under ~1 px are left out, their share of the parent left blank. Hover shows
 * name, value in unit ("samples", "nanoseconds") and share; click zooms into a frame, "Reset Zoom" undoes it;
 * "Search" highlights frames matching a regular expression. Colours by a hash of the name: warm (red to
 * yellow) for code, aqua for the Go runtime ("runtime." and runtime/ packages), violet for kernel frames (names
 * ending in "_[k]"), grey for "[unknown]". Text is XML-escaped and made valid UTF-8. Samples whose value is
 * not positive are not drawn. 0, -EINVAL (value_index out of range), -ENOMEM or -EIO (write error on out). */
int flamesvg_write(const struct profile *p, FILE *out, int value_index, const char *title, const char *unit);

#endif
