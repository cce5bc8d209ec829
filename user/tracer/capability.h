/* SPDX-License-Identifier: GPL-2.0 */
/* What every tracing capability (gc, sched, goroutines, cgroup, waits) offers the commands that run
 * them: start on a target, print an interval, add to the summary, report its cost, stop. */
#ifndef GOTRACE_CAPABILITY_H
#define GOTRACE_CAPABILITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tracer/event_bus.h"
#include "lib/event_loop.h"
#include "lib/json.h"
#include "tracer/output.h"
#include "lib/prom.h"
#include "tracer/output_sink.h"
#include "tracer/target.h"
#include "tracer/throttle.h"

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
	/* memory */
	bool have_pacer;		/* GOGC, GOMEMLIMIT and the heap goal below were read */
	int gogc;			/* -1 off */
	int64_t gomemlimit;		/* INT64_MAX unset */
	uint64_t heap_goal, heap_marked;
	bool have_memory_limit;		/* the memory cgroup limits the process */
	int64_t memory_limit;		/* bytes, of the limiting cgroup */
	char memory_cgroup[4096];
	bool have_fds;			/* the file descriptor figures below were read */
	uint64_t fds_open, fds_limit, fds_limit_hard;	/* RLIMIT_NOFILE soft and hard; UINT64_MAX unlimited */
	uint64_t fds_emfile_errors, fds_enfile_errors;	/* calls that failed for want of a descriptor */
	bool oom_killed;		/* it ended by the OOM killer (memory) */
	double gc_cpu_share;		/* the GC's share of the available CPU while traced, the runtime's count; -1 */
	/* the process */
	char go_version[64];	/* "go1.22.3" */
	int go_minor;		/* 22 for go1.22.x; 0 unknown */
	int gomaxprocs;		/* 0 = unknown */
	int ncpu;		/* CPUs the process may run on */
	bool go_sizes_gomaxprocs_from_cgroup;	/* Go 1.25+ without GOMAXPROCS/containermaxprocs=0 overrides */
};

#define MAX_CAPS 8

/* One traced process inside a session: its identity, what capabilities learned about it, and their per-process
 * state. */
struct target_ctx {
	struct target target;
	struct trace_facts facts;
	struct throttle_timeline throttle;	/* filled by sched, read by gc and sched for attribution */
	bool throttle_tracked;			/* sched runs for this process: the timeline is meaningful */
	void *cap_state[MAX_CAPS];		/* per capability, NULL when it does not run for this process */
	uint64_t start_ns;
	/* Prometheus labels of this process (daemon): pid, comm, executable, go_version, cgroup, ... */
	const struct prom_label *labels;
	int nlabels;
};

/* Where the gc capability takes GC pauses from. */
enum gc_source {
	GC_FROM_PROBES,		/* uprobes on the stop/start-the-world functions: every stop, its reason, its throttling */
	GC_FROM_MEMSTATS,	/* the runtime's per-cycle record read from memory: no probe, cost flat in the GC rate */
};

/* How a command runs the capabilities. */
struct capability_options {
	bool exact_goroutines;		/* --goroutines=exact */
	enum gc_source gc_source;	/* --gc-source */
	bool share_uprobes;		/* one probe per executable for all its processes (the daemon) */
	bool totals_only;		/* cumulative figures only, no per-value lists (the daemon, which runs for ever) */
	bool relaxed_polls;		/* the daemon: memory and files read once a second, the GC's record as often as
					 * each process's GC rate needs (bench/daemon); a trace reads them 10 times a second */
};

/* What capabilities see of the session that runs them (one process for `gotrace -p`, many for the daemon). */
struct trace_ctx {
	struct event_bus *bus;
	struct event_loop *loop;
	const struct output_opts *out;
	struct output_sink *sink;			/* where events go, in the format the command chose */
	struct capability_options opts;
	struct target_ctx *(*lookup)(void *session, uint32_t pid);	/* NULL when the process is not traced */
	void *session;
};

/* A capability is opened once per session (its BPF object loads once, whatever the number of processes) and
 * attached to each traced process. `index` is its slot in target_ctx.cap_state. interval and summary add the
 * capability's section to the record open in the sink. */
