// SPDX-License-Identifier: GPL-2.0
/* The pprof writer checked by `go tool pprof` of both Go toolchains: -raw, -traces and -top of written files
 * must show, without a single warning, exactly the stacks, values and labels the generator put in. */
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "cmd_capture.h"
#include "profile/pprof.h"
#include "profile/profile.h"
#include "profile_gen.h"
/* unit.h defines unit_manifest(), which this fixture-free test never calls. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "unit.h"

#define TEXT_MAX 32768

static const char *const toolchains[] = { "/usr/local/go/bin/go", "/usr/lib/go-1.19/bin/go" };

struct fixture {
	struct profile *p;
	struct gen g;
	struct gen_sample *samples;
	int n;
	char dir[64], path[128];
};

static void fixture_build(struct fixture *f, int calls, int max_depth, uint64_t seed)
{
	int i;

	f->p = profile_new(gen_cpu_types, 2, gen_cpu_types[1], 10101010);
	gen_init(&f->g, f->p, seed);
	f->samples = calloc(calls, sizeof(*f->samples));
	f->n = calls;
	for (i = 0; i < calls; i++) {
		gen_sample(&f->g, &f->samples[i], max_depth);
		profile_add_sample(f->p, f->samples[i].ids, f->samples[i].nlocs, f->samples[i].values,
				   f->samples[i].labels, f->samples[i].nlabels);
	}
	profile_add_comment(f->p, "gotrace flame -p 42 --type cpu");
	profile_set_time(f->p, 1700000000123456789LL, 5000000000LL);
	strcpy(f->dir, "/tmp/gotrace-pprof.XXXXXX");
	CHECK(mkdtemp(f->dir) != NULL);
	snprintf(f->path, sizeof(f->path), "%s/cpu.pb.gz", f->dir);
	CHECK_EQ_U64(pprof_write_file(f->p, f->path), 0);
}

static void fixture_free(struct fixture *f)
{
	unlink(f->path);
	rmdir(f->dir);
	free(f->samples);
	profile_free(f->p);
}

/* Runs `go tool pprof ARGS file`; the output must come with an empty stderr and exit code 0. */
static char *pprof_tool(const char *go, const char *args, const char *path)
{
	struct cmd_output out;
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "GOTOOLCHAIN=local %s tool pprof %s %s", go, args, path);
	if (cmd_capture(cmd, &out)) {
		CHECK(!"go tool pprof could not run");
		return NULL;
	}
	if (out.status != 0 || out.err[0])
		fprintf(stderr, "    %s: exit %d, stderr: %.500s\n", cmd, out.status, out.err);
	CHECK(out.status == 0);
	CHECK(out.err[0] == 0);
	free(out.err);
	return out.out;
}

static size_t append(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static size_t append(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (len >= TEXT_MAX)
		return len;
	va_start(ap, fmt);
	len += vsnprintf(buf + len, TEXT_MAX - len, fmt, ap);
	va_end(ap);
	return len;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The label lines of -raw: string labels sorted on one line, numeric ones on the next. */
static size_t raw_labels(const struct gen_sample *s, char *buf, size_t len)
{
	char texts[GEN_MAX_LABELS][64];
	const char *strs[GEN_MAX_LABELS], *nums[GEN_MAX_LABELS];
	int i, ns = 0, nn = 0;

	for (i = 0; i < s->nlabels; i++) {
		const struct profile_label *l = &s->labels[i];

		if (l->str) {
			snprintf(texts[i], sizeof(texts[i]), "%s:[%s]", l->key, l->str);
			strs[ns++] = texts[i];
		} else {
			snprintf(texts[i], sizeof(texts[i]), "%s:[%lld%s%s]", l->key, (long long)l->num,
				 l->num_unit ? " " : "", l->num_unit ? l->num_unit : "");
			nums[nn++] = texts[i];
		}
	}
	qsort(strs, ns, sizeof(strs[0]), cmp_cstr);
	qsort(nums, nn, sizeof(nums[0]), cmp_cstr);
	for (i = 0; i < ns; i++)
		len = append(buf, len, "%s%s", strs[i], i == ns - 1 ? "\n" : " ");
	for (i = 0; i < nn; i++)
		len = append(buf, len, "%s%s", nums[i], i == nn - 1 ? "\n" : " ");
	return len;
}

/* What -raw must show for a sample: each location's address, mapping file and lines, then the labels. */
static size_t raw_expected(const struct gen *g, const struct gen_sample *s, char *buf)
{
	size_t len = 0;
	int i, k;

	for (i = 0; i < s->nlocs; i++) {
		const struct gen_loc *l = &g->locs[s->locs[i]];

		len = append(buf, len, "0x%llx %s{", (unsigned long long)l->address, g->modules[l->module].file);
		for (k = 0; k < l->nlines; k++) {
			const struct gen_func *f = &g->funcs[l->func[k]];

			len = append(buf, len, "%s %s:%lld s=%lld;", f->name, f->file, (long long)l->line[k],
				     (long long)f->start_line);
		}
		len = append(buf, len, "}");
	}
	return raw_labels(s, buf, append(buf, len, "|"));
}

static char **split_lines(char *text, size_t *count)
{
	size_t n = 0, cap = 1024;
	char **lines = malloc(cap * sizeof(*lines)), *save, *line;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (n == cap)
			lines = realloc(lines, (cap *= 2) * sizeof(*lines));
		lines[n++] = line;
	}
	*count = n;
	return lines;
}

static size_t find_line(char **lines, size_t n, const char *want)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(lines[i], want))
			return i;
	return n;
}

