// SPDX-License-Identifier: GPL-2.0
/* The report's pure parts: histogram re-binning into log2 rows (the heatmaps' y axis) for log2 buckets in any unit
 * and the Go runtime's finer buckets, HTML escaping and the <script>-safe stream, the folded-stack tree and its
 * pruning, the compact event encoding, and the page around a hand-built model. */
#include <errno.h>

#include "report/report.h"
#include "report/report_page.h"
/* unit.h defines unit_manifest(), which this fixture-free test never calls. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "unit.h"

/* ---- helpers ---- */

static char *capture_escape(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	report_html_escape(f, s);
	fclose(f);
	return buf;
}

static char *capture_script(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len), *safe = report_script_stream(f);

	CHECK(safe != NULL);
	fputs(s, safe);
	fclose(safe);
	fclose(f);
	return buf;
}

static struct report_flame *flame_of(const char *text, int *err)
{
	struct report_flame *fl = NULL;
	char why[128] = "";
	FILE *in = fmemopen((void *)text, strlen(text), "r");

	*err = report_flame_read(in, &fl, why, sizeof(why));
	fclose(in);
	return fl;
}

static char *flame_json(const struct report_flame *fl)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK_EQ_U64(report_flame_json(fl, f), 0);
	fclose(f);
	return buf;
}

/* ---- binning ---- */

TEST(row_is_the_bit_length_of_the_largest_value)
{
	CHECK_EQ_U64(report_row(0, 1), 0);		/* {0} */
	CHECK_EQ_U64(report_row(1, 2), 1);		/* {1} */
	CHECK_EQ_U64(report_row(2, 4), 2);		/* [2, 4) */
	CHECK_EQ_U64(report_row(64, 128), 7);
	CHECK_EQ_U64(report_row(128, 192), 8);		/* runtime sub-buckets of [128, 256) share a row */
	CHECK_EQ_U64(report_row(192, 256), 8);
	CHECK_EQ_U64(report_row(0, 64), 6);		/* the runtime's first bucket [0, 64) */
	CHECK_EQ_U64(report_row(83886080, REPORT_OPEN), 27);	/* its open last bucket: by the lower bound */
	CHECK_EQ_U64(report_row(UINT64_MAX - 1, REPORT_OPEN), 63);
}

TEST(log2_buckets_in_microseconds_get_one_row_each)
{
	struct report_hist h;
	uint64_t lo, hi;

	report_hist_init(&h, 1000, true);
	report_hist_add_le(&h, 0, 5);		/* [0, 1) us */
	report_hist_add_le(&h, 1, 7);		/* [1, 2) us */
	report_hist_add_le(&h, 3, 11);		/* [2, 4) us */
	report_hist_add_le(&h, 131071, 2);	/* [65536, 131072) us */
	CHECK_EQ_U64(h.total, 25);
	CHECK_EQ_U64(h.count[10], 5);		/* 999 ns has 10 bits */
	CHECK_EQ_U64(h.count[11], 7);		/* 1999 ns: 11 */
	CHECK_EQ_U64(h.count[12], 11);
	CHECK_EQ_U64(h.count[27], 2);		/* 131071999 ns: 27 */
	report_row_range(&h, 11, &lo, &hi);
	CHECK_EQ_U64(lo, 1000);
	CHECK_EQ_U64(hi, 2000);
	report_row_range(&h, 13, &lo, &hi);	/* empty: the unit's own range, [4, 8) us */
	CHECK_EQ_U64(lo, 4000);
	CHECK_EQ_U64(hi, 8000);
	report_row_range(&h, 10, &lo, &hi);
	CHECK_EQ_U64(lo, 0);
	CHECK_EQ_U64(hi, 1000);
}

TEST(every_unit_keeps_rows_apart_and_in_order)
{
	static const uint64_t units[] = { 1, 1000, 1000000 };

	for (size_t u = 0; u < 3; u++) {
		struct report_hist h;
		int prev = -1;

		report_hist_init(&h, units[u], true);
		for (unsigned int slot = 0; slot < 40; slot++) {
			uint64_t le = slot ? (1ull << slot) - 1 : 0, lo, hi;
			unsigned int first, last;

			report_hist_add_le(&h, le, 1);
			CHECK(!report_hist_extent(&h, &first, &last));
			CHECK((int)last == prev + 1 || prev < 0);	/* one new row per slot, next to the last */
			prev = last;
			report_row_range(&h, last, &lo, &hi);
			CHECK_EQ_U64(hi, (le + 1) * units[u]);	/* the row's range is the bucket's */
		}
	}
}

