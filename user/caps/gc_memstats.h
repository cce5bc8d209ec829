/* SPDX-License-Identifier: GPL-2.0 */
/* GC cycles as the runtime records them, read from the process's memory with no probe: memstats.numgc counts
 * completed cycles, and the 256-entry rings memstats.pause_ns / pause_end keep each cycle's total stopped time
 * (MemStats.PauseNs) and the wall-clock end of its last stop. Reading often enough (a few times a second even for
 * hundreds of cycles a second) gives every cycle's exact pause at a cost that does not grow with the GC rate. */
#ifndef GOTRACE_GC_MEMSTATS_H
#define GOTRACE_GC_MEMSTATS_H

#include <stdbool.h>
#include <stdint.h>

#define GC_MEMSTATS_RING 256	/* len(memstats.pause_ns), fixed since Go 1.0 */

struct gc_memstats_reader {
	int pid;
	uint64_t memstats;		/* runtime address of runtime.memstats */
	int32_t off_numgc, off_pause_ns, off_pause_end;
	uint32_t seen;			/* numgc at the last read: cycles up to it are delivered or counted unread */
};

/* Which new cycles a read may trust. Cycle k (1-based, memstats.numgc after it) is written at slot (k-1) % 256
 * before numgc becomes k, and its slot is reused by cycle k+256. Between reading numgc (`before`) and re-reading
 * it after the rings (`after`), cycles up to after+1 may have written: a cycle's record is intact only when
 * k + 256 > after + 1. Cycles seen+1 .. before are new; the intact ones among them are the `count` from `first`
 * on, the older others `unread`. Unsigned 32-bit arithmetic, as numgc wraps. */
struct gc_memstats_window {
	uint32_t first, count;
	uint32_t unread;
};
void gc_memstats_window(uint32_t seen, uint32_t before, uint32_t after, struct gc_memstats_window *w);

/* One recorded cycle: number, total pause, end of its last stop (CLOCK_REALTIME, as the runtime writes it). */
typedef int (*gc_memstats_cycle_fn)(uint64_t number, uint64_t pause_ns, uint64_t end_unix_ns, void *arg);

/* Starts at the process's current cycle count (earlier cycles were before tracing). 0 or negative errno. */
int gc_memstats_start(struct gc_memstats_reader *r);
/* How many cycles completed since the last read (one 4-byte read of numgc). 0 or negative errno. */
int gc_memstats_pending(const struct gc_memstats_reader *r, uint32_t *pending);
/* Delivers every cycle completed since the last read, oldest first; *unread counts those whose record was
 * overwritten first. One read of numgc when no cycle ended. 0, fn's non-zero result, or negative errno (the
 * process is gone). */
int gc_memstats_read(struct gc_memstats_reader *r, gc_memstats_cycle_fn fn, void *arg, uint64_t *unread);

#endif
