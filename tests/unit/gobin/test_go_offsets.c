// SPDX-License-Identifier: GPL-2.0
/* Tests of go_offsets: the DWARF reader against llvm-dwarfdump, the version table against the DWARF of every
 * unstripped fixture (amd64, and arm64 twins cross-built here), histogram buckets against runtime/metrics. */
#include <errno.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gobin/go_binary.h"
#include "gobin/go_offsets.h"
#include "unit.h"

#define ARM64_DIR "build/tests/unit/go_offsets"

static bool parse_goversion(const char *v, int *major, int *minor)
{
	return sscanf(v, "go%d.%d", major, minor) == 2;
}

static bool has_dwarf_variant(const struct unit_fixture *f)
{
	return strcmp(f->variant, "stripped") != 0;
}

/* Prints every field that differs, so a failing table entry says what to fix. */
static int compare_layouts(const char *what, const struct go_offsets *want, const struct go_offsets *got)
{
	int diffs = 0;

	for (size_t i = 0; i < go_offsets_nfields(); i++) {
		if (go_offsets_field(want, i) == go_offsets_field(got, i))
			continue;
		fprintf(stderr, "    %s: %s: want %d, got %d\n", what, go_offsets_field_name(i),
			go_offsets_field(want, i), go_offsets_field(got, i));
		diffs++;
	}
	return diffs;
}

static void table_matches_dwarf(const char *path, const char *goversion, bool arm64, int *checked)
{
	struct go_offsets dwarf, table;
	int major, minor;

	CHECK(parse_goversion(goversion, &major, &minor));
	CHECK_EQ_U64(go_offsets_from_dwarf(path, &dwarf), 0);
	CHECK(dwarf.from_dwarf);
	CHECK_EQ_U64(go_offsets_from_table(major, minor, arm64, &table), 0);
	CHECK(table.table_verified);
	CHECK_EQ_U64(compare_layouts(path, &dwarf, &table), 0);
	(*checked)++;
}

static void table_fixture(const struct unit_fixture *f, void *ctx)
{
	if (has_dwarf_variant(f))
		table_matches_dwarf(f->path, f->goversion, false, ctx);
}

TEST(table_equals_dwarf_of_every_unstripped_fixture)
{
	int checked = 0;

	CHECK(unit_manifest(table_fixture, &checked) > 0);
	CHECK(checked >= 2);
}

/* Cross-builds tests/go/gcload for arm64 with the fixture's toolchain, once per Go version. */
static bool build_arm64_twin(const struct unit_fixture *f, char *out, size_t len)
{
	char gocmd[4096], cmd[16384];
	FILE *m = popen("cut -f1,2 build/tests/go/manifest.tsv", "r");
	char line[8192], ver[64];
	bool found = false;

	if (!m)
		return false;
	while (!found && fgets(line, sizeof(line), m))
		found = sscanf(line, "%63[^\t]\t%4095[^\n]", ver, gocmd) == 2 && strcmp(ver, f->goversion) == 0;
	pclose(m);
	if (!found)
		return false;
	snprintf(out, len, "%s/%s/gcload.arm64", ARM64_DIR, f->goversion);
	if (access(out, R_OK) == 0)
		return true;
	snprintf(cmd, sizeof(cmd),
		 "cd tests/go/gcload && GOCACHE=$PWD/../../../build/gocache GOFLAGS=-mod=mod GOTOOLCHAIN=local "
		 "GOPATH=$PWD/../../../build/gopath CGO_ENABLED=0 GOARCH=arm64 %s build -o ../../../%s . >&2",
		 gocmd, out);
	return system(cmd) == 0;
}

static void arm64_fixture(const struct unit_fixture *f, void *ctx)
{
	char path[4096];

	if (strcmp(f->program, "gcload") != 0 || strcmp(f->variant, "default") != 0)
		return;
	CHECK(build_arm64_twin(f, path, sizeof(path)));
	table_matches_dwarf(path, f->goversion, true, ctx);
}

TEST(table_equals_dwarf_of_arm64_twins)
{
	int checked = 0;

	CHECK(system("mkdir -p " ARM64_DIR) == 0);
	unit_manifest(arm64_fixture, &checked);
	CHECK(checked >= 2);
}

/* ---- the DWARF reader against llvm-dwarfdump ---- */

struct dump_member { char name[64], type[256]; long loc; };
struct dump_struct { long byte_size; int n; struct dump_member m[512]; };

/* The first definition named `type` as llvm-dwarfdump prints it (typedefs skipped): its byte size and, for a
 * struct, its members. */
