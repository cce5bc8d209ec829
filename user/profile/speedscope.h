/* SPDX-License-Identifier: GPL-2.0 */
/* speedscope writer: the JSON file format of the speedscope viewer (one "sampled" profile). */
#ifndef GOTRACE_SPEEDSCOPE_H
#define GOTRACE_SPEEDSCOPE_H

#include <stdio.h>

#include "profile/profile.h"

/* Writes value value_index of every distinct stack (the folded stacks, in their order) as a sampled profile
 * named name: one shared frame per function name, stacks root first, weights in the sample type's unit
 * ("nanoseconds" and "bytes" kept, anything else "none"). 0, -EINVAL (value_index out of range), -ENOMEM or
 * -EIO (write error on out). */
int speedscope_write(const struct profile *p, FILE *out, int value_index, const char *name);

#endif
