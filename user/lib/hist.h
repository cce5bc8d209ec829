/* SPDX-License-Identifier: GPL-2.0 */
/* log2 latency histograms: fill, merge, quantiles, and the familiar "low -> high : count |****|" printout. */
#ifndef GOTRACE_HIST_H
#define GOTRACE_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HIST_SLOTS 64

/* Slot i counts values v with 2^(i-1) <= v < 2^i (slot 0: v == 0), the libbpf-tools convention. */
struct hist {
	uint64_t slots[HIST_SLOTS];
	uint64_t count;
	uint64_t sum;
	uint64_t max;
};

unsigned int hist_slot(uint64_t v);
void hist_add(struct hist *h, uint64_t v);
void hist_merge(struct hist *dst, const struct hist *src);
/* Builds count/sum-less totals from raw slots (BPF maps carry only slots). */
void hist_from_slots(struct hist *h, const uint64_t *slots, unsigned int nslots);

/* The upper bound (exclusive) of the slot holding quantile q (0..1): an upper estimate, within a factor of 2. */
uint64_t hist_quantile_bound(const struct hist *h, double q);

/* Prints like libbpf-tools' print_log2_hist ("0 -> 1", "2 -> 3", "4 -> 7", ...), the column labelled `unit`
 * (values must already be in that unit). Prints nothing for an empty histogram. */
void hist_print(FILE *out, const struct hist *h, const char *unit);

/* JSON array of {"le":bound,"count":n} for the non-empty range (bounds in the histogram's own unit). */
void hist_print_json(FILE *out, const struct hist *h);

/* Exact quantile of n values (sorts them in place): the value at rank ceil(q*n). 0 when n == 0. */
uint64_t quantile_exact(uint64_t *values, size_t n, double q);

#endif
