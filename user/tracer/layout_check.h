/* SPDX-License-Identifier: GPL-2.0 */
/* Live verification of a derived runtime layout: reads the traced process's memory through the derived offsets and
 * checks what the runtime guarantees about it. A layout from the binary's DWARF and one from gotrace's table for a
 * newer release get the same checks; a view runs on a layout that failed none of them. */
#ifndef GOTRACE_LAYOUT_CHECK_H
#define GOTRACE_LAYOUT_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "gobin/go_offsets.h"

/* runtime.memstats at runtime address addr: the last cycle's pause_end equals last_gc_unix, pause_total_ns is the
 * sum of pause_ns while fewer than 256 cycles ran, and the times are plausible. 0 verified; -EAGAIN no GC cycle
 * yet (nothing to compare); -EBADMSG inconsistent (why names the fact); -ENOENT fields unknown; -errno reading. */
int layout_check_memstats(int pid, uint64_t addr, const struct go_offsets *o, char *why, size_t why_size);

/* The counts of a timeHistogram just read: each plausible for a live process. 0, or -EBADMSG with why. */
int layout_check_timehist(const uint64_t *counts, int n, char *why, size_t why_size);

/* A later read of the same timeHistogram (the runtime only ever adds to it): no count below its earlier value.
 * 0, or -EBADMSG with why naming the bucket that shrank. */
int layout_check_timehist_grew(const uint64_t *before, const uint64_t *now, int n, char *why, size_t why_size);

#endif
