// SPDX-License-Identifier: GPL-2.0
/* Reads a `gotrace -j` stream (README.md, "JSON output") into the report's model with json-c, one line at a time.
 * json-c rather than jansson: the stream holds unsigned 64-bit integers (waits' stack ids) that jansson refuses. */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

/* ---- reading members ---- */

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static bool is_num(json_object *v)
{
	return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

/* A double converted as get_uint64 converts integers: negatives (and NaN) 0, saturated above. A cast of a value
 * out of range is undefined behaviour, and a file may hold 1e300. */
static uint64_t u64_of_double(double d)
{
	if (!(d > 0))
		return 0;
	return d >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)d;
}

static uint64_t u64(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	if (!is_num(v))
		return 0;
	/* json-c keeps integers above INT64_MAX as unsigned; get_uint64 reads both kinds, negatives as 0. */
	return json_object_is_type(v, json_type_double) ? u64_of_double(json_object_get_double(v))
							: json_object_get_uint64(v);
}

static int64_t i64(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return is_num(v) ? json_object_get_int64(v) : 0;
}

static double dbl(json_object *o, const char *key, double missing)
{
	json_object *v = get(o, key);

	return is_num(v) ? json_object_get_double(v) : missing;
}

static const char *str(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int dup_str(char **dst, json_object *o, const char *key)
{
	const char *s = str(o, key);

	free(*dst);
	*dst = NULL;
	return s && !(*dst = strdup(s)) ? -ENOMEM : 0;
}

static uint64_t unit_ns(json_object *o)
{
	const char *u = str(o, "unit");

	return !u ? 1000 : !strcmp(u, "ms") ? 1000000 : !strcmp(u, "ns") ? 1 : !strcmp(u, "s") ? 1000000000 : 1000;
}

/* ---- histograms ---- */

/* [{"le":N,"count":M}, ...] in h->unit */
static void add_le_list(struct report_hist *h, json_object *list)
{
	size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *b = json_object_array_get_idx(list, i);

		report_hist_add_le(h, u64(b, "le"), u64(b, "count"));
	}
}

/* The runtime's own buckets: [{"lo_ns","hi_ns","count"}], hi_ns 0 for the open last one. */
static void add_ns_buckets(struct report_hist *h, json_object *list)
{
	size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *b = json_object_array_get_idx(list, i);
		uint64_t hi = u64(b, "hi_ns");

		report_hist_add(h, u64(b, "lo_ns"), hi ? hi : REPORT_OPEN, u64(b, "count"));
	}
}

/* A goroutines member into an empty h: sampled (runtime buckets, in ns) or exact (log2 "hist" in its unit). */
static void add_goroutines(struct report_hist *h, json_object *g)
{
	if (get(g, "buckets")) {
		h->unit = 1;
		add_ns_buckets(h, get(g, "buckets"));
	} else {
		h->unit = unit_ns(g);
		add_le_list(h, get(g, "hist"));
	}
}

static int summary_hist(struct report *r, const char *title, json_object *list, uint64_t unit, bool is_time)
{
	struct report_hist *h;

	if (!json_object_is_type(list, json_type_array) || !json_object_array_length(list))
		return 0;
	if (!(h = report_add_hist(r, title, unit, is_time)))
		return -ENOMEM;
	add_le_list(h, list);
	return 0;
}

/* ---- event objects ---- */

static int on_start(struct report *r, json_object *o)
{
	int err;

	r->has_start = true;
	r->pid = (int)i64(o, "pid");
	r->start_ns = i64(o, "time_ns");
	r->realtime_ns = u64(o, "realtime_ns");
	r->probes = u64(o, "probes");
	if ((err = dup_str(&r->comm, o, "comm")) || (err = dup_str(&r->exe, o, "exe")) ||
	    (err = dup_str(&r->go_version, o, "go_version")))
		return err;
	return 0;
}

static int on_stw(struct report *r, json_object *o)
{
	struct report_pause p = { .t = i64(o, "time_ns"), .dur = u64(o, "duration_ns"),
				  .throttled = u64(o, "throttled_ns"), .cycle = (uint32_t)u64(o, "gc_cycle") };
	int reason = report_reason(r, str(o, "reason") ? str(o, "reason") : "unknown");

	if (reason < 0)
		return reason;
	p.reason = (uint16_t)reason;
	p.dur_unknown = !is_num(get(o, "duration_ns"));
	return report_add_pause(r, &p);
}

