/* SPDX-License-Identifier: GPL-2.0 */
/* How GC pauses and cycles are shown: text (histograms, interval lines, --slow lines) and newline-delimited
 * JSON (schema in README.md). */
#ifndef GOTRACE_GC_OUTPUT_H
#define GOTRACE_GC_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "caps/gc_stats.h"
#include "tracer/output.h"

/* Called for every pause and completed cycle as they happen. */
void gc_output_pause(const struct output_opts *o, const struct stw_pause *p);
void gc_output_cycle(const struct output_opts *o, const struct gc_cycle *c);

/* Text: the interval line and the interval's histograms. */
void gc_output_interval(const struct output_opts *o, struct gc_stats *s);
/* JSON: the "gc" member of an interval object: this interval's counts and exact quantiles. */
void gc_output_json_interval(const struct output_opts *o, struct gc_stats *s);
/* JSON: the "gc" member of the summary object (histograms and totals of the whole trace). */
void gc_output_json_summary(const struct output_opts *o, struct gc_stats *s);
/* Text: the final totals line. */
void gc_output_text_summary(const struct output_opts *o, struct gc_stats *s);

#endif
