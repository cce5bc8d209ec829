// SPDX-License-Identifier: GPL-2.0
/* Pause and cycle bookkeeping. A GC cycle is the run of pauses from a sweep termination to the final mark
 * termination; aborted mark terminations (the runtime restarts the world and tries again) belong to it too. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "caps/gc_stats.h"

/* Go's stwReason values, append-only since Go 1.21 (src/runtime/proc.go stwReasonStrings). */
static const char *const go_stw_reasons[] = {
	"unknown", "GC mark termination", "GC sweep termination", "write heap dump", "goroutine profile",
	"goroutine profile cleanup", "all goroutines stack trace", "read mem stats", "AllThreadsSyscall",
	"GOMAXPROCS", "start trace", "stop trace", "CountPagesInUse (test)", "ReadMetricsSlow (test)",
	"ReadMemStatsSlow (test)", "PageCachePagesLeaked (test)", "ResetDebugLog (test)",
};

const char *gc_reason_name(uint32_t go_reason)
{
	if (go_reason < sizeof(go_stw_reasons) / sizeof(go_stw_reasons[0]))
		return go_stw_reasons[go_reason];
	return "unknown";
}

void gc_reason_slug(const char *in, char *out, size_t size)
{
	size_t n = 0;
	bool sep = false;

	for (; *in && n + 1 < size; in++) {
		unsigned char c = (unsigned char)*in;

		if (isalnum(c)) {
			if (sep && n)
				out[n++] = '_';
			if (n + 1 < size)
				out[n++] = (char)tolower(c);
			sep = false;
		} else {
			sep = true;
		}
	}
	out[n] = '\0';
	if (!n)
		snprintf(out, size, "unknown");
}

void gc_stats_init(struct gc_stats *s, uint64_t unit_ns, bool totals_only)
{
	memset(s, 0, sizeof(*s));
	s->unit_ns = unit_ns ? unit_ns : 1000;
	s->totals_only = totals_only;
}

void gc_stats_free(struct gc_stats *s)
{
	free(s->interval_ns);
	free(s->all_ns);
	free(s->cycle_pauses);
	free(s->interval_cycle_pauses);
	s->interval_ns = s->all_ns = s->cycle_pauses = s->interval_cycle_pauses = NULL;
}

static int push(const struct gc_stats *s, uint64_t **arr, size_t *n, size_t *cap, uint64_t v)
{
	if (s->totals_only)
		return 0;
	if (array_reserve(arr, cap, *n + 1, sizeof(**arr), 256))
		return -ENOMEM;
	(*arr)[(*n)++] = v;
	return 0;
}

/* A complete cycle's total pause, into the histograms and the value lists. */
static int count_cycle_pause(struct gc_stats *s, uint64_t pause_ns)
{
	hist_add(&s->total.cycle_pause_hist, pause_ns / s->unit_ns);
	s->total.cycle_pause_sum_ns += pause_ns;
	hist_add(&s->interval.cycle_pause_hist, pause_ns / s->unit_ns);
	s->interval.cycle_pause_sum_ns += pause_ns;
	if (push(s, &s->cycle_pauses, &s->cycle_pauses_n, &s->cycle_pauses_cap, pause_ns) ||
	    push(s, &s->interval_cycle_pauses, &s->interval_cycle_pauses_n, &s->interval_cycle_pauses_cap, pause_ns))
		return -ENOMEM;
	return 0;
}

static struct gc_reason_stats *reason_stats(struct gc_hists *h, const char *name)
{
	for (int i = 0; i < h->nreasons; i++)
		if (strcmp(h->reasons[i].name, name) == 0)
			return &h->reasons[i];
	if (h->nreasons == GC_MAX_REASONS)
		return &h->reasons[GC_MAX_REASONS - 1];	/* overflow lands in the last bucket; never seen in practice */
	snprintf(h->reasons[h->nreasons].name, GC_REASON_NAME_LEN, "%s", name);
	return &h->reasons[h->nreasons++];
}

