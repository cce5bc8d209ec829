// SPDX-License-Identifier: GPL-2.0
/* Reading the runtime's per-cycle GC record (gc_memstats.h). */
#include <errno.h>
#include <string.h>

#include "caps/gc_memstats.h"
#include "sys/proc.h"

void gc_memstats_window(uint32_t seen, uint32_t before, uint32_t after, struct gc_memstats_window *w)
{
	uint32_t fresh = before - seen;			/* new cycles: seen+1 .. before */
	uint32_t overrun = after - before;		/* cycles that ended while the rings were read */
	uint32_t intact = GC_MEMSTATS_RING - 1;	/* records safe from the cycle that may be writing now */

	intact = overrun >= intact ? 0 : intact - overrun;
	w->count = fresh < intact ? fresh : intact;
	w->unread = fresh - w->count;
	w->first = seen + 1 + w->unread;
}

bool gc_memstats_read_due(uint32_t pending, uint32_t pending_before, uint64_t since_read_ns, uint64_t max_wait_ns)
{
	if (!pending)
		return false;
	return pending >= GC_MEMSTATS_RING / 4 || pending == pending_before || since_read_ns >= max_wait_ns;
}

static int read_numgc(const struct gc_memstats_reader *r, uint32_t *numgc)
{
	return proc_read_mem(r->pid, r->memstats + (uint64_t)r->off_numgc, numgc, sizeof(*numgc));
}

int gc_memstats_start(struct gc_memstats_reader *r)
{
	return read_numgc(r, &r->seen);
}

int gc_memstats_pending(const struct gc_memstats_reader *r, uint32_t *pending)
{
	uint32_t numgc;
	int err = read_numgc(r, &numgc);

	*pending = err ? 0 : numgc - r->seen;
	return err;
}

static int read_rings(const struct gc_memstats_reader *r, uint64_t *pause_ns, uint64_t *pause_end)
{
	size_t ring = GC_MEMSTATS_RING * sizeof(uint64_t);

	return proc_read_mem(r->pid, r->memstats + (uint64_t)r->off_pause_ns, pause_ns, ring) ?:
	       proc_read_mem(r->pid, r->memstats + (uint64_t)r->off_pause_end, pause_end, ring);
}

int gc_memstats_read(struct gc_memstats_reader *r, gc_memstats_cycle_fn fn, void *arg, uint64_t *unread)
{
	uint64_t pause_ns[GC_MEMSTATS_RING], pause_end[GC_MEMSTATS_RING];
	struct gc_memstats_window w;
	uint32_t before, after;
	int err;

	if ((err = read_numgc(r, &before)) || before == r->seen)
		return err;
	if ((err = read_rings(r, pause_ns, pause_end)) || (err = read_numgc(r, &after)))
		return err;
	gc_memstats_window(r->seen, before, after, &w);
	r->seen = before;
	*unread += w.unread;
	for (uint32_t i = 0; i < w.count; i++) {
		uint32_t k = w.first + i, slot = (k - 1) % GC_MEMSTATS_RING;

		if ((err = fn(k, pause_ns[slot], pause_end[slot], arg)))
			return err;
	}
	return 0;
}
