// SPDX-License-Identifier: GPL-2.0
/* Tests of the profile model against a naive reference: every add call recorded as text, sorted, merged. */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "profile/flamesvg.h"
#include "profile/folded.h"
#include "profile/pprof.h"
#include "profile/profile.h"
#include "profile/speedscope.h"
#include "profile_gen.h"
/* unit.h defines unit_manifest(), which this fixture-free test never calls. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "unit.h"

#define KEY_MAX 1024

struct ref_row {
	char key[KEY_MAX];
	int64_t values[2];
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct ref_row *)a)->key, ((const struct ref_row *)b)->key);
}

/* "loc,loc,...|label label": label order must not matter, so the label texts are sorted here. */
static void sample_key(const int *locs, int nlocs, const struct profile_label *labels, int nlabels, char *out)
{
	char texts[GEN_MAX_LABELS][64];
	const char *sorted[GEN_MAX_LABELS];
	size_t len = 0;
	int i;

	for (i = 0; i < nlocs; i++)
		len += snprintf(out + len, KEY_MAX - len, "%d,", locs[i]);
	for (i = 0; i < nlabels; i++) {
		if (labels[i].str)
			snprintf(texts[i], sizeof(texts[i]), "%s=%s", labels[i].key, labels[i].str);
		else
			snprintf(texts[i], sizeof(texts[i]), "%s=#%lld%s", labels[i].key, (long long)labels[i].num,
				 labels[i].num_unit ? labels[i].num_unit : "");
		sorted[i] = texts[i];
	}
	qsort(sorted, nlabels, sizeof(sorted[0]), cmp_str);
	len += snprintf(out + len, KEY_MAX - len, "|");
	for (i = 0; i < nlabels; i++)
		len += snprintf(out + len, KEY_MAX - len, "%s ", sorted[i]);
}

static int gen_index_of(const struct gen *g, uint32_t id)
{
	int i;

	for (i = 0; i < GEN_LOCS; i++)
		if (g->locs[i].id == id)
			return i;
	return -1;
}

TEST(ids_start_at_one_and_deduplicate)
{
	struct profile *p = profile_new(gen_cpu_types, 2, gen_cpu_types[1], 10101010);
	struct profile_line line;
	uint32_t m1, m2, f1, f2, l1, l2;

	CHECK(p);
	m1 = profile_mapping(p, 0x1000, 0x2000, 0, "/bin/a", "abc", PROFILE_HAS_FUNCTIONS);
	m2 = profile_mapping(p, 0x1000, 0x2000, 0, "/bin/a", "abc", PROFILE_HAS_FILENAMES);
	CHECK_EQ_U64(m1, 1);
	CHECK_EQ_U64(m2, m1);
	CHECK_EQ_U64(profile_mapping_get(p, m1)->flags, PROFILE_HAS_FUNCTIONS | PROFILE_HAS_FILENAMES);
	CHECK_EQ_U64(profile_mapping(p, 0x1000, 0x2000, 0, "/bin/a", NULL, 0), 2);
	CHECK_STR(profile_mapping_get(p, 2)->build_id, "");
	f1 = profile_function(p, "main.main", "/src/main.go", 3);
	f2 = profile_function(p, "main.main", "/src/main.go", 3);
	CHECK_EQ_U64(f1, 1);
	CHECK_EQ_U64(f2, f1);
	CHECK_EQ_U64(profile_function(p, "main.main", NULL, 3), 2);
	CHECK_STR(profile_function_get(p, 2)->file, "");
	line = (struct profile_line){ f1, 7 };
	l1 = profile_location(p, m1, 0x1234, &line, 1);
	l2 = profile_location(p, m1, 0x1234, &line, 1);
	CHECK_EQ_U64(l1, 1);
	CHECK_EQ_U64(l2, l1);
	/* Synthetic frames share address 0 but must stay apart. */
	CHECK_EQ_U64(profile_location(p, 0, 0, &line, 1), 2);
	line.line = 8;
	CHECK_EQ_U64(profile_location(p, 0, 0, &line, 1), 3);
	CHECK_EQ_U64(profile_location_count(p), 3);
	CHECK(profile_mapping_get(p, 0) == NULL && profile_location_get(p, 4) == NULL);
	profile_free(p);
}

TEST(strings_are_copied_and_interned)
{
	struct profile *p = profile_new(gen_cpu_types, 2, gen_cpu_types[1], 1);
	char name[32] = "main.work", file[32] = "/src/w.go";
	uint32_t f1, f2;

	f1 = profile_function(p, name, file, 1);
	memset(name, 'x', sizeof(name) - 1);
	memset(file, 'y', sizeof(file) - 1);
	f2 = profile_function(p, "main.other", "/src/w.go", 1);
	CHECK_STR(profile_function_get(p, f1)->name, "main.work");
	CHECK_STR(profile_function_get(p, f1)->file, "/src/w.go");
	CHECK(profile_function_get(p, f1)->file == profile_function_get(p, f2)->file);
	CHECK_STR(profile_sample_type(p, 1).type, "cpu");
	CHECK_STR(profile_period_type(p).unit, "nanoseconds");
	profile_free(p);
}

