// SPDX-License-Identifier: GPL-2.0
/* SVG flamegraph: the folded stacks merged by prefix into nested rectangles, with a small inline script for
 * hover details, zoom and search. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "lib/hash.h"
#include "profile/flamesvg.h"
#include "profile/folded.h"
#include "lib/utf8.h"

#define IMAGE_WIDTH 1200
#define SIDE_PAD 10
#define FRAME_HEIGHT 16
#define TOP_PAD 40		/* title and controls */
#define BOTTOM_PAD 26		/* details line */
#define MIN_FRAME_PX 1.0	/* narrower frames are not drawn */
#define CHAR_PX 7.0		/* average glyph width of 12 px Verdana, to fit labels into frames */

/* A frame to draw: a root-first prefix shared by a run of consecutive sorted stacks. */
struct frame {
	const char *name;
	int depth;		/* 0 for the root, "all" */
	int64_t start, value;	/* in sample units: where its run begins, how much it holds */
};

struct frames {
	struct frame *f;
	size_t n, cap;
};

struct writer {
	FILE *out;
	const char *unit;
	double px_per_value;
	int64_t total;
	int height;
};

static int keep_frame(struct frames *fs, double px_per_value, struct frame f)
{
	if (f.value * px_per_value < MIN_FRAME_PX)
		return 0;
	if (array_reserve(&fs->f, &fs->cap, fs->n + 1, sizeof(*fs->f), 1024))
		return -ENOMEM;
	fs->f[fs->n++] = f;
	return 0;
}

/* Closes the open frames from the deepest up to depth keep (exclusive), at sample offset end. */
static int close_frames(struct frames *fs, double px, struct frame *open, int *nopen, int keep, int64_t end)
{
	int err = 0;

	for (; !err && *nopen > keep; (*nopen)--) {
		struct frame *f = &open[*nopen - 1];

		f->value = end - f->start;
		err = keep_frame(fs, px, *f);
	}
	return err;
}

/* Stacks sorted frame by frame put every prefix's stacks next to each other: one sweep merges them, the
 * way flamegraph.pl does, with no tree in memory. */
static int layout(const struct folded_stacks *st, double px, struct frames *fs)
{
	struct frame *open = NULL;
	int nopen = 0, cap = 0, err = 0, common;
	int64_t offset = 0;
	size_t i;

	for (i = 0; !err && i < folded_stacks_count(st); i++) {
		struct folded_stack s = folded_stacks_get(st, i);

		for (common = 0; common < nopen && common < s.nframes && open[common].name == s.frames[common];)
			common++;
		err = close_frames(fs, px, open, &nopen, common, offset);
		if (!err && s.nframes > cap) {
			struct frame *bigger = reallocarray(open, s.nframes, sizeof(*open));

			err = bigger ? 0 : -ENOMEM;
			open = bigger ? bigger : open;
			cap = bigger ? s.nframes : cap;
		}
		for (; !err && nopen < s.nframes; nopen++)
			open[nopen] = (struct frame){ s.frames[nopen], nopen + 1, offset, 0 };
		offset += s.value;
	}
	if (!err)
		err = close_frames(fs, px, open, &nopen, 0, offset);
	if (!err)
		err = keep_frame(fs, px, (struct frame){ "all", 0, 0, offset });
	free(open);
	return err;
}

/* ---- text ---- */

/* Length of the character at s if XML 1.0 allows it, or 0 for a byte to replace. */
static int xml_char_len(const unsigned char *s)
{
	uint32_t cp;
	int len = utf8_decode((const char *)s, &cp);

	if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r')
		return 0;
	return cp == 0xfffe || cp == 0xffff ? 0 : len;
}

/* Writes at most max_bytes of s (never splitting a character) as XML character data or attribute text. */
static void write_xml_text(FILE *out, const char *s, size_t max_bytes)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + strnlen(s, max_bytes);

	while (p < end) {
		int len = xml_char_len(p);

		if (!len) {
			fputs("\xef\xbf\xbd", out);	/* U+FFFD REPLACEMENT CHARACTER */
			p++;
			continue;
		}
		if (p + len > end)
			break;
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default: fwrite(p, 1, len, out); break;
		}
		p += len;
	}
}

