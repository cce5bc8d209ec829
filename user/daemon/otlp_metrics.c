// SPDX-License-Identifier: GPL-2.0
/* Prometheus exposition -> OTLP metrics (otlp_metrics.h). Two passes over the text: the first finds the families
 * and each sample line's resource; the second writes one ResourceMetrics per resource, reading its lines again in
 * the exposition's order (family by family, a histogram's lines together, _count last). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/otlp_metrics.h"
#include "daemon/otlp_resource.h"
#include "lib/array.h"
#include "lib/hash.h"
#include "lib/prom_parse.h"
#include "lib/version.h"

#define MAX_BUCKETS 64

/* Field numbers of opentelemetry/proto: collector/metrics/v1, metrics/v1. */
enum { REQUEST_RESOURCE_METRICS = 1 };
enum { RESOURCE_METRICS_RESOURCE = 1, RESOURCE_METRICS_SCOPE_METRICS = 2 };
enum { SCOPE_METRICS_SCOPE = 1, SCOPE_METRICS_METRICS = 2 };
enum { SCOPE_NAME = 1, SCOPE_VERSION = 2 };
enum { METRIC_NAME = 1, METRIC_DESCRIPTION = 2, METRIC_UNIT = 3, METRIC_GAUGE = 5, METRIC_SUM = 7,
       METRIC_HISTOGRAM = 9 };
enum { DATA_POINTS = 1, DATA_TEMPORALITY = 2, SUM_IS_MONOTONIC = 3 };
enum { TEMPORALITY_CUMULATIVE = 2 };
enum { NUMBER_START = 2, NUMBER_TIME = 3, NUMBER_AS_DOUBLE = 4, NUMBER_AS_INT = 6, NUMBER_ATTRIBUTES = 7 };
enum { HIST_START = 2, HIST_TIME = 3, HIST_COUNT = 4, HIST_SUM = 5, HIST_BUCKET_COUNTS = 6, HIST_BOUNDS = 7,
       HIST_ATTRIBUTES = 9 };

enum semconv_kind { NOT_SEMCONV, UPDOWN_INT, HISTOGRAM_SECONDS };

/* gotrace's figures that the Go runtime conventions name; skip_below: a value under it means "none" (GOMEMLIMIT
 * unset, GOGC off, no GOGC goal), which the conventions express by leaving the point out. */
static const struct semconv_metric {
	const char *prom, *name, *unit;
	enum semconv_kind kind;
	double skip_below;
} semconv[] = {
	{ "gotrace_go_gomemlimit_bytes", "go.memory.limit", "By", UPDOWN_INT, 1 },
	{ "gotrace_go_heap_goal_bytes", "go.memory.gc.goal", "By", UPDOWN_INT, 1 },	/* 0: GOGC off */
	{ "gotrace_go_gogc", "go.config.gogc", "%", UPDOWN_INT, 0 },
	{ "gotrace_gomaxprocs", "go.processor.limit", "{thread}", UPDOWN_INT, -INFINITY },
	{ "gotrace_goroutine_sched_delay_seconds", "go.schedule.duration", "s", HISTOGRAM_SECONDS, -INFINITY },
};

enum family_type { FAMILY_COUNTER, FAMILY_GAUGE, FAMILY_HISTOGRAM, FAMILY_OTHER };

struct family {
	char *name, *help;
	enum family_type type;
	const struct semconv_metric *semconv;
};

struct resource {
	uint64_t hash;
	char *values[OTLP_RESOURCE_LABELS];	/* NULL: the series has no such label */
	size_t first_line, nlines;	/* its lines in the sorted line array */
	uint64_t start_ns;
};

struct sample_line {
	uint32_t resource, family;
	const char *text;
	size_t len;
};

struct model {
	struct family *families;
	size_t nfamilies, families_cap;
	struct resource *resources;
	size_t nresources, resources_cap;
	struct sample_line *lines;
	size_t nlines, lines_cap;
};

