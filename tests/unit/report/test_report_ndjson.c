// SPDX-License-Identifier: GPL-2.0
/* The report's reader of `gotrace -j` streams: every object kind into the model, units (us, ms) and the runtime's
 * own buckets into heatmap rows, unsigned 64-bit stack ids, "unknown" durations, a stream cut short, and inputs
 * that are not gotrace's. */
#include <errno.h>

#include "report/report.h"
/* unit.h defines unit_manifest(), which this fixture-free test never calls. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "unit.h"

static int read_text(const char *text, struct report *r, char *why, size_t len)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	int err;

	report_init(r);
	err = report_read_ndjson(in, r, why, len);
	fclose(in);
	return err;
}

static const char stream[] =
	"{\"event\":\"start\",\"pid\":42,\"comm\":\"srv\",\"exe\":\"/bin/srv\",\"go_version\":\"go1.22.1\","
	"\"time_ns\":1000000000,\"realtime_ns\":1700000000000000000,\"probes\":13}\n"
	"{\"event\":\"stw\",\"pid\":42,\"tid\":43,\"time_ns\":1200000000,\"reason\":\"gc_mark_termination\","
	"\"gc_cycle\":3,"
	"\"duration_ns\":5000,\"runtime_clock\":true,\"throttled_ns\":0}\n"
	"{\"event\":\"stw\",\"pid\":42,\"tid\":43,\"time_ns\":1100000000,\"reason\":\"gc_sweep_termination\","
	"\"gc_cycle\":3,"
	"\"duration_ns\":80000000,\"runtime_clock\":true,\"throttled_ns\":79000000}\n"
	"{\"event\":\"stw\",\"pid\":42,\"tid\":43,\"time_ns\":999000000,\"reason\":\"read_mem_stats\",\"gc_cycle\":0,"
	"\"duration_ns\":\"unknown\",\"runtime_clock\":false}\n"
	"{\"event\":\"gc_cycle\",\"pid\":42,\"cycle\":3,\"time_ns\":1100000000,\"end_ns\":1200005000,"
	"\"duration_ns\":100005000,\"pause_ns\":80005000,\"pauses\":2,\"complete\":false}\n"
	"{\"event\":\"throttle\",\"pid\":42,\"time_ns\":1090000000,\"duration_ns\":85000000}\n"
	"{\"event\":\"runq\",\"pid\":42,\"tid\":44,\"time_ns\":1,\"delay_ns\":2,\"after\":\"wakeup\","
	"\"throttled_ns\":0}\n"
	"{\"event\":\"interval\",\"pid\":42,\"time_ns\":2000000000,"
	"\"sched\":{\"unit\":\"ms\",\"runq_count\":6,\"runq_hist\":[{\"le\":1,\"count\":4},{\"le\":127,\"count\":2}]},"
	"\"cgroup\":{\"nr_periods\":10,\"nr_throttled\":9,\"throttled_ns\":1345971072},"
	"\"goroutines\":{\"mode\":\"sampled\",\"count\":8,\"buckets\":[{\"lo_ns\":0,\"hi_ns\":64,\"count\":3},"
	"{\"lo_ns\":128,\"hi_ns\":192,\"count\":4},{\"lo_ns\":83886080,\"hi_ns\":0,\"count\":1}]}}\n"
	"{\"event\":\"interval\",\"pid\":42,\"time_ns\":2500000000}\n"
	"{\"event\":\"summary\",\"pid\":42,\"time_ns\":2500000000,\"duration_ns\":1500000000,\"target_exited\":true,"
	"\"probe_hits\":400,\"events_lost\":0,"
	"\"sched\":{\"unit\":\"us\",\"runq_count\":6,\"runq_ns\":9000,\"runq_hist\":[{\"le\":3,\"count\":6}],"
	"\"throttled_intervals\":1,\"throttled_interval_ns\":85000000},"
	"\"cgroup\":{\"path\":\"/x\",\"version\":2,\"quota_cpus\":0.2,\"quota_us\":20000,\"period_us\":100000,"
	"\"nr_periods\":15,\"nr_throttled\":14,\"throttled_ns\":7},\"gomaxprocs\":2,\"gomaxprocs_source\":\"read\","
	"\"ncpu\":4,"
	"\"gc\":{\"cycles\":1,\"pauses\":3,\"pause_ns\":80005000,\"pause_p50_ns\":5000,\"pause_p99_ns\":80000000,"
	"\"pause_max_ns\":80000000,\"pause_throttled_ns\":79000000,\"stw_hist\":{\"unit\":\"us\","
	"\"gc_sweep_termination\":[{\"le\":131071,\"count\":1}],\"gc_mark_termination\":[{\"le\":7,\"count\":1}]},"
	"\"gc_cycle_hist\":[{\"le\":131071,\"count\":1}]},"
	"\"goroutines\":{\"mode\":\"exact\",\"count\":5,\"p50_ns_below\":4000,\"p99_ns_below\":8000,\"unit\":\"us\","
	"\"hist\":[{\"le\":3,\"count\":5}]},"
	"\"futex\":{\"unit\":\"us\",\"calls\":9,\"waits\":4,\"wait_ns\":123,\"ops\":[{\"op\":\"FUTEX_WAIT_PRIVATE\","
	"\"calls\":4,\"ns\":123,\"hist\":[{\"le\":1,\"count\":4}]}],\"paths\":{\"m_park\":{\"waits\":4,\"wait_ns\":123,"
	"\"timeouts\":0},\"cgo\":{\"waits\":0,\"wait_ns\":0,\"timeouts\":0}},"
	"\"top_stacks\":[{\"op\":\"FUTEX_WAIT_PRIVATE\","
	"\"path\":\"m_park\",\"calls\":4,\"ns\":123,\"stack_id\":18446744073709551615,\"frames\":[\"runtime.futex\","
	"\"runtime.mPark\"]}]},"
	"\"epoll\":{\"unit\":\"us\",\"calls\":3,\"blocked_ns\":5,\"blocked_share\":0.25,\"netpoller\":\"mixed\","
	"\"hist\":[{\"le\":63,\"count\":1}],\"events_hist\":[{\"le\":0,\"count\":2},{\"le\":1,\"count\":1}]},"
	"\"throttling\":{\"stw_share\":0.98,\"runq_share\":0.5,\"runq_throttled_ns\":4500},"
	"\"advice\":[{\"id\":\"gomaxprocs_above_quota\",\"text\":\"GOMAXPROCS is 2 ...\"}]}\n"
	"{\"event\":\"stw\",\"pid\":42,\"ti";	/* cut short, as by a kill */

