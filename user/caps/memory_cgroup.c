// SPDX-License-Identifier: GPL-2.0
/* The memory cgroup's high (soft) limit, limit events and pressure over a trace: text, JSON and metrics. The
 * kernel's counters only grow, so a trace's share is the difference of two readings; a cgroup removed and made
 * anew between them would count backwards, and counts 0 here. */
#include <inttypes.h>

#include "caps/memory_cgroup.h"

#define MIB (1024.0 * 1024.0)

static uint64_t grown(uint64_t first, uint64_t last)
{
	return last >= first ? last - first : 0;
}

static const char *high_name(const struct cgroup_memory *cg)
{
	return cg->version == 2 ? "high limit" : "soft limit";
}

static bool have_pressure(const struct memory_cgroup_reading *r)
{
	return r->first->has_pressure && r->last->has_pressure;
}

static bool have_events(const struct memory_cgroup_reading *r)
{
	return r->first->has_events && r->last->has_events;
}

static bool have_failcnt(const struct memory_cgroup_reading *r)
{
	return r->first->has_failcnt && r->last->has_failcnt;
}

/* ---- text ---- */

static void text_pressure(FILE *out, const struct memory_cgroup_reading *r)
{
	const struct cgroup_pressure *a = &r->first->pressure, *b = &r->last->pressure;
	double some = grown(a->some_total_us, b->some_total_us) / 1e6;
	double full = grown(a->full_total_us, b->full_total_us) / 1e6;
	double wall = r->traced_seconds > 0 ? r->traced_seconds : 1;

	fprintf(out, "; stalled on memory: some %.2f s (%.1f%%)", some, 100 * some / wall);
	if (b->has_full)
		fprintf(out, ", full %.2f s (%.1f%%)", full, 100 * full / wall);
	fprintf(out, ", avg10 %.2f%%", b->some_avg10);
	if (b->has_full)
		fprintf(out, "/%.2f%%", b->full_avg10);
}

void memory_cgroup_text(FILE *out, const struct memory_cgroup_reading *r)
{
	const struct cgroup_memory_events *a = &r->first->events, *b = &r->last->events;
	char mib[32];

	if (r->cg->high_bytes >= 0) {
		snprintf(mib, sizeof(mib), "%.1f MiB", r->cg->high_bytes / MIB);
		fprintf(out, "memory: %s %s%s", high_name(r->cg), mib, r->cg->high_level ? " (set on an ancestor)" : "");
	} else {
		fprintf(out, "memory: no %s", high_name(r->cg));
	}
	if (have_events(r))
		fprintf(out, "; during the trace %" PRIu64 " times over memory.high, %" PRIu64 " at memory.max, %" PRIu64
			" OOM", grown(a->high, b->high), grown(a->max, b->max), grown(a->oom, b->oom));
	if (have_failcnt(r))
		fprintf(out, "; during the trace %" PRIu64 " times at the limit (memory.failcnt)",
			grown(r->first->failcnt, r->last->failcnt));
	if (r->last->has_under_oom)
		fprintf(out, "; %s", r->last->under_oom ? "under OOM now" : "not under OOM");
	if (have_pressure(r))
		text_pressure(out, r);
	else if (r->cg->version == 1)
		fprintf(out, "; cgroup v1 has no memory pressure per cgroup");
	fputc('\n', out);
}

/* ---- JSON ---- */

static void json_events(struct json_obj *j, const struct memory_cgroup_reading *r)
{
	const struct cgroup_memory_stat *a = r->first, *b = r->last;
	struct json_obj ej;

	if (!have_events(r) && !have_failcnt(r) && !(a->has_oom_kills && b->has_oom_kills))
		return;
	json_key(j, "events_during_trace");
	json_begin(&ej, j->out);
	if (have_events(r)) {
		json_kv_u64(&ej, "high", grown(a->events.high, b->events.high));
		json_kv_u64(&ej, "max", grown(a->events.max, b->events.max));
		json_kv_u64(&ej, "oom", grown(a->events.oom, b->events.oom));
	}
	if (have_failcnt(r))
		json_kv_u64(&ej, "failcnt", grown(a->failcnt, b->failcnt));
	if (a->has_oom_kills && b->has_oom_kills)
		json_kv_u64(&ej, "oom_kill", grown(a->oom_kills, b->oom_kills));
	json_end(&ej);
}

static void json_pressure(struct json_obj *j, const struct memory_cgroup_reading *r)
{
	const struct cgroup_pressure *a = &r->first->pressure, *b = &r->last->pressure;
	double some = grown(a->some_total_us, b->some_total_us) / 1e6;
	double full = grown(a->full_total_us, b->full_total_us) / 1e6;
	double wall = r->traced_seconds;
	struct json_obj pj;

	json_key(j, "pressure");
	json_begin(&pj, j->out);
	json_kv_double(&pj, "traced_seconds", wall);
	json_kv_double(&pj, "some_seconds", some);
	json_kv_double(&pj, "some_share", wall > 0 ? some / wall : 0);
	json_kv_double(&pj, "some_avg10", b->some_avg10);
	if (b->has_full) {
		json_kv_double(&pj, "full_seconds", full);
		json_kv_double(&pj, "full_share", wall > 0 ? full / wall : 0);
		json_kv_double(&pj, "full_avg10", b->full_avg10);
	}
	json_end(&pj);
}

