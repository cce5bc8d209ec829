// SPDX-License-Identifier: GPL-2.0
/* The sched capability: run-queue delay and off-CPU time of the target's threads, and the intervals when CFS
 * bandwidth control held them (the throttle timeline other capabilities attribute against). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/attach_kind.h"
#include "tracer/link_release.h"
#include "tracer/bpf_hist.h"
#include "tracer/bpf_map_sweep.h"
#include "tracer/capability.h"
#include "lib/duration.h"
#include "lib/log.h"
#include "sys/kernel_version.h"
#include "bpf/sched.h"
#include "sched.skel.h"

struct sched_state {
	struct sched_bpf *skel;
	struct bpf_link *links[3];
	const char *attach;			/* "tp_btf" or "tracepoint" */
	struct trace_ctx *ctx;
	int index;
};

/* Per traced process. */
struct sched_target_state {
	struct bpf_hist last[SCHED_HIST_KINDS];	/* BPF counters at the previous read */
	struct hist total[SCHED_HIST_KINDS], interval[SCHED_HIST_KINDS];
	uint64_t throttle_intervals;
};

static const char *const kind_names[SCHED_HIST_KINDS] = { "runq", "preempted", "throttled", "blocked" };

struct throttled_interval {
	uint32_t pid;
	uint64_t start_ns, end_ns;
};

static void json_throttle(struct json_obj *j, const struct output_opts *o, void *arg)
{
	const struct throttled_interval *t = arg;

	(void)o;
	json_kv_u64(j, "pid", t->pid);
	json_kv_u64(j, "time_ns", t->start_ns);
	json_kv_u64(j, "duration_ns", t->end_ns - t->start_ns);
}

/* JSON only: text shows throttling in the sums. */
static const struct output_writer throttle_writer = { "throttle", NULL, json_throttle };

#define THROTTLE_HORIZON_NS (60 * 1000000000ull)

static void on_throttle(const void *data, size_t size, void *arg)
{
	const struct throttle_event *e = data;
	struct sched_state *ss = arg;
	struct sched_target_state *ts;
	struct throttle_timeline *t;
	struct target_ctx *tc;

	if (size < sizeof(*e) || !(ts = capability_tstate(ss->ctx, ss->index, e->tgid, &tc)))
		return;
	t = &tc->throttle;
	if (e->begin) {
		throttle_open(t, e->time_ns);
		return;
	}
	if (!t->n || t->iv[t->n - 1].end_ns)
		return;	/* the begin was before tracing */
	throttle_close(t, e->time_ns);
	ts->throttle_intervals++;
	output_event(ss->ctx->sink, &throttle_writer,
		     &(struct throttled_interval){ e->tgid, t->iv[t->n - 1].start_ns, e->time_ns });
	/* Pauses and delays are attributed as their events arrive, within a ring buffer's drain of their end: older
	 * intervals would only grow the timeline of a trace or daemon that runs for days. */
	if (e->time_ns > THROTTLE_HORIZON_NS)
		throttle_forget(t, e->time_ns - THROTTLE_HORIZON_NS);
}

static const char *cause_name(uint32_t cause)
{
	return cause == SCHED_OFFCPU_PREEMPTED ? "preempted" : cause == SCHED_OFFCPU_THROTTLED ? "throttled" : "wakeup";
}

struct slow_runq {
	const struct runq_event *e;
	uint64_t throttled_ns;
};

static void text_runq(const struct output_opts *o, void *arg)
{
	const struct runq_event *e = ((const struct slow_runq *)arg)->e;
	uint64_t thr = ((const struct slow_runq *)arg)->throttled_ns;
	char a[32], b[32];

	output_time_prefix(o);
	fprintf(o->out, "RUNQ pid %-7u tid %-7u after %-9s cpu %-3u %10s", e->tgid, e->tid, cause_name(e->cause),
		e->cpu, format_duration_human(e->delay_ns, a, sizeof(a)));
	if (thr)
		fprintf(o->out, "  (%s of it throttled)", format_duration_human(thr, b, sizeof(b)));
	fputc('\n', o->out);
}

static void json_runq(struct json_obj *j, const struct output_opts *o, void *arg)
{
	const struct runq_event *e = ((const struct slow_runq *)arg)->e;

	(void)o;
	json_kv_u64(j, "pid", e->tgid);
	json_kv_u64(j, "tid", e->tid);
	json_kv_u64(j, "time_ns", e->start_ns);
	json_kv_u64(j, "delay_ns", e->delay_ns);
	json_kv_str(j, "after", cause_name(e->cause));
	json_kv_u64(j, "throttled_ns", ((const struct slow_runq *)arg)->throttled_ns);
}

