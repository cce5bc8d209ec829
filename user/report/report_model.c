// SPDX-License-Identifier: GPL-2.0
/* The report's model: growing arrays of events, tables, and histograms re-binned into log2 rows. No I/O. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "lib/hist.h"
#include "report/report.h"

/* ---- histograms ---- */

unsigned int report_row(uint64_t lo, uint64_t hi)
{
	unsigned int r = hist_slot(hi == REPORT_OPEN || hi <= lo ? lo : hi - 1);

	return r < REPORT_ROWS ? r : REPORT_ROWS - 1;
}

void report_hist_init(struct report_hist *h, uint64_t unit, bool is_time)
{
	memset(h, 0, sizeof(*h));
	h->unit = unit ? unit : 1;
	h->is_time = is_time;
	for (int r = 0; r < REPORT_ROWS; r++)
		h->lo[r] = REPORT_OPEN;
}

void report_hist_add(struct report_hist *h, uint64_t lo, uint64_t hi, uint64_t n)
{
	unsigned int r = report_row(lo, hi);

	if (!n)
		return;
	h->count[r] += n;
	h->total += n;
	if (lo < h->lo[r])
		h->lo[r] = lo;
}

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	uint64_t p;

	return __builtin_mul_overflow(a, b, &p) ? REPORT_OPEN : p;
}

void report_hist_add_le(struct report_hist *h, uint64_t le, uint64_t n)
{
	/* {"le":0}: {0}; {"le":2^k-1}: [2^(k-1), 2^k) */
	uint64_t lo = le ? le / 2 + 1 : 0, hi = le == UINT64_MAX ? REPORT_OPEN : le + 1;

	report_hist_add(h, mul_sat(lo, h->unit), hi == REPORT_OPEN ? hi : mul_sat(hi, h->unit), n);
}

/* The row the values [0, unit) fall in: where the histogram's own slot 0 lands. */
static unsigned int unit_row(uint64_t unit)
{
	return report_row(0, unit);
}

void report_row_range(const struct report_hist *h, unsigned int r, uint64_t *lo, uint64_t *hi)
{
	unsigned int base = unit_row(h->unit), k;

	if (r <= base) {	/* below the unit: only [0, unit) lands here */
		*lo = 0;
		*hi = r == base ? h->unit : 1ull << r;
	} else {
		k = r - base;	/* the source's own slot, 1..63 */
		*lo = mul_sat(1ull << (k - 1), h->unit);
		*hi = mul_sat(1ull << k, h->unit);
	}
	if (h->lo[r] < *lo)
		*lo = h->lo[r];
}

int report_hist_extent(const struct report_hist *h, unsigned int *first, unsigned int *last)
{
	int f = -1, l = -1;

	for (int r = 0; r < REPORT_ROWS; r++) {
		if (!h->count[r])
			continue;
		if (f < 0)
			f = r;
		l = r;
	}
	if (f < 0)
		return -ENOENT;
	*first = f;
	*last = l;
	return 0;
}

int report_heatmap_add_column(struct report_heatmap *hm, uint64_t unit, bool is_time)
{
	if (array_reserve(&hm->cols, &hm->cap, hm->ncols + 1, sizeof(*hm->cols), 64))
		return -ENOMEM;
	report_hist_init(&hm->cols[hm->ncols++], unit, is_time);
	return 0;
}

void report_heatmap_merge(const struct report_heatmap *hm, struct report_hist *all)
{
	report_hist_init(all, hm->ncols ? hm->cols[0].unit : 1, hm->ncols ? hm->cols[0].is_time : true);
	for (size_t c = 0; c < hm->ncols; c++) {
		for (int r = 0; r < REPORT_ROWS; r++) {
			all->count[r] += hm->cols[c].count[r];
			if (hm->cols[c].lo[r] < all->lo[r])
				all->lo[r] = hm->cols[c].lo[r];
		}
		all->total += hm->cols[c].total;
	}
}

/* ---- tables ---- */

