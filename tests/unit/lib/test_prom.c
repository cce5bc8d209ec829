// SPDX-License-Identifier: GPL-2.0
/* The Prometheus writer: exact lines for escapes and numbers, refusals that leave the output untouched, and a
 * realistic exposition with hostile label values that promtool accepts and that parses back to the histograms'
 * own cumulative counts. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <unistd.h>

#include "cmd_capture.h"
#include "lib/prom.h"
#include "unit.h"

/* ---- a small reader of what prom writes, independent of the writer's code ---- */

struct parsed_sample {
	char name[128];
	char labels[16][2][512];	/* name, unescaped value */
	int nl;
	double value;
};

/* Reads `"..."` at *s with the format's three escapes into out; 0 on success. */
static int read_quoted(const char **s, char *out, size_t size)
{
	const char *c = *s;
	size_t n = 0;

	if (*c++ != '"')
		return -1;
	for (; *c && *c != '"'; c++) {
		char ch = *c;

		if (ch == '\n')
			return -1;	/* a raw newline inside a value: the line is broken */
		if (ch == '\\') {
			c++;
			ch = *c == 'n' ? '\n' : *c;
			if (*c != 'n' && *c != '\\' && *c != '"')
				return -1;
		}
		if (n + 1 >= size)
			return -1;
		out[n++] = ch;
	}
	if (*c != '"')
		return -1;
	out[n] = '\0';
	*s = c + 1;
	return 0;
}

/* One sample line ("name{a="b"} 1.5"); 0 on success. */
static int parse_sample(const char *line, struct parsed_sample *ps)
{
	const char *s = line;
	size_t n = strcspn(s, "{ ");
	char *end;

	memset(ps, 0, sizeof(*ps));
	if (n == 0 || n >= sizeof(ps->name))
		return -1;
	memcpy(ps->name, s, n);
	s += n;
	if (*s == '{') {
		s++;
		while (*s != '}') {
			size_t k = strcspn(s, "=");

			if (ps->nl == 16 || k == 0 || k >= sizeof(ps->labels[0][0]) || s[k] != '=')
				return -1;
			memcpy(ps->labels[ps->nl][0], s, k);
			s += k + 1;
			if (read_quoted(&s, ps->labels[ps->nl][1], sizeof(ps->labels[0][1])))
				return -1;
			ps->nl++;
			if (*s == ',')
				s++;
			else if (*s != '}')
				return -1;
		}
		s++;
	}
	if (*s++ != ' ')
		return -1;
	ps->value = strtod(s, &end);
	return end == s || (*end && *end != '\n') ? -1 : 0;
}

static const char *label_of(const struct parsed_sample *ps, const char *name)
{
	for (int i = 0; i < ps->nl; i++)
		if (!strcmp(ps->labels[i][0], name))
			return ps->labels[i][1];
	return NULL;
}

/* ---- exact output ---- */

static const char *written(struct prom *p)
{
	return prom_data(p, NULL);
}

TEST(counter_family_and_samples)
{
	struct prom p;
	struct prom_label l[] = { { "pid", "42" }, { "comm", "api" } };

	CHECK(prom_init(&p) == 0);
	CHECK(prom_family(&p, "gotrace_gc_cycles_total", "counter", "GC cycles.") == 0);
	CHECK(prom_sample(&p, "gotrace_gc_cycles_total", l, 2, 7) == 0);
	CHECK(prom_sample(&p, "gotrace_gc_cycles_total", NULL, 0, 1.5) == 0);
	CHECK_STR(written(&p), "# HELP gotrace_gc_cycles_total GC cycles.\n"
			       "# TYPE gotrace_gc_cycles_total counter\n"
			       "gotrace_gc_cycles_total{pid=\"42\",comm=\"api\"} 7\n"
			       "gotrace_gc_cycles_total 1.5\n");
	prom_free(&p);
}

