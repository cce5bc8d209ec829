// SPDX-License-Identifier: GPL-2.0
/* The SVG flamegraph read by Python's XML parser (helpers/svg_check.py): well-formed, self-contained, frames
 * and widths equal to the prefix-merged stacks of the generator, hostile names escaped, colour classes apart.
 * Headless chromium (Debian's package) runs the script: it loads, zooms, resets and searches without errors. */
#include <errno.h>

#include "cmd_capture.h"
#include "profile/flamesvg.h"
#include "profile/profile.h"
#include "profile_gen.h"
/* unit.h defines unit_manifest(), which this fixture-free test never calls. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "unit.h"

#define FULL_WIDTH 1180.0	/* 1200 px less the side margins: the root frame's width */

enum frame_class { CLASS_CODE, CLASS_RUNTIME, CLASS_KERNEL, CLASS_UNKNOWN };

struct svg_frame {
	int64_t value;
	int rgb[3];
	char *path;	/* root-first names joined by 0x1f */
	size_t len;
};

struct svg_report {
	size_t errors, unsorted, nframes;
	int64_t total, sum_roots;
	struct svg_frame *frames;
};

static size_t unhex(const char *hex, char *out)
{
	size_t n = 0;
	unsigned byte;

	while (sscanf(hex + 2 * n, "%2x", &byte) == 1)
		out[n++] = (char)byte;
	out[n] = 0;
	return n;
}

static void parse_report_line(char *line, struct svg_report *r)
{
	long long a;
	int consumed = 0;

	if (!strncmp(line, "ERROR", 5)) {
		if (r->errors++ < 5)
			fprintf(stderr, "    svg_check: %s\n", line);
	} else if (sscanf(line, "TOTAL %lld", &a) == 1) {
		r->total = a;
	} else if (sscanf(line, "SUMROOTS %lld", &a) == 1) {
		r->sum_roots = a;
	} else if (sscanf(line, "UNSORTED %lld", &a) == 1) {
		r->unsorted = a;
	} else if (!strncmp(line, "FRAME ", 6)) {
		struct svg_frame f = { 0 };
		char hex[65536];

		hex[0] = 0;
		if (sscanf(line, "FRAME %lld %d,%d,%d %n", &a, &f.rgb[0], &f.rgb[1], &f.rgb[2], &consumed) < 4) {
			r->errors++;
			return;
		}
		snprintf(hex, sizeof(hex), "%s", line + consumed);
		f.value = a;
		f.path = malloc(strlen(hex) / 2 + 1);
		f.len = unhex(hex, f.path);
		r->frames = realloc(r->frames, (r->nframes + 1) * sizeof(*r->frames));
		r->frames[r->nframes++] = f;
	}
}

