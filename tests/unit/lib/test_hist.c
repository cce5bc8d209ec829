// SPDX-License-Identifier: GPL-2.0
/* Histogram math: slot boundaries, quantiles, merging and the printed rows, checked against values computed
 * independently here (the definition of log2 buckets), never against the code's own output. */
#include <stdio.h>
#include <stdlib.h>

#include "lib/hist.h"
#include "unit.h"

TEST(slot_boundaries_are_powers_of_two)
{
	CHECK(hist_slot(0) == 0);
	CHECK(hist_slot(1) == 1);
	for (unsigned int k = 1; k < 63; k++) {
		uint64_t p = 1ull << k;

		CHECK(hist_slot(p - 1) == k);	/* [2^(k-1), 2^k) */
		CHECK(hist_slot(p) == k + 1);
	}
	CHECK(hist_slot(UINT64_MAX) == 64);
}

TEST(add_keeps_count_sum_max)
{
	struct hist h = { 0 };
	uint64_t sum = 0;

	for (uint64_t v = 0; v < 1000; v++) {
		hist_add(&h, v);
		sum += v;
	}
	CHECK_EQ_U64(h.count, 1000);
	CHECK_EQ_U64(h.sum, sum);
	CHECK_EQ_U64(h.max, 999);
	CHECK_EQ_U64(h.slots[10], 488);	/* 512..999 */
	CHECK_EQ_U64(h.slots[2], 2);	/* 2, 3 */
}

TEST(quantile_bound_is_an_upper_bound_within_factor_two)
{
	struct hist h = { 0 };
	uint64_t values[10000];

	srand(7);
	for (int i = 0; i < 10000; i++) {
		values[i] = 1 + (uint64_t)rand() % 1000000;
		hist_add(&h, values[i]);
	}
	for (double q = 0.1; q <= 1.0; q += 0.1) {
		uint64_t exact = quantile_exact(values, 10000, q), bound = hist_quantile_bound(&h, q);

		CHECK(bound > exact);
		CHECK(bound <= 2 * exact + 2);
	}
}

TEST(quantile_exact_ranks)
{
	uint64_t v[] = { 5, 1, 4, 2, 3 };

	CHECK_EQ_U64(quantile_exact(v, 5, 0.5), 3);
	CHECK_EQ_U64(quantile_exact(v, 5, 1.0), 5);
	CHECK_EQ_U64(quantile_exact(v, 5, 0.0), 1);
	CHECK_EQ_U64(quantile_exact(v, 5, 0.99), 5);
	CHECK_EQ_U64(quantile_exact(v, 0, 0.5), 0);
}

TEST(merge_adds)
{
	struct hist a = { 0 }, b = { 0 };

	hist_add(&a, 10);
	hist_add(&b, 1000);
	hist_add(&b, 10);
	hist_merge(&a, &b);
	CHECK_EQ_U64(a.count, 3);
	CHECK_EQ_U64(a.max, 1000);
	CHECK_EQ_U64(a.slots[hist_slot(10)], 2);
}

TEST(printed_rows_match_libbpf_tools_layout)
{
	struct hist h = { 0 };
	char *buf = NULL, line[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	unsigned long long low, high, count, total = 0;
	int rows = 0;

	hist_add(&h, 0);
	hist_add(&h, 1);
	hist_add(&h, 5);
	hist_add(&h, 6);
	hist_add(&h, 700);
	hist_print(f, &h, "usecs");
	fclose(f);
	f = fmemopen(buf, len, "r");
	CHECK(fgets(line, sizeof(line), f) && strstr(line, "usecs") && strstr(line, "distribution"));
	while (fgets(line, sizeof(line), f)) {
		CHECK(sscanf(line, " %llu -> %llu : %llu", &low, &high, &count) == 3);
		/* rows are 0->1, 2->3, 4->7, ...: each value v counted in the row whose bounds hold it */
		if (low == 4)
			CHECK(high == 7 && count == 2);
		if (low == 512)
			CHECK(high == 1023 && count == 1);
		if (low == 0)
			CHECK(high == 1 && count == 2);
		total += count;
		rows++;
	}
	fclose(f);
	free(buf);
	CHECK_EQ_U64(total, 5);
	CHECK(rows == 10);	/* up to the 512 -> 1023 row */
}