static bool dump_type(const char *path, const char *type, struct dump_struct *d)
{
	enum { BEFORE, IN_DEF, IN_MEMBER, AFTER } state = BEFORE;
	char cmd[8192], line[4096];
	struct dump_member *cur = NULL;
	FILE *p;

	memset(d, 0, sizeof(*d));
	d->byte_size = -1;
	snprintf(cmd, sizeof(cmd), "llvm-dwarfdump --name='%s' --show-children '%s'", type, path);
	p = popen(cmd, "r");
	if (!p)
		return false;
	while (fgets(line, sizeof(line), p)) {
		char *tag = strstr(line, "DW_TAG_"), *paren = strchr(line, '(');

		if (state == AFTER)
			continue;
		if (strstr(line, ": ") && strstr(line, "NULL")) {
			state = state == BEFORE ? BEFORE : AFTER;
		} else if (tag) {
			if (state == BEFORE)
				state = strncmp(tag, "DW_TAG_typedef", 14) ? IN_DEF : BEFORE;
			else if (strncmp(tag, "DW_TAG_member", 13) == 0 && d->n < 512)
				state = IN_MEMBER, cur = &d->m[d->n++], cur->loc = -1;
			else
				state = AFTER;
		} else if (!paren) {
			continue;
		} else if (state == IN_DEF && strstr(line, "DW_AT_byte_size")) {
			sscanf(paren, "(%li)", &d->byte_size);
		} else if (state == IN_MEMBER && strstr(line, "DW_AT_name")) {
			sscanf(paren, "(\"%63[^\"]", cur->name);
		} else if (state == IN_MEMBER && strstr(line, "DW_AT_data_member_location")) {
			sscanf(paren, "(%li)", &cur->loc);
		} else if (state == IN_MEMBER && strstr(line, "DW_AT_type") && strchr(line, '"')) {
			sscanf(strchr(line, '"'), "\"%255[^\"]", cur->type);
		}
	}
	pclose(p);
	return state != BEFORE && d->byte_size >= 0;
}

static const struct dump_member *dump_member(const struct dump_struct *d, const char *name)
{
	for (int i = 0; i < d->n; i++)
		if (strcmp(d->m[i].name, name) == 0)
			return &d->m[i];
	return NULL;
}

