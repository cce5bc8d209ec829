// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target for the symbolizer (symbolizer.c, symbolize.c) over a damaged function table (sym_module.c,
 * pclntab.c): a profile is symbolized with whatever .gopclntab the target's binary holds. Real fixture binaries
 * (Go 1.26 and 1.19, loaded once) are mapped at their link-time addresses as a maps text would say; the input
 * chooses the binary (first byte), up to 15 patches of its .gopclntab (second byte: how many; each a 4-byte
 * offset, a length byte and the bytes) and then the PCs to symbolize, 8 bytes each (top bit clear: an offset
 * into .text; set: any user address; bit 62: a return address). Every PC must give at least one frame, each
 * with a non-empty NUL-terminated name (profile_function refuses an empty one) and a file, a line >= 0, a
 * mapping that holds the PC when it has one, "[unknown]" exactly when nothing resolved it; the PC cache must
 * answer a second lookup as the first; the stack must go into a profile (sym_profile_add 0), every location
 * naming functions the profile knows. Kernel PCs are left out: they resolve through /proc/kallsyms, not the
 * binary.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -std=gnu11 -D_GNU_SOURCE
 *        -iquote user tests/fuzz/fuzz_symbolizer.c user/profile/symbolizer.c user/profile/symbolize.c
 *        user/profile/profile.c user/gobin/sym_module.c user/gobin/pclntab.c user/gobin/buildinfo.c
 *        user/gobin/elf_file.c user/sys/proc_maps.c user/sys/proc.c user/sys/ksyms.c user/lib/array.c
 *        user/lib/event_loop.c -lelf -o build/fuzz/fuzz_symbolizer
 * Run:   build/fuzz/fuzz_symbolizer -max_len=4096 -max_total_time=300 build/fuzz/corpus_symbolizer
 * (run from the repository root, or with GOTRACE_FUZZ_BINARIES=dir holding go1.26.8/ and go1.19.8/) */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "gobin/elf_file.h"
#include "gobin/pclntab.h"
#include "gobin/sym_module.h"
#include "profile/profile.h"
#include "profile/symbolize.h"
#include "profile/symbolizer.h"
#include "fuzz_images.h"

#define EXPECT(cond)                     \
	do {                             \
		if (!(cond))             \
			__builtin_trap(); \
	} while (0)

#define MAX_PATCHES 15
#define MAX_PCS 64
#define MAX_FRAMES 64	/* symbolize.c asks for as many */
#define PAGE ((uint64_t)4096)

struct image {
	const char *path;
	uint8_t *pristine, *work;	/* the file; the copy the patches go into */
	size_t size;
	uint64_t tab_off, tab_size;	/* .gopclntab in the file */
	uint64_t text_addr, text_size;
	uint64_t ino;
	char maps[1024];		/* its PT_LOAD segments as /proc/PID/maps lists them */
};

static struct image images[] = {
	{ .path = "go1.26.8/gcload.default", .ino = 1126 },
	{ .path = "go1.19.8/gcload.default", .ino = 1119 },
};

#define NIMAGES (sizeof(images) / sizeof(images[0]))
#define DEV makedev(0xfe, 0)

static void describe_segments(struct image *im)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)im->pristine;
	size_t len = 0;

	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(im->pristine + eh->e_phoff + (size_t)i * eh->e_phentsize);
		uint64_t start = ph->p_vaddr & ~(PAGE - 1), end = (ph->p_vaddr + ph->p_memsz + PAGE - 1) & ~(PAGE - 1);

		if (ph->p_type != PT_LOAD)
			continue;
		len += snprintf(im->maps + len, sizeof(im->maps) - len,
				"%" PRIx64 "-%" PRIx64 " r%c%cp %08" PRIx64 " fe:00 %" PRIu64 " /fuzz/%s\n", start, end,
				ph->p_flags & PF_W ? 'w' : '-', ph->p_flags & PF_X ? 'x' : '-',
				ph->p_offset & ~(PAGE - 1), im->ino, im->path);
	}
	/* executable memory of no file (JIT): a mapping without a module */
	snprintf(im->maps + len, sizeof(im->maps) - len, "7f0000000000-7f0000010000 r-xp 00000000 00:00 0\n");
}