static void write_count(FILE *out, int64_t v)
{
	char digits[32];
	int len = snprintf(digits, sizeof(digits), "%lld", (long long)v), i;

	for (i = 0; i < len; i++) {
		if (i && digits[i - 1] != '-' && (len - i) % 3 == 0)
			fputc(',', out);
		fputc(digits[i], out);
	}
}

/* ---- colours ---- */

static bool has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !memcmp(s + ls - lx, suffix, lx);
}

static bool is_go_runtime(const char *name)
{
	return !strncmp(name, "runtime.", 8) || !strncmp(name, "runtime/", 8) ||
	       !strncmp(name, "internal/runtime/", 17);
}

/* Code in reds to yellows; the Go runtime in aqua, the kernel in violet, unknown frames in grey, so the three
 * stand out from the code and from each other. */
static void frame_color(const char *name, int rgb[3])
{
	uint32_t h = fnv1a32(FNV1A32_OFFSET, name, strlen(name));
	int a = h & 0xff, b = (h >> 8) & 0xff, c = (h >> 16) & 0xff;

	if (!strncmp(name, "[unknown]", 9) || !strcmp(name, "all")) {
		rgb[0] = rgb[1] = rgb[2] = 180 + a * 30 / 255;
	} else if (has_suffix(name, "_[k]")) {
		rgb[0] = 165 + a * 40 / 255, rgb[1] = 110 + b * 40 / 255, rgb[2] = 215 + c * 40 / 255;
	} else if (is_go_runtime(name)) {
		rgb[0] = 80 + a * 40 / 255, rgb[1] = 160 + b * 40 / 255, rgb[2] = 215 + c * 40 / 255;
	} else {
		rgb[0] = 215 + a * 40 / 255, rgb[1] = 45 + b * 145 / 255, rgb[2] = c * 35 / 255;
	}
}

/* ---- drawing ---- */

static void write_frame(const struct writer *w, const struct frame *n)
{
	double width = n->value * w->px_per_value, x = SIDE_PAD + n->start * w->px_per_value;
	int y = w->height - BOTTOM_PAD - (n->depth + 1) * FRAME_HEIGHT, rgb[3];
	size_t fit = width > 6 ? (size_t)((width - 6) / CHAR_PX) : 0, len = strlen(n->name);

	frame_color(n->name, rgb);
	fputs("<g><title>", w->out);
	write_xml_text(w->out, n->name, len);
	fputs(" (", w->out);
	write_count(w->out, n->value);
	fputc(' ', w->out);
	write_xml_text(w->out, w->unit, SIZE_MAX);
	fprintf(w->out, ", %.2f%%)</title>", 100.0 * n->value / w->total);
	fprintf(w->out, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"rgb(%d,%d,%d)\"/>", x, y,
		width, FRAME_HEIGHT - 1, rgb[0], rgb[1], rgb[2]);
	fprintf(w->out, "<text x=\"%.2f\" y=\"%d\">", x + 3, y + FRAME_HEIGHT - 4);
	if (fit >= 3) {
		write_xml_text(w->out, n->name, len <= fit ? len : fit - 2);
		fputs(len <= fit ? "" : "..", w->out);
	}
	fputs("</text></g>\n", w->out);
}

/* Bottom row first, left to right: the file reads like the picture. */
static int frame_order(const void *x, const void *y)
{
	const struct frame *a = x, *b = y;

	if (a->depth != b->depth)
		return a->depth - b->depth;
	return a->start < b->start ? -1 : a->start > b->start;
}

/* ---- document ---- */

