// SPDX-License-Identifier: GPL-2.0
/* The Prometheus text writer: names validated, values escaped, each call all or nothing, so that a scrape always
 * parses whatever the traced processes put into comm, cgroup paths or environment-derived service names. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "lib/prom.h"
#include "lib/utf8.h"

enum { PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM };

static const char *const type_names[] = { [PROM_COUNTER] = "counter", [PROM_GAUGE] = "gauge",
					  [PROM_HISTOGRAM] = "histogram" };

/* ---- hash sets ---- */

/* A final mix, so that sums of pair hashes (label sets in any order hash alike) stay well spread. */
static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h ? h : 1;	/* 0 marks a free cell */
}

static uint64_t hash_str(const char *s)
{
	return mix(fnv1a64(FNV1A64_OFFSET, s, strlen(s)));
}

static bool hashset_has(const struct prom_hashset *s, uint64_t h)
{
	if (!s->cap)
		return false;
	for (size_t i = h & (s->cap - 1); s->cells[i]; i = (i + 1) & (s->cap - 1))
		if (s->cells[i] == h)
			return true;
	return false;
}

static void hashset_put_cell(struct prom_hashset *s, uint64_t h)
{
	size_t i = h & (s->cap - 1);

	while (s->cells[i] && s->cells[i] != h)
		i = (i + 1) & (s->cap - 1);
	if (!s->cells[i])
		s->used++;
	s->cells[i] = h;
}

static int hashset_add(struct prom_hashset *s, uint64_t h)
{
	if (2 * (s->used + 1) > s->cap) {	/* keep the load under 1/2 */
		struct prom_hashset bigger = { calloc(s->cap ? 2 * s->cap : 64, sizeof(uint64_t)),
					       s->cap ? 2 * s->cap : 64, 0 };

		if (!bigger.cells)
			return -ENOMEM;
		for (size_t i = 0; i < s->cap; i++)
			if (s->cells[i])
				hashset_put_cell(&bigger, s->cells[i]);
		free(s->cells);
		*s = bigger;
	}
	hashset_put_cell(s, h);
	return 0;
}

static void hashset_clear(struct prom_hashset *s)
{
	if (s->cells)
		memset(s->cells, 0, s->cap * sizeof(uint64_t));
	s->used = 0;
}

/* ---- the buffer ---- */

int prom_init(struct prom *p)
{
	memset(p, 0, sizeof(*p));
	p->cap = 4096;
	p->buf = malloc(p->cap);
	if (!p->buf)
		return -ENOMEM;
	p->buf[0] = '\0';
	return 0;
}

void prom_free(struct prom *p)
{
	free(p->buf);
	free(p->names.cells);
	free(p->series.cells);
	memset(p, 0, sizeof(*p));
}

void prom_reset(struct prom *p)
{
	p->len = 0;
	if (p->buf)
		p->buf[0] = '\0';
	p->err = p->buf ? 0 : -ENOMEM;
	p->family[0] = '\0';
	hashset_clear(&p->names);
	hashset_clear(&p->series);
}

const char *prom_data(const struct prom *p, size_t *len)
{
	if (len)
		*len = p->len;
	return p->buf ? p->buf : "";
}

int prom_error(const struct prom *p)
{
	return p->err;
}

static bool reserve(struct prom *p, size_t more)
{
	size_t cap = p->cap ? p->cap : 4096;
	char *bigger;

	if (p->err)
		return false;
	while (cap - p->len < more + 1)	/* + 1: the NUL that keeps prom_data a C string */
		cap *= 2;
	if (cap == p->cap)
		return true;
	bigger = realloc(p->buf, cap);
	if (!bigger) {
		p->err = -ENOMEM;
		return false;
	}
	p->buf = bigger;
	p->cap = cap;
	return true;
}

static void put(struct prom *p, const char *s, size_t n)
{
	if (!reserve(p, n))
		return;
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = '\0';
}

static void put_str(struct prom *p, const char *s)
{
	put(p, s, strlen(s));
}

/* Ends a public call: its output stays only when all of it was written. */
static int commit(struct prom *p, size_t mark, int err)
{
	if (!err)
		err = p->err;
	if (err) {
		p->len = mark;
		if (p->buf)
			p->buf[mark] = '\0';
	}
	return err;
}

/* ---- names and values ---- */

static bool name_char(char c, bool first, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':') ||
	       (!first && c >= '0' && c <= '9');
}