static void load_image(struct image *im)
{
	struct elf_section sec;
	struct elf_file *ef;

	fuzz_read_fixture("fuzz_symbolizer", im->path, &im->pristine, &im->work, &im->size);
	if (elf_file_open_mem(im->pristine, im->size, &ef)) {
		fprintf(stderr, "fuzz_symbolizer: %s is not an ELF file\n", im->path);
		exit(1);
	}
	if (elf_file_find_section(ef, ".gopclntab", &sec) == 0 && sec.data) {
		im->tab_off = sec.offset;
		im->tab_size = sec.size;
	}
	if (elf_file_find_section(ef, ".text", &sec) == 0) {
		im->text_addr = sec.addr;
		im->text_size = sec.size;
	}
	elf_file_close(ef);
	describe_segments(im);
}

/* GOTRACE_FUZZ_SEEDS=DIR: writes DIR/functions-<image>, no patch and PCs inside functions spread over the
 * table (their entries and points inside, some as return addresses), the seeds scripts/fuzz.sh starts from. */
static void write_seed(const struct image *im, uint8_t which, const char *dir)
{
	struct elf_file *ef = NULL;
	struct pclntab *t = NULL;
	uint8_t seed[2 + MAX_PCS * 8] = { which, 0 };
	char path[4096];
	size_t count;
	FILE *f;

	if (elf_file_open_mem(im->pristine, im->size, &ef) || pclntab_open(ef, &t))
		goto out;
	count = pclntab_func_count(t);
	for (size_t i = 0; i < MAX_PCS; i++) {
		struct go_func fn;
		uint64_t off = 0;

		if (pclntab_func_at_index(t, i * count / MAX_PCS, &fn) == 0 && fn.entry >= im->text_addr)
			off = fn.entry - im->text_addr + (i % 3) * (fn.end - fn.entry) / 3;
		off |= (uint64_t)(i % 2) << 62;	/* every other one a return address */
		memcpy(seed + 2 + 8 * i, &off, 8);
	}
	snprintf(path, sizeof(path), "%s/functions-%u", dir, which);
	if ((f = fopen(path, "wb"))) {
		fwrite(seed, 1, sizeof(seed), f);
		fclose(f);
	}
out:
	pclntab_close(t);
	elf_file_close(ef);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_LOAD_IMAGES(images, load_image, write_seed);
	return 0;
}

/* ---- the input ---- */

struct input {
	const uint8_t *p;
	size_t left;
};

static bool take(struct input *in, void *out, size_t n)
{
	if (in->left < n)
		return false;
	memcpy(out, in->p, n);
	in->p += n;
	in->left -= n;
	return true;
}

/* Applies the input's patches to the image's function table; undone by restore. */
static void patch(struct image *im, struct input *in)
{
	uint8_t count = 0;

	take(in, &count, 1);
	for (int i = 0; i < count % (MAX_PATCHES + 1) && im->tab_size; i++) {
		uint32_t off;
		uint8_t len;

		if (!take(in, &off, 4) || !take(in, &len, 1))
			return;
		off %= im->tab_size;
		len = len > in->left ? in->left : len;
		len = len > im->tab_size - off ? im->tab_size - off : len;
		take(in, im->work + im->tab_off + off, len);
	}
}

static void restore(struct image *im)
{
	memcpy(im->work + im->tab_off, im->pristine + im->tab_off, im->tab_size);
}

static int read_pcs(const struct image *im, struct input *in, uint64_t *pcs, bool *ret)
{
	uint64_t v;
	int n = 0;

	while (n < MAX_PCS && take(in, &v, 8)) {
		ret[n] = v >> 62 & 1;
		v &= ~(3ULL << 62);
		pcs[n++] = in->p[-1] & 0x80 || !im->text_size ? v : im->text_addr + v % im->text_size;
	}
	return n;
}

