// SPDX-License-Identifier: GPL-2.0
/* Pause and cycle bookkeeping on event sequences shaped like the runtime's: expected values follow from the
 * definitions (a cycle's pause is the sum of its stops; MemStats.PauseNs when the runtime supplies it). */
#include <linux/types.h>

#include "caps/gc_stats.h"
#include "unit.h"

static struct stw_event ev(uint32_t kind, uint64_t start, uint64_t end, uint32_t flags, uint64_t numgc)
{
	struct stw_event e = { .pid = 1, .tid = 2, .start_ns = start, .end_ns = end, .kind = kind,
			       .flags = flags | STW_F_RUNTIME_TIMES, .numgc = numgc };

	return e;
}

TEST(cycle_is_sweep_then_final_mark_termination)
{
	struct gc_stats s;
	struct stw_pause p;
	struct gc_cycle c;
	struct stw_event e;

	gc_stats_init(&s, 1000, false);
	e = ev(STW_KIND_SWEEP_TERM, 1000000, 1100000, STW_F_HAVE_NUMGC, 41);
	CHECK(gc_stats_add(&s, &e, &p, &c) == 0);
	CHECK_EQ_U64(p.duration_ns, 100000);
	CHECK_EQ_U64(p.gc_cycle, 42);	/* numgc counts completed cycles: the one starting is 42 */
	CHECK_STR(p.reason, "gc_sweep_termination");
	e = ev(STW_KIND_MARK_TERM, 3000000, 3020000, STW_F_HAVE_NUMGC, 41);	/* aborted: no CYCLE_END */
	CHECK(gc_stats_add(&s, &e, &p, &c) == 0);
	e = ev(STW_KIND_MARK_TERM, 4000000, 4050000, STW_F_HAVE_NUMGC | STW_F_CYCLE_END, 42);
	CHECK(gc_stats_add(&s, &e, &p, &c) == 1);
	CHECK_EQ_U64(p.gc_cycle, 42);
	CHECK_EQ_U64(c.cycle, 42);
	CHECK_EQ_U64(c.pauses, 3);
	CHECK_EQ_U64(c.pause_ns, 100000 + 20000 + 50000);
	CHECK_EQ_U64(c.end_ns - c.start_ns, 4050000 - 1000000);
	CHECK(c.complete);
	CHECK_EQ_U64(s.cycles, 1);
	CHECK_EQ_U64(s.pauses, 3);
	CHECK_EQ_U64(s.total.cycle_hist.count, 1);
	gc_stats_free(&s);
}

TEST(runtime_cycle_total_wins_when_supplied)
{
	struct gc_stats s;
	struct stw_pause p;
	struct gc_cycle c;
	struct stw_event e;

	gc_stats_init(&s, 1000, false);
	e = ev(STW_KIND_SWEEP_TERM, 100, 200, STW_F_HAVE_NUMGC, 0);
	gc_stats_add(&s, &e, &p, &c);
	e = ev(STW_KIND_MARK_TERM, 500, 530,
	       STW_F_HAVE_NUMGC | STW_F_CYCLE_END | STW_F_HAVE_CYCLE_PAUSE | STW_F_HAVE_CYCLE_START, 1);
	e.cycle_pause_ns = 131;
	e.cycle_start_ns = 99;
	CHECK(gc_stats_add(&s, &e, &p, &c) == 1);
	CHECK_EQ_U64(c.pause_ns, 131);
	CHECK_EQ_U64(c.start_ns, 99);
	gc_stats_free(&s);
}

TEST(attached_mid_cycle_is_partial)
{
	struct gc_stats s;
	struct stw_pause p;
	struct gc_cycle c;
	struct stw_event e;

	gc_stats_init(&s, 1000, false);
	e = ev(STW_KIND_MARK_TERM, 500, 530, STW_F_HAVE_NUMGC | STW_F_CYCLE_END, 7);
	CHECK(gc_stats_add(&s, &e, &p, &c) == 1);
	CHECK(!c.complete);
	CHECK_EQ_U64(s.cycles, 0);
	CHECK_EQ_U64(s.cycles_partial, 1);
	CHECK_EQ_U64(s.pauses, 1);	/* the pause itself is real and counted */
	gc_stats_free(&s);
}