TEST(every_object_kind)
{
	struct report r;
	char why[128] = "";

	CHECK_EQ_U64(read_text(stream, &r, why, sizeof(why)), 0);
	CHECK(r.has_start && r.has_summary);
	CHECK_STR(r.comm, "srv");
	CHECK_EQ_U64(r.start_ns, 1000000000);
	CHECK_EQ_U64(r.lines, 11);
	CHECK_EQ_U64(r.bad_lines, 1);
	/* pauses sorted by start; the unknown one kept and marked */
	CHECK_EQ_U64(r.npauses, 3);
	CHECK(r.pauses[0].dur_unknown && !r.pauses[1].dur_unknown);
	CHECK_STR(r.reasons[r.pauses[0].reason], "read_mem_stats");
	CHECK_EQ_U64(r.pauses[1].throttled, 79000000);
	CHECK_EQ_U64(r.pauses[2].cycle, 3);
	CHECK_EQ_U64(r.ncycles, 1);
	CHECK(!r.cycles[0].complete);
	CHECK_EQ_U64(r.nthrottles, 1);
	CHECK_EQ_U64(r.first_ns, 999000000);
	report_free(&r);
}

TEST(intervals_become_heatmap_columns)
{
	struct report r;
	char why[128];

	CHECK_EQ_U64(read_text(stream, &r, why, sizeof(why)), 0);
	CHECK_EQ_U64(r.ncolumns, 2);
	CHECK_EQ_U64(r.runq.ncols, 2);
	CHECK_EQ_U64(r.goroutines.ncols, 2);
	CHECK_EQ_U64(r.columns[0].t0, 1000000000);	/* from the start */
	CHECK_EQ_U64(r.columns[1].t0, 2000000000);
	CHECK(r.columns[0].has_cgroup && !r.columns[1].has_cgroup);
	CHECK_EQ_U64(r.columns[0].nr_throttled, 9);
	/* milliseconds: [1, 2) ms has 21 bits, [64, 128) ms 27 */
	CHECK_EQ_U64(r.runq.cols[0].count[21], 4);
	CHECK_EQ_U64(r.runq.cols[0].count[27], 2);
	CHECK_EQ_U64(r.runq.cols[1].total, 0);
	/* the runtime's buckets: [0, 64) row 6, [128, 192) row 8, open [83886080, ...) row 27 */
	CHECK_EQ_U64(r.goroutines.cols[0].count[6], 3);
	CHECK_EQ_U64(r.goroutines.cols[0].count[8], 4);
	CHECK_EQ_U64(r.goroutines.cols[0].count[27], 1);
	report_free(&r);
}

