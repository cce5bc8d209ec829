// SPDX-License-Identifier: GPL-2.0
/* Text and JSON views of GC pauses. Text follows the libbpf-tools look (runqlat histograms, runqslower lines);
 * JSON objects are one per line, keys documented in README.md. */
#include "lib/duration.h"
#include "caps/gc_output.h"
#include "lib/json.h"

static void json_pause(struct json_obj *j, const struct output_opts *o, void *arg)
{
	const struct stw_pause *p = arg;

	(void)o;
	json_kv_u64(j, "pid", p->pid);
	json_kv_u64(j, "tid", p->tid);
	json_kv_u64(j, "time_ns", p->start_ns);
	json_kv_str(j, "reason", p->reason);
	json_kv_u64(j, "gc_cycle", p->gc_cycle);
	if (p->duration_known)
		json_kv_u64(j, "duration_ns", p->duration_ns);
	else
		json_kv_str(j, "duration_ns", "unknown");
	json_kv_bool(j, "runtime_clock", p->runtime_clock);
	if (p->throttle_known)
		json_kv_u64(j, "throttled_ns", p->throttled_ns);
}

static void text_pause(const struct output_opts *o, void *arg)
{
	const struct stw_pause *p = arg;
	char dur[32], thr[32];

	if (!o->slow_ns || !p->duration_known || p->duration_ns < o->slow_ns)
		return;
	output_time_prefix(o);
	fprintf(o->out, "STW  pid %-7u tid %-7u %-22s cycle %-6llu %10s", p->pid, p->tid, p->reason,
		(unsigned long long)p->gc_cycle, format_duration_human(p->duration_ns, dur, sizeof(dur)));
	if (p->throttle_known && p->throttled_ns)
		fprintf(o->out, "  (%s of it throttled)", format_duration_human(p->throttled_ns, thr, sizeof(thr)));
	fputc('\n', o->out);
}

const struct output_writer gc_pause_writer = { "stw", text_pause, json_pause };

static void json_cycle(struct json_obj *j, const struct output_opts *o, void *arg)
{
	const struct gc_cycle *c = arg;

	(void)o;
	json_kv_u64(j, "pid", c->pid);
	json_kv_u64(j, "cycle", c->cycle);
	json_kv_u64(j, "pause_ns", c->pause_ns);
	json_kv_u64(j, "end_ns", c->end_ns);
	json_kv_bool(j, "complete", c->complete);
	if (!c->pauses) {	/* read from the runtime's record: no stop was seen, only the cycle's end */
		json_kv_u64(j, "time_ns", c->end_ns);
		json_kv_str(j, "source", "memstats");
		return;
	}
	json_kv_u64(j, "time_ns", c->start_ns);
	json_kv_u64(j, "probes_pause_ns", c->probes_pause_ns);
	json_kv_u64(j, "duration_ns", c->end_ns - c->start_ns);
	json_kv_u64(j, "pauses", c->pauses);
	json_kv_str(j, "source", "probes");
}

const struct output_writer gc_cycle_writer = { "gc_cycle", NULL, json_cycle };

static void print_hists(const struct output_opts *o, const struct gc_hists *h)
{
	const char *unit = o->millis ? "msecs" : "usecs";

	for (int i = 0; i < h->nreasons; i++) {
		fprintf(o->out, "\nstop-the-world pause, reason = %s\n", h->reasons[i].name);
		hist_print(o->out, &h->reasons[i].hist, unit);
	}
	if (h->cycle_hist.count) {
		fprintf(o->out, "\nGC cycle duration (sweep termination start to mark termination end)\n");
		hist_print(o->out, &h->cycle_hist, unit);
	}
	if (!h->nreasons && h->cycle_pause_hist.count) {	/* memstats source: the per-cycle figure is all there is */
		fprintf(o->out, "\nGC pause per cycle (its stops together, the runtime's MemStats.PauseNs)\n");
		hist_print(o->out, &h->cycle_pause_hist, unit);
	}
}

/* The memstats source's line: cycles and their pauses, no stop seen one by one. */
static void text_cycles_only(const struct output_opts *o, const struct gc_interval *iv)
{
	char a[32], b[32], c[32];

	fprintf(o->out, "GC: %llu cycles, pause per cycle p50 %s, p99 %s, max %s\n", (unsigned long long)iv->cycles,
		format_duration_human(iv->cycle_pause_p50_ns, a, sizeof(a)),
		format_duration_human(iv->cycle_pause_p99_ns, b, sizeof(b)),
		format_duration_human(iv->cycle_pause_max_ns, c, sizeof(c)));
}

static void text_interval(const struct output_opts *o, void *arg)
{
	struct gc_stats *s = arg;
	struct gc_interval iv;
	char a[32], b[32], c[32];

	gc_stats_interval(s, &iv);
	output_time_prefix(o);
	if (s->from_memstats && iv.cycles) {
		text_cycles_only(o, &iv);
		print_hists(o, &s->interval);
		return;
	}
	if (!iv.pauses) {
		fprintf(o->out, "GC: no stop-the-world pauses%s\n",
			s->pauses ? "" : " (is GC off? GOGC=off, or the program allocates little)");
		return;
	}
	fprintf(o->out, "GC: %llu cycles, %llu pauses, pause p50 %s, p99 %s, max %s\n",
		(unsigned long long)iv.cycles, (unsigned long long)iv.pauses, format_duration_human(iv.p50_ns, a, sizeof(a)),
		format_duration_human(iv.p99_ns, b, sizeof(b)), format_duration_human(iv.max_ns, c, sizeof(c)));
	print_hists(o, &s->interval);
}

