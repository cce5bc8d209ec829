// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target for go_globals.c's derivations from machine code: in a stripped binary, the addresses of
 * runtime.work, memstats and sched come from decoding the runtime functions that use them, whatever those bytes
 * are. Real stripped fixtures (Go 1.26 and 1.19, loaded once) stand around the code; the input chooses the
 * binary and the machine (first byte: bit 0 the toolchain, bit 1 arm64, its ELF header and layout table
 * patched in), then the bodies of the runtime functions the derivations read, each a record: function index,
 * 2-byte length, the bytes (written over that function in a copy, capped at its real size; a function with no
 * record is not found). A global derived from code must be 8-aligned and lie wholly inside one of Go's data
 * sections, its source must say so, and go_globals_find must answer 0 exactly when something was found.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -std=gnu11 -D_GNU_SOURCE
 *        -iquote user tests/fuzz/fuzz_go_globals.c user/gobin/go_globals.c user/gobin/go_offsets.c
 *        user/gobin/pclntab.c user/gobin/elf_file.c (and scripts/fuzz.sh's capstone_srcs) -lbpf -ldw -lelf
 *        -o build/fuzz/fuzz_go_globals
 * Seeds: GOTRACE_FUZZ_SEEDS=DIR build/fuzz/fuzz_go_globals -runs=0 writes the real bodies of both fixtures.
 * Run:   build/fuzz/fuzz_go_globals -max_len=65536 -max_total_time=300 build/fuzz/corpus_go_globals
 * (run from the repository root, or with GOTRACE_FUZZ_BINARIES=dir holding go1.26.8/ and go1.19.8/) */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gobin/capstone_lib.h"
#include "gobin/elf_file.h"
#include "gobin/go_globals.h"
#include "gobin/go_offsets.h"
#include "gobin/pclntab.h"
#include "fuzz_images.h"

#define EXPECT(cond)                     \
	do {                             \
		if (!(cond))             \
			__builtin_trap(); \
	} while (0)

/* Every function go_globals.c's patterns name. */
static const char *const funcs[] = {
	"runtime.gcStart", "runtime.gcMarkDone", "runtime.gcMarkTermination", "runtime.readGCStats_m",
	"runtime.gcTrigger.test", "runtime.stopTheWorldWithSema", "runtime.startTheWorldWithSema",
	"runtime.freezetheworld", "runtime.gcstopm", "runtime.casgstatus", "runtime.(*mheap).allocSpan",
	"runtime.gcControllerCommit",
};

#define NFUNCS (sizeof(funcs) / sizeof(funcs[0]))
#define E_MACHINE 18	/* offset of e_machine in the ELF header */

struct image {
	const char *path;
	int minor;
	uint8_t *pristine, *work;
	size_t size;
	uint64_t entry[NFUNCS], end[NFUNCS];	/* as linked; 0: not in the table */
	uint64_t offset[NFUNCS];		/* in the file */
	uint64_t given_end[NFUNCS];		/* this input's; 0: no record */
};

static struct image images[] = {
	{ .path = "go1.26.8/gcload.stripped", .minor = 26 },
	{ .path = "go1.19.8/gcload.stripped", .minor = 19 },
};

#define NIMAGES (sizeof(images) / sizeof(images[0]))

static void find_funcs(struct image *im)
{
	struct elf_file *ef = NULL;
	struct pclntab *t = NULL;

	if (elf_file_open_mem(im->pristine, im->size, &ef) || pclntab_open(ef, &t)) {
		fprintf(stderr, "fuzz_go_globals: no function table in %s\n", im->path);
		exit(1);
	}
	for (size_t i = 0; i < NFUNCS; i++) {
		struct go_func fn;

		if (pclntab_find_func(t, funcs[i], &fn) == 0 && elf_file_vaddr_ptr(ef, fn.entry, fn.end - fn.entry) &&
		    elf_file_vaddr_to_offset(ef, fn.entry, &im->offset[i]) == 0) {
			im->entry[i] = fn.entry;
			im->end[i] = fn.end;
		}
	}
	pclntab_close(t);
	elf_file_close(ef);
}

static void load_image(struct image *im)
{
	fuzz_read_fixture("fuzz_go_globals", im->path, &im->pristine, &im->work, &im->size);
	find_funcs(im);
}

/* GOTRACE_FUZZ_SEEDS=DIR: DIR/bodies-<n>, every function's real bytes (the first 64 KiB of longer ones). */
static void write_seed(struct image *im, uint8_t which, const char *dir)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/bodies-%u", dir, which);
	if (!(f = fopen(path, "wb")))
		return;
	fputc(which, f);
	for (uint8_t i = 0; i < NFUNCS; i++) {
		uint64_t size = im->end[i] - im->entry[i];
		uint16_t len = size > UINT16_MAX ? UINT16_MAX : size;
		if (!im->entry[i])
			continue;
		fputc(i, f);
		fwrite(&len, 2, 1, f);
		fwrite(im->pristine + im->offset[i], 1, len, f);
	}
	fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!capstone_get())	/* one reference for the whole run: loaded once, not for every input */
		abort();
	FUZZ_LOAD_IMAGES(images, load_image, write_seed);
	return 0;
}

