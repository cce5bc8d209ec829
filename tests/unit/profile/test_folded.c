// SPDX-License-Identifier: GPL-2.0
/* The folded writer, parsed back: the stacks and values equal the generator's own rendering of every sample;
 * lines are sorted and unique; names cannot break the format. flamegraph.pl reads it when one is installed. */
#include <errno.h>

#include "cmd_capture.h"
#include "profile/folded.h"
#include "profile/profile.h"
#include "profile_gen.h"
/* unit.h defines unit_manifest(), which this fixture-free test never calls. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "unit.h"

static char *folded_text(const struct profile *p, int value_index, size_t *len)
{
	char *text = NULL;
	FILE *out = open_memstream(&text, len);

	CHECK_EQ_U64(folded_write(p, out, value_index), 0);
	fclose(out);
	return text;
}

struct parsed {
	size_t lines, unsorted, malformed;
	int64_t total;
};

/* Frame-by-frame order: the end of a stack, then ';', below any character a name can hold. */
static int rank(char c)
{
	return c == 0 ? 0 : c == ';' ? 1 : (unsigned char)c + 1;
}

static int frames_cmp(const char *a, const char *b)
{
	for (; *a && *a == *b; a++, b++)
		;
	return rank(*a) - rank(*b);
}

/* Splits every line at its last space, as flamegraph.pl does, into rows of (stack, value). */
static struct parsed parse_folded(char *text, struct rows *rows)
{
	struct parsed r = { 0 };
	char *line, *save, *prev = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *space = strrchr(line, ' '), *end;
		long long value;

		r.lines++;
		if (!space || !space[1] || (value = strtoll(space + 1, &end, 10)) <= 0 || *end) {
			r.malformed++;
			continue;
		}
		*space = 0;
		if (prev && frames_cmp(prev, line) >= 0)
			r.unsorted++;
		prev = line;
		rows_add(rows, line, strlen(line), value);
		r.total += value;
	}
	return r;
}

static struct profile *random_profile(struct gen *g, int calls, uint64_t seed, struct rows *want)
{
	struct profile *p = profile_new(gen_cpu_types, 2, gen_cpu_types[1], 10101010);
	char stack[16384];
	int i;

	gen_init(g, p, seed);
	for (i = 0; i < calls; i++) {
		struct gen_sample s;

		gen_sample(g, &s, 30);
		CHECK_EQ_U64(profile_add_sample(p, s.ids, s.nlocs, s.values, s.labels, s.nlabels), 0);
		gen_folded_stack(g, &s, stack, sizeof(stack));
		if (want)
			rows_add(want, stack, strlen(stack), s.values[1]);
	}
	return p;
}

TEST(folded_lines_equal_the_generated_stacks)
{
	struct rows want = { 0 }, got = { 0 };
	struct gen *g = malloc(sizeof(*g));
	struct profile *p = random_profile(g, 30000, 21, &want);
	struct parsed r;
	size_t len;
	char *text = folded_text(p, 1, &len);

	r = parse_folded(text, &got);
	CHECK(r.lines > 10000);
	CHECK_EQ_U64(r.malformed, 0);
	CHECK_EQ_U64(r.unsorted, 0);	/* sorted and, since strictly increasing, merged */
	CHECK_EQ_U64(r.total, profile_total(p, 1));
	CHECK_EQ_U64(rows_diff(&want, &got), 0);
	free(text);
	rows_free(&want), rows_free(&got);
	profile_free(p);
	free(g);
}

/* Labels split samples in the model; the folded format has no labels, so those samples merge into one line. */
TEST(samples_differing_only_in_labels_merge)
{
	struct profile *p = profile_new(gen_cpu_types, 2, gen_cpu_types[1], 1);
	uint32_t f = profile_function(p, "main.spin", "/src/main.go", 3);
	struct profile_line line = { f, 5 };
	uint32_t loc = profile_location(p, 0, 0x1000, &line, 1);
	struct profile_label a = { "thread", "a", 0, NULL }, b = { "thread", "b", 0, NULL };
	int64_t v[2] = { 2, 20 }, zero[2] = { 0, 0 };
	size_t len;
	char *text;

	profile_add_sample(p, &loc, 1, v, &a, 1);
	profile_add_sample(p, &loc, 1, v, &b, 1);
	profile_add_sample(p, &loc, 1, zero, NULL, 0);
	CHECK_EQ_U64(profile_sample_count(p), 3);
	text = folded_text(p, 0, &len);
	CHECK_STR(text, "main.spin 4\n");
	free(text);
	CHECK_EQ_U64(folded_write(p, stdout, 2), (uint64_t)-EINVAL);
	profile_free(p);
}