TEST(runtime_buckets_merge_into_their_power_of_two_row)
{
	struct report_hist h;
	unsigned int first, last;
	uint64_t lo, hi;

	report_hist_init(&h, 1, true);
	CHECK_EQ_U64(report_hist_extent(&h, &first, &last), (uint64_t)-ENOENT);
	report_hist_add(&h, 0, 64, 3);
	report_hist_add(&h, 128, 192, 4);
	report_hist_add(&h, 192, 256, 5);
	report_hist_add(&h, 83886080, REPORT_OPEN, 1);
	report_hist_add(&h, 256, 320, 0);	/* nothing to add */
	CHECK_EQ_U64(h.count[8], 9);
	CHECK_EQ_U64(h.count[9], 0);
	CHECK(!report_hist_extent(&h, &first, &last));
	CHECK_EQ_U64(first, 6);
	CHECK_EQ_U64(last, 27);
	report_row_range(&h, 6, &lo, &hi);	/* the row's natural [32, 64) widened to the bucket's 0 */
	CHECK_EQ_U64(lo, 0);
	CHECK_EQ_U64(hi, 64);
	report_row_range(&h, 8, &lo, &hi);
	CHECK_EQ_U64(lo, 128);
	CHECK_EQ_U64(hi, 256);
}

TEST(heatmap_columns_merge_into_one_axis)
{
	struct report_heatmap hm = { .id = "runq" };
	struct report_hist all;

	CHECK(!report_heatmap_add_column(&hm, 1000, true));
	CHECK(!report_heatmap_add_column(&hm, 1000000, true));	/* a -m trace: milliseconds */
	report_hist_add_le(&hm.cols[0], 3, 2);			/* [2, 4) us: row 12 */
	report_hist_add_le(&hm.cols[1], 1, 5);			/* [1, 2) ms: row 21 */
	report_hist_add_le(&hm.cols[0], 2047, 1);		/* [1024, 2048) us: row 21 too */
	report_heatmap_merge(&hm, &all);
	CHECK_EQ_U64(all.total, 8);
	CHECK_EQ_U64(all.count[12], 2);
	CHECK_EQ_U64(all.count[21], 6);
	CHECK_EQ_U64(all.lo[21], 1000000);
	free(hm.cols);
}

/* ---- escaping ---- */

