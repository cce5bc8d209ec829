/* SPDX-License-Identifier: GPL-2.0 */
/* What the memory cgroup's kernel files say beyond limit and usage, over one trace: the high (v2) or soft (v1)
 * limit, the times the kernel acted on a limit (v2 memory.events; v1 under_oom) and the memory pressure stalls
 * (v2 PSI), as text, JSON and Prometheus families. */
#ifndef GOTRACE_MEMORY_CGROUP_H
#define GOTRACE_MEMORY_CGROUP_H

#include <stdio.h>

#include "lib/json.h"
#include "lib/prom.h"
#include "sys/cgroup.h"
#include "tracer/capability.h"

/* Two readings of one process's memory cgroup: at attach, and the latest. */
struct memory_cgroup_reading {
	const struct cgroup_memory *cg;
	const struct cgroup_memory_stat *first, *last;
	double traced_seconds;		/* between the two readings: what the pressure shares are of */
};

/* One line, "memory: high limit 384.0 MiB (set on an ancestor); during the trace 12 times over it, ...". */
void memory_cgroup_text(FILE *out, const struct memory_cgroup_reading *r);
/* Fields of the summary's memory_cgroup object; what the kernel does not have is left out. */
void memory_cgroup_json(struct json_obj *j, const struct memory_cgroup_reading *r);

/* The reading of process tc, false when it has none (no memory cgroup, or its files could not be read). */
typedef bool (*memory_cgroup_reading_fn)(const struct target_ctx *tc, int index, struct memory_cgroup_reading *r);
/* The gotrace_cgroup_memory_{high,soft_limit,...} families; a process without the figure has no sample. */
void memory_cgroup_metrics(struct prom *p, struct target_ctx *const *tcs, size_t n, int index,
			   memory_cgroup_reading_fn reading);

#endif