/* "name file:line[:column] s=start" (1.19 prints no column) as "name file:line s=start;". */
static size_t normalize_raw_line(const char *text, char *buf, size_t len)
{
	char name[512], fileline[1024];
	long long start = -1, line = -1;
	char *colon;

	if (sscanf(text, "%511s %1023s s=%lld", name, fileline, &start) != 3)
		return append(buf, len, "<unparsed %s>", text);
	colon = strchr(fileline, ':');
	if (colon) {
		*colon = 0;
		line = atoll(colon + 1);
	}
	return append(buf, len, "%s %s:%lld s=%lld;", name, fileline, line, start);
}

struct raw_tables {
	char **loc_text;	/* by location id */
	size_t nloc;
	char mapping_file[16][256];	/* by mapping id */
};

static void parse_raw_mappings(char **lines, size_t from, size_t to, struct raw_tables *t, int *bits_ok)
{
	size_t i;

	*bits_ok = 0;
	for (i = from; i < to; i++) {
		unsigned id;
		char file[256];

		if (sscanf(lines[i], "%u: %*s %255s", &id, file) == 2 && id < 16)
			strcpy(t->mapping_file[id], file);
		/* The Go binary: its build ID and every symbolization bit must survive. */
		if (strstr(lines[i], "/usr/local/bin/svc 5f0c7c1e2b3a4d5e6f708192a3b4c5d6e7f80912 [FN][FL][LN][IN]"))
			(*bits_ok)++;
	}
}

static void finish_location(struct raw_tables *t, long long id, char *buf, size_t len)
{
	if (id < 0 || (size_t)id >= t->nloc)
		return;
	append(buf, len, "}");
	t->loc_text[id] = strdup(buf);
}

static void parse_raw_locations(char **lines, size_t from, size_t to, struct raw_tables *t)
{
	char buf[TEXT_MAX];
	size_t i, len = 0;
	long long cur = -1;

	t->nloc = to - from + 2;
	t->loc_text = calloc(t->nloc, sizeof(*t->loc_text));
	for (i = from; i <= to; i++) {
		unsigned long long addr;
		unsigned mapping = 0;
		int id, consumed = 0;

		if (i < to && strncmp(lines[i], "             ", 13) == 0) {
			len = normalize_raw_line(lines[i] + 13, buf, len);
			continue;
		}
		finish_location(t, cur, buf, len);
		if (i == to)
			break;
		if (sscanf(lines[i], " %d: %llx M=%u %n", &id, &addr, &mapping, &consumed) < 3 || !consumed) {
			CHECK(!"unparsed -raw location line");
			cur = -1;
			continue;
		}
		cur = id;
		len = append(buf, 0, "0x%llx %s{", addr, mapping < 16 ? t->mapping_file[mapping] : "?");
		if (lines[i][consumed])
			len = normalize_raw_line(lines[i] + consumed, buf, len);
	}
}

