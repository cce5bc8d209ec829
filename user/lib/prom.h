/* SPDX-License-Identifier: GPL-2.0 */
/* Prometheus text exposition (format 0.0.4, what /metrics serves), written into a growable memory buffer. */
#ifndef GOTRACE_PROM_H
#define GOTRACE_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/hist.h"

/* The Content-Type header of a /metrics answer in this format. */
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Every histogram gets the same bucket bounds whatever it holds: le = 2^i units for i = 0 .. PROM_HIST_TOP_SLOT,
 * then +Inf. With microseconds (unit_seconds 1e-6) that is 1 us, 2 us, 4 us, ... 33.554432 s, 67.108864 s.
 * rate() and histogram_quantile() need the same bounds in every scrape and every series; a ladder fitted to the
 * data would change them. Slot i of a struct hist counts v < 2^i, so the bucket le=2^i counts values below 2^i
 * units: a value of exactly 2^i (an integer in the histogram's unit, truncated from a finer clock) lands in the
 * next bucket. Values from 2^26 units up are only in +Inf. */
#define PROM_HIST_TOP_SLOT 26

/* A negative sum_seconds asks prom_histogram to estimate the sum from the buckets (each value taken as 1.5 times
 * its slot's lower bound: right within a factor of 1.5). Pass the exact sum whenever there is one. */
#define PROM_SUM_ESTIMATE (-1.0)

/* A set of 64-bit hashes (open addressing, 0 marks a free cell): names and series already written. */
struct prom_hashset {
	uint64_t *cells;
	size_t cap, used;
};

struct prom {
	char *buf;
	size_t len, cap;
	int err;			/* the first allocation failure (-ENOMEM), sticky until prom_reset */
	char family[128];		/* the family being written ("" before the first) */
	int family_type;
	struct prom_hashset names;	/* every sample name of every family so far: a family appears once */
	struct prom_hashset series;	/* label sets of the current family: a series appears once */
};

struct prom_label {
	const char *name, *value;
};

int prom_init(struct prom *p);
void prom_free(struct prom *p);
/* Empties the buffer for the next scrape, keeping its memory. */
void prom_reset(struct prom *p);
/* The exposition so far: always whole lines of whole calls, valid on its own (NUL-terminated). */
const char *prom_data(const struct prom *p, size_t *len);
/* 0, or -ENOMEM when some call could not be written (its output and all later output are missing). */
int prom_error(const struct prom *p);

/* Every call below writes everything or nothing, and returns 0, -ENOMEM, or -EINVAL for what would make the
 * exposition invalid: a bad metric or label name ([a-zA-Z_:][a-zA-Z0-9_:]*, [a-zA-Z_][a-zA-Z0-9_]*, no "__"
 * prefix on label names, "le" reserved in histograms), a family written twice, a sample outside its family or of
 * the wrong type, a label set repeated within a family, a repeated label name. Label values and HELP text may
 * hold any bytes: they are escaped, and bytes that are not UTF-8 become U+FFFD. */

/* Starts a family: "# HELP" and "# TYPE" lines. type: "counter", "gauge" or "histogram". */
int prom_family(struct prom *p, const char *name, const char *type, const char *help);
/* One sample of the current counter or gauge family; name must be the family's. */
int prom_sample(struct prom *p, const char *name, const struct prom_label *l, int nl, double value);
/* A log2 histogram (hist.h) of values in units of unit_seconds (1e-6: microseconds) as one series of the current
 * histogram family: name_bucket{...,le="..."} cumulative on the fixed ladder above, le="+Inf" equal to
 * name_count, name_sum in seconds (sum_seconds, or PROM_SUM_ESTIMATE), name_count. A Prometheus histogram counts
 * since the process started: pass the running total, never a per-interval delta. */
int prom_histogram(struct prom *p, const char *name, const struct prom_label *l, int nl, const struct hist *h,
		   double unit_seconds, double sum_seconds);

#endif