static int on_cycle(struct report *r, json_object *o)
{
	json_object *complete = get(o, "complete");
	struct report_cycle c = { .t = i64(o, "time_ns"), .dur = u64(o, "duration_ns"), .pause = u64(o, "pause_ns"),
				  .cycle = (uint32_t)u64(o, "cycle"), .pauses = (uint32_t)u64(o, "pauses"),
				  .complete = !complete || json_object_get_boolean(complete) };

	return report_add_cycle(r, &c);
}

static int on_throttle(struct report *r, json_object *o)
{
	struct report_span s = { .t = i64(o, "time_ns"), .dur = u64(o, "duration_ns") };

	return report_add_throttle(r, &s);
}

/* A byte count, or -1 when the object does not have it; at most INT64_MAX. */
static int64_t bytes_or_none(json_object *o, const char *key)
{
	uint64_t v = u64(o, key);

	return !is_num(get(o, key)) ? -1 : v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* The memory capability's figures, in an interval's "memory" object or an oom_kill event. */
static void memory_figures(json_object *m, struct report_memory *mem)
{
	json_object *set = get(m, "gomemlimit_set");

	mem->heap_live = bytes_or_none(m, "heap_live_bytes");
	mem->heap_goal = bytes_or_none(m, "heap_goal_bytes");
	mem->gomemlimit = set && json_object_get_boolean(set) ? bytes_or_none(m, "gomemlimit_bytes") : -1;
	mem->cgroup_usage = bytes_or_none(m, "cgroup_usage_bytes");
	mem->cgroup_limit = is_num(get(m, "cgroup_limit_bytes")) && i64(m, "cgroup_limit_bytes") >= 0
				    ? bytes_or_none(m, "cgroup_limit_bytes") : -1;
	mem->rss = bytes_or_none(m, "rss_bytes");
	mem->gc_cycles = bytes_or_none(m, "gc_cycles");
	mem->forced_gc_cycles = bytes_or_none(m, "forced_gc_cycles");
	mem->gogc = is_num(get(m, "gogc")) ? (i64(m, "gogc") < 0 ? -1 : i64(m, "gogc")) : REPORT_UNKNOWN;
}

static int on_oom_kill(struct report *r, json_object *o)
{
	struct report_oom k = { .t = i64(o, "time_ns") };

	memory_figures(o, &k.mem);
	return report_add_oom(r, &k);
}

static int on_interval(struct report *r, json_object *o)
{
	struct report_column *c = report_add_column(r, i64(o, "time_ns"));
	json_object *sched = get(o, "sched"), *g = get(o, "goroutines"), *cg = get(o, "cgroup"), *m = get(o, "memory");
	struct report_hist *runq, *gor;

	if (!c)
		return -ENOMEM;
	runq = &r->runq.cols[r->runq.ncols - 1];
	gor = &r->goroutines.cols[r->goroutines.ncols - 1];
	if (sched) {
		runq->unit = unit_ns(sched);
		add_le_list(runq, get(sched, "runq_hist"));
	}
	if (g)
		add_goroutines(gor, g);
	if (cg) {
		c->has_cgroup = true;
		c->nr_periods = u64(cg, "nr_periods");
		c->nr_throttled = u64(cg, "nr_throttled");
		c->throttled_ns = u64(cg, "throttled_ns");
	}
	if ((c->has_memory = json_object_is_type(m, json_type_object)))
		memory_figures(m, &c->mem);
	return 0;
}

/* ---- the summary ---- */

static int summary_figures(struct report *r, json_object *o)
{
	struct report_figures *f = &r->fig;
	json_object *cg = get(o, "cgroup"), *gc = get(o, "gc"), *sched = get(o, "sched"), *thr = get(o, "throttling"),
		    *g = get(o, "goroutines");
	int err;

	if ((f->has_cgroup = cg != NULL)) {
		f->cgroup_version = (int)i64(cg, "version");
		f->has_quota = i64(cg, "quota_us") >= 0 && is_num(get(cg, "quota_us"));
		f->quota_cpus = dbl(cg, "quota_cpus", 0);
		f->quota_us = u64(cg, "quota_us");
		f->period_us = u64(cg, "period_us");
		f->nr_periods = u64(cg, "nr_periods");
		f->nr_throttled = u64(cg, "nr_throttled");
		f->throttled_ns = u64(cg, "throttled_ns");
		if ((err = dup_str(&f->cgroup_path, cg, "path")) || (err = dup_str(&f->cpuset, cg, "cpuset")))
			return err;
	}
	if ((f->has_gomaxprocs = is_num(get(o, "gomaxprocs")))) {
		f->gomaxprocs = u64(o, "gomaxprocs");
		f->ncpu = u64(o, "ncpu");
		if ((err = dup_str(&f->gomaxprocs_source, o, "gomaxprocs_source")))
			return err;
	}
	if ((f->has_gc = gc != NULL)) {
		f->gc_cycles = u64(gc, "cycles");
		f->pauses = u64(gc, "pauses");
		f->pause_ns = u64(gc, "pause_ns");
		f->pause_p50 = u64(gc, "pause_p50_ns");
		f->pause_p99 = u64(gc, "pause_p99_ns");
		f->pause_max = u64(gc, "pause_max_ns");
		f->pause_throttled_ns = u64(gc, "pause_throttled_ns");
	}
	if ((f->has_sched = sched != NULL)) {
		f->runq_count = u64(sched, "runq_count");
		f->runq_ns = u64(sched, "runq_ns");
		f->throttled_intervals = u64(sched, "throttled_intervals");
		f->throttled_interval_ns = u64(sched, "throttled_interval_ns");
	}
	if ((f->has_throttling = thr != NULL)) {
		f->stw_share = dbl(thr, "stw_share", -1);
		f->runq_share = dbl(thr, "runq_share", -1);
		f->runq_throttled_ns = u64(thr, "runq_throttled_ns");
	}
	if ((f->has_goroutines = g != NULL)) {
		f->goroutine_count = u64(g, "count");
		f->goroutine_p50_below = u64(g, "p50_ns_below");
		f->goroutine_p99_below = u64(g, "p99_ns_below");
		return dup_str(&f->goroutines_mode, g, "mode");
	}
	return 0;
}

static int gc_hists(struct report *r, json_object *gc)
{
	json_object *stw = get(gc, "stw_hist");
	uint64_t unit = unit_ns(stw);
	char title[256];
	int err = 0;

	if (!json_object_is_type(stw, json_type_object))
		return 0;
	json_object_object_foreach(stw, reason, list) {
		snprintf(title, sizeof(title), "stop-the-world pause: %s", reason);
		if (strcmp(reason, "unit") && (err = summary_hist(r, title, list, unit, true)))
			return err;
	}
	return summary_hist(r, "GC cycle (sweep termination start to mark termination end)", get(gc, "gc_cycle_hist"),
			    unit, true);
}

static int sched_hists(struct report *r, json_object *sched)
{
	static const struct { const char *key, *title; } hists[] = {
		{ "runq_hist", "thread run-queue delay" },
		{ "preempted_hist", "off-CPU, preempted (runnable, another task ran)" },
		{ "throttled_hist", "off-CPU, throttled (runnable, quota used up)" },
		{ "blocked_hist", "off-CPU, blocked (sleeping)" },
	};
	int err = 0;

	for (size_t i = 0; !err && i < sizeof(hists) / sizeof(hists[0]); i++)
		err = summary_hist(r, hists[i].title, get(sched, hists[i].key), unit_ns(sched), true);
	return err;
}

static int goroutines_hist(struct report *r, json_object *g)
{
	struct report_hist *h;
	char title[128];

	snprintf(title, sizeof(title), "goroutine scheduling delay (%s)", str(g, "mode") ? str(g, "mode") : "?");
	if (!(h = report_add_hist(r, title, 1, true)))
		return -ENOMEM;
	add_goroutines(h, g);
	return 0;
}

/* ---- futex and epoll tables ---- */

/* A table column: the member `key` of each row object (NULL: the row's own name in an object of objects;
 * "frames": an array of names joined innermost first). */
struct col {
	const char *key, *head;
	enum report_fmt fmt;
};

static char *join_frames(json_object *frames)
{
	size_t n = json_object_is_type(frames, json_type_array) ? json_object_array_length(frames) : 0, len = 0;
	char *s = NULL;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n && i < 12; i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(frames, i));

		fprintf(f, "%s%s", i ? " \xe2\x86\x90 " : "", name ? name : "?");	/* U+2190 leftwards arrow */
	}
	if (n > 12)
		fputs(" \xe2\x86\x90 ...", f);
	return fclose(f) ? (free(s), NULL) : s;
}

