/* SPDX-License-Identifier: GPL-2.0 */
/* Advice a Go user can act on, each line with the numbers that justify it, from the facts of one trace. Pure C. */
#ifndef GOTRACE_ADVICE_H
#define GOTRACE_ADVICE_H

#include <stddef.h>

#include "tracer/capability.h"

#define ADVICE_MAX 8

struct advice {
	char id[32];		/* stable key: "gomaxprocs_above_quota", "quota_exhausted", ... */
	char text[768];
};

/* Fills out[] with what applies, most important first; returns the count. */
int advice_compute(const struct trace_facts *f, struct advice *out, int max);

/* The throttling attribution: share (0..1) of pause time and of run-queue delay spent throttled; -1 when the
 * denominator is 0 or throttling was not tracked. */
double advice_share(uint64_t part, uint64_t whole);

#endif
