// SPDX-License-Identifier: GPL-2.0
/* The memory capability: the Go runtime's GOGC, GOMEMLIMIT, live heap and heap goal (read from the process's memory,
 * no probe: memory_runtime.h), the memory cgroup's limit, usage and OOM kills, the process's RSS, and the OOM kill
 * of the traced process as an event: a SIGKILL exit (from a sched_process_exit program) while its cgroup's
 * oom_kill count went up. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpf/memory.h"
#include "caps/memory_cgroup.h"
#include "caps/memory_runtime.h"
#include "lib/log.h"
#include "lib/poller.h"
#include "caps/fd_errors.h"
#include "memory.skel.h"
#include "sys/cgroup.h"
#include "sys/proc.h"
#include "tracer/attach_kind.h"
#include "tracer/capability.h"

#define POLL_PERIOD_NS 100000000ull	/* 100 ms: the last figures before an OOM kill are at most this old */
#define RELAXED_POLL_NS 1000000000ull	/* the daemon's (relaxed_polls): a tenth of the cost, figures up to 1 s old */
#define FDS_EVERY 10			/* polls: file descriptors at most every 10 polls */
#define MIB (1024.0 * 1024.0)

/* Per traced process. */
struct memory_target_state {
	int pid;
	struct go_memory_layout layout;
	struct go_memory first, last;		/* at attach; the latest reading (kept when the process is gone) */
	double start_s, attach_age_s;		/* its start (CLOCK_MONOTONIC, s) and its age at attach */
	bool have_runtime;
	struct cgroup_memory cg;
	struct cgroup_memory_stat cg_first, cg_last;
	uint64_t cg_first_ns, cg_last_ns;	/* CLOCK_MONOTONIC of those readings: the pressure shares' wall time */
	bool have_cgroup, cg_stat_ok;
	char cgroup_off[160];
	uint64_t rss_bytes;
	bool have_rss;
	/* file descriptors, the other limit a service hits: read every FDS_EVERY polls and at each figure's use, not
	 * every poll (a process may hold thousands); the last reading stays when the process is gone */
	uint64_t fds_open, fds_soft, fds_hard;	/* RLIMIT_NOFILE; UINT64_MAX unlimited */
	bool have_fds;
	unsigned polls;
	const struct fd_errors_tracer *fd_errors;	/* the capability's, NULL when off */
	struct fd_errors fd_err;		/* calls that failed with EMFILE / ENFILE, over the trace */
	/* how it ended */
	bool exited, oom_killed;
	uint32_t exit_code;
	uint64_t exit_ns;			/* CLOCK_MONOTONIC */
	uint64_t oom_kills_at_exit;
};

struct memory_state {
	struct trace_ctx *ctx;
	int index;
	struct memory_bpf *skel;		/* NULL: exits are not seen, OOM kills not reported */
	struct poller poller;			/* every process's figures, read every POLL_PERIOD_NS */
	struct fd_errors_tracer *fd_errors;	/* NULL: failed calls are not counted */
};

/* The resident set in bytes: /proc/PID/statm's second field (pages), the counters VmRSS of /proc/PID/status adds
 * up, from a file the kernel makes for a fraction of status' cost (bench/daemon). */
