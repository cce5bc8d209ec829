// SPDX-License-Identifier: GPL-2.0
/* The series of exited processes: kept until a scrape served a render holding them, or for max_age from the exit
 * when no scrape comes (renders happen only for scrapes, so unscraped series are never published). */
#include <stdlib.h>
#include <string.h>

#include "daemon/retained_series.h"
#include "unit.h"

#define S(x) ((uint64_t)(x) * 1000000000ull)

TEST(a_scrape_after_the_render_drops_them)
{
	struct retained_series r = { 0 };

	CHECK(retained_add(&r, 10, strdup("a 1\n"), S(100)) == 0);
	CHECK(!retained_expire(&r, 5, S(60), S(101)));	/* not yet in any render */
	retained_published(&r, 5);
	CHECK(!retained_expire(&r, 5, S(60), S(102)));	/* rendered, not yet served */
	CHECK(retained_add(&r, 11, strdup("b 1\n"), S(102)) == 0);
	CHECK(retained_expire(&r, 6, S(60), S(103)));	/* the scrape of that render came */
	CHECK(r.n == 1 && r.all[0].pid == 11);
	retained_free(&r);
}

TEST(unscraped_series_go_by_age_from_the_exit)
{
	struct retained_series r = { 0 };

	CHECK(retained_add(&r, 10, strdup("a 1\n"), S(100)) == 0);
	CHECK(retained_add(&r, 11, strdup("b 1\n"), S(130)) == 0);
	CHECK(!retained_expire(&r, 0, S(60), S(130) - 1));	/* a clock read before the exit was handled */
	CHECK(!retained_expire(&r, 0, S(60), S(159)));
	CHECK(retained_expire(&r, 0, S(60), S(160)));
	CHECK(r.n == 1 && r.all[0].pid == 11);
	CHECK(retained_drop_pid(&r, 11) && r.n == 0);
	retained_free(&r);
}

TEST(with_otlp_export_they_stay_until_an_export_carried_them)
{
	struct retained_series r = { .wait_for_export = true };

	CHECK(retained_add(&r, 10, strdup("a 1\n"), S(100)) == 0);
	retained_published(&r, 5);
	CHECK(!retained_expire(&r, 6, S(60), S(101)));	/* scraped, not yet exported */
	CHECK(!retained_expire(&r, 6, S(60), S(200)));	/* old, not yet exported */
	retained_exported(&r);
	CHECK(retained_add(&r, 11, strdup("b 1\n"), S(201)) == 0);
	CHECK(retained_expire(&r, 6, S(60), S(202)));	/* exported and scraped */
	CHECK(r.n == 1 && r.all[0].pid == 11);		/* the later one was not in that export */
	retained_free(&r);
}
