// SPDX-License-Identifier: GPL-2.0
/* The pure parts of `gotrace flame`: formats by name and by ending, atomic file replacement, writing each
 * format of one profile (parsed back by the folded rules and the helpers' independent parsers), and the
 * consistency of the profile type table. */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "lib/atomic_file.h"
#include "profile/flame_output.h"
#include "profile/profile_types.h"

TEST(formats_by_name_and_by_ending)
{
	enum flame_format f;

	CHECK(flame_format_parse("pprof", &f) == 0 && f == FLAME_PPROF);
	CHECK(flame_format_parse("speedscope", &f) == 0 && f == FLAME_SPEEDSCOPE);
	CHECK(flame_format_parse("PPROF", &f) == -EINVAL);
	CHECK(flame_format_of_path("a/b/cpu.pb.gz", &f) == 0 && f == FLAME_PPROF);
	CHECK(flame_format_of_path("cpu.pprof", &f) == 0 && f == FLAME_PPROF);
	CHECK(flame_format_of_path("cpu.folded", &f) == 0 && f == FLAME_FOLDED);
	CHECK(flame_format_of_path("cpu.txt", &f) == 0 && f == FLAME_FOLDED);
	CHECK(flame_format_of_path("cpu.svg", &f) == 0 && f == FLAME_SVG);
	CHECK(flame_format_of_path("cpu.json", &f) == 0 && f == FLAME_SPEEDSCOPE);
	CHECK(flame_format_of_path(".svg", &f) == -EINVAL);	/* an ending alone is no file name */
	CHECK(flame_format_of_path("cpu.gz", &f) == -EINVAL);
	CHECK(flame_format_of_path("cpu", &f) == -EINVAL);
	CHECK_STR(flame_format_name(FLAME_SVG), "svg");
}

static char *read_file(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return f ? buf : NULL;
}

TEST(atomic_file_replaces_whole_or_not_at_all)
{
	char dir[] = "/tmp/gotrace-atomic-XXXXXX", path[256], listing[512];
	struct atomic_file af;
	FILE *ls;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/out.folded", dir);
	CHECK(atomic_file_open(&af, path) == 0);
	fputs("a;b 1\n", af.f);
	CHECK(access(path, F_OK) != 0);		/* nothing at the path until finished */
	CHECK(atomic_file_finish(&af, 0) == 0);
	CHECK_STR(read_file(path), "a;b 1\n");
	CHECK(atomic_file_open(&af, path) == 0);
	fputs("half", af.f);
	CHECK(atomic_file_finish(&af, -EIO) == -EIO);	/* a failed writer leaves the old file */
	CHECK_STR(read_file(path), "a;b 1\n");
	snprintf(listing, sizeof(listing), "ls -A %s", dir);
	ls = popen(listing, "r");
	CHECK(ls && fgets(listing, sizeof(listing), ls) && !strcmp(listing, "out.folded\n"));
	CHECK(ls && !fgets(listing, sizeof(listing), ls));	/* no temporary file left */
	if (ls)
		pclose(ls);
	snprintf(path, sizeof(path), "%s/missing/out.svg", dir);
	CHECK(atomic_file_open(&af, path) == -ENOENT);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	CHECK(system(path) == 0);
}

static struct profile *small_profile(void)
{
	static const struct profile_value_type types[2] = { { "samples", "count" }, { "cpu", "nanoseconds" } };
	struct profile *p = profile_new(types, 2, types[1], 10000000);
	uint32_t m = profile_mapping(p, 0x400000, 0x500000, 0, "/bin/app", "abcd", PROFILE_SYMBOLIZED);
	struct profile_line main_line = { profile_function(p, "main.main", "/src/main.go", 0), 10 };
	struct profile_line work[2] = { { profile_function(p, "main.inlined", "/src/w.go", 0), 3 },
					{ profile_function(p, "main.work", "/src/w.go", 0), 20 } };
	uint32_t locs[2] = { profile_location(p, m, 0x401000, work, 2), profile_location(p, m, 0x400100, &main_line, 1) };
	int64_t v[2] = { 3, 30000000 };

	profile_add_sample(p, locs, 2, v, NULL, 0);
	profile_add_sample(p, &locs[1], 1, (int64_t[]){ 1, 10000000 }, NULL, 0);
	return p;
}

TEST(every_format_writes_the_same_profile)
{
	char dir[] = "/tmp/gotrace-flameout-XXXXXX", path[256], cmd[512];
	struct profile *p = small_profile();
	struct flame_view v = { 0, "samples", "test" };
	static const char *const names[] = { "p.folded", "p.pb.gz", "p.svg", "p.json" };
	FILE *out;

	CHECK(mkdtemp(dir) != NULL);
	for (int i = 0; i < 4; i++) {
		enum flame_format f;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		CHECK(flame_format_of_path(path, &f) == 0 && flame_write(p, f, path, &v) == 0);
	}
	snprintf(path, sizeof(path), "%s/p.folded", dir);
	CHECK_STR(read_file(path), "main.main 1\nmain.main;main.work;main.inlined 3\n");
	snprintf(cmd, sizeof(cmd), "python3 tests/unit/helpers/svg_check.py %s/p.svg | grep -c '^TOTAL 4$'", dir);
	CHECK((out = popen(cmd, "r")) && fgets(cmd, sizeof(cmd), out) && atoi(cmd) == 1);
	pclose(out);
	snprintf(cmd, sizeof(cmd), "python3 tests/unit/helpers/speedscope_check.py %s/p.json | grep -c '^TOTAL 4$'", dir);
	CHECK((out = popen(cmd, "r")) && fgets(cmd, sizeof(cmd), out) && atoi(cmd) == 1);
	pclose(out);
	snprintf(cmd, sizeof(cmd), "zcat %s/p.pb.gz | head -c 1 | od -An -tx1", dir);
	CHECK((out = popen(cmd, "r")) && fgets(cmd, sizeof(cmd), out) && strstr(cmd, "0a"));	/* sample_type */
	pclose(out);
	snprintf(path, sizeof(path), "%s/missing/p.svg", dir);
	CHECK(flame_write(p, FLAME_SVG, path, &v) == -ENOENT);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	profile_free(p);
}

TEST(profile_type_table_is_consistent)
{
	CHECK(profile_type_count >= 3);
	CHECK(profile_type_find("cpu") == &profile_types[0]);	/* the default */
	CHECK(profile_type_find("offcpu") && profile_type_find("gc"));
	CHECK(profile_type_find("wall") == NULL);
	for (size_t i = 0; i < profile_type_count; i++) {
		const struct profile_type *t = &profile_types[i];

		CHECK(t->name && t->summary && strlen(t->summary) < 80 && t->source);
		/* Stack types pick kinds from the shared stack map; a wait type is one map of its own. */
		CHECK(t->kinds || t->source == profile_type_find("futex")->source);
		CHECK(t->nvalues >= 1 && t->nvalues <= 2 && t->flame_value < t->nvalues);
		for (int v = 0; v < t->nvalues; v++)
			CHECK(t->value_types[v].type && t->value_types[v].unit);
		/* A period means a sampling profile whose second value is count x period. */
		CHECK(!t->period_type.type || (t->nvalues == 2 && t->values[1] == PROFILE_VALUE_PERIOD));
		CHECK(!strcmp(t->flame_unit, t->values[t->flame_value] == PROFILE_VALUE_NS ? "nanoseconds" : "samples"));
	}
}
