/* SPDX-License-Identifier: GPL-2.0 */
/* `gotrace report`: the model of one trace (what a `gotrace -j` stream and a folded CPU profile hold, in the form
 * the page draws it) and the readers that fill it: report_model.c (this model, histogram re-binning),
 * report_ndjson.c (the JSON reader, json-c), report_flame.c (folded stacks -> frame tree). The page drawn from it
 * is report_page.h's; report_live.h records a live trace; cmd/report_cmd.c is the command. */
#ifndef GOTRACE_REPORT_H
#define GOTRACE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- histograms ---- */

#define REPORT_ROWS 64
#define REPORT_OPEN UINT64_MAX	/* the upper bound of a bucket without one (the runtime's last bucket) */

/* A histogram re-binned into log2 rows, whatever buckets it came in: row r holds the buckets whose largest value
 * v has bit length r (2^(r-1) <= v < 2^r, row 0: v == 0), in base units (nanoseconds, or plain numbers). A log2
 * histogram in any unit (us, ms) and the Go runtime's finer buckets (sub-buckets of powers of two) both map
 * each bucket into exactly one row, so heatmaps of either share one axis. */
struct report_hist {
	char *title;
	uint64_t unit;			/* the source's unit in base units: 1, 1000 (us), 1000000 (ms) */
	bool is_time;			/* base unit nanoseconds; else a count (events per call) */
	bool waits;			/* shown with the futex and epoll tables */
	uint64_t count[REPORT_ROWS];
	uint64_t lo[REPORT_ROWS];	/* smallest lower bound of a bucket seen in the row; REPORT_OPEN if none */
	uint64_t total;
};

/* The row of a bucket [lo, hi) in base units (hi REPORT_OPEN: no upper bound). */
unsigned int report_row(uint64_t lo, uint64_t hi);
void report_hist_init(struct report_hist *h, uint64_t unit, bool is_time);
/* Adds n to the row of [lo, hi), base units. */
void report_hist_add(struct report_hist *h, uint64_t lo, uint64_t hi, uint64_t n);
/* Adds n to a log2 bucket given as its inclusive upper bound `le` in h->unit ({"le":3} holds 2 and 3). */
void report_hist_add_le(struct report_hist *h, uint64_t le, uint64_t n);
/* The range [lo, hi) of row r in base units: the smallest bucket bound seen there, else the row's natural range
 * in the histogram's unit (hi saturates at REPORT_OPEN). */
void report_row_range(const struct report_hist *h, unsigned int r, uint64_t *lo, uint64_t *hi);
/* First and last non-empty rows; -ENOENT when the histogram is empty. */
int report_hist_extent(const struct report_hist *h, unsigned int *first, unsigned int *last);

/* One histogram per interval of the trace, as columns in time. */
struct report_heatmap {
	const char *id;			/* "runq", "goroutines": the page's element ids */
	const char *title;
	const char *what;		/* what a count is, for hover details: "waits", "dispatches" */
	struct report_hist *cols;	/* one per report.columns entry once filled */
	size_t ncols, cap;
};

/* Appends an empty column of unit `unit` (columns of one heatmap may come in different units). 0 or -ENOMEM. */
int report_heatmap_add_column(struct report_heatmap *hm, uint64_t unit, bool is_time);
/* The rows of every column together: the heatmap's extent and row labels. */
void report_heatmap_merge(const struct report_heatmap *hm, struct report_hist *all);

/* ---- events in time ---- */

struct report_pause {
	int64_t t;			/* CLOCK_MONOTONIC ns, as in the stream */
	uint64_t dur, throttled;	/* ns */
	uint32_t cycle;			/* 0: not a GC stop */
	uint16_t reason;		/* index into report.reasons */
	bool dur_unknown;		/* began before tracing */
};

struct report_cycle {
	int64_t t;
	uint64_t dur, pause;
	uint32_t cycle, pauses;
	bool complete;
};

struct report_span {			/* a throttled interval */
	int64_t t;
	uint64_t dur;
};

/* The memory capability's reading in an interval object (at its end) or an OOM kill event: bytes, -1 where the
 * object does not say (the runtime view off, no memory cgroup, GOGC=off has no goal, GOMEMLIMIT unset). */
struct report_memory {
	int64_t heap_live, heap_goal, gomemlimit, cgroup_usage, cgroup_limit, rss;
	int64_t gc_cycles, forced_gc_cycles;	/* since tracing began (-1: not known) */
	int64_t gogc;				/* -1: off; REPORT_UNKNOWN: not known */
};

#define REPORT_UNKNOWN INT64_MIN

/* One interval object: the heatmaps' columns, the cgroup's per-interval counters, the memory reading. */
struct report_column {
	int64_t t0, t1;
	bool has_cgroup, has_memory;
	uint64_t nr_periods, nr_throttled, throttled_ns;
	struct report_memory mem;
};

/* The traced process killed by the OOM killer (an oom_kill event): when, and its last figures. */
struct report_oom {
	int64_t t;
	struct report_memory mem;
};

/* ---- tables (futex, epoll, ...) ---- */

#define REPORT_COLS 8

enum report_fmt { REPORT_TEXT, REPORT_COUNT, REPORT_NS, REPORT_SHARE };

struct report_cell {
	char *text;			/* REPORT_TEXT */
	double num;			/* the others; a negative share means "n/a" */
};

struct report_table {
	char *title, *note;
	int ncols;
	const char *head[REPORT_COLS];	/* static strings */
	enum report_fmt fmt[REPORT_COLS];
	struct report_cell *cells;	/* nrows * ncols, row by row */
	size_t nrows, cap;
};

