/* SPDX-License-Identifier: GPL-2.0 */
/* What a source of stacks offers the profile pipeline (pipeline.h): start collecting for a profile type, copy
 * what its BPF side aggregated into a batch, forget it, report its costs, stop. Two sources: the sampler
 * (sampler.bpf.c: cpu, offcpu, gc) and the waits capability's stacks (futex, epoll). */
#ifndef GOTRACE_STACK_SOURCE_H
#define GOTRACE_STACK_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile/stack_batch.h"
#include "tracer/event_bus.h"
#include "tracer/target.h"

struct profile_type;

struct stack_source_opts {
	const struct target *target;	/* NULL: every process in bus's targets map (the daemon); target->bin is NULL
					 * for a process that is not Go */
	struct event_bus *bus;		/* its targets map filters every program */
	unsigned hz;			/* cpu: samples per second and CPU */
	bool kernel_stacks;
};

/* What a profile cost and lost, for the user: never silent. */
struct stack_source_stats {
	uint64_t probe_hits;		/* uprobe hits (each costs microseconds in the target) */
	uint64_t samples_dropped;	/* the BPF aggregation map was full */
	uint64_t stacks_dropped;	/* a stack could not be stored: its samples show "[stack lost]" */
	int probes;			/* programs attached (perf events count one per CPU) */
	const char *attach;		/* "perf_event", "tp_btf", "tracepoint", "uprobe" */
};

/* start: 0 with *state set; -ENOTSUP: cannot run here (why says so and what to do); another negative errno:
 * failed (why says how). On failure *state, when set, is still given to stop. read: adds every stack of the
 * type's kinds to b. clear (may be NULL): forgets every stack read so far. take (may be NULL): adds the stacks of
 * the n processes in tgids to b and forgets them, leaving every other process's stacks for the next read. */
struct stack_source {
	int (*start)(const struct profile_type *t, const struct stack_source_opts *o, void **state, char *why,
		     size_t why_size);
	int (*read)(void *state, const struct profile_type *t, struct stack_batch *b);
	int (*clear)(void *state);
	int (*take)(void *state, const struct profile_type *t, const uint32_t *tgids, size_t n, struct stack_batch *b);
	void (*stats)(void *state, struct stack_source_stats *st);
	void (*stop)(void *state);
};

#endif
