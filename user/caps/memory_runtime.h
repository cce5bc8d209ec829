/* SPDX-License-Identifier: GPL-2.0 */
/* The Go runtime's own memory accounting, read from the process's memory with no probe: the pacer
 * (runtime.gcController: GOGC, GOMEMLIMIT, the live heap and its goal, mapped memory) and runtime.memstats (GC
 * cycles, the GC's CPU share), through the derived runtime layout and checked live before use. */
#ifndef GOTRACE_MEMORY_RUNTIME_H
#define GOTRACE_MEMORY_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tracer/runtime_layout.h"
#include "tracer/target.h"

/* Where the figures are in one process. */
struct go_memory_layout {
	int pid;
	uint64_t pacer;			/* runtime address of runtime.gcController; 0: the pacer view is off */
	uint64_t memstats;		/* runtime address of runtime.memstats; 0: off */
	int32_t off_gc_percent, off_memory_limit, off_heap_marked, off_heap_live, off_heap_goal, off_mapped_ready;
	int32_t off_numgc, off_numforcedgc, off_gc_cpu_fraction, off_last_gc_nanotime;	/* -1: that fact is unknown */
	bool pacer_from_table;		/* offsets from gotrace's table, not the binary's DWARF */
	const char *pacer_source;	/* how runtime.gcController was found: "symbol table",
					 * "derived from machine code" */
	char pacer_off[256];		/* why the pacer view is off, "" when on */
	char memstats_off[256];
};

/* One reading. */
struct go_memory {
	bool have_pacer;
	int32_t gogc;			/* -1: GOGC=off */
	int64_t memory_limit;		/* bytes; INT64_MAX: GOMEMLIMIT unset */
	uint64_t heap_marked;		/* live heap after the last GC (/gc/heap/live:bytes) */
	uint64_t heap_live;		/* bytes in spans in use now, marked or not yet swept */
	uint64_t heap_goal;		/* the GOGC goal (gcPercentHeapGoal); UINT64_MAX with GOGC=off */
	uint64_t mapped_ready;		/* memory the runtime has mapped and ready */
	bool have_memstats;
	uint32_t numgc, numforcedgc;
	bool have_cpu_fraction;
	double gc_cpu_fraction;		/* 0..1, since the program started, as of the last cycle's end */
	uint64_t last_gc_ns;		/* CLOCK_MONOTONIC at the last cycle's end (0: none yet); with the fraction */
};

/* Derives the layout and checks it against the live process (pacer: gcPercent -1 or more, memoryLimit 0 or
 * more, heapMarked <= mappedReady, a goal not below the marked heap; with offsets from the table, GOGC and
 * GOMEMLIMIT from /proc/PID/environ when set there; memstats: gc_cpu_fraction within 0..1). A view that fails
 * is off with the failed fact in pacer_off / memstats_off. 0 when at least one view is on, else -ENOTSUP. */
int go_memory_attach(const struct target *t, struct go_memory_layout *ml);
/* The layout alone, as derived from the binary, before any live check (gotrace info of a file). 0 when at least
 * one view has what it needs, else -ENOTSUP. */
int go_memory_layout_derive(const struct target *t, const struct runtime_layout *rl, struct go_memory_layout *ml);
/* go_memory_attach's live checks of a derived layout (gotrace info -p, which has resolved the layout already). */
void go_memory_verify(struct go_memory_layout *ml);

/* Reads every fact of the views that are on. 0, or a negative errno (the process exited). */
int go_memory_read(const struct go_memory_layout *ml, struct go_memory *m);

/* GOMEMLIMIT's syntax: bytes with an optional B, KiB, MiB, GiB or TiB suffix, or "off" (INT64_MAX). 0 or
 * -EINVAL. */
int go_memory_parse_limit(const char *s, int64_t *bytes);
/* GOGC's: a number, or "off" (-1). 0 or -EINVAL. */
int go_memory_parse_gogc(const char *s, int32_t *gogc);

#endif