static void on_runq_slow(const void *data, size_t size, void *arg)
{
	static const struct output_writer runq_writer = { "runq", text_runq, json_runq };
	const struct runq_event *e = data;
	struct sched_state *ss = arg;
	struct target_ctx *tc;

	if (size < sizeof(*e) || !capability_tstate(ss->ctx, ss->index, e->tgid, &tc))
		return;
	output_event(ss->ctx->sink, &runq_writer,
		     &(struct slow_runq){ e, throttle_overlap(&tc->throttle, e->start_ns, e->start_ns + e->delay_ns) });
}

/* Opens, configures and loads the object with the programs of one kind. */
static int load_kind(struct sched_state *ss, enum attach_kind kind)
{
	struct sched_bpf *skel = sched_bpf__open();
	int err;

	if (!skel)
		return -errno;
	skel->rodata->targ_ms = ss->ctx->out->millis;
	skel->rodata->targ_slow_ns = ss->ctx->out->slow_ns;
	attach_kind_autoload(skel->obj, NULL, kind);
	err = event_bus_adopt(ss->ctx->bus, skel->obj);
	if (!err)
		err = sched_bpf__load(skel);
	if (err) {
		sched_bpf__destroy(skel);
		return err;
	}
	ss->skel = skel;
	return 0;
}

static int attach_all(struct sched_state *ss, enum attach_kind kind)
{
	struct bpf_program *progs[2][3] = {
		[ATTACH_TP_BTF] = { ss->skel->progs.handle_switch_btf },	/* no wakeup programs: sched.bpf.c */
		[ATTACH_TRACEPOINT] = { ss->skel->progs.handle_wakeup_tp, ss->skel->progs.handle_wakeup_new_tp,
					ss->skel->progs.handle_switch_tp },
	};

	for (int i = 0; i < 3 && progs[kind][i]; i++) {
		ss->links[i] = bpf_program__attach(progs[kind][i]);
		if (!ss->links[i])
			return -errno;
	}
	return 0;
}

static void unload(struct sched_state *ss)
{
	for (int i = 0; i < 3; i++)
		link_release(ss->links[i]), ss->links[i] = NULL;
	sched_bpf__destroy(ss->skel);
	ss->skel = NULL;
}

static int start_kind(void *state, enum attach_kind kind, char *why, size_t why_size)
{
	struct sched_state *ss = state;
	int err;

	if (kind == ATTACH_TP_BTF && !kernel_at_least(5, 14)) {
		snprintf(why, why_size, "before Linux 5.14 the kernel keeps a task's enqueue time (sched_info) only with "
			 "delay accounting or schedstats on, and the sched tp_btf program reads it");
		return -ENOTSUP;
	}
	err = load_kind(ss, kind);
	if (!err)
		err = attach_all(ss, kind);
	if (err) {
		unload(ss);
		snprintf(why, why_size, "cannot attach the sched %s programs: %s", attach_kind_name(kind),
			 strerror(-err));
		return err;
	}
	ss->attach = attach_kind_name(kind);
	return 0;
}

/* tp_btf first: no tracefs needed, and its task_struct arguments name a thread's process from its first event
 * (the classic tracepoints carry thread ids only). */
static int sched_open(struct trace_ctx *ctx, int index, void **state, char *note, size_t note_size)
{
	struct sched_state *ss = calloc(1, sizeof(*ss));
	char why[512];
	int err;

	if (!ss)
		return -ENOMEM;
	*state = ss;
	ss->ctx = ctx;
	ss->index = index;
	event_bus_subscribe(ctx->bus, EVENT_THROTTLE, on_throttle, ss);
	event_bus_subscribe(ctx->bus, EVENT_RUNQ_SLOW, on_runq_slow, ss);
	err = attach_kind_start("sched", ATTACH_TP_BTF, start_kind, ss, why, sizeof(why));
	if (!err)
		return 0;
	snprintf(note, note_size, "scheduler tracing is off: %s", why);
	return -ENOTSUP;
}

static int sched_attach(void *state, struct target_ctx *tc, void **tstate, char *note, size_t note_size)
{
	struct sched_target_state *ts = calloc(1, sizeof(*ts));

	(void)state;
	(void)note;
	(void)note_size;
	if (!ts)
		return -ENOMEM;
	tc->throttle_tracked = true;	/* the programs already filter on the shared targets map */
	*tstate = ts;
	return 0;
}

/* Deletes the process's entries, per-thread ones included: a thread that exits leaves its entry (its last
 * switch-out writes one), so without this the map fills with dead threads up to its LRU bound. */