/* Hover, zoom, search. Frame geometry is read back from the rects at load, so the markup stays plain SVG. */
static const char script[] =
	"var frames, details, resetBtn, matchedText;\n"
	"function frameOf(el) {\n"
	"\tfor (; el && el !== frames; el = el.parentNode) if (el.tagName === 'g') return el;\n"
	"\treturn null;\n"
	"}\n"
	"function init() {\n"
	"\tframes = document.getElementById('frames');\n"
	"\tdetails = document.getElementById('details');\n"
	"\tresetBtn = document.getElementById('reset');\n"
	"\tmatchedText = document.getElementById('matched');\n"
	"\tArray.prototype.forEach.call(frames.children, function (g) {\n"
	"\t\tvar r = g.querySelector('rect'), t = g.querySelector('title').textContent;\n"
	"\t\tg.x0 = +r.getAttribute('x'); g.w0 = +r.getAttribute('width'); g.y0 = +r.getAttribute('y');\n"
	"\t\tg.label = t.slice(0, t.lastIndexOf(' (')); g.fill0 = r.getAttribute('fill');\n"
	"\t});\n"
	"\tframes.addEventListener('click', function (e) { var g = frameOf(e.target); if (g) zoom(g); });\n"
	"\tframes.addEventListener('mouseover', function (e) {\n"
	"\t\tvar g = frameOf(e.target); if (g) details.textContent = g.querySelector('title').textContent;\n"
	"\t});\n"
	"\tframes.addEventListener('mouseout', function () { details.textContent = ' '; });\n"
	"\tresetBtn.addEventListener('click', unzoom);\n"
	"\tdocument.getElementById('search').addEventListener('click', search);\n"
	"}\n"
	"function place(g, x, w) {\n"
	"\tvar r = g.querySelector('rect'), t = g.querySelector('text'), fit = Math.floor((w - 6) / 7);\n"
	"\tr.setAttribute('x', x.toFixed(2)); r.setAttribute('width', w.toFixed(2));\n"
	"\tt.setAttribute('x', (x + 3).toFixed(2));\n"
	"\tt.textContent = fit < 3 ? '' : g.label.length <= fit ? g.label : g.label.slice(0, fit - 2) + '..';\n"
	"}\n"
	"function zoom(target) {\n"
	"\tvar x0 = target.x0, w0 = target.w0, scale = fullWidth / w0, eps = 0.0001;\n"
	"\tArray.prototype.forEach.call(frames.children, function (g) {\n"
	"\t\tvar inside = g.x0 >= x0 - eps && g.x0 + g.w0 <= x0 + w0 + eps;\n"
	"\t\tvar around = g.x0 <= x0 + eps && g.x0 + g.w0 >= x0 + w0 - eps;\n"
	"\t\tg.classList.remove('hidden', 'parent');\n"
	"\t\tif (g.y0 > target.y0 && around) { g.classList.add('parent'); place(g, sidePad, fullWidth); }\n"
	"\t\telse if (g.y0 <= target.y0 && inside) place(g, sidePad + (g.x0 - x0) * scale, g.w0 * scale);\n"
	"\t\telse g.classList.add('hidden');\n"
	"\t});\n"
	"\tresetBtn.classList.remove('hidden');\n"
	"}\n"
	"function unzoom() {\n"
	"\tArray.prototype.forEach.call(frames.children, function (g) {\n"
	"\t\tg.classList.remove('hidden', 'parent'); place(g, g.x0, g.w0);\n"
	"\t});\n"
	"\tresetBtn.classList.add('hidden');\n"
	"}\n"
	"function search() {\n"
	"\tvar term = prompt('Search frames (regular expression)', ''), re, spans = [], covered = 0, end = -1;\n"
	"\tif (term === null) return;\n"
	"\ttry { re = term ? new RegExp(term) : null; } catch (err) { alert(err); return; }\n"
	"\tArray.prototype.forEach.call(frames.children, function (g) {\n"
	"\t\tvar hit = re && re.test(g.label);\n"
	"\t\tg.querySelector('rect').setAttribute('fill', hit ? 'rgb(200,60,230)' : g.fill0);\n"
	"\t\tif (hit) spans.push([g.x0, g.x0 + g.w0]);\n"
	"\t});\n"
	"\tspans.sort(function (a, b) { return a[0] - b[0]; }).forEach(function (s) {\n"
	"\t\tif (s[0] >= end) { covered += s[1] - s[0]; end = s[1]; }\n"
	"\t\telse if (s[1] > end) { covered += s[1] - end; end = s[1]; }\n"
	"\t});\n"
	"\tmatchedText.textContent = re ? 'Matched: ' + (100 * covered / fullWidth).toFixed(2) + '%' : ' ';\n"
	"}\n";