TEST(html_escape_covers_markup_and_bad_bytes)
{
	char *s = capture_escape("<script>a&b</script> \"q\" 'x'");

	CHECK_STR(s, "&lt;script&gt;a&amp;b&lt;/script&gt; &quot;q&quot; &#39;x&#39;");
	free(s);
	s = capture_escape("caf\xc3\xa9 \xe2\x86\x90 ok");		/* valid UTF-8 stays */
	CHECK_STR(s, "caf\xc3\xa9 \xe2\x86\x90 ok");
	free(s);
	s = capture_escape("a\xff" "b\x01" "c\x7f" "d\xc3");	/* stray byte, control characters, cut short */
	CHECK_STR(s, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd" "d\xef\xbf\xbd");
	free(s);
	s = capture_escape("tab\tline\n");
	CHECK_STR(s, "tab\tline\n");
	free(s);
	s = capture_escape(NULL);
	CHECK_STR(s, "");
	free(s);
}

TEST(script_stream_cannot_close_the_script)
{
	char *s = capture_script("{\"a\":\"</script><!-- & -->\"}");

	CHECK_STR(s, "{\"a\":\"\\u003c/script\\u003e\\u003c!-- \\u0026 --\\u003e\"}");
	free(s);
}

/* ---- the flamegraph ---- */

TEST(folded_stacks_merge_by_prefix)
{
	int err;
	struct report_flame *fl = flame_of("main;a;b 3\nmain;a;c 2\nmain;d 5\r\n\nmain 1\n", &err);
	char *json;

	CHECK_EQ_U64(err, 0);
	CHECK_EQ_U64(report_flame_total(fl), 11);
	CHECK_EQ_U64(report_flame_stacks(fl), 4);
	CHECK_EQ_U64(report_flame_frames(fl), 6);	/* all, main, a, b, c, d */
	json = flame_json(fl);
	/* pre-order, children by name: all(0) main(1) a(2) b(3) c(3) d(2) */
	CHECK_STR(json, "{\"total\":11,\"stacks\":4,\"nodes\":[0,0,11,1,1,11,2,2,5,3,3,3,3,4,2,2,5,5],"
			"\"names\":[\"all\",\"main\",\"a\",\"b\",\"c\",\"d\"]}");
	free(json);
	report_flame_free(fl);
}

TEST(frames_too_small_to_see_are_left_out)
{
	char text[256];
	int err;
	struct report_flame *fl;
	char *json;

	/* 1 of 5000 samples is below 1/4096; 2 of 5000 is not */
	snprintf(text, sizeof(text), "main;big 4997\nmain;tiny 1\nmain;small;deeper 2\n");
	fl = flame_of(text, &err);
	CHECK_EQ_U64(err, 0);
	CHECK_EQ_U64(report_flame_frames(fl), 5);	/* all, main, big, small, deeper */
	json = flame_json(fl);
	CHECK(!strstr(json, "tiny"));
	CHECK(strstr(json, "\"deeper\"") != NULL);
	free(json);
	report_flame_free(fl);
}

TEST(folded_input_errors)
{
	int err;
	struct report_flame *fl = flame_of("main;a 3\nmain;b\n", &err);

	CHECK_EQ_U64(err, (uint64_t)-EINVAL);		/* no count */
	CHECK(fl == NULL);
	flame_of("main;a -3\n", &err);
	CHECK_EQ_U64(err, (uint64_t)-EINVAL);
	flame_of("main;a 3x\n", &err);
	CHECK_EQ_U64(err, (uint64_t)-EINVAL);
	flame_of("a 18446744073709551615\nb 1\n", &err);	/* the total would overflow */
	CHECK_EQ_U64(err, (uint64_t)-EINVAL);
	fl = flame_of("", &err);
	CHECK_EQ_U64(err, 0);
	CHECK_EQ_U64(report_flame_total(fl), 0);
	CHECK_EQ_U64(report_flame_frames(fl), 0);
	report_flame_free(fl);
}

TEST(many_distinct_stacks)
{
	char *text = NULL, *json;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct report_flame *fl;
	int err;

	for (int i = 0; i < 20000; i++)		/* enough to grow both hash tables several times */
		fprintf(f, "root;mid%d;leaf%d 1\n", i % 300, i);
	fclose(f);
	fl = flame_of(text, &err);
	CHECK_EQ_U64(err, 0);
	CHECK_EQ_U64(report_flame_total(fl), 20000);
	CHECK_EQ_U64(report_flame_frames(fl), 2 + 300);	/* all, root, the mids; each leaf is 1/20000 */
	json = flame_json(fl);
	free(json);
	report_flame_free(fl);
	free(text);
}

/* ---- the data and the page ---- */

static void small_model(struct report *r)
{
	struct report_pause p = { .t = 2000000, .dur = 87654321, .throttled = 87000000, .cycle = 7 };
	struct report_pause q = { .t = 1000000, .dur = 9854, .cycle = 7 };	/* given out of order */
	struct report_cycle c = { .t = 1000000, .dur = 90000000, .cycle = 7, .pauses = 2, .complete = true };
	struct report_span s = { .t = 1500000, .dur = 100000000 };
	struct report_column *col;

	report_init(r);
	r->has_start = r->has_summary = true;
	r->start_ns = 1000;
	r->end_ns = 3000001000;
	r->comm = strdup("<b>srv</b>");
	p.reason = q.reason = (uint16_t)report_reason(r, "gc_sweep_termination");
	CHECK(!report_add_pause(r, &p));
	CHECK(!report_add_pause(r, &q));
	CHECK(!report_add_cycle(r, &c));
	CHECK(!report_add_throttle(r, &s));
	col = report_add_column(r, 1000001000);
	CHECK(col != NULL);
	report_hist_add_le(&r->runq.cols[0], 3, 4);
	CHECK(!report_add_advice(r, "x", "Set GOMAXPROCS=1 & <retry>"));
	report_sort(r);
}

static char *page_of(const struct report *r, bool data_only)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct report_page_opts o = { .source = "t<1>.ndjson" };

	CHECK_EQ_U64(data_only ? report_write_data(f, r, NULL) : report_write_html(f, r, NULL, &o), 0);
	fclose(f);
	return buf;
}

