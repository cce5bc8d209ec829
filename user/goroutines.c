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

#include "bpf_hist.h"
#include "capability.h"
#include "goroutines.h"
#include "goroutines.skel.h"
#include "log.h"
#include "runtime_layout.h"
#include "uprobes.h"

#define MAX_RUNTIME_BUCKETS 1024
#define POLL_PERIOD_NS 100000000ull	/* 100 ms */

struct goroutines_state {
	struct trace_ctx *ctx;
	bool exact;
	/* sampled */
	uint64_t hist_addr;		/* runtime address of sched.timeToRun */
	int off_counts, nbuckets;
	enum go_timehist_scheme scheme;
	uint64_t first[MAX_RUNTIME_BUCKETS], last[MAX_RUNTIME_BUCKETS], interval[MAX_RUNTIME_BUCKETS];
	/* exact */
	struct goroutines_bpf *skel;
	struct uprobe_set probes;
	struct bpf_hist bpf_last;
	struct hist exact_total, exact_interval;
};

static int read_runtime_hist(struct goroutines_state *gs, uint64_t *counts)
{
	return proc_read_mem(gs->ctx->target->proc.pid, gs->hist_addr + gs->off_counts, counts,
			     (size_t)gs->nbuckets * sizeof(uint64_t));
}

static void collect(struct goroutines_state *gs);

static int poll_runtime_hist(void *arg)
{
	collect(arg);
	return 0;
}

static int start_sampled(struct goroutines_state *gs, char *note, size_t note_size)
{
	const struct target *t = gs->ctx->target;
	struct runtime_layout rl;
	const struct go_offsets *o = &rl.offsets;

	runtime_layout_resolve(t, &rl);
	gs->scheme = go_timehist_scheme(t->bin->version.major, t->bin->version.minor);
	if (rl.offsets_err || !rl.globals.sched || o->sched_time_to_run < 0 || o->hist_counts < 0 ||
	    o->hist_nbuckets <= 0 || o->hist_nbuckets > MAX_RUNTIME_BUCKETS || gs->scheme == GO_TIMEHIST_UNKNOWN) {
		snprintf(note, note_size, "goroutine scheduling delay is off: %s (--goroutines=exact probes instead)",
			 rl.offsets_err ? "no known runtime layout for this Go version"
					: "runtime.sched not found in this binary");
		return -ENOTSUP;
	}
	gs->hist_addr = rl.globals.sched + t->bias + (uint64_t)o->sched_time_to_run;
	gs->off_counts = o->hist_counts;
	gs->nbuckets = o->hist_nbuckets;
	if (read_runtime_hist(gs, gs->first)) {
		snprintf(note, note_size, "goroutine scheduling delay is off: cannot read the process's memory");
		return -ENOTSUP;
	}
	memcpy(gs->last, gs->first, sizeof(gs->first));
	/* The histogram lives in the process: read it often enough that its exit loses little. */
	return loop_add_timer(gs->ctx->loop, POLL_PERIOD_NS, poll_runtime_hist, gs);
}

static int start_exact(struct goroutines_state *gs, char *note, size_t note_size)
{
	const struct target *t = gs->ctx->target;
	int err;

	gs->skel = goroutines_bpf__open();
	if (!gs->skel)
		return -errno;
	gs->skel->rodata->targ_ms = gs->ctx->out->millis;
	err = event_bus_adopt(gs->ctx->bus, gs->skel->obj);
	if (!err)
		err = goroutines_bpf__load(gs->skel);
	if (err) {
		snprintf(note, note_size, "cannot load the goroutine probes: %s %s", strerror(-err),
			 log_privilege_hint(err));
		return err;
	}
	return uprobes_attach_entry(&gs->probes, gs->skel->progs.handle_casgstatus, t, t->proc.pid,
				    "runtime.casgstatus", note, note_size);
}

static int goroutines_start(struct trace_ctx *ctx, void **state, char *note, size_t note_size)
{
	struct goroutines_state *gs = calloc(1, sizeof(*gs));

	if (!gs)
		return -ENOMEM;
	*state = gs;
	gs->ctx = ctx;
	gs->exact = ctx->exact_goroutines;
	if (!runtime_version_known(ctx->target)) {
		snprintf(note, note_size, "goroutine scheduling delay is off: %s has no known runtime layout",
			 go_binary_version_str(ctx->target->bin));
		return -ENOTSUP;
	}
	return gs->exact ? start_exact(gs, note, note_size) : start_sampled(gs, note, note_size);
}

