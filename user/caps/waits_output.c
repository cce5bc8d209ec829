// SPDX-License-Identifier: GPL-2.0
/* Figures, verdict, text and JSON of futex and epoll waits, from the counts of an interval or a whole trace. */
#include <stdbool.h>
#include <string.h>

#include "lib/duration.h"
#include "caps/waits_output.h"

void waits_futex_figures(const struct waits_view *v, struct futex_figures *f)
{
	memset(f, 0, sizeof(*f));
	for (unsigned int k = 0; k < WAITS_KIND_EPOLL_BASE; k++) {
		const struct wait_stats *s = &v->stats[k];

		f->calls += v->hist[k].count;
		f->errors += s->errors;
		if (wait_kind_is_futex_wait(k)) {
			f->waits += v->hist[k].count;
			f->wait_ns += v->hist[k].sum;
			f->woken += s->ret_zero;
			f->timeouts += s->timeouts;
			f->again += s->again;
			f->interrupted += s->interrupted;
		} else {
			f->wakes += v->hist[k].count;
			f->threads_woken += s->ret_sum;
			f->woke_none += s->ret_zero;
		}
	}
}

void waits_epoll_figures(const struct waits_view *v, struct epoll_figures *f)
{
	uint64_t slots[WAITS_RET_SLOTS] = { 0 };

	memset(f, 0, sizeof(*f));
	for (unsigned int k = WAITS_KIND_EPOLL_BASE; k < WAITS_KINDS; k++) {
		const struct wait_stats *s = &v->stats[k];
		bool blocks = wait_kind_can_block(k);

		f->calls += v->hist[k].count;
		f->per_syscall[wait_kind_epoll_syscall(k)] += v->hist[k].count;
		*(blocks ? &f->blocking : &f->polls) += v->hist[k].count;
		f->blocked_ns += v->hist[k].sum;
		f->events += s->ret_sum;
		*(blocks ? &f->timeouts : &f->empty_polls) += s->ret_zero;
		f->interrupted += s->interrupted;
		f->errors += s->errors + s->timeouts + s->again;	/* epoll has no ETIMEDOUT or EAGAIN of its own */
		slots[0] += s->ret_zero;
		for (int i = 1; i < WAITS_RET_SLOTS; i++) {
			slots[i] += s->ret_slots[i];
			f->with_events += s->ret_slots[i];
		}
		if (blocks)
			hist_merge(&f->blocked, &v->hist[k]);
	}
	hist_from_slots(&f->events_per_call, slots, WAITS_RET_SLOTS);
}

const char *waits_netpoll_verdict(const struct epoll_figures *f, uint64_t window_ns, double *blocked_share)
{
	*blocked_share = window_ns ? (double)f->blocked_ns / (double)window_ns : 0;
	if (!f->calls)
		return "unused";
	if (*blocked_share >= 0.5)
		return "idle";
	if (*blocked_share < 0.1 && f->with_events)
		return "busy";
	return "mixed";
}

static const char *verdict_text(const char *verdict)
{
	if (!strcmp(verdict, "idle"))
		return "mostly waiting for the network: spare capacity, latency is not made by waiting here";
	if (!strcmp(verdict, "busy"))
		return "rarely blocks, connections are ready whenever it polls: busy, requests queue for CPU";
	if (!strcmp(verdict, "mixed"))
		return "partly idle";
	return "not used";
}

/* ---- text ---- */

static const char *unit_label(const struct output_opts *o)
{
	return o->millis ? "msecs" : "usecs";
}

static void print_futex_paths(FILE *out, const struct waits_view *v)
{
	char a[32];
	bool first = true;

	for (int p = 0; p < WAIT_PATHS; p++) {
		if (!v->paths[p].waits)
			continue;
		fprintf(out, "%s %s %llu (%s", first ? "  waits by path:" : ",", wait_path_label(p),
			(unsigned long long)v->paths[p].waits, format_duration_human(v->paths[p].wait_ns, a, sizeof(a)));
		if (v->paths[p].timeouts)
			fprintf(out, ", %llu timed out", (unsigned long long)v->paths[p].timeouts);
		fputc(')', out);
		first = false;
	}
	if (!first)
		fputc('\n', out);
}