void memory_cgroup_json(struct json_obj *j, const struct memory_cgroup_reading *r)
{
	bool v2 = r->cg->version == 2;

	json_kv_i64(j, v2 ? "high_limit_bytes" : "soft_limit_bytes", r->cg->high_bytes);
	if (r->cg->high_bytes >= 0)
		json_kv_u64(j, v2 ? "high_limiting_level" : "soft_limiting_level", r->cg->high_level);
	json_events(j, r);
	if (r->last->has_under_oom)
		json_kv_bool(j, "under_oom", r->last->under_oom);
	if (have_pressure(r))
		json_pressure(j, r);
}

/* ---- metrics ---- */

enum cgroup_figure { HIGH_LIMIT, SOFT_LIMIT, HIGH_EVENTS, MAX_EVENTS, OOM_EVENTS, UNDER_OOM, SOME_STALL, FULL_STALL,
		     SOME_AVG10, FULL_AVG10 };

/* A figure of one reading; false when the kernel does not have it for this cgroup. */
static bool figure(const struct memory_cgroup_reading *r, enum cgroup_figure f, double *v)
{
	const struct cgroup_memory_stat *st = r->last;
	bool v2 = r->cg->version == 2;

	switch (f) {
	case HIGH_LIMIT:
	case SOFT_LIMIT:
		*v = r->cg->high_bytes < 0 ? 0 : (double)r->cg->high_bytes;
		return v2 == (f == HIGH_LIMIT);
	case HIGH_EVENTS:
		*v = (double)st->events.high;
		return st->has_events;
	case MAX_EVENTS:	/* v1's failcnt counts the same thing: a charge that hit the limit */
		*v = (double)(v2 ? st->events.max : st->failcnt);
		return v2 ? st->has_events : st->has_failcnt;
	case OOM_EVENTS:
		*v = (double)st->events.oom;
		return st->has_events;
	case UNDER_OOM:
		*v = st->under_oom;
		return st->has_under_oom;
	case SOME_STALL:
		*v = st->pressure.some_total_us / 1e6;
		return st->has_pressure;
	case FULL_STALL:
		*v = st->pressure.full_total_us / 1e6;
		return st->has_pressure && st->pressure.has_full;
	case SOME_AVG10:
		*v = st->pressure.some_avg10 / 100;
		return st->has_pressure;
	case FULL_AVG10:
		*v = st->pressure.full_avg10 / 100;
		return st->has_pressure && st->pressure.has_full;
	}
	return false;
}

struct family {
	const char *name, *type, *help;
	const char *label;			/* "kind", or NULL */
	struct { const char *value; enum cgroup_figure figure; } series[2];
	int nseries;
};

/* Every family is written, samples or not: the daemon keeps an exited process's series only in the families that
 * the living processes' exposition has (prom_merge.h), and a v1 host's processes must not drop a v2 one's. */
static void write_family(struct prom *p, const struct family *fam, struct target_ctx *const *tcs, size_t n,
			 int index, memory_cgroup_reading_fn reading)
{
	struct prom_label l[CAPABILITY_MAX_LABELS];
	struct memory_cgroup_reading r;
	double v;

	prom_family(p, fam->name, fam->type, fam->help);
	for (size_t i = 0; i < n; i++)
		for (int s = 0; s < fam->nseries; s++)
			if (reading(tcs[i], index, &r) && figure(&r, fam->series[s].figure, &v))
				prom_sample(p, fam->name, l, capability_labels(tcs[i], l, fam->label,
									       fam->series[s].value), v);
}

static const struct family families[] = {
	{ "gotrace_cgroup_memory_high_bytes", "gauge",
	  "v2 memory.high of the process's cgroup or its tightest ancestor (0: none).", NULL,
	  { { NULL, HIGH_LIMIT } }, 1 },
	{ "gotrace_cgroup_memory_soft_limit_bytes", "gauge",
	  "v1 memory.soft_limit_in_bytes of the process's cgroup or its tightest ancestor (0: none).", NULL,
	  { { NULL, SOFT_LIMIT } }, 1 },
	{ "gotrace_cgroup_memory_high_events_total", "counter",
	  "Times the high limit's cgroup went over memory.high and was throttled (memory.events high).", NULL,
	  { { NULL, HIGH_EVENTS } }, 1 },
	{ "gotrace_cgroup_memory_max_events_total", "counter",
	  "Times the limiting cgroup's usage was about to go over its limit (v2 memory.events max, v1 "
	  "memory.failcnt).", NULL,
	  { { NULL, MAX_EVENTS } }, 1 },
	{ "gotrace_cgroup_memory_oom_events_total", "counter",
	  "Times the limiting cgroup ran out of memory and the OOM killer was asked (memory.events oom).", NULL,
	  { { NULL, OOM_EVENTS } }, 1 },
	{ "gotrace_cgroup_memory_under_oom", "gauge",
	  "1 while the limiting v1 cgroup waits for the OOM killer (memory.oom_control under_oom).", NULL,
	  { { NULL, UNDER_OOM } }, 1 },
	{ "gotrace_cgroup_memory_pressure_seconds_total", "counter",
	  "Time some (or all non-idle: full) tasks of the limiting cgroup stalled on memory (v2 memory.pressure).",
	  "kind", { { "some", SOME_STALL }, { "full", FULL_STALL } }, 2 },
	{ "gotrace_cgroup_memory_pressure_avg10_ratio", "gauge",
	  "Share of the last 10 s that some (or all non-idle: full) tasks stalled on memory.", "kind",
	  { { "some", SOME_AVG10 }, { "full", FULL_AVG10 } }, 2 },
};

void memory_cgroup_metrics(struct prom *p, struct target_ctx *const *tcs, size_t n, int index,
			   memory_cgroup_reading_fn reading)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		write_family(p, &families[i], tcs, n, index, reading);
}
