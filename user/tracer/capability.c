// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the capabilities' metrics: one sample per traced process from a per-process value. */
#include "tracer/capability.h"

void capability_metric(struct prom *p, const char *name, const char *type, const char *help,
		       struct target_ctx *const *tcs, size_t n, int index, capability_value_fn value)
{
	struct prom_label l[CAPABILITY_MAX_LABELS];

	prom_family(p, name, type, help);
	for (size_t i = 0; i < n; i++)
		if (tcs[i]->cap_state[index])
			prom_sample(p, name, l, capability_labels(tcs[i], l, NULL, NULL),
				    value(tcs[i], tcs[i]->cap_state[index]));
}

const struct capability *const all_capabilities[] = {
	&sched_capability, &cgroup_capability, &gc_capability, &goroutines_capability, &waits_capability,
	&memory_capability,
};
const size_t all_capabilities_count = sizeof(all_capabilities) / sizeof(all_capabilities[0]);
