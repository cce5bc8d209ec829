// SPDX-License-Identifier: GPL-2.0
/* The profile types table: each type's stack source, the kinds of stacks it keeps and its pprof values. */
#include <linux/types.h>
#include <string.h>

#include "bpf/sampler.h"
#include "profile/profile_types.h"
#include "profile/sampler.h"
#include "profile/wait_source.h"

#define COUNT_NS_TYPES { { "contentions", "count" }, { "delay", "nanoseconds" } }

/* Time profiles (off-CPU, waits): a count and the nanoseconds of each stack; the flamegraph is drawn by time. */
#define TIME_VALUES                                                                                          \
	.nvalues = 2, .value_types = COUNT_NS_TYPES, .values = { PROFILE_VALUE_COUNT, PROFILE_VALUE_NS },    \
	.flame_value = 1, .flame_unit = "nanoseconds"

const struct profile_type profile_types[] = {
	{
		.name = "cpu",
		.summary = "on-CPU time: cpu-clock samples at -F Hz, user and kernel stacks",
		.source = &sampler_source,
		.kinds = 1u << STACK_CPU,
		.nvalues = 2,
		.value_types = { { "samples", "count" }, { "cpu", "nanoseconds" } },
		.values = { PROFILE_VALUE_COUNT, PROFILE_VALUE_PERIOD },
		.period_type = { "cpu", "nanoseconds" },
		.flame_value = 0,
		.flame_unit = "samples",
	},
	{
		.name = "offcpu",
		.summary = "off-CPU time: [blocked] asleep until woken, [runnable] waiting for a CPU",
		.source = &sampler_source,
		.kinds = 1u << STACK_OFFCPU_BLOCKED | 1u << STACK_OFFCPU_RUNNABLE,
		TIME_VALUES,
	},
	{
		.name = "gc",
		.summary = "stacks that start GC cycles or assist marking: what allocates (Go)",
		.needs_go = true,
		.source = &sampler_source,
		.kinds = 1u << STACK_GC_START | 1u << STACK_GC_ASSIST,
		.nvalues = 1,
		.value_types = { { "samples", "count" } },
		.values = { PROFILE_VALUE_COUNT },
		.flame_value = 0,
		.flame_unit = "samples",
	},
	{
		.name = "futex",
		.summary = "time blocked in futex waits (idle Ps, runtime locks, STW), by user stack",
		.source = &wait_source,
		TIME_VALUES,
	},
	{
		.name = "epoll",
		.summary = "time blocked in epoll waits (the network poller, idle timers), by user stack",
		.source = &wait_source,
		TIME_VALUES,
	},
};

const size_t profile_type_count = sizeof(profile_types) / sizeof(profile_types[0]);

const struct profile_type *profile_type_find(const char *name)
{
	for (size_t i = 0; i < profile_type_count; i++)
		if (!strcmp(profile_types[i].name, name))
			return &profile_types[i];
	return NULL;
}