static void name_reason(const struct stw_event *e, char *out, size_t size)
{
	if (e->kind == STW_KIND_SWEEP_TERM)
		snprintf(out, size, "gc_sweep_termination");
	else if (e->kind == STW_KIND_MARK_TERM)
		snprintf(out, size, "gc_mark_termination");
	else if (e->reason[0])
		gc_reason_slug(e->reason, out, size);
	else
		gc_reason_slug(gc_reason_name(e->go_reason), out, size);
}

/* The cycle a GC pause belongs to: the runtime's count when we have it (memstats.numgc counts completed cycles
 * and is incremented inside the final mark termination), else our own count of sweep terminations. */
static uint64_t cycle_number(struct gc_stats *s, const struct stw_event *e)
{
	if (e->flags & STW_F_HAVE_NUMGC) {
		s->numbering_from_runtime = true;
		return (e->flags & STW_F_CYCLE_END) ? e->numgc : e->numgc + 1;
	}
	if (e->kind == STW_KIND_SWEEP_TERM)
		s->own_cycle_count++;
	return s->own_cycle_count ? s->own_cycle_count : 0;
}

static void start_cycle(struct gc_stats *s, const struct stw_pause *p)
{
	memset(&s->current, 0, sizeof(s->current));
	s->current.pid = p->pid;
	s->current.cycle = p->gc_cycle;
	s->current.start_ns = p->start_ns;
	s->current.complete = p->duration_known;
	s->current.runtime_times = true;
	s->in_cycle = true;
}

/* The runtime's per-cycle total against the probes' pauses: equal to the nanosecond when the layout the probes
 * read through (the worldStop argument, runtime.work, memstats) is the runtime's. */
static void verify_cycle(struct gc_stats *s, const struct stw_event *e)
{
	struct gc_cycle *c = &s->current;

	if (!(e->flags & STW_F_HAVE_CYCLE_PAUSE) || !c->complete || !c->runtime_times)
		return;
	if (c->probes_pause_ns == e->cycle_pause_ns) {
		s->cycles_verified++;
		return;
	}
	if (s->cycles_mismatched++)
		return;
	s->first_mismatch = *c;
	s->first_mismatch.pause_ns = e->cycle_pause_ns;	/* the runtime's; probes_pause_ns keeps the probes' */
}

static int track_cycle(struct gc_stats *s, const struct stw_event *e, const struct stw_pause *p,
		       struct gc_cycle *out)
{
	if (e->kind == STW_KIND_SWEEP_TERM || !s->in_cycle || s->current.cycle != p->gc_cycle) {
		start_cycle(s, p);
		if (e->kind != STW_KIND_SWEEP_TERM)
			s->current.complete = false;	/* tracing began after this cycle's sweep termination */
	}
	s->current.pauses++;
	s->current.pause_ns += p->duration_ns;
	s->current.probes_pause_ns += p->duration_ns;
	if (!(e->flags & STW_F_RUNTIME_TIMES) || !p->duration_known)
		s->current.runtime_times = false;
	if (!(e->flags & STW_F_CYCLE_END))
		return 0;
	verify_cycle(s, e);
	s->current.end_ns = p->end_ns;
	if (e->flags & STW_F_HAVE_CYCLE_START)
		s->current.start_ns = e->cycle_start_ns;
	if (e->flags & STW_F_HAVE_CYCLE_PAUSE)
		s->current.pause_ns = e->cycle_pause_ns;	/* the runtime's own total, by definition PauseNs */
	s->in_cycle = false;
	*out = s->current;
	if (!out->complete && !(e->flags & STW_F_HAVE_CYCLE_START)) {
		s->cycles_partial++;	/* reported, but kept out of the counts and histograms */
		return 1;
	}
	out->complete = true;
	s->cycles++;
	s->interval_cycles++;
	hist_add(&s->total.cycle_hist, (out->end_ns - out->start_ns) / s->unit_ns);
	s->total.cycle_sum_ns += out->end_ns - out->start_ns;
	hist_add(&s->interval.cycle_hist, (out->end_ns - out->start_ns) / s->unit_ns);
	return count_cycle_pause(s, out->pause_ns) ?: 1;
}

