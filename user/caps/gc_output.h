/* SPDX-License-Identifier: GPL-2.0 */
/* How GC pauses and cycles are shown: text (histograms, interval lines, --slow lines) and newline-delimited
 * JSON (schema in README.md). */
#ifndef GOTRACE_GC_OUTPUT_H
#define GOTRACE_GC_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "caps/gc_stats.h"
#include "tracer/output.h"
#include "tracer/output_sink.h"

/* Every pause as it happens (struct stw_pause): a "stw" event; in text only those at least --slow long. */
extern const struct output_writer gc_pause_writer;
/* Every completed cycle (struct gc_cycle): a "gc_cycle" event, not shown in text. */
extern const struct output_writer gc_cycle_writer;
/* The interval (struct gc_stats): text, the interval line and histograms; JSON, the "gc" member with this
 * interval's counts and exact quantiles. */
extern const struct output_writer gc_interval_writer;
/* The whole trace (struct gc_stats): text, the totals line; JSON, the "gc" member with histograms and totals. */
extern const struct output_writer gc_summary_writer;

#endif