/* Buffers for each nesting level of the request. */
struct encoder {
	struct pbuf *out, resource_metrics, resource, scope_metrics, scope, metric, data, point;
	struct otlp_attr_writer attr;
	const struct otlp_self *self;
	uint64_t now_ns;
};

struct histogram_acc {
	double bounds[MAX_BUCKETS], cumulative[MAX_BUCKETS], sum;
	int n;			/* finite bounds; past MAX_BUCKETS they are dropped (the /metrics ladder has 27) */
};

/* ---- pass 1: families and resources ---- */

static enum family_type family_type(const char *s)
{
	return !strcmp(s, "counter") ? FAMILY_COUNTER : !strcmp(s, "gauge") ? FAMILY_GAUGE
		: !strcmp(s, "histogram") ? FAMILY_HISTOGRAM : FAMILY_OTHER;
}

static const struct semconv_metric *semconv_of(const char *name)
{
	for (size_t i = 0; i < sizeof(semconv) / sizeof(semconv[0]); i++)
		if (!strcmp(semconv[i].prom, name))
			return &semconv[i];
	return NULL;
}

/* A family starts with its HELP line (prom.h); its TYPE line follows. */
static int add_family(struct model *m, const struct prom_line *l)
{
	struct family *f;

	if (l->kind == PROM_LINE_TYPE) {
		f = m->nfamilies ? &m->families[m->nfamilies - 1] : NULL;
		if (!f || strcmp(f->name, l->name))
			return -EINVAL;
		f->type = family_type(l->text);
		return 0;
	}
	if (array_reserve(&m->families, &m->families_cap, m->nfamilies + 1, sizeof(*f), 64))
		return -ENOMEM;
	f = &m->families[m->nfamilies];
	*f = (struct family){ strdup(l->name), strdup(l->text), FAMILY_OTHER, semconv_of(l->name) };
	if (!f->name || !f->help) {
		free(f->name);
		free(f->help);
		return -ENOMEM;
	}
	m->nfamilies++;
	return 0;
}

static uint64_t resource_hash(const struct prom_line *l)
{
	uint64_t h = FNV1A64_OFFSET;

	for (size_t i = 0; i < OTLP_RESOURCE_LABELS; i++) {
		const char *v = prom_line_label(l, otlp_resource_labels[i].label);

		h = fnv1a64(h, &i, sizeof(i));
		if (v)
			h = fnv1a64(h, v, strlen(v) + 1);
	}
	return h;
}

static bool same_resource(const struct resource *r, const struct prom_line *l)
{
	for (size_t i = 0; i < OTLP_RESOURCE_LABELS; i++) {
		const char *v = prom_line_label(l, otlp_resource_labels[i].label);

		if (!v != !r->values[i] || (v && strcmp(v, r->values[i])))
			return false;
	}
	return true;
}

static int find_resource(struct model *m, const struct prom_line *l, uint32_t *index)
{
	uint64_t h = resource_hash(l);
	struct resource *r;

	for (size_t i = m->nresources; i-- > 0;)	/* a process's lines come together: the last one first */
		if (m->resources[i].hash == h && same_resource(&m->resources[i], l)) {
			*index = (uint32_t)i;
			return 0;
		}
	if (array_reserve(&m->resources, &m->resources_cap, m->nresources + 1, sizeof(*r), 16))
		return -ENOMEM;
	r = &m->resources[m->nresources++];	/* counted now: what it holds is freed with the model */
	*r = (struct resource){ .hash = h };
	for (size_t i = 0; i < OTLP_RESOURCE_LABELS; i++) {
		const char *v = prom_line_label(l, otlp_resource_labels[i].label);

		if (v && !(r->values[i] = strdup(v)))
			return -ENOMEM;
	}
	*index = (uint32_t)(m->nresources - 1);
	return 0;
}