static bool valid_name(const char *s, bool colon)
{
	if (!s || !*s)
		return false;
	for (size_t i = 0; s[i]; i++)
		if (!name_char(s[i], i == 0, colon))
			return false;
	return true;
}

static bool valid_metric_name(const char *s)
{
	return valid_name(s, true);
}

static bool valid_label_name(const char *s)
{
	return valid_name(s, false) && strncmp(s, "__", 2) != 0;
}

/* Text as UTF-8 with the format's escapes: `escape_quote` for label values (\\ \" \n), without it for HELP
 * (\\ \n). Bytes that start no well-formed UTF-8 character become U+FFFD: the parsers refuse invalid UTF-8. */
static void put_escaped(struct prom *p, const char *s, bool escape_quote)
{
	while (*s) {
		uint32_t cp;
		int n = utf8_decode(s, &cp);

		if (*s == '\\')
			put_str(p, "\\\\");
		else if (*s == '\n')
			put_str(p, "\\n");
		else if (*s == '"' && escape_quote)
			put_str(p, "\\\"");
		else if (n == 0)
			put_str(p, "\xef\xbf\xbd");
		else
			put(p, s, n);
		s += n ? n : 1;
	}
}

/* The shortest decimal form that reads back as the same double, and the format's NaN/+Inf/-Inf. */
static void put_number(struct prom *p, double v)
{
	char text[40];

	if (isnan(v)) {
		put_str(p, "NaN");
		return;
	}
	if (isinf(v)) {
		put_str(p, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(text, sizeof(text), "%.*g", digits, v);
		if (strtod(text, NULL) == v)
			break;
	}
	put_str(p, text);
}

/* 0 when the labels can be written with this family: valid distinct names, "le" left to histograms. */
static int check_labels(const struct prom_label *l, int nl, bool histogram)
{
	if (nl < 0 || (nl > 0 && !l))
		return -EINVAL;
	for (int i = 0; i < nl; i++) {
		if (!valid_label_name(l[i].name) || !l[i].value || (histogram && !strcmp(l[i].name, "le")))
			return -EINVAL;
		for (int j = 0; j < i; j++)
			if (!strcmp(l[i].name, l[j].name))
				return -EINVAL;
	}
	return 0;
}

/* The same label set in any order is the same series: sum of per-pair hashes. */
static uint64_t series_hash(const struct prom_label *l, int nl)
{
	uint64_t sum = 0;

	for (int i = 0; i < nl; i++) {
		uint64_t h = fnv1a64(FNV1A64_OFFSET, l[i].name, strlen(l[i].name) + 1);

		sum += mix(fnv1a64(h, l[i].value, strlen(l[i].value)));
	}
	return mix(sum);
}

/* The escaped label set of a series, written once and copied for its other lines (a histogram has 30): where it
 * lies in the buffer. Offsets, not pointers: the buffer moves when it grows. */
struct label_text {
	size_t off, len;
	bool written;
};

/* a="x",b="y" */
static void put_labels(struct prom *p, const struct prom_label *l, int nl, struct label_text *t)
{
	size_t start = p->len;

	if (t->written) {
		if (reserve(p, t->len)) {
			memcpy(p->buf + p->len, p->buf + t->off, t->len);	/* from earlier in the buffer */
			p->len += t->len;
			p->buf[p->len] = '\0';
		}
		return;
	}
	for (int i = 0; i < nl; i++) {
		if (i)
			put(p, ",", 1);
		put_str(p, l[i].name);
		put(p, "=\"", 2);
		put_escaped(p, l[i].value, true);
		put(p, "\"", 1);
	}
	*t = (struct label_text){ start, p->len - start, !p->err };
}

/* name{a="x",b="y"[,le="..."]} value\n; extra_le NULL for no le label. */
static void put_line(struct prom *p, const char *name, const char *suffix, const struct prom_label *l, int nl,
		     struct label_text *t, const char *extra_le, double value)
{
	put_str(p, name);
	put_str(p, suffix);
	if (nl || extra_le) {
		put(p, "{", 1);
		put_labels(p, l, nl, t);
		if (extra_le) {
			put_str(p, nl ? ",le=\"" : "le=\"");
			put_str(p, extra_le);
			put(p, "\"", 1);
		}
		put(p, "}", 1);
	}
	put(p, " ", 1);
	put_number(p, value);
	put(p, "\n", 1);
}

/* ---- families and samples ---- */

static int type_from_name(const char *type)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type && !strcmp(type, type_names[i]))
			return (int)i;
	return -1;
}