TEST(label_values_and_help_are_escaped)
{
	struct prom p;
	struct prom_label l[] = { { "v", "a\\b\"c\nd}e,f=g\th" } };

	prom_init(&p);
	CHECK(prom_family(&p, "x", "gauge", "back\\slash \"quoted\"\nnext line") == 0);
	CHECK(prom_sample(&p, "x", l, 1, 1) == 0);
	CHECK_STR(written(&p), "# HELP x back\\\\slash \"quoted\"\\nnext line\n"
			       "# TYPE x gauge\n"
			       "x{v=\"a\\\\b\\\"c\\nd}e,f=g\th\"} 1\n");
	prom_free(&p);
}

TEST(invalid_utf8_becomes_replacement_characters)
{
	struct prom p;
	/* stray byte, overlong '/', UTF-16 surrogate, cut-short sequence; then valid 2-, 3- and 4-byte characters */
	struct prom_label l[] = { { "v", "\xff|\xc0\xaf|\xed\xa0\x80|\xe2\x82|\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" } };

	prom_init(&p);
	prom_family(&p, "x", "gauge", "h\xfe");
	CHECK(prom_sample(&p, "x", l, 1, 0) == 0);
	CHECK_STR(written(&p), "# HELP x h\xef\xbf\xbd\n# TYPE x gauge\n"
			       "x{v=\"\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
			       "\xef\xbf\xbd\xef\xbf\xbd|\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"} 0\n");
	prom_free(&p);
}

TEST(numbers_round_trip_in_shortest_form)
{
	struct prom p;
	double values[] = { 0, 0.1, 1e-06, 123456789, 1.0 / 3, 2e300, -5, NAN, INFINITY, -INFINITY };
	const char *want[] = { "0", "0.1", "1e-06", "123456789", "0.3333333333333333", "2e+300", "-5", "NaN", "+Inf",
			       "-Inf" };
	char name[16], line[128];

	prom_init(&p);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		snprintf(name, sizeof(name), "n%zu", i);
		prom_reset(&p);
		CHECK(prom_family(&p, name, "gauge", "") == 0);
		CHECK(prom_sample(&p, name, NULL, 0, values[i]) == 0);
		snprintf(line, sizeof(line), "# HELP %s \n# TYPE %s gauge\n%s %s\n", name, name, name, want[i]);
		CHECK_STR(written(&p), line);
	}
	prom_free(&p);
}

/* Each call that must be refused returns -EINVAL and leaves the output as it was. */
static void check_refused(struct prom *p, int rc)
{
	size_t before, after;

	prom_data(p, &before);
	CHECK(rc == -EINVAL);
	prom_data(p, &after);
	CHECK_EQ_U64(after, before);
}

TEST(invalid_names_are_refused)
{
	struct prom p;
	struct prom_label bad_names[][1] = { { { "1a", "v" } }, { { "a-b", "v" } }, { { "", "v" } },
					     { { "__name__", "v" } }, { { "a:b", "v" } }, { { NULL, "v" } },
					     { { "a", NULL } } };
	struct prom_label dup[] = { { "a", "1" }, { "a", "2" } };
	struct hist h = { 0 };
	size_t len;

	prom_init(&p);
	check_refused(&p, prom_family(&p, "9lives", "gauge", ""));
	check_refused(&p, prom_family(&p, "a-b", "gauge", ""));
	check_refused(&p, prom_family(&p, "", "gauge", ""));
	check_refused(&p, prom_family(&p, NULL, "gauge", ""));
	check_refused(&p, prom_family(&p, "ok", "summary", ""));
	check_refused(&p, prom_family(&p, "ok", NULL, ""));
	check_refused(&p, prom_sample(&p, "ok", NULL, 0, 1));		/* no family yet */
	CHECK(prom_family(&p, "ns:ok_total", "counter", "") == 0);	/* colons are allowed in metric names */
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
		check_refused(&p, prom_sample(&p, "ns:ok_total", bad_names[i], 1, 1));
	check_refused(&p, prom_sample(&p, "ns:ok_total", dup, 2, 1));
	check_refused(&p, prom_sample(&p, "ns:ok_total", NULL, -1, 1));
	check_refused(&p, prom_sample(&p, "other_total", NULL, 0, 1));	/* not the current family */
	check_refused(&p, prom_histogram(&p, "ns:ok_total", NULL, 0, &h, 1e-6, 0));	/* not a histogram */
	prom_data(&p, &len);
	CHECK(len > 0 && prom_error(&p) == 0);
	prom_free(&p);
}