/* The sample's name is its family's, or (histograms) the family's with _bucket, _sum or _count. */
static bool in_family(const struct family *f, const char *name)
{
	size_t n = strlen(f->name);

	if (strncmp(name, f->name, n))
		return false;
	return !name[n] || (f->type == FAMILY_HISTOGRAM && (!strcmp(name + n, "_bucket") ||
							       !strcmp(name + n, "_sum") || !strcmp(name + n, "_count")));
}

static int add_sample(struct model *m, const struct prom_reader *r, const struct prom_line *l)
{
	uint32_t resource;
	int err;

	if (!m->nfamilies || !in_family(&m->families[m->nfamilies - 1], l->name))
		return -EINVAL;
	if ((err = find_resource(m, l, &resource)))
		return err;
	if (array_reserve(&m->lines, &m->lines_cap, m->nlines + 1, sizeof(*m->lines), 1024))
		return -ENOMEM;
	m->lines[m->nlines++] = (struct sample_line){ resource, (uint32_t)(m->nfamilies - 1), r->line, r->line_len };
	m->resources[resource].nlines++;
	return 0;
}

static int read_model(struct model *m, const char *text, size_t len, char *why, size_t why_size)
{
	struct prom_reader r;
	struct prom_line l;
	int rc;

	prom_reader_init(&r, text, len);
	while ((rc = prom_parse_next(&r, &l)) > 0) {
		rc = l.kind == PROM_LINE_SAMPLE ? add_sample(m, &r, &l) : add_family(m, &l);
		if (rc)
			break;
	}
	if (rc == -EINVAL)
		snprintf(why, why_size, "the exposition's line %d is not what gotrace writes", r.line_no);
	prom_reader_free(&r);
	return rc;
}

/* Orders the lines resource by resource, keeping the exposition's order within each (a counting sort). */
static int group_by_resource(struct model *m)
{
	struct sample_line *sorted = malloc((m->nlines ? m->nlines : 1) * sizeof(*sorted));
	size_t at = 0;

	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < m->nresources; i++) {
		m->resources[i].first_line = at;
		at += m->resources[i].nlines;
		m->resources[i].nlines = 0;
	}
	for (size_t i = 0; i < m->nlines; i++) {
		struct resource *r = &m->resources[m->lines[i].resource];

		sorted[r->first_line + r->nlines++] = m->lines[i];
	}
	free(m->lines);
	m->lines = sorted;
	m->lines_cap = m->nlines;
	return 0;
}

static void free_model(struct model *m)
{
	for (size_t i = 0; i < m->nfamilies; i++) {
		free(m->families[i].name);
		free(m->families[i].help);
	}
	for (size_t i = 0; i < m->nresources; i++)
		for (size_t j = 0; j < OTLP_RESOURCE_LABELS; j++)
			free(m->resources[i].values[j]);
	free(m->families);
	free(m->resources);
	free(m->lines);
}

/* ---- start times ---- */

static void assign_starts(struct model *m, struct otlp_series_starts *s, uint64_t now_ns)
{
	for (size_t i = 0; i < s->n; i++)
		s->all[i].seen = false;
	for (size_t i = 0; i < m->nresources; i++) {
		struct resource *r = &m->resources[i];
		size_t j = 0;

		while (j < s->n && s->all[j].hash != r->hash)
			j++;
		if (j == s->n && !array_reserve(&s->all, &s->cap, s->n + 1, sizeof(*s->all), 16))
			s->all[s->n++] = (struct otlp_started){ r->hash, s->last_export_ns, false };
		r->start_ns = j < s->n ? s->all[j].start_ns : s->last_export_ns;
		if (j < s->n)
			s->all[j].seen = true;
	}
	for (size_t i = s->n; i-- > 0;)
		if (!s->all[i].seen)
			s->all[i] = s->all[--s->n];
	s->last_export_ns = now_ns;
}

void otlp_series_starts_free(struct otlp_series_starts *s)
{
	free(s->all);
	s->all = NULL;
	s->n = s->cap = 0;
}

/* ---- pass 2: the request ---- */

