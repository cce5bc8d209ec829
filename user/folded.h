/* SPDX-License-Identifier: GPL-2.0 */
/* Folded-stacks writer: the text format of flamegraph.pl, inferno, speedscope's import and Pyroscope. */
#ifndef GOTRACE_FOLDED_H
#define GOTRACE_FOLDED_H

#include <stdio.h>

#include "profile.h"

/* One line per distinct stack, "root;caller;...;leaf N\n", N the sum of sample value value_index over the
 * samples with that stack (labels ignored; stacks summing to 0 left out). Frames as profile_sample_frames()
 * names them, inlined frames included; ';' becomes ':' and control characters '?' inside a name, so each line
 * parses back unambiguously. Lines sorted bytewise: the same profile always gives the same bytes.
 * 0, -EINVAL (value_index out of range), -ENOMEM or -EIO (write error on out). */
int folded_write(const struct profile *p, FILE *out, int value_index);

#endif