/* Adds every sample of -raw to counts and nanos as the text raw_expected() gives. */
static void parse_raw_samples(char **lines, size_t from, size_t to, const struct raw_tables *t,
			      struct rows *counts, struct rows *nanos)
{
	char buf[TEXT_MAX];
	size_t i;

	for (i = from; i < to; i++) {
		long long count, ns, id;
		size_t len = 0;
		char *p;

		if (sscanf(lines[i], " %lld %lld:", &count, &ns) != 2) {
			CHECK(!"unparsed -raw sample line");
			continue;
		}
		for (p = strchr(lines[i], ':') + 1; *p;) {
			id = strtoll(p, &p, 10);
			while (*p == ' ')
				p++;
			len = append(buf, len, "%s", id > 0 && (size_t)id < t->nloc && t->loc_text[id] ?
							    t->loc_text[id] : "<no location>");
		}
		len = append(buf, len, "|");
		while (i + 1 < to && strncmp(lines[i + 1], "                ", 16) == 0)
			len = append(buf, len, "%s\n", lines[++i] + 16);
		rows_add(counts, buf, len, count);
		rows_add(nanos, buf, len, ns);
	}
}

static void check_raw(const struct fixture *f, const char *go)
{
	struct rows want_counts = { 0 }, want_nanos = { 0 }, got_counts = { 0 }, got_nanos = { 0 };
	char *out = pprof_tool(go, "-raw", f->path), **lines, buf[TEXT_MAX];
	size_t n, samples, locations, mappings, i;
	struct raw_tables t = { 0 };
	int bits_ok;

	if (!out)
		return;
	lines = split_lines(out, &n);
	samples = find_line(lines, n, "Samples:");
	locations = find_line(lines, n, "Locations");
	mappings = find_line(lines, n, "Mappings");
	CHECK(samples < locations && locations < mappings && mappings < n);
	CHECK(find_line(lines, n, "PeriodType: cpu nanoseconds") < n);
	CHECK(find_line(lines, n, "Period: 10101010") < n);
	CHECK(find_line(lines, n, "Comment: gotrace flame -p 42 --type cpu") < n);
	CHECK(find_line(lines, n, "Duration: 5s") < n);
	if (samples + 1 < n)
		CHECK_STR(lines[samples + 1], "samples/count cpu/nanoseconds");
	if (!(samples < locations && locations < mappings && mappings < n))
		goto out;
	parse_raw_mappings(lines, mappings + 1, n, &t, &bits_ok);
	CHECK_EQ_U64(bits_ok, 1);
	parse_raw_locations(lines, locations + 1, mappings, &t);
	parse_raw_samples(lines, samples + 2, locations, &t, &got_counts, &got_nanos);
	CHECK_EQ_U64(got_counts.n, profile_sample_count(f->p));
	for (i = 0; i < (size_t)f->n; i++) {
		size_t len = raw_expected(&f->g, &f->samples[i], buf);

		rows_add(&want_counts, buf, len, f->samples[i].values[0]);
		rows_add(&want_nanos, buf, len, f->samples[i].values[1]);
	}
	CHECK_EQ_U64(rows_diff(&want_counts, &got_counts), 0);
	CHECK_EQ_U64(rows_diff(&want_nanos, &got_nanos), 0);
	for (i = 0; i < t.nloc; i++)
		free(t.loc_text[i]);
	free(t.loc_text);
out:
	rows_free(&want_counts), rows_free(&want_nanos), rows_free(&got_counts), rows_free(&got_nanos);
	free(lines);
	free(out);
}

/* Frame names as pprof's reports show them: "[libc.so.6]" for an address without symbol. */
static const char *frame_name(const struct gen *g, const struct gen_loc *l, int k)
{
	return l->nlines ? g->funcs[l->func[k]].name : "[libc.so.6]";
}

/* -traces: one block per sample, leaf first, "(inline)" on every line of a location but its outermost. */
static size_t traces_expected(const struct gen *g, const struct gen_sample *s, char *buf)
{
	size_t len = 0;
	int i, k;

	for (i = 0; i < s->nlocs; i++) {
		const struct gen_loc *l = &g->locs[s->locs[i]];
		int lines = l->nlines ? l->nlines : 1;

		for (k = 0; k < lines; k++)
			len = append(buf, len, "%s%s\n", frame_name(g, l, k), k < lines - 1 ? " (inline)" : "");
	}
	return len;
}