static void encode_resource(struct encoder *e, const struct resource *r)
{
	otlp_put_resource(&e->attr, &e->resource, (const char *const *)r->values, e->self);
	pb_put_message(&e->resource_metrics, RESOURCE_METRICS_RESOURCE, &e->resource);
}

static void put_point_attributes(struct encoder *e, const struct prom_line *l, int field)
{
	for (int i = 0; i < l->nlabels; i++)
		if (!otlp_is_resource_label(l->labels[i].name) && strcmp(l->labels[i].name, "le"))
			otlp_put_attribute(&e->attr, &e->point, field, l->labels[i].name, l->labels[i].value, false);
}

/* A counter or gauge line; false when the conventions leave this value out. */
static bool encode_number(struct encoder *e, const struct family *f, const struct resource *r,
			  const struct prom_line *l)
{
	if (f->semconv && l->value < f->semconv->skip_below)
		return false;
	put_point_attributes(e, l, NUMBER_ATTRIBUTES);
	if (f->type == FAMILY_COUNTER || f->semconv)	/* sums have a start; the conventions' figures are sums */
		pb_put_fixed64(&e->point, NUMBER_START, r->start_ns);
	pb_put_fixed64(&e->point, NUMBER_TIME, e->now_ns);
	if (f->semconv && f->semconv->kind == UPDOWN_INT)
		pb_put_fixed64(&e->point, NUMBER_AS_INT, (uint64_t)(int64_t)llround(l->value));
	else
		pb_put_double_always(&e->point, NUMBER_AS_DOUBLE, l->value);
	pb_put_message(&e->data, DATA_POINTS, &e->point);
	return true;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

/* One histogram line; true when it ended a series (its _count) and the point was written. */
static bool encode_histogram_line(struct encoder *e, const struct resource *r, const struct prom_line *l,
				  struct histogram_acc *h)
{
	uint64_t counts[MAX_BUCKETS + 1];
	const char *le;
	double below = 0;

	if (has_suffix(l->name, "_bucket")) {
		le = prom_line_label(l, "le");
		if (le && strcmp(le, "+Inf") && h->n < MAX_BUCKETS) {
			h->bounds[h->n] = strtod(le, NULL);
			h->cumulative[h->n++] = l->value;
		}
		return false;
	}
	if (has_suffix(l->name, "_sum")) {
		h->sum = l->value;
		return false;
	}
	for (int i = 0; i < h->n; i++) {	/* cumulative counts to each bucket's own */
		counts[i] = h->cumulative[i] > below ? (uint64_t)(h->cumulative[i] - below) : 0;
		below = h->cumulative[i] > below ? h->cumulative[i] : below;
	}
	counts[h->n] = l->value > below ? (uint64_t)(l->value - below) : 0;
	put_point_attributes(e, l, HIST_ATTRIBUTES);
	pb_put_fixed64(&e->point, HIST_START, r->start_ns);
	pb_put_fixed64(&e->point, HIST_TIME, e->now_ns);
	pb_put_fixed64(&e->point, HIST_COUNT, (uint64_t)l->value);
	pb_put_double_always(&e->point, HIST_SUM, h->sum);
	pb_put_packed_fixed64(&e->point, HIST_BUCKET_COUNTS, counts, (size_t)h->n + 1);
	pb_put_packed_double(&e->point, HIST_BOUNDS, h->bounds, (size_t)h->n);
	pb_put_message(&e->data, DATA_POINTS, &e->point);
	*h = (struct histogram_acc){ 0 };
	return true;
}

static const char *unit_of(const struct family *f)
{
	if (f->semconv)
		return f->semconv->unit;
	if (has_suffix(f->name, "_seconds") || has_suffix(f->name, "_seconds_total"))
		return "s";
	if (has_suffix(f->name, "_bytes") || has_suffix(f->name, "_bytes_total"))
		return "By";
	return NULL;
}

/* Closes the metric whose points are in e->data, if it has any. */
static void finish_metric(struct encoder *e, const struct family *f, size_t points)
{
	int field = f->type == FAMILY_HISTOGRAM ? METRIC_HISTOGRAM
		  : f->type == FAMILY_COUNTER || f->semconv ? METRIC_SUM : METRIC_GAUGE;

	if (!points) {
		e->data.len = 0;
		return;
	}
	if (field != METRIC_GAUGE)
		pb_put_uint(&e->data, DATA_TEMPORALITY, TEMPORALITY_CUMULATIVE);
	if (field == METRIC_SUM)
		pb_put_uint(&e->data, SUM_IS_MONOTONIC, f->type == FAMILY_COUNTER && !f->semconv);
	pb_put_string(&e->metric, METRIC_NAME, f->semconv ? f->semconv->name : f->name);
	pb_put_string(&e->metric, METRIC_DESCRIPTION, f->help);
	pb_put_string(&e->metric, METRIC_UNIT, unit_of(f));
	pb_put_message(&e->metric, field, &e->data);
	pb_put_message(&e->scope_metrics, SCOPE_METRICS_METRICS, &e->metric);
}

static int encode_lines(struct encoder *e, const struct model *m, const struct resource *r)
{
	struct histogram_acc h = { 0 };
	struct prom_reader rd = { 0 };
	const struct family *current = NULL;
	size_t points = 0;
	struct prom_line l;
	int rc = 0;

	for (size_t i = r->first_line; i < r->first_line + r->nlines && rc >= 0; i++) {
		const struct sample_line *s = &m->lines[i];
		const struct family *f = &m->families[s->family];

		if (f != current) {
			if (current)
				finish_metric(e, current, points);
			current = f;
			points = 0;
			h = (struct histogram_acc){ 0 };
		}
		prom_reader_rewind(&rd, s->text, s->len);
		if ((rc = prom_parse_next(&rd, &l)) <= 0)
			break;
		if (f->type == FAMILY_HISTOGRAM)
			points += encode_histogram_line(e, r, &l, &h);
		else if (f->type != FAMILY_OTHER)
			points += encode_number(e, f, r, &l);
	}
	if (current && rc >= 0)
		finish_metric(e, current, points);
	prom_reader_free(&rd);
	return rc < 0 ? rc : 0;
}

static int encode_request(struct encoder *e, const struct model *m)
{
	int err;

	for (size_t i = 0; i < m->nresources; i++) {
		const struct resource *r = &m->resources[i];

		encode_resource(e, r);
		pb_put_string(&e->scope, SCOPE_NAME, "gotrace");
		pb_put_string(&e->scope, SCOPE_VERSION, GOTRACE_VERSION);
		pb_put_message(&e->scope_metrics, SCOPE_METRICS_SCOPE, &e->scope);
		if ((err = encode_lines(e, m, r)))
			return err;
		pb_put_message(&e->resource_metrics, RESOURCE_METRICS_SCOPE_METRICS, &e->scope_metrics);
		pb_put_message(e->out, REQUEST_RESOURCE_METRICS, &e->resource_metrics);
	}
	return e->out->failed ? -ENOMEM : 0;
}

int otlp_metrics_encode(const char *exposition, size_t len, const struct otlp_self *self,
			struct otlp_series_starts *starts, uint64_t now_ns, struct pbuf *out, char *why,
			size_t why_size)
{
	struct encoder e = { .out = out, .self = self, .now_ns = now_ns };
	struct model m = { 0 };
	int err;

	out->len = 0;
	out->failed = false;
	snprintf(why, why_size, "out of memory");
	err = read_model(&m, exposition, len, why, why_size);
	if (!err)
		err = group_by_resource(&m);
	if (!err) {
		assign_starts(&m, starts, now_ns);
		err = encode_request(&e, &m);
	}
	free_model(&m);
	pb_free(&e.resource_metrics);
	pb_free(&e.resource);
	pb_free(&e.scope_metrics);
	pb_free(&e.scope);
	pb_free(&e.metric);
	pb_free(&e.data);
	pb_free(&e.point);
	otlp_attr_writer_free(&e.attr);
	return err;
}
