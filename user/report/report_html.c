// SPDX-License-Identifier: GPL-2.0
/* The report page: one HTML file with everything inline. The parts that need no interaction (key figures, advice,
 * histograms, futex and epoll tables) are HTML written here; the timeline, heatmaps and flamegraph are drawn by
 * the page's script (report_assets.h) from the data report_data.c writes into it, called from here. Every string
 * from the trace is escaped on the way (report_escape.c). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/version.h"
#include "report/report_assets.h"
#include "report/report_page.h"

/* ---- small formatters ---- */

#define esc report_html_escape

static const char *fmt_share(double share, char *buf, size_t size)
{
	if (share < 0 || isnan(share))
		snprintf(buf, size, "n/a");
	else
		snprintf(buf, size, "%.0f%%", 100 * share);
	return buf;
}

/* "1.5 ms", "88.4 ms", "64 ns": three significant digits (micro as the sign), as the page's script prints them. */
static const char *fmt_ns(uint64_t ns, char *buf, size_t size)
{
	static const struct { uint64_t div; const char *unit; } units[] = {
		{ 1000000000, "s" }, { 1000000, "ms" }, { 1000, "\u00b5s" }, { 1, "ns" },
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]) - 1 && ns < units[i].div; i++)
		;
	snprintf(buf, size, ns >= 1000000000000ull ? "%.0f %s" : "%.3g %s", (double)ns / units[i].div, units[i].unit);
	return buf;
}

/* A histogram bound: a duration, or a plain number. */
static const char *fmt_bound(uint64_t v, bool is_time, char *buf, size_t size)
{
	if (is_time)
		return fmt_ns(v, buf, size);
	snprintf(buf, size, "%llu", (unsigned long long)v);
	return buf;
}

/* A row's range as the page prints it: "2 us - 4 us", ">= 84 ms" when it has no upper bound. */
static void row_label(const struct report_hist *h, unsigned int row, char *buf, size_t size)
{
	char a[32], b[32];
	uint64_t lo, hi;

	report_row_range(h, row, &lo, &hi);
	if (hi == REPORT_OPEN)
		snprintf(buf, size, ">= %s", fmt_bound(lo, h->is_time, a, sizeof(a)));
	else if (!h->is_time && hi == lo + 1)
		snprintf(buf, size, "%llu", (unsigned long long)lo);
	else
		snprintf(buf, size, "%s - %s", fmt_bound(lo, h->is_time, a, sizeof(a)),
			 fmt_bound(h->is_time ? hi : hi - 1, h->is_time, b, sizeof(b)));
}

/* ---- head and header ---- */

static void page_head(FILE *out, const struct report *r)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      /* The page may load nothing: everything it needs is inside it. */
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
	      "<meta name=\"generator\" content=\"gotrace " GOTRACE_VERSION "\">\n<title>gotrace report: ", out);
	esc(out, r->comm ? r->comm : "trace");
	if (r->has_start)
		fprintf(out, " (PID %d)", r->pid);
	fputs("</title>\n<style>\n", out);
	fwrite(report_css, 1, report_css_len, out);
	fputs("</style>\n</head>\n", out);
}

