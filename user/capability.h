/* SPDX-License-Identifier: GPL-2.0 */
/* What every tracing capability (gc, sched, goroutines, cgroup, futex, epoll) offers the commands that run
 * them: start on a target, print an interval, add to the summary, report its cost, stop. */
#ifndef GOTRACE_CAPABILITY_H
#define GOTRACE_CAPABILITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event_bus.h"
#include "event_loop.h"
#include "gc_output.h"
#include "json.h"
#include "target.h"
#include "throttle.h"

/* Figures capabilities share at the end of a trace, for the throttling attribution and the advice. */
struct trace_facts {
	uint64_t window_ns;
	/* gc */
	uint64_t gc_cycles, stw_pauses, stw_pause_ns, stw_throttled_ns, stw_max_ns, stw_max_throttled_ns;
	/* sched */
	bool have_sched;
	uint64_t runq_delays, runq_delay_ns, runq_throttled_ns, offcpu_throttled_ns;
	/* cgroup */
	bool have_cgroup, have_quota;
	double quota_cpus;
	uint64_t quota_us, period_us, nr_periods, nr_throttled, throttled_ns;
	char cgroup_path[4096];
	int limiting_level;
	/* the process */
	char go_version[64];	/* "go1.22.3" */
	int go_minor;		/* 22 for go1.22.x; 0 unknown */
	int gomaxprocs;		/* 0 = unknown */
	int ncpu;		/* CPUs the process may run on */
	bool go_sizes_gomaxprocs_from_cgroup;	/* Go 1.25+ without GOMAXPROCS/containermaxprocs=0 overrides */
};

struct trace_ctx {
	const struct target *target;
	struct event_bus *bus;
	struct event_loop *loop;
	const struct output_opts *out;
	struct throttle_timeline *throttle;	/* filled by sched, read by gc and sched for attribution */
	struct trace_facts facts;
	bool exact_goroutines;			/* --goroutines=exact */
	uint64_t start_ns;
};

struct capability {
	const char *name;
	const char *summary;
	bool default_on;
	/* Loads and attaches. 0; -ENOTSUP: this capability cannot run here (note says why; tracing goes on
	 * without it); another negative errno: fatal (note says why). */
	int (*start)(struct trace_ctx *ctx, void **state, char *note, size_t note_size);
	void (*interval)(void *state, struct trace_ctx *ctx);		/* text: print and reset */
	void (*finish)(void *state, struct trace_ctx *ctx);		/* fill facts before the summary */
	void (*text_summary)(void *state, struct trace_ctx *ctx);
	void (*json_summary)(void *state, struct trace_ctx *ctx, struct json_obj *summary);
	uint64_t (*probe_hits)(void *state);
	int (*probe_count)(void *state);
	uint64_t (*events_lost)(void *state);
	void (*stop)(void *state);
};

extern const struct capability gc_capability;
extern const struct capability sched_capability;
extern const struct capability goroutines_capability;
extern const struct capability cgroup_capability;

#endif