static void check_traces(const struct fixture *f, const char *go)
{
	struct rows want = { 0 }, got = { 0 };
	char *out = pprof_tool(go, "-traces -sample_index=samples", f->path), **lines, buf[TEXT_MAX];
	size_t n, i, len = 0;
	long long value = -1;

	if (!out)
		return;
	lines = split_lines(out, &n);
	for (i = 0; i < n; i++) {
		int consumed = 0;
		long long v;

		if (!strncmp(lines[i], "-----------+", 12)) {
			if (value >= 0)
				rows_add(&got, buf, len, value);
			value = -1, len = 0;
		} else if (value < 0 && sscanf(lines[i], " %lld %n", &v, &consumed) == 1 && consumed > 11) {
			value = v;
			len = append(buf, len, "%s\n", lines[i] + consumed);
		} else if (value >= 0) {
			len = append(buf, len, "%s\n", lines[i] + 13);
		}
	}
	CHECK_EQ_U64(got.n, profile_sample_count(f->p));
	for (i = 0; i < (size_t)f->n; i++)
		rows_add(&want, buf, traces_expected(&f->g, &f->samples[i], buf), f->samples[i].values[0]);
	CHECK_EQ_U64(rows_diff(&want, &got), 0);
	rows_free(&want), rows_free(&got);
	free(lines);
	free(out);
}

/* Flat (leaf) and cumulative (once per sample) values per function name, from the generator's stacks. */
static void top_expected(const struct fixture *f, struct rows *flat, struct rows *cum)
{
	int i, j, k, m;

	for (i = 0; i < f->n; i++) {
		const struct gen_sample *s = &f->samples[i];
		const char *names[GEN_MAX_DEPTH * GEN_MAX_LINES];
		int n = 0;

		for (j = 0; j < s->nlocs; j++)
			for (k = 0; k < (f->g.locs[s->locs[j]].nlines ? f->g.locs[s->locs[j]].nlines : 1); k++)
				names[n++] = frame_name(&f->g, &f->g.locs[s->locs[j]], k);
		rows_add(flat, names[0], strlen(names[0]), s->values[0]);
		for (j = 0; j < n; j++) {
			for (m = 0; m < j && strcmp(names[m], names[j]); m++)
				;
			if (m == j)
				rows_add(cum, names[j], strlen(names[j]), s->values[0]);
		}
	}
}

static void check_top(const struct fixture *f, const char *go)
{
	struct rows want_flat = { 0 }, want_cum = { 0 }, got_flat = { 0 }, got_cum = { 0 };
	char *out = pprof_tool(go, "-top -sample_index=samples -nodefraction=0 -nodecount=1000000", f->path);
	char **lines;
	size_t n, i, header;
	long long total = -1;

	if (!out)
		return;
	lines = split_lines(out, &n);
	for (i = 0; i < n; i++)
		if (sscanf(lines[i], "Showing nodes accounting for %*[^,], 100%% of %lld total", &total) == 1)
			break;
	CHECK_EQ_U64(total, profile_total(f->p, 0));
	for (header = i + 1, i = header + 1; header < n && i < n; i++) {
		long long flat, cum;
		int consumed = 0;
		char *name, *suffix;

		if (sscanf(lines[i], " %lld %*s %*s %lld %*s %n", &flat, &cum, &consumed) != 2 || !consumed) {
			CHECK(!"unparsed -top line");
			continue;
		}
		/* pprof marks functions that were inlined somewhere; the model's names carry no such suffix. */
		name = lines[i] + consumed;
		if ((suffix = strstr(name, " (inline)")) || (suffix = strstr(name, " (partial-inline)")))
			*suffix = 0;
		rows_add(&got_flat, name, strlen(name), flat);
		rows_add(&got_cum, name, strlen(name), cum);
	}
	top_expected(f, &want_flat, &want_cum);
	CHECK(got_flat.n > 50);
	CHECK_EQ_U64(rows_diff(&want_flat, &got_flat), 0);
	CHECK_EQ_U64(rows_diff(&want_cum, &got_cum), 0);
	rows_free(&want_flat), rows_free(&want_cum), rows_free(&got_flat), rows_free(&got_cum);
	free(lines);
	free(out);
}