TEST(families_and_series_appear_once)
{
	struct prom p;
	struct prom_label ab[] = { { "a", "1" }, { "b", "2" } }, ba[] = { { "b", "2" }, { "a", "1" } };
	struct prom_label le[] = { { "le", "1" } };
	struct hist h = { 0 };

	prom_init(&p);
	CHECK(prom_family(&p, "lat_seconds", "histogram", "") == 0);
	CHECK(prom_histogram(&p, "lat_seconds", ab, 2, &h, 1e-6, 0) == 0);
	check_refused(&p, prom_histogram(&p, "lat_seconds", ba, 2, &h, 1e-6, 0));	/* same series, reordered */
	check_refused(&p, prom_histogram(&p, "lat_seconds", le, 1, &h, 1e-6, 0));	/* le is the bucket's */
	check_refused(&p, prom_histogram(&p, "lat_seconds", NULL, 0, &h, 0, 0));		/* no unit */
	check_refused(&p, prom_histogram(&p, "lat_seconds", NULL, 0, NULL, 1e-6, 0));
	check_refused(&p, prom_sample(&p, "lat_seconds", NULL, 0, 1));			/* a histogram */
	check_refused(&p, prom_family(&p, "lat_seconds", "histogram", ""));		/* twice */
	check_refused(&p, prom_family(&p, "lat_seconds_sum", "gauge", ""));		/* a histogram's name */
	check_refused(&p, prom_family(&p, "lat_seconds_bucket", "counter", ""));
	CHECK(prom_family(&p, "x_count", "gauge", "") == 0);
	check_refused(&p, prom_family(&p, "x", "histogram", ""));			/* would write x_count */
	CHECK(prom_sample(&p, "x_count", le, 1, 1) == 0);				/* le is fine outside */
	prom_reset(&p);									/* a new scrape */
	CHECK(prom_family(&p, "lat_seconds", "histogram", "") == 0);
	CHECK(prom_histogram(&p, "lat_seconds", ab, 2, &h, 1e-6, 0) == 0);
	prom_free(&p);
}

/* ---- histograms ---- */

/* The cumulative count at each le of the fixed ladder, straight from the slots. */
static uint64_t cumulative_to(const struct hist *h, unsigned int top)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i <= top && i < HIST_SLOTS; i++)
		n += h->slots[i];
	return n;
}

/* Checks every _bucket/_sum/_count line of one series against h: ladder, cumulative counts, +Inf == count. */
static void check_histogram_lines(const char *text, const char *name, const char *pid, const struct hist *h,
				  double unit, double sum)
{
	char bucket[160], sum_name[160], count_name[160], *copy = strdup(text), *save, *line;
	unsigned int next_slot = 0, inf = 0, sums = 0, counts = 0;
	struct parsed_sample ps;

	snprintf(bucket, sizeof(bucket), "%s_bucket", name);
	snprintf(sum_name, sizeof(sum_name), "%s_sum", name);
	snprintf(count_name, sizeof(count_name), "%s_count", name);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		CHECK(parse_sample(line, &ps) == 0);
		if (!label_of(&ps, "pid") || strcmp(label_of(&ps, "pid"), pid) != 0)
			continue;
		if (!strcmp(ps.name, bucket)) {
			const char *le = label_of(&ps, "le");

			CHECK(le != NULL);
			if (le && !strcmp(le, "+Inf")) {
				inf++;
				CHECK_EQ_U64((uint64_t)ps.value, cumulative_to(h, HIST_SLOTS - 1));
			} else if (le) {
				CHECK(strtod(le, NULL) == ldexp(unit, (int)next_slot));
				CHECK_EQ_U64((uint64_t)ps.value, cumulative_to(h, next_slot));
				next_slot++;
			}
		} else if (!strcmp(ps.name, sum_name)) {
			sums++;
			CHECK(fabs(ps.value - sum) <= 1e-12 * fabs(sum));
		} else if (!strcmp(ps.name, count_name)) {
			counts++;
			CHECK_EQ_U64((uint64_t)ps.value, cumulative_to(h, HIST_SLOTS - 1));
		}
	}
	CHECK(next_slot == PROM_HIST_TOP_SLOT + 1 && inf == 1 && sums == 1 && counts == 1);
	free(copy);
}

