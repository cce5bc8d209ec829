// SPDX-License-Identifier: GPL-2.0
/* Growable arrays: doubling from the first size, room for a burst larger than double, overflow refused with
 * the array left as it was. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/array.h"
#include "unit.h"

TEST(first_allocation_then_doubling)
{
	uint64_t *a = NULL;
	size_t cap = 0;

	CHECK(array_reserve(&a, &cap, 1, sizeof(*a), 16) == 0 && a && cap == 16);
	for (size_t i = 0; i < 16; i++)
		a[i] = i;
	CHECK(array_reserve(&a, &cap, 16, sizeof(*a), 16) == 0 && cap == 16);	/* fits: nothing moves */
	CHECK(array_reserve(&a, &cap, 17, sizeof(*a), 16) == 0 && cap == 32);
	CHECK(a[15] == 15);	/* contents kept */
	CHECK(array_reserve(&a, &cap, 200, sizeof(*a), 16) == 0 && cap == 256);
	free(a);
}

TEST(first_size_is_at_least_what_is_needed)
{
	char *a = NULL;
	size_t cap = 0;

	CHECK(array_reserve(&a, &cap, 3000, 1, 1024) == 0 && cap == 4096);
	free(a);
	a = NULL;
	cap = 0;
	CHECK(array_reserve(&a, &cap, 1, 1, 0) == 0 && cap == 1);
	free(a);
}

TEST(overflow_is_refused_and_the_array_kept)
{
	uint64_t *a = NULL;
	size_t cap = 0;

	CHECK(array_reserve(&a, &cap, 4, sizeof(*a), 4) == 0);
	a[3] = 42;
	CHECK(array_reserve(&a, &cap, SIZE_MAX / 4, sizeof(*a), 4) == -ENOMEM);
	CHECK(array_reserve(&a, &cap, SIZE_MAX, 1, 4) == -ENOMEM);
	CHECK(cap == 4 && a[3] == 42);
	free(a);
}