TEST(hostile_names_keep_the_format)
{
	static const char *const names[] = { "a;b", "new\nline", "tab\there", "cr\rx", "semi;;", "ok" };
	struct profile *p = profile_new(gen_cpu_types, 2, gen_cpu_types[1], 1);
	uint32_t locs[6];
	int64_t v[2] = { 3, 30 };
	size_t len, i;
	char *text;

	for (i = 0; i < 6; i++) {
		struct profile_line line = { profile_function(p, names[i], NULL, 0), 1 };

		locs[i] = profile_location(p, 0, 0x100 * (i + 1), &line, 1);
	}
	CHECK_EQ_U64(profile_add_sample(p, locs, 6, v, NULL, 0), 0);
	text = folded_text(p, 0, &len);
	CHECK_STR(text, "ok;semi::;cr?x;tab?here;new?line;a:b 3\n");
	free(text);
	profile_free(p);
}

/* The same samples added in another order give the same bytes. */
TEST(output_is_stable)
{
	struct gen *g = malloc(sizeof(*g)), *g2 = malloc(sizeof(*g2));
	struct profile *p = random_profile(g, 5000, 5, NULL);
	struct profile *q = profile_new(gen_cpu_types, 2, gen_cpu_types[1], 10101010);
	struct gen_sample *all = calloc(5000, sizeof(*all));
	size_t la, lb;
	char *a, *b;
	int i;

	gen_init(g2, q, 5);
	for (i = 0; i < 5000; i++)
		gen_sample(g2, &all[i], 30);
	for (i = 4999; i >= 0; i--)
		profile_add_sample(q, all[i].ids, all[i].nlocs, all[i].values, NULL, 0);
	a = folded_text(p, 0, &la);
	b = folded_text(q, 0, &lb);
	CHECK(la == lb && !memcmp(a, b, la));
	free(a), free(b), free(all);
	profile_free(p), profile_free(q);
	free(g), free(g2);
}

/* flamegraph.pl (GOTRACE_FLAMEGRAPH_PL, or on PATH) accepts the file and counts the same total. Debian 12 does
 * not package it, so without one this only says so. */
TEST(flamegraph_pl_accepts_the_output)
{
	const char *script = getenv("GOTRACE_FLAMEGRAPH_PL");
	struct cmd_output out;
	struct gen *g = malloc(sizeof(*g));
	struct profile *p = random_profile(g, 20000, 9, NULL);
	char path[] = "/tmp/gotrace-folded.XXXXXX", cmd[512], want[96], digits[32], *c;
	int fd = mkstemp(path), n, len;
	FILE *f = fdopen(fd, "w");

	CHECK_EQ_U64(folded_write(p, f, 0), 0);
	fclose(f);
	if (!script && system("command -v flamegraph.pl >/dev/null 2>&1") == 0)
		script = "flamegraph.pl";
	if (!script) {
		printf("     (flamegraph.pl not installed: set GOTRACE_FLAMEGRAPH_PL to check with it)\n");
		goto out;
	}
	snprintf(cmd, sizeof(cmd), "perl %s %s", script, path);
	CHECK_EQ_U64(cmd_capture(cmd, &out), 0);
	CHECK_EQ_U64(out.status, 0);
	CHECK_STR(out.err, "");
	/* flamegraph.pl prints the total with thousands separators: "all (12,345 samples, 100%)". */
	len = snprintf(digits, sizeof(digits), "%lld", (long long)profile_total(p, 0));
	c = want + sprintf(want, "all (");
	for (n = 0; n < len; n++)
		c += sprintf(c, "%s%c", n && (len - n) % 3 == 0 ? "," : "", digits[n]);
	sprintf(c, " samples, 100%%)");
	CHECK(strstr(out.out, want) != NULL);
	cmd_output_free(&out);
out:
	unlink(path);
	profile_free(p);
	free(g);
}
