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
/* For a reader polled often (every poll_ns) that reads the record itself less often: whether the record is due now,
 * given the cycles pending now and at the previous poll (0 just after a read) and the time since the last read. Due
 * when a quarter of the ring waits (the rest is the margin for cycles that end before the next poll), when a poll
 * found no new cycle (the program stopped collecting, and may be about to exit: its last cycles are read within two
 * polls, not a second later), or when a cycle has waited max_wait_ns. Never with nothing pending. */
bool gc_memstats_read_due(uint32_t pending, uint32_t pending_before, uint64_t since_read_ns, uint64_t max_wait_ns);
/* Delivers every cycle completed since the last read, oldest first; *unread counts those whose record was
 * overwritten first. One read of numgc when no cycle ended. 0, fn's non-zero result, or negative errno (the
 * process is gone). */
int gc_memstats_read(struct gc_memstats_reader *r, gc_memstats_cycle_fn fn, void *arg, uint64_t *unread);

#endif
