// SPDX-License-Identifier: GPL-2.0
/* Benchmark driver: open a Go binary and print every function of its pclntab as "address name" (what go tool nm
 * prints for text symbols). -n then also looks every function up by name (the first lookup builds the index)
 * and reports the time on stderr; -m reports the process's memory from /proc/self/status on stderr. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gobin/elf_file.h"
#include "gobin/pclntab.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void list(const struct pclntab *t)
{
	size_t i, n = pclntab_func_count(t);

	for (i = 0; i < n; i++) {
		struct go_func fn;

		if (pclntab_func_at_index(t, i, &fn) == 0)
			printf("%llx %s\n", (unsigned long long)fn.entry, fn.name);
	}
}

/* Every name, looked up: the first call pays for building the index. */
static int lookup_all(const struct pclntab *t)
{
	size_t i, n = pclntab_func_count(t), found = 0;
	double start = now(), first = 0;

	for (i = 0; i < n; i++) {
		struct go_func fn, byname;

		if (pclntab_func_at_index(t, i, &fn) == 0 && pclntab_find_func(t, fn.name, &byname) == 0 &&
		    strcmp(byname.name, fn.name) == 0)
			found++;
		if (i == 0)
			first = now() - start;
	}
	fprintf(stderr, "lookups: %zu of %zu found; first (index build) %.2f ms, then %.3f us each\n", found, n,
		first * 1e3, n > 1 ? (now() - start - first) / (n - 1) * 1e6 : 0.0);
	return found == n ? 0 : 1;
}

static void memory_report(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM", 5) || !strncmp(line, "RssAnon", 7) || !strncmp(line, "RssFile", 7))
			fprintf(stderr, "%s", line);
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	bool lookups = false, memory = false;
	struct elf_file *ef;
	struct pclntab *t;
	int opt, err, ret = 0;

	while ((opt = getopt(argc, argv, "nm")) != -1) {
		if (opt == 'n')
			lookups = true;
		else if (opt == 'm')
			memory = true;
		else
			return 2;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: %s [-n] [-m] GO-BINARY\n", argv[0]);
		return 2;
	}
	err = elf_file_open(argv[optind], &ef);
	if (!err)
		err = pclntab_open(ef, &t);
	if (err) {
		fprintf(stderr, "listfuncs: %s: %s\n", argv[optind], strerror(-err));
		return 1;
	}
	list(t);
	if (lookups)
		ret = lookup_all(t);
	if (memory)
		memory_report();
	pclntab_close(t);
	elf_file_close(ef);
	return ret;
}
