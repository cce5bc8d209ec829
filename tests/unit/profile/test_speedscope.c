// SPDX-License-Identifier: GPL-2.0
/* The speedscope writer read back by Python's JSON parser (helpers/speedscope_check.py): the stacks and weights
 * equal the generator's, names survive JSON escaping. */
#include <errno.h>

#include "cmd_capture.h"
#include "profile/profile.h"
#include "profile_gen.h"
#include "profile/speedscope.h"
/* unit.h defines unit_manifest(), which this fixture-free test never calls. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "unit.h"

struct report {
	size_t errors;
	int64_t total;
	char unit[32];
	struct rows stacks;
};

static void check_file(const char *path, struct report *r)
{
	struct cmd_output out;
	char cmd[512], *line, *save;

	memset(r, 0, sizeof(*r));
	snprintf(cmd, sizeof(cmd), "python3 tests/unit/helpers/speedscope_check.py %s", path);
	CHECK_EQ_U64(cmd_capture(cmd, &out), 0);
	CHECK_STR(out.err, "");
	for (line = strtok_r(out.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		long long v;
		int consumed = 0;

		if (!strncmp(line, "ERROR", 5) && r->errors++ < 5)
			fprintf(stderr, "    speedscope_check: %s\n", line);
		sscanf(line, "UNIT %31s", r->unit);
		if (sscanf(line, "TOTAL %lld", &v) == 1)
			r->total = v;
		if (sscanf(line, "STACK %lld %n", &v, &consumed) == 1 && consumed) {
			char *hex = line + consumed, *bytes = malloc(strlen(hex) / 2 + 1);
			size_t n = 0;
			unsigned byte;

			while (sscanf(hex + 2 * n, "%2x", &byte) == 1)
				bytes[n++] = (char)byte;
			rows_add(&r->stacks, bytes, n, v);
			free(bytes);
		}
	}
	cmd_output_free(&out);
}

static void write_file(const struct profile *p, const char *path, int value_index, const char *name)
{
	FILE *f = fopen(path, "w");

	CHECK_EQ_U64(speedscope_write(p, f, value_index, name), 0);
	fclose(f);
}

TEST(stacks_and_weights_equal_the_generated_ones)
{
	struct profile *p = profile_new(gen_cpu_types, 2, gen_cpu_types[1], 10101010);
	struct gen *g = malloc(sizeof(*g));
	struct rows want = { 0 };
	char path[] = "/tmp/gotrace-speedscope.XXXXXX", stack[16384], *c;
	struct report r;
	int i;

	close(mkstemp(path));
	gen_init(g, p, 77);
	for (i = 0; i < 20000; i++) {
		struct gen_sample s;

		gen_sample(g, &s, 30);
		profile_add_sample(p, s.ids, s.nlocs, s.values, s.labels, s.nlabels);
		gen_folded_stack(g, &s, stack, sizeof(stack));
		for (c = stack; (c = strchr(c, ';')); c++)
			*c = 0x1f;
		rows_add(&want, stack, strlen(stack), s.values[1]);
	}
	write_file(p, path, 1, "cpu \"demo\"");
	check_file(path, &r);
	CHECK_EQ_U64(r.errors, 0);
	CHECK_STR(r.unit, "nanoseconds");
	CHECK_EQ_U64(r.total, profile_total(p, 1));
	CHECK(r.stacks.n > 10000);
	CHECK_EQ_U64(rows_diff(&want, &r.stacks), 0);
	rows_free(&want), rows_free(&r.stacks);
	unlink(path);
	free(g);
	profile_free(p);
}

TEST(names_survive_json_escaping)
{
	static const char *const names[] = { "quote\"back\\slash", "ctl\x01\ttab\n", "bad\xff utf8", "euro \xe2\x82\xac" };
	static const char *const shown[] = { "quote\"back\\slash", "ctl\x01\ttab\n", "bad\xef\xbf\xbd utf8",
					     "euro \xe2\x82\xac" };
	struct profile *p = profile_new(gen_cpu_types, 2, gen_cpu_types[1], 1);
	char path[] = "/tmp/gotrace-speedscope.XXXXXX";
	struct rows want = { 0 };
	struct report r;
	int i;

	close(mkstemp(path));
	for (i = 0; i < 4; i++) {
		struct profile_line line = { profile_function(p, names[i], NULL, 0), 1 };
		uint32_t loc = profile_location(p, 0, i + 1, &line, 1);
		int64_t v[2] = { i + 1, 0 };

		profile_add_sample(p, &loc, 1, v, NULL, 0);
		rows_add(&want, shown[i], strlen(shown[i]), i + 1);
	}
	write_file(p, path, 0, "bad\xfe name");
	check_file(path, &r);
	CHECK_EQ_U64(r.errors, 0);
	CHECK_STR(r.unit, "none");
	CHECK_EQ_U64(rows_diff(&want, &r.stacks), 0);
	CHECK_EQ_U64(speedscope_write(p, stdout, 2, "x"), (uint64_t)-EINVAL);
	rows_free(&want), rows_free(&r.stacks);
	unlink(path);
	profile_free(p);
}
