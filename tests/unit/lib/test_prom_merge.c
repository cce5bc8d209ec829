// SPDX-License-Identifier: GPL-2.0
/* Merging expositions: the extras' samples land in the base's families, in order, with nothing else of theirs;
 * expositions written by struct prom (histograms, escapes) merge into one that has every series once. */
#include "lib/prom.h"
#include "lib/prom_merge.h"
#include "unit.h"

TEST(extra_samples_follow_the_base_samples_of_their_family)
{
	const char *base = "# HELP a_total A.\n# TYPE a_total counter\na_total{pid=\"1\"} 1\n"
			   "# HELP b Gauge b.\n# TYPE b gauge\nb{pid=\"1\"} 2\n";
	const char *extras[] = {
		"# HELP a_total A.\n# TYPE a_total counter\na_total{pid=\"2\"} 3\n"
		"# HELP b Gauge b.\n# TYPE b gauge\nb{pid=\"2\"} 4\n",
		/* families in another order, one the base lacks, one with no samples */
		"# HELP c Only here.\n# TYPE c gauge\nc 9\n# HELP b Gauge b.\n# TYPE b gauge\nb{pid=\"3\"} 5\n"
		"# HELP a_total A.\n# TYPE a_total counter\n",
	};
	char *out = NULL;
	size_t len = 0;

	CHECK(prom_merge(base, extras, 2, &out, &len) == 0);
	CHECK_STR(out, "# HELP a_total A.\n# TYPE a_total counter\na_total{pid=\"1\"} 1\na_total{pid=\"2\"} 3\n"
		       "# HELP b Gauge b.\n# TYPE b gauge\nb{pid=\"1\"} 2\nb{pid=\"2\"} 4\nb{pid=\"3\"} 5\n");
	CHECK_EQ_U64(len, strlen(out));
	free(out);
}

TEST(no_extras_and_empty_inputs_give_the_base)
{
	const char *base = "# HELP x X.\n# TYPE x gauge\nx 1\n";
	const char *empty[] = { "" };
	char *out = NULL;
	size_t len = 0;

	CHECK(prom_merge(base, NULL, 0, &out, &len) == 0);
	CHECK_STR(out, base);
	free(out);
	CHECK(prom_merge("", empty, 1, &out, &len) == 0);
	CHECK_STR(out, "");
	CHECK_EQ_U64(len, 0);
	free(out);
}

/* A family name that is a prefix of another is not mistaken for it. */
TEST(family_names_match_whole)
{
	const char *base = "# HELP x_count C.\n# TYPE x_count gauge\nx_count 1\n";
	const char *extras[] = { "# HELP x_count_more M.\n# TYPE x_count_more gauge\nx_count_more 7\n"
				 "# HELP x_count C.\n# TYPE x_count gauge\nx_count{a=\"b\"} 2\n" };
	char *out = NULL;
	size_t len;

	CHECK(prom_merge(base, extras, 1, &out, &len) == 0);
	CHECK_STR(out, "# HELP x_count C.\n# TYPE x_count gauge\nx_count 1\nx_count{a=\"b\"} 2\n");
	free(out);
}

static void render(struct prom *p, const char *pid)
{
	struct prom_label l[] = { { "pid", pid }, { "comm", "odd \"name\"\nwith a newline" } };
	struct hist h = { 0 };

	hist_add(&h, 3);
	hist_add(&h, 300);
	prom_family(p, "gotrace_delay_seconds", "histogram", "A histogram.");
	prom_histogram(p, "gotrace_delay_seconds", l, 2, &h, 1e-6, PROM_SUM_ESTIMATE);
	prom_family(p, "gotrace_cycles_total", "counter", "A counter.");
	prom_sample(p, "gotrace_cycles_total", l, 2, 7);
}

TEST(expositions_from_prom_merge_into_one_with_every_series)
{
	struct prom living, exited, expected;
	const char *extras[1];
	char *out = NULL;
	size_t len;

	CHECK(prom_init(&living) == 0 && prom_init(&exited) == 0 && prom_init(&expected) == 0);
	render(&living, "1");
	render(&exited, "2");
	/* What one prom would write for both processes, family by family. */
	prom_family(&expected, "gotrace_delay_seconds", "histogram", "A histogram.");
	for (int i = 0; i < 2; i++) {
		struct prom_label l[] = { { "pid", i ? "2" : "1" }, { "comm", "odd \"name\"\nwith a newline" } };
		struct hist h = { 0 };

		hist_add(&h, 3);
		hist_add(&h, 300);
		prom_histogram(&expected, "gotrace_delay_seconds", l, 2, &h, 1e-6, PROM_SUM_ESTIMATE);
	}
	prom_family(&expected, "gotrace_cycles_total", "counter", "A counter.");
	for (int i = 0; i < 2; i++) {
		struct prom_label l[] = { { "pid", i ? "2" : "1" }, { "comm", "odd \"name\"\nwith a newline" } };

		prom_sample(&expected, "gotrace_cycles_total", l, 2, 7);
	}
	extras[0] = prom_data(&exited, &len);
	CHECK(prom_merge(prom_data(&living, &len), extras, 1, &out, &len) == 0);
	CHECK_STR(out, prom_data(&expected, &len));
	free(out);
	prom_free(&living);
	prom_free(&exited);
	prom_free(&expected);
}
