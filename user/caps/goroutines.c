// SPDX-License-Identifier: GPL-2.0
/* The goroutines capability: time from runnable to running per goroutine dispatch.
 *
 * Default ("sampled"): the runtime already measures this for one transition in eight per goroutine and keeps the
 * result in runtime.sched.timeToRun (the source of /sched/latencies:seconds). gotrace reads that histogram from
 * the process's memory at every interval: no probe, no cost that grows with the switch rate.
 * Exact (--goroutines=exact): a uprobe on runtime.casgstatus times every dispatch, at one probe hit per goroutine
 * state change. */
#include <bpf/libbpf.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/bpf_hist.h"
#include "tracer/capability.h"
#include "lib/duration.h"
#include "bpf/goroutines.h"
#include "goroutines.skel.h"
#include "lib/log.h"
#include "lib/poller.h"
#include "tracer/layout_check.h"
#include "tracer/runtime_layout.h"
#include "tracer/uprobes.h"

#define MAX_RUNTIME_BUCKETS 1024
#define POLL_PERIOD_NS 100000000ull	/* 100 ms */
#define RELAXED_POLL_NS 1000000000ull	/* the daemon (relaxed_polls): the histogram is cumulative, and read at each
					 * render too; only its last second before an exit can be missed */

/* Per traced process. */
struct goroutines_target_state {
	int pid;
	/* sampled */
	uint64_t hist_addr;		/* runtime address of sched.timeToRun */
	int off_counts, nbuckets;
	enum go_timehist_scheme scheme;
	bool counts_syscall_returns;	/* see runtime_counts_syscall_returns */
	bool layout_failed;		/* the histogram shrank: not the runtime's (see hist_only_grew) */
	uint64_t first[MAX_RUNTIME_BUCKETS], last[MAX_RUNTIME_BUCKETS], interval[MAX_RUNTIME_BUCKETS];
	/* exact */
	struct uprobe_set probes;
	struct bpf_hist bpf_last;
	struct hist exact_total, exact_interval;
};

struct goroutines_state {
	struct trace_ctx *ctx;
	int index;
	bool exact;
	struct goroutines_bpf *skel;	/* exact mode */
	struct poller poller;		/* sampled mode reads every process's histogram */
	int probes;
};

static int read_runtime_hist(const struct goroutines_target_state *ts, uint64_t *counts)
{
	return proc_read_mem(ts->pid, ts->hist_addr + ts->off_counts, counts, (size_t)ts->nbuckets * sizeof(uint64_t));
}

/* The live check of the derived layout at every read: a count that shrinks means the offsets point elsewhere: the
 * view stops for this process, and says why, rather than report garbage. */
static bool hist_only_grew(struct goroutines_target_state *ts, const uint64_t *now)
{
	char why[128];

	if (!layout_check_timehist_grew(ts->last, now, ts->nbuckets, why, sizeof(why)))
		return true;
	ts->layout_failed = true;
	log_warn("PID %d: goroutine scheduling delay is off: sched.timeToRun failed live verification (%s; the "
		 "layout of runtime.sched is not what was derived)", ts->pid, why);
	return false;
}

/* Moves what the runtime's histogram (sampled) or the BPF histogram (exact) gained into the interval. */
static void collect(struct goroutines_state *gs, struct goroutines_target_state *ts)
{
	uint64_t now[MAX_RUNTIME_BUCKETS];
	struct hist delta;

	if (gs->exact) {
		if (bpf_hist_read_delta(bpf_map__fd(gs->skel->maps.hists), ts->pid, GOROUTINE_SCHED_DELAY,
					&ts->bpf_last, &delta) == 0) {
			hist_merge(&ts->exact_interval, &delta);
			hist_merge(&ts->exact_total, &delta);
		}
		return;
	}
	if (ts->layout_failed || read_runtime_hist(ts, now))
		return;	/* the process exited: keep what we have */
	if (!hist_only_grew(ts, now))
		return;
	for (int i = 0; i < ts->nbuckets; i++) {
		ts->interval[i] += now[i] - ts->last[i];
		ts->last[i] = now[i];
	}
}

