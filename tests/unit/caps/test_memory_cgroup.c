// SPDX-License-Identifier: GPL-2.0
/* The memory cgroup's high (soft) limit, events and pressure as text, JSON and Prometheus families, on two
 * readings made up here: a v2 cgroup (figures worked out by hand) and a v1 one (no events, no pressure). */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "caps/memory_cgroup.h"

static struct cgroup_memory cg_v2, cg_v1;

/* A 10 s trace of a v2 cgroup whose 384 MiB high limit is on its parent: 25 more times over it, 3 at the
 * limit, 1 OOM with 1 kill; 1.5 s of some and 0.25 s of full stall. */
static void v2_reading(struct memory_cgroup_reading *r, struct cgroup_memory_stat *a, struct cgroup_memory_stat *b)
{
	cg_v2 = (struct cgroup_memory){ .version = 2, .limit_bytes = 536870912, .high_bytes = 402653184,
					.high_level = 1 };
	*a = (struct cgroup_memory_stat){ .oom_kills = 2, .has_oom_kills = true, .has_events = true,
					  .events = { .high = 95, .max = 41, .oom = 3, .oom_kill = 2,
						      .has_oom_kill = true },
					  .has_pressure = true,
					  .pressure = { .some_total_us = 3250000, .full_total_us = 1125000,
							.has_full = true } };
	*b = *a;
	b->oom_kills = 3;
	b->events.high = 120;
	b->events.max = 44;
	b->events.oom = 4;
	b->events.oom_kill = 3;
	b->pressure.some_total_us = 4750000;
	b->pressure.full_total_us = 1375000;
	b->pressure.some_avg10 = 12.5;
	b->pressure.full_avg10 = 6.25;
	*r = (struct memory_cgroup_reading){ &cg_v2, a, b, 10.0 };
}

/* A v1 cgroup with a 48 MiB soft limit on the leaf, not under OOM. */
static void v1_reading(struct memory_cgroup_reading *r, struct cgroup_memory_stat *a, struct cgroup_memory_stat *b)
{
	cg_v1 = (struct cgroup_memory){ .version = 1, .limit_bytes = 268435456, .high_bytes = 50331648 };
	*a = (struct cgroup_memory_stat){ .has_oom_kills = true, .has_under_oom = true };
	*b = *a;
	*r = (struct memory_cgroup_reading){ &cg_v1, a, b, 2.0 };
}

static char *text_of(const struct memory_cgroup_reading *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	memory_cgroup_text(out, r);
	fclose(out);
	return text;
}

static char *json_of(const struct memory_cgroup_reading *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct json_obj j;

	json_begin(&j, out);
	memory_cgroup_json(&j, r);
	json_end(&j);
	fclose(out);
	return text;
}

TEST(text_v2_and_v1)
{
	struct cgroup_memory_stat a, b;
	struct memory_cgroup_reading r;
	char *t;

	v2_reading(&r, &a, &b);
	t = text_of(&r);
	CHECK_STR(t, "memory: high limit 384.0 MiB (set on an ancestor); during the trace 25 times over memory.high, "
		     "3 at memory.max, 1 OOM; stalled on memory: some 1.50 s (15.0%), full 0.25 s (2.5%), avg10 "
		     "12.50%/6.25%\n");
	free(t);
	v1_reading(&r, &a, &b);
	t = text_of(&r);
	CHECK_STR(t, "memory: soft limit 48.0 MiB; not under OOM; cgroup v1 has no memory pressure per cgroup\n");
	free(t);
	cg_v1.high_bytes = -1;
	t = text_of(&r);
	CHECK(strncmp(t, "memory: no soft limit;", 22) == 0);
	free(t);
}