TEST(histogram_ladder_is_fixed_and_cumulative)
{
	struct prom p;
	struct prom_label l[] = { { "pid", "1" } };
	struct hist h = { 0 };

	hist_add(&h, 0);
	hist_add(&h, 1);
	hist_add(&h, 3);
	hist_add(&h, 1000);
	hist_add(&h, 1ull << 26);	/* 67.1 s: above the ladder's last bound, only in +Inf */
	hist_add(&h, 1ull << 40);
	prom_init(&p);
	CHECK(prom_family(&p, "gotrace_pause_seconds", "histogram", "Pauses.") == 0);
	CHECK(prom_histogram(&p, "gotrace_pause_seconds", l, 1, &h, 1e-6, 12.5) == 0);
	check_histogram_lines(written(&p), "gotrace_pause_seconds", "1", &h, 1e-6, 12.5);
	CHECK(strstr(written(&p), "gotrace_pause_seconds_bucket{pid=\"1\",le=\"1e-06\"} 1\n") != NULL);
	CHECK(strstr(written(&p), "gotrace_pause_seconds_bucket{pid=\"1\",le=\"67.108864\"} 4\n") != NULL);
	CHECK(strstr(written(&p), "gotrace_pause_seconds_bucket{pid=\"1\",le=\"+Inf\"} 6\n") != NULL);
	prom_free(&p);
}

TEST(histogram_sum_estimate_and_empty_histogram)
{
	struct prom p;
	struct prom_label l[] = { { "pid", "2" } };
	struct hist h = { 0 }, empty = { 0 };
	uint64_t slots[40] = { 0 };

	slots[1] = 2;	/* [1, 2) us: taken as 1.5 us each */
	slots[11] = 1;	/* [1024, 2048) us: 1536 us */
	hist_from_slots(&h, slots, 40);
	prom_init(&p);
	prom_family(&p, "a_seconds", "histogram", "");
	CHECK(prom_histogram(&p, "a_seconds", l, 1, &h, 1e-6, PROM_SUM_ESTIMATE) == 0);
	check_histogram_lines(written(&p), "a_seconds", "2", &h, 1e-6, 1539e-6);
	prom_reset(&p);
	prom_family(&p, "a_seconds", "histogram", "");
	CHECK(prom_histogram(&p, "a_seconds", l, 1, &empty, 1e-3, NAN) == 0);
	check_histogram_lines(written(&p), "a_seconds", "2", &empty, 1e-3, 0);
	prom_free(&p);
}

/* ---- a realistic exposition ---- */

static const char *const hostile[] = {
	"api\"} 1\n# TYPE evil counter\nevil 1",	/* tries to end the sample and start a family */
	"back\\slash\\",
	"/kubepods.slice/pod\n\"x\"/cri-containerd-0123.scope",
	"\xff\xfe not utf-8 \xc0\x80",
	"tab\there, comma, brace} equals=",
	"",
};

static void fill_hist(struct hist *h, unsigned int seed)
{
	memset(h, 0, sizeof(*h));
	for (unsigned int i = 0; i < 200 + seed * 37; i++) {
		seed = seed * 1103515245 + 12345;
		hist_add(h, (seed >> 8) % (1u << (seed % 28)));
	}
}

#define NPROC 6