static void sched_detach(void *state, struct target_ctx *tc, void *tstate)
{
	struct sched_state *ss = state;
	struct bpf_hist_key key = { .tgid = tc->target.proc.pid };

	/* The kernel side keys its maps by process: drop this one's entries so a long-running daemon stays small. */
	for (key.kind = 0; key.kind < SCHED_HIST_KINDS; key.kind++)
		bpf_map__delete_elem(ss->skel->maps.hists, &key, sizeof(key), 0);
	bpf_map__delete_elem(ss->skel->maps.throttled_threads, &key.tgid, sizeof(key.tgid), 0);
	bpf_map_delete_where(ss->skel->maps.threads, bpf_value_tgid_is,
			     &(struct bpf_tgid_match){ offsetof(struct thread_state, tgid), key.tgid });
	tc->throttle_tracked = false;
	free(tstate);
}

/* Moves what the BPF histograms gained since the last read into interval and total. */
static void collect(struct sched_state *ss, uint32_t pid, struct sched_target_state *ts)
{
	int fd = bpf_map__fd(ss->skel->maps.hists);

	for (uint32_t kind = 0; kind < SCHED_HIST_KINDS; kind++) {
		struct hist delta;

		if (bpf_hist_read_delta(fd, pid, kind, &ts->last[kind], &delta))
			continue;
		hist_merge(&ts->interval[kind], &delta);
		hist_merge(&ts->total[kind], &delta);
	}
}

static void print_offcpu(const struct output_opts *o, const struct hist *h)
{
	char a[32], b[32], c[32];

	fprintf(o->out, "off-CPU time of its threads: preempted %s, throttled %s, blocked %s\n",
		format_duration_human(h[SCHED_OFFCPU_PREEMPTED].sum, a, sizeof(a)),
		format_duration_human(h[SCHED_OFFCPU_THROTTLED].sum, b, sizeof(b)),
		format_duration_human(h[SCHED_OFFCPU_BLOCKED].sum, c, sizeof(c)));
}

/* "sched": {"unit":..., "runq_count":..., "runq_ns":..., "runq_hist":[...], "preempted_...": ...}, left open */
static void json_hists(struct json_obj *parent, const struct output_opts *o, const struct hist *h, struct json_obj *j)
{
	json_key(parent, "sched");
	json_begin(j, o->out);
	json_kv_str(j, "unit", o->millis ? "ms" : "us");
	for (int k = 0; k < SCHED_HIST_KINDS; k++) {
		char name[48];

		snprintf(name, sizeof(name), "%s_count", kind_names[k]);
		json_kv_u64(j, name, h[k].count);
		snprintf(name, sizeof(name), "%s_ns", kind_names[k]);
		json_kv_u64(j, name, h[k].sum);
		snprintf(name, sizeof(name), "%s_hist", kind_names[k]);
		json_key(j, name);
		hist_print_json(o->out, &h[k]);
	}
}

/* An interval's section; arg: the interval's histograms. */
static void text_interval(const struct output_opts *o, void *arg)
{
	const struct hist *h = arg;

	fprintf(o->out, "\nthread run-queue delay (runnable -> running)\n");
	if (h[SCHED_RUNQ].count)
		hist_print(o->out, &h[SCHED_RUNQ], o->millis ? "msecs" : "usecs");
	else
		fprintf(o->out, "  (no thread of the process ran)\n");
	print_offcpu(o, h);
}

static void json_interval(struct json_obj *parent, const struct output_opts *o, void *arg)
{
	struct json_obj sj;

	json_hists(parent, o, arg, &sj);
	json_end(&sj);
}

static void sched_interval(void *state, struct target_ctx *tc, void *tstate, struct output_sink *out)
{
	static const struct output_writer interval = { NULL, text_interval, json_interval };
	struct sched_target_state *ts = tstate;

	collect(state, tc->target.proc.pid, ts);
	output_section(out, &interval, ts->interval);
	memset(ts->interval, 0, sizeof(ts->interval));
}

static void sched_finish(void *state, struct target_ctx *tc, void *tstate)
{
	struct sched_target_state *ts = tstate;
	struct trace_facts *f = &tc->facts;

	collect(state, tc->target.proc.pid, ts);
	f->have_sched = true;
	f->runq_delays = ts->total[SCHED_RUNQ].count;
	f->runq_delay_ns = ts->total[SCHED_RUNQ].sum;
	f->runq_throttled_ns = ts->total[SCHED_OFFCPU_THROTTLED].sum;
	f->offcpu_throttled_ns = ts->total[SCHED_OFFCPU_THROTTLED].sum;
}

struct sched_totals {
	const struct sched_state *ss;
	const struct target_ctx *tc;
	const struct sched_target_state *ts;
};