static int read_rss(int pid, uint64_t *bytes)
{
	char buf[256];
	unsigned long long size, pages;

	if (proc_read_file(pid, "statm", buf, sizeof(buf)))
		return -ESRCH;
	if (sscanf(buf, "%llu %llu", &size, &pages) != 2)
		return -ENOENT;
	*bytes = pages * (uint64_t)sysconf(_SC_PAGESIZE);
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void read_fds(struct memory_target_state *ts)
{
	uint64_t open, soft, hard;

	if (ts->fd_errors)	/* kept in the map until detach: final after the exit too */
		fd_errors_read(ts->fd_errors, (uint32_t)ts->pid, &ts->fd_err);
	if (ts->exited || proc_count_fds(ts->pid, &open) || proc_nofile_limit(ts->pid, &soft, &hard))
		return;	/* the last reading stays */
	ts->fds_open = open;
	ts->fds_soft = soft;
	ts->fds_hard = hard;
	ts->have_fds = true;
}

/* The latest reading of the cgroup's files; false (keeping the last) when they cannot be read. */
static bool read_cgroup_last(struct memory_target_state *ts)
{
	struct cgroup_memory_stat st;

	if (!ts->cg_stat_ok || cgroup_memory_read_stat(&ts->cg, &st))
		return false;
	ts->cg_last = st;
	ts->cg_last_ns = now_ns();
	return true;
}

static double clock_s(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* The process's start on CLOCK_MONOTONIC (the clock of the runtime's nanotime), from /proc/PID/stat's start
 * time in clock ticks after boot (CLOCK_BOOTTIME, which also counts time suspended). */
static double start_monotonic_s(uint64_t start_ticks)
{
	return (double)start_ticks / (double)sysconf(_SC_CLK_TCK) - (clock_s(CLOCK_BOOTTIME) - clock_s(CLOCK_MONOTONIC));
}

/* What only the living process can tell: its runtime's figures and its RSS. */
static void refresh_process(struct memory_target_state *ts)
{
	struct go_memory m;

	if (ts->have_runtime && go_memory_read(&ts->layout, &m) == 0)
		ts->last = m;
	if (!ts->exited)
		ts->have_rss = read_rss(ts->pid, &ts->rss_bytes) == 0 || ts->have_rss;
}

/* A reading of everything; what cannot be read keeps its last value (the process may be gone). */
static void refresh(struct memory_target_state *ts)
{
	refresh_process(ts);
	read_cgroup_last(ts);
}

/* With relaxed_polls (the daemon) the poll leaves the cgroup's files alone: a scrape reads them (memory_metrics)
 * and so does the exit (on_exit_event), and between the two nobody looks; five files a process a second were 30%
 * of the daemon's CPU with 50 processes (bench/daemon). The process's own figures are polled still: after its
 * exit they cannot be read. */
static void poll_target(void *arg, void *item)
{
	const struct memory_state *ms = arg;
	struct memory_target_state *ts = item;

	if (ts->exited)
		return;
	if (ms->ctx->opts.relaxed_polls)
		refresh_process(ts);
	else
		refresh(ts);
	if (++ts->polls % FDS_EVERY == 0)
		read_fds(ts);
}

/* The exit of a traced process: its cgroup's OOM kill count is read now, while the cgroup surely exists. */
static void on_exit_event(const void *data, size_t size, void *arg)
{
	const struct exit_event *e = data;
	struct memory_state *ms = arg;
	struct memory_target_state *ts;

	if (size < sizeof(*e) || !(ts = capability_tstate(ms->ctx, ms->index, e->pid, NULL)))
		return;
	ts->exited = true;
	ts->exit_code = e->exit_code;
	ts->exit_ns = e->time_ns;
	read_cgroup_last(ts);
	ts->oom_kills_at_exit = ts->cg_last.oom_kills;
	ts->oom_killed = (e->exit_code & 0x7f) == SIGKILL && ts->cg_first.has_oom_kills &&
			 ts->cg_last.oom_kills > ts->cg_first.oom_kills;
}

static int start_kind(void *arg, enum attach_kind kind, char *why, size_t why_size)
{
	struct memory_state *ms = arg;
	struct memory_bpf *skel = memory_bpf__open();
	int err;

	if (!skel)
		return attach_kind_open_failed(why, why_size);
	attach_kind_autoload(skel->obj, NULL, kind);
	err = event_bus_adopt(ms->ctx->bus, skel->obj);
	err = err ?: memory_bpf__load(skel);
	err = err ?: memory_bpf__attach(skel);
	if (err) {
		memory_bpf__destroy(skel);
		snprintf(why, why_size, "%s", strerror(-err));
		return err;
	}
	ms->skel = skel;
	return 0;
}

static int memory_open(struct trace_ctx *ctx, int index, void **state, char *note, size_t note_size)
{
	struct memory_state *ms = calloc(1, sizeof(*ms));
	char why[512];

	(void)note;
	(void)note_size;
	if (!ms)
		return -ENOMEM;
	ms->ctx = ctx;
	ms->index = index;
	*state = ms;
	poller_init(&ms->poller, ctx->loop, ctx->opts.relaxed_polls ? RELAXED_POLL_NS : POLL_PERIOD_NS, poll_target, ms);
	/* Without the exit program the figures stay; only the OOM kill event is lost. */
	if (attach_kind_start("memory", ATTACH_TP_BTF, start_kind, ms, why, sizeof(why)) ||
	    event_bus_subscribe(ctx->bus, EVENT_EXIT, on_exit_event, ms))
		log_info("memory: process exits are not seen (%s): OOM kills are not reported", why);
	if (fd_errors_start(ctx->bus, &ms->fd_errors, why, sizeof(why)))
		log_info("memory: calls that fail with EMFILE or ENFILE are not counted (%s)", why);
	return 0;
}

static void attach_cgroup(struct memory_target_state *ts)
{
	int err = cgroup_memory_for_pid(ts->pid, &ts->cg);

	if (err) {
		snprintf(ts->cgroup_off, sizeof(ts->cgroup_off), "%s",
			 err == -ENOENT ? "no memory cgroup controller for this process" : strerror(-err));
		return;
	}
	ts->have_cgroup = true;
	ts->cg_stat_ok = cgroup_memory_read_stat(&ts->cg, &ts->cg_first) == 0;
	ts->cg_last = ts->cg_first;
	ts->cg_first_ns = ts->cg_last_ns = now_ns();
}

static int memory_attach(void *state, struct target_ctx *tc, void **tstate, char *note, size_t note_size)
{
	struct memory_state *ms = state;
	struct memory_target_state *ts = calloc(1, sizeof(*ts));
	int err;

	if (!ts)
		return -ENOMEM;
	ts->pid = tc->target.proc.pid;
	ts->fd_errors = ms->fd_errors;
	ts->have_runtime = go_memory_attach(&tc->target, &ts->layout) == 0;
	attach_cgroup(ts);
	if (!ts->have_runtime && !ts->have_cgroup) {
		snprintf(note, note_size, "memory view is off: %s; %s", ts->layout.pacer_off, ts->cgroup_off);
		free(ts);
		return -ENOTSUP;
	}
	if (ts->layout.pacer_off[0])
		log_info("PID %d: GOGC, GOMEMLIMIT and heap figures are off: %s", ts->pid, ts->layout.pacer_off);
	ts->start_s = start_monotonic_s(tc->target.proc.start_time);
	ts->attach_age_s = clock_s(CLOCK_MONOTONIC) - ts->start_s;
	refresh(ts);
	read_fds(ts);
	ts->first = ts->last;
	err = poller_add(&ms->poller, ts);
	if (err) {
		free(ts);
		return err;
	}
	*tstate = ts;
	return 0;
}

static void memory_detach(void *state, struct target_ctx *tc, void *tstate)
{
	struct memory_state *ms = state;

	(void)tc;
	poller_remove(&ms->poller, tstate);
	if (ms->fd_errors)
		fd_errors_forget(ms->fd_errors, (uint32_t)((struct memory_target_state *)tstate)->pid);
	free(tstate);
}

/* ---- output ---- */

static void format_mib(char *buf, size_t size, uint64_t bytes)
{
	snprintf(buf, size, "%.1f MiB", bytes / MIB);
}

static void format_gogc(char *buf, size_t size, int gogc)
{
	if (gogc < 0)
		snprintf(buf, size, "off");
	else
		snprintf(buf, size, "%d", gogc);
}

static void format_limit(char *buf, size_t size, int64_t limit)
{
	if (limit == INT64_MAX)
		snprintf(buf, size, "unset");
	else
		format_mib(buf, size, (uint64_t)limit);
}

static void format_goal(char *buf, size_t size, const struct go_memory *m)
{
	if (m->gogc < 0 || m->heap_goal == UINT64_MAX)
		snprintf(buf, size, "none (GOGC=off)");
	else
		format_mib(buf, size, m->heap_goal);
}

#define SHARE_MIN_CYCLES 10

/* The GC's share of the process's available CPU (GOMAXPROCS x wall time) over the cycles traced: from the end of the
 * last cycle before attach (or the attach, when none had run) to the end of the last one read. The runtime keeps
 * gc_cpu_fraction as that share since the process started, updated as each cycle ends (last_gc_nanotime), so the
 * window's share is (f1 a1 - f0 a0) / (a1 - a0), a the process's age at those ends. Over at least
 * SHARE_MIN_CYCLES cycles and half a second; -1 otherwise. window_s: the window's length. */
static double gc_cpu_share(const struct memory_target_state *ts, double *window_s)
{
	const struct go_memory *a = &ts->first, *b = &ts->last;
	double a0 = ts->attach_age_s, g0 = 0, a1, share;

	*window_s = 0;
	if (!b->have_cpu_fraction || !b->last_gc_ns || b->numgc - a->numgc < SHARE_MIN_CYCLES)
		return -1;
	if (a->numgc && a->have_cpu_fraction && a->last_gc_ns) {
		a0 = (double)a->last_gc_ns / 1e9 - ts->start_s;
		g0 = a->gc_cpu_fraction * a0;
	}
	a1 = (double)b->last_gc_ns / 1e9 - ts->start_s;
	if (a1 - a0 < 0.5)
		return -1;
	*window_s = a1 - a0;
	share = (b->gc_cpu_fraction * a1 - g0) / (a1 - a0);
	return share < 0 ? 0 : share > 1 ? 1 : share;
}

static void text_runtime(FILE *out, const struct memory_target_state *ts, uint32_t cycles)
{
	const struct go_memory *m = &ts->last;
	char a[32], b[32], c[32], d[32], e[32], f[32];
	double window, share;

	if (m->have_pacer) {
		format_mib(a, sizeof(a), m->heap_live);
		format_mib(b, sizeof(b), m->heap_marked);
		format_goal(c, sizeof(c), m);
		format_gogc(d, sizeof(d), m->gogc);
		format_limit(e, sizeof(e), m->memory_limit);
		format_mib(f, sizeof(f), m->mapped_ready);
		fprintf(out, "memory: heap %s in use, %s live after the last GC, goal %s (GOGC %s), GOMEMLIMIT %s, "
			"mapped %s", a, b, c, d, e, f);
	} else {
		fprintf(out, "memory: GOGC, GOMEMLIMIT and heap unknown (%s)", ts->layout.pacer_off);
	}
	if (m->have_memstats)
		fprintf(out, "; %u GC cycles", cycles);
	if (m->have_cpu_fraction)
		fprintf(out, ", GC CPU %.1f%% since start", 100 * m->gc_cpu_fraction);
	if ((share = gc_cpu_share(ts, &window)) >= 0)
		fprintf(out, " (%.1f%% over the %.1f s of cycles traced)", 100 * share, window);
	fputc('\n', out);
}

static void reading_of(const struct memory_target_state *ts, struct memory_cgroup_reading *r)
{
	r->cg = &ts->cg;
	r->first = &ts->cg_first;
	r->last = &ts->cg_last;
	r->traced_seconds = (ts->cg_last_ns - ts->cg_first_ns) / 1e9;
}

static void text_cgroup(FILE *out, const struct memory_target_state *ts)
{
	char a[32], b[32], c[32];

	if (ts->have_rss) {
		format_mib(a, sizeof(a), ts->rss_bytes);
		fprintf(out, "memory: RSS %s", a);
	} else {
		fprintf(out, "memory: RSS unknown");
	}
	if (!ts->have_cgroup) {
		fprintf(out, "; %s\n", ts->cgroup_off);
		return;
	}
	format_mib(a, sizeof(a), ts->cg_last.usage_bytes);
	fprintf(out, "; cgroup v%d %s uses %s", ts->cg.version, ts->cg.path, a);
	if (ts->cg.limit_bytes >= 0) {
		format_mib(b, sizeof(b), (uint64_t)ts->cg.limit_bytes);
		fprintf(out, " of a %s limit%s", b, ts->cg.limiting_level ? " (set on an ancestor)" : "");
	} else {
		fprintf(out, ", no limit");
	}
	if (ts->cg_last.has_peak) {
		format_mib(c, sizeof(c), ts->cg_last.peak_bytes);
		fprintf(out, ", peak %s", c);
	}
	if (ts->cg_last.has_oom_kills)
		fprintf(out, ", %llu OOM kills (%llu during the trace)", (unsigned long long)ts->cg_last.oom_kills,
			(unsigned long long)(ts->cg_last.oom_kills - ts->cg_first.oom_kills));
	fputc('\n', out);
	if (ts->cg_stat_ok) {
		struct memory_cgroup_reading r;

		reading_of(ts, &r);
		memory_cgroup_text(out, &r);
	}
}

static void json_runtime(struct json_obj *j, const struct memory_target_state *ts, uint32_t cycles)
{
	const struct go_memory *m = &ts->last;
	double window, share;

	if (m->have_pacer) {
		json_kv_i64(j, "gogc", m->gogc);
		json_kv_i64(j, "gomemlimit_bytes", m->memory_limit);
		json_kv_bool(j, "gomemlimit_set", m->memory_limit != INT64_MAX);
		json_kv_u64(j, "heap_live_bytes", m->heap_live);
		json_kv_u64(j, "heap_marked_bytes", m->heap_marked);
		if (m->gogc >= 0)
			json_kv_u64(j, "heap_goal_bytes", m->heap_goal);
		json_kv_u64(j, "mapped_ready_bytes", m->mapped_ready);
	}
	if (m->have_memstats) {
		json_kv_u64(j, "gc_cycles", cycles);
		json_kv_u64(j, "forced_gc_cycles", m->numforcedgc - ts->first.numforcedgc);
	}
	if (m->have_cpu_fraction)
		json_kv_double(j, "gc_cpu_fraction", m->gc_cpu_fraction);
	if ((share = gc_cpu_share(ts, &window)) >= 0) {
		json_kv_double(j, "gc_cpu_share", share);
		json_kv_u64(j, "gc_cpu_share_window_ns", (uint64_t)(window * 1e9));
	}
	if (ts->have_rss)
		json_kv_u64(j, "rss_bytes", ts->rss_bytes);
	if (ts->have_cgroup)
		json_kv_i64(j, "cgroup_limit_bytes", ts->cg.limit_bytes);
	if (ts->cg_stat_ok) {
		json_kv_u64(j, "cgroup_usage_bytes", ts->cg_last.usage_bytes);
		if (ts->cg_last.has_peak)
			json_kv_u64(j, "cgroup_peak_bytes", ts->cg_last.peak_bytes);
		if (ts->cg_last.has_oom_kills)
			json_kv_u64(j, "cgroup_oom_kills", ts->cg_last.oom_kills - ts->cg_first.oom_kills);
	}
}

/* What an interval and the summary show: the process's state, and the cycles since gotrace attached. */
struct memory_view {
	struct memory_target_state *ts;
	uint32_t cycles;
};

/* "; failed with EMFILE: open 43, accept 2" */
static void text_fd_errors(FILE *out, const char *name, const __u64 *by_call)
{
	const char *sep = ": ";

	if (!fd_errors_total(by_call))
		return;
	fprintf(out, "; failed with %s", name);
	for (int c = 0; c < FD_CALLS; c++)
		if (by_call[c]) {
			fprintf(out, "%s%s %llu", sep, fd_call_names[c], (unsigned long long)by_call[c]);
			sep = ", ";
		}
}

static void text_fds(FILE *out, const struct memory_target_state *ts)
{
	if (!ts->have_fds)
		return;
	fprintf(out, "File descriptors: %llu open", (unsigned long long)ts->fds_open);
	if (ts->fds_soft == UINT64_MAX)
		fprintf(out, ", no limit");
	else
		fprintf(out, " of a limit of %llu (%.0f%%; RLIMIT_NOFILE, hard limit %llu)",
			(unsigned long long)ts->fds_soft, 100.0 * (double)ts->fds_open / (double)ts->fds_soft,
			(unsigned long long)ts->fds_hard);
	text_fd_errors(out, "EMFILE", ts->fd_err.emfile);
	text_fd_errors(out, "ENFILE", ts->fd_err.enfile);
	fputc('\n', out);
}

/* -1 for unlimited */
static int64_t limit_or_minus_one(uint64_t v)
{
	return v == UINT64_MAX ? -1 : (int64_t)v;
}

/* {"accept": N, "socket": N, "open": N} */
static void json_fd_errors(struct json_obj *j, const char *key, const __u64 *by_call)
{
	struct json_obj e;

	json_key(j, key);
	json_begin(&e, j->out);
	for (int c = 0; c < FD_CALLS; c++)
		json_kv_u64(&e, fd_call_names[c], by_call[c]);
	json_end(&e);
}

static void json_fds(struct json_obj *j, const struct memory_target_state *ts)
{
	if (!ts->have_fds)
		return;
	json_kv_u64(j, "open_fds", ts->fds_open);
	json_kv_i64(j, "fd_limit", limit_or_minus_one(ts->fds_soft));
	json_kv_i64(j, "fd_limit_hard", limit_or_minus_one(ts->fds_hard));
	if (!ts->fd_errors)
		return;
	json_fd_errors(j, "emfile_errors", ts->fd_err.emfile);
	json_fd_errors(j, "enfile_errors", ts->fd_err.enfile);
}

static void text_view(const struct output_opts *o, void *arg)
{
	const struct memory_view *v = arg;

	text_runtime(o->out, v->ts, v->cycles);
	text_cgroup(o->out, v->ts);
	text_fds(o->out, v->ts);
}

static void json_interval(struct json_obj *j, const struct output_opts *o, void *arg)
{
	const struct memory_view *v = arg;
	struct json_obj mj;

	json_key(j, "memory");
	json_begin(&mj, o->out);
	json_runtime(&mj, v->ts, v->cycles);
	json_fds(&mj, v->ts);
	json_end(&mj);
}

static void memory_interval(void *state, struct target_ctx *tc, void *tstate, struct output_sink *out)
{
	static const struct output_writer interval = { NULL, text_view, json_interval };
	struct memory_target_state *ts = tstate;

	(void)state;
	(void)tc;
	if (!ts->exited)
		refresh(ts);
	read_fds(ts);
	output_section(out, &interval, &(struct memory_view){ ts, ts->last.numgc - ts->first.numgc });
}

/* "PID N was killed by the OOM killer: heap 118 MiB of a 128 MiB limit, heap goal 236 MiB, GOMEMLIMIT unset,
 * GOGC 100" */
static void text_oom(const struct output_opts *o, void *arg)
{
	const struct memory_target_state *ts = arg;
	const struct go_memory *m = &ts->last;
	FILE *out = o->out;
	char a[32], b[32], c[32], d[32], e[32];

	fprintf(out, "PID %d was killed by the OOM killer: ", ts->pid);
	if (m->have_pacer) {
		format_mib(a, sizeof(a), m->heap_live);
		fprintf(out, "heap %s", a);
	} else {
		fprintf(out, "heap unknown");
	}
	format_mib(b, sizeof(b), (uint64_t)(ts->cg.limit_bytes > 0 ? ts->cg.limit_bytes : 0));
	fprintf(out, " of a %s limit (cgroup %s)", ts->cg.limit_bytes >= 0 ? b : "no", ts->cg.path);
	if (m->have_pacer) {
		format_goal(c, sizeof(c), m);
		format_limit(d, sizeof(d), m->memory_limit);
		format_gogc(e, sizeof(e), m->gogc);
		fprintf(out, ", heap goal %s, GOMEMLIMIT %s, GOGC %s", c, d, e);
	}
	fputc('\n', out);
}

static void json_oom(struct json_obj *j, const struct output_opts *o, void *arg)
{
	const struct memory_target_state *ts = arg;

	(void)o;
	json_kv_u64(j, "pid", ts->pid);
	json_kv_u64(j, "time_ns", ts->exit_ns);
	json_kv_u64(j, "signal", ts->exit_code & 0x7f);
	json_kv_str(j, "cgroup", ts->cg.path);
	json_kv_u64(j, "cgroup_oom_kills", ts->oom_kills_at_exit);
	json_runtime(j, ts, ts->last.numgc - ts->first.numgc);
}

static void fill_facts(const struct memory_target_state *ts, struct trace_facts *f)
{
	double window;

	f->have_pacer = ts->last.have_pacer;
	f->gogc = ts->last.gogc;
	f->gomemlimit = ts->last.memory_limit;
	f->heap_goal = ts->last.heap_goal;
	f->heap_marked = ts->last.heap_marked;
	f->have_memory_limit = ts->have_cgroup && ts->cg.limit_bytes >= 0;
	f->memory_limit = ts->cg.limit_bytes;
	snprintf(f->memory_cgroup, sizeof(f->memory_cgroup), "%s", ts->cg.path);
	f->have_fds = ts->have_fds;
	f->fds_open = ts->fds_open;
	f->fds_limit = ts->fds_soft;
	f->fds_limit_hard = ts->fds_hard;
	f->fds_emfile_errors = fd_errors_total(ts->fd_err.emfile);
	f->fds_enfile_errors = fd_errors_total(ts->fd_err.enfile);
	f->oom_killed = ts->oom_killed;
	f->gc_cpu_share = gc_cpu_share(ts, &window);
}

static void memory_finish(void *state, struct target_ctx *tc, void *tstate)
{
	static const struct output_writer oom_kill = { "oom_kill", text_oom, json_oom };
	struct memory_state *ms = state;
	struct memory_target_state *ts = tstate;

	if (!ts->exited)
		refresh(ts);
	read_fds(ts);
	fill_facts(ts, &tc->facts);
	if (ts->oom_killed)
		output_alert(ms->ctx->sink, &oom_kill, ts);
}

static void json_cgroup(struct json_obj *j, const struct memory_target_state *ts)
{
	struct memory_cgroup_reading r;
	struct json_obj cj;

	json_key(j, "memory_cgroup");
	json_begin(&cj, j->out);
	json_kv_u64(&cj, "version", ts->cg.version);
	json_kv_str(&cj, "path", ts->cg.path);
	json_kv_i64(&cj, "limit_bytes", ts->cg.limit_bytes);
	json_kv_u64(&cj, "limiting_level", ts->cg.limiting_level);
	if (ts->cg_stat_ok) {
		json_kv_u64(&cj, "usage_bytes", ts->cg_last.usage_bytes);
		if (ts->cg_last.has_peak)
			json_kv_u64(&cj, "peak_bytes", ts->cg_last.peak_bytes);
		if (ts->cg_last.has_oom_kills)
			json_kv_u64(&cj, "oom_kills", ts->cg_last.oom_kills);
		reading_of(ts, &r);
		memory_cgroup_json(&cj, &r);
	}
	json_end(&cj);
}

static void json_summary(struct json_obj *j, const struct output_opts *o, void *arg)
{
	const struct memory_view *v = arg;
	const struct memory_target_state *ts = v->ts;
	struct json_obj mj;

	json_key(j, "memory");
	json_begin(&mj, o->out);
	json_kv_str(&mj, "runtime_view", ts->last.have_pacer ? "on" : "off");
	if (ts->layout.pacer_off[0])
		json_kv_str(&mj, "runtime_view_off", ts->layout.pacer_off);
	else
		json_kv_str(&mj, "gc_controller_source", ts->layout.pacer_source);
	json_runtime(&mj, ts, v->cycles);
	if (ts->have_cgroup)
		json_cgroup(&mj, ts);
	json_fds(&mj, ts);
	json_kv_bool(&mj, "oom_killed", ts->oom_killed);
	json_end(&mj);
}

/* The cgroup's counters of charges that hit the limit, once the process is gone as a whole: the exit read them
 * at its main thread's end, and its other threads can still fault and be refused a charge while they die (an OOM
 * kill ends them one by one). The usage stays as it was at that exit, where it tells what the process held. */
static void read_final_counters(struct memory_target_state *ts)
{
	struct cgroup_memory_stat st;

	if (!ts->exited || !ts->cg_stat_ok || cgroup_memory_read_stat(&ts->cg, &st))
		return;
	ts->cg_last.failcnt = st.failcnt;
	ts->cg_last.has_failcnt = st.has_failcnt;
	ts->cg_last.events = st.events;
	ts->cg_last.has_events = st.has_events;
}

/* The summary comes after the whole process ended (the session watches its pidfd), when it exited. */
static void memory_summary(void *state, struct target_ctx *tc, void *tstate, struct output_sink *out)
{
	static const struct output_writer summary = { NULL, text_view, json_summary };
	struct memory_target_state *ts = tstate;

	(void)state;
	(void)tc;
	read_final_counters(ts);
	output_section(out, &summary, &(struct memory_view){ ts, ts->last.numgc - ts->first.numgc });
}

/* ---- metrics ---- */

/* The runtime's figures exist once its memory was read: before that (or when it cannot be), no sample. */
static const struct go_memory *runtime_reading(const void *ts)
{
	const struct memory_target_state *s = ts;

	return s->have_runtime ? &s->last : NULL;
}

static double heap_live(const struct target_ctx *tc, const void *ts)
{
	const struct go_memory *m = runtime_reading(ts);

	(void)tc;
	return m ? (double)m->heap_live : NAN;
}

static double heap_goal(const struct target_ctx *tc, const void *ts)
{
	const struct go_memory *m = runtime_reading(ts);

	(void)tc;
	return !m ? NAN : m->gogc < 0 ? 0 : (double)m->heap_goal;
}

static double gogc(const struct target_ctx *tc, const void *ts)
{
	const struct go_memory *m = runtime_reading(ts);

	(void)tc;
	return m ? m->gogc : NAN;
}

static double gomemlimit(const struct target_ctx *tc, const void *ts)
{
	const struct go_memory *m = runtime_reading(ts);

	(void)tc;
	return !m ? NAN : m->memory_limit == INT64_MAX ? 0 : (double)m->memory_limit;
}

static double cgroup_limit(const struct target_ctx *tc, const void *ts)
{
	int64_t v = ((const struct memory_target_state *)ts)->cg.limit_bytes;

	(void)tc;
	return v < 0 ? 0 : (double)v;
}

static double cgroup_usage(const struct target_ctx *tc, const void *ts)
{
	(void)tc;
	return (double)((const struct memory_target_state *)ts)->cg_last.usage_bytes;
}

static double cgroup_oom_kills(const struct target_ctx *tc, const void *ts)
{
	(void)tc;
	return (double)((const struct memory_target_state *)ts)->cg_last.oom_kills;
}

static double rss(const struct target_ctx *tc, const void *ts)
{
	(void)tc;
	return (double)((const struct memory_target_state *)ts)->rss_bytes;
}

static double open_fds(const struct target_ctx *tc, const void *ts)
{
	(void)tc;
	return (double)((const struct memory_target_state *)ts)->fds_open;
}

static double max_fds(const struct target_ctx *tc, const void *ts)
{
	(void)tc;
	return (double)limit_or_minus_one(((const struct memory_target_state *)ts)->fds_soft);
}

static void fd_error_metrics(struct prom *p, struct target_ctx *const *tcs, size_t n, int index)
{
	static const struct { const char *family, *help; size_t offset; } kinds[] = {
		{ "gotrace_process_emfile_errors_total", "Calls that failed with EMFILE (RLIMIT_NOFILE reached), by call.",
		  offsetof(struct fd_errors, emfile) },
		{ "gotrace_process_enfile_errors_total", "Calls that failed with ENFILE (the system's file table full).",
		  offsetof(struct fd_errors, enfile) },
	};
	struct prom_label l[CAPABILITY_MAX_LABELS];

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		prom_family(p, kinds[k].family, "counter", kinds[k].help);
		for (size_t i = 0; i < n; i++) {
			const struct memory_target_state *ts = tcs[i]->cap_state[index];
			const __u64 *by_call;

			if (!ts || !ts->fd_errors)
				continue;
			by_call = (const __u64 *)((const char *)&ts->fd_err + kinds[k].offset);
			for (int c = 0; c < FD_CALLS; c++)
				prom_sample(p, kinds[k].family, l, capability_labels(tcs[i], l, "call", fd_call_names[c]),
					    (double)by_call[c]);
		}
	}
}

