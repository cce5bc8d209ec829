// SPDX-License-Identifier: GPL-2.0
/* Growable arrays (array.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/array.h"

int array_reserve(void *arrp, size_t *cap, size_t need, size_t elem, size_t first)
{
	void **arr = arrp, *bigger;
	size_t ncap = *cap ? *cap : (first ? first : 1);

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -ENOMEM;
		ncap *= 2;
	}
	if (elem && ncap > SIZE_MAX / elem)
		return -ENOMEM;
	bigger = realloc(*arr, ncap * elem);
	if (!bigger)
		return -ENOMEM;
	*arr = bigger;
	*cap = ncap;
	return 0;
}
