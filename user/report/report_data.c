// SPDX-License-Identifier: GPL-2.0
/* The data the report page's script draws, as one JSON object inside the page. Events are flat arrays of numbers
 * with times in microseconds from the start of tracing, each start a delta from the previous one: a 10-minute
 * trace with 200k pauses stays a few megabytes, and JSON.parse reads it in milliseconds. */
#include <errno.h>
#include <stdio.h>

#include "lib/json.h"
#include "report/report_page.h"

/* ns -> us relative to t0, rounded to the nearest us. The stream's times are whatever a file says: a difference
 * past int64 saturates rather than overflow. */
static int64_t rel_us(int64_t t, int64_t t0)
{
	int64_t d, us;
	uint64_t magnitude;

	if (__builtin_sub_overflow(t, t0, &d))
		d = t > t0 ? INT64_MAX : INT64_MIN;
	magnitude = d >= 0 ? (uint64_t)d : -(uint64_t)d;
	us = (int64_t)((magnitude + 500) / 1000);
	return d >= 0 ? us : -us;
}

/* A duration in us: one decimal below 100 us, whole above (the page shows three significant digits). */
static void dur_us(FILE *out, uint64_t ns)
{
	uint64_t tenths = (ns + 50) / 100;

	if (ns >= 100000)
		fprintf(out, "%llu", (unsigned long long)((ns + 500) / 1000));
	else if (tenths % 10)
		fprintf(out, "%llu.%llu", (unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10));
	else
		fprintf(out, "%llu", (unsigned long long)(tenths / 10));
}

static void pauses(FILE *out, const struct report *r, int64_t t0)
{
	int64_t prev = 0;
	uint32_t prev_cycle = 0;

	fputs(",\"pauses\":[", out);
	for (size_t i = 0; i < r->npauses; i++) {
		const struct report_pause *p = &r->pauses[i];
		int64_t t = rel_us(p->t, t0);

		fprintf(out, "%s%lld,", i ? "," : "", (long long)(t - prev));
		if (p->dur_unknown)
			fputs("-1", out);
		else
			dur_us(out, p->dur);
		fprintf(out, ",%u,", p->reason);
		dur_us(out, p->throttled);
		fprintf(out, ",%lld", (long long)p->cycle - prev_cycle);
		prev = t;
		prev_cycle = p->cycle;
	}
	fputc(']', out);
}

/* A cycle's pauses and their total are not written: the page sums the pauses of that cycle number. */
static void cycles(FILE *out, const struct report *r, int64_t t0)
{
	int64_t prev = 0;
	uint32_t prev_cycle = 0;

	fputs(",\"cycles\":[", out);
	for (size_t i = 0; i < r->ncycles; i++) {
		const struct report_cycle *c = &r->cycles[i];
		int64_t t = rel_us(c->t, t0);

		fprintf(out, "%s%lld,", i ? "," : "", (long long)(t - prev));
		dur_us(out, c->dur);
		fprintf(out, ",%lld,%d", (long long)c->cycle - prev_cycle, c->complete);
		prev = t;
		prev_cycle = c->cycle;
	}
	fputc(']', out);
}

static void throttles(FILE *out, const struct report *r, int64_t t0)
{
	int64_t prev = 0;

	fputs(",\"throttles\":[", out);
	for (size_t i = 0; i < r->nthrottles; i++) {
		int64_t t = rel_us(r->throttles[i].t, t0);

		fprintf(out, "%s%lld,", i ? "," : "", (long long)(t - prev));
		dur_us(out, r->throttles[i].dur);
		prev = t;
	}
	fputc(']', out);
}

/* Interval columns [t0, t1) and the cgroup's counters in each (-1: not recorded). */
static void columns(FILE *out, const struct report *r, int64_t t0)
{
	fputs(",\"cols\":[", out);
	for (size_t i = 0; i < r->ncolumns; i++)
		fprintf(out, "%s%lld,%lld", i ? "," : "", (long long)rel_us(r->columns[i].t0, t0),
			(long long)rel_us(r->columns[i].t1, t0));
	fputs("],\"cgroup\":[", out);
	for (size_t i = 0; i < r->ncolumns; i++) {
		const struct report_column *c = &r->columns[i];

		if (c->has_cgroup) {
			fprintf(out, "%s%llu,%llu,", i ? "," : "", (unsigned long long)c->nr_periods,
				(unsigned long long)c->nr_throttled);
			dur_us(out, c->throttled_ns);
		} else {
			fprintf(out, "%s-1,-1,-1", i ? "," : "");
		}
	}
	fputc(']', out);
}

static void memory_figures(FILE *out, const struct report_memory *m, bool first)
{
	fprintf(out, "%s%lld,%lld,%lld,%lld,%lld,%lld", first ? "" : ",", (long long)m->heap_live,
		(long long)m->heap_goal, (long long)m->gomemlimit, (long long)m->cgroup_usage,
		(long long)m->cgroup_limit, (long long)m->rss);
}

/* Per column: the memory reading at its end (MEMORY_FIELDS in the script; -1: not there), then the GC cycles that
 * began in it, automatic and forced (the differences of the stream's counts since tracing began). */
