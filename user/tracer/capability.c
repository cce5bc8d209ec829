// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the capabilities' metrics: one sample per traced process from a per-process value. */
#include <math.h>

#include "tracer/capability.h"
#include "tracer/capability_names.h"

/* value(tc, state), or without value the uint64_t at offset in the state times scale. */
static void metric(struct prom *p, const char *name, const char *type, const char *help, struct target_ctx *const *tcs,
		   size_t n, int index, capability_value_fn value, size_t offset, double scale)
{
	struct prom_label l[CAPABILITY_MAX_LABELS];

	prom_family(p, name, type, help);
	for (size_t i = 0; i < n; i++) {
		const void *ts = tcs[i]->cap_state[index];
		double v;

		if (!ts)
			continue;
		v = value ? value(tcs[i], ts) : scale * (double)*(const uint64_t *)((const char *)ts + offset);
		if (!isnan(v))
			prom_sample(p, name, l, capability_labels(tcs[i], l, NULL, NULL), v);
	}
}

void capability_metric(struct prom *p, const char *name, const char *type, const char *help,
		       struct target_ctx *const *tcs, size_t n, int index, capability_value_fn value)
{
	metric(p, name, type, help, tcs, n, index, value, 0, 0);
}

void capability_metric_u64(struct prom *p, const char *name, const char *type, const char *help,
			   struct target_ctx *const *tcs, size_t n, int index, size_t offset, double scale)
{
	metric(p, name, type, help, tcs, n, index, NULL, offset, scale);
}

const struct capability *const all_capabilities[] = {
	&sched_capability, &cgroup_capability, &gc_capability, &goroutines_capability, &waits_capability,
	&memory_capability,
};
const size_t all_capabilities_count = sizeof(all_capabilities) / sizeof(all_capabilities[0]);
_Static_assert(sizeof(all_capabilities) / sizeof(all_capabilities[0]) == CAPABILITY_NAMES_COUNT,
	       "capability_names.h lists every capability, in this order");