TEST(json_v2_and_v1)
{
	struct cgroup_memory_stat a, b;
	struct memory_cgroup_reading r;
	char *t;

	v2_reading(&r, &a, &b);
	t = json_of(&r);
	CHECK_STR(t, "{\"high_limit_bytes\":402653184,\"high_limiting_level\":1,\"events_during_trace\":{\"high\":25,"
		     "\"max\":3,\"oom\":1,\"oom_kill\":1},\"pressure\":{\"traced_seconds\":10,\"some_seconds\":1.5,"
		     "\"some_share\":0.15,\"some_avg10\":12.5,\"full_seconds\":0.25,\"full_share\":0.025,"
		     "\"full_avg10\":6.25}}");
	free(t);
	/* v1: a soft limit, no memory.events (only oom_kill), no pressure: those keys are absent, not 0 */
	v1_reading(&r, &a, &b);
	t = json_of(&r);
	CHECK_STR(t, "{\"soft_limit_bytes\":50331648,\"soft_limiting_level\":0,\"events_during_trace\":{\"oom_kill\":0},"
		     "\"under_oom\":false}");
	free(t);
	/* no high limit: -1 as for the limit, and no level */
	v2_reading(&r, &a, &b);
	cg_v2.high_bytes = -1;
	a.has_pressure = false;
	t = json_of(&r);
	CHECK(strncmp(t, "{\"high_limit_bytes\":-1,\"events_during_trace\"", 44) == 0);
	CHECK(!strstr(t, "pressure"));
	free(t);
}

/* Two processes, one v2 and one v1: each family has the samples of the processes whose kernel has the figure. */
static struct memory_cgroup_reading readings[2];

/* The process is told apart by its label count: 1 for the first, 2 for the second. */
static bool reading_at(const struct target_ctx *tc, int index, struct memory_cgroup_reading *r)
{
	(void)index;
	*r = readings[tc->nlabels - 1];
	return true;
}

TEST(metrics_only_where_the_kernel_has_them)
{
	static struct target_ctx tc[2];
	static const struct prom_label l1[] = { { "pid", "1" } }, l2[] = { { "pid", "2" }, { "comm", "x" } };
	struct target_ctx *tcs[2] = { &tc[0], &tc[1] };
	struct cgroup_memory_stat a2, b2, a1, b1;
	struct prom p;
	const char *out;

	v2_reading(&readings[0], &a2, &b2);
	v1_reading(&readings[1], &a1, &b1);
	tc[0].labels = l1;
	tc[0].nlabels = 1;
	tc[1].labels = l2;
	tc[1].nlabels = 2;
	CHECK(prom_init(&p) == 0);
	memory_cgroup_metrics(&p, tcs, 2, 0, reading_at);
	CHECK(prom_error(&p) == 0);
	out = prom_data(&p, NULL);
	CHECK(strstr(out, "gotrace_cgroup_memory_high_bytes{pid=\"1\"} 402653184\n"));
	CHECK(!strstr(out, "gotrace_cgroup_memory_high_bytes{pid=\"2\""));
	CHECK(strstr(out, "gotrace_cgroup_memory_soft_limit_bytes{pid=\"2\",comm=\"x\"} 50331648\n"));
	CHECK(strstr(out, "gotrace_cgroup_memory_high_events_total{pid=\"1\"} 120\n"));
	CHECK(strstr(out, "gotrace_cgroup_memory_max_events_total{pid=\"1\"} 44\n"));
	CHECK(strstr(out, "gotrace_cgroup_memory_oom_events_total{pid=\"1\"} 4\n"));
	CHECK(strstr(out, "gotrace_cgroup_memory_under_oom{pid=\"2\",comm=\"x\"} 0\n"));
	CHECK(strstr(out, "gotrace_cgroup_memory_pressure_seconds_total{pid=\"1\",kind=\"some\"} 4.75\n"));
	CHECK(strstr(out, "gotrace_cgroup_memory_pressure_seconds_total{pid=\"1\",kind=\"full\"} 1.375\n"));
	CHECK(strstr(out, "gotrace_cgroup_memory_pressure_avg10_ratio{pid=\"1\",kind=\"some\"} 0.125\n"));
	CHECK(!strstr(out, "pressure_seconds_total{pid=\"2\""));
	/* a v1-only host: the v2 families are there (for the kept series of exited processes), without samples */
	prom_reset(&p);
	readings[0] = readings[1];
	memory_cgroup_metrics(&p, tcs, 2, 0, reading_at);
	out = prom_data(&p, NULL);
	CHECK(strstr(out, "# TYPE gotrace_cgroup_memory_high_bytes gauge\n# HELP"));
	CHECK(!strstr(out, "gotrace_cgroup_memory_high_bytes{"));
	CHECK(!strstr(out, "gotrace_cgroup_memory_pressure_seconds_total{"));
	prom_free(&p);
}
