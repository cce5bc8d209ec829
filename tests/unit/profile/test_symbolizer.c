// SPDX-License-Identifier: GPL-2.0
/* The symbolizer against independent ground truth: go tool addr2line on the unstripped twin of every hotspots
 * fixture (stripped, PIE, external-link/cgo, static; every toolchain) for Go PCs of a live process, nm -D for
 * libc PCs of this process, /proc/kallsyms for kernel PCs; the maps and kallsyms parsers on recorded text;
 * stacks into a profile; and the time to symbolize 100k samples. */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/sysmacros.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "go_tool.h"
#include "gobin/elf_file.h"
#include "sys/ksyms.h"
#include "gobin/pclntab.h"
#include "sys/proc.h"
#include "sys/proc_maps.h"
#include "gobin/sym_module.h"
#include "profile/profile.h"
#include "profile/symbolize.h"
#include "profile/symbolizer.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- parsers on recorded text ---- */

TEST(maps_parse_paths_with_spaces_deleted_and_anonymous)
{
	static const char text[] =
		"00400000-00452000 r-xp 00000000 fe:00 1234                               /srv/my app/bin\n"
		"00652000-00653000 rw-p 00052000 fe:00 1234                               /srv/my app/bin\n"
		"7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n"
		"7f0000002000-7f0000004000 r-xp 00001000 08:01 99                         /tmp/lib.so (deleted)\n"
		"garbage line\n"
		"7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0                          [vdso]";
	struct proc_maps m;

	CHECK(proc_maps_parse(text, &m) == 0);
	CHECK_EQ_U64(m.n, 5);
	CHECK_STR(m.maps[0].path, "/srv/my app/bin");
	CHECK(m.maps[0].perms == (PROC_MAP_READ | PROC_MAP_EXEC));
	CHECK_EQ_U64(m.maps[1].offset, 0x52000);
	CHECK_STR(m.maps[2].path, "");
	CHECK_STR(m.maps[3].path, "/tmp/lib.so");
	CHECK(m.maps[3].deleted && !m.maps[0].deleted);
	CHECK_EQ_U64(m.maps[3].ino, 99);
	CHECK_STR(m.maps[4 - 1].path, "/tmp/lib.so");
	CHECK(proc_maps_find(&m, 0x400000) == &m.maps[0]);
	CHECK(proc_maps_find(&m, 0x451fff) == &m.maps[0]);
	CHECK(proc_maps_find(&m, 0x452000) == NULL);
	CHECK(proc_maps_find(&m, 0x7ffd00001000) != NULL && !strcmp(proc_maps_find(&m, 0x7ffd00001000)->path, "[vdso]"));
	CHECK(!proc_map_is_shared_object(&m.maps[0]) && !proc_map_is_shared_object(&m.maps[2]));
	CHECK(proc_map_is_shared_object(&m.maps[3]) && !proc_map_is_shared_object(&m.maps[4]));
	proc_maps_free(&m);
	/* a static Go binary: its own file, anonymous memory, a socket-like name, the kernel's pages */
	CHECK(proc_maps_parse("00400000-00452000 r-xp 00000000 08:01 7 /srv/app.so-not\n"
			      "7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n"
			      "7f0000001000-7f0000002000 r--p 00000000 08:01 8 /run/x.sock\n"
			      "7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0 [vdso]\n", &m) == 0);
	CHECK_EQ_U64(m.n, 4);
	for (size_t i = 0; i < m.n; i++)
		CHECK(!proc_map_is_shared_object(&m.maps[i]));
	proc_maps_free(&m);
	CHECK(proc_maps_parse("7f0000000000-7f0000001000 r-xp 00000000 08:01 9 /usr/lib/x86_64-linux-gnu/libc.so.6\n",
			      &m) == 0);
	CHECK(proc_map_is_shared_object(&m.maps[0]));
	proc_maps_free(&m);
}

/* Found by fuzz_proc_maps: a line cut short took its inode from the next line (and a path of negative length
 * with it); a line out of order or overlapping the one before broke proc_maps_find's binary search. */
