/* SPDX-License-Identifier: GPL-2.0 */
/* Whole binaries as bytes, for the parsers' tests on damaged and reshaped copies, and the fuzz seeds those
 * tests leave behind. */
#ifndef GOTRACE_ELF_BYTES_H
#define GOTRACE_ELF_BYTES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The whole file, malloc'ed; NULL when it cannot be read. */
__attribute__((unused)) static uint8_t *slurp(const char *path, size_t *size)
{
	struct stat st;
	uint8_t *buf;
	FILE *f = fopen(path, "rb");

	if (!f || fstat(fileno(f), &st) != 0 || !(buf = malloc(st.st_size ? st.st_size : 1))) {
		if (f)
			fclose(f);
		return NULL;
	}
	*size = fread(buf, 1, st.st_size, f);
	fclose(f);
	return buf;
}

/* Hides the section header table of a 64-bit ELF image, as some packers do: only program headers remain. */
__attribute__((unused)) static void wipe_section_headers(uint8_t *elf, size_t size)
{
	if (size < 64 || elf[4] != 2 /* ELFCLASS64 */)
		return;
	memset(elf + 0x28, 0, 8);	/* e_shoff */
	memset(elf + 0x3c, 0, 4);	/* e_shnum, e_shstrndx */
}

/* Runs check on a copy of exactly data[0, len), so that a read past the end is a heap overflow ASan reports,
 * with its section headers hidden when asked; returns what check returns (non-zero: a wrong answer). */
__attribute__((unused)) static int check_exact_copy(const uint8_t *data, size_t len, bool without_sections,
						     int (*check)(const uint8_t *data, size_t size))
{
	uint8_t *copy = malloc(len ? len : 1);
	int bad;

	if (!copy)
		return 1;
	memcpy(copy, data, len);
	if (without_sections)
		wipe_section_headers(copy, len);
	bad = check(copy, len);
	free(copy);
	return bad;
}

/* GOTRACE_FUZZ_SEEDS=DIR also saves synthetic images there, as DIR/synthetic-<kind>-<n>: small seeds for
 * tests/fuzz/fuzz_<kind>. */
__attribute__((unused)) static void save_fuzz_seed(const char *kind, int n, const void *image, size_t len)
{
	const char *dir = getenv("GOTRACE_FUZZ_SEEDS");
	char path[4096];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/synthetic-%s-%d", dir, kind, n);
	f = fopen(path, "wb");
	if (f) {
		fwrite(image, 1, len, f);
		fclose(f);
	}
}

#endif
