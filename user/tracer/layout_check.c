// SPDX-License-Identifier: GPL-2.0
/* Live checks of the runtime layout (see layout_check.h). The runtime's own bookkeeping makes them exact: in
 * gcMarkTermination it stores the same unix time into memstats.pause_end[numgc % 256] and last_gc_unix, adds the
 * cycle's pause to pause_ns[numgc % 256] and to pause_total_ns, then increments numgc. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sys/proc.h"
#include "tracer/layout_check.h"

#define NPAUSE 256
#define MAX_PLAUSIBLE_PAUSE_NS (100ull * 1000000000)	/* 100 s: longer is not a stop-the-world pause */
#define MAX_PLAUSIBLE_COUNT (1ull << 48)		/* dispatches a process could have recorded */
#define READ_TRIES 3

struct memstats_view {
	uint32_t numgc;
	uint64_t last_gc_unix, pause_total_ns;
	uint64_t pause_ns[NPAUSE], pause_end[NPAUSE];
};

static int read_field(int pid, uint64_t addr, int32_t off, void *out, size_t size)
{
	return proc_read_mem(pid, addr + (uint64_t)off, out, size);
}

static int read_view(int pid, uint64_t addr, const struct go_offsets *o, struct memstats_view *v)
{
	int err = read_field(pid, addr, o->memstats_numgc, &v->numgc, sizeof(v->numgc));

	err = err ?: read_field(pid, addr, o->memstats_last_gc_unix, &v->last_gc_unix, sizeof(v->last_gc_unix));
	err = err ?: read_field(pid, addr, o->memstats_pause_total_ns, &v->pause_total_ns, sizeof(v->pause_total_ns));
	err = err ?: read_field(pid, addr, o->memstats_pause_ns, v->pause_ns, sizeof(v->pause_ns));
	return err ?: read_field(pid, addr, o->memstats_pause_end, v->pause_end, sizeof(v->pause_end));
}

/* A view taken while no cycle ended: numgc the same before and after the arrays were read. */
static int read_stable_view(int pid, uint64_t addr, const struct go_offsets *o, struct memstats_view *v)
{
	for (int i = 0; i < READ_TRIES; i++) {
		uint32_t after;
		int err = read_view(pid, addr, o, v);

		err = err ?: read_field(pid, addr, o->memstats_numgc, &after, sizeof(after));
		if (err)
			return err;
		if (after == v->numgc)
			return 0;
	}
	return -EAGAIN;
}

static uint64_t unix_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static int check_view(const struct memstats_view *v, char *why, size_t why_size)
{
	uint32_t last = (v->numgc - 1) % NPAUSE;
	uint64_t now = unix_now_ns(), sum = 0;

	if (v->pause_end[last] != v->last_gc_unix) {
		snprintf(why, why_size, "memstats.pause_end[%u] is %llu but memstats.last_gc_unix is %llu (numgc %u)", last,
			 (unsigned long long)v->pause_end[last], (unsigned long long)v->last_gc_unix, v->numgc);
		return -EBADMSG;
	}
	if (v->last_gc_unix > now + 60 * 1000000000ull || v->last_gc_unix < 946684800ull * 1000000000) {
		snprintf(why, why_size, "memstats.last_gc_unix %llu is not a time of this century",
			 (unsigned long long)v->last_gc_unix);
		return -EBADMSG;
	}
	if (v->pause_ns[last] > MAX_PLAUSIBLE_PAUSE_NS) {
		snprintf(why, why_size, "memstats.pause_ns[%u] is %llu ns", last, (unsigned long long)v->pause_ns[last]);
		return -EBADMSG;
	}
	for (uint32_t i = 0; v->numgc <= NPAUSE && i < v->numgc; i++)
		sum += v->pause_ns[i];
	if (v->numgc <= NPAUSE && sum != v->pause_total_ns) {
		snprintf(why, why_size, "memstats.pause_total_ns is %llu but the %u cycles' pause_ns add up to %llu",
			 (unsigned long long)v->pause_total_ns, v->numgc, (unsigned long long)sum);
		return -EBADMSG;
	}
	return 0;
}

int layout_check_memstats(int pid, uint64_t addr, const struct go_offsets *o, char *why, size_t why_size)
{
	struct memstats_view *v;
	int err;

	if (o->memstats_numgc < 0 || o->memstats_last_gc_unix < 0 || o->memstats_pause_total_ns < 0 ||
	    o->memstats_pause_ns < 0 || o->memstats_pause_end < 0)
		return -ENOENT;
	v = malloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	err = read_stable_view(pid, addr, o, v);
	if (!err && v->numgc == 0)
		err = -EAGAIN;
	if (!err)
		err = check_view(v, why, why_size);
	free(v);
	return err;
}

int layout_check_timehist(const uint64_t *counts, int n, char *why, size_t why_size)
{
	for (int i = 0; i < n; i++) {
		if (counts[i] < MAX_PLAUSIBLE_COUNT)
			continue;
		snprintf(why, why_size, "timeHistogram.counts[%d] is %llu, more dispatches than a process makes", i,
			 (unsigned long long)counts[i]);
		return -EBADMSG;
	}
	return 0;
}

int layout_check_timehist_grew(const uint64_t *before, const uint64_t *now, int n, char *why, size_t why_size)
{
	for (int i = 0; i < n; i++) {
		if (now[i] >= before[i])
			continue;
		snprintf(why, why_size, "bucket %d went from %llu to %llu", i, (unsigned long long)before[i],
			 (unsigned long long)now[i]);
		return -EBADMSG;
	}
	return 0;
}
