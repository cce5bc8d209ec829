/* SPDX-License-Identifier: GPL-2.0 */
/* Folded-stacks writer: the text format of flamegraph.pl, inferno, speedscope's import and Pyroscope. */
#ifndef GOTRACE_FOLDED_H
#define GOTRACE_FOLDED_H

#include <stdio.h>

#include "profile/profile.h"

/* One line per distinct stack, "root;caller;...;leaf N\n", N the sum of sample value value_index over the
 * samples with that stack (labels ignored; samples whose value is not positive left out). Frames as profile_sample_frames()
 * names them, inlined frames included; ';' becomes ':' and control characters '?' inside a name, so each line
 * parses back unambiguously. Lines sorted frame by frame from the root (names compared bytewise, a stack
 * before its extensions), so that the same profile always gives the same bytes.
 * 0, -EINVAL (value_index out of range), -ENOMEM or -EIO (write error on out). */
int folded_write(const struct profile *p, FILE *out, int value_index);

/* The same stacks in memory, for writers that draw them (flamesvg.c): sorted in the order of the lines
 * folded_write() prints, samples with identical frames merged, non-positive values left out. */
struct folded_stack {
	const char *const *frames;	/* root first, interned names as profile_sample_frames() gives them */
	int nframes;
	int64_t value;
};

struct folded_stacks;

/* 0, -EINVAL (value_index out of range) or -ENOMEM. */
int folded_stacks_collect(const struct profile *p, int value_index, struct folded_stacks **out);
size_t folded_stacks_count(const struct folded_stacks *st);
struct folded_stack folded_stacks_get(const struct folded_stacks *st, size_t index);
void folded_stacks_free(struct folded_stacks *st);

#endif
