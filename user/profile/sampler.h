/* SPDX-License-Identifier: GPL-2.0 */
/* The profile types of `gotrace flame` (cpu, offcpu, gc, ...) as a table: what each measures, its pprof sample
 * types, and the BPF side that collects its stacks. A new type is one table entry and, when it needs other
 * probes, one struct profiler_ops. */
#ifndef GOTRACE_PROFILER_H
#define GOTRACE_PROFILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tracer/event_bus.h"
#include "profile/profile.h"
#include "tracer/target.h"

/* One aggregated stack, as a profile type's BPF side counted it. */
struct profiler_sample {
	uint32_t tgid, tid;
	const char *thread;		/* the thread's name (comm) */
	const uint64_t *user;		/* PCs, leaf first */
	int nuser;
	const uint64_t *kernel;
	int nkernel;
	bool leaf_exact;		/* the first PC is where the thread was, not a return address */
	bool kernel_from_tracepoint;	/* the kernel stack starts in the tracing machinery (sym_profile.h) */
	const char *root;		/* a synthetic root frame that keeps kinds apart ("[blocked]"), or NULL */
	const char *state;		/* the same as a label value ("blocked"), or NULL */
	int64_t count, ns;		/* ns: time for off-CPU and wait kinds, 0 for the others */
};

typedef int (*profiler_sample_fn)(const struct profiler_sample *s, void *ctx);

struct profiler_opts {
	const struct target *target;	/* target->bin is NULL for a process that is not Go */
	struct event_bus *bus;		/* its targets map filters every program */
	unsigned hz;			/* cpu: samples per second and CPU */
	bool kernel_stacks;
};

/* What a profile cost and lost, for the user: never silent. */
struct profiler_stats {
	uint64_t probe_hits;		/* uprobe hits (each costs microseconds in the target) */
	uint64_t samples_dropped;	/* the BPF aggregation map was full */
	uint64_t stacks_dropped;	/* a stack could not be stored: its samples show "[stack lost]" */
	int probes;			/* programs attached (perf events count one per CPU) */
	const char *attach;		/* "perf_event", "tp_btf", "tracepoint", "uprobe" */
};

struct profiler;

/* The BPF side of one or more profile types. start: 0; -ENOTSUP: cannot run here (why says so and what to
 * do); another negative errno: failed (why says how). read: calls fn for every stack of the kinds in mask. */
struct profiler_ops {
	int (*start)(struct profiler *p, const struct profiler_opts *o, char *why, size_t why_size);
	int (*read)(struct profiler *p, profiler_sample_fn fn, void *ctx);
	int (*clear)(struct profiler *p);
	void (*stats)(struct profiler *p, struct profiler_stats *st);
	void (*stop)(struct profiler *p);
};

enum profiler_value {
	PROFILER_VALUE_COUNT,		/* how many samples or events */
	PROFILER_VALUE_PERIOD,		/* count times the sampling period in ns (cpu) */
	PROFILER_VALUE_NS,		/* measured time (off-CPU, waits) */
};

struct profiler_type {
	const char *name;		/* what --type takes */
	const char *summary;		/* for --help */
	bool needs_go;			/* probes Go runtime functions */
	const struct profiler_ops *ops;
	unsigned kinds;			/* bit mask of the ops' stack kinds this type keeps */
	int nvalues;			/* pprof sample types: */
	struct profile_value_type value_types[2];
	enum profiler_value values[2];
	struct profile_value_type period_type;	/* {NULL, NULL}: none */
	int flame_value;		/* which value folded, SVG and speedscope show */
	const char *flame_unit;		/* "samples" or "nanoseconds" */
};

extern const struct profiler_type profiler_types[];
extern const size_t profiler_type_count;

/* A sample's value of kind v (hz: the cpu sampling frequency, for PROFILER_VALUE_PERIOD). */
int64_t profiler_sample_value(enum profiler_value v, const struct profiler_sample *s, unsigned hz);
/* An empty profile with the type's sample and period types (NULL when out of memory). */
struct profile *profiler_new_profile(const struct profiler_type *t, unsigned hz);
/* Adds one sample with its labels (pid, tid, comm, thread, state), symbolized through sym, to sp. */
struct sym_profile;
struct symbolizer;
int profiler_add_sample(struct sym_profile *sp, struct symbolizer *sym, const struct profiler_type *t, unsigned hz,
			const char *comm, const struct profiler_sample *s);

/* NULL when no type has that name. */
const struct profiler_type *profiler_type_find(const char *name);

int profiler_start(const struct profiler_type *type, const struct profiler_opts *o, struct profiler **out,
		   char *why, size_t why_size);
/* Calls fn for every stack the type kept, once the profile is over (fn's non-zero return stops and is
 * returned). */
int profiler_read(struct profiler *p, profiler_sample_fn fn, void *ctx);
/* Forgets every stack read so far, so that the next read covers only what came after (the daemon's periodic
 * profiles). Samples counted between a read and the clear are lost: at most a few per profile. */
int profiler_clear(struct profiler *p);
void profiler_stats(struct profiler *p, struct profiler_stats *st);
void profiler_stop(struct profiler *p);

/* For the ops: the type being run, and a slot for the ops' own state. */
const struct profiler_type *profiler_type_of(const struct profiler *p);
void **profiler_state(struct profiler *p);

#endif
