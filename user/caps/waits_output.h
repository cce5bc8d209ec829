/* SPDX-License-Identifier: GPL-2.0 */
/* How futex and epoll waits are shown: the figures of an interval or of a whole trace, the netpoller's verdict,
 * the text view and the "futex"/"epoll" JSON members (schema in docs/waits.md). Pure C, unit-tested. */
#ifndef GOTRACE_WAITS_OUTPUT_H
#define GOTRACE_WAITS_OUTPUT_H

#include <stdint.h>
#include <linux/types.h>

#include "lib/hist.h"
#include "lib/json.h"
#include "tracer/output.h"
#include "caps/wait_path.h"
#include "bpf/waits.h"

struct wait_path_totals {
	uint64_t waits, wait_ns, timeouts;
};

/* What one interval, or the whole trace, saw: per kind (waits.h) the time histogram (display unit, sum in ns)
 * and the return counters; futex waits per path; the length of the window. */
struct waits_view {
	struct hist hist[WAITS_KINDS];
	struct wait_stats stats[WAITS_KINDS];
	struct wait_path_totals paths[WAIT_PATHS];
	uint64_t window_ns;
};

struct futex_figures {
	uint64_t calls, waits, wait_ns, woken, timeouts, again, interrupted, errors;	/* waits: sleeping commands */
	uint64_t wakes, threads_woken, woke_none;					/* every other command */
};

struct epoll_figures {
	uint64_t calls, blocking, polls;	/* blocking: a timeout other than 0; polls: timeout 0 */
	uint64_t blocked_ns, events, with_events, timeouts, empty_polls, interrupted, errors;
	uint64_t per_syscall[WAITS_EPOLL_SYSCALLS];
	struct hist blocked;			/* blocking calls, display unit */
	struct hist events_per_call;		/* every call, in events (slot 0: none) */
};

void waits_futex_figures(const struct waits_view *v, struct futex_figures *f);
void waits_epoll_figures(const struct waits_view *v, struct epoll_figures *f);

/* How the netpoller's waits relate to load. *blocked_share: time blocked in epoll over the window (the runtime
 * lets one thread at a time block there). "idle": blocked at least half the time, the process waits for the
 * network with capacity to spare; "busy": blocked under 10% and the polls find ready connections, requests
 * queue for CPU; "mixed" in between; "unused": no epoll call. */
const char *waits_netpoll_verdict(const struct epoll_figures *f, uint64_t window_ns, double *blocked_share);

/* Text: the interval's futex and epoll lines, histograms and netpoller line; the summary's "Waits:" line. */
void waits_print_interval(const struct output_opts *o, const struct waits_view *v);
void waits_print_summary(const struct output_opts *o, const struct waits_view *v);

/* Adds the "futex" and "epoll" members to parent; futex_extra (may be NULL) adds members to the futex object
 * (the summary's top stacks). attach: "tracepoint" or "tp_btf". */
void waits_json(struct json_obj *parent, const struct output_opts *o, const char *attach, const struct waits_view *v,
		void (*futex_extra)(struct json_obj *futex, void *arg), void *arg);

#endif
