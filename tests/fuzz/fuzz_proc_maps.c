// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target for proc_maps.c. The input is the text of a /proc/PID/maps file (the kernel writes it, but the
 * target process chooses its file names, and they end up in it). Every mapping parsed must be a non-empty
 * range [start, end), in the order the header promises (by start, none overlapping: proc_maps_find's binary
 * search depends on it), with known permission bits and a path that is one line of the input, without the
 * " (deleted)" the flag stands for; proc_maps_find must answer with the mapping holding an address or NULL.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -std=gnu11 -D_GNU_SOURCE
 *        -iquote user tests/fuzz/fuzz_proc_maps.c user/sys/proc_maps.c -o build/fuzz/fuzz_proc_maps
 * Run:   build/fuzz/fuzz_proc_maps -max_len=65536 -max_total_time=300 build/fuzz/corpus_proc_maps */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sys/proc_maps.h"

#define EXPECT(cond)                     \
	do {                             \
		if (!(cond))             \
			__builtin_trap(); \
	} while (0)

static size_t count_lines(const char *text)
{
	size_t n = 0;

	for (const char *p = text; *p; p++)
		n += *p == '\n';
	return n + 1;
}

static void check_map(const struct proc_map *m, const char *text)
{
	size_t len = strlen(m->path);

	EXPECT(m->start < m->end);
	EXPECT((m->perms & ~(unsigned)(PROC_MAP_READ | PROC_MAP_WRITE | PROC_MAP_EXEC)) == 0);
	EXPECT(!strchr(m->path, '\n'));
	EXPECT(len == 0 || m->path[0] != ' ');
	if (len)	/* the path, and the suffix the flag stands for, are in the text as they are */
		EXPECT(strstr(text, m->path) != NULL);
}

/* The mapping at addr, found the slow way. */
static const struct proc_map *holding(const struct proc_maps *m, uint64_t addr)
{
	for (size_t i = 0; i < m->n; i++)
		if (addr >= m->maps[i].start && addr < m->maps[i].end)
			return &m->maps[i];
	return NULL;
}

static void check_find(const struct proc_maps *m, uint64_t addr)
{
	EXPECT(proc_maps_find(m, addr) == holding(m, addr));
}

static void check_maps(const struct proc_maps *m, const char *text, const uint8_t *data, size_t size)
{
	EXPECT(m->n <= count_lines(text));
	for (size_t i = 0; i < m->n; i++) {
		check_map(&m->maps[i], text);
		if (i)
			EXPECT(m->maps[i - 1].end <= m->maps[i].start);
	}
	for (size_t i = 0; i < m->n; i++) {
		check_find(m, m->maps[i].start);
		check_find(m, m->maps[i].end - 1);
		check_find(m, m->maps[i].end);
	}
	for (size_t off = 0; off + 8 <= size && off < 256; off += 8) {	/* addresses the input chooses */
		uint64_t addr;

		memcpy(&addr, data + off, 8);
		check_find(m, addr);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct proc_maps m;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (proc_maps_parse(text, &m) == 0) {
		check_maps(&m, text, data, size);
		proc_maps_free(&m);
	}
	free(text);
	return 0;
}