TEST(go_tool_pprof_reads_stacks_values_and_labels)
{
	struct fixture *f = calloc(1, sizeof(*f));
	size_t t;

	fixture_build(f, 20000, 12, 7);
	for (t = 0; t < sizeof(toolchains) / sizeof(toolchains[0]); t++) {
		check_raw(f, toolchains[t]);
		check_traces(f, toolchains[t]);
		check_top(f, toolchains[t]);
	}
	fixture_free(f);
	free(f);
}

TEST(go_tool_pprof_reads_100k_deep_samples)
{
	struct fixture *f = calloc(1, sizeof(*f));
	size_t t;

	fixture_build(f, 100000, 30, 11);
	CHECK(profile_sample_count(f->p) > 50000);
	for (t = 0; t < sizeof(toolchains) / sizeof(toolchains[0]); t++) {
		check_raw(f, toolchains[t]);
		check_top(f, toolchains[t]);
	}
	fixture_free(f);
	free(f);
}

/* The file on disk is the gzip of pprof_encode's bytes, as gzip(1) sees it. */
TEST(file_is_gzip_of_the_encoding)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct cmd_output out;
	uint8_t *buf;
	size_t len;
	char cmd[256];

	fixture_build(f, 500, 10, 3);
	CHECK_EQ_U64(pprof_encode(f->p, &buf, &len), 0);
	snprintf(cmd, sizeof(cmd), "gzip -dc %s", f->path);
	CHECK_EQ_U64(cmd_capture(cmd, &out), 0);
	CHECK_EQ_U64(out.status, 0);
	CHECK_EQ_U64(out.out_len, len);
	CHECK(out.out_len == len && !memcmp(out.out, buf, len));
	cmd_output_free(&out);
	free(buf);
	fixture_free(f);
	free(f);
}

/* Replacing a file goes through a temporary one beside it, which never stays behind. */
TEST(write_is_atomic_and_reports_errors)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct cmd_output out;
	char missing[256], cmd[256];
	struct stat st;
	FILE *old;

	fixture_build(f, 100, 5, 5);
	old = fopen(f->path, "w");
	fputs("old", old);
	fclose(old);
	CHECK_EQ_U64(pprof_write_file(f->p, f->path), 0);
	CHECK(stat(f->path, &st) == 0 && st.st_size > 100);
	snprintf(cmd, sizeof(cmd), "ls -A %s", f->dir);
	CHECK_EQ_U64(cmd_capture(cmd, &out), 0);
	CHECK_STR(out.out, "cpu.pb.gz\n");
	cmd_output_free(&out);
	snprintf(missing, sizeof(missing), "%s/no/such/dir/cpu.pb.gz", f->dir);
	CHECK_EQ_U64(pprof_write_file(f->p, missing), (uint64_t)-ENOENT);
	fixture_free(f);
	free(f);
}

/* Synthetic frames with no mapping at all (off-CPU states, say): pprof must not invent one and warn. */
TEST(profile_without_mappings_opens_quietly)
{
	static const struct profile_value_type wait_types[2] = { { "contentions", "count" },
								  { "delay", "nanoseconds" } };
	struct profile *p = profile_new(wait_types, 2, wait_types[1], 1);
	struct profile_line state = { profile_function(p, "[runnable]", NULL, 0), 0 };
	struct profile_line sleeper = { profile_function(p, "main.sleeper", "/src/main.go", 10), 12 };
	uint32_t stack[3];
	int64_t v[2] = { 3, 3000 };
	char dir[] = "/tmp/gotrace-pprof.XXXXXX", path[64], *out;
	size_t t;

	stack[0] = profile_location(p, 0, 0, &state, 1);
	stack[1] = profile_location(p, 0, 0, &sleeper, 1);
	stack[2] = profile_location(p, 0, 0x1234, NULL, 0);
	CHECK_EQ_U64(profile_add_sample(p, stack, 3, v, NULL, 0), 0);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/wait.pb.gz", dir);
	CHECK_EQ_U64(pprof_write_file(p, path), 0);
	for (t = 0; t < sizeof(toolchains) / sizeof(toolchains[0]); t++) {
		out = pprof_tool(toolchains[t], "-traces -sample_index=contentions", path);
		CHECK(out && strstr(out, "         3   [runnable]\n             main.sleeper\n"));
		free(out);
	}
	unlink(path);
	rmdir(dir);
	profile_free(p);
}