static void text_summary(const struct output_opts *o, void *arg)
{
	struct gc_stats *s = arg;
	char a[32], b[32], c[32], d[32];

	if (s->from_memstats) {
		fprintf(o->out, "GC total: %llu cycles, %s stopped; pause per cycle p50 %s, p99 %s, max %s\n",
			(unsigned long long)s->cycles, format_duration_human(s->total.cycle_pause_sum_ns, a, sizeof(a)),
			format_duration_human(gc_stats_cycle_pause_quantile(s, 0.5), b, sizeof(b)),
			format_duration_human(gc_stats_cycle_pause_quantile(s, 0.99), c, sizeof(c)),
			format_duration_human(gc_stats_cycle_pause_quantile(s, 1.0), d, sizeof(d)));
		return;
	}
	if (!s->pauses && !s->pauses_unknown) {
		fprintf(o->out, "GC: no stop-the-world pauses while tracing (GOGC=off, or no GC was needed)\n");
		return;
	}
	fprintf(o->out, "GC total: %llu cycles, %llu pauses, %s stopped; pause p50 %s, p99 %s, max %s\n",
		(unsigned long long)s->cycles, (unsigned long long)s->pauses,
		format_duration_human(s->pause_ns_total, a, sizeof(a)),
		format_duration_human(gc_stats_quantile(s, 0.5), b, sizeof(b)),
		format_duration_human(gc_stats_quantile(s, 0.99), c, sizeof(c)),
		format_duration_human(gc_stats_quantile(s, 1.0), d, sizeof(d)));
}

static void json_hists(struct json_obj *j, const struct gc_hists *h, const char *unit)
{
	struct json_obj hj;

	json_key(j, "stw_hist");
	json_begin(&hj, j->out);
	json_kv_str(&hj, "unit", unit);
	for (int i = 0; i < h->nreasons; i++) {
		json_key(&hj, h->reasons[i].name);
		hist_print_json(j->out, &h->reasons[i].hist);
	}
	json_end(&hj);
	json_key(j, "gc_cycle_hist");
	hist_print_json(j->out, &h->cycle_hist);
	json_key(j, "cycle_pause_hist");
	hist_print_json(j->out, &h->cycle_pause_hist);
}

static void json_summary(struct json_obj *parent, const struct output_opts *o, void *arg)
{
	struct gc_stats *s = arg;
	struct json_obj j;

	json_key(parent, "gc");
	json_begin(&j, o->out);
	json_kv_str(&j, "source", s->from_memstats ? "memstats" : "probes");
	json_kv_u64(&j, "cycles", s->cycles);
	json_kv_u64(&j, "cycles_partial", s->cycles_partial);
	json_kv_u64(&j, "pauses", s->pauses);
	json_kv_u64(&j, "pauses_unknown_duration", s->pauses_unknown);
	json_kv_u64(&j, "pause_ns", s->pause_ns_total);
	json_kv_u64(&j, "pause_p50_ns", gc_stats_quantile(s, 0.5));
	json_kv_u64(&j, "pause_p99_ns", gc_stats_quantile(s, 0.99));
	json_kv_u64(&j, "pause_max_ns", gc_stats_quantile(s, 1.0));
	json_kv_u64(&j, "pause_throttled_ns", s->pause_throttled_ns);
	json_kv_u64(&j, "cycle_pause_ns", s->total.cycle_pause_sum_ns);
	json_kv_u64(&j, "cycle_pause_p50_ns", gc_stats_cycle_pause_quantile(s, 0.5));
	json_kv_u64(&j, "cycle_pause_p99_ns", gc_stats_cycle_pause_quantile(s, 0.99));
	json_kv_u64(&j, "cycle_pause_max_ns", gc_stats_cycle_pause_quantile(s, 1.0));
	json_kv_u64(&j, "cycles_unread", s->cycles_unread);
	json_kv_bool(&j, "cycle_numbers_from_runtime", s->numbering_from_runtime);
	json_kv_u64(&j, "layout_verified_cycles", s->cycles_verified);
	json_kv_u64(&j, "layout_mismatched_cycles", s->cycles_mismatched);
	json_hists(&j, &s->total, o->millis ? "ms" : "us");
	json_end(&j);
}

static void json_interval(struct json_obj *parent, const struct output_opts *o, void *arg)
{
	struct gc_interval iv;
	struct json_obj j;

	gc_stats_interval(arg, &iv);
	json_key(parent, "gc");
	json_begin(&j, o->out);
	json_kv_u64(&j, "cycles", iv.cycles);
	json_kv_u64(&j, "pauses", iv.pauses);
	json_kv_u64(&j, "pause_p50_ns", iv.p50_ns);
	json_kv_u64(&j, "pause_p99_ns", iv.p99_ns);
	json_kv_u64(&j, "pause_max_ns", iv.max_ns);
	json_kv_u64(&j, "cycle_pause_p50_ns", iv.cycle_pause_p50_ns);
	json_kv_u64(&j, "cycle_pause_p99_ns", iv.cycle_pause_p99_ns);
	json_kv_u64(&j, "cycle_pause_max_ns", iv.cycle_pause_max_ns);
	json_end(&j);
}

const struct output_writer gc_interval_writer = { NULL, text_interval, json_interval };
const struct output_writer gc_summary_writer = { NULL, text_summary, json_summary };
