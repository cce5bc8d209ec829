/* SPDX-License-Identifier: GPL-2.0 */
/* Turns raw stop-the-world events into pauses and GC cycles, and keeps the histograms and interval figures
 * that gotrace prints. Pure C: no BPF, no I/O, unit-tested on event sequences. */
#ifndef GOTRACE_GC_STATS_H
#define GOTRACE_GC_STATS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdint.h>

#include "bpf/gc.h"
#include "lib/hist.h"

#define GC_MAX_REASONS 24
#define GC_REASON_NAME_LEN 48

struct stw_pause {
	uint32_t pid, tid;
	uint64_t start_ns, end_ns, duration_ns;	/* CLOCK_MONOTONIC */
	char reason[GC_REASON_NAME_LEN];	/* "gc_sweep_termination", "gc_mark_termination", "read_mem_stats", ... */
	uint64_t gc_cycle;			/* the runtime's cycle number (or our count from 1); 0: not a GC stop */
	bool runtime_clock;			/* both ends are the runtime's own timestamps */
	bool duration_known;			/* false when the stop began before tracing did */
	bool throttle_known;			/* the sched capability is tracking CFS throttling */
	uint64_t throttled_ns;			/* part of the pause during which the process was throttled */
};

struct gc_cycle {
	uint32_t pid;
	uint64_t cycle;
	uint64_t start_ns, end_ns;		/* sweep termination start .. mark termination end */
	uint64_t pause_ns;			/* total stopped time of the cycle (MemStats.PauseNs) */
	uint32_t pauses;
	bool complete;				/* both ends seen (false: tracing began mid-cycle) */
	bool runtime_times;			/* every pause timed by the runtime's own clock readings */
	uint64_t probes_pause_ns;		/* the sum of the pauses the probes saw */
};

struct gc_reason_stats {
	char name[GC_REASON_NAME_LEN];
	struct hist hist;			/* pause durations in the display unit */
	uint64_t sum_ns;			/* their exact sum */
};

/* Histograms of pause durations per reason, of cycle wall time and of each cycle's total pause, in the display
 * unit. */
struct gc_hists {
	struct gc_reason_stats reasons[GC_MAX_REASONS];
	int nreasons;
	struct hist cycle_hist;
	uint64_t cycle_sum_ns;			/* exact sum of the cycle durations */
	struct hist cycle_pause_hist;		/* per complete cycle: its stops together (MemStats.PauseNs) */
	uint64_t cycle_pause_sum_ns;
};

struct gc_stats {
	uint64_t unit_ns;			/* 1000 (usecs) or 1000000 (msecs, -m) */
	bool totals_only;			/* keep no value lists (the daemon, which runs for ever): no quantiles */
	bool from_memstats;			/* cycles read from the runtime's record: no stop seen one by one */
	bool numbering_from_runtime;		/* cycle numbers are the runtime's (memstats.numgc) */
	/* whole trace */
	struct gc_hists total;
	uint64_t cycles, pauses, pause_ns_total, pauses_unknown, cycles_partial;
	uint64_t cycles_unread;			/* memstats source: cycles whose record was overwritten before a read */
	uint64_t pause_throttled_ns, max_pause_ns, max_pause_throttled_ns;
	/* The live check of the derived layout: complete cycles whose probed pauses add up to the runtime's own
	 * memstats.pause_ns of the cycle, and those that do not (the first one kept to name it). */
	uint64_t cycles_verified, cycles_mismatched;
	struct gc_cycle first_mismatch;
	/* the cycle in progress */
	struct gc_cycle current;
	bool in_cycle;
	uint64_t own_cycle_count;
	/* this interval: histograms, and exact durations for p50/p99/max */
	struct gc_hists interval;
	uint64_t *interval_ns;
	size_t interval_n, interval_cap;
	uint64_t interval_cycles, interval_pauses;
	/* every pause duration of the trace, and every cycle's total pause, for the summary's exact quantiles */
	uint64_t *all_ns;
	size_t all_n, all_cap;
	uint64_t *cycle_pauses, *interval_cycle_pauses;
	size_t cycle_pauses_n, cycle_pauses_cap, interval_cycle_pauses_n, interval_cycle_pauses_cap;
};

/* totals_only: histograms and sums, but no list of values (quantiles read 0). */
void gc_stats_init(struct gc_stats *s, uint64_t unit_ns, bool totals_only);
void gc_stats_free(struct gc_stats *s);

/* Consumes one event. Fills *pause; when the event completes a GC cycle, fills *cycle and returns 1, else 0
 * (or -ENOMEM). */
int gc_stats_add(struct gc_stats *s, const struct stw_event *e, struct stw_pause *pause, struct gc_cycle *cycle);

/* One complete cycle as the runtime recorded it in memstats (no probe saw its stops): its number, its total pause
 * and the end of its last stop (CLOCK_MONOTONIC). Fills *cycle. 0 or -ENOMEM. */
int gc_stats_add_recorded_cycle(struct gc_stats *s, uint32_t pid, uint64_t number, uint64_t pause_ns, uint64_t end_ns,
				struct gc_cycle *cycle);

/* Adds a pause's throttled overlap (set by the caller) to the totals. */
void gc_stats_add_throttled(struct gc_stats *s, const struct stw_pause *pause);

/* The interval's figures; gc_stats_interval_reset starts the next interval. */
struct gc_interval {
	uint64_t cycles, pauses, p50_ns, p99_ns, max_ns;
	uint64_t cycle_pause_p50_ns, cycle_pause_p99_ns, cycle_pause_max_ns;	/* per cycle, both stops together */
};
void gc_stats_interval(struct gc_stats *s, struct gc_interval *iv);
void gc_stats_interval_reset(struct gc_stats *s);
/* Exact quantile over every pause of the trace, and over every cycle's total pause. */
uint64_t gc_stats_quantile(struct gc_stats *s, double q);
uint64_t gc_stats_cycle_pause_quantile(struct gc_stats *s, double q);

/* "GC mark termination" -> "gc_mark_termination"; Go's stwReason codes -> the same names. */
void gc_reason_slug(const char *in, char *out, size_t size);
const char *gc_reason_name(uint32_t go_reason);

#endif
