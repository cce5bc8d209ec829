// SPDX-License-Identifier: GPL-2.0
/* Profile string tables (string_table.h). */
#include <errno.h>
#include <stdlib.h>

#include "lib/array.h"
#include "profile/string_table.h"

static size_t pointer_hash(const char *s, size_t mask)
{
	uint64_t h = (uintptr_t)s * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 32) & mask;
}

static bool grow(struct string_table *t)
{
	size_t cap = t->mask ? (t->mask + 1) * 2 : 1024, i, j;
	typeof(t->slots) slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return false;
	for (i = 0; t->mask && i <= t->mask; i++) {
		if (!t->slots[i].s)
			continue;
		for (j = pointer_hash(t->slots[i].s, cap - 1); slots[j].s; j = (j + 1) & (cap - 1))
			;
		slots[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->mask = cap - 1;
	return true;
}

static bool append(struct string_table *t, const char *s)
{
	if (array_reserve(&t->strings, &t->cap, t->len + 1, sizeof(*t->strings), 256))
		return false;
	t->strings[t->len++] = s;
	return true;
}

uint32_t string_table_index(struct string_table *t, const char *s)
{
	size_t i;

	if (!s || !*s || t->failed)
		return 0;
	if ((t->len + 1) * 2 > t->mask + 1 && !grow(t))
		goto fail;
	for (i = pointer_hash(s, t->mask); t->slots[i].s; i = (i + 1) & t->mask)
		if (t->slots[i].s == s)
			return t->slots[i].index;
	if (t->len > UINT32_MAX || !append(t, s))
		goto fail;
	t->slots[i].s = s;
	t->slots[i].index = t->len - 1;
	return t->len - 1;
fail:
	t->failed = true;
	return 0;
}

int string_table_init(struct string_table *t)
{
	*t = (struct string_table){ 0 };
	return append(t, "") ? 0 : -ENOMEM;
}

void string_table_free(struct string_table *t)
{
	free(t->strings);
	free(t->slots);
	*t = (struct string_table){ 0 };
}
