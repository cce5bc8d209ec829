// SPDX-License-Identifier: GPL-2.0
/* Interval bookkeeping: sorted, non-overlapping intervals (the BPF side reports the process as throttled from
 * its first throttled thread to its last), so an overlap query is a binary search and a short walk. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "tracer/throttle.h"

void throttle_init(struct throttle_timeline *t)
{
	memset(t, 0, sizeof(*t));
}

void throttle_free(struct throttle_timeline *t)
{
	free(t->iv);
	memset(t, 0, sizeof(*t));
}

int throttle_open(struct throttle_timeline *t, uint64_t start_ns)
{
	if (t->n && t->iv[t->n - 1].end_ns == 0)
		return 0;	/* already open */
	if (array_reserve(&t->iv, &t->cap, t->n + 1, sizeof(*t->iv), 64))
		return -ENOMEM;
	t->iv[t->n++] = (struct throttle_interval){ start_ns, 0 };
	return 0;
}

void throttle_close(struct throttle_timeline *t, uint64_t end_ns)
{
	struct throttle_interval *last = t->n ? &t->iv[t->n - 1] : NULL;

	if (!last || last->end_ns || end_ns < last->start_ns)
		return;
	last->end_ns = end_ns;
	t->total_ns += end_ns - last->start_ns;
}

int throttle_add(struct throttle_timeline *t, uint64_t start_ns, uint64_t end_ns)
{
	int err = throttle_open(t, start_ns);

	if (!err)
		throttle_close(t, end_ns);
	return err;
}

/* First interval that ends after start (open intervals end at infinity). */
static size_t first_ending_after(const struct throttle_timeline *t, uint64_t start)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t end = t->iv[mid].end_ns ? t->iv[mid].end_ns : UINT64_MAX;

		if (end <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t throttle_overlap(const struct throttle_timeline *t, uint64_t start, uint64_t end)
{
	uint64_t sum = 0;

	for (size_t i = first_ending_after(t, start); i < t->n && t->iv[i].start_ns < end; i++) {
		uint64_t s = t->iv[i].start_ns > start ? t->iv[i].start_ns : start;
		uint64_t e = t->iv[i].end_ns && t->iv[i].end_ns < end ? t->iv[i].end_ns : end;

		if (e > s)
			sum += e - s;
	}
	return sum;
}

void throttle_forget(struct throttle_timeline *t, uint64_t before_ns)
{
	size_t keep = first_ending_after(t, before_ns);

	if (!keep)
		return;
	memmove(t->iv, t->iv + keep, (t->n - keep) * sizeof(*t->iv));
	t->n -= keep;
}