int report_table_new(struct report_table *t, const char *title, int ncols, const char *const *head,
		     const enum report_fmt *fmt)
{
	memset(t, 0, sizeof(*t));
	if (ncols < 1 || ncols > REPORT_COLS)
		return -EINVAL;
	t->title = strdup(title);
	if (!t->title)
		return -ENOMEM;
	t->ncols = ncols;
	memcpy(t->head, head, ncols * sizeof(*head));
	memcpy(t->fmt, fmt, ncols * sizeof(*fmt));
	return 0;
}

struct report_cell *report_table_row(struct report_table *t)
{
	struct report_cell *row;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		struct report_cell *c = reallocarray(t->cells, cap * t->ncols, sizeof(*c));

		if (!c)
			return NULL;
		t->cells = c;
		t->cap = cap;
	}
	row = &t->cells[t->nrows++ * t->ncols];
	memset(row, 0, t->ncols * sizeof(*row));
	return row;
}

static void table_free(struct report_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i].text);
	free(t->cells);
	free(t->title);
	free(t->note);
}

/* ---- the trace ---- */

void report_init(struct report *r)
{
	memset(r, 0, sizeof(*r));
	r->first_ns = INT64_MAX;
	r->last_ns = INT64_MIN;
	r->fig.stw_share = r->fig.runq_share = -1;
	r->runq = (struct report_heatmap){ .id = "runq", .title = "Thread run-queue delay", .what = "waits" };
	r->goroutines = (struct report_heatmap){ .id = "goroutines", .title = "Goroutine scheduling delay",
						 .what = "dispatches" };
}

void report_free(struct report *r)
{
	free(r->comm);
	free(r->exe);
	free(r->go_version);
	free(r->fig.cgroup_path);
	free(r->fig.cpuset);
	free(r->fig.gomaxprocs_source);
	free(r->fig.goroutines_mode);
	for (size_t i = 0; i < r->nreasons; i++)
		free(r->reasons[i]);
	free(r->reasons);
	free(r->pauses);
	free(r->cycles);
	free(r->throttles);
	free(r->ooms);
	free(r->columns);
	free(r->runq.cols);
	free(r->goroutines.cols);
	for (size_t i = 0; i < r->nhists; i++)
		free(r->hists[i].title);
	free(r->hists);
	for (size_t i = 0; i < r->ntables; i++)
		table_free(&r->tables[i]);
	free(r->tables);
	for (size_t i = 0; i < r->nadvice; i++) {
		free(r->advice[i].id);
		free(r->advice[i].text);
	}
	free(r->advice);
	memset(r, 0, sizeof(*r));
}

void report_saw_time(struct report *r, int64_t t)
{
	if (t < r->first_ns)
		r->first_ns = t;
	if (t > r->last_ns)
		r->last_ns = t;
}

/* The end of an event: start + duration, saturated. Both come from the file, which may hold any numbers, and an
 * int64 overflow is undefined behaviour. */
static int64_t end_time(int64_t t, uint64_t dur)
{
	int64_t end;

	if (dur > INT64_MAX || __builtin_add_overflow(t, (int64_t)dur, &end))
		return INT64_MAX;
	return end;
}

int report_add_pause(struct report *r, const struct report_pause *p)
{
	if (array_reserve(&r->pauses, &r->cap_pauses, r->npauses + 1, sizeof(*p), 64))
		return -ENOMEM;
	r->pauses[r->npauses++] = *p;
	report_saw_time(r, p->t);
	report_saw_time(r, end_time(p->t, p->dur));
	return 0;
}

int report_add_cycle(struct report *r, const struct report_cycle *c)
{
	if (array_reserve(&r->cycles, &r->cap_cycles, r->ncycles + 1, sizeof(*c), 64))
		return -ENOMEM;
	r->cycles[r->ncycles++] = *c;
	report_saw_time(r, c->t);
	report_saw_time(r, end_time(c->t, c->dur));
	return 0;
}

int report_add_throttle(struct report *r, const struct report_span *s)
{
	if (array_reserve(&r->throttles, &r->cap_throttles, r->nthrottles + 1, sizeof(*s), 64))
		return -ENOMEM;
	r->throttles[r->nthrottles++] = *s;
	report_saw_time(r, s->t);
	report_saw_time(r, end_time(s->t, s->dur));
	return 0;
}

