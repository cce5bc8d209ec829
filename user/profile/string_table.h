/* SPDX-License-Identifier: GPL-2.0 */
/* The string table of profile formats (pprof's string_table, OTLP profiles' dictionary): strings by index, index 0
 * the empty string as both formats demand. Strings are looked up by pointer: the profile model interns its
 * strings, so equal strings are one pointer (another pointer to equal text only costs a second entry). */
#ifndef GOTRACE_STRING_TABLE_H
#define GOTRACE_STRING_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct string_table {
	const char **strings;
	size_t len, cap;
	struct { const char *s; uint32_t index; } *slots;	/* open addressing on the pointer */
	size_t mask;
	bool failed;		/* sticky allocation failure: indexes are 0 from then on */
};

/* Empty but for "" at index 0. 0 or -ENOMEM. */
int string_table_init(struct string_table *t);
void string_table_free(struct string_table *t);
/* Index of s, adding it on first use; "" and NULL are 0. */
uint32_t string_table_index(struct string_table *t, const char *s);

#endif