TEST(events_are_delta_encoded_in_microseconds)
{
	struct report r;
	char *data;

	small_model(&r);
	data = page_of(&r, true);
	/* sorted by start; starts 999 us and 1999 us after the window's start, the second as +1000 */
	CHECK(strstr(data, "\"pauses\":[999,9.9,0,0,7,1000,87654,0,87000,0]") != NULL);
	CHECK(strstr(data, "\"cycles\":[999,90000,7,1]") != NULL);
	CHECK(strstr(data, "\"throttles\":[1499,100000]") != NULL);
	CHECK(strstr(data, "\"cols\":[0,1000000]") != NULL);
	CHECK(strstr(data, "\"span\":[0,3000000]") != NULL);
	CHECK(strstr(data, "\"reasons\":[\"gc_sweep_termination\"]") != NULL);
	/* the run-queue heatmap: one row, [2, 4) us, with 4 in column 0; no goroutine data, no goroutine map */
	CHECK(strstr(data, "{\"id\":\"runq\"") != NULL && strstr(data, "\"rows\":[[2000,4000]],\"cells\":[0,0,4]"));
	CHECK(!strstr(data, "\"id\":\"goroutines\""));
	free(data);
	report_free(&r);
}

TEST(page_escapes_and_holds_everything)
{
	struct report r;
	char *page;

	small_model(&r);
	page = page_of(&r, false);
	CHECK(strstr(page, "<title>gotrace report: &lt;b&gt;srv&lt;/b&gt;") != NULL);
	CHECK(strstr(page, "Set GOMAXPROCS=1 &amp; &lt;retry&gt;</li>") != NULL);
	CHECK(strstr(page, "t&lt;1&gt;.ndjson") != NULL);
	CHECK(!strstr(page, "<b>srv"));
	CHECK(strstr(page, "Content-Security-Policy") != NULL);
	CHECK(strstr(page, "<script type=\"application/json\" id=\"report-data\">{") != NULL);
	/* exactly one closing tag per script element: the data cannot end its element early */
	CHECK(strstr(strstr(strstr(page, "id=\"report-data\">"), "</script>") + 1, "</script>") != NULL);
	CHECK(strstr(page, "No CPU profile") != NULL);
	CHECK(strstr(page, "</html>\n") != NULL);
	free(page);
	report_free(&r);
}

TEST(page_of_an_empty_trace)
{
	struct report r;
	char *page;

	report_init(&r);
	page = page_of(&r, false);
	CHECK(strstr(page, "no summary object") != NULL);
	CHECK(strstr(page, "\"pauses\":[]") != NULL);
	CHECK(strstr(page, "\"heatmaps\":[]") != NULL);
	free(page);
	report_free(&r);
}

/* Times are whatever the file says: the ends of int64 render (saturated), with no overflow for UBSan to find. */
TEST(page_of_times_at_the_ends_of_int64)
{
	struct report_pause p = { .t = INT64_MAX, .dur = 1, .cycle = 1 };
	struct report_cycle c = { .t = INT64_MIN, .dur = 1, .cycle = 1, .complete = true };
	struct report r;
	char *page;

	report_init(&r);
	r.has_start = r.has_summary = true;
	r.start_ns = INT64_MIN;
	r.end_ns = INT64_MAX;
	CHECK(!report_add_pause(&r, &p));
	CHECK(!report_add_cycle(&r, &c));
	report_sort(&r);
	page = page_of(&r, false);
	CHECK(strstr(page, "\"span\":[0,9223372036854776]") != NULL);	/* INT64_MAX ns, saturated */
	CHECK(strstr(page, "</html>\n") != NULL);
	free(page);
	report_free(&r);
}