/* A new table of ncols columns (head: static headings, fmt: how each column's cells print). 0, -EINVAL or
 * -ENOMEM. */
int report_table_new(struct report_table *t, const char *title, int ncols, const char *const *head,
		     const enum report_fmt *fmt);
/* A new row of empty cells; NULL on -ENOMEM. */
struct report_cell *report_table_row(struct report_table *t);

/* ---- the trace ---- */

struct report_figures {
	bool has_cgroup, has_quota, has_gomaxprocs, has_gc, has_sched, has_throttling, has_goroutines;
	char *cgroup_path, *cpuset, *gomaxprocs_source, *goroutines_mode;
	int cgroup_version;
	double quota_cpus;
	uint64_t quota_us, period_us, nr_periods, nr_throttled, throttled_ns;
	uint64_t gomaxprocs, ncpu;
	uint64_t gc_cycles, pauses, pause_ns, pause_p50, pause_p99, pause_max, pause_throttled_ns;
	uint64_t runq_count, runq_ns, runq_throttled_ns, throttled_intervals, throttled_interval_ns;
	double stw_share, runq_share;	/* -1: nothing to share */
	uint64_t goroutine_count, goroutine_p50_below, goroutine_p99_below;
};

struct report_advice {
	char *id, *text;
};

struct report {
	/* the start object */
	bool has_start;
	int pid;
	char *comm, *exe, *go_version;
	int64_t start_ns;
	uint64_t realtime_ns, probes;
	/* the summary object */
	bool has_summary;
	int64_t end_ns;
	uint64_t duration_ns, probe_hits, events_lost;
	bool target_exited;
	struct report_figures fig;

	char **reasons;			/* stop-the-world reasons, in order of first appearance */
	size_t nreasons;
	struct report_pause *pauses;
	size_t npauses, cap_pauses;
	struct report_cycle *cycles;
	size_t ncycles, cap_cycles;
	struct report_span *throttles;
	size_t nthrottles, cap_throttles;
	struct report_oom *ooms;
	size_t nooms, cap_ooms;
	struct report_column *columns;
	size_t ncolumns, cap_columns;
	struct report_heatmap runq, goroutines;

	struct report_hist *hists;	/* the summary's histograms, in page order */
	size_t nhists, cap_hists;
	struct report_table *tables;
	size_t ntables, cap_tables;
	struct report_advice *advice;
	size_t nadvice, cap_advice;

	size_t lines, bad_lines;	/* read, and skipped as not JSON */
	int64_t first_ns, last_ns;	/* the earliest and latest time any object mentions */
};

void report_init(struct report *r);
void report_free(struct report *r);

/* Appenders: 0 or -ENOMEM. Times also widen first_ns/last_ns. */
int report_add_pause(struct report *r, const struct report_pause *p);
int report_add_cycle(struct report *r, const struct report_cycle *c);
int report_add_throttle(struct report *r, const struct report_span *s);
int report_add_oom(struct report *r, const struct report_oom *o);
/* A new interval column ending at t1 (it begins where the previous one ended, or at the start): the heatmaps get
 * an empty column each. NULL on -ENOMEM. */
struct report_column *report_add_column(struct report *r, int64_t t1);
struct report_hist *report_add_hist(struct report *r, const char *title, uint64_t unit, bool is_time);
struct report_table *report_add_table(struct report *r, const char *title, int ncols, const char *const *head,
				      const enum report_fmt *fmt);
int report_add_advice(struct report *r, const char *id, const char *text);
/* The index of a stop-the-world reason, added on first sight; negative errno on failure. */
int report_reason(struct report *r, const char *reason);
/* Widens the trace's known time range. */
void report_saw_time(struct report *r, int64_t t);
/* Orders pauses, cycles and throttled intervals by start time (the stream gives them in order of their end). */
void report_sort(struct report *r);
/* The window the timeline shows: start to end (or the events' own range when an object is missing). */
void report_window(const struct report *r, int64_t *t0, int64_t *t1);

/* Reads a `gotrace -j` stream (report_ndjson.c). Lines that are not JSON objects are skipped and counted (a trace
 * cut short ends in half a line); objects it does not know are ignored. 0, -EINVAL (no gotrace object at all;
 * why says so), -ENOMEM or -EIO. */
int report_read_ndjson(FILE *in, struct report *r, char *why, size_t why_len);

/* ---- the CPU profile ---- */

/* Folded stacks merged by prefix into a tree, frames too small to see dropped (report_flame.c). */
struct report_flame;

#define REPORT_FLAME_MIN_SHARE 4096	/* a frame is kept when value * this >= total (1/4 px at 1024 px) */

/* Reads folded stacks ("a;b;c 12" per line). 0, -EINVAL (a line without a positive count at its end; why names
 * the line), -ENOMEM or -EIO. An empty input gives an empty profile. */
int report_flame_read(FILE *in, struct report_flame **out, char *why, size_t why_len);
void report_flame_free(struct report_flame *f);
uint64_t report_flame_total(const struct report_flame *f);
size_t report_flame_stacks(const struct report_flame *f);
/* The frames kept (the root "all" included). */
size_t report_flame_frames(const struct report_flame *f);
/* Writes {"total":N,"stacks":N,"nodes":[depth,name,value,...],"names":[...]}: the kept frames in pre-order,
 * children by name (flamegraph.pl's order), name an index into names. 0 or -ENOMEM. */
int report_flame_json(const struct report_flame *f, FILE *out);

#endif
