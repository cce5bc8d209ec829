// SPDX-License-Identifier: GPL-2.0
/* The live checks of a runtime timeHistogram read through a derived layout: counts a live process could hold, and
 * counts that never shrink between reads (the runtime only ever adds to them). */
#include <errno.h>
#include <string.h>

#include "tracer/layout_check.h"
/* unit.h defines unit_manifest(), which this fixture-free test never calls. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "unit.h"

TEST(plausible_counts_pass_and_a_pointer_sized_one_fails)
{
	uint64_t counts[4] = { 0, 12, 1ull << 40, 3 };
	char why[128] = "";

	CHECK(layout_check_timehist(counts, 4, why, sizeof(why)) == 0);
	counts[3] = 0xc000012345ull << 16;	/* what a heap pointer read as a count looks like */
	CHECK(layout_check_timehist(counts, 4, why, sizeof(why)) == -EBADMSG);
	CHECK(strstr(why, "counts[3]") != NULL);
}

TEST(growing_or_equal_counts_pass_and_a_shrinking_one_is_named)
{
	uint64_t before[3] = { 5, 7, 9 }, now[3] = { 5, 8, 9 };
	char why[128] = "";

	CHECK(layout_check_timehist_grew(before, now, 3, why, sizeof(why)) == 0);
	now[2] = 8;
	CHECK(layout_check_timehist_grew(before, now, 3, why, sizeof(why)) == -EBADMSG);
	CHECK_STR(why, "bucket 2 went from 9 to 8");
}