static void print_futex(const struct output_opts *o, const struct waits_view *v)
{
	struct futex_figures f;
	char a[32], kind[48];

	waits_futex_figures(v, &f);
	fprintf(o->out, "futex: %llu calls: %llu waits %s (%llu woken, %llu timed out, %llu EAGAIN, %llu interrupted), "
			"%llu wakes woke %llu threads\n",
		(unsigned long long)f.calls, (unsigned long long)f.waits, format_duration_human(f.wait_ns, a, sizeof(a)),
		(unsigned long long)f.woken, (unsigned long long)f.timeouts, (unsigned long long)f.again,
		(unsigned long long)f.interrupted, (unsigned long long)f.wakes, (unsigned long long)f.threads_woken);
	print_futex_paths(o->out, v);
	for (unsigned int k = 0; k < WAITS_KIND_EPOLL_BASE; k++) {
		if (!wait_kind_is_futex_wait(k) || !v->hist[k].count)
			continue;
		fprintf(o->out, "\nfutex wait time, %s\n", wait_kind_name(k, kind, sizeof(kind)));
		hist_print(o->out, &v->hist[k], unit_label(o));
	}
}

/* One line: the 0-or-1 first row of hist_print would hide the calls that returned nothing. */
static void print_events_per_call(FILE *out, const struct hist *h)
{
	if (!h->count)
		return;
	fprintf(out, "events per call:");
	for (int i = 0; i < HIST_SLOTS; i++) {
		uint64_t lo = i ? 1ull << (i - 1) : 0, hi = i ? (1ull << i) - 1 : 0;

		if (!h->slots[i])
			continue;
		if (lo == hi)
			fprintf(out, " %llu: %llu", (unsigned long long)lo, (unsigned long long)h->slots[i]);
		else
			fprintf(out, " %llu-%llu: %llu", (unsigned long long)lo, (unsigned long long)hi,
				(unsigned long long)h->slots[i]);
	}
	fputc('\n', out);
}

static void print_epoll(const struct output_opts *o, const struct waits_view *v)
{
	struct epoll_figures f;
	double share;
	const char *verdict;
	char a[32], b[32];

	waits_epoll_figures(v, &f);
	verdict = waits_netpoll_verdict(&f, v->window_ns, &share);
	fprintf(o->out, "\nepoll: %llu calls (%llu could block, %llu polls), blocked %s, %llu events (%.1f per call "
			"that returned any), %llu timed out, %llu polls found nothing\n",
		(unsigned long long)f.calls, (unsigned long long)f.blocking, (unsigned long long)f.polls,
		format_duration_human(f.blocked_ns, a, sizeof(a)), (unsigned long long)f.events,
		f.with_events ? (double)f.events / (double)f.with_events : 0.0, (unsigned long long)f.timeouts,
		(unsigned long long)f.empty_polls);
	if (f.blocked.count) {
		fprintf(o->out, "\nepoll blocked time (calls that could block)\n");
		hist_print(o->out, &f.blocked, unit_label(o));
	}
	print_events_per_call(o->out, &f.events_per_call);
	fprintf(o->out, "netpoller: blocked %.1f%% of the time", share * 100);
	if (f.blocked.count)
		fprintf(o->out, ", p99 wait < %s",
			format_duration_human(hist_quantile_bound(&f.blocked, 0.99) * (o->millis ? 1000000 : 1000), b,
					      sizeof(b)));
	fprintf(o->out, ": %s\n", verdict_text(verdict));
}

void waits_print_summary(const struct output_opts *o, const struct waits_view *v)
{
	struct futex_figures f;
	struct epoll_figures e;
	double share;
	char a[32], b[32];

	waits_futex_figures(v, &f);
	waits_epoll_figures(v, &e);
	fprintf(o->out, "Waits: futex %llu calls, %llu waits %s (%llu timed out); epoll %llu calls, blocked %s, "
			"netpoller %s\n",
		(unsigned long long)f.calls, (unsigned long long)f.waits, format_duration_human(f.wait_ns, a, sizeof(a)),
		(unsigned long long)f.timeouts, (unsigned long long)e.calls, format_duration_human(e.blocked_ns, b, sizeof(b)),
		waits_netpoll_verdict(&e, v->window_ns, &share));
}

/* ---- JSON ---- */

static void json_stats(struct json_obj *j, const struct wait_stats *s)
{
	json_kv_u64(j, "ret_zero", s->ret_zero);
	json_kv_u64(j, "ret_sum", s->ret_sum);
	json_kv_u64(j, "timeouts", s->timeouts);
	json_kv_u64(j, "again", s->again);
	json_kv_u64(j, "interrupted", s->interrupted);
	json_kv_u64(j, "errors", s->errors);
}

static void json_ops(const struct waits_view *v, FILE *out, unsigned int from, unsigned int to)
{
	bool first = true;
	char kind[48];

	fputc('[', out);
	for (unsigned int k = from; k < to; k++) {
		struct json_obj j;

		if (!v->hist[k].count)
			continue;
		fputs(first ? "" : ",", out);
		first = false;
		json_begin(&j, out);
		json_kv_str(&j, "op", wait_kind_name(k, kind, sizeof(kind)));
		json_kv_u64(&j, "calls", v->hist[k].count);
		json_kv_u64(&j, "ns", v->hist[k].sum);
		json_stats(&j, &v->stats[k]);
		json_key(&j, "hist");
		hist_print_json(out, &v->hist[k]);
		json_end(&j);
	}
	fputc(']', out);
}

