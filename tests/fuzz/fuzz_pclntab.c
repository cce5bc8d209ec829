// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: an arbitrary file as an ELF, through every pclntab entry point.
 *
 * Build (from the repository root):
 *   mkdir -p build/fuzz && clang -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE -Iuser \
 *     tests/fuzz/fuzz_pclntab.c user/pclntab.c user/elf_file.c $(pkg-config --libs libelf) -o build/fuzz/fuzz_pclntab
 * Seeds: small synthetic tables of every layout (Go 1.2, 1.16, 1.18, 1.20; 4/8-byte pointers; both byte orders),
 * written by the unit test, fuzz fast; real binaries (MBs, tens of runs a second) reach the rest:
 *   mkdir -p build/fuzz/corpus_pclntab build/fuzz/corpus_pclntab_big
 *   GOTRACE_FUZZ_SEEDS=build/fuzz/corpus_pclntab build/tests/unit/test_pclntab synthetic
 *   cp build/tests/go/go1.19.8/gcload.stripped build/tests/go/go1.26.8/gcload.stripped build/fuzz/corpus_pclntab_big/
 *   build/fuzz/fuzz_pclntab -max_len=65536 -max_total_time=300 build/fuzz/corpus_pclntab
 *   build/fuzz/fuzz_pclntab -max_len=3000000 -max_total_time=300 -rss_limit_mb=4096 build/fuzz/corpus_pclntab_big */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gobin/elf_file.h"
#include "gobin/pclntab.h"

/* Answers must be well-formed whatever the input; anything else is a bug worth a crash report. */
static void check(bool ok)
{
	if (!ok)
		abort();
}

static void lookups_at(const struct pclntab *t, uint64_t pc)
{
	struct go_frame frames[4];
	const char *file;
	struct go_func fn;
	int line, n;

	if (pclntab_func_for_pc(t, pc, &fn) == 0)
		check(fn.name && fn.entry <= pc && pc < fn.end);
	if (pclntab_source_line(t, pc, &file, &line) == 0)
		check(file != NULL);
	if (pclntab_frames(t, pc, frames, 4, &n) == 0) {
		check(n >= 1 && n <= 4);
		for (int i = 0; i < n; i++)
			check(frames[i].func && frames[i].file);
	}
}

static void exercise(const struct pclntab *t, const uint8_t *data, size_t size)
{
	size_t count = pclntab_func_count(t), step = count / 64 + 1;

	for (size_t i = 0; i < count; i += step) {
		struct go_func fn, byname;

		if (pclntab_func_at_index(t, i, &fn) != 0)
			continue;
		check(fn.name && fn.entry < fn.end);
		if (pclntab_find_func(t, fn.name, &byname) == 0)
			check(strcmp(byname.name, fn.name) == 0);
		lookups_at(t, fn.entry + (size ? data[i % size] : 0) % (fn.end - fn.entry));
	}
	for (size_t off = 0; off + 8 <= size && off < 512; off += 8) {	/* PCs the input chooses */
		uint64_t pc;

		memcpy(&pc, data + off, 8);
		lookups_at(t, pc);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_file *ef;
	struct pclntab *t;

	if (elf_file_open_mem(data, size, &ef) != 0)
		return 0;
	if (pclntab_open(ef, &t) == 0) {
		exercise(t, data, size);
		pclntab_close(t);
	}
	elf_file_close(ef);
	return 0;
}