TEST(invalid_arguments_are_refused)
{
	struct profile *p = profile_new(gen_cpu_types, 2, gen_cpu_types[1], 1);
	struct profile_line bad_line = { 9, 1 };
	struct profile_label no_key = { NULL, "v", 0, NULL };
	int64_t values[2] = { 1, 1 };
	uint32_t loc, bogus = 5;

	CHECK(profile_new(gen_cpu_types, 0, gen_cpu_types[1], 1) == NULL);
	CHECK_EQ_U64(profile_function(p, "", "/f.go", 1), 0);
	CHECK_EQ_U64(profile_function(p, NULL, "/f.go", 1), 0);
	CHECK_EQ_U64(profile_location(p, 3, 0x10, NULL, 0), 0);		/* no such mapping */
	CHECK_EQ_U64(profile_location(p, 0, 0x10, &bad_line, 1), 0);	/* no such function */
	loc = profile_location(p, 0, 0x10, NULL, 0);
	CHECK(loc != 0);
	CHECK_EQ_U64(profile_add_sample(p, &bogus, 1, values, NULL, 0), (uint64_t)-EINVAL);
	CHECK_EQ_U64(profile_add_sample(p, &loc, 0, values, NULL, 0), (uint64_t)-EINVAL);
	CHECK_EQ_U64(profile_add_sample(p, &loc, 1, values, &no_key, 1), (uint64_t)-EINVAL);
	CHECK_EQ_U64(profile_sample_count(p), 0);
	CHECK_EQ_U64(profile_total(p, 0), 0);
	profile_free(p);
}

/* 50k random add calls: the merged samples and totals equal a sort-and-merge of the calls. */
TEST(samples_merge_like_the_reference)
{
	struct profile *p = profile_new(gen_cpu_types, 2, gen_cpu_types[1], 10101010);
	const int calls = 50000;
	struct ref_row *rows = calloc(calls, sizeof(*rows)), probe;
	int64_t totals[2] = { 0, 0 };
	struct gen *g = malloc(sizeof(*g));
	int i, nrows = 0, bad = 0;

	gen_init(g, p, 1);
	for (i = 0; i < calls; i++) {
		struct gen_sample s;

		gen_sample(g, &s, 12);
		sample_key(s.locs, s.nlocs, s.labels, s.nlabels, rows[i].key);
		memcpy(rows[i].values, s.values, sizeof(s.values));
		totals[0] += s.values[0], totals[1] += s.values[1];
		if (profile_add_sample(p, s.ids, s.nlocs, s.values, s.labels, s.nlabels))
			bad++;
	}
	CHECK_EQ_U64(bad, 0);
	qsort(rows, calls, sizeof(*rows), cmp_row);
	for (i = 0; i < calls; i++) {
		if (nrows && !strcmp(rows[nrows - 1].key, rows[i].key)) {
			rows[nrows - 1].values[0] += rows[i].values[0];
			rows[nrows - 1].values[1] += rows[i].values[1];
		} else {
			rows[nrows++] = rows[i];
		}
	}
	CHECK(nrows > 1000 && nrows < calls);	/* the generator must produce both repeats and variety */
	CHECK_EQ_U64(profile_sample_count(p), nrows);
	CHECK_EQ_U64(profile_total(p, 0), totals[0]);
	CHECK_EQ_U64(profile_total(p, 1), totals[1]);
	for (i = 0; i < (int)profile_sample_count(p); i++) {
		struct profile_sample s;
		struct ref_row *row;
		int locs[GEN_MAX_DEPTH], k;

		profile_sample_get(p, i, &s);
		for (k = 0; k < s.nlocations && k < GEN_MAX_DEPTH; k++)
			locs[k] = gen_index_of(g, s.locations[k]);
		for (k = 1; k < s.nlabels; k++)
			bad += strcmp(s.labels[k - 1].key, s.labels[k].key) > 0;
		sample_key(locs, s.nlocations, s.labels, s.nlabels, probe.key);
		row = bsearch(&probe, rows, nrows, sizeof(*rows), cmp_row);
		if (!row || row->values[0] != s.values[0] || row->values[1] != s.values[1])
			bad++;
	}
	CHECK_EQ_U64(bad, 0);
	free(rows);
	free(g);
	profile_free(p);
}