static void write_exposition(struct prom *p, struct hist hists[NPROC][2])
{
	static const char *const reasons[] = { "gc_sweep_termination", "gc_mark_termination" };
	char pid[NPROC][16];

	prom_family(p, "gotrace_targets", "gauge", "Go processes traced now.");
	CHECK(prom_sample(p, "gotrace_targets", NULL, 0, NPROC) == 0);
	prom_family(p, "gotrace_gc_pause_seconds", "histogram",
		    "Stop-the-world pauses of the Go runtime, by reason (runtime clock).");
	for (int i = 0; i < NPROC; i++) {
		snprintf(pid[i], sizeof(pid[i]), "%d", 1000 + i);
		for (int r = 0; r < 2; r++) {
			struct prom_label l[] = {
				{ "pid", pid[i] }, { "comm", hostile[i] }, { "executable", "/usr/bin/api" },
				{ "go_version", "go1.22.1" }, { "cgroup", hostile[(i + 2) % NPROC] },
				{ "container_id", "" }, { "service", hostile[(i + 3) % NPROC] }, { "reason", reasons[r] },
			};

			fill_hist(&hists[i][r], (unsigned)(i * 2 + r));
			CHECK(prom_histogram(p, "gotrace_gc_pause_seconds", l, 8, &hists[i][r], 1e-6,
					     (double)hists[i][r].sum * 1e-6) == 0);
		}
	}
	prom_family(p, "gotrace_gc_cycles_total", "counter", "GC cycles completed.");
	for (int i = 0; i < NPROC; i++) {
		struct prom_label l[] = { { "pid", pid[i] }, { "comm", hostile[i] } };

		CHECK(prom_sample(p, "gotrace_gc_cycles_total", l, 2, 10 * i) == 0);
	}
}

static void promtool_accepts(const char *text, size_t len)
{
	char path[] = "/tmp/gotrace-prom-XXXXXX", cmd[128];
	struct cmd_output out;
	int fd = mkstemp(path);

	CHECK(fd >= 0 && write(fd, text, len) == (ssize_t)len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
	CHECK(cmd_capture(cmd, &out) == 0);
	if (out.status != 0 || out.out_len || (out.err && out.err[0]))
		fprintf(stderr, "    promtool exit %d: %s%s\n", out.status, out.out, out.err);
	CHECK(out.status == 0 && out.out_len == 0);
	cmd_output_free(&out);
	unlink(path);
}

TEST(promtool_accepts_exposition_with_hostile_labels)
{
	struct hist hists[NPROC][2];
	struct prom p;
	char pid[16];
	size_t len;

	prom_init(&p);
	write_exposition(&p, hists);
	CHECK(prom_error(&p) == 0);
	promtool_accepts(prom_data(&p, &len), len);
	for (int i = 0; i < NPROC; i++)
		for (int r = 0; r < 2; r++) {
			/* one pid, one reason at a time: parse back a copy holding only that reason */
			char *only = strdup(written(&p)), *w = only, *save, *line;
			const char *reason = r ? "reason=\"gc_mark_termination\"" : "reason=\"gc_sweep_termination\"";

			for (line = strtok_r(only, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
				if (strstr(line, reason))
					w += sprintf(w, "%s\n", line);
			*w = '\0';
			snprintf(pid, sizeof(pid), "%d", 1000 + i);
			check_histogram_lines(only, "gotrace_gc_pause_seconds", pid, &hists[i][r], 1e-6,
					      (double)hists[i][r].sum * 1e-6);
			free(only);
		}
	prom_free(&p);
}

TEST(hostile_values_parse_back_unchanged)
{
	struct hist hists[NPROC][2];
	struct parsed_sample ps;
	struct prom p;
	char *copy, *save, *line;
	int seen = 0;

	prom_init(&p);
	write_exposition(&p, hists);
	copy = strdup(written(&p));
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || strncmp(line, "gotrace_gc_cycles_total", 23) != 0)
			continue;
		CHECK(parse_sample(line, &ps) == 0);
		int i = atoi(label_of(&ps, "pid")) - 1000;

		if (i == 3)	/* invalid UTF-8 comes back as U+FFFD */
			CHECK_STR(label_of(&ps, "comm"), "\xef\xbf\xbd\xef\xbf\xbd not utf-8 \xef\xbf\xbd\xef\xbf\xbd");
		else
			CHECK_STR(label_of(&ps, "comm"), hostile[i]);
		CHECK(ps.value == 10 * i);
		seen++;
	}
	CHECK(seen == NPROC);
	free(copy);
	prom_free(&p);
}