TEST(maps_parse_skips_lines_cut_short_and_out_of_order)
{
	static const char text[] = "00001000-00002000 r-xp 0 0:0\n"
				   "5 /lib/x\n"
				   "00005000-00006000 r-xp 00000000 08:01 7 /b\n"
				   "00003000-00004000 r-xp 00000000 08:01 7 /a\n"
				   "00005800-00007000 r-xp 00000000 08:01 7 /c\n"
				   "00007000-00008000 r-xp 00000000 08:01 7 /d\n";
	struct proc_maps m;

	CHECK(proc_maps_parse(text, &m) == 0);
	CHECK_EQ_U64(m.n, 2);
	CHECK_STR(m.maps[0].path, "/b");
	CHECK_STR(m.maps[1].path, "/d");
	CHECK(proc_maps_find(&m, 0x7800) == &m.maps[1]);
	CHECK(proc_maps_find(&m, 0x3000) == NULL);
	proc_maps_free(&m);
}

static int parse_kallsyms(const char *text, struct ksyms **k)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int err = ksyms_parse(f, k);

	fclose(f);
	return err;
}

TEST(kallsyms_parse_sorts_text_symbols_and_keeps_modules)
{
	static const char text[] = "ffffffff81000100 T second\n"
				   "ffffffff81000000 T _text\n"
				   "ffffffff81000000 T _stext\n"
				   "ffffffff81800000 D some_data\n"
				   "ffffffff81000200 t local_fn\n"
				   "ffffffffc0001000 t mod_fn\t[ext4]\n"
				   "ffffffffc0002000 T _etext_like\n";
	static const char hidden[] = "0000000000000000 T _text\n0000000000000000 t foo\n";
	struct ksyms *k;
	struct ksym s;

	CHECK(parse_kallsyms(hidden, &k) == -EACCES);
	CHECK(parse_kallsyms("", &k) == -ENOENT);
	if (parse_kallsyms(text, &k) != 0) {
		CHECK(!"parse failed");
		return;
	}
	CHECK_EQ_U64(ksyms_count(k), 6);
	CHECK(!ksyms_find(k, 0xffffffff80ffffff, &s));
	CHECK(ksyms_find(k, 0xffffffff81000050, &s) && !strcmp(s.name, "_text"));	/* first of the aliases */
	CHECK(s.addr == 0xffffffff81000000 && !strcmp(s.module, ""));
	CHECK(ksyms_find(k, 0xffffffff81000100, &s) && !strcmp(s.name, "second"));
	CHECK(ksyms_find(k, 0xffffffff81700000, &s) && !strcmp(s.name, "local_fn"));	/* data is no symbol */
	CHECK(ksyms_find(k, 0xffffffffc0001010, &s) && !strcmp(s.name, "mod_fn") && !strcmp(s.module, "ext4"));
	CHECK(!ksyms_find(k, 0xffffffffc0002001, &s));	/* past the last symbol */
	ksyms_free(k);
}

/* /proc/kallsyms lists the core kernel in address order: the table is kept as read, aliases in file order. */
TEST(kallsyms_parse_keeps_a_sorted_file_as_it_is)
{
	static const char text[] = "ffffffff81000000 T _stext\n"
				   "ffffffff81000000 T _text\n"
				   "ffffffff81000040 t a\tnot_a_module\n"
				   "ffffffff81000080 t b\t[bpf]\n";
	struct ksyms *k;
	struct ksym s;
	uint64_t lo, hi;

	if (parse_kallsyms(text, &k) != 0) {
		CHECK(!"parse failed");
		return;
	}
	CHECK_EQ_U64(ksyms_count(k), 4);
	ksyms_range(k, &lo, &hi);
	CHECK(lo == 0xffffffff81000000 && hi == 0xffffffff81000080);
	CHECK(ksyms_find(k, 0xffffffff81000000, &s) && !strcmp(s.name, "_stext"));
	CHECK(ksyms_find(k, 0xffffffff81000041, &s) && !strcmp(s.name, "a") && !strcmp(s.module, ""));
	CHECK(ksyms_find(k, 0xffffffff81000080, &s) && !strcmp(s.name, "b") && !strcmp(s.module, "bpf"));
	ksyms_free(k);
}

/* ---- kernel PCs against /proc/kallsyms ---- */

struct kallsym {
	uint64_t addr;
	char name[128];
};

static int cmp_kallsym(const void *a, const void *b)
{
	const struct kallsym *x = a, *y = b;

	return (x->addr > y->addr) - (x->addr < y->addr);
}