static void json_paths(const struct waits_view *v, struct json_obj *parent)
{
	struct json_obj j;

	json_key(parent, "paths");
	json_begin(&j, parent->out);
	for (int p = 0; p < WAIT_PATHS; p++) {
		struct json_obj one;

		json_key(&j, wait_path_name(p));
		json_begin(&one, parent->out);
		json_kv_u64(&one, "waits", v->paths[p].waits);
		json_kv_u64(&one, "wait_ns", v->paths[p].wait_ns);
		json_kv_u64(&one, "timeouts", v->paths[p].timeouts);
		json_end(&one);
	}
	json_end(&j);
}

static void json_futex(struct json_obj *parent, const struct output_opts *o, const char *attach,
		       const struct waits_view *v, void (*extra)(struct json_obj *futex, void *arg), void *arg)
{
	FILE *out = parent->out;
	struct futex_figures f;
	struct json_obj j;

	waits_futex_figures(v, &f);
	json_key(parent, "futex");
	json_begin(&j, out);
	json_kv_str(&j, "attach", attach);
	json_kv_str(&j, "unit", o->millis ? "ms" : "us");
	json_kv_u64(&j, "calls", f.calls);
	json_kv_u64(&j, "waits", f.waits);
	json_kv_u64(&j, "wait_ns", f.wait_ns);
	json_kv_u64(&j, "woken", f.woken);
	json_kv_u64(&j, "timeouts", f.timeouts);
	json_kv_u64(&j, "again", f.again);
	json_kv_u64(&j, "interrupted", f.interrupted);
	json_kv_u64(&j, "errors", f.errors);
	json_kv_u64(&j, "wakes", f.wakes);
	json_kv_u64(&j, "threads_woken", f.threads_woken);
	json_kv_u64(&j, "wakes_woke_none", f.woke_none);
	json_key(&j, "ops");
	json_ops(v, out, 0, WAITS_KIND_EPOLL_BASE);
	json_paths(v, &j);
	if (extra)
		extra(&j, arg);
	json_end(&j);
}

static void json_epoll(struct json_obj *parent, const struct output_opts *o, const char *attach,
		       const struct waits_view *v)
{
	FILE *out = parent->out;
	struct epoll_figures f;
	struct json_obj j, per;
	double share;
	const char *verdict;

	waits_epoll_figures(v, &f);
	verdict = waits_netpoll_verdict(&f, v->window_ns, &share);
	json_key(parent, "epoll");
	json_begin(&j, out);
	json_kv_str(&j, "attach", attach);
	json_kv_str(&j, "unit", o->millis ? "ms" : "us");
	json_kv_u64(&j, "calls", f.calls);
	json_kv_u64(&j, "blocked_ns", f.blocked_ns);
	json_kv_u64(&j, "blocking_calls", f.blocking);
	json_kv_u64(&j, "polls", f.polls);
	json_kv_u64(&j, "events", f.events);
	json_kv_u64(&j, "calls_with_events", f.with_events);
	json_kv_u64(&j, "timeouts", f.timeouts);
	json_kv_u64(&j, "empty_polls", f.empty_polls);
	json_kv_u64(&j, "interrupted", f.interrupted);
	json_kv_u64(&j, "errors", f.errors);
	json_key(&j, "syscalls");
	json_begin(&per, out);
	for (int s = 0; s < WAITS_EPOLL_SYSCALLS; s++)
		json_kv_u64(&per, wait_epoll_syscall_name(s), f.per_syscall[s]);
	json_end(&per);
	json_kv_u64(&j, "window_ns", v->window_ns);
	json_kv_double(&j, "blocked_share", share);
	json_kv_str(&j, "netpoller", verdict);
	json_key(&j, "hist");
	hist_print_json(out, &f.blocked);
	json_key(&j, "events_hist");
	hist_print_json(out, &f.events_per_call);
	json_key(&j, "ops");
	json_ops(v, out, WAITS_KIND_EPOLL_BASE, WAITS_KINDS);
	json_end(&j);
}

void waits_print_interval(const struct output_opts *o, const struct waits_view *v)
{
	fputc('\n', o->out);
	print_futex(o, v);
	print_epoll(o, v);
}

void waits_json(struct json_obj *parent, const struct output_opts *o, const char *attach, const struct waits_view *v,
		void (*futex_extra)(struct json_obj *futex, void *arg), void *arg)
{
	json_futex(parent, o, attach, v, futex_extra, arg);
	json_epoll(parent, o, attach, v);
}