struct capability {
	const char *name;
	const char *description;
	bool default_on;
	/* 0; -ENOTSUP: cannot run on this machine (note says why; the session goes on without it); another
	 * negative errno: fatal (note says why). */
	int (*open)(struct trace_ctx *ctx, int index, void **state, char *note, size_t note_size);
	/* 0 with *tstate set; -ENOTSUP: not for this process (note says why); another negative errno: failure. */
	int (*attach)(void *state, struct target_ctx *tc, void **tstate, char *note, size_t note_size);
	void (*detach)(void *state, struct target_ctx *tc, void *tstate);
	void (*interval)(void *state, struct target_ctx *tc, void *tstate, struct output_sink *out);	/* and reset */
	void (*finish)(void *state, struct target_ctx *tc, void *tstate);	/* fill tc->facts */
	void (*summary)(void *state, struct target_ctx *tc, void *tstate, struct output_sink *out);
	/* Daemon: writes this capability's metric families (cumulative since attach) for every process. */
	void (*metrics)(void *state, struct target_ctx *const *tcs, size_t n, struct prom *p);
	uint64_t (*probe_hits)(void *state);
	uint64_t (*events_lost)(void *state);
	int (*probe_count)(void *state);
	void (*close)(void *state);	/* never called with NULL: open failed before the state existed */
};

/* Labels of tc plus one more (e.g. reason="gc_mark_termination") into out (room for tc->nlabels + 1). */
static inline int capability_labels(const struct target_ctx *tc, struct prom_label *out, const char *name,
				    const char *value)
{
	int n = 0;

	for (; n < tc->nlabels; n++)
		out[n] = tc->labels[n];
	if (name)
		out[n++] = (struct prom_label){ name, value };
	return n;
}

#define CAPABILITY_MAX_LABELS 16

/* A family (counter or gauge) with one sample per process the capability runs for; a value of NAN leaves the
 * process out (nothing read yet: no sample rather than a made-up zero). */
typedef double (*capability_value_fn)(const struct target_ctx *tc, const void *tstate);
void capability_metric(struct prom *p, const char *name, const char *type, const char *help,
		       struct target_ctx *const *tcs, size_t n, int index, capability_value_fn value);
/* The same for a uint64_t member of the per-process state, offsetof(state type, member), times scale (1e-9 turns
 * nanoseconds into seconds): most figures need no function of their own. */
void capability_metric_u64(struct prom *p, const char *name, const char *type, const char *help,
			   struct target_ctx *const *tcs, size_t n, int index, size_t offset, double scale);

extern const struct capability gc_capability;
extern const struct capability sched_capability;
extern const struct capability goroutines_capability;
extern const struct capability cgroup_capability;
extern const struct capability waits_capability;
extern const struct capability memory_capability;

/* Every capability, in the order they open (sched first: the others attribute against its throttle timeline). */
extern const struct capability *const all_capabilities[];
extern const size_t all_capabilities_count;

/* The pid argument for uprobes_attach_*: the process itself, or every process running its executable. */
static inline int capability_uprobe_pid(const struct trace_ctx *ctx, const struct target_ctx *tc)
{
	return ctx->opts.share_uprobes ? -1 : tc->target.proc.pid;
}

/* Defines fn, the probe_hits or events_lost of a capability whose state type has its BPF skeleton in `skel`:
 * the counter in the skeleton's .bss, 0 while no object is loaded. */
#define CAPABILITY_BSS_COUNTER(fn, state_type, counter)                 \
	static uint64_t fn(void *state)                                 \
	{                                                               \
		const state_type *cs = state;                           \
		return cs->skel ? cs->skel->bss->counter : 0;           \
	}

/* The per-process state of capability `index` for the process an event came from, or NULL. */
static inline void *capability_tstate(const struct trace_ctx *ctx, int index, uint32_t pid, struct target_ctx **tc)
{
	struct target_ctx *t = ctx->lookup ? ctx->lookup(ctx->session, pid) : NULL;

	if (tc)
		*tc = t;
	return t ? t->cap_state[index] : NULL;
}

#endif
