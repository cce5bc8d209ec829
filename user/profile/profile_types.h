/* SPDX-License-Identifier: GPL-2.0 */
/* The profile types of `gotrace flame` and the daemon (cpu, offcpu, gc, ...) as a table: what each measures,
 * its pprof sample types, and the stack source that collects its stacks. A new type is one table entry and,
 * when it needs other probes, one struct stack_source. */
#ifndef GOTRACE_PROFILE_TYPES_H
#define GOTRACE_PROFILE_TYPES_H

#include <stdbool.h>
#include <stddef.h>

#include "profile/profile.h"
#include "profile/stack_source.h"

enum profile_value {
	PROFILE_VALUE_COUNT,		/* how many samples or events */
	PROFILE_VALUE_PERIOD,		/* count times the sampling period in ns (cpu) */
	PROFILE_VALUE_NS,		/* measured time (off-CPU, waits) */
};

struct profile_type {
	const char *name;		/* what --type takes */
	const char *summary;		/* for --help */
	bool needs_go;			/* probes Go runtime functions */
	const struct stack_source *source;
	unsigned kinds;			/* bit mask of the source's stack kinds this type keeps */
	int nvalues;			/* pprof sample types: */
	struct profile_value_type value_types[2];
	enum profile_value values[2];
	struct profile_value_type period_type;	/* {NULL, NULL}: none */
	int flame_value;		/* which value folded, SVG and speedscope show */
	const char *flame_unit;		/* "samples" or "nanoseconds" */
};

extern const struct profile_type profile_types[];
extern const size_t profile_type_count;

/* NULL when no type has that name. */
const struct profile_type *profile_type_find(const char *name);

#endif