/* The histogram lives in the process: read it often enough that its exit loses little. */
static void poll_runtime_hist(void *arg, void *item)
{
	collect(arg, item);
}

static int open_exact(struct goroutines_state *gs, char *note, size_t note_size)
{
	int err;

	gs->skel = goroutines_bpf__open();
	if (!gs->skel)
		return -errno;
	gs->skel->rodata->targ_ms = gs->ctx->out->millis;
	err = event_bus_adopt(gs->ctx->bus, gs->skel->obj);
	if (!err)
		err = goroutines_bpf__load(gs->skel);
	if (err)
		snprintf(note, note_size, "cannot load the goroutine probes: %s %s", strerror(-err),
			 log_privilege_hint(err));
	return err;
}

static int goroutines_open(struct trace_ctx *ctx, int index, void **state, char *note, size_t note_size)
{
	struct goroutines_state *gs = calloc(1, sizeof(*gs));

	if (!gs)
		return -ENOMEM;
	*state = gs;
	gs->ctx = ctx;
	gs->index = index;
	gs->exact = ctx->opts.exact_goroutines;
	poller_init(&gs->poller, ctx->loop, ctx->opts.relaxed_polls ? RELAXED_POLL_NS : POLL_PERIOD_NS,
		    poll_runtime_hist, gs);
	return gs->exact ? open_exact(gs, note, note_size) : 0;
}

/* Up to Go 1.25, casgstatus starts a sample on any transition out of _Grunning, _Gsyscall included, and a
 * return from a system call (_Gsyscall -> _Grunning) then records a dispatch with zero delay: one in eight
 * system calls per goroutine lands in the histogram's first bucket. Go 1.26 leaves those transitions out. */
static bool runtime_counts_syscall_returns(int major, int minor)
{
	return major == 1 && minor <= 25;
}

static int attach_sampled(struct goroutines_state *gs, struct goroutines_target_state *ts,
			  const struct target *t, char *note, size_t note_size)
{
	struct runtime_layout rl;
	const struct go_offsets *o = &rl.offsets;
	char why[256];

	runtime_layout_resolve(t, &rl);
	ts->scheme = runtime_layout_timehist_scheme(&rl, t);
	ts->counts_syscall_returns = runtime_counts_syscall_returns(t->bin->version.major, t->bin->version.minor);
	if (rl.offsets_err || !rl.globals.sched || o->sched_time_to_run < 0 || o->hist_counts < 0 ||
	    o->hist_nbuckets <= 0 || o->hist_nbuckets > MAX_RUNTIME_BUCKETS || ts->scheme == GO_TIMEHIST_UNKNOWN) {
		snprintf(note, note_size, "goroutine scheduling delay is off: %s (--goroutines=exact probes instead)",
			 rl.offsets_err ? "no runtime layout for this Go version (no DWARF, no table entry)"
			 : !rl.globals.sched ? "runtime.sched not found in this binary"
					     : "sched.timeToRun or the timeHistogram layout could not be derived");
		return -ENOTSUP;
	}
	ts->hist_addr = rl.globals.sched + t->bias + (uint64_t)o->sched_time_to_run;
	ts->off_counts = o->hist_counts;
	ts->nbuckets = o->hist_nbuckets;
	if (read_runtime_hist(ts, ts->first)) {
		snprintf(note, note_size, "goroutine scheduling delay is off: cannot read the process's memory");
		return -ENOTSUP;
	}
	if (layout_check_timehist(ts->first, ts->nbuckets, why, sizeof(why))) {
		snprintf(note, note_size, "goroutine scheduling delay is off: sched.timeToRun failed live verification: %s",
			 why);
		return -ENOTSUP;
	}
	memcpy(ts->last, ts->first, sizeof(ts->first));
	return poller_add(&gs->poller, ts);
}

