/* SPDX-License-Identifier: GPL-2.0 */
/* Throttled intervals of a traced process (CFS bandwidth control held at least one of its runnable threads),
 * and how much of any other interval they cover. Pure C, unit-tested. */
#ifndef GOTRACE_THROTTLE_H
#define GOTRACE_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct throttle_interval {
	uint64_t start_ns, end_ns;	/* end_ns == 0: still throttled */
};

struct throttle_timeline {
	struct throttle_interval *iv;
	size_t n, cap;
	uint64_t total_ns;		/* closed intervals only */
};

void throttle_init(struct throttle_timeline *t);
void throttle_free(struct throttle_timeline *t);
/* Intervals arrive in start order; an open one (end 0) is closed by throttle_close. 0 or -ENOMEM. */
int throttle_open(struct throttle_timeline *t, uint64_t start_ns);
void throttle_close(struct throttle_timeline *t, uint64_t end_ns);
int throttle_add(struct throttle_timeline *t, uint64_t start_ns, uint64_t end_ns);
/* Nanoseconds of [start, end) covered by throttled intervals; an open interval counts up to `end`. */
uint64_t throttle_overlap(const struct throttle_timeline *t, uint64_t start_ns, uint64_t end_ns);
/* Forgets intervals that ended before `before_ns` (keeps memory bounded on long traces); keeps total_ns. */
void throttle_forget(struct throttle_timeline *t, uint64_t before_ns);

#endif
