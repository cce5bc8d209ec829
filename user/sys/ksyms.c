// SPDX-License-Identifier: GPL-2.0
/* /proc/kallsyms reader: ~120k text symbols parsed in one pass into one string pool, sorted by address once.
 * Kept compact because a daemon holds it for its whole life: 12 bytes per symbol (its address and where its
 * name starts) and the names, every array cut to its size once parsing ends (about 4 MiB for 120k symbols,
 * where a struct of pointers per symbol and arrays left at their doubled capacity took 7.3 MiB). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "sys/ksyms.h"

struct ksyms {
	uint64_t *addrs;	/* ascending; equal addresses in file order */
	uint32_t *names;	/* pool offset of "name\0module\0" (module "" for the core kernel) */
	size_t n, cap;
	char *pool;
	size_t pool_len, pool_cap;
	bool saw_nonzero;
};

static int pool_add(struct ksyms *k, const char *name, const char *module, size_t module_len, uint32_t *off)
{
	size_t name_len = strlen(name), need = k->pool_len + name_len + module_len + 2;

	if (need > UINT32_MAX)
		return -ENOMEM;
	if (array_reserve(&k->pool, &k->pool_cap, need, 1, 1 << 20))
		return -ENOMEM;
	*off = k->pool_len;
	memcpy(k->pool + k->pool_len, name, name_len + 1);
	memcpy(k->pool + k->pool_len + name_len + 1, module, module_len);
	k->pool[need - 1] = '\0';
	k->pool_len = need;
	return 0;
}

static int append(struct ksyms *k, uint64_t addr, const char *name, const char *module, size_t module_len)
{
	size_t cap = k->cap;

	if (array_reserve(&k->addrs, &cap, k->n + 1, sizeof(*k->addrs), 65536) ||
	    array_reserve(&k->names, &k->cap, k->n + 1, sizeof(*k->names), 65536))
		return -ENOMEM;
	k->addrs[k->n] = addr;	/* both arrays have room: addrs grew to cap, names to the same */
	return pool_add(k, name, module, module_len, &k->names[k->n++]);
}

static bool is_text(char type)
{
	return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

/* "ffffffff81000000 T _stext" or "ffffffffc0201000 t name\t[module]". Lines of other types are skipped. */
static int parse_line(struct ksyms *k, char *line)
{
	char *end, *name, *module;
	uint64_t addr = strtoull(line, &end, 16);

	if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ' || !is_text(end[1]))
		return 0;
	name = end + 3;
	name[strcspn(name, "\n")] = '\0';
	module = strchr(name, '\t');
	if (module)
		*module++ = '\0';
	if (!*name)
		return 0;
	k->saw_nonzero |= addr != 0;
	if (module && module[0] == '[')
		return append(k, addr, name, module + 1, strcspn(module + 1, "]"));
	return append(k, addr, name, "", 0);
}

static bool sorted(const struct ksyms *k)
{
	for (size_t i = 1; i < k->n; i++)
		if (k->addrs[i] < k->addrs[i - 1])
			return false;
	return true;
}

/* Ties keep file order, so that lookups are deterministic. */
static int cmp_index(const void *a, const void *b, void *addrs_)
{
	const uint64_t *addrs = addrs_;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (addrs[x] != addrs[y])
		return addrs[x] < addrs[y] ? -1 : 1;
	return x < y ? -1 : 1;
}

/* The core kernel's lines come in address order and modules' need not: sorts an index (4 bytes a symbol)
 * only when the file was out of order, then lays both arrays out in its order. */
static int sort_by_addr(struct ksyms *k)
{
	uint32_t *order, *names;
	uint64_t *addrs;

	if (sorted(k))
		return 0;
	order = malloc(k->n * sizeof(*order));
	addrs = malloc(k->n * sizeof(*addrs));
	names = malloc(k->n * sizeof(*names));
	if (!order || !addrs || !names) {
		free(order);
		free(addrs);
		free(names);
		return -ENOMEM;
	}
	for (size_t i = 0; i < k->n; i++)
		order[i] = i;
	qsort_r(order, k->n, sizeof(*order), cmp_index, k->addrs);
	for (size_t i = 0; i < k->n; i++) {
		addrs[i] = k->addrs[order[i]];
		names[i] = k->names[order[i]];
	}
	free(order);
	free(k->addrs);
	free(k->names);
	k->addrs = addrs;
	k->names = names;
	k->cap = k->n;
	return 0;
}

/* The arrays doubled while parsing; a shrinking realloc cannot fail to keep the data, only to move it. */
static void fit(void *arrp, size_t size)
{
	void **arr = arrp, *fitted = realloc(*arr, size);

	if (fitted)
		*arr = fitted;
}

int ksyms_parse(FILE *f, struct ksyms **out)
{
	struct ksyms *k = calloc(1, sizeof(*k));
	char *line = NULL;
	size_t cap = 0;
	int err = 0;

	if (!k)
		return -ENOMEM;
	while (!err && getline(&line, &cap, f) > 0)
		err = parse_line(k, line);
	free(line);
	if (!err && !k->n)
		err = -ENOENT;
	if (!err && !k->saw_nonzero)
		err = -EACCES;
	if (!err && k->n > UINT32_MAX)
		err = -ENOMEM;
	if (!err)
		err = sort_by_addr(k);
	if (err) {
		ksyms_free(k);
		return err;
	}
	fit(&k->addrs, k->n * sizeof(*k->addrs));
	fit(&k->names, k->n * sizeof(*k->names));
	fit(&k->pool, k->pool_len);
	k->cap = k->n;
	k->pool_cap = k->pool_len;
	*out = k;
	return 0;
}

int ksyms_load(struct ksyms **out)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	int err;

	if (!f)
		return -errno;
	setvbuf(f, NULL, _IOFBF, 1 << 16);	/* /proc reports 1 KiB blocks: 6000 reads instead of 100 */
	err = ksyms_parse(f, out);
	fclose(f);
	return err;
}

void ksyms_free(struct ksyms *k)
{
	if (!k)
		return;
	free(k->addrs);
	free(k->names);
	free(k->pool);
	free(k);
}

bool ksyms_find(const struct ksyms *k, uint64_t addr, struct ksym *out)
{
	size_t lo = 0, hi = k->n;
	const char *name;

	if (!k->n || addr < k->addrs[0] || addr > k->addrs[k->n - 1])
		return false;
	while (hi - lo > 1) {	/* invariant: addrs[lo] <= addr < addrs[hi] */
		size_t mid = lo + (hi - lo) / 2;

		if (k->addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	/* Several names at one address: the first in file order. */
	while (lo > 0 && k->addrs[lo - 1] == k->addrs[lo])
		lo--;
	name = k->pool + k->names[lo];
	*out = (struct ksym){ name, name + strlen(name) + 1, k->addrs[lo] };
	return true;
}

size_t ksyms_count(const struct ksyms *k)
{
	return k->n;
}

void ksyms_range(const struct ksyms *k, uint64_t *lowest, uint64_t *highest)
{
	*lowest = k->n ? k->addrs[0] : 0;
	*highest = k->n ? k->addrs[k->n - 1] : 0;
}
