// SPDX-License-Identifier: GPL-2.0
/* Per-service counts that outlive their processes: added on first sight, one sample per service in the order
 * first counted, the family's header alone when nothing was counted. */
#include <string.h>

#include "daemon/service_counts.h"
#include "unit.h"

TEST(counts_per_service_in_first_seen_order)
{
	struct service_counts c = { 0 };
	struct prom p;

	CHECK(prom_init(&p) == 0);
	service_counts_metric(&c, &p, "gotrace_oom_kills_total", "OOM kills.");
	CHECK_STR(prom_data(&p, NULL), "# HELP gotrace_oom_kills_total OOM kills.\n"
				       "# TYPE gotrace_oom_kills_total counter\n");
	CHECK(service_counts_add(&c, "api") == 0);
	CHECK(service_counts_add(&c, "batch") == 0);
	CHECK(service_counts_add(&c, "api") == 0);
	CHECK_EQ_U64(service_counts_get(&c, "api"), 2);
	CHECK_EQ_U64(service_counts_get(&c, "batch"), 1);
	CHECK_EQ_U64(service_counts_get(&c, "web"), 0);
	prom_reset(&p);
	service_counts_metric(&c, &p, "gotrace_oom_kills_total", "OOM kills.");
	CHECK_STR(prom_data(&p, NULL), "# HELP gotrace_oom_kills_total OOM kills.\n"
				       "# TYPE gotrace_oom_kills_total counter\n"
				       "gotrace_oom_kills_total{service=\"api\"} 2\n"
				       "gotrace_oom_kills_total{service=\"batch\"} 1\n");
	service_counts_free(&c);
	prom_free(&p);
}