static int fill_row(struct report_table *t, const struct col *cols, const char *name, json_object *o)
{
	struct report_cell *row = report_table_row(t);

	if (!row)
		return -ENOMEM;
	for (int c = 0; c < t->ncols; c++) {
		const char *key = cols[c].key;

		if (cols[c].fmt != REPORT_TEXT)
			row[c].num = cols[c].fmt == REPORT_SHARE ? dbl(o, key, -1) : (double)u64(o, key);
		else if (!key)
			row[c].text = strdup(name);
		else if (!strcmp(key, "frames"))
			row[c].text = join_frames(get(o, key));
		else
			row[c].text = strdup(str(o, key) ? str(o, key) : "");
		if (cols[c].fmt == REPORT_TEXT && !row[c].text)
			return -ENOMEM;
	}
	return 0;
}

/* rows: an array of objects, an object of objects (cols[0].key NULL), or one object (one row). Rows whose
 * `skip_zero` member is 0 are left out. */
static int table(struct report *r, const char *title, json_object *rows, const struct col *cols, int ncols,
		 const char *skip_zero)
{
	const char *head[REPORT_COLS];
	enum report_fmt fmt[REPORT_COLS];
	struct report_table *t;
	int err = 0;

	if (!rows)
		return 0;
	for (int c = 0; c < ncols; c++) {
		head[c] = cols[c].head;
		fmt[c] = cols[c].fmt;
	}
	if (!(t = report_add_table(r, title, ncols, head, fmt)))
		return -ENOMEM;
	if (json_object_is_type(rows, json_type_array)) {
		for (size_t i = 0; !err && i < json_object_array_length(rows); i++) {
			json_object *o = json_object_array_get_idx(rows, i);

			if (!skip_zero || u64(o, skip_zero))
				err = fill_row(t, cols, NULL, o);
		}
	} else if (!cols[0].key && json_object_is_type(rows, json_type_object)) {
		json_object_object_foreach(rows, name, o)
			if (!err && (!skip_zero || u64(o, skip_zero)))
				err = fill_row(t, cols, name, o);
	} else if (cols[0].key) {
		err = fill_row(t, cols, NULL, rows);
	}
	return err;
}

