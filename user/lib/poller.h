/* SPDX-License-Identifier: GPL-2.0 */
/* The processes a capability reads from user space on a timer of its own (the runtime's memory, /proc files):
 * one timer per capability, started with its first process; each tick visits every process in the set. */
#ifndef GOTRACE_POLLER_H
#define GOTRACE_POLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/event_loop.h"

typedef void (*poller_visit_fn)(void *ctx, void *item);

struct poller {
	struct event_loop *loop;
	uint64_t period_ns;
	poller_visit_fn visit;
	void *ctx;
	void **items;		/* per-process states, in no order */
	size_t n, cap;
	bool started;
};

void poller_init(struct poller *p, struct event_loop *loop, uint64_t period_ns, poller_visit_fn visit, void *ctx);
/* Adds item (and starts the timer with the first). 0, -ENOMEM, or the loop's error adding a timer (the item is not
 * added then). */
int poller_add(struct poller *p, void *item);
void poller_remove(struct poller *p, void *item);
/* Visits every item now (e.g. a last read before the summary). */
void poller_visit_all(struct poller *p);
void poller_free(struct poller *p);

#endif