/* Text symbols, sorted; read here with its own parser, independently of ksyms.c. */
static struct kallsym *read_kallsyms(size_t *n)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	struct kallsym *v = NULL, s;
	size_t cap = 0;
	char type, line[512];

	*n = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNx64 " %c %127s", &s.addr, &type, s.name) != 3 || !strchr("tTwW", type))
			continue;
		if (*n == cap)
			v = realloc(v, (cap = cap ? cap * 2 : 65536) * sizeof(*v));
		v[(*n)++] = s;
	}
	if (f)
		fclose(f);
	qsort(v, *n, sizeof(*v), cmp_kallsym);
	return v;
}

TEST(kernel_pcs_match_proc_kallsyms)
{
	struct sym_cache *c;
	struct symbolizer *s;
	size_t n;
	struct kallsym *ks = read_kallsyms(&n);
	int checked = 0, bad = 0;

	CHECK(n > 1000);
	CHECK(sym_cache_new(&c) == 0 && symbolizer_open(c, getpid(), &s) == 0);
	for (size_t i = 7; i + 1 < n; i += n / 997) {
		uint64_t next = ks[i + 1].addr, pc;
		struct sym_frame fr;
		bool alias = false;
		size_t j;

		if (next == ks[i].addr)
			continue;
		pc = ks[i].addr + (next - ks[i].addr) / 2;
		if (symbolizer_frames(s, pc, false, &fr, 1) != 1 || fr.kind != SYM_KERNEL || !fr.map ||
		    !fr.map->is_kernel) {
			bad++;
			continue;
		}
		for (j = i; j > 0 && ks[j - 1].addr == ks[i].addr; j--)
			;
		for (; j < n && ks[j].addr == ks[i].addr; j++)
			alias |= !strcmp(ks[j].name, fr.func);
		if (!alias && bad++ < 5)
			fprintf(stderr, "    %" PRIx64 ": %s, kallsyms: %s\n", pc, fr.func, ks[i].name);
		checked++;
	}
	printf("    %d kernel PCs checked\n", checked);
	CHECK(checked > 500 && bad == 0);
	symbolizer_close(s);
	sym_cache_free(c);
	free(ks);
}

/* ---- libc PCs of this process against nm -D ---- */

struct nm_sym {
	uint64_t value, size;
	char name[128];
};

/* Defined functions of libc's dynamic symbol table, as binutils' nm prints them. */
static int nm_dynamic(const char *lib, struct nm_sym *out, int max)
{
	FILE *p = go_popen("nm -D -S --defined-only '%s'", lib);
	char line[512], type;
	int n = 0;

	while (p && n < max && fgets(line, sizeof(line), p)) {
		struct nm_sym s;

		if (sscanf(line, "%" SCNx64 " %" SCNx64 " %c %127[^@\n]", &s.value, &s.size, &type, s.name) == 4 &&
		    strchr("TtWiI", type) && s.size > 1)
			out[n++] = s;
	}
	if (p)
		pclose(p);
	return n;
}

/* Whether nm lists name at value (aliases share an address). */
static bool nm_has(const struct nm_sym *syms, int n, uint64_t value, const char *name)
{
	for (int i = 0; i < n; i++)
		if (syms[i].value == value && !strcmp(syms[i].name, name))
			return true;
	return false;
}

TEST(libc_pcs_match_nm_dynamic_symbols)
{
	static struct nm_sym syms[8192];
	const struct proc_map *exec = NULL;
	struct proc_maps maps;
	struct sym_cache *c;
	struct symbolizer *s;
	Dl_info info;
	uint64_t base;
	int n, checked = 0, bad = 0;

	/* libc's own printf: under AddressSanitizer the program's printf is libasan's interceptor. */
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);

	CHECK(libc && dladdr(dlsym(libc, "printf"), &info) != 0 && info.dli_fname);
	base = (uintptr_t)info.dli_fbase;	/* runtime address of ELF address 0 (libc is a shared object) */
	n = nm_dynamic(info.dli_fname, syms, 8192);
	CHECK(n > 500);
	CHECK(proc_maps_read(getpid(), &maps) == 0);
	CHECK(sym_cache_new(&c) == 0 && symbolizer_open(c, getpid(), &s) == 0);
	for (int i = 0; i < n; i += 3) {
		uint64_t pc = base + syms[i].value + syms[i].size / 2;
		struct sym_frame fr;

		exec = proc_maps_find(&maps, pc);
		if (!exec || !(exec->perms & PROC_MAP_EXEC))
			continue;
		checked++;
		if (symbolizer_frames(s, pc, false, &fr, 1) != 1 || fr.kind != SYM_NATIVE ||
		    !nm_has(syms, n, syms[i].value, fr.func) || !strstr(fr.map->path, "libc")) {
			if (bad++ < 5)
				fprintf(stderr, "    %s+%" PRIx64 ": got %s, nm: %s\n", info.dli_fname, syms[i].value,
					fr.func, syms[i].name);
		}
		CHECK_EQ_U64(fr.offset, pc - exec->start + exec->offset);
	}
	printf("    %d libc PCs checked (%s)\n", checked, info.dli_fname);
	CHECK(checked > 300 && bad == 0);
	dlclose(libc);
	symbolizer_close(s);
	sym_cache_free(c);
	proc_maps_free(&maps);
}