static bool metrics_reading(const struct target_ctx *tc, int index, struct memory_cgroup_reading *r)
{
	const struct memory_target_state *ts = tc->cap_state[index];

	if (!ts || !ts->cg_stat_ok)
		return false;
	reading_of(ts, r);
	return true;
}

static void memory_metrics(void *state, struct target_ctx *const *tcs, size_t n, struct prom *p)
{
	const struct memory_state *ms = state;
	int index = ms->index;

	for (size_t i = 0; i < n; i++) {
		struct memory_target_state *ts = tcs[i]->cap_state[index];

		if (ts && ms->ctx->opts.relaxed_polls && !ts->exited)
			refresh(ts);	/* a scrape gets the figures of its time, not of the last poll's */
		if (ts)
			read_fds(ts);
	}

	capability_metric(p, "gotrace_go_heap_live_bytes", "gauge", "Bytes in heap spans in use (gcController.heapLive).",
			  tcs, n, index, heap_live);
	capability_metric(p, "gotrace_go_heap_goal_bytes", "gauge", "The GOGC heap goal (0: GOGC=off).", tcs, n, index,
			  heap_goal);
	capability_metric(p, "gotrace_go_gogc", "gauge", "GOGC (-1: off).", tcs, n, index, gogc);
	capability_metric(p, "gotrace_go_gomemlimit_bytes", "gauge", "GOMEMLIMIT (0: unset).", tcs, n, index,
			  gomemlimit);
	capability_metric(p, "gotrace_cgroup_memory_limit_bytes", "gauge",
			  "Memory limit of the process's cgroup or its tightest ancestor (0: none).", tcs, n, index,
			  cgroup_limit);
	capability_metric(p, "gotrace_cgroup_memory_usage_bytes", "gauge", "Memory usage of the limiting cgroup.", tcs,
			  n, index, cgroup_usage);
	capability_metric(p, "gotrace_cgroup_oom_kills_total", "counter",
			  "OOM kills in the limiting cgroup (the kernel's count since its creation).", tcs, n, index,
			  cgroup_oom_kills);
	capability_metric(p, "gotrace_process_rss_bytes", "gauge", "Resident set size (VmRSS).", tcs, n, index, rss);
	capability_metric(p, "gotrace_process_open_fds", "gauge", "Open file descriptors.", tcs, n, index, open_fds);
	capability_metric(p, "gotrace_process_max_fds", "gauge", "RLIMIT_NOFILE, the soft limit (-1: unlimited).", tcs,
			  n, index, max_fds);
	fd_error_metrics(p, tcs, n, index);
	memory_cgroup_metrics(p, tcs, n, index, metrics_reading);
}

static void memory_close(void *state)
{
	struct memory_state *ms = state;

	memory_bpf__destroy(ms->skel);
	fd_errors_stop(ms->fd_errors);
	poller_free(&ms->poller);
	free(ms);
}

const struct capability memory_capability = {
	.name = "memory",
	.description = "GOGC, GOMEMLIMIT, the heap and its goal against the memory cgroup's limit, RSS, OOM kills",
	.default_on = true,
	.open = memory_open,
	.attach = memory_attach,
	.detach = memory_detach,
	.interval = memory_interval,
	.finish = memory_finish,
	.summary = memory_summary,
	.metrics = memory_metrics,
	.close = memory_close,
};