/* The histograms added since `first` go with the futex and epoll tables. */
static void mark_waits(struct report *r, size_t first)
{
	for (size_t i = first; i < r->nhists; i++)
		r->hists[i].waits = true;
}

static int futex_tables(struct report *r, json_object *fx)
{
	static const struct col totals[] = {
		{ "calls", "calls", REPORT_COUNT }, { "waits", "waits", REPORT_COUNT },
		{ "wait_ns", "time waiting", REPORT_NS }, { "woken", "woken", REPORT_COUNT },
		{ "timeouts", "timed out", REPORT_COUNT }, { "again", "EAGAIN", REPORT_COUNT },
		{ "wakes", "wake calls", REPORT_COUNT }, { "threads_woken", "threads woken", REPORT_COUNT },
	}, ops[] = {
		{ "op", "command", REPORT_TEXT }, { "calls", "calls", REPORT_COUNT }, { "ns", "time", REPORT_NS },
		{ "ret_zero", "returned 0", REPORT_COUNT }, { "timeouts", "timed out", REPORT_COUNT },
		{ "again", "EAGAIN", REPORT_COUNT }, { "interrupted", "interrupted", REPORT_COUNT },
		{ "errors", "errors", REPORT_COUNT },
	}, paths[] = {
		{ NULL, "path", REPORT_TEXT }, { "waits", "waits", REPORT_COUNT }, { "wait_ns", "time", REPORT_NS },
		{ "timeouts", "timed out", REPORT_COUNT },
	}, stacks[] = {
		{ "op", "command", REPORT_TEXT }, { "path", "path", REPORT_TEXT }, { "calls", "calls", REPORT_COUNT },
		{ "ns", "time", REPORT_NS }, { "frames", "stack (innermost first)", REPORT_TEXT },
	};
	char title[64];
	json_object *list = get(fx, "ops");
	size_t first = r->nhists;
	int err;

	if ((err = table(r, "futex calls", fx, totals, 8, NULL)) ||
	    (err = table(r, "futex by command", list, ops, 8, NULL)) ||
	    (err = table(r, "futex waits by runtime path", get(fx, "paths"), paths, 4, "waits")) ||
	    (err = table(r, "futex: longest-waiting stacks", get(fx, "top_stacks"), stacks, 5, NULL)))
		return err;
	for (size_t i = 0; json_object_is_type(list, json_type_array) && i < json_object_array_length(list); i++) {
		json_object *op = json_object_array_get_idx(list, i);

		snprintf(title, sizeof(title), "futex %s: time per call", str(op, "op") ? str(op, "op") : "?");
		if ((err = summary_hist(r, title, get(op, "hist"), unit_ns(fx), true)))
			return err;
	}
	mark_waits(r, first);
	return 0;
}