/* ---- Go PCs of live fixture processes against go tool addr2line ---- */

/* A fixture started with -start=signal: alive, waiting, with its whole binary mapped. */
struct live {
	pid_t pid;
	FILE *out;
};

static int start_fixture(const char *path, struct live *l)
{
	int fds[2];
	char line[64];

	if (pipe(fds))
		return -errno;
	l->pid = fork();
	if (l->pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execl(path, path, "-start=signal", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	l->out = fdopen(fds[0], "r");
	if (!l->out || !fgets(line, sizeof(line), l->out) || strncmp(line, "ready ", 6) != 0)
		return -EIO;
	return 0;
}

static void stop_fixture(struct live *l)
{
	kill(l->pid, SIGKILL);
	waitpid(l->pid, NULL, 0);
	if (l->out)
		fclose(l->out);
}

#define GO_PCS 400

/* Link-time addresses inside functions spread over the whole table, the middle of each. */
static int pick_go_pcs(const char *twin, uint64_t *pcs, int max)
{
	struct elf_file *ef;
	struct pclntab *t;
	int n = 0;

	if (elf_file_open(twin, &ef))
		return -1;
	if (pclntab_open(ef, &t) == 0) {
		size_t nf = pclntab_func_count(t);

		for (size_t i = 0; i < nf && n < max; i += nf / max + 1) {
			struct go_func fn;

			if (pclntab_func_at_index(t, i, &fn) == 0 && fn.end > fn.entry + 1)
				pcs[n++] = fn.entry + (fn.end - fn.entry) / 3;
		}
		pclntab_close(t);
	}
	elf_file_close(ef);
	return n;
}

/* Runtime address minus link-time address of the fixture's executable (0 unless PIE). */
static int fixture_bias(pid_t pid, uint64_t *bias)
{
	struct proc_target pt;
	struct elf_file *ef;
	int err = proc_target_open(pid, &pt);

	if (err || (err = elf_file_open(pt.exe_path, &ef)))
		return err;
	err = proc_target_load_bias(&pt, elf_file_min_vaddr(ef), bias);
	elf_file_close(ef);
	return err;
}

/* The hotspots inlinedCaller holds mixInlined inlined: some PC must expand to both, innermost first. */
static bool finds_inlined_frame(struct symbolizer *s, const char *twin, uint64_t bias)
{
	struct elf_file *ef;
	struct pclntab *t;
	struct go_func fn;
	bool found = false;

	if (elf_file_open(twin, &ef))
		return false;
	if (pclntab_open(ef, &t) == 0 && pclntab_find_func(t, "main.inlinedCaller", &fn) == 0) {
		for (uint64_t pc = fn.entry; pc < fn.end && !found; pc++) {
			struct sym_frame fr[4];
			int n = symbolizer_frames(s, pc + bias, false, fr, 4);

			found = n == 2 && !strcmp(fr[0].func, "main.mixInlined") && !strcmp(fr[1].func, "main.inlinedCaller") &&
				strstr(fr[0].file, "hotspots/main.go") && fr[0].line > 0;
		}
		pclntab_close(t);
	}
	elf_file_close(ef);
	return found;
}

static int check_go_pcs(struct symbolizer *s, const char *twin, uint64_t bias, const char *what)
{
	static uint64_t pcs[GO_PCS];
	static struct go_position pos[GO_PCS];
	int n = pick_go_pcs(twin, pcs, GO_PCS), bad = 0;

	if (n < 100 || go_addr2line(twin, pcs, n, pos) != 0)
		return -1;
	for (int i = 0; i < n; i++) {
		struct sym_frame fr[16];
		int k = symbolizer_frames(s, pcs[i] + bias, false, fr, 16);

		/* addr2line says "?:-1" or ":0" where the table has no line (alignment padding); we say "":0. */
		bool no_line = pos[i].line <= 0;

		if (k < 1 || k > 16 || fr[0].kind != SYM_GO || strcmp(fr[k - 1].func, pos[i].func) != 0 ||
		    (no_line ? fr[0].line != 0 : strcmp(fr[0].file, pos[i].file) != 0 || fr[0].line != pos[i].line)) {
			if (bad++ < 3)
				fprintf(stderr, "    %s %" PRIx64 ": %s %s:%d, addr2line: %s %s:%d\n", what, pcs[i],
					k > 0 ? fr[k > 16 ? 15 : k - 1].func : "-", k > 0 ? fr[0].file : "",
					k > 0 ? fr[0].line : 0, pos[i].func, pos[i].file, pos[i].line);
		}
	}
	return bad;
}

/* C code of an externally linked binary (the C runtime's _start) has no pclntab entry: its ELF symbol names it. */
static bool finds_c_function(struct symbolizer *s, const char *twin, uint64_t bias)
{
	struct elf_file *ef;
	struct elf_symbol sym;
	struct sym_frame fr;
	bool found = false;

	if (elf_file_open(twin, &ef))
		return false;
	if (elf_file_find_symbol(ef, "_start", &sym) == 0 && sym.size > 1)
		found = symbolizer_frames(s, sym.value + sym.size / 2 + bias, false, &fr, 1) == 1 &&
			fr.kind == SYM_NATIVE && !strcmp(fr.func, "_start");
	elf_file_close(ef);
	return found;
}

struct go_totals {
	int fixtures;
};

static void check_fixture(const struct unit_fixture *f, void *ctx)
{
	struct go_totals *tot = ctx;
	char twin[4200], what[256];
	struct sym_cache *c;
	struct symbolizer *s;
	struct live l = { 0 };
	uint64_t bias = 0;

	if (strcmp(f->program, "hotspots") != 0)
		return;
	snprintf(twin, sizeof(twin), "build/tests/go/%s/hotspots.%s", f->goversion,
		 strcmp(f->variant, "stripped") ? f->variant : "default");
	snprintf(what, sizeof(what), "%s-%s", f->goversion, f->variant);
	if (start_fixture(f->path, &l) || fixture_bias(l.pid, &bias) || sym_cache_new(&c)) {
		fprintf(stderr, "    %s: cannot start\n", what);
		unit_failures_in_test++;
		stop_fixture(&l);
		return;
	}
	CHECK(symbolizer_open(c, l.pid, &s) == 0);
	CHECK(check_go_pcs(s, twin, bias, what) == 0);
	CHECK(finds_inlined_frame(s, twin, bias));
	CHECK(strcmp(f->variant, "external") || finds_c_function(s, twin, bias));
	CHECK(symbolizer_main_map(s) && !strcmp(symbolizer_main_map(s)->path, realpath(f->path, twin)));
	CHECK(symbolizer_main_map(s) && symbolizer_main_map(s)->build_id[0]);
	symbolizer_close(s);
	sym_cache_free(c);
	stop_fixture(&l);
	tot->fixtures++;
}

TEST(go_pcs_of_live_fixtures_match_go_tool_addr2line)
{
	struct go_totals tot = { 0 };

	CHECK(unit_manifest(check_fixture, &tot) > 0);
	printf("    %d hotspots fixtures checked\n", tot.fixtures);
	CHECK(tot.fixtures >= 5);
}

/* ---- stacks into a profile ---- */

static const char *frame_name(const struct profile *p, uint32_t loc, int line)
{
	const struct profile_location_info *l = profile_location_get(p, loc);

	return l && line < l->nlines ? profile_function_get(p, l->lines[line].function)->name : NULL;
}

static const struct profile_value_type count_type[] = { { "samples", "count" } };

TEST(stacks_become_samples_with_shared_locations)
{
	struct sym_cache *c;
	struct symbolizer *s;
	struct sym_profile *sp;
	struct profile *p = profile_new(count_type, 1, count_type[0], 1);
	struct profile_sample smp;
	const struct profile_mapping_info *m;
	size_t nks;
	struct kallsym *ks = read_kallsyms(&nks);
	uint64_t kernel[2] = { ks[nks / 2].addr, ks[nks / 3].addr + 1 };
	uint64_t user[3] = { (uintptr_t)printf + 4, 0x10, (uintptr_t)printf + 4 };
	struct sym_stack st = { .kernel = kernel, .nkernel = 2, .user = user, .nuser = 3, .leaf_exact = true,
				.root = "[blocked]" };
	struct profile_label label = { "tid", NULL, 42, NULL };
	int64_t one = 1;
	const char *names[16];
	int n;

	CHECK(sym_cache_new(&c) == 0 && symbolizer_open(c, getpid(), &s) == 0 && sym_profile_new(p, &sp) == 0);
	CHECK(sym_profile_add(sp, s, &st, &one, &label, 1) == 0);
	CHECK(sym_profile_add(sp, s, &st, &one, &label, 1) == 0);
	st = (struct sym_stack){ .leaf_exact = true };
	CHECK(sym_profile_add(sp, s, &st, &one, NULL, 0) == 0);
	CHECK_EQ_U64(profile_sample_count(p), 2);	/* identical stacks merged */
	profile_sample_get(p, 0, &smp);
	CHECK_EQ_U64(smp.values[0], 2);
	CHECK_EQ_U64(smp.nlocations, 6);
	/* The executable (this test binary) is the first mapping, libc and the kernel follow. */
	CHECK((m = profile_mapping_get(p, 1)) && strstr(m->file, "test_symbolizer"));
	CHECK(frame_name(p, smp.locations[0], 0) && !strcmp(frame_name(p, smp.locations[0], 0) +
							       strlen(frame_name(p, smp.locations[0], 0)) - 4, "_[k]"));
	/* printf+4 as the interrupted... no: the kernel frame was; as a user return address it is printf too. */
	CHECK_STR(frame_name(p, smp.locations[2], 0), "printf");
	CHECK(smp.locations[2] == smp.locations[4]);	/* one location for one (process, address) */
	CHECK(profile_location_get(p, smp.locations[3])->nlines == 0);	/* 0x10: no mapping, kept unknown */
	CHECK_STR(frame_name(p, smp.locations[5], 0), "[blocked]");
	n = profile_sample_frames(p, &smp, names, 16);
	CHECK(n == 6 && !strcmp(names[0], "[blocked]") && !strcmp(names[2], "[unknown]"));
	profile_sample_get(p, 1, &smp);
	CHECK(smp.nlocations == 1 && !strcmp(frame_name(p, smp.locations[0], 0), "[no stack]"));
	sym_profile_free(sp);
	profile_free(p);
	symbolizer_close(s);
	sym_cache_free(c);
	free(ks);
}

/* The maps line of the page holding vaddr in the file at path, as the kernel would list it for inode ino. */
static void maps_line_for(const char *path, uint64_t vaddr, unsigned long ino, char *line, size_t size)
{
	struct elf_file *ef;
	uint64_t page = vaddr & ~4095ULL, off = 0;

	if (elf_file_open(path, &ef) == 0) {
		elf_file_vaddr_to_offset(ef, page, &off);
		elf_file_close(ef);
	}
	snprintf(line, size, "%" PRIx64 "-%" PRIx64 " r-xp %08" PRIx64 " fe:00 %lu /srv/gcload\n", page, page + 4096,
		 off, ino);
}

/* A symbolizer of maps given as text, its module handed to the cache from memory (what fuzz_symbolizer builds
 * on), and a stack without kernel frames whose kernel pointer is NULL (fuzz_symbolizer found NULL + 0 taken). */
TEST(maps_as_text_resolve_through_modules_given_to_the_cache)
{
	const char *path = "build/tests/go/go1.26.8/gcload.default";
	struct profile *p = profile_new(count_type, 1, count_type[0], 1);
	struct sym_module *mod = NULL;
	struct sym_profile *sp = NULL;
	struct symbolizer *s = NULL;
	struct sym_cache *c = NULL;
	struct elf_symbol sym = { 0 };
	struct sym_stack st = { .kernel = NULL, .nkernel = 0, .user = &sym.value, .nuser = 1, .leaf_exact = true };
	struct elf_file *ef;
	struct sym_frame f[8];
	char maps[256];
	int64_t one = 1;
	int n;

	if (elf_file_open(path, &ef) == 0) {
		elf_file_find_symbol(ef, "main.main", &sym);
		elf_file_close(ef);
	}
	CHECK(sym.value != 0);
	maps_line_for(path, sym.value, 77, maps, sizeof(maps));
	CHECK(sym_cache_new(&c) == 0 && sym_module_open(path, "/srv/gcload", &mod) == 0);
	CHECK(sym_cache_add_module(c, makedev(0xfe, 0), 77, mod) == 0);
	CHECK(symbolizer_open_maps(c, maps, &s) == 0 && symbolizer_pid(s) == 0);
	n = symbolizer_frames(s, sym.value + 1, false, f, 8);
	CHECK(n >= 1 && n <= 8 && f[n - 1].kind == SYM_GO);
	CHECK_STR(f[n - 1].func, "main.main");
	CHECK(f[0].map && !strcmp(f[0].map->path, "/srv/gcload"));
	CHECK(symbolizer_frames(s, 0x10, false, f, 8) == 1 && f[0].kind == SYM_UNKNOWN && !f[0].map);
	CHECK(symbolizer_refresh(s) == -ESRCH);	/* no process to re-read */
	CHECK(p && sym_profile_new(p, &sp) == 0 && sym_profile_add(sp, s, &st, &one, NULL, 0) == 0);
	CHECK_EQ_U64(profile_sample_count(p), 1);
	sym_profile_free(sp);
	profile_free(p);
	symbolizer_close(s);
	sym_cache_free(c);
}

static uint64_t kallsyms_addr(const struct kallsym *ks, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ks[i].name, name))
			return ks[i].addr;
	return 0;
}