int report_add_oom(struct report *r, const struct report_oom *o)
{
	if (array_reserve(&r->ooms, &r->cap_ooms, r->nooms + 1, sizeof(*o), 4))
		return -ENOMEM;
	r->ooms[r->nooms++] = *o;
	report_saw_time(r, o->t);
	return 0;
}

struct report_column *report_add_column(struct report *r, int64_t t1)
{
	struct report_column *c;
	int64_t t0 = r->ncolumns ? r->columns[r->ncolumns - 1].t1 : r->has_start ? r->start_ns : t1;

	/* -ENOMEM ends the read, so a failure half way need not keep the three counts equal. */
	if (array_reserve(&r->columns, &r->cap_columns, r->ncolumns + 1, sizeof(*c), 64) ||
	    report_heatmap_add_column(&r->runq, 1000, true) || report_heatmap_add_column(&r->goroutines, 1, true))
		return NULL;
	c = &r->columns[r->ncolumns++];
	*c = (struct report_column){ .t0 = t0, .t1 = t1 };
	report_saw_time(r, t1);
	return c;
}

struct report_hist *report_add_hist(struct report *r, const char *title, uint64_t unit, bool is_time)
{
	struct report_hist *h;

	if (array_reserve(&r->hists, &r->cap_hists, r->nhists + 1, sizeof(*h), 64))
		return NULL;
	h = &r->hists[r->nhists];
	report_hist_init(h, unit, is_time);
	if (!(h->title = strdup(title)))
		return NULL;
	r->nhists++;
	return h;
}

struct report_table *report_add_table(struct report *r, const char *title, int ncols, const char *const *head,
				      const enum report_fmt *fmt)
{
	struct report_table *t;

	if (array_reserve(&r->tables, &r->cap_tables, r->ntables + 1, sizeof(*t), 64))
		return NULL;
	t = &r->tables[r->ntables];
	if (report_table_new(t, title, ncols, head, fmt))
		return NULL;
	r->ntables++;
	return t;
}

int report_add_advice(struct report *r, const char *id, const char *text)
{
	struct report_advice a = { strdup(id), strdup(text) };

	if (!a.id || !a.text || array_reserve(&r->advice, &r->cap_advice, r->nadvice + 1, sizeof(a), 64)) {
		free(a.id);
		free(a.text);
		return -ENOMEM;
	}
	r->advice[r->nadvice++] = a;
	return 0;
}

int report_reason(struct report *r, const char *reason)
{
	char **bigger, *copy;

	for (size_t i = 0; i < r->nreasons; i++)
		if (!strcmp(r->reasons[i], reason))
			return (int)i;
	if (r->nreasons >= UINT16_MAX)
		return -E2BIG;
	bigger = reallocarray(r->reasons, r->nreasons + 1, sizeof(*bigger));
	if (!bigger)
		return -ENOMEM;
	r->reasons = bigger;
	if (!(copy = strdup(reason)))
		return -ENOMEM;
	r->reasons[r->nreasons] = copy;
	return (int)r->nreasons++;
}

/* Every event struct begins with its int64_t start time: one comparison sorts them all. */
static int by_start(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void sort_events(void *events, size_t n, size_t size)
{
	if (n)	/* qsort's array may not be NULL, even when empty */
		qsort(events, n, size, by_start);
}

void report_sort(struct report *r)
{
	sort_events(r->pauses, r->npauses, sizeof(*r->pauses));
	sort_events(r->cycles, r->ncycles, sizeof(*r->cycles));
	sort_events(r->throttles, r->nthrottles, sizeof(*r->throttles));
}

void report_window(const struct report *r, int64_t *t0, int64_t *t1)
{
	*t0 = r->has_start ? r->start_ns : r->first_ns;
	*t1 = r->has_summary ? r->end_ns : r->last_ns;
	if (r->first_ns == INT64_MAX) {	/* no event at all */
		*t0 = r->has_start ? r->start_ns : 0;
		*t1 = r->has_summary ? r->end_ns : *t0;
	}
	if (*t1 < *t0)
		*t1 = *t0;
}