TEST(non_gc_stop_named_from_string_or_code)
{
	struct gc_stats s;
	struct stw_pause p;
	struct gc_cycle c;
	struct stw_event e;

	gc_stats_init(&s, 1000, false);
	e = ev(STW_KIND_OTHER, 10, 20, 0, 0);
	snprintf(e.reason, sizeof(e.reason), "read mem stats");
	gc_stats_add(&s, &e, &p, &c);
	CHECK_STR(p.reason, "read_mem_stats");
	CHECK_EQ_U64(p.gc_cycle, 0);
	e = ev(STW_KIND_OTHER, 10, 20, 0, 0);
	e.go_reason = 9;	/* stwGOMAXPROCS */
	gc_stats_add(&s, &e, &p, &c);
	CHECK_STR(p.reason, "gomaxprocs");
	CHECK(s.total.nreasons == 2);
	gc_stats_free(&s);
}

TEST(unknown_start_is_not_counted_as_a_duration)
{
	struct gc_stats s;
	struct stw_pause p;
	struct gc_cycle c;
	struct stw_event e;

	gc_stats_init(&s, 1000, false);
	e = ev(STW_KIND_OTHER, 0, 20, STW_F_START_UNKNOWN, 0);
	gc_stats_add(&s, &e, &p, &c);
	CHECK(!p.duration_known);
	CHECK_EQ_U64(s.pauses, 0);
	CHECK_EQ_U64(s.pauses_unknown, 1);
	gc_stats_free(&s);
}

TEST(own_numbering_without_numgc)
{
	struct gc_stats s;
	struct stw_pause p;
	struct gc_cycle c;
	struct stw_event e;

	gc_stats_init(&s, 1000, false);
	for (int i = 0; i < 3; i++) {
		e = ev(STW_KIND_SWEEP_TERM, 100 + i * 1000, 200 + i * 1000, 0, 0);
		gc_stats_add(&s, &e, &p, &c);
		CHECK_EQ_U64(p.gc_cycle, (uint64_t)i + 1);
		e = ev(STW_KIND_MARK_TERM, 500 + i * 1000, 520 + i * 1000, STW_F_CYCLE_END, 0);
		CHECK(gc_stats_add(&s, &e, &p, &c) == 1);
		CHECK_EQ_U64(c.cycle, (uint64_t)i + 1);
	}
	CHECK(!s.numbering_from_runtime);
	gc_stats_free(&s);
}

TEST(interval_quantiles_are_exact_and_reset)
{
	struct gc_stats s;
	struct stw_pause p;
	struct gc_cycle c;
	struct gc_interval iv;

	gc_stats_init(&s, 1000, false);
	for (uint64_t i = 1; i <= 100; i++) {
		struct stw_event e = ev(STW_KIND_OTHER, 1000, 1000 + i * 1000, 0, 0);

		snprintf(e.reason, sizeof(e.reason), "x");
		gc_stats_add(&s, &e, &p, &c);
	}
	gc_stats_interval(&s, &iv);
	CHECK_EQ_U64(iv.pauses, 100);
	CHECK_EQ_U64(iv.p50_ns, 50000);
	CHECK_EQ_U64(iv.p99_ns, 99000);
	CHECK_EQ_U64(iv.max_ns, 100000);
	gc_stats_interval_reset(&s);
	gc_stats_interval(&s, &iv);
	CHECK_EQ_U64(iv.pauses, 0);
	CHECK_EQ_U64(gc_stats_quantile(&s, 1.0), 100000);	/* the trace keeps them */
	gc_stats_free(&s);
}