TEST(tracepoint_machinery_is_trimmed_from_kernel_stacks)
{
	struct sym_cache *c;
	struct symbolizer *s;
	struct sym_profile *sp;
	struct profile *p = profile_new(count_type, 1, count_type[0], 1);
	struct profile_sample smp;
	size_t n;
	struct kallsym *ks = read_kallsyms(&n);
	uint64_t kernel[3] = { kallsyms_addr(ks, n, "bpf_trace_run4") + 8, kallsyms_addr(ks, n, "__schedule") + 8,
			       kallsyms_addr(ks, n, "schedule") + 8 };
	struct sym_stack st = { .kernel = kernel, .nkernel = 3, .kernel_from_tracepoint = true };
	int64_t one = 1;

	CHECK(kernel[0] > 8 && kernel[1] > 8 && kernel[2] > 8);
	CHECK(sym_cache_new(&c) == 0 && symbolizer_open(c, getpid(), &s) == 0 && sym_profile_new(p, &sp) == 0);
	CHECK(sym_profile_add(sp, s, &st, &one, NULL, 0) == 0);
	st.kernel_from_tracepoint = false;	/* a CPU sample in bpf_trace_run4 keeps it */
	CHECK(sym_profile_add(sp, s, &st, &one, NULL, 0) == 0);
	profile_sample_get(p, 0, &smp);
	CHECK(smp.nlocations == 2 && !strcmp(frame_name(p, smp.locations[0], 0), "__schedule_[k]"));
	profile_sample_get(p, 1, &smp);
	CHECK(smp.nlocations == 3 && !strcmp(frame_name(p, smp.locations[0], 0), "bpf_trace_run4_[k]"));
	sym_profile_free(sp);
	profile_free(p);
	symbolizer_close(s);
	sym_cache_free(c);
	free(ks);
}