/* The Go struct type behind the prefix of a go_offsets field name ("g.sched.sp" -> runtime.g). */
static const char *struct_of_prefix(const char *prefix)
{
	static const char *const map[][2] = {
		{ "g", "runtime.g" }, { "m", "runtime.m" }, { "work", "runtime.workType" },
		{ "memstats", "runtime.mstats" }, { "sched", "runtime.schedt" },
		{ "timeHistogram", "runtime.timeHistogram" }, { "worldStop", "runtime.worldStop" },
		{ "gcController", "runtime.gcControllerState" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(prefix, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* Renamed in Go 1.21; the DWARF of older binaries has the old name. */
static const char *older_name(const char *member)
{
	return strcmp(member, "trackingStamp") == 0 ? "runnableStamp" : NULL;
}

enum dump_kind { DUMP_OFFSET, DUMP_SIZE, DUMP_COUNT };

/* What llvm-dwarfdump says a go_offsets field should be: -1 when the member is absent. */
static long expected_from_dump(const char *bin, const char *field)
{
	enum dump_kind kind = DUMP_OFFSET;
	char buf[256], type[256], *comp, *save = NULL;
	struct dump_struct *d = malloc(sizeof(*d));
	const struct dump_member *m = NULL;
	long offset = 0, result = -1;

	if (sscanf(field, "sizeof(%255[^)])", buf) == 1)
		kind = DUMP_SIZE;
	else if (sscanf(field, "len(%255[^)])", buf) == 1)
		kind = DUMP_COUNT;
	else
		snprintf(buf, sizeof(buf), "%s", field);
	comp = strtok_r(buf, ".", &save);
	if (!d || !comp || !struct_of_prefix(comp))
		goto out;
	snprintf(type, sizeof(type), "%s", struct_of_prefix(comp));
	while ((comp = strtok_r(NULL, ".", &save))) {
		if (!dump_type(bin, type, d))
			goto out;
		m = dump_member(d, comp);
		if (!m && older_name(comp))
			m = dump_member(d, older_name(comp));
		if (!m)
			goto out;
		offset += m->loc;
		snprintf(type, sizeof(type), "%s", m->type);
	}
	if (kind == DUMP_OFFSET)
		result = offset;
	else if (kind == DUMP_COUNT)
		result = strrchr(type, '[') ? atol(strrchr(type, '[') + 1) : -1;
	else if (dump_type(bin, type, d))
		result = d->byte_size;
out:
	free(d);
	return result;
}

/* A function's argument size from DWARF has its own witness: the function table's _func.args, which the
 * compiler writes independently of the debug information. */
static long expected_args(const char *bin, const char *field)
{
	char name[128];
	struct go_binary *gb;
	struct go_func fn;
	long args = -1;

	if (sscanf(field, "args(%100[^)])", name + 8) != 1 || go_binary_open(bin, &gb))
		return -2;
	memcpy(name, "runtime.", 8);
	if (go_binary_find_func(gb, name, &fn) == 0)
		args = fn.args;
	go_binary_close(gb);
	return args;
}

static void dwarf_matches_dump(const char *path, int *checked)
{
	struct go_offsets o;

	CHECK_EQ_U64(go_offsets_from_dwarf(path, &o), 0);
	for (size_t i = 0; i < go_offsets_nfields(); i++) {
		const char *name = go_offsets_field_name(i);
		long want = strncmp(name, "args(", 5) == 0 ? expected_args(path, name) : expected_from_dump(path, name);

		if (want != go_offsets_field(&o, i))
			fprintf(stderr, "    %s: %s: llvm-dwarfdump %ld, go_offsets %d\n", path,
				go_offsets_field_name(i), want, go_offsets_field(&o, i));
		CHECK(want == go_offsets_field(&o, i));
	}
	(*checked)++;
}

static void dump_fixture(const struct unit_fixture *f, void *ctx)
{
	if (strcmp(f->variant, "default") == 0 || strcmp(f->variant, "external") == 0)
		dwarf_matches_dump(f->path, ctx);
}

TEST(dwarf_reader_equals_llvm_dwarfdump)
{
	int checked = 0;

	CHECK(system("llvm-dwarfdump --version >/dev/null") == 0);
	unit_manifest(dump_fixture, &checked);
	CHECK(checked >= 2);
}

/* ---- table coverage and errors ---- */

/* 1.17 (first register-ABI release) to 1.27 are known; only versions with a toolchain here are marked verified.
 * The fields every probe needs exist in every version. */
TEST(table_covers_1_17_to_1_27)
{
	CHECK_EQ_U64(go_offsets_table_newest(), 27);
	for (int minor = 17; minor <= 27; minor++) {
		struct go_offsets o;

		CHECK_EQ_U64(go_offsets_from_table(1, minor, false, &o), 0);
		CHECK(o.table_verified == (minor == 19 || minor == 26 || minor == 27));
		CHECK(o.source[0] == LAYOUT_TABLE && o.table_minor == minor);
		CHECK((o.stw_start_args >= 24) == (minor >= 22) && (o.worldstop_started == 8) == (minor >= 22));
		CHECK(o.g_m >= 0 && o.g_goid > o.g_m && o.g_atomicstatus > o.g_m && o.g_goid < o.g_size);
		CHECK(o.m_curg > o.m_procid && o.m_preemptoff > o.m_id && o.m_preemptoff < o.m_size);
		CHECK(o.memstats_numgc > o.memstats_pause_end && o.memstats_pause_end == o.memstats_pause_ns + 2048);
		CHECK(o.sched_time_to_run > o.sched_stopwait && o.hist_underflow == o.hist_nbuckets * 8);
		CHECK(o.work_pausestart == -1 || minor < 22);
	}
}

TEST(table_refuses_unknown_versions)
{
	struct go_offsets o;

	CHECK_EQ_U64(go_offsets_from_table(1, 16, false, &o), (uint64_t)-ENOTSUP);
	CHECK_EQ_U64(go_offsets_from_table(1, 28, false, &o), (uint64_t)-ENOTSUP);
	CHECK_EQ_U64(go_offsets_from_table(2, 0, false, &o), (uint64_t)-ENOTSUP);
	CHECK_EQ_U64(go_offsets_from_table(0, 19, false, &o), (uint64_t)-ENOTSUP);
	CHECK(o.g_goid == -1 && o.m_curg == -1);
}

static void resolve_fixture(const struct unit_fixture *f, void *ctx)
{
	struct go_offsets resolved, table;
	int major, minor;

	CHECK(parse_goversion(f->goversion, &major, &minor));
	CHECK_EQ_U64(go_offsets_from_table(major, minor, false, &table), 0);
	CHECK_EQ_U64(go_offsets_resolve(f->path, major, minor, false, &resolved), 0);
	CHECK(resolved.from_dwarf == has_dwarf_variant(f));
	CHECK_EQ_U64(compare_layouts(f->path, &table, &resolved), 0);
	CHECK(resolved.table_disagreements == 0);	/* the table, as a cross-check of DWARF, agrees */
	if (!has_dwarf_variant(f)) {
		CHECK_EQ_U64(go_offsets_from_dwarf(f->path, &resolved), (uint64_t)-ENOENT);
		/* Without DWARF a release newer than the table takes its newest entry, marked as assumed... */
		CHECK_EQ_U64(go_offsets_resolve(f->path, 1, 99, false, &resolved), 0);
		CHECK(!resolved.from_dwarf && resolved.table_minor == go_offsets_table_newest() &&
		      !resolved.table_verified);
		for (size_t i = 0; i < go_offsets_nfields(); i++)
			CHECK(go_offsets_source(&resolved, i) ==
			      (go_offsets_field(&resolved, i) >= 0 ? LAYOUT_TABLE_NEWEST : LAYOUT_UNKNOWN));
		/* ... and one older than the table has nothing to go on. */
		CHECK_EQ_U64(go_offsets_resolve(f->path, 1, 16, false, &resolved), (uint64_t)-ENOTSUP);
	} else {
		/* With DWARF the version does not matter: every field DWARF has is from DWARF. */
		CHECK_EQ_U64(go_offsets_resolve(f->path, 1, 99, false, &resolved), 0);
		CHECK_EQ_U64(compare_layouts(f->path, &table, &resolved), 0);
		CHECK(go_offsets_source_of(&resolved, &resolved.memstats_numgc) == LAYOUT_DWARF);
	}
	(*(int *)ctx)++;
}

TEST(resolve_uses_dwarf_else_table)
{
	int checked = 0;

	unit_manifest(resolve_fixture, &checked);
	CHECK(checked >= 4);
}

TEST(dwarf_errors)
{
	struct go_offsets o;

	CHECK_EQ_U64(go_offsets_from_dwarf("/nonexistent/binary", &o), (uint64_t)-ENOENT);
	CHECK_EQ_U64(go_offsets_from_dwarf("/etc/hostname", &o), (uint64_t)-ENOEXEC);
	/* An ELF file with DWARF but no Go runtime types: a C program. */
	CHECK_EQ_U64(go_offsets_from_dwarf("/proc/self/exe", &o), (uint64_t)-ENOENT);
	CHECK_EQ_U64(go_offsets_from_dwarf_mem("", 0, &o), (uint64_t)-ENOEXEC);
	CHECK(!o.from_dwarf && o.g_goid == -1);
}

/* Every prefix of a real binary is read without a crash (ASan/UBSan builds check the reads) and gives either an
 * error or fields that agree with the whole file's. */
static void truncated_fixture(const struct unit_fixture *f, void *ctx)
{
	struct go_offsets whole, part;
	uint8_t *data;
	FILE *file;
	long size;

	if (strcmp(f->variant, "default") != 0 || strcmp(f->program, "gcload") != 0)
		return;
	file = fopen(f->path, "rb");
	CHECK(file != NULL);
	if (!file)
		return;
	fseek(file, 0, SEEK_END);
	size = ftell(file);
	rewind(file);
	data = malloc(size);
	CHECK(data && fread(data, 1, size, file) == (size_t)size);
	fclose(file);
	CHECK_EQ_U64(go_offsets_from_dwarf_mem(data, size, &whole), 0);
	for (long cut = 1; cut < size; cut = cut * 5 / 4 + 7) {
		uint8_t *copy = malloc(cut);	/* exactly cut bytes: ASan sees any read past them */

		memcpy(copy, data, cut);
		if (go_offsets_from_dwarf_mem(copy, cut, &part) == 0)
			for (size_t i = 0; i < go_offsets_nfields(); i++)
				CHECK(go_offsets_field(&part, i) == -1 ||
				      go_offsets_field(&part, i) == go_offsets_field(&whole, i));
		free(copy);
		(*(int *)ctx)++;
	}
	free(data);
}

TEST(truncated_binaries_do_not_crash)
{
	int cuts = 0;

	unit_manifest(truncated_fixture, &cuts);
	CHECK(cuts > 10);
}

/* ---- timeHistogram buckets against runtime/metrics ---- */

#define METRICS_DIR "build/tests/unit/go_offsets/metrics"

/* A Go program printing the bucket boundaries of /sched/latencies:seconds, the runtime's own rendering of
 * runtime.sched.timeToRun: boundary k+1 is the lower end of counts[k]. */
static const char metrics_program[] =
	"package main\n"
	"\n"
	"import (\n\t\"fmt\"\n\t\"runtime/metrics\"\n\t\"strconv\"\n)\n"
	"\n"
	"func main() {\n"
	"\ts := []metrics.Sample{{Name: \"/sched/latencies:seconds\"}}\n"
	"\tmetrics.Read(s)\n"
	"\tfor _, b := range s[0].Value.Float64Histogram().Buckets {\n"
	"\t\tfmt.Println(strconv.FormatFloat(b, 'g', -1, 64))\n"
	"\t}\n"
	"}\n";

static bool write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	bool ok = f && fputs(text, f) >= 0;

	return f && fclose(f) == 0 && ok;
}

static int read_boundaries(const char *gocmd, double *b, int max)
{
	char cmd[8192], line[128];
	int n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "cd " METRICS_DIR " && GOCACHE=$PWD/../../../../gocache GOFLAGS=-mod=mod "
		 "GOTOOLCHAIN=local GOPATH=$PWD/../../../../gopath '%s' run .", gocmd);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (n < max && fgets(line, sizeof(line), p))
		b[n++] = strtod(line, NULL);
	return pclose(p) == 0 ? n : -1;
}

static void buckets_fixture(const struct unit_fixture *f, void *ctx)
{
	char gocmd[4096], line[8192], ver[64];
	enum go_timehist_scheme scheme;
	struct go_offsets o;
	int major, minor, n, i;
	static double b[1024];
	bool found = false;
	FILE *m;

	if (strcmp(f->program, "gcload") != 0 || strcmp(f->variant, "default") != 0)
		return;
	m = fopen("build/tests/go/manifest.tsv", "r");
	while (m && !found && fgets(line, sizeof(line), m))
		found = sscanf(line, "%63[^\t]\t%4095[^\t]", ver, gocmd) == 2 && strcmp(ver, f->goversion) == 0;
	if (m)
		fclose(m);
	CHECK(found && parse_goversion(f->goversion, &major, &minor));
	CHECK_EQ_U64(go_offsets_from_table(major, minor, false, &o), 0);
	scheme = go_timehist_scheme(major, minor);
	n = read_boundaries(gocmd, b, 1024);
	/* -Inf, one lower bound per counts[] entry, then +Inf (1.17-1.19) or the overflow bound and +Inf. */
	CHECK_EQ_U64(n, o.hist_nbuckets + (o.hist_overflow >= 0 ? 3 : 2));
	CHECK(n > 2 && isinf(b[0]) && b[0] < 0 && isinf(b[n - 1]));
	for (i = 0; n > 0 && i < o.hist_nbuckets; i++) {
		uint64_t lo, hi;

		CHECK_EQ_U64(go_timehist_bucket(scheme, i, &lo, &hi), 0);
		if ((double)lo / 1e9 != b[i + 1] || (hi != UINT64_MAX && (double)hi / 1e9 != b[i + 2]))
			fprintf(stderr, "    %s counts[%d]: [%" PRIu64 ", %" PRIu64 ") ns, metrics [%g, %g) s\n",
				f->goversion, i, lo, hi, b[i + 1], b[i + 2]);
		CHECK((double)lo / 1e9 == b[i + 1]);
		CHECK(hi == UINT64_MAX ? isinf(b[i + 2]) : (double)hi / 1e9 == b[i + 2]);
	}
	CHECK(go_timehist_bucket(scheme, o.hist_nbuckets, &(uint64_t){ 0 }, &(uint64_t){ 0 }) == -EINVAL);
	(*(int *)ctx)++;
}

TEST(timehist_buckets_equal_runtime_metrics)
{
	int checked = 0;

	CHECK(system("mkdir -p " METRICS_DIR) == 0);
	CHECK(write_file(METRICS_DIR "/main.go", metrics_program));
	CHECK(write_file(METRICS_DIR "/go.mod", "module metrics\n\ngo 1.17\n"));
	unit_manifest(buckets_fixture, &checked);
	CHECK(checked >= 2);
	CHECK(go_timehist_scheme(1, 16) == GO_TIMEHIST_UNKNOWN && go_timehist_scheme(1, 19) == GO_TIMEHIST_SUPER45 &&
	      go_timehist_scheme(1, 20) == GO_TIMEHIST_MIN9);
}