static void svg_check(const char *path, struct svg_report *r)
{
	struct cmd_output out;
	char cmd[512], *line, *save;

	memset(r, 0, sizeof(*r));
	snprintf(cmd, sizeof(cmd), "python3 tests/unit/helpers/svg_check.py %s", path);
	CHECK_EQ_U64(cmd_capture(cmd, &out), 0);
	CHECK_EQ_U64(out.status, 0);
	CHECK_STR(out.err, "");
	for (line = strtok_r(out.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		parse_report_line(line, r);
	cmd_output_free(&out);
}

static void svg_report_free(struct svg_report *r)
{
	size_t i;

	for (i = 0; i < r->nframes; i++)
		free(r->frames[i].path);
	free(r->frames);
}

static void write_svg(const struct profile *p, const char *path, int value_index)
{
	FILE *f = fopen(path, "w");

	CHECK_EQ_U64(flamesvg_write(p, f, value_index, "CPU <profile> & \"friends\"", "samples"), 0);
	fclose(f);
}

/* Every root-first prefix of the generator's stacks with its value, as the flamegraph must merge them. */
static void expected_prefixes(const struct gen *g, const struct gen_sample *samples, int n, struct rows *out)
{
	char stack[16384];
	int i;

	for (i = 0; i < n; i++) {
		char *c;

		gen_folded_stack(g, &samples[i], stack, sizeof(stack));
		for (c = stack; (c = strchr(c, ';')); c++) {
			rows_add(out, stack, c - stack, samples[i].values[0]);
			*c = 0x1f;
		}
		rows_add(out, stack, strlen(stack), samples[i].values[0]);
	}
}

static enum frame_class class_of(const struct svg_frame *f)
{
	const char *leaf = memrchr(f->path, 0x1f, f->len);
	size_t len;

	leaf = leaf ? leaf + 1 : f->path;
	len = f->path + f->len - leaf;
	if (len >= 4 && !memcmp(leaf + len - 4, "_[k]", 4))
		return CLASS_KERNEL;
	if (!strncmp(leaf, "[unknown]", 9))
		return CLASS_UNKNOWN;
	if (!strncmp(leaf, "runtime.", 8) || !strncmp(leaf, "runtime/", 8))
		return CLASS_RUNTIME;
	return CLASS_CODE;
}

static int by_fill(const void *a, const void *b)
{
	const struct svg_frame *x = a, *y = b;

	return memcmp(x->rgb, y->rgb, sizeof(x->rgb));
}

/* The hue family each class is documented to have. */
static bool color_fits(enum frame_class c, const int rgb[3])
{
	switch (c) {
	case CLASS_CODE: return rgb[0] >= 200 && rgb[0] > rgb[1] && rgb[1] > rgb[2];	/* red to yellow */
	case CLASS_RUNTIME: return rgb[2] > rgb[1] && rgb[1] > rgb[0];			/* aqua */
	case CLASS_KERNEL: return rgb[2] > rgb[0] && rgb[0] > rgb[1];			/* violet */
	default: return rgb[0] == rgb[1] && rgb[1] == rgb[2];				/* grey */
	}
}

/* Frames of different classes never share a colour, and each class keeps to its hues. */
static void check_colors(struct svg_report *r, int classes_seen[4])
{
	size_t i, clashes = 0, off_palette = 0;

	qsort(r->frames, r->nframes, sizeof(*r->frames), by_fill);
	for (i = 0; i < r->nframes; i++) {
		enum frame_class c = class_of(&r->frames[i]);

		classes_seen[c]++;
		off_palette += !color_fits(c, r->frames[i].rgb);
		if (i && !by_fill(&r->frames[i - 1], &r->frames[i]) && class_of(&r->frames[i - 1]) != c)
			clashes++;
	}
	CHECK_EQ_U64(clashes, 0);
	CHECK_EQ_U64(off_palette, 0);
}

TEST(frames_equal_the_merged_stacks)
{
	struct profile *p = profile_new(gen_cpu_types, 2, gen_cpu_types[1], 10101010);
	struct gen *g = malloc(sizeof(*g));
	struct gen_sample *samples = calloc(30000, sizeof(*samples));
	struct rows want = { 0 }, drawn = { 0 }, got = { 0 };
	char path[] = "/tmp/gotrace-flame.XXXXXX";
	struct svg_report r;
	int i, classes[4] = { 0 };
	size_t elided = 0;

	close(mkstemp(path));
	gen_init(g, p, 31);
	for (i = 0; i < 30000; i++) {
		gen_sample(g, &samples[i], 30);
		profile_add_sample(p, samples[i].ids, samples[i].nlocs, samples[i].values, samples[i].labels,
				   samples[i].nlabels);
	}
	write_svg(p, path, 0);
	svg_check(path, &r);
	CHECK_EQ_U64(r.errors, 0);
	CHECK_EQ_U64(r.unsorted, 0);
	CHECK_EQ_U64(r.total, profile_total(p, 0));
	CHECK_EQ_U64(r.sum_roots, profile_total(p, 0));
	expected_prefixes(g, samples, 30000, &want);
	rows_merge(&want);
	/* Frames narrower than a pixel are left out; their value is still in their parent's. */
	for (i = 0; i < (int)want.n; i++) {
		if (want.r[i].value * (FULL_WIDTH / profile_total(p, 0)) >= 1.0)
			drawn.r = realloc(drawn.r, ++drawn.n * sizeof(*drawn.r)), drawn.r[drawn.n - 1] = want.r[i];
		else
			elided++;
	}
	for (i = 0; i < (int)r.nframes; i++)
		rows_add(&got, r.frames[i].path, r.frames[i].len, r.frames[i].value);
	CHECK(r.nframes > 500 && elided > 1000);
	CHECK_EQ_U64(rows_diff(&drawn, &got), 0);
	check_colors(&r, classes);
	CHECK(classes[CLASS_CODE] && classes[CLASS_RUNTIME] && classes[CLASS_KERNEL] && classes[CLASS_UNKNOWN]);
	printf("     (%zu frames drawn, %zu elided)\n", r.nframes, elided);
	svg_report_free(&r);
	rows_free(&want), rows_free(&drawn), rows_free(&got);
	unlink(path);
	free(samples);
	free(g);
	profile_free(p);
}

TEST(hostile_names_are_escaped)
{
	static const char *const names[] = { "<script>alert(1)</script>", "a&b&amp;", "q\"uo'te>", "bad\xff\xfe utf8",
					     "ctl\x01\x1b char", "over\xc0\xaflong", "cut\xe2\x82", "fine \xe2\x82\xac" };
	static const char *const shown[] = { "<script>alert(1)</script>", "a&b&amp;", "q\"uo'te>",
					     "bad\xef\xbf\xbd\xef\xbf\xbd utf8", "ctl\xef\xbf\xbd\xef\xbf\xbd char",
					     "over\xef\xbf\xbd\xef\xbf\xbdlong", "cut\xef\xbf\xbd\xef\xbf\xbd",
					     "fine \xe2\x82\xac" };
	struct profile *p = profile_new(gen_cpu_types, 2, gen_cpu_types[1], 1);
	char path[] = "/tmp/gotrace-flame.XXXXXX";
	struct svg_report r;
	struct cmd_output raw;
	char cmd[256];
	size_t i, j, found = 0;

	close(mkstemp(path));
	for (i = 0; i < 8; i++) {
		struct profile_line line = { profile_function(p, names[i], "/src/<a&b>.go", 1), 1 };
		uint32_t loc = profile_location(p, 0, i + 1, &line, 1);
		int64_t v[2] = { 10, 100 };

		CHECK_EQ_U64(profile_add_sample(p, &loc, 1, v, NULL, 0), 0);
	}
	write_svg(p, path, 0);
	svg_check(path, &r);
	CHECK_EQ_U64(r.errors, 0);
	CHECK_EQ_U64(r.nframes, 8);
	for (i = 0; i < 8; i++)
		for (j = 0; j < r.nframes; j++)
			found += r.frames[j].len == strlen(shown[i]) && !memcmp(r.frames[j].path, shown[i], r.frames[j].len);
	CHECK_EQ_U64(found, 8);
	snprintf(cmd, sizeof(cmd), "grep -c '<script' %s; grep -o '://' %s | wc -l", path, path);
	CHECK_EQ_U64(cmd_capture(cmd, &raw), 0);
	CHECK_STR(raw.out, "1\n1\n");	/* our script only; the SVG namespace is the only URL */
	cmd_output_free(&raw);
	svg_report_free(&r);
	unlink(path);
	profile_free(p);
}

TEST(bad_value_index_is_refused)
{
	struct profile *p = profile_new(gen_cpu_types, 2, gen_cpu_types[1], 1);

	CHECK_EQ_U64(flamesvg_write(p, stdout, 2, "t", "samples"), (uint64_t)-EINVAL);
	CHECK_EQ_U64(flamesvg_write(p, stdout, -1, "t", "samples"), (uint64_t)-EINVAL);
	profile_free(p);
}

/* Run by the browser after the flamegraph's own init(): zoom into a mid-sized frame, check what the user would
 * see, reset, search; the outcome goes into the details line, which --dump-dom prints. */
static const char browser_probe[] =
	"<script type=\"text/ecmascript\"><![CDATA[\n"
	"window.onerror = function (m) { document.getElementById('details').textContent = 'JSERROR' + ': ' + m; };\n"
	"window.addEventListener('load', function () { setTimeout(function () {\n"
	"  var gs = Array.prototype.slice.call(document.getElementById('frames').children), out = [];\n"
	"  var t = gs.filter(function (g) { return g.w0 > 100 && g.w0 < 600; })[0], scale = 1180 / t.w0;\n"
	"  var width = function (g) { return +g.querySelector('rect').getAttribute('width'); };\n"
	"  var has = function (c) { return gs.filter(function (g) { return g.classList.contains(c); }).length; };\n"
	"  zoom(t);\n"
	"  var badscale = gs.filter(function (g) { return !g.classList.contains('hidden') &&\n"
	"    !g.classList.contains('parent') && Math.abs(width(g) - g.w0 * scale) > 0.02; }).length;\n"
	"  out.push('zoomed=' + width(t).toFixed(2), 'hidden=' + has('hidden'), 'parents=' + has('parent'),\n"
	"    'badscale=' + badscale, 'reset=' + !document.getElementById('reset').classList.contains('hidden'));\n"
	"  unzoom();\n"
	"  out.push('unzoomed_hidden=' + has('hidden'), 'restored=' + (width(t) === t.w0));\n"
	"  window.prompt = function () { return 'runtime\\\\.'; };\n"
	"  search();\n"
	"  out.push('search=' + /^Matched: [0-9.]+%$/.test(document.getElementById('matched').textContent));\n"
	"  document.getElementById('details').textContent = 'RESULT ' + out.join(' ') + ' END';\n"
	"}, 0); });\n"
	"]]></script>\n</svg>\n";

static bool probe_svg(const char *svg_path, const char *probe_path)
{
	FILE *in = fopen(svg_path, "r"), *out = fopen(probe_path, "w");
	size_t len;
	char *text = in ? cmd_slurp(in, &len) : NULL;
	bool ok = text && out && len > 7 && !strcmp(text + len - 7, "</svg>\n");

	if (ok) {
		fwrite(text, 1, len - 7, out);
		fputs(browser_probe, out);
	}
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	free(text);
	return ok;
}

TEST(chromium_runs_hover_zoom_and_search)
{
	char svg[] = "/tmp/gotrace-flame.XXXXXX", probe[64], cmd[512], *result;
	struct profile *p = profile_new(gen_cpu_types, 2, gen_cpu_types[1], 10101010);
	struct gen *g = malloc(sizeof(*g));
	struct cmd_output out;
	int i;

	/* The suite skips nothing: without Debian's chromium this fails, and scripts/install-deps.sh installs it. */
	if (system("command -v chromium >/dev/null 2>&1") != 0) {
		CHECK(!"chromium is not installed (Debian package chromium)");
		goto out;
	}
	close(mkstemp(svg));
	snprintf(probe, sizeof(probe), "%s.svg", svg);
	gen_init(g, p, 31);
	for (i = 0; i < 30000; i++) {
		struct gen_sample s;

		gen_sample(g, &s, 30);
		profile_add_sample(p, s.ids, s.nlocs, s.values, s.labels, s.nlabels);
	}
	write_svg(p, svg, 0);
	CHECK(probe_svg(svg, probe));
	snprintf(cmd, sizeof(cmd), "timeout 120 chromium --headless --no-sandbox --disable-gpu "
		 "--virtual-time-budget=5000 --dump-dom file://%s", probe);
	CHECK_EQ_U64(cmd_capture(cmd, &out), 0);
	result = strstr(out.out, "RESULT zoomed=");
	if (!result)
		fprintf(stderr, "    chromium: %.300s\n", strstr(out.out, "JSERROR: ") ? strstr(out.out, "JSERROR: ") : "no result");
	CHECK(result && !strstr(out.out, "JSERROR: "));
	if (result) {
		int hidden = 0, consumed = 0;

		*strstr(result, " END") = 0;
		/* The zoomed frame fills the width, frames outside it go, the root stays as a faded parent. */
		CHECK(sscanf(result, "RESULT zoomed=1180.00 hidden=%d %n", &hidden, &consumed) == 1 && hidden > 100);
		CHECK_STR(result + consumed, "parents=1 badscale=0 reset=true unzoomed_hidden=0 restored=true search=true");
	}
	cmd_output_free(&out);
	unlink(svg);
	unlink(probe);
out:
	free(g);
	profile_free(p);
}

TEST(empty_profile_is_still_a_valid_document)
{
	struct profile *p = profile_new(gen_cpu_types, 2, gen_cpu_types[1], 1);
	char path[] = "/tmp/gotrace-flame.XXXXXX", cmd[256];
	struct cmd_output out;

	close(mkstemp(path));
	write_svg(p, path, 0);
	snprintf(cmd, sizeof(cmd), "python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1]); "
		 "print(\"parsed\")' %s", path);
	CHECK_EQ_U64(cmd_capture(cmd, &out), 0);
	CHECK_STR(out.out, "parsed\n");
	CHECK_STR(out.err, "");
	cmd_output_free(&out);
	unlink(path);
	profile_free(p);
}