/* The runtime's buckets as a log2 histogram in the display unit: each bucket counted at its lower bound. */
static void runtime_to_hist(const struct goroutines_state *gs, const uint64_t *counts, struct hist *h)
{
	uint64_t unit = gs->ctx->out->millis ? 1000000 : 1000;

	memset(h, 0, sizeof(*h));
	for (int i = 0; i < gs->nbuckets; i++) {
		uint64_t lo, hi;

		if (!counts[i] || go_timehist_bucket(gs->scheme, i, &lo, &hi))
			continue;
		h->slots[hist_slot(lo / unit)] += counts[i];
		h->count += counts[i];
		if (lo > h->max)
			h->max = lo;
	}
}

/* The upper bound of the runtime bucket holding quantile q: the runtime's own resolution. */
static uint64_t runtime_quantile(const struct goroutines_state *gs, const uint64_t *counts, double q)
{
	uint64_t total = 0, seen = 0, rank, lo, hi;

	for (int i = 0; i < gs->nbuckets; i++)
		total += counts[i];
	if (!total)
		return 0;
	rank = (uint64_t)(q * (double)total + 0.999999);
	for (int i = 0; i < gs->nbuckets; i++) {
		seen += counts[i];
		if (seen >= rank && rank && go_timehist_bucket(gs->scheme, i, &lo, &hi) == 0)
			return hi;
	}
	return 0;
}

static void collect(struct goroutines_state *gs)
{
	uint64_t now[MAX_RUNTIME_BUCKETS];
	struct hist delta;

	if (gs->exact) {
		if (bpf_hist_read_delta(bpf_map__fd(gs->skel->maps.hists), gs->ctx->target->proc.pid,
					GOROUTINE_SCHED_DELAY, &gs->bpf_last, &delta) == 0) {
			hist_merge(&gs->exact_interval, &delta);
			hist_merge(&gs->exact_total, &delta);
		}
		return;
	}
	if (read_runtime_hist(gs, now))
		return;	/* the process exited: keep what we have */
	for (int i = 0; i < gs->nbuckets; i++) {
		gs->interval[i] += now[i] - gs->last[i];
		gs->last[i] = now[i];
	}
}

static void print_text(const struct goroutines_state *gs, const struct output_opts *o, const uint64_t *counts,
		       const struct hist *exact)
{
	struct hist h;
	char a[32], b[32];

	if (gs->exact) {
		fprintf(o->out, "\ngoroutine scheduling delay (runnable -> running, every dispatch)\n");
		hist_print(o->out, exact, o->millis ? "msecs" : "usecs");
		fprintf(o->out, "p50 < %s, p99 < %s\n", format_duration(hist_quantile_bound(exact, 0.5) * (o->millis ? 1000000 : 1000), a, sizeof(a)),
			format_duration(hist_quantile_bound(exact, 0.99) * (o->millis ? 1000000 : 1000), b, sizeof(b)));
		return;
	}
	runtime_to_hist(gs, counts, &h);
	fprintf(o->out, "\ngoroutine scheduling delay (runnable -> running; the runtime's sample, 1 in 8 per goroutine)\n");
	if (!h.count) {
		fprintf(o->out, "  (no sampled dispatch)\n");
		return;
	}
	hist_print(o->out, &h, o->millis ? "msecs" : "usecs");
	fprintf(o->out, "p50 < %s, p99 < %s\n", format_duration(runtime_quantile(gs, counts, 0.5), a, sizeof(a)),
		format_duration(runtime_quantile(gs, counts, 0.99), b, sizeof(b)));
}

static void goroutines_interval(void *state, struct trace_ctx *ctx)
{
	struct goroutines_state *gs = state;

	collect(gs);
	if (!ctx->out->json)
		print_text(gs, ctx->out, gs->interval, &gs->exact_interval);
	memset(gs->interval, 0, sizeof(gs->interval));
	memset(&gs->exact_interval, 0, sizeof(gs->exact_interval));
}

static void totals(const struct goroutines_state *gs, uint64_t *counts)
{
	for (int i = 0; i < gs->nbuckets; i++)
		counts[i] = gs->last[i] - gs->first[i];
}

