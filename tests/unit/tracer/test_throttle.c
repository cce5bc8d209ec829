// SPDX-License-Identifier: GPL-2.0
/* Throttle timeline overlaps: expected values are interval arithmetic done by hand. */
#include "tracer/throttle.h"
#include "unit.h"

TEST(overlap_of_closed_intervals)
{
	struct throttle_timeline t;

	throttle_init(&t);
	throttle_add(&t, 100, 200);
	throttle_add(&t, 300, 400);
	throttle_add(&t, 500, 600);
	CHECK_EQ_U64(t.total_ns, 300);
	CHECK_EQ_U64(throttle_overlap(&t, 0, 1000), 300);
	CHECK_EQ_U64(throttle_overlap(&t, 150, 350), 50 + 50);
	CHECK_EQ_U64(throttle_overlap(&t, 200, 300), 0);	/* touching ends do not overlap */
	CHECK_EQ_U64(throttle_overlap(&t, 410, 490), 0);
	CHECK_EQ_U64(throttle_overlap(&t, 599, 10000), 1);
	CHECK_EQ_U64(throttle_overlap(&t, 120, 130), 10);	/* inside one interval */
	throttle_free(&t);
}

TEST(open_interval_counts_up_to_the_query_end)
{
	struct throttle_timeline t;

	throttle_init(&t);
	throttle_open(&t, 1000);
	CHECK_EQ_U64(throttle_overlap(&t, 500, 1500), 500);
	throttle_open(&t, 1200);	/* already open: ignored */
	CHECK(t.n == 1);
	throttle_close(&t, 1800);
	CHECK_EQ_U64(throttle_overlap(&t, 500, 1500), 500);
	CHECK_EQ_U64(throttle_overlap(&t, 1700, 1900), 100);
	CHECK_EQ_U64(t.total_ns, 800);
	throttle_close(&t, 1900);	/* nothing open: ignored */
	CHECK_EQ_U64(t.total_ns, 800);
	throttle_free(&t);
}

TEST(forget_keeps_later_intervals_and_total)
{
	struct throttle_timeline t;

	throttle_init(&t);
	for (uint64_t i = 0; i < 1000; i++)
		throttle_add(&t, i * 100, i * 100 + 10);
	throttle_forget(&t, 50000);
	CHECK(t.n == 500);
	CHECK_EQ_U64(t.total_ns, 10000);
	CHECK_EQ_U64(throttle_overlap(&t, 0, 100000), 5000);
	throttle_free(&t);
}