static void text_totals(const struct output_opts *o, void *arg)
{
	const struct sched_totals *t = arg;
	char a[32];

	fprintf(o->out, "Threads total: %llu run-queue waits, ", (unsigned long long)t->ts->total[SCHED_RUNQ].count);
	print_offcpu(o, t->ts->total);
	fprintf(o->out, "Throttled: %llu intervals, %s in all\n", (unsigned long long)t->ts->throttle_intervals,
		format_duration_human(t->tc->throttle.total_ns, a, sizeof(a)));
}

static void json_totals(struct json_obj *parent, const struct output_opts *o, void *arg)
{
	const struct sched_totals *t = arg;
	struct json_obj sj;

	json_hists(parent, o, t->ts->total, &sj);
	json_kv_str(&sj, "attach", t->ss->attach);
	json_kv_u64(&sj, "throttled_intervals", t->ts->throttle_intervals);
	json_kv_u64(&sj, "throttled_interval_ns", t->tc->throttle.total_ns);
	json_end(&sj);
}

static void sched_summary(void *state, struct target_ctx *tc, void *tstate, struct output_sink *out)
{
	static const struct output_writer totals = { NULL, text_totals, json_totals };

	output_section(out, &totals, &(struct sched_totals){ state, tc, tstate });
}

static double throttled_seconds(const struct target_ctx *tc, const void *ts)
{
	(void)ts;
	return tc->throttle.total_ns * 1e-9;
}

static void offcpu_metrics(struct sched_state *ss, struct target_ctx *const *tcs, size_t n, struct prom *p)
{
	static const int kinds[] = { SCHED_OFFCPU_PREEMPTED, SCHED_OFFCPU_THROTTLED, SCHED_OFFCPU_BLOCKED };
	struct prom_label l[CAPABILITY_MAX_LABELS];

	prom_family(p, "gotrace_thread_offcpu_seconds_total", "counter",
		    "Time the process's threads spent off CPU: preempted, throttled (CPU quota) or blocked.");
	for (size_t i = 0; i < n; i++) {
		const struct sched_target_state *ts = tcs[i]->cap_state[ss->index];

		for (size_t k = 0; ts && k < sizeof(kinds) / sizeof(kinds[0]); k++)
			prom_sample(p, "gotrace_thread_offcpu_seconds_total", l,
				    capability_labels(tcs[i], l, "state", kind_names[kinds[k]]),
				    ts->total[kinds[k]].sum * 1e-9);
	}
}

static void sched_metrics(void *state, struct target_ctx *const *tcs, size_t n, struct prom *p)
{
	struct sched_state *ss = state;
	struct prom_label l[CAPABILITY_MAX_LABELS];

	prom_family(p, "gotrace_thread_runqueue_delay_seconds", "histogram",
		    "Time the process's threads waited for a CPU after becoming runnable.");
	for (size_t i = 0; i < n; i++) {
		struct sched_target_state *ts = tcs[i]->cap_state[ss->index];

		if (!ts)
			continue;
		collect(ss, tcs[i]->target.proc.pid, ts);
		memset(ts->interval, 0, sizeof(ts->interval));	/* the daemon keeps totals only */
		prom_histogram(p, "gotrace_thread_runqueue_delay_seconds", l, capability_labels(tcs[i], l, NULL, NULL),
			       &ts->total[SCHED_RUNQ], 1e-6, ts->total[SCHED_RUNQ].sum * 1e-9);
	}
	offcpu_metrics(ss, tcs, n, p);
	capability_metric_u64(p, "gotrace_throttled_intervals_total", "counter",
			      "Intervals during which CFS bandwidth control held at least one runnable thread.", tcs, n,
			      ss->index, offsetof(struct sched_target_state, throttle_intervals), 1);
	capability_metric(p, "gotrace_throttled_interval_seconds_total", "counter",
			  "Length of those intervals.", tcs, n, ss->index, throttled_seconds);
}

CAPABILITY_BSS_COUNTER(sched_events_lost, struct sched_state, events_lost)

static int sched_probe_count(void *state)
{
	struct sched_state *ss = state;

	return (ss->links[0] != NULL) + (ss->links[1] != NULL) + (ss->links[2] != NULL);
}

static void sched_close(void *state)
{
	struct sched_state *ss = state;

	unload(ss);
	free(ss);
}

const struct capability sched_capability = {
	.name = "sched",
	.description = "thread run-queue delay, off-CPU time (preempted, throttled, blocked) and CFS throttling",
	.default_on = true,
	.open = sched_open,
	.attach = sched_attach,
	.detach = sched_detach,
	.interval = sched_interval,
	.finish = sched_finish,
	.summary = sched_summary,
	.metrics = sched_metrics,
	.probe_count = sched_probe_count,
	.events_lost = sched_events_lost,
	.close = sched_close,
};
