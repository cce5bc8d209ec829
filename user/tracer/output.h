/* SPDX-License-Identifier: GPL-2.0 */
/* How a tracing command wants its output, shared by every capability: where it goes and the text options (-T, -m,
 * --slow). Text or JSON is the sink's format (tracer/output_sink.h). */
#ifndef GOTRACE_OUTPUT_H
#define GOTRACE_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct output_opts {
	FILE *out;
	bool timestamps;	/* -T */
	bool millis;		/* -m */
	uint64_t slow_ns;	/* --slow: print each pause at least this long (0: off) */
};

/* "HH:MM:SS " prefix for -T. */
void output_time_prefix(const struct output_opts *o);

#endif
