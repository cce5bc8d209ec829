// SPDX-License-Identifier: GPL-2.0
/* /proc/kallsyms reader: ~100k text symbols parsed in one pass into one string pool, sorted by address once. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "sys/ksyms.h"

struct ksyms {
	struct ksym *syms;
	size_t n, cap;
	char *pool;		/* every name and module, NUL-terminated */
	size_t pool_len, pool_cap;
	bool saw_nonzero;
};

/* While parsing, names are offsets into the pool (it moves as it grows); pointers are set at the end. */
static int pool_add(struct ksyms *k, const char *s, size_t len, size_t *off)
{
	if (array_reserve(&k->pool, &k->pool_cap, k->pool_len + len + 1, 1, 1 << 20))
		return -ENOMEM;
	memcpy(k->pool + k->pool_len, s, len);
	k->pool[k->pool_len + len] = '\0';
	*off = k->pool_len;
	k->pool_len += len + 1;
	return 0;
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
	size_t name_off, module_off = 0;
	int err;

	if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ' || !is_text(end[1]))
		return 0;
	name = end + 3;
	name[strcspn(name, "\n")] = '\0';
	module = strchr(name, '\t');
	if (module)
		*module++ = '\0';
	if (module && module[0] != '[')
		module = NULL;
	if (!*name)
		return 0;
	k->saw_nonzero |= addr != 0;
	if (array_reserve(&k->syms, &k->cap, k->n + 1, sizeof(*k->syms), 65536))
		return -ENOMEM;
	if ((err = pool_add(k, name, strlen(name), &name_off)))
		return err;
	if (module && (err = pool_add(k, module + 1, strcspn(module + 1, "]"), &module_off)))
		return err;
	k->syms[k->n++] = (struct ksym){ (const char *)(uintptr_t)name_off,
					 module ? (const char *)(uintptr_t)module_off : NULL, addr };
	return 0;
}

/* Equal addresses keep their file order, so that lookups are deterministic. */
static int cmp_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (uintptr_t)x->name < (uintptr_t)y->name ? -1 : 1;
}

static void resolve_names(struct ksyms *k)
{
	for (size_t i = 0; i < k->n; i++) {
		k->syms[i].name = k->pool + (uintptr_t)k->syms[i].name;
		k->syms[i].module = k->syms[i].module ? k->pool + (uintptr_t)k->syms[i].module : "";
	}
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
	if (err) {
		ksyms_free(k);
		return err;
	}
	qsort(k->syms, k->n, sizeof(*k->syms), cmp_addr);
	resolve_names(k);
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
	free(k->syms);
	free(k->pool);
	free(k);
}

const struct ksym *ksyms_find(const struct ksyms *k, uint64_t addr)
{
	size_t lo = 0, hi = k->n;

	if (!k->n || addr < k->syms[0].addr || addr > k->syms[k->n - 1].addr)
		return NULL;
	while (hi - lo > 1) {	/* invariant: syms[lo].addr <= addr < syms[hi].addr */
		size_t mid = lo + (hi - lo) / 2;

		if (k->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	/* Several names at one address: the first in file order. */
	while (lo > 0 && k->syms[lo - 1].addr == k->syms[lo].addr)
		lo--;
	return &k->syms[lo];
}

size_t ksyms_count(const struct ksyms *k)
{
	return k->n;
}

void ksyms_range(const struct ksyms *k, uint64_t *lowest, uint64_t *highest)
{
	*lowest = k->n ? k->syms[0].addr : 0;
	*highest = k->n ? k->syms[k->n - 1].addr : 0;
}