static int goroutines_attach(void *state, struct target_ctx *tc, void **tstate, char *note, size_t note_size)
{
	struct goroutines_state *gs = state;
	const struct target *t = &tc->target;
	struct goroutines_target_state *ts;
	int err;

	if (!runtime_release_supported(t)) {
		snprintf(note, note_size, "goroutine scheduling delay is off: %s is older than Go 1.%d",
			 go_binary_version_str(t->bin), GO_MINOR_OLDEST);
		return -ENOTSUP;
	}
	ts = calloc(1, sizeof(*ts));
	if (!ts)
		return -ENOMEM;
	ts->pid = t->proc.pid;
	if (gs->exact)
		err = uprobes_attach_entry(&ts->probes, gs->skel->progs.handle_casgstatus, t,
					   capability_uprobe_pid(gs->ctx, tc), "runtime.casgstatus", note, note_size);
	else
		err = attach_sampled(gs, ts, t, note, note_size);
	if (err) {
		uprobes_destroy(&ts->probes);
		free(ts);
		return gs->exact ? uprobe_error(err, "exact goroutine tracing", note, note_size) : err;
	}
	gs->probes += (int)uprobes_count(&ts->probes);
	*tstate = ts;
	return 0;
}

static void goroutines_detach(void *state, struct target_ctx *tc, void *tstate)
{
	struct goroutines_state *gs = state;
	struct goroutines_target_state *ts = tstate;
	struct bpf_hist_key key = { .tgid = tc->target.proc.pid, .kind = GOROUTINE_SCHED_DELAY };

	poller_remove(&gs->poller, ts);
	gs->probes -= (int)uprobes_count(&ts->probes);
	uprobes_destroy(&ts->probes);
	if (gs->skel)
		bpf_map__delete_elem(gs->skel->maps.hists, &key, sizeof(key), 0);
	free(ts);
}

/* The runtime's buckets as a log2 histogram in the display unit: each bucket counted at its lower bound. */
static void runtime_to_hist(const struct goroutines_target_state *ts, const uint64_t *counts, uint64_t unit,
			    struct hist *h)
{
	memset(h, 0, sizeof(*h));
	for (int i = 0; i < ts->nbuckets; i++) {
		uint64_t lo, hi;

		if (!counts[i] || go_timehist_bucket(ts->scheme, i, &lo, &hi))
			continue;
		h->slots[hist_slot(lo / unit)] += counts[i];
		h->count += counts[i];
		if (lo > h->max)
			h->max = lo;
	}
}

/* The upper bound of the runtime bucket holding quantile q: the runtime's own resolution. */
static uint64_t runtime_quantile(const struct goroutines_target_state *ts, const uint64_t *counts, double q)
{
	uint64_t total = 0, seen = 0, rank, lo, hi;

	for (int i = 0; i < ts->nbuckets; i++)
		total += counts[i];
	if (!total)
		return 0;
	rank = (uint64_t)(q * (double)total + 0.999999);
	for (int i = 0; i < ts->nbuckets; i++) {
		seen += counts[i];
		if (seen >= rank && rank && go_timehist_bucket(ts->scheme, i, &lo, &hi) == 0)
			return hi;
	}
	return 0;
}

static uint64_t count_of(const struct goroutines_target_state *ts, const uint64_t *counts)
{
	uint64_t n = 0;

	for (int i = 0; i < ts->nbuckets; i++)
		n += counts[i];
	return n;
}

/* What an interval or the summary shows: the runtime's counts (sampled mode) or our histogram (exact mode). */
struct goroutines_figures {
	const struct goroutines_target_state *ts;
	bool exact;
	const uint64_t *counts;
	const struct hist *exact_hist;
};

