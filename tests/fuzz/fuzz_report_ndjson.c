// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target for report_ndjson.c, the reader of the `gotrace -j` trace a user hands to `gotrace report`.
 * The input is the trace file, read as it is from disk (through fmemopen). Whatever it holds, a read that succeeds
 * must leave a model the page can draw without checks of its own: every histogram's unit a known one, its total
 * the sum of its rows, its row ranges ordered; events sorted by start time, each pause's reason an index into
 * the reasons; one heatmap column per interval; every table 1..REPORT_COLS columns wide with a string in each
 * text cell; every memory figure a byte count or -1 (GOGC -1 or more, or REPORT_UNKNOWN); every string
 * NUL-terminated (ASan bounds the reads).
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -std=gnu11 -D_GNU_SOURCE
 *        -iquote user tests/fuzz/fuzz_report_ndjson.c user/report/report_ndjson.c user/report/report_model.c
 *        user/lib/array.c user/lib/hist.c -ljson-c -o build/fuzz/fuzz_report_ndjson
 * Run:   build/fuzz/fuzz_report_ndjson -max_len=65536 -max_total_time=300 build/fuzz/corpus_report_ndjson */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"

#define EXPECT(cond)                     \
	do {                             \
		if (!(cond))             \
			__builtin_trap(); \
	} while (0)

static void check_string(const char *s)
{
	if (s)
		EXPECT(strlen(s) < (1u << 30));
}

static bool is_known_unit(uint64_t unit)
{
	return unit == 1 || unit == 1000 || unit == 1000000 || unit == 1000000000;
}

static void check_hist(const struct report_hist *h)
{
	unsigned int first, last;
	uint64_t sum = 0, lo, hi;

	EXPECT(is_known_unit(h->unit));
	check_string(h->title);
	for (unsigned int r = 0; r < REPORT_ROWS; r++) {
		sum += h->count[r];	/* wraps as the total does */
		report_row_range(h, r, &lo, &hi);
		EXPECT(lo <= hi);
	}
	EXPECT(sum == h->total);
	if (report_hist_extent(h, &first, &last) == 0)
		EXPECT(first <= last && last < REPORT_ROWS);
}

static void check_table(const struct report_table *t)
{
	EXPECT(t->ncols >= 1 && t->ncols <= REPORT_COLS && t->nrows <= t->cap);
	check_string(t->title);
	for (size_t row = 0; row < t->nrows; row++)
		for (int c = 0; c < t->ncols; c++) {
			const struct report_cell *cell = &t->cells[row * t->ncols + c];

			if (t->fmt[c] == REPORT_TEXT) {
				EXPECT(cell->text != NULL);
				check_string(cell->text);
			} else if (t->fmt[c] != REPORT_SHARE) {	/* a share may be anything: < 0, NaN: n/a */
				EXPECT(cell->num >= 0);
			}
		}
}

/* Every event struct begins with its start time; the reader sorts each array by it. */
#define EXPECT_SORTED(arr, n)                                \
	do {                                                 \
		for (size_t i = 1; i < (n); i++)             \
			EXPECT((arr)[i - 1].t <= (arr)[i].t); \
	} while (0)

static void check_memory(const struct report_memory *m)
{
	const int64_t *bytes[] = { &m->heap_live, &m->heap_goal, &m->gomemlimit, &m->cgroup_usage, &m->cgroup_limit,
				   &m->rss, &m->gc_cycles, &m->forced_gc_cycles };

	for (size_t i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++)
		EXPECT(*bytes[i] >= -1);
	EXPECT(m->gogc >= -1 || m->gogc == REPORT_UNKNOWN);
}

static void check_events(const struct report *r)
{
	int64_t t0, t1;

	EXPECT_SORTED(r->pauses, r->npauses);
	EXPECT_SORTED(r->cycles, r->ncycles);
	EXPECT_SORTED(r->throttles, r->nthrottles);
	for (size_t i = 0; i < r->npauses; i++)
		EXPECT(r->pauses[i].reason < r->nreasons);
	for (size_t i = 0; i < r->nreasons; i++)
		check_string(r->reasons[i]);
	EXPECT(r->ncolumns == r->runq.ncols && r->ncolumns == r->goroutines.ncols);
	for (size_t i = 0; i < r->ncolumns; i++) {
		check_hist(&r->runq.cols[i]);
		check_hist(&r->goroutines.cols[i]);
		if (r->columns[i].has_memory)
			check_memory(&r->columns[i].mem);
	}
	for (size_t i = 0; i < r->nooms; i++)
		check_memory(&r->ooms[i].mem);
	report_window(r, &t0, &t1);
	EXPECT(t0 <= t1);
	EXPECT(r->first_ns == INT64_MAX || r->first_ns <= r->last_ns);
}

static void check_model(const struct report *r)
{
	check_string(r->comm);
	check_string(r->exe);
	check_string(r->go_version);
	check_string(r->fig.cgroup_path);
	check_string(r->fig.cpuset);
	check_string(r->fig.gomaxprocs_source);
	check_string(r->fig.goroutines_mode);
	EXPECT(r->bad_lines <= r->lines);
	check_events(r);
	for (size_t i = 0; i < r->nhists; i++)
		check_hist(&r->hists[i]);
	for (size_t i = 0; i < r->ntables; i++)
		check_table(&r->tables[i]);
	for (size_t i = 0; i < r->nadvice; i++) {
		EXPECT(r->advice[i].id && r->advice[i].text);
		check_string(r->advice[i].id);
		check_string(r->advice[i].text);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *in = fmemopen((void *)data, size, "r");
	struct report r;
	char why[128] = "";
	int err;

	if (!in)
		return 0;
	report_init(&r);
	err = report_read_ndjson(in, &r, why, sizeof(why));
	fclose(in);
	EXPECT(err == 0 || err == -EINVAL || err == -ENOMEM || err == -E2BIG);	/* E2BIG: 65535 reasons */
	if (err == -EINVAL)
		EXPECT(why[0] != '\0');
	if (err == 0)
		check_model(&r);
	report_free(&r);
	return 0;
}