/* The sample names a family owns: its name, and for a histogram the three suffixed ones. */
static int family_names(const char *name, int type, uint64_t out[4])
{
	static const char *const suffixes[] = { "_bucket", "_sum", "_count" };
	char full[sizeof(((struct prom *)0)->family) + 8];
	int n = 0;

	out[n++] = hash_str(name);
	for (size_t i = 0; type == PROM_HISTOGRAM && i < 3; i++) {
		snprintf(full, sizeof(full), "%s%s", name, suffixes[i]);
		out[n++] = hash_str(full);
	}
	return n;
}

static int claim_family(struct prom *p, const char *name, int type)
{
	uint64_t names[4];
	int n = family_names(name, type, names);

	for (int i = 0; i < n; i++)
		if (hashset_has(&p->names, names[i]))
			return -EINVAL;
	for (int i = 0; i < n; i++)
		if (hashset_add(&p->names, names[i]))
			return p->err = -ENOMEM;
	return 0;
}

int prom_family(struct prom *p, const char *name, const char *type, const char *help)
{
	int kind = type_from_name(type), err;
	size_t mark = p->len;

	if (!valid_metric_name(name) || strlen(name) >= sizeof(p->family) || kind < 0)
		return -EINVAL;
	err = p->err ? p->err : claim_family(p, name, kind);
	if (err)
		return err;
	snprintf(p->family, sizeof(p->family), "%s", name);
	p->family_type = kind;
	hashset_clear(&p->series);
	put_str(p, "# HELP ");
	put_str(p, name);
	put(p, " ", 1);
	put_escaped(p, help ? help : "", false);
	put_str(p, "\n# TYPE ");
	put_str(p, name);
	put(p, " ", 1);
	put_str(p, type_names[kind]);
	put(p, "\n", 1);
	return commit(p, mark, 0);
}

/* 0 when a series of this name and labels belongs to the current family and is new in it (then recorded). */
static int claim_series(struct prom *p, const char *name, const struct prom_label *l, int nl, bool histogram)
{
	uint64_t h;
	int err;

	if (!p->family[0] || !name || strcmp(name, p->family) != 0 ||
	    (p->family_type == PROM_HISTOGRAM) != histogram)
		return -EINVAL;
	err = check_labels(l, nl, histogram);
	if (err)
		return err;
	h = series_hash(l, nl);
	if (hashset_has(&p->series, h))
		return -EINVAL;
	if (hashset_add(&p->series, h))
		return p->err = -ENOMEM;
	return 0;
}

int prom_sample(struct prom *p, const char *name, const struct prom_label *l, int nl, double value)
{
	struct label_text t = { 0 };
	size_t mark = p->len;
	int err = p->err ? p->err : claim_series(p, name, l, nl, false);

	if (err)
		return err;
	put_line(p, name, "", l, nl, &t, NULL, value);
	return commit(p, mark, 0);
}

static double estimated_sum(const struct hist *h, double unit_seconds)
{
	double sum = 0;

	for (unsigned int i = 1; i < HIST_SLOTS; i++)
		sum += (double)h->slots[i] * 1.5 * ldexp(1.0, (int)i - 1);
	return sum * unit_seconds;
}

int prom_histogram(struct prom *p, const char *name, const struct prom_label *l, int nl, const struct hist *h,
		   double unit_seconds, double sum_seconds)
{
	struct label_text t = { 0 };
	size_t mark = p->len;
	uint64_t cumulative = 0;
	char le[40];
	int err;

	if (!h || !(unit_seconds > 0) || isinf(unit_seconds) || isinf(sum_seconds))
		return -EINVAL;
	err = p->err ? p->err : claim_series(p, name, l, nl, true);
	if (err)
		return err;
	for (unsigned int i = 0; i <= PROM_HIST_TOP_SLOT; i++) {
		cumulative += h->slots[i];
		snprintf(le, sizeof(le), "%.15g", ldexp(unit_seconds, (int)i));
		put_line(p, name, "_bucket", l, nl, &t, le, (double)cumulative);
	}
	for (unsigned int i = PROM_HIST_TOP_SLOT + 1; i < HIST_SLOTS; i++)
		cumulative += h->slots[i];
	put_line(p, name, "_bucket", l, nl, &t, "+Inf", (double)cumulative);
	put_line(p, name, "_sum", l, nl, &t, NULL, sum_seconds >= 0 ? sum_seconds : estimated_sum(h, unit_seconds));
	put_line(p, name, "_count", l, nl, &t, NULL, (double)cumulative);
	return commit(p, mark, 0);
}