TEST(reason_slugs)
{
	char out[48];

	gc_reason_slug("GC mark termination", out, sizeof(out));
	CHECK_STR(out, "gc_mark_termination");
	gc_reason_slug("CountPagesInUse (test)", out, sizeof(out));
	CHECK_STR(out, "countpagesinuse_test");
	gc_reason_slug("  ", out, sizeof(out));
	CHECK_STR(out, "unknown");
	CHECK_STR(gc_reason_name(7), "read mem stats");
	CHECK_STR(gc_reason_name(250), "unknown");
}

TEST(cycle_pauses_are_counted_per_complete_cycle_from_either_source)
{
	struct gc_stats s;
	struct stw_pause p;
	struct gc_cycle c;
	struct stw_event e;
	struct gc_interval iv;

	gc_stats_init(&s, 1000, false);
	e = ev(STW_KIND_SWEEP_TERM, 1000, 31000, STW_F_HAVE_NUMGC, 0);
	gc_stats_add(&s, &e, &p, &c);
	e = ev(STW_KIND_MARK_TERM, 90000, 100000, STW_F_HAVE_NUMGC | STW_F_CYCLE_END, 1);
	CHECK(gc_stats_add(&s, &e, &p, &c) == 1);
	CHECK(gc_stats_add_recorded_cycle(&s, 1, 2, 70000, 500000, &c) == 0);
	CHECK_EQ_U64(c.cycle, 2);
	CHECK_EQ_U64(c.pause_ns, 70000);
	CHECK_EQ_U64(c.end_ns, 500000);
	CHECK(c.complete && !c.pauses);
	CHECK_EQ_U64(s.cycles, 2);
	CHECK_EQ_U64(s.pauses, 2);	/* the recorded cycle's stops were not seen one by one */
	CHECK_EQ_U64(s.total.cycle_pause_hist.count, 2);
	CHECK_EQ_U64(s.total.cycle_pause_sum_ns, 40000 + 70000);
	CHECK_EQ_U64(gc_stats_cycle_pause_quantile(&s, 1.0), 70000);
	gc_stats_interval(&s, &iv);
	CHECK_EQ_U64(iv.cycles, 2);
	CHECK_EQ_U64(iv.cycle_pause_p50_ns, 40000);
	CHECK_EQ_U64(iv.cycle_pause_max_ns, 70000);
	gc_stats_interval_reset(&s);
	gc_stats_interval(&s, &iv);
	CHECK_EQ_U64(iv.cycles + iv.cycle_pause_max_ns, 0);
	gc_stats_free(&s);
}

/* The daemon runs for ever: however many pauses, no memory grows; the histograms and sums stay exact. */
TEST(totals_only_keeps_no_values)
{
	struct gc_stats s;
	struct stw_pause p;
	struct gc_cycle c;
	struct stw_event e;
	struct gc_interval iv;

	gc_stats_init(&s, 1000, true);
	for (uint64_t i = 0; i < 1000; i++) {
		e = ev(STW_KIND_OTHER, (i + 1) * 1000, (i + 1) * 1000 + 10 + i, 0, 0);
		CHECK(gc_stats_add(&s, &e, &p, &c) == 0);
		CHECK(gc_stats_add_recorded_cycle(&s, 1, i + 1, 5000, i, &c) == 0);
	}
	CHECK(!s.all_ns && !s.interval_ns && !s.cycle_pauses && !s.interval_cycle_pauses);
	CHECK_EQ_U64(s.pauses, 1000);
	CHECK_EQ_U64(s.pause_ns_total, 1000 * 10 + 999 * 1000 / 2);
	CHECK_EQ_U64(s.max_pause_ns, 10 + 999);
	CHECK_EQ_U64(s.total.cycle_pause_sum_ns, 1000 * 5000);
	gc_stats_interval(&s, &iv);
	CHECK_EQ_U64(iv.pauses, 1000);
	CHECK_EQ_U64(iv.cycles, 1000);
	gc_stats_free(&s);
}