static void memory(FILE *out, const struct report *r, int64_t t0)
{
	int64_t cycles = 0, forced = 0;

	fputs(",\"mem\":[", out);
	for (size_t i = 0; i < r->ncolumns; i++) {
		const struct report_column *c = &r->columns[i];
		static const struct report_memory none = { -1, -1, -1, -1, -1, -1, -1, -1, REPORT_UNKNOWN };
		int64_t n = -1, f = -1;

		memory_figures(out, c->has_memory ? &c->mem : &none, i == 0);
		if (c->has_memory && c->mem.gc_cycles >= cycles && c->mem.forced_gc_cycles >= forced) {
			f = c->mem.forced_gc_cycles - forced;
			n = c->mem.gc_cycles - cycles - f;
			cycles = c->mem.gc_cycles;
			forced = c->mem.forced_gc_cycles;
			if (n < 0)	/* a file that says more forced cycles than cycles */
				n = f = -1;
		}
		fprintf(out, ",%lld,%lld", (long long)n, (long long)f);
	}
	fputs("],\"ooms\":[", out);
	for (size_t i = 0; i < r->nooms; i++) {
		const struct report_oom *o = &r->ooms[i];

		fprintf(out, "%s%lld,", i ? "," : "", (long long)rel_us(o->t, t0));
		memory_figures(out, &o->mem, true);
		if (o->mem.gogc == REPORT_UNKNOWN)
			fputs(",null", out);
		else
			fprintf(out, ",%lld", (long long)o->mem.gogc);
	}
	fputc(']', out);
}

/* rows: [lo_ns, hi_ns] from the first non-empty row to the last (hi -1: open); cells: [column, row, count]. */
static void heatmap(FILE *out, const struct report_heatmap *hm, bool *first)
{
	struct report_hist all;
	unsigned int lo_row, hi_row;
	bool first_cell = true;

	report_heatmap_merge(hm, &all);
	if (report_hist_extent(&all, &lo_row, &hi_row))
		return;
	fprintf(out, "%s{\"id\":\"%s\",\"title\":\"%s\",\"what\":\"%s\",\"rows\":[", *first ? "" : ",", hm->id,
		hm->title, hm->what);
	*first = false;
	for (unsigned int row = lo_row; row <= hi_row; row++) {
		uint64_t lo, hi;

		report_row_range(&all, row, &lo, &hi);
		fprintf(out, "%s[%llu,%lld]", row > lo_row ? "," : "", (unsigned long long)lo,
			hi == REPORT_OPEN ? -1 : (long long)hi);
	}
	fputs("],\"cells\":[", out);
	for (size_t c = 0; c < hm->ncols; c++)
		for (unsigned int row = lo_row; row <= hi_row; row++) {
			if (!hm->cols[c].count[row])
				continue;
			fprintf(out, "%s%zu,%u,%llu", first_cell ? "" : ",", c, row - lo_row,
				(unsigned long long)hm->cols[c].count[row]);
			first_cell = false;
		}
	fputs("]}", out);
}

static void figures(FILE *out, const struct report *r)
{
	const struct report_figures *f = &r->fig;
	struct json_obj j;

	fputs(",\"fig\":", out);
	json_begin(&j, out);
	if (f->has_gomaxprocs) {
		json_kv_u64(&j, "gomaxprocs", f->gomaxprocs);
		json_kv_u64(&j, "ncpu", f->ncpu);
	}
	if (f->has_quota) {
		json_kv_double(&j, "quota_cpus", f->quota_cpus);
		json_kv_u64(&j, "quota_us", f->quota_us);
		json_kv_u64(&j, "period_us", f->period_us);
	}
	json_end(&j);
}

static int write_all(FILE *out, const struct report *r, const struct report_flame *flame)
{
	int64_t t0, t1;
	bool first = true;
	int err = 0;

	report_window(r, &t0, &t1);
	fprintf(out, "{\"span\":[0,%lld],\"wall_ms\":", (long long)rel_us(t1, t0));
	if (r->has_start)
		fprintf(out, "%llu", (unsigned long long)(r->realtime_ns / 1000000));
	else
		fputs("null", out);
	fputs(",\"reasons\":[", out);
	for (size_t i = 0; i < r->nreasons; i++) {
		if (i)
			fputc(',', out);
		json_string(out, r->reasons[i]);
	}
	fputc(']', out);
	pauses(out, r, t0);
	cycles(out, r, t0);
	throttles(out, r, t0);
	columns(out, r, t0);
	memory(out, r, t0);
	fputs(",\"heatmaps\":[", out);
	heatmap(out, &r->goroutines, &first);
	heatmap(out, &r->runq, &first);
	fputc(']', out);
	figures(out, r);
	fputs(",\"flame\":", out);
	if (flame && report_flame_total(flame))
		err = report_flame_json(flame, out);
	else
		fputs("null", out);
	fputs("}", out);
	return err;
}

int report_write_data(FILE *out, const struct report *r, const struct report_flame *flame)
{
	FILE *safe = report_script_stream(out);
	int err;

	if (!safe)
		return -ENOMEM;
	err = write_all(safe, r, flame);
	if (fclose(safe) && !err)
		err = -EIO;
	return err;
}