/* ---- the checks ---- */

static void check_frame(const struct sym_frame *f, uint64_t addr)
{
	EXPECT(f->func && f->func[0] && strlen(f->func) < (1u << 20));
	EXPECT(f->file && strlen(f->file) < (1u << 20));
	EXPECT(f->line >= 0);
	EXPECT(f->kind != SYM_UNKNOWN || !strcmp(f->func, "[unknown]"));
	EXPECT(f->kind == SYM_UNKNOWN || f->map);
	EXPECT(f->kind != SYM_KERNEL);
	if (f->map) {
		EXPECT(addr >= f->map->start && addr < f->map->limit);
		EXPECT(f->offset == addr - f->map->start + f->map->file_offset);
		EXPECT(f->map->path && f->map->build_id);
	}
}

static void check_pc(struct symbolizer *s, uint64_t pc, bool ret)
{
	struct sym_frame first[MAX_FRAMES], again[MAX_FRAMES];
	int n = symbolizer_frames(s, pc, ret, first, MAX_FRAMES);

	EXPECT(n >= 1);
	for (int i = 0; i < n && i < MAX_FRAMES; i++)
		check_frame(&first[i], ret && pc ? pc - 1 : pc);
	EXPECT(symbolizer_frames(s, pc, ret, again, MAX_FRAMES) == n);
	EXPECT(!memcmp(first, again, sizeof(*first) * (n < MAX_FRAMES ? n : MAX_FRAMES)));
}

static void check_profile(const struct profile *p)
{
	for (uint32_t id = 1; id <= profile_location_count(p); id++) {
		const struct profile_location_info *loc = profile_location_get(p, id);

		EXPECT(loc && loc->mapping <= profile_mapping_count(p));
		for (int i = 0; i < loc->nlines; i++) {
			const struct profile_function_info *fn = profile_function_get(p, loc->lines[i].function);

			EXPECT(fn && fn->name && fn->name[0] && fn->file);
		}
	}
	EXPECT(profile_sample_count(p) == 1);
}

static void symbolize(struct symbolizer *s, const uint64_t *pcs, const bool *ret, int n)
{
	static const struct profile_value_type types[] = { { "samples", "count" } };
	struct profile *p = profile_new(types, 1, types[0], 1);
	struct sym_profile *sp = NULL;
	struct sym_stack st = { .user = pcs, .nuser = n, .leaf_exact = n && !ret[0], .root = "[root]" };
	int64_t one = 1;

	for (int i = 0; i < n; i++)
		check_pc(s, pcs[i], ret[i]);
	if (!p || sym_profile_new(p, &sp)) {
		profile_free(p);
		return;
	}
	EXPECT(sym_profile_add(sp, s, &st, &one, NULL, 0) == 0);
	check_profile(p);
	sym_profile_free(sp);
	profile_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data + 1, size ? size - 1 : 0 };
	struct image *im = &images[size ? data[0] % NIMAGES : 0];
	struct sym_cache *c = NULL;
	struct symbolizer *s = NULL;
	struct sym_module *mod = NULL;
	uint64_t pcs[MAX_PCS];
	bool ret[MAX_PCS];
	int n;

	patch(im, &in);
	n = read_pcs(im, &in, pcs, ret);
	if (sym_cache_new(&c) == 0 && sym_module_open_mem(im->work, im->size, im->path, &mod) == 0 &&
	    sym_cache_add_module(c, DEV, im->ino, mod) == 0) {
		mod = NULL;	/* the cache's now */
		if (symbolizer_open_maps(c, im->maps, &s) == 0)
			symbolize(s, pcs, ret, n);
	}
	symbolizer_close(s);
	sym_module_free(mod);
	sym_cache_free(c);
	restore(im);
	return 0;
}