static void fill_pause(const struct stw_event *e, struct stw_pause *p)
{
	memset(p, 0, sizeof(*p));
	p->pid = e->pid;
	p->tid = e->tid;
	p->start_ns = e->start_ns;
	p->end_ns = e->end_ns;
	p->runtime_clock = e->flags & STW_F_RUNTIME_TIMES;
	p->duration_known = !(e->flags & STW_F_START_UNKNOWN) && e->end_ns >= e->start_ns && e->start_ns;
	p->duration_ns = p->duration_known ? e->end_ns - e->start_ns : 0;
	name_reason(e, p->reason, sizeof(p->reason));
}

int gc_stats_add(struct gc_stats *s, const struct stw_event *e, struct stw_pause *p, struct gc_cycle *cycle)
{
	int done = 0;

	fill_pause(e, p);
	if (e->kind != STW_KIND_OTHER) {
		p->gc_cycle = cycle_number(s, e);
		done = track_cycle(s, e, p, cycle);
	}
	if (!p->duration_known) {
		s->pauses_unknown++;
		return done;
	}
	s->pauses++;
	s->pause_ns_total += p->duration_ns;
	if (p->duration_ns > s->max_pause_ns)
		s->max_pause_ns = p->duration_ns;
	hist_add(&reason_stats(&s->total, p->reason)->hist, p->duration_ns / s->unit_ns);
	reason_stats(&s->total, p->reason)->sum_ns += p->duration_ns;
	hist_add(&reason_stats(&s->interval, p->reason)->hist, p->duration_ns / s->unit_ns);
	s->interval_pauses++;
	if (push(s, &s->interval_ns, &s->interval_n, &s->interval_cap, p->duration_ns) ||
	    push(s, &s->all_ns, &s->all_n, &s->all_cap, p->duration_ns))
		return -ENOMEM;
	return done;
}

int gc_stats_add_recorded_cycle(struct gc_stats *s, uint32_t pid, uint64_t number, uint64_t pause_ns, uint64_t end_ns,
				struct gc_cycle *cycle)
{
	memset(cycle, 0, sizeof(*cycle));
	cycle->pid = pid;
	cycle->cycle = number;
	cycle->end_ns = end_ns;
	cycle->pause_ns = pause_ns;
	cycle->complete = true;
	cycle->runtime_times = true;
	s->numbering_from_runtime = true;
	s->cycles++;
	s->interval_cycles++;
	return count_cycle_pause(s, pause_ns);
}

void gc_stats_add_throttled(struct gc_stats *s, const struct stw_pause *p)
{
	s->pause_throttled_ns += p->throttled_ns;
	if (p->duration_ns == s->max_pause_ns)
		s->max_pause_throttled_ns = p->throttled_ns;
}

void gc_stats_interval(struct gc_stats *s, struct gc_interval *iv)
{
	uint64_t *cp = s->interval_cycle_pauses;
	size_t ncp = s->interval_cycle_pauses_n;

	memset(iv, 0, sizeof(*iv));
	iv->cycles = s->interval_cycles;
	iv->pauses = s->interval_pauses;
	iv->p50_ns = quantile_exact(s->interval_ns, s->interval_n, 0.50);
	iv->p99_ns = quantile_exact(s->interval_ns, s->interval_n, 0.99);
	iv->max_ns = quantile_exact(s->interval_ns, s->interval_n, 1.0);
	iv->cycle_pause_p50_ns = quantile_exact(cp, ncp, 0.50);
	iv->cycle_pause_p99_ns = quantile_exact(cp, ncp, 0.99);
	iv->cycle_pause_max_ns = quantile_exact(cp, ncp, 1.0);
}

void gc_stats_interval_reset(struct gc_stats *s)
{
	s->interval_n = 0;
	s->interval_pauses = 0;
	s->interval_cycle_pauses_n = 0;
	s->interval_cycles = 0;
	memset(&s->interval, 0, sizeof(s->interval));
}

uint64_t gc_stats_quantile(struct gc_stats *s, double q)
{
	return quantile_exact(s->all_ns, s->all_n, q);
}

uint64_t gc_stats_cycle_pause_quantile(struct gc_stats *s, double q)
{
	return quantile_exact(s->cycle_pauses, s->cycle_pauses_n, q);
}