static int epoll_tables(struct report *r, json_object *ep)
{
	static const struct col figures[] = {
		{ "calls", "calls", REPORT_COUNT }, { "blocking_calls", "could block", REPORT_COUNT },
		{ "blocked_ns", "time blocked", REPORT_NS }, { "polls", "polls", REPORT_COUNT },
		{ "events", "events", REPORT_COUNT }, { "empty_polls", "empty polls", REPORT_COUNT },
		{ "blocked_share", "share of the trace blocked", REPORT_SHARE },
		{ "netpoller", "netpoller", REPORT_TEXT },
	};
	size_t first = r->nhists;
	int err;

	if ((err = table(r, "epoll (the network poller)", ep, figures, 8, NULL)) ||
	    (err = summary_hist(r, "epoll: time blocked per call", get(ep, "hist"), unit_ns(ep), true)) ||
	    (err = summary_hist(r, "epoll: events per call", get(ep, "events_hist"), 1, false)))
		return err;
	mark_waits(r, first);
	return 0;
}

static int summary_advice(struct report *r, json_object *list)
{
	int err = 0;

	for (size_t i = 0; !err && json_object_is_type(list, json_type_array) && i < json_object_array_length(list);
	     i++) {
		json_object *a = json_object_array_get_idx(list, i);

		if (str(a, "text"))
			err = report_add_advice(r, str(a, "id") ? str(a, "id") : "", str(a, "text"));
	}
	return err;
}

static int on_summary(struct report *r, json_object *o)
{
	json_object *gc = get(o, "gc"), *sched = get(o, "sched"), *g = get(o, "goroutines"), *fx = get(o, "futex"),
		    *ep = get(o, "epoll");
	int err;

	r->has_summary = true;
	r->end_ns = i64(o, "time_ns");
	r->duration_ns = u64(o, "duration_ns");
	r->target_exited = json_object_get_boolean(get(o, "target_exited"));
	r->probe_hits = u64(o, "probe_hits");
	r->events_lost = u64(o, "events_lost");
	if ((err = summary_figures(r, o)) || (gc && (err = gc_hists(r, gc))) ||
	    (sched && (err = sched_hists(r, sched))) || (g && (err = goroutines_hist(r, g))) ||
	    (fx && (err = futex_tables(r, fx))) || (ep && (err = epoll_tables(r, ep))))
		return err;
	return summary_advice(r, get(o, "advice"));
}

/* ---- the stream ---- */

static const struct {
	const char *event;
	int (*fn)(struct report *r, json_object *o);
} handlers[] = {
	{ "start", on_start }, { "stw", on_stw }, { "gc_cycle", on_cycle }, { "throttle", on_throttle },
	{ "interval", on_interval }, { "summary", on_summary }, { "oom_kill", on_oom_kill },
};

/* 1 when the object was a gotrace event, 0 when not, or a negative errno. */
static int dispatch(struct report *r, json_object *o)
{
	const char *event = str(o, "event");

	for (size_t i = 0; event && i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (!strcmp(event, handlers[i].event)) {
			int err = handlers[i].fn(r, o);

			return err ? err : 1;
		}
	return event ? 1 : 0;	/* runq, futex, epoll (--slow records) are gotrace's but not drawn */
}

static int read_lines(FILE *in, struct report *r, size_t *known)
{
	json_tokener *tok = json_tokener_new();
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int err = tok ? 0 : -ENOMEM;

	while (!err && (n = getline(&line, &cap, in)) >= 0) {
		json_object *o;

		if (n <= 1 && (n == 0 || line[0] == '\n'))
			continue;
		r->lines++;
		json_tokener_reset(tok);
		o = json_tokener_parse_ex(tok, line, (int)n);
		if (!o || !json_object_is_type(o, json_type_object)) {
			r->bad_lines++;
		} else if ((err = dispatch(r, o)) > 0) {
			(*known)++;
			err = 0;
		}
		json_object_put(o);
	}
	if (!err && ferror(in))
		err = -EIO;
	free(line);
	if (tok)
		json_tokener_free(tok);
	return err;
}

int report_read_ndjson(FILE *in, struct report *r, char *why, size_t why_len)
{
	size_t known = 0;
	int err = read_lines(in, r, &known);

	if (err)
		return err;
	if (!known) {
		snprintf(why, why_len, "%s",
			 r->lines ? "no gotrace JSON object in it (expected the output of gotrace -j)" : "it is empty");
		return -EINVAL;
	}
	report_sort(r);
	return 0;
}
