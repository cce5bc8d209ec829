// SPDX-License-Identifier: GPL-2.0
/* Which cycles a read of the runtime's 256-entry pause record can trust: expected values follow from the ring's
 * rule (cycle k at slot (k-1) % 256, reused by cycle k+256, numgc raised after the slot is written). */
#include "caps/gc_memstats.h"
#include "unit.h"

static struct gc_memstats_window window(uint32_t seen, uint32_t before, uint32_t after)
{
	struct gc_memstats_window w;

	gc_memstats_window(seen, before, after, &w);
	return w;
}

TEST(a_few_new_cycles_are_all_read)
{
	struct gc_memstats_window w = window(10, 13, 13);

	CHECK_EQ_U64(w.first, 11);
	CHECK_EQ_U64(w.count, 3);
	CHECK_EQ_U64(w.unread, 0);
}

TEST(nothing_new_reads_nothing)
{
	struct gc_memstats_window w = window(10, 10, 12);

	CHECK_EQ_U64(w.count, 0);
	CHECK_EQ_U64(w.unread, 0);
}

/* The slot of cycle before-255 may be rewritten by cycle before+1 during the read: 255 at most are intact. */
TEST(a_full_ring_keeps_the_newest_255)
{
	struct gc_memstats_window w = window(0, 256, 256);

	CHECK_EQ_U64(w.first, 2);
	CHECK_EQ_U64(w.count, 255);
	CHECK_EQ_U64(w.unread, 1);
	w = window(0, 1000, 1000);
	CHECK_EQ_U64(w.first, 746);
	CHECK_EQ_U64(w.count, 255);
	CHECK_EQ_U64(w.unread, 745);
}

/* Cycles that end while the rings are read overwrite the oldest records: those are unread, never wrong. */
TEST(cycles_ending_during_the_read_shrink_the_window)
{
	struct gc_memstats_window w = window(0, 255, 260);

	CHECK_EQ_U64(w.first, 6);
	CHECK_EQ_U64(w.count, 250);
	CHECK_EQ_U64(w.unread, 5);
	CHECK(w.first + 256 > 260 + 1);	/* the oldest delivered is safe from cycle after+1 */
	w = window(0, 100, 100 + 300);
	CHECK_EQ_U64(w.count, 0);
	CHECK_EQ_U64(w.unread, 100);
}

TEST(numgc_wraps_at_32_bits)
{
	struct gc_memstats_window w = window(0xfffffffeu, 2, 2);

	CHECK_EQ_U64(w.first, 0xffffffffu);
	CHECK_EQ_U64(w.count, 4);
	CHECK_EQ_U64(w.unread, 0);
}

#define SECOND 1000000000ull
#define POLL (SECOND / 10)

/* The daemon's relaxed reads: a busy program's record is read once a quarter of the ring waits or a cycle has
 * waited a second; one that stopped collecting at the next poll that finds no new cycle. */
TEST(a_record_is_read_when_due_and_only_then)
{
	CHECK(!gc_memstats_read_due(0, 0, 5 * SECOND, SECOND));		/* nothing waits, however long */
	CHECK(!gc_memstats_read_due(0, 7, POLL, SECOND));
	CHECK(!gc_memstats_read_due(5, 0, POLL, SECOND));		/* new cycles, still collecting */
	CHECK(!gc_memstats_read_due(40, 20, 3 * POLL, SECOND));
	CHECK(gc_memstats_read_due(64, 20, 3 * POLL, SECOND));		/* a quarter of the ring */
	CHECK(gc_memstats_read_due(40, 40, 2 * POLL, SECOND));		/* no new cycle since the last poll */
	CHECK(gc_memstats_read_due(63, 62, SECOND, SECOND));		/* a second's wait */
}