TEST(return_addresses_are_looked_up_one_byte_earlier)
{
	struct sym_cache *c;
	struct symbolizer *s;
	struct sym_frame a, b;
	/* The first byte of a function: as a return address it belongs to the function before it. */
	uint64_t pc = (uintptr_t)printf;

	CHECK(sym_cache_new(&c) == 0 && symbolizer_open(c, getpid(), &s) == 0);
	CHECK(symbolizer_frames(s, pc, false, &a, 1) == 1 && !strcmp(a.func, "printf"));
	CHECK(symbolizer_frames(s, pc, true, &b, 1) == 1 && b.offset == a.offset - 1);
	CHECK(strcmp(b.func, "printf") != 0);
	symbolizer_close(s);
	sym_cache_free(c);
}

static void main_anchor(void)
{
}

TEST(anonymous_and_unmapped_pcs_stay_unknown_with_their_offset)
{
	struct sym_cache *c;
	struct symbolizer *s;
	struct sym_frame f;
	char *heap = malloc(64);

	CHECK(sym_cache_new(&c) == 0 && symbolizer_open(c, getpid(), &s) == 0);
	CHECK(symbolizer_frames(s, 0x10, false, &f, 1) == 1 && f.kind == SYM_UNKNOWN && !f.map && f.offset == 0x10);
	/* Data is no code: no mapping either, so that a long-running process's heap churn costs nothing. */
	CHECK(symbolizer_frames(s, (uintptr_t)heap, false, &f, 1) == 1 && f.kind == SYM_UNKNOWN && !f.map);
	CHECK_STR(f.func, "[unknown]");
	/* Code keeps its file and offset, for "[unknown] file+0xoffset" when nothing names it. */
	CHECK(symbolizer_frames(s, (uintptr_t)main_anchor + 1, false, &f, 1) == 1 && f.map && f.map->path[0]);
	symbolizer_close(s);
	sym_cache_free(c);
	free(heap);
}

