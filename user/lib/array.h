/* SPDX-License-Identifier: GPL-2.0 */
/* Growable arrays, the one way gotrace grows them: capacity doubles (so n appends cost O(n) copies), sizes are
 * checked for overflow, and a failed allocation leaves the array as it was. */
#ifndef GOTRACE_ARRAY_H
#define GOTRACE_ARRAY_H

#include <stddef.h>

/* Makes room for `need` elements of `elem` bytes in *arrp (arrp is the address of a T * array with *cap
 * allocated): the first allocation holds `first` elements (or need, if more), later ones double until need
 * fits. 0, or -ENOMEM with *arrp and *cap unchanged. */
int array_reserve(void *arrp, size_t *cap, size_t need, size_t elem, size_t first);

#endif