static void wall_time(uint64_t realtime_ns, char *buf, size_t size)
{
	time_t secs = (time_t)(realtime_ns / 1000000000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void page_header(FILE *out, const struct report *r)
{
	int64_t t0, t1;
	char when[64], dur[32];

	report_window(r, &t0, &t1);
	fputs("<header>\n<h1>gotrace report: <span class=\"comm\">", out);
	esc(out, r->comm ? r->comm : "(no start object)");
	fputs("</span>", out);
	if (r->has_start)
		fprintf(out, " <span class=\"pid\">PID %d</span>", r->pid);
	fputs("</h1>\n<p class=\"meta\">", out);
	if (r->exe) {
		fputs("<span class=\"exe\">", out);
		esc(out, r->exe);
		fputs("</span> &middot; ", out);
	}
	if (r->go_version) {
		esc(out, r->go_version);
		fputs(" &middot; ", out);
	}
	if (r->has_start) {
		wall_time(r->realtime_ns, when, sizeof(when));
		fprintf(out, "traced from %s ", when);
	}
	fprintf(out, "for %s", fmt_ns((uint64_t)t1 - (uint64_t)t0, dur, sizeof(dur)));	/* t0 <= t1: no overflow */
	if (r->has_summary && r->target_exited)
		fputs(" (the process exited)", out);
	if (r->has_summary)
		fprintf(out, " &middot; %llu probe hits", (unsigned long long)r->probe_hits);
	if (r->has_summary && r->events_lost)
		fprintf(out, " &middot; <strong>%llu events lost</strong>", (unsigned long long)r->events_lost);
	fputs("</p>\n", out);
	if (!r->has_summary)
		fputs("<p class=\"warn\">The trace has no summary object (it was cut short): the figures, advice and "
		      "histograms are missing; the timeline shows what was recorded.</p>\n", out);
	if (r->bad_lines)
		fprintf(out, "<p class=\"warn\">%zu of %zu lines of the input were not JSON and were skipped.</p>\n",
			r->bad_lines, r->lines);
	fputs("</header>\n<nav aria-label=\"sections\"><a href=\"#figures\">Figures</a><a href=\"#advice\">Advice</a>"
	      "<a href=\"#timeline\">Timeline</a><a href=\"#heatmaps\">Heatmaps</a><a href=\"#flame\">Flamegraph</a>"
	      "<a href=\"#histograms\">Histograms</a><a href=\"#waits\">Waits</a></nav>\n", out);
}

/* ---- key figures ---- */

static void card_begin(FILE *out, const char *id, const char *title)
{
	fprintf(out, "<div class=\"card\" id=\"%s\"><h3>%s</h3>\n", id, title);
}

/* GOMAXPROCS, the quota and the CPUs as bars on one scale: the mismatch is seen, not read. */
static void scale_bars(FILE *out, const struct report_figures *f)
{
	struct { const char *label, *cls; double v; } bars[3] = {
		{ "GOMAXPROCS", "b-gmp", (double)f->gomaxprocs },
		{ "CPU quota", "b-quota", f->has_quota ? f->quota_cpus : -1 },
		{ "CPUs", "b-cpus", (double)f->ncpu },
	};
	double max = 0;

	for (int i = 0; i < 3; i++)
		max = fmax(max, bars[i].v);
	fprintf(out, "<svg class=\"scale\" viewBox=\"0 0 320 78\" role=\"img\" "
		     "aria-label=\"GOMAXPROCS %llu, CPU quota ", (unsigned long long)f->gomaxprocs);
	if (f->has_quota)
		fprintf(out, "%.2f CPUs", f->quota_cpus);
	else
		fputs("none", out);
	fprintf(out, ", %llu CPUs\">\n", (unsigned long long)f->ncpu);
	for (int i = 0; i < 3; i++) {
		double w = max > 0 && bars[i].v > 0 ? 170 * bars[i].v / max : 0;
		int y = 4 + 25 * i;

		fprintf(out, "<text x=\"0\" y=\"%d\">%s</text>", y + 14, bars[i].label);
		if (bars[i].v < 0) {
			fprintf(out, "<text x=\"100\" y=\"%d\">none</text>\n", y + 14);
			continue;
		}
		fprintf(out, "<rect class=\"%s\" x=\"100\" y=\"%d\" width=\"%.1f\" height=\"18\"/>"
			     "<text x=\"%.1f\" y=\"%d\">%.*f</text>\n",
			bars[i].cls, y, fmax(w, 1), 104 + fmax(w, 1), y + 14, i == 1 ? 2 : 0, bars[i].v);
	}
	fputs("</svg>\n", out);
}

static void card_gomaxprocs(FILE *out, const struct report_figures *f)
{
	uint64_t running;

	if (!f->has_gomaxprocs && !f->has_cgroup)
		return;
	card_begin(out, "card-quota", "GOMAXPROCS vs CPU quota");
	scale_bars(out, f);
	fprintf(out, "<p>GOMAXPROCS <b>%llu</b>", (unsigned long long)f->gomaxprocs);
	if (f->has_quota)
		fprintf(out, ", quota <b>%.2f CPUs</b> (%llu us per %llu us period)", f->quota_cpus,
			(unsigned long long)f->quota_us, (unsigned long long)f->period_us);
	else
		fputs(", no CPU quota", out);
	fprintf(out, ", %llu CPUs.", (unsigned long long)f->ncpu);
	running = f->ncpu && f->ncpu < f->gomaxprocs ? f->ncpu : f->gomaxprocs;
	if (f->has_quota && running && f->gomaxprocs > ceil(f->quota_cpus))
		fprintf(out, " With %llu threads running Go code, a period's quota is used up after %.1f ms of its "
			     "%.0f ms.", (unsigned long long)running, f->quota_us / 1e3 / running, f->period_us / 1e3);
	fputs("</p>\n", out);
	if (f->cgroup_path) {
		fprintf(out, "<p class=\"small\">cgroup v%d <code>", f->cgroup_version);
		esc(out, f->cgroup_path);
		fputs("</code>", out);
		if (f->gomaxprocs_source) {
			fputs("; GOMAXPROCS ", out);
			esc(out, f->gomaxprocs_source);
		}
		fputs("</p>\n", out);
	}
	fputs("</div>\n", out);
}

static void card_pauses(FILE *out, const struct report_figures *f)
{
	char a[32], b[32], c[32], d[32], e[32];

	if (!f->has_gc)
		return;
	card_begin(out, "card-pauses", "Stop-the-world pauses");
	fprintf(out, "<p class=\"big\">%llu pauses, %s stopped</p>\n<p>in %llu GC cycles; p50 %s, p99 %s, "
		     "max <b>%s</b></p>\n", (unsigned long long)f->pauses, fmt_ns(f->pause_ns, a, sizeof(a)),
		(unsigned long long)f->gc_cycles, fmt_ns(f->pause_p50, b, sizeof(b)),
		fmt_ns(f->pause_p99, c, sizeof(c)), fmt_ns(f->pause_max, d, sizeof(d)));
	if (f->has_throttling)
		fprintf(out, "<p>Throttling explains <b>%s</b> of the pause time (%s).</p>\n",
			fmt_share(f->stw_share, a, sizeof(a)), fmt_ns(f->pause_throttled_ns, e, sizeof(e)));
	fputs("</div>\n", out);
}

static void card_throttling(FILE *out, const struct report_figures *f)
{
	char a[32], b[32];

	if (!f->has_cgroup && !f->has_sched)
		return;
	card_begin(out, "card-throttling", "CPU throttling");
	if (f->has_cgroup)
		fprintf(out, "<p class=\"big\">%llu of %llu periods throttled (%s)</p>\n<p>cpu.stat throttled time %s"
			     "</p>\n", (unsigned long long)f->nr_throttled, (unsigned long long)f->nr_periods,
			fmt_share(f->nr_periods ? (double)f->nr_throttled / f->nr_periods : -1, a, sizeof(a)),
			fmt_ns(f->throttled_ns, b, sizeof(b)));
	if (f->has_sched)
		fprintf(out, "<p>%llu intervals in which a thread of the process was held, %s in all.</p>\n",
			(unsigned long long)f->throttled_intervals, fmt_ns(f->throttled_interval_ns, a, sizeof(a)));
	fputs("</div>\n", out);
}

static void card_delays(FILE *out, const struct report_figures *f)
{
	char a[32], b[32], c[32];

	if (!f->has_sched && !f->has_goroutines)
		return;
	card_begin(out, "card-delays", "Scheduling delay");
	if (f->has_sched) {
		fprintf(out, "<p>Threads: %llu run-queue waits, %s in all", (unsigned long long)f->runq_count,
			fmt_ns(f->runq_ns, a, sizeof(a)));
		if (f->has_throttling)
			fprintf(out, "; <b>%s</b> of it throttled", fmt_share(f->runq_share, b, sizeof(b)));
		fputs(".</p>\n", out);
	}
	if (f->has_goroutines)
		fprintf(out, "<p>Goroutines: %llu %s dispatches, delay p50 &lt; %s, p99 &lt; <b>%s</b>.</p>\n",
			(unsigned long long)f->goroutine_count, f->goroutines_mode ? f->goroutines_mode : "",
			fmt_ns(f->goroutine_p50_below, b, sizeof(b)), fmt_ns(f->goroutine_p99_below, c, sizeof(c)));
	fputs("</div>\n", out);
}

static void section_figures(FILE *out, const struct report *r)
{
	fputs("<section id=\"figures\"><h2>Key figures</h2>\n<div class=\"cards\">\n", out);
	card_gomaxprocs(out, &r->fig);
	card_pauses(out, &r->fig);
	card_throttling(out, &r->fig);
	card_delays(out, &r->fig);
	fputs("</div>\n</section>\n", out);
}

static void section_advice(FILE *out, const struct report *r)
{
	fputs("<section id=\"advice\"><h2>Advice</h2>\n", out);
	if (!r->nadvice)
		fprintf(out, "<p>%s</p>\n", r->has_summary ? "None: nothing in the numbers called for a change."
							   : "None: the trace has no summary.");
	else
		fputs("<ul class=\"advice\">\n", out);
	for (size_t i = 0; i < r->nadvice; i++) {
		fputs("<li data-id=\"", out);
		esc(out, r->advice[i].id);
		fputs("\">", out);
		esc(out, r->advice[i].text);
		fputs("</li>\n", out);
	}
	if (r->nadvice)
		fputs("</ul>\n", out);
	fputs("</section>\n", out);
}

/* ---- the script's sections: frames filled in by the page's script ---- */

static void section_timeline(FILE *out)
{
	fputs("<section id=\"timeline\"><h2>Timeline</h2>\n"
	      "<p class=\"help\">Every stop-the-world pause (one lane per reason, as long as it lasted), GC cycles, "
	      "and the intervals in which CFS throttling held a thread of the process. Hatched: a pause throttled for "
	      "at least half its length. Below them, per interval: the GC cycles that began in it (automatic, when "
	      "the heap reached its goal, or forced by runtime.GC), and the memory lane: the live heap against its "
	      "goal, GOMEMLIMIT, and the memory cgroup's usage against its limit, as read at the interval's end. A "
	      "red line marks an OOM kill. Zoom with the mouse wheel or the buttons, drag to pan, hover for details."
	      "</p>\n"
	      "<div class=\"controls\" role=\"toolbar\" aria-label=\"timeline zoom\">"
	      "<button type=\"button\" id=\"zoom-in\" aria-label=\"zoom in\">+</button>"
	      "<button type=\"button\" id=\"zoom-out\" aria-label=\"zoom out\">&minus;</button>"
	      "<button type=\"button\" id=\"pan-left\" aria-label=\"pan left\">&larr;</button>"
	      "<button type=\"button\" id=\"pan-right\" aria-label=\"pan right\">&rarr;</button>"
	      "<button type=\"button\" id=\"zoom-reset\">Whole trace</button>"
	      "<span id=\"view-range\" aria-live=\"polite\"></span></div>\n"
	      "<p id=\"timeline-caption\"></p>\n"
	      "<div id=\"timeline-plot\" class=\"plot\"></div>\n</section>\n", out);
}

static void section_heatmaps(FILE *out, const struct report *r)
{
	fputs("<section id=\"heatmaps\"><h2>Latency heatmaps</h2>\n"
	      "<p class=\"help\">One column per interval of the trace, one row per latency range (log2), the colour "
	      "of a cell the number of waits in it: light few, dark many (the legend gives the numbers). They follow "
	      "the timeline's zoom; click a column to zoom to it.</p>\n", out);
	if (!r->ncolumns)
		fputs("<p class=\"note\">No interval objects in this trace: record it with an interval, e.g. "
		      "<code>gotrace -p PID -j -d 30s 1</code>.</p>\n", out);
	fprintf(out, "<div id=\"heatmap-%s\" class=\"plot heatmap\"></div>\n<div id=\"heatmap-%s\" class=\"plot "
		     "heatmap\"></div>\n</section>\n", r->goroutines.id, r->runq.id);
}

static void section_flame(FILE *out, const struct report_flame *flame, const struct report_page_opts *o)
{
	fputs("<section id=\"flame\"><h2>CPU flamegraph</h2>\n", out);
	if (!flame || !report_flame_total(flame)) {
		fputs("<p class=\"note\">", out);
		esc(out, o && o->flame_note ? o->flame_note : "No CPU profile: give one with --flame cpu.folded.");
		fputs("</p>\n</section>\n", out);
		return;
	}
	fprintf(out, "<p class=\"help\">%llu samples in %zu stacks. Each box is a function, as wide as the samples it "
		     "was on the stack for; callers below callees. Click to zoom, hover for details; frames narrower "
		     "than 1/%d of the whole are left out.</p>\n"
		     "<div class=\"controls\"><button type=\"button\" id=\"flame-reset\">Whole profile</button>"
		     "<label>Search <input type=\"search\" id=\"flame-search\" placeholder=\"regular expression\">"
		     "</label><span id=\"flame-match\" aria-live=\"polite\"></span></div>\n"
		     "<div id=\"flame-plot\" class=\"plot\"></div>\n</section>\n",
		(unsigned long long)report_flame_total(flame), report_flame_stacks(flame), REPORT_FLAME_MIN_SHARE);
}

/* ---- histograms and tables ---- */

static void hist_table(FILE *out, const struct report_hist *h)
{
	unsigned int first, last;
	uint64_t max = 0;
	char label[80];

	if (report_hist_extent(h, &first, &last))
		return;
	for (unsigned int r = first; r <= last; r++)
		max = h->count[r] > max ? h->count[r] : max;
	fputs("<table class=\"hist\"><caption>", out);
	esc(out, h->title);
	fprintf(out, " <span class=\"small\">(%llu)</span></caption>\n<thead><tr><th scope=\"col\">range</th>"
		     "<th scope=\"col\">count</th><th scope=\"col\">distribution</th></tr></thead><tbody>\n",
		(unsigned long long)h->total);
	for (unsigned int r = first; r <= last; r++) {
		row_label(h, r, label, sizeof(label));
		fputs("<tr title=\"", out);
		esc(out, label);
		fprintf(out, ": %llu of %llu (%.1f%%)\"><td>", (unsigned long long)h->count[r],
			(unsigned long long)h->total, 100.0 * h->count[r] / h->total);
		esc(out, label);
		fprintf(out, "</td><td>%llu</td><td><span class=\"bar\" style=\"width:%.1f%%\"></span></td></tr>\n",
			(unsigned long long)h->count[r], max ? 100.0 * h->count[r] / max : 0);
	}
	fputs("</tbody></table>\n", out);
}

static void section_histograms(FILE *out, const struct report *r)
{
	fputs("<section id=\"histograms\"><h2>Histograms of the whole trace</h2>\n<div class=\"hists\">\n", out);
	for (size_t i = 0; i < r->nhists; i++)
		if (!r->hists[i].waits)
			hist_table(out, &r->hists[i]);
	if (!r->nhists)
		fputs("<p class=\"note\">None: the trace has no summary.</p>\n", out);
	fputs("</div>\n</section>\n", out);
}

static void cell(FILE *out, const struct report_cell *c, enum report_fmt fmt)
{
	char buf[64];

	switch (fmt) {
	case REPORT_TEXT:
		fputs("<td class=\"text\">", out);
		esc(out, c->text ? c->text : "");
		fputs("</td>", out);
		return;
	case REPORT_COUNT:
		fprintf(out, "<td>%.0f</td>", c->num);
		return;
	case REPORT_NS:
		fprintf(out, "<td>%s</td>", fmt_ns((uint64_t)c->num, buf, sizeof(buf)));
		return;
	case REPORT_SHARE:
		fprintf(out, "<td>%s</td>", fmt_share(c->num, buf, sizeof(buf)));
		return;
	}
}

static void table(FILE *out, const struct report_table *t)
{
	fputs("<table class=\"data\"><caption>", out);
	esc(out, t->title);
	fputs("</caption>\n<thead><tr>", out);
	for (int c = 0; c < t->ncols; c++)
		fprintf(out, "<th scope=\"col\">%s</th>", t->head[c]);
	fputs("</tr></thead><tbody>\n", out);
	for (size_t r = 0; r < t->nrows; r++) {
		fputs("<tr>", out);
		for (int c = 0; c < t->ncols; c++)
			cell(out, &t->cells[r * t->ncols + c], t->fmt[c]);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
	if (t->note) {
		fputs("<p class=\"small\">", out);
		esc(out, t->note);
		fputs("</p>\n", out);
	}
}

static void section_waits(FILE *out, const struct report *r)
{
	bool any = false;

	fputs("<section id=\"waits\"><h2>Where the threads sleep: futex and epoll</h2>\n<div class=\"hists\">\n", out);
	for (size_t i = 0; i < r->ntables; i++, any = true)
		table(out, &r->tables[i]);
	for (size_t i = 0; i < r->nhists; i++)
		if (r->hists[i].waits)
			hist_table(out, &r->hists[i]);
	if (!any)
		fputs("<p class=\"note\">Not traced (the waits capability was off, or the trace has no summary).</p>\n",
		      out);
	fputs("</div>\n</section>\n", out);
}

/* ---- the page ---- */

static void page_footer(FILE *out, const struct report_page_opts *o)
{
	fputs("<footer>Written by gotrace " GOTRACE_VERSION, out);
	if (o && o->source) {
		fputs(" from ", out);
		esc(out, o->source);
	}
	fputs(". Timeline times are seconds from the start of tracing. Self-contained: this file loads nothing."
	      "</footer>\n<div id=\"tip\" role=\"tooltip\" hidden></div>\n", out);
}

int report_write_html(FILE *out, const struct report *r, const struct report_flame *flame,
		      const struct report_page_opts *o)
{
	int err;

	page_head(out, r);
	fputs("<body>\n", out);
	page_header(out, r);
	fputs("<main>\n", out);
	section_figures(out, r);
	section_advice(out, r);
	section_timeline(out);
	section_heatmaps(out, r);
	section_flame(out, flame, o);
	section_histograms(out, r);
	section_waits(out, r);
	fputs("</main>\n", out);
	page_footer(out, o);
	fputs("<noscript><p class=\"warn\">The timeline, heatmaps and flamegraph are drawn by the page's script: allow "
	      "JavaScript for this file to see them.</p></noscript>\n<script type=\"application/json\" "
	      "id=\"report-data\">", out);
	err = report_write_data(out, r, flame);
	fputs("</script>\n<script>\n", out);
	fwrite(report_js, 1, report_js_len, out);
	fputs("</script>\n</body>\n</html>\n", out);
	if (!err && (fflush(out) || ferror(out)))
		err = -EIO;
	return err;
}