/* ---- speed: 100k samples ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Runtime PCs inside the Go functions of a live process: a pool from which stacks are drawn. */
static int go_pc_pool(const char *path, uint64_t bias, uint64_t *pool, int max)
{
	struct elf_file *ef;
	struct pclntab *t;
	int n = 0;

	if (elf_file_open(path, &ef))
		return 0;
	if (pclntab_open(ef, &t) == 0) {
		size_t nf = pclntab_func_count(t);

		while (n < max) {
			struct go_func fn;

			if (pclntab_func_at_index(t, rnd() % nf, &fn) == 0 && fn.end > fn.entry)
				pool[n++] = fn.entry + rnd() % (fn.end - fn.entry) + bias;
		}
		pclntab_close(t);
	}
	elf_file_close(ef);
	return n;
}

/* 100k samples of 8..40 frames; frames drawn with a skew (a few hot PCs, a long tail) from pool. */
static double symbolize_samples(struct symbolizer *s, const uint64_t *pool, int npool, int nsamples,
				size_t *distinct)
{
	struct profile *p = profile_new(count_type, 1, count_type[0], 1);
	struct sym_profile *sp;
	static uint64_t stacks[100000][40];
	static int depth[100000];
	int64_t one = 1;
	double t0;

	for (int i = 0; i < nsamples; i++) {
		depth[i] = 8 + rnd() % 33;
		for (int j = 0; j < depth[i]; j++) {
			uint64_t r = rnd() % npool;

			stacks[i][j] = pool[r * r / npool];	/* skewed towards the pool's start */
		}
	}
	sym_profile_new(p, &sp);
	t0 = now_s();
	for (int i = 0; i < nsamples; i++) {
		struct sym_stack st = { .user = stacks[i], .nuser = depth[i], .leaf_exact = true };
		struct profile_label tid = { "tid", NULL, (int64_t)(rnd() % 8), NULL };

		if (sym_profile_add(sp, s, &st, &one, &tid, 1) != 0)
			return -1;
	}
	t0 = now_s() - t0;
	*distinct = profile_location_count(p);
	sym_profile_free(sp);
	profile_free(p);
	return t0;
}