static const struct report_table *table(const struct report *r, const char *title)
{
	for (size_t i = 0; i < r->ntables; i++)
		if (!strcmp(r->tables[i].title, title))
			return &r->tables[i];
	return NULL;
}

static const struct report_hist *hist(const struct report *r, const char *title)
{
	for (size_t i = 0; i < r->nhists; i++)
		if (!strcmp(r->hists[i].title, title))
			return &r->hists[i];
	return NULL;
}

TEST(summary_figures_histograms_tables_advice)
{
	struct report r;
	const struct report_table *t;
	const struct report_hist *h;
	char why[128];

	CHECK_EQ_U64(read_text(stream, &r, why, sizeof(why)), 0);
	CHECK(r.fig.has_quota && r.fig.quota_cpus == 0.2 && r.fig.quota_us == 20000);
	CHECK_EQ_U64(r.fig.gomaxprocs, 2);
	CHECK_EQ_U64(r.fig.ncpu, 4);
	CHECK_EQ_U64(r.fig.pause_max, 80000000);
	CHECK(r.fig.stw_share == 0.98);
	CHECK_STR(r.fig.goroutines_mode, "exact");
	CHECK((h = hist(&r, "stop-the-world pause: gc_sweep_termination")) && h->total == 1 && h->count[27] == 1);
	CHECK((h = hist(&r, "goroutine scheduling delay (exact)")) && h->count[12] == 5);
	CHECK((h = hist(&r, "epoll: events per call")) && !h->is_time && h->count[0] == 2 && h->count[1] == 1);
	CHECK((h = hist(&r, "futex FUTEX_WAIT_PRIVATE: time per call")) && h->waits);
	CHECK(!hist(&r, "thread run-queue delay")->waits);
	CHECK((t = table(&r, "futex calls")) && t->nrows == 1 && t->cells[0].num == 9);
	CHECK((t = table(&r, "futex waits by runtime path")) && t->nrows == 1);	/* cgo had no waits */
	CHECK_STR(t->cells[0].text, "m_park");
	CHECK((t = table(&r, "futex: longest-waiting stacks")) && t->nrows == 1);
	CHECK_STR(t->cells[4].text, "runtime.futex \xe2\x86\x90 runtime.mPark");
	CHECK((t = table(&r, "epoll (the network poller)")) && t->cells[6].num == 0.25);
	CHECK_STR(t->cells[7].text, "mixed");
	CHECK_EQ_U64(r.nadvice, 1);
	CHECK_STR(r.advice[0].id, "gomaxprocs_above_quota");
	report_free(&r);
}

TEST(not_a_gotrace_stream)
{
	struct report r;
	char why[128] = "";

	CHECK_EQ_U64(read_text("", &r, why, sizeof(why)), (uint64_t)-EINVAL);
	CHECK_STR(why, "it is empty");
	report_free(&r);
	CHECK_EQ_U64(read_text("root:x:0:0:root:/root:/bin/bash\n{\"a\":1}\n[1,2]\n", &r, why, sizeof(why)),
		     (uint64_t)-EINVAL);
	CHECK(strstr(why, "no gotrace JSON object") != NULL);
	CHECK_EQ_U64(r.bad_lines, 2);
	report_free(&r);
}

TEST(missing_members_read_as_absent)
{
	struct report r;
	char why[128];

	/* objects with nothing but their kind: no crash, zeros */
	CHECK_EQ_U64(read_text("{\"event\":\"stw\"}\n{\"event\":\"interval\"}\n{\"event\":\"summary\",\"gc\":{},"
			       "\"futex\":{\"paths\":[]},\"epoll\":7,\"advice\":{}}\n", &r, why, sizeof(why)), 0);
	CHECK_EQ_U64(r.npauses, 1);
	CHECK_STR(r.reasons[0], "unknown");
	CHECK(r.has_summary && r.fig.has_gc && !r.fig.has_cgroup);
	CHECK_EQ_U64(r.nadvice, 0);
	report_free(&r);
}