/* ---- one input ---- */

static int lookup(const char *name, uint64_t *entry, uint64_t *end, void *ctx)
{
	const struct image *im = ctx;

	for (size_t i = 0; i < NFUNCS; i++)
		if (!strcmp(name, funcs[i]) && im->given_end[i]) {
			*entry = im->entry[i];
			*end = im->given_end[i];
			return 0;
		}
	return -ENOENT;
}

/* Writes the input's records over the functions in the copy. */
static void place_bodies(struct image *im, const uint8_t *data, size_t size)
{
	memset(im->given_end, 0, sizeof(im->given_end));
	while (size >= 3) {
		uint8_t i = data[0] % NFUNCS;
		uint16_t len;

		memcpy(&len, data + 1, 2);
		data += 3;
		size -= 3;
		len = len > size ? size : len;
		if (im->entry[i] && len <= im->end[i] - im->entry[i]) {
			memcpy(im->work + im->offset[i], data, len);
			im->given_end[i] = im->entry[i] + len;
		}
		data += len;
		size -= len;
	}
}

static void restore(struct image *im)
{
	for (size_t i = 0; i < NFUNCS; i++)
		if (im->given_end[i])
			memcpy(im->work + im->offset[i], im->pristine + im->offset[i], im->given_end[i] - im->entry[i]);
	memcpy(im->work + E_MACHINE, im->pristine + E_MACHINE, 2);
}

static bool in_data(const struct elf_file *ef, uint64_t addr, int32_t size)
{
	static const char *const names[] = { ".data", ".bss", ".noptrbss", ".noptrdata", ".go.module" };
	struct elf_section sec;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (elf_file_find_section(ef, names[i], &sec) == 0 && addr >= sec.addr &&
		    addr + (uint64_t)size <= sec.addr + sec.size)
			return true;
	return false;
}

static void check_derived(const struct elf_file *ef, uint64_t addr, enum go_global_source source, int32_t size)
{
	EXPECT((addr == 0) == (source == GO_GLOBAL_UNKNOWN));
	if (!addr)
		return;
	EXPECT(source == GO_GLOBAL_CODE);
	EXPECT(addr % 8 == 0 && size > 0 && in_data(ef, addr, size));
}

static void check(const struct elf_file *ef, const struct go_offsets *o, const struct go_globals *g, int err)
{
	EXPECT(err == 0 || err == -ENOENT);
	EXPECT((err == 0) == (g->work || g->memstats || g->sched || g->firstmoduledata || g->gc_controller));
	check_derived(ef, g->work, g->work_source, o->work_size);
	check_derived(ef, g->memstats, g->memstats_source, o->memstats_size);
	check_derived(ef, g->sched, g->sched_source, o->sched_size);
	check_derived(ef, g->gc_controller, g->gc_controller_source, o->gcc_size);
	EXPECT((g->firstmoduledata == 0) == (g->firstmoduledata_source == GO_GLOBAL_UNKNOWN));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image *im;
	bool arm64;
	struct elf_file *ef;
	struct go_offsets o;
	struct go_globals g;

	if (size < 1)
		return 0;
	im = &images[data[0] % NIMAGES];
	arm64 = data[0] & 2;
	place_bodies(im, data + 1, size - 1);
	if (arm64) {
		uint16_t machine = EM_AARCH64;

		memcpy(im->work + E_MACHINE, &machine, 2);
	}
	if (go_offsets_from_table(1, im->minor, arm64, &o) == 0 && elf_file_open_mem(im->work, im->size, &ef) == 0) {
		check(ef, &o, &g, go_globals_find(ef, &o, lookup, im, &g));
		elf_file_close(ef);
	}
	restore(im);
	return 0;
}
