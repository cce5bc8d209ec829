// SPDX-License-Identifier: GPL-2.0
/* Histogram arithmetic and printing. Kept free of BPF so that it is unit-tested on its own. */
#include <stdlib.h>
#include <string.h>

#include "lib/hist.h"

unsigned int hist_slot(uint64_t v)
{
	return v ? 64 - __builtin_clzll(v) : 0;
}

void hist_add(struct hist *h, uint64_t v)
{
	unsigned int slot = hist_slot(v);

	h->slots[slot < HIST_SLOTS ? slot : HIST_SLOTS - 1]++;
	h->count++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	for (unsigned int i = 0; i < HIST_SLOTS; i++)
		dst->slots[i] += src->slots[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->max > dst->max)
		dst->max = src->max;
}

void hist_from_slots(struct hist *h, const uint64_t *slots, unsigned int nslots)
{
	memset(h, 0, sizeof(*h));
	for (unsigned int i = 0; i < nslots && i < HIST_SLOTS; i++) {
		h->slots[i] = slots[i];
		h->count += slots[i];
		if (slots[i])
			h->max = i ? (1ull << (i - 1)) : 0;	/* lower bound of the highest non-empty slot */
	}
}

static uint64_t slot_upper(unsigned int slot)
{
	return slot >= 64 ? UINT64_MAX : (1ull << slot);
}

uint64_t hist_quantile_bound(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->count)
		return 0;
	rank = (uint64_t)(q * (double)h->count + 0.999999);
	if (rank == 0)
		rank = 1;
	for (unsigned int i = 0; i < HIST_SLOTS; i++) {
		seen += h->slots[i];
		if (seen >= rank)
			return slot_upper(i);
	}
	return slot_upper(HIST_SLOTS - 1);
}

static void print_stars(FILE *out, uint64_t val, uint64_t val_max, int width)
{
	int stars = val_max ? (int)((val * (uint64_t)width + val_max - 1) / val_max) : 0;

	if (stars > width)
		stars = width;
	for (int i = 0; i < width; i++)
		fputc(i < stars ? '*' : ' ', out);
}

/* Display rows: row 0 is "0 -> 1" (slots 0 and 1), row r >= 1 is "2^r -> 2^(r+1)-1" (slot r+1). */
static uint64_t row_count(const struct hist *h, unsigned int row)
{
	return row == 0 ? h->slots[0] + h->slots[1] : h->slots[row + 1];
}

void hist_print(FILE *out, const struct hist *h, const char *unit)
{
	unsigned int row, last = 0;
	uint64_t val_max = 0;

	if (!h->count)
		return;
	for (row = 0; row + 1 < HIST_SLOTS; row++) {
		uint64_t n = row_count(h, row);

		if (n)
			last = row;
		if (n > val_max)
			val_max = n;
	}
	/* the libbpf-tools layout: 5-space indent, unit column 19 wide, bounds 10 wide */
	fprintf(out, "%*s%-*s : count    distribution\n", 5, "", 19, unit);
	for (row = 0; row <= last; row++) {
		uint64_t low = row ? 1ull << row : 0, high = row ? (2ull << row) - 1 : 1, n = row_count(h, row);

		fprintf(out, "%*llu -> %-*llu : %-8llu |", 10, (unsigned long long)low, 10, (unsigned long long)high,
			(unsigned long long)n);
		print_stars(out, n, val_max, 40);
		fprintf(out, "|\n");
	}
}

void hist_print_json(FILE *out, const struct hist *h)
{
	unsigned int i, last = 0;
	bool first = true;

	for (i = 0; i < HIST_SLOTS; i++)
		if (h->slots[i])
			last = i;
	fputc('[', out);
	for (i = 0; h->count && i <= last; i++) {
		if (!h->slots[i])
			continue;
		fprintf(out, "%s{\"le\":%llu,\"count\":%llu}", first ? "" : ",",
			(unsigned long long)(i ? (1ull << i) - 1 : 0), (unsigned long long)h->slots[i]);
		first = false;
	}
	fputc(']', out);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t quantile_exact(uint64_t *values, size_t n, double q)
{
	size_t rank;

	if (!n)
		return 0;
	qsort(values, n, sizeof(values[0]), cmp_u64);
	rank = (size_t)(q * (double)n + 0.999999);
	if (rank == 0)
		rank = 1;
	if (rank > n)
		rank = n;
	return values[rank - 1];
}