/* Frames come out root first, inlined callers before callees, unresolved addresses named by module+offset. */
TEST(sample_frames_expand_inlined_lines)
{
	struct profile *p = profile_new(gen_cpu_types, 2, gen_cpu_types[1], 1);
	struct gen *g = malloc(sizeof(*g));
	int i, bad = 0, inlined = 0, unknown = 0;

	gen_init(g, p, 2);
	for (i = 0; i < 2000; i++) {
		struct gen_sample s;
		struct profile_sample ps;
		const char *names[3 * GEN_MAX_DEPTH];
		char want[8192], got[8192];
		size_t len = 0;
		int n, k;

		gen_sample(g, &s, 30);
		gen_folded_stack(g, &s, want, sizeof(want));
		ps = (struct profile_sample){ s.ids, s.nlocs, s.values, NULL, 0 };
		n = profile_sample_frames(p, &ps, names, 3 * GEN_MAX_DEPTH);
		CHECK(profile_sample_frames(p, &ps, names, 1) == n);
		got[0] = 0;
		for (k = 0; k < n; k++)
			len += snprintf(got + len, sizeof(got) - len, "%s%s", k ? ";" : "", names[k]);
		bad += strcmp(want, got) != 0;
		inlined += n > s.nlocs;
		unknown += strstr(got, "[unknown] libc.so.6+0x") != NULL;
	}
	CHECK_EQ_U64(bad, 0);
	CHECK(inlined > 100 && unknown > 100);
	free(g);
	profile_free(p);
}

TEST(comments_and_time)
{
	struct profile *p = profile_new(gen_cpu_types, 2, gen_cpu_types[1], 1);

	CHECK_EQ_U64(profile_add_comment(p, "gotrace flame -p 42"), 0);
	profile_set_time(p, 1700000000000000000LL, 5000000000LL);
	CHECK_EQ_U64(profile_comment_count(p), 1);
	CHECK_STR(profile_comment(p, 0), "gotrace flame -p 42");
	CHECK(profile_comment(p, 1) == NULL);
	CHECK_EQ_U64(profile_time_nanos(p), 1700000000000000000LL);
	CHECK_EQ_U64(profile_duration_nanos(p), 5000000000LL);
	profile_free(p);
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

static double cpu_seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
	return (now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

static double write_timed(int (*write)(const struct profile *p, FILE *out), const struct profile *p,
			  const char *path)
{
	struct timespec start;
	FILE *out = fopen(path, "w");
	double s;

	clock_gettime(CLOCK_MONOTONIC, &start);
	CHECK_EQ_U64(write(p, out), 0);
	fclose(out);
	s = seconds_since(&start);
	unlink(path);
	return s;
}

static int write_folded(const struct profile *p, FILE *out)
{
	return folded_write(p, out, 0);
}

static int write_svg(const struct profile *p, FILE *out)
{
	return flamesvg_write(p, out, 0, "CPU", "samples");
}

static int write_speedscope(const struct profile *p, FILE *out)
{
	return speedscope_write(p, out, 0, "CPU");
}

/* 100k samples of 30-frame Go stacks (plus inlined frames, libc and kernel tails): build, then write all
 * formats. Only printed, not asserted: timing depends on the machine. */
TEST(timing_100k_deep_samples)
{
	const int n = 100000;
	struct gen_sample *samples = calloc(n, sizeof(*samples));
	struct gen *g = malloc(sizeof(*g));
	struct timespec start;
	struct profile *p;
	struct timespec cpu_start;
	double build, pprof, folded, svg, speedscope, million, cpu;
	int i, bad = 0;

	p = profile_new(gen_cpu_types, 2, gen_cpu_types[1], 10101010);
	gen_init(g, p, 99);
	for (i = 0; i < n; i++)
		gen_sample_depth(g, &samples[i], 30);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu_start);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < n; i++)
		bad += profile_add_sample(p, samples[i].ids, samples[i].nlocs, samples[i].values, samples[i].labels,
					  samples[i].nlabels) != 0;
	build = seconds_since(&start);
	clock_gettime(CLOCK_MONOTONIC, &start);
	CHECK_EQ_U64(pprof_write_file(p, "/tmp/gotrace-timing.pb.gz"), 0);
	pprof = seconds_since(&start);
	unlink("/tmp/gotrace-timing.pb.gz");
	folded = write_timed(write_folded, p, "/tmp/gotrace-timing.folded");
	svg = write_timed(write_svg, p, "/tmp/gotrace-timing.svg");
	cpu = cpu_seconds_since(&cpu_start);
	speedscope = write_timed(write_speedscope, p, "/tmp/gotrace-timing.speedscope.json");
	/* A million calls, each stack seen ten times: the merge path. */
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < 10 * n; i++)
		bad += profile_add_sample(p, samples[i % n].ids, samples[i % n].nlocs, samples[i % n].values,
					  samples[i % n].labels, samples[i % n].nlabels) != 0;
	million = seconds_since(&start);
	CHECK_EQ_U64(bad, 0);
	/* CPU time too: on a loaded machine it is the figure that does not depend on the neighbours. */
	printf("     (%zu distinct samples: build %.3f s, pprof %.3f s, folded %.3f s, svg %.3f s, total %.3f s "
	       "wall, %.3f s CPU; speedscope %.3f s; 1M more add calls %.3f s)\n", profile_sample_count(p), build,
	       pprof, folded, svg, build + pprof + folded + svg, cpu, speedscope, million);
	free(samples);
	free(g);
	profile_free(p);
}