static void time_fixture(const struct unit_fixture *f, void *ctx)
{
	static uint64_t pool[200000];
	struct sym_cache *c;
	struct symbolizer *s;
	struct live l = { 0 };
	uint64_t bias = 0, hits, misses;
	size_t distinct;
	double secs;
	int *done = ctx;

	if (strcmp(f->program, "hotspots") || strcmp(f->variant, "default"))
		return;
	(*done)++;
	if (start_fixture(f->path, &l) || fixture_bias(l.pid, &bias) || sym_cache_new(&c) ||
	    symbolizer_open(c, l.pid, &s)) {
		CHECK(!"cannot start the fixture");
		stop_fixture(&l);
		return;
	}
	CHECK(go_pc_pool(f->path, bias, pool, 20000) == 20000);
	secs = symbolize_samples(s, pool, 20000, 100000, &distinct);
	CHECK(secs >= 0);
	symbolizer_stats(s, &hits, &misses);
	printf("    %s: 100k samples of 8-40 frames (%zu distinct PCs): %.0f ms\n", f->goversion, distinct, secs * 1e3);
	/* Every PC distinct: the cost of a cold lookup (pclntab walk with inline tree). */
	CHECK(go_pc_pool(f->path, bias, pool, 200000) == 200000);
	secs = symbolize_samples(s, pool, 200000, 10000, &distinct);
	printf("    %s: cold lookups: %zu distinct PCs in %.0f ms (%.2f us each)\n", f->goversion, distinct,
	       secs * 1e3, secs * 1e6 / (double)distinct);
	symbolizer_close(s);
	sym_cache_free(c);
	stop_fixture(&l);
}

TEST(symbolize_100k_samples_timing)
{
	int done = 0;

	CHECK(unit_manifest(time_fixture, &done) > 0);
	CHECK(done);
}