static void text_view(const struct output_opts *o, void *arg)
{
	const struct goroutines_figures *f = arg;
	const struct goroutines_target_state *ts = f->ts;
	const uint64_t *counts = f->counts;
	const struct hist *exact_hist = f->exact_hist;
	uint64_t unit = o->millis ? 1000000 : 1000;
	struct hist h;
	char a[32], b[32];

	if (f->exact) {
		fprintf(o->out, "\ngoroutine scheduling delay (runnable -> running, every dispatch)\n");
		hist_print(o->out, exact_hist, o->millis ? "msecs" : "usecs");
		fprintf(o->out, "p50 < %s, p99 < %s\n",
			format_duration_human(hist_quantile_bound(exact_hist, 0.5) * unit, a, sizeof(a)),
			format_duration_human(hist_quantile_bound(exact_hist, 0.99) * unit, b, sizeof(b)));
		return;
	}
	runtime_to_hist(ts, counts, unit, &h);
	fprintf(o->out, "\ngoroutine scheduling delay (runnable -> running; the runtime's sample, 1 in 8 per goroutine)\n");
	if (!h.count) {
		fprintf(o->out, "  (no sampled dispatch)\n");
		return;
	}
	hist_print(o->out, &h, o->millis ? "msecs" : "usecs");
	fprintf(o->out, "p50 < %s, p99 < %s\n", format_duration_human(runtime_quantile(ts, counts, 0.5), a, sizeof(a)),
		format_duration_human(runtime_quantile(ts, counts, 0.99), b, sizeof(b)));
	if (ts->counts_syscall_returns)
		fprintf(o->out, "note: this Go runtime (1.25 and older) also counts returns from system calls as "
				"zero-delay dispatches,\n      so quantiles read low; --goroutines=exact times only real "
				"dispatches\n");
}

static void json_runtime_buckets(const struct goroutines_target_state *ts, struct json_obj *j, const uint64_t *counts)
{
	bool first = true;

	json_key(j, "buckets");
	fputc('[', j->out);
	for (int i = 0; i < ts->nbuckets; i++) {
		uint64_t lo, hi;

		if (!counts[i] || go_timehist_bucket(ts->scheme, i, &lo, &hi))
			continue;
		fprintf(j->out, "%s{\"lo_ns\":%llu,\"hi_ns\":%llu,\"count\":%llu}", first ? "" : ",",
			(unsigned long long)lo, (unsigned long long)(hi == UINT64_MAX ? 0 : hi),
			(unsigned long long)counts[i]);
		first = false;
	}
	fputc(']', j->out);
}

/* {"mode", "count", "p50_ns_below", "p99_ns_below", "buckets" | "hist"} */
static void json_view(struct json_obj *parent, const struct output_opts *o, void *arg)
{
	const struct goroutines_figures *f = arg;
	const struct goroutines_target_state *ts = f->ts;
	const uint64_t *counts = f->counts;
	const struct hist *exact_hist = f->exact_hist;
	bool exact = f->exact;
	uint64_t unit = o->millis ? 1000000 : 1000;
	struct json_obj j;

	json_key(parent, "goroutines");
	json_begin(&j, o->out);
	json_kv_str(&j, "mode", exact ? "exact" : "sampled");
	if (exact) {
		json_kv_u64(&j, "count", exact_hist->count);
		json_kv_u64(&j, "delay_ns", exact_hist->sum);
		json_kv_u64(&j, "p50_ns_below", hist_quantile_bound(exact_hist, 0.5) * unit);
		json_kv_u64(&j, "p99_ns_below", hist_quantile_bound(exact_hist, 0.99) * unit);
		json_kv_str(&j, "unit", o->millis ? "ms" : "us");
		json_key(&j, "hist");
		hist_print_json(o->out, exact_hist);
	} else {
		json_kv_u64(&j, "count", count_of(ts, counts));
		json_kv_u64(&j, "p50_ns_below", runtime_quantile(ts, counts, 0.5));
		json_kv_u64(&j, "p99_ns_below", runtime_quantile(ts, counts, 0.99));
		json_kv_bool(&j, "counts_syscall_returns", ts->counts_syscall_returns);
		json_runtime_buckets(ts, &j, counts);
	}
	json_end(&j);
}

static void goroutines_interval(void *state, struct target_ctx *tc, void *tstate, struct output_sink *out)
{
	static const struct output_writer interval = { NULL, text_view, json_view };
	struct goroutines_state *gs = state;
	struct goroutines_target_state *ts = tstate;

	(void)tc;
	collect(gs, ts);
	output_section(out, &interval, &(struct goroutines_figures){ ts, gs->exact, ts->interval, &ts->exact_interval });
	memset(ts->interval, 0, sizeof(ts->interval));
	memset(&ts->exact_interval, 0, sizeof(ts->exact_interval));
}