static const char style[] =
	"text { font-family: Verdana, sans-serif; font-size: 12px; fill: #000; }\n"
	"#frames g:hover rect { stroke: #000; stroke-width: 0.5; }\n"
	"#frames text { pointer-events: none; }\n"
	".parent { opacity: 0.5; }\n"
	".hidden { display: none; }\n"
	".control { cursor: pointer; fill: #2050a0; }\n"
	"#title { font-size: 17px; }\n";

static void write_header(const struct writer *w, const char *title)
{
	fprintf(w->out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
			"<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
			"xmlns=\"http://www.w3.org/2000/svg\" onload=\"init()\">\n",
		IMAGE_WIDTH, w->height, IMAGE_WIDTH, w->height);
	fprintf(w->out, "<style>\n%s</style>\n<script type=\"text/ecmascript\"><![CDATA[\n"
			"var fullWidth = %d, sidePad = %d;\n%s]]></script>\n",
		style, IMAGE_WIDTH - 2 * SIDE_PAD, SIDE_PAD, script);
	fprintf(w->out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#f4f4ee\"/>\n", IMAGE_WIDTH,
		w->height);
	fprintf(w->out, "<text id=\"title\" x=\"%d\" y=\"24\" text-anchor=\"middle\">", IMAGE_WIDTH / 2);
	write_xml_text(w->out, title ? title : "Flame Graph", SIZE_MAX);
	fprintf(w->out, "</text>\n<text id=\"reset\" class=\"control hidden\" x=\"%d\" y=\"24\">Reset Zoom</text>\n"
			"<text id=\"search\" class=\"control\" x=\"%d\" y=\"24\" text-anchor=\"end\">Search</text>\n"
			"<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n"
			"<text id=\"matched\" x=\"%d\" y=\"%d\" text-anchor=\"end\"> </text>\n",
		SIDE_PAD, IMAGE_WIDTH - SIDE_PAD, SIDE_PAD, w->height - 8, IMAGE_WIDTH - SIDE_PAD, w->height - 8);
}

int flamesvg_write(const struct profile *p, FILE *out, int value_index, const char *title, const char *unit)
{
	struct writer w = { out, unit ? unit : "samples", 0, 0, 0 };
	struct folded_stacks *st = NULL;
	struct frames fs = { 0 };
	int err, depth = 0;
	size_t i;

	err = folded_stacks_collect(p, value_index, &st);
	for (i = 0; !err && i < folded_stacks_count(st); i++)
		w.total += folded_stacks_get(st, i).value;
	w.px_per_value = w.total ? (double)(IMAGE_WIDTH - 2 * SIDE_PAD) / w.total : 0;
	if (!err && w.total)
		err = layout(st, w.px_per_value, &fs);
	if (err)
		goto out;
	if (fs.n)
		qsort(fs.f, fs.n, sizeof(*fs.f), frame_order);
	for (i = 0; i < fs.n; i++)
		depth = fs.f[i].depth > depth ? fs.f[i].depth : depth;
	w.height = TOP_PAD + BOTTOM_PAD + FRAME_HEIGHT * (1 + depth);
	write_header(&w, title);
	fputs("<g id=\"frames\">\n", out);
	for (i = 0; i < fs.n; i++)
		write_frame(&w, &fs.f[i]);
	fputs("</g>\n</svg>\n", out);
	if (fflush(out) || ferror(out))
		err = -EIO;
out:
	folded_stacks_free(st);
	free(fs.f);
	return err;
}