/* Found by fuzz_report_ndjson: an event ending past INT64_MAX overflowed the end time (undefined behaviour), and
 * a double out of uint64's range was cast as it was (undefined too). Ends saturate; doubles convert as json-c
 * converts integers: negatives and NaN 0, too large UINT64_MAX. */
TEST(numbers_out_of_range_saturate)
{
	struct report r;
	char why[128];

	CHECK_EQ_U64(read_text("{\"event\":\"stw\",\"time_ns\":9223372036854775807,\"duration_ns\":5003724}\n"
			       "{\"event\":\"gc_cycle\",\"time_ns\":1,\"duration_ns\":1e300,\"pause_ns\":-1e300,"
			       "\"cycle\":NaN}\n", &r, why, sizeof(why)), 0);
	CHECK_EQ_U64(r.npauses, 1);
	CHECK_EQ_U64(r.ncycles, 1);
	CHECK_EQ_U64(r.cycles[0].dur, UINT64_MAX);
	CHECK_EQ_U64(r.cycles[0].pause, 0);
	CHECK_EQ_U64(r.cycles[0].cycle, 0);
	CHECK(r.first_ns == 1 && r.last_ns == INT64_MAX);
	report_free(&r);
}

/* The memory capability's figures: an interval's "memory" object and the oom_kill event; GOMEMLIMIT unset (its
 * INT64_MAX with gomemlimit_set false), GOGC off, no cgroup limit (-1) and missing members read as -1. */
TEST(memory_readings_and_oom_kill)
{
	struct report r;
	char why[128];

	CHECK_EQ_U64(read_text("{\"event\":\"start\",\"time_ns\":100}\n"
			       "{\"event\":\"interval\",\"time_ns\":1000,\"memory\":{\"gogc\":100,"
			       "\"gomemlimit_bytes\":9223372036854775807,\"gomemlimit_set\":false,\"heap_live_bytes\":5,"
			       "\"heap_goal_bytes\":10,\"gc_cycles\":3,\"forced_gc_cycles\":1,\"rss_bytes\":40,"
			       "\"cgroup_limit_bytes\":-1,\"cgroup_usage_bytes\":30}}\n"
			       "{\"event\":\"interval\",\"time_ns\":2000,\"memory\":{\"gogc\":-1,"
			       "\"gomemlimit_bytes\":64,\"gomemlimit_set\":true,\"cgroup_limit_bytes\":128}}\n"
			       "{\"event\":\"interval\",\"time_ns\":3000}\n"
			       "{\"event\":\"oom_kill\",\"time_ns\":2500,\"heap_live_bytes\":120,\"gogc\":100,"
			       "\"gomemlimit_set\":false,\"cgroup_limit_bytes\":128}\n", &r, why, sizeof(why)), 0);
	CHECK_EQ_U64(r.ncolumns, 3);
	CHECK(r.columns[0].has_memory && r.columns[1].has_memory && !r.columns[2].has_memory);
	CHECK(r.columns[0].mem.heap_live == 5 && r.columns[0].mem.heap_goal == 10 && r.columns[0].mem.rss == 40);
	CHECK(r.columns[0].mem.gomemlimit == -1 && r.columns[0].mem.cgroup_limit == -1);
	CHECK(r.columns[0].mem.cgroup_usage == 30 && r.columns[0].mem.gogc == 100);
	CHECK(r.columns[0].mem.gc_cycles == 3 && r.columns[0].mem.forced_gc_cycles == 1);
	CHECK(r.columns[1].mem.gogc == -1 && r.columns[1].mem.gomemlimit == 64 && r.columns[1].mem.cgroup_limit == 128);
	CHECK(r.columns[1].mem.heap_live == -1 && r.columns[1].mem.gc_cycles == -1);
	CHECK_EQ_U64(r.nooms, 1);
	CHECK(r.ooms[0].t == 2500 && r.ooms[0].mem.heap_live == 120 && r.ooms[0].mem.cgroup_limit == 128);
	CHECK(r.ooms[0].mem.gomemlimit == -1 && r.ooms[0].mem.gogc == 100 && r.ooms[0].mem.heap_goal == -1);
	report_free(&r);
}