static void goroutines_finish(void *state, struct target_ctx *tc, void *tstate)
{
	(void)tc;
	collect(state, tstate);
}

static void text_totals(const struct output_opts *o, void *arg)
{
	const struct goroutines_figures *f = arg;
	char a[32], b[32];

	if (f->exact) {
		fprintf(o->out, "Goroutines: %llu dispatches timed (exact mode)\n",
			(unsigned long long)f->exact_hist->count);
		return;
	}
	fprintf(o->out, "Goroutines: %llu sampled dispatches, delay p50 < %s, p99 < %s\n",
		(unsigned long long)count_of(f->ts, f->counts),
		format_duration_human(runtime_quantile(f->ts, f->counts, 0.5), a, sizeof(a)),
		format_duration_human(runtime_quantile(f->ts, f->counts, 0.99), b, sizeof(b)));
}

static void goroutines_summary(void *state, struct target_ctx *tc, void *tstate, struct output_sink *out)
{
	static const struct output_writer summary = { NULL, text_totals, json_view };
	struct goroutines_state *gs = state;
	struct goroutines_target_state *ts = tstate;
	uint64_t counts[MAX_RUNTIME_BUCKETS];

	(void)tc;
	for (int i = 0; i < ts->nbuckets; i++)
		counts[i] = ts->last[i] - ts->first[i];
	output_section(out, &summary, &(struct goroutines_figures){ ts, gs->exact, counts, &ts->exact_total });
}

static void goroutines_metrics(void *state, struct target_ctx *const *tcs, size_t n, struct prom *p)
{
	struct goroutines_state *gs = state;
	struct prom_label l[CAPABILITY_MAX_LABELS];
	uint64_t counts[MAX_RUNTIME_BUCKETS];
	struct hist h;

	prom_family(p, "gotrace_goroutine_sched_delay_seconds", "histogram",
		    "Goroutine scheduling delay, runnable to running (sampled mode: the runtime's own 1-in-8 sample; "
		    "each runtime bucket counted at its lower bound).");
	for (size_t i = 0; i < n; i++) {
		struct goroutines_target_state *ts = tcs[i]->cap_state[gs->index];

		if (!ts)
			continue;
		collect(gs, ts);
		memset(ts->interval, 0, sizeof(ts->interval));
		memset(&ts->exact_interval, 0, sizeof(ts->exact_interval));
		if (gs->exact) {
			h = ts->exact_total;
		} else {
			for (int b = 0; b < ts->nbuckets; b++)
				counts[b] = ts->last[b] - ts->first[b];
			runtime_to_hist(ts, counts, 1000, &h);
		}
		prom_histogram(p, "gotrace_goroutine_sched_delay_seconds", l, capability_labels(tcs[i], l, NULL, NULL),
			       &h, 1e-6, gs->exact ? h.sum * 1e-9 : PROM_SUM_ESTIMATE);
	}
}

CAPABILITY_BSS_COUNTER(goroutines_probe_hits, struct goroutines_state, probe_hits)

static int goroutines_probe_count(void *state)
{
	return ((struct goroutines_state *)state)->probes;
}

static void goroutines_close(void *state)
{
	struct goroutines_state *gs = state;

	goroutines_bpf__destroy(gs->skel);
	poller_free(&gs->poller);
	free(gs);
}

const struct capability goroutines_capability = {
	.name = "goroutines",
	.description = "goroutine scheduling delay (runnable -> running)",
	.default_on = true,
	.open = goroutines_open,
	.attach = goroutines_attach,
	.detach = goroutines_detach,
	.interval = goroutines_interval,
	.finish = goroutines_finish,
	.summary = goroutines_summary,
	.metrics = goroutines_metrics,
	.probe_hits = goroutines_probe_hits,
	.probe_count = goroutines_probe_count,
	.close = goroutines_close,
};
