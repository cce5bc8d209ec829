// SPDX-License-Identifier: GPL-2.0
/* Benchmark driver: open a Go binary and print every function of its pclntab as "address name". */
#include <stdio.h>
#include <string.h>

#include "elf_file.h"
#include "pclntab.h"

int main(int argc, char **argv)
{
	struct elf_file *ef;
	struct pclntab *t;
	size_t i, n;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: %s GO-BINARY\n", argv[0]);
		return 2;
	}
	err = elf_file_open(argv[1], &ef);
	if (!err)
		err = pclntab_open(ef, &t);
	if (err) {
		fprintf(stderr, "listfuncs: %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	n = pclntab_func_count(t);
	for (i = 0; i < n; i++) {
		struct go_func fn;

		if (pclntab_func_at_index(t, i, &fn) == 0)
			printf("%llx %s\n", (unsigned long long)fn.entry, fn.name);
	}
	pclntab_close(t);
	elf_file_close(ef);
	return 0;
}