static void goroutines_finish(void *state, struct trace_ctx *ctx)
{
	(void)ctx;
	collect(state);
}

static void goroutines_text_summary(void *state, struct trace_ctx *ctx)
{
	struct goroutines_state *gs = state;
	uint64_t counts[MAX_RUNTIME_BUCKETS];
	char a[32], b[32];
	uint64_t n = 0;

	if (gs->exact) {
		fprintf(ctx->out->out, "Goroutines: %llu dispatches timed (exact mode)\n",
			(unsigned long long)gs->exact_total.count);
		return;
	}
	totals(gs, counts);
	for (int i = 0; i < gs->nbuckets; i++)
		n += counts[i];
	fprintf(ctx->out->out, "Goroutines: %llu sampled dispatches, delay p50 < %s, p99 < %s\n", (unsigned long long)n,
		format_duration(runtime_quantile(gs, counts, 0.5), a, sizeof(a)),
		format_duration(runtime_quantile(gs, counts, 0.99), b, sizeof(b)));
}

static void json_runtime_buckets(struct goroutines_state *gs, struct json_obj *j, const uint64_t *counts)
{
	bool first = true;

	json_key(j, "buckets");
	fputc('[', j->out);
	for (int i = 0; i < gs->nbuckets; i++) {
		uint64_t lo, hi;

		if (!counts[i] || go_timehist_bucket(gs->scheme, i, &lo, &hi))
			continue;
		fprintf(j->out, "%s{\"lo_ns\":%llu,\"hi_ns\":%llu,\"count\":%llu}", first ? "" : ",",
			(unsigned long long)lo, (unsigned long long)(hi == UINT64_MAX ? 0 : hi),
			(unsigned long long)counts[i]);
		first = false;
	}
	fputc(']', j->out);
}

static void goroutines_json_summary(void *state, struct trace_ctx *ctx, struct json_obj *summary)
{
	struct goroutines_state *gs = state;
	uint64_t counts[MAX_RUNTIME_BUCKETS], n = 0;
	uint64_t unit = ctx->out->millis ? 1000000 : 1000;
	struct json_obj j;

	json_key(summary, "goroutines");
	json_begin(&j, ctx->out->out);
	json_kv_str(&j, "mode", gs->exact ? "exact" : "sampled");
	if (gs->exact) {
		json_kv_u64(&j, "count", gs->exact_total.count);
		json_kv_u64(&j, "delay_ns", gs->exact_total.sum);
		json_kv_u64(&j, "p50_ns_below", hist_quantile_bound(&gs->exact_total, 0.5) * unit);
		json_kv_u64(&j, "p99_ns_below", hist_quantile_bound(&gs->exact_total, 0.99) * unit);
		json_kv_str(&j, "unit", ctx->out->millis ? "ms" : "us");
		json_key(&j, "hist");
		hist_print_json(ctx->out->out, &gs->exact_total);
	} else {
		totals(gs, counts);
		for (int i = 0; i < gs->nbuckets; i++)
			n += counts[i];
		json_kv_u64(&j, "count", n);
		json_kv_u64(&j, "p50_ns_below", runtime_quantile(gs, counts, 0.5));
		json_kv_u64(&j, "p99_ns_below", runtime_quantile(gs, counts, 0.99));
		json_runtime_buckets(gs, &j, counts);
	}
	json_end(&j);
}

static uint64_t goroutines_probe_hits(void *state)
{
	struct goroutines_state *gs = state;

	return gs->skel ? gs->skel->bss->probe_hits : 0;
}

static int goroutines_probe_count(void *state)
{
	return (int)((struct goroutines_state *)state)->probes.n;
}

static void goroutines_stop(void *state)
{
	struct goroutines_state *gs = state;

	if (!gs)
		return;
	uprobes_destroy(&gs->probes);
	goroutines_bpf__destroy(gs->skel);
	free(gs);
}

const struct capability goroutines_capability = {
	.name = "goroutines",
	.summary = "goroutine scheduling delay (runnable -> running)",
	.default_on = true,
	.start = goroutines_start,
	.interval = goroutines_interval,
	.finish = goroutines_finish,
	.text_summary = goroutines_text_summary,
	.json_summary = goroutines_json_summary,
	.probe_hits = goroutines_probe_hits,
	.probe_count = goroutines_probe_count,
	.stop = goroutines_stop,
};
