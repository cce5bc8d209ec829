// SPDX-License-Identifier: GPL-2.0
/* pclntab reader against Go's own tools on every fixture binary: go tool nm (names, addresses), go tool
 * addr2line (file:line), the inlines fixture's runtime.CallersFrames output (inlined frames), debug/gosym
 * (tests/unit/data/gosymfuncs.go, for stripped binaries), and corrupted or truncated copies of the fixtures. */
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "elf_bytes.h"
#include "go_tool.h"
#include "gobin/buildinfo.h"
#include "gobin/elf_file.h"
#include "gobin/go_version.h"
#include "gobin/pclntab.h"

#define PROMETHEUS "/usr/bin/prometheus"

static bool is_stripped(const struct unit_fixture *f)
{
	return strcmp(f->variant, "stripped") == 0;
}

/* Stripped fixtures are checked against the default build of the same program and toolchain: -s -w removes
 * symbols and DWARF only, so both have the same code layout (checked: same .text address and size). */
static void twin_path(const struct unit_fixture *f, char *out, size_t cap)
{
	if (is_stripped(f))
		snprintf(out, cap, "build/tests/go/%s/%s.default", f->goversion, f->program);
	else
		snprintf(out, cap, "%s", f->path);
}

/* The ELF symbol table and the pclntab spell a few names differently: the linker suffixes assembly (ABI0)
 * functions with ".abi0" and writes "·" as "."; Go 1.19's pclntab abbreviates array lengths in type..eq
 * names to "[...]". Both sides are mapped to one spelling. */
static void normalize(const char *in, char *out, size_t cap)
{
	size_t n = 0, len = strlen(in);

	if (len > 5 && strcmp(in + len - 5, ".abi0") == 0)
		len -= 5;
	for (size_t i = 0; i < len && n + 6 < cap; i++) {
		if ((unsigned char)in[i] == 0xc2 && (unsigned char)in[i + 1] == 0xb7) {
			out[n++] = '.';
			i++;
		} else if (in[i] == '[') {
			/* Array lengths ("[2]") and generic instantiations ("[go.shape.*uint8_0]", which 1.19's table
			 * spells "[...]") become "[...]" on both sides. */
			size_t j = i + 1;
			int depth = 1;

			while (j < len && depth) {
				depth += in[j] == '[' ? 1 : in[j] == ']' ? -1 : 0;
				j++;
			}
			if (depth) {
				out[n++] = in[i];
				continue;
			}
			memcpy(out + n, "[...]", 5);
			n += 5;
			i = j - 1;
		} else {
			out[n++] = in[i];
		}
	}
	out[n] = '\0';
}

struct nm_func {
	uint64_t addr;
	char name[1024], norm[1024];
	bool shared;	/* another function has the same normalized name */
	bool wrapper;	/* one of those, and the ABI wrapper */
	uint64_t found_by_name;	/* what a lookup of its name returns: the lowest non-wrapper of that name */
};

static int cmp_norm(const void *a, const void *b)
{
	const struct nm_func *x = a, *y = b;
	int c = strcmp(x->norm, y->norm);

	return c ? c : (x->addr > y->addr) - (x->addr < y->addr);
}

static int cmp_addr(const void *a, const void *b)
{
	const struct nm_func *x = a, *y = b;

	return (x->addr > y->addr) - (x->addr < y->addr);
}

static void mark_shared_names(struct nm_func *f, int n)
{
	qsort(f, n, sizeof(*f), cmp_norm);
	for (int i = 0; i < n; i++)
		f[i].shared = (i > 0 && strcmp(f[i].norm, f[i - 1].norm) == 0) ||
			      (i + 1 < n && strcmp(f[i].norm, f[i + 1].norm) == 0);
	qsort(f, n, sizeof(*f), cmp_addr);
}

/* The Go functions go tool nm lists: text symbols in [runtime.text, runtime.etext), without the marker
 * itself (C functions of cgo binaries lie outside). Returns the count, -1 on failure. */
static int nm_go_funcs(const char *path, struct nm_func **out, uint64_t *runtime_text)
{
	struct nm_func *all = NULL, f;
	uint64_t text = 0, etext = 0;
	char line[1100], type;
	int n = 0, cap = 0, kept = 0;
	FILE *p = go_popen("%s tool nm -n '%s'", go_cmd(), path);

	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, " %" SCNx64 " %c %1023[^\n]", &f.addr, &type, f.name) != 3 ||
		    (type != 'T' && type != 't'))
			continue;
		if (strcmp(f.name, "runtime.text") == 0)
			text = f.addr;
		if (strcmp(f.name, "runtime.etext") == 0)
			etext = f.addr;
		if (n == cap)
			all = realloc(all, (cap = cap ? cap * 2 : 1024) * sizeof(*all));
		all[n++] = f;
	}
	if (pclose(p) != 0 || !text || !etext) {
		free(all);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (all[i].addr >= text && all[i].addr < etext && strcmp(all[i].name, "runtime.text") != 0) {
			all[kept] = all[i];
			all[kept].wrapper = false;
			normalize(all[kept].name, all[kept].norm, sizeof(all[kept].norm));
			kept++;
		}
	}
	mark_shared_names(all, kept);
	*out = all;
	*runtime_text = text;
	return kept;
}

static int open_fixture(const char *path, struct elf_file **ef, struct pclntab **t)
{
	int err = elf_file_open(path, ef);

	if (err)
		return err;
	err = pclntab_open(*ef, t);
	if (err)
		elf_file_close(*ef);
	return err;
}

static bool same_text_layout(const char *a, const char *b)
{
	struct elf_file *ea, *eb;
	struct elf_section sa, sb;
	bool same = false;

	if (elf_file_open(a, &ea))
		return false;
	if (elf_file_open(b, &eb) == 0) {
		same = elf_file_find_section(ea, ".text", &sa) == 0 && elf_file_find_section(eb, ".text", &sb) == 0 &&
		       sa.addr == sb.addr && sa.size == sb.size;
		elf_file_close(eb);
	}
	elf_file_close(ea);
	return same;
}

/* Functions that share a name are an ABI wrapper and the function it wraps; addr2line places wrappers in
 * "<autogenerated>". Marks which of the shared ones are wrappers. */
static int mark_wrappers(const char *bin, struct nm_func *nm, int n)
{
	uint64_t *pcs = calloc(n, sizeof(*pcs));
	struct go_position *pos = calloc(n, sizeof(*pos));
	int shared = 0, err = -1;

	for (int i = 0; pcs && i < n; i++)
		if (nm[i].shared)
			pcs[shared++] = nm[i].addr;
	if (pcs && pos && go_addr2line(bin, pcs, shared, pos) == 0) {
		for (int i = 0, j = 0; i < n; i++)
			if (nm[i].shared)
				nm[i].wrapper = strcmp(pos[j++].file, "<autogenerated>") == 0;
		err = 0;
	}
	free(pcs);
	free(pos);
	return err;
}

static int cmp_name_addr(const void *a, const void *b)
{
	const struct nm_func *x = *(const struct nm_func *const *)a, *y = *(const struct nm_func *const *)b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->addr > y->addr) - (x->addr < y->addr);
}

/* Go 1.27 gives distinct functions one name: the closure of a generic function, compiled into each package
 * that instantiates it with the same shape (crypto/internal/fips140hash.UnwrapNew[...].func1 in crypto/hmac,
 * crypto/hpke and crypto/tls). The copies differ in their package's type-assertion cache, so the linker keeps
 * them all. A lookup by name returns one of them, always the same: the lowest. Sets found_by_name. */
static int mark_found_by_name(struct nm_func *nm, int n)
{
	struct nm_func **by_name = malloc(n * sizeof(*by_name));
	int i = 0;

	if (!by_name)
		return -1;
	for (int j = 0; j < n; j++)
		by_name[j] = &nm[j];
	qsort(by_name, n, sizeof(*by_name), cmp_name_addr);
	while (i < n) {
		uint64_t lowest = 0;
		int end = i;

		for (; end < n && strcmp(by_name[end]->name, by_name[i]->name) == 0; end++)
			if (!lowest && !by_name[end]->wrapper)
				lowest = by_name[end]->addr;
		for (; i < end; i++)
			by_name[i]->found_by_name = lowest;
	}
	free(by_name);
	return 0;
}

static int checked_fixtures;

static void check_against_nm(const struct unit_fixture *f, void *ctx)
{
	struct nm_func *nm = NULL;
	struct elf_file *ef;
	struct pclntab *t;
	uint64_t runtime_text, distinct = 0, prev = UINT64_MAX;
	char ref[4096], got[1024];
	int n, bad = 0;

	(void)ctx;
	twin_path(f, ref, sizeof(ref));
	n = nm_go_funcs(ref, &nm, &runtime_text);
	CHECK(n > 0);
	CHECK(!is_stripped(f) || same_text_layout(f->path, ref));
	CHECK(n <= 0 || mark_wrappers(ref, nm, n) == 0);
	CHECK(n <= 0 || mark_found_by_name(nm, n) == 0);
	if (n <= 0 || open_fixture(f->path, &ef, &t) != 0) {
		fprintf(stderr, "    %s: cannot read\n", f->path);
		unit_failures_in_test++;
		free(nm);
		return;
	}
	CHECK_EQ_U64(pclntab_text_start(t), runtime_text);
	for (int i = 0; i < n; i++) {
		struct go_func byaddr, byname;

		distinct += nm[i].addr != prev;
		prev = nm[i].addr;
		if (pclntab_func_for_pc(t, nm[i].addr, &byaddr) != 0 || byaddr.entry != nm[i].addr) {
			bad++;
			fprintf(stderr, "    %s: %s at %" PRIx64 " not found by address\n", f->path, nm[i].name,
				nm[i].addr);
			continue;
		}
		/* Internally linked cgo code: nm names C functions by their object's section ("net(.text)"); the
		 * table has their C names. The address match above is the check. */
		if (strstr(nm[i].name, "(.text"))
			continue;
		normalize(byaddr.name, got, sizeof(got));
		if (strcmp(got, nm[i].norm) != 0 && bad++ < 5)
			fprintf(stderr, "    %s: %" PRIx64 " is %s, nm says %s\n", f->path, nm[i].addr, byaddr.name,
				nm[i].name);
		/* By name, with the pclntab's spelling; wrappers share their function's name and are not returned,
		 * and of distinct functions named alike the lowest is (mark_found_by_name). */
		if (nm[i].wrapper)
			continue;
		if (pclntab_find_func(t, byaddr.name, &byname) != 0 || byname.entry != nm[i].found_by_name) {
			if (bad++ < 5)
				fprintf(stderr, "    %s: %s not found by name\n", f->path, nm[i].name);
		}
	}
	CHECK(bad == 0);
	CHECK_EQ_U64(pclntab_func_count(t), distinct);
	pclntab_close(t);
	elf_file_close(ef);
	free(nm);
	checked_fixtures++;
}

TEST(functions_match_go_tool_nm)
{
	int n = unit_manifest(check_against_nm, NULL);

	CHECK(n > 0);
	CHECK(checked_fixtures == n);
}

/* --- file:line against go tool addr2line --- */

/* Every 5th function: its entry and a few PCs inside it (some past the end of short ones). */
static size_t sample_pcs(const struct pclntab *t, uint64_t **out)
{
	static const int deltas[] = { 0, 1, 5, 17, 40, 111 };
	size_t per = sizeof(deltas) / sizeof(deltas[0]), n = 0;
	uint64_t *pcs = malloc((pclntab_func_count(t) / 5 + 1) * per * sizeof(*pcs));

	for (size_t i = 0; pcs && i < pclntab_func_count(t); i += 5) {
		struct go_func fn;

		if (pclntab_func_at_index(t, i, &fn) == 0)
			for (size_t d = 0; d < per; d++)
				pcs[n++] = fn.entry + deltas[d];
	}
	*out = pcs;
	return n;
}

/* cgo's C functions and GCC's split-off parts of them (".cold"). */
static bool is_c_function(const char *name)
{
	size_t len = strlen(name);

	return !strchr(name, '.') || strncmp(name, "_cgo_", 5) == 0 || strncmp(name, "x_cgo_", 6) == 0 ||
	       (len > 5 && strcmp(name + len - 5, ".cold") == 0);
}

static bool same_position(const struct pclntab *t, uint64_t pc, const struct go_position *want)
{
	const char *file;
	struct go_func fn;
	int line, err = pclntab_func_for_pc(t, pc, &fn);

	if (strcmp(want->func, "?") == 0)
		return err == -ENOENT;
	/* C code of internally linked cgo binaries: addr2line reports made-up Go positions for it. */
	if (!err && is_c_function(fn.name) && strcmp(fn.name, want->func) == 0)
		return true;
	if (err || strcmp(fn.name, want->func) != 0)
		return false;
	err = pclntab_source_line(t, pc, &file, &line);
	if (want->line <= 0)	/* no position recorded there */
		return err != 0;
	return !err && line == want->line && strcmp(file, want->file) == 0;
}

static void check_against_addr2line(const struct unit_fixture *f, void *ctx)
{
	struct go_position *want;
	struct elf_file *ef;
	struct pclntab *t;
	uint64_t *pcs;
	size_t n;
	int bad = 0;

	(void)ctx;
	if (is_stripped(f))
		return;
	if (open_fixture(f->path, &ef, &t) != 0) {
		CHECK(!"fixture unreadable");
		return;
	}
	n = sample_pcs(t, &pcs);
	want = calloc(n, sizeof(*want));
	CHECK(n > 100 && want && go_addr2line(f->path, pcs, n, want) == 0);
	for (size_t i = 0; want && i < n; i++) {
		if (!same_position(t, pcs[i], &want[i]) && bad++ < 5)
			fprintf(stderr, "    %s: %" PRIx64 ": addr2line says %s %s:%d\n", f->path, pcs[i],
				want[i].func, want[i].file, want[i].line);
	}
	CHECK(bad == 0);
	free(want);
	free(pcs);
	pclntab_close(t);
	elf_file_close(ef);
}

TEST(source_lines_match_go_tool_addr2line)
{
	CHECK(unit_manifest(check_against_addr2line, NULL) > 0);
}

/* --- inlined frames against runtime.CallersFrames (tests/go/inlines) --- */

struct logical_frame {
	uint64_t pc;
	char func[256], file[1024];
	int line;
};

static bool same_frame(const struct go_frame *got, const struct logical_frame *want)
{
	return strcmp(got->func, want->func) == 0 && strcmp(got->file, want->file) == 0 && got->line == want->line;
}

/* Every PC of the stack, decremented like CallersFrames does, must expand to the frames the runtime printed
 * for it and the PCs after it, down to a physical function. */
static int check_stack(const struct pclntab *t, uint64_t bias, const struct logical_frame *st, int n,
		       const char *path)
{
	int bad = 0;

	for (int i = 0; i < n; i++) {
		struct go_frame frames[16];
		struct go_func phys;
		int got = 0, err = pclntab_frames(t, st[i].pc - 1 - bias, frames, 16, &got);

		if (err || got < 1 || i + got > n || pclntab_func_for_pc(t, st[i].pc - 1 - bias, &phys) != 0 ||
		    strcmp(frames[got - 1].func, phys.name) != 0) {
			fprintf(stderr, "    %s: %s: no frames (%d)\n", path, st[i].func, err);
			bad++;
			continue;
		}
		for (int j = 0; j < got; j++) {
			if (!same_frame(&frames[j], &st[i + j])) {
				fprintf(stderr, "    %s: frame %d of %s: %s %s:%d, runtime: %s %s:%d\n", path, j,
					st[i].func, frames[j].func, frames[j].file, frames[j].line, st[i + j].func,
					st[i + j].file, st[i + j].line);
				bad++;
			}
		}
	}
	return bad;
}

struct inline_totals {
	int binaries, stacks, inlined;
};

static void check_inlines(const struct unit_fixture *f, void *ctx)
{
	struct inline_totals *tot = ctx;
	struct logical_frame st[64];
	uint64_t entry = 0;
	struct go_func main_fn;
	struct elf_file *ef;
	struct pclntab *t;
	char line[2048];
	int n = 0;
	FILE *p;

	if (strcmp(f->program, "inlines") != 0)
		return;
	if (open_fixture(f->path, &ef, &t) != 0 || pclntab_find_func(t, "main.main", &main_fn) != 0) {
		CHECK(!"inlines fixture unreadable");
		return;
	}
	p = go_popen("'%s'", f->path);
	while (p && fgets(line, sizeof(line), p)) {
		struct logical_frame fr;

		if (sscanf(line, "entry main.main %" SCNx64, &entry) == 1)
			continue;
		if (strncmp(line, "stack ", 6) == 0) {
			n = 0;
		} else if (strcmp(line, "end\n") == 0) {
			unit_failures_in_test += check_stack(t, entry - main_fn.entry, st, n, f->path);
			tot->stacks++;
		} else if (n < 64 && sscanf(line, "%" SCNx64 "\t%255[^\t]\t%1023[^\t]\t%d", &fr.pc, fr.func, fr.file,
					    &fr.line) == 4) {
			st[n++] = fr;
			tot->inlined += strcmp(fr.func, "main.leaf") == 0;
		}
	}
	CHECK(p && pclose(p) == 0);
	CHECK(entry != 0);
	tot->binaries++;
	pclntab_close(t);
	elf_file_close(ef);
}

TEST(inlined_frames_match_runtime_callers_frames)
{
	struct inline_totals tot = { 0, 0, 0 };

	unit_manifest(check_inlines, &tot);
	CHECK(tot.binaries >= 2);
	CHECK(tot.stacks == tot.binaries * 4);
	CHECK(tot.inlined == tot.binaries * 3);	/* main.leaf is inlined in three of the four stacks */
}

/* --- locating the table without section headers or symbols --- */

static void check_scan(const struct unit_fixture *f, void *ctx)
{
	struct elf_file *ef, *bare_ef;
	struct pclntab *t, *bare;
	size_t size, n, mismatches = 0;
	uint8_t *buf = slurp(f->path, &size);

	(void)ctx;
	CHECK(buf != NULL);
	if (!buf || open_fixture(f->path, &ef, &t) != 0) {
		free(buf);
		return;
	}
	wipe_section_headers(buf, size);
	CHECK(elf_file_open_mem(buf, size, &bare_ef) == 0);
	CHECK(pclntab_open(bare_ef, &bare) == 0);
	CHECK_EQ_U64(pclntab_vaddr(bare), pclntab_vaddr(t));
	CHECK_EQ_U64(pclntab_text_start(bare), pclntab_text_start(t));
	n = pclntab_func_count(t);
	CHECK_EQ_U64(pclntab_func_count(bare), n);
	for (size_t i = 0; i < n; i++) {
		struct go_func a, b;
		struct go_frame fa[8], fb[8];
		int na = 0, nb = 0;

		if (pclntab_func_at_index(t, i, &a) || pclntab_func_at_index(bare, i, &b) || a.entry != b.entry ||
		    a.end != b.end || strcmp(a.name, b.name) != 0) {
			mismatches++;
			continue;
		}
		pclntab_frames(t, a.entry + (a.end - a.entry) / 2, fa, 8, &na);
		pclntab_frames(bare, a.entry + (a.end - a.entry) / 2, fb, 8, &nb);
		mismatches += na != nb || (na && strcmp(fa[0].func, fb[0].func) != 0);
	}
	CHECK(mismatches == 0);
	pclntab_close(bare);
	elf_file_close(bare_ef);
	pclntab_close(t);
	elf_file_close(ef);
	free(buf);
}

TEST(found_by_scanning_segments_without_sections_or_symbols)
{
	CHECK(unit_manifest(check_scan, NULL) > 0);
}

TEST(non_go_binaries_have_no_pclntab)
{
	struct elf_file *ef;
	struct pclntab *t;

	CHECK(elf_file_open("/bin/true", &ef) == 0);
	CHECK(pclntab_open(ef, &t) == -ENOENT);
	elf_file_close(ef);
}

/* --- an outside binary --- */

/* Functions from debug/gosym, Go's own pclntab reader; *count = its "count" line. */
static int check_against_gosym(const struct pclntab *t, const char *path, size_t *count)
{
	static char line[16384], name[16384];	/* generic instantiations make names of kilobytes */
	uint64_t entry, end;
	size_t i = 0;
	int bad = 0;
	FILE *p = go_popen("%s run tests/unit/data/gosymfuncs.go '%s'", go_cmd(), path);

	*count = 0;
	while (p && fgets(line, sizeof(line), p)) {
		struct go_func fn;

		if (sscanf(line, "count %zu", count) == 1)
			continue;
		if (sscanf(line, "%" SCNx64 " %" SCNx64 " %16383[^\n]", &entry, &end, name) != 3)
			continue;
		if (pclntab_func_at_index(t, i++, &fn) != 0 || fn.entry != entry || fn.end != end ||
		    strcmp(fn.name, name) != 0)
			bad++;
	}
	if (!p || pclose(p) != 0)
		bad++;
	return bad;
}

TEST(prometheus_debian_package)
{
	struct go_func main_fn, gc_start, at;
	struct elf_file *ef;
	struct pclntab *t;
	size_t gosym_count;

	if (access(PROMETHEUS, R_OK) != 0) {
		CHECK(!"Debian's prometheus is installed (scripts/install-deps.sh installs it)");
		return;
	}
	if (open_fixture(PROMETHEUS, &ef, &t) != 0) {
		CHECK(!"prometheus unreadable");
		return;
	}
	CHECK(!elf_file_has_symtab(ef));
	CHECK(pclntab_find_func(t, "main.main", &main_fn) == 0);
	CHECK(pclntab_find_func(t, "runtime.gcStart", &gc_start) == 0);
	CHECK(pclntab_func_for_pc(t, gc_start.entry + 1, &at) == 0 && strcmp(at.name, "runtime.gcStart") == 0);
	CHECK(check_against_gosym(t, PROMETHEUS, &gosym_count) == 0);
	CHECK_EQ_U64(pclntab_func_count(t), gosym_count);
	pclntab_close(t);
	elf_file_close(ef);
}

/* Go binaries that happen to be installed here, built by toolchains this machine lacks (the Google Cloud SDK
 * ships Go 1.21-1.25 builds): one per Go release, checked against debug/gosym, and every inline tree of a
 * sample of functions must decode (a wrong moduledata layout would make them garbage). */
static const char *const outside_globs[] = {
	"/usr/bin/prometheus*", "/usr/bin/promtool", "/usr/lib/go-*/pkg/tool/*/*", "/usr/local/go/pkg/tool/*/*",
	"/usr/lib/google-cloud-sdk/bin/*",
	"/usr/lib/google-cloud-sdk/bin/*/*", "/usr/lib/google-cloud-sdk/platform/*/*",
};

static int frames_decode(const struct pclntab *t)
{
	size_t n = pclntab_func_count(t);
	int bad = 0;

	for (size_t i = 0; i < n; i += 16) {
		struct go_func fn;

		if (pclntab_func_at_index(t, i, &fn) != 0) {
			bad++;
			continue;
		}
		for (uint64_t pc = fn.entry; pc < fn.end; pc += 3) {
			struct go_frame frames[32];
			int got;

			bad += pclntab_frames(t, pc, frames, 32, &got) != 0 || got < 1 || strcmp(frames[got - 1].func, fn.name);
		}
	}
	return bad;
}

/* The Go release (1.N) of a binary, 0 when it is no Go binary or one of a release already seen. */
static int new_release(const struct elf_file *ef, bool *seen)
{
	struct go_buildinfo bi;
	struct go_version v;
	int minor = 0;

	if (go_buildinfo_read(ef, &bi) == 0 && go_version_parse(bi.version, &v) == 0 && v.major == 1 &&
	    v.minor < 100 && !seen[v.minor])
		seen[minor = v.minor] = true;
	go_buildinfo_free(&bi);
	return minor;
}

struct outside_seen {
	bool release[100];	/* one binary per Go release is enough */
	int checked;
};

static void check_outside(const char *path, void *ctx)
{
	struct outside_seen *seen = ctx;
	struct elf_file *ef;
	struct pclntab *t;
	struct stat st;
	size_t gosym_count;
	int release;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (200 << 20) || elf_file_open(path, &ef))
		return;
	release = new_release(ef, seen->release);
	if (release && pclntab_open(ef, &t) == 0) {
		int bad = check_against_gosym(t, path, &gosym_count), undecoded = frames_decode(t);

		printf("     go1.%d %s: %zu functions, %d differences with debug/gosym, %d undecodable frames\n",
		       release, path, pclntab_func_count(t), bad, undecoded);
		CHECK(bad == 0 && undecoded == 0 && pclntab_func_count(t) == gosym_count);
		pclntab_close(t);
		seen->checked++;
	}
	elf_file_close(ef);
}

TEST(outside_go_binaries_of_other_releases)
{
	struct outside_seen seen = { .checked = 0 };

	for_each_outside_binary(outside_globs, sizeof(outside_globs) / sizeof(outside_globs[0]), check_outside, &seen);
	CHECK(seen.checked > 0);	/* at least the Go toolchains' own tools and prometheus */
}

/* --- truncated and corrupted copies of every fixture --- */

/* Calls every entry point on a table read from damaged input: each must fail or give a well-formed answer
 * (ASan/UBSan builds catch out-of-bounds reads). Returns the number of malformed answers. */
static int exercise(const struct pclntab *t)
{
	size_t n = pclntab_func_count(t), step = n / 128 + 1;
	int bad = 0;

	for (size_t i = 0; i < n; i += step) {
		struct go_func fn, other;
		struct go_frame frames[8];
		const char *file;
		int line, nframes;
		uint64_t pc;

		if (pclntab_func_at_index(t, i, &fn) != 0)
			continue;
		bad += !fn.name || fn.entry >= fn.end;
		pc = fn.entry + (fn.end - fn.entry) / 2;
		if (pclntab_func_for_pc(t, pc, &other) == 0)
			bad += !other.name || pc < other.entry || pc >= other.end;
		if (pclntab_find_func(t, fn.name, &other) == 0)
			bad += strcmp(other.name, fn.name) != 0;
		if (pclntab_source_line(t, pc, &file, &line) == 0)
			bad += !file;
		if (pclntab_frames(t, pc, frames, 8, &nframes) == 0) {
			bad += nframes < 1 || nframes > 8;
			for (int j = 0; j < nframes && j < 8; j++)
				bad += !frames[j].func || !frames[j].file;
		}
	}
	return bad;
}

/* Opens data[0, size) as an ELF and exercises its table when it has one. */
static int exercise_image(const uint8_t *data, size_t size)
{
	struct elf_file *ef;
	struct pclntab *t;
	int bad = 0;

	if (elf_file_open_mem(data, size, &ef) != 0)
		return 0;
	if (pclntab_open(ef, &t) == 0) {
		bad = exercise(t);
		pclntab_close(t);
	}
	elf_file_close(ef);
	return bad;
}

static uint64_t next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* Where the table lies in the file: its section, else the first 1 MiB from its address. */
static void table_range(const struct unit_fixture *f, uint64_t *off, uint64_t *len, size_t file_size)
{
	struct elf_file *ef;
	struct pclntab *t;
	struct elf_section sec;

	*off = *len = 0;
	if (open_fixture(f->path, &ef, &t) != 0)
		return;
	if (elf_file_vaddr_to_offset(ef, pclntab_vaddr(t), off) == 0)
		*len = elf_file_find_section(ef, ".gopclntab", &sec) == 0 ? sec.size : 1 << 20;
	if (*off + *len > file_size)
		*len = file_size - *off;
	pclntab_close(t);
	elf_file_close(ef);
}

struct damage_totals {
	int images, bad;
};

static void damage_fixture(const struct unit_fixture *f, void *ctx)
{
	static const uint64_t into_table[] = { 0, 4, 8, 16, 24, 40, 64, 72, 4096 };
	struct damage_totals *tot = ctx;
	uint64_t off, len, seed = 0x9e3779b97f4a7c15ull;
	size_t size;
	uint8_t *buf = slurp(f->path, &size);

	if (!buf) {
		CHECK(!"fixture unreadable");
		return;
	}
	table_range(f, &off, &len, size);
	CHECK(len > 0);
	for (int k = 0; k < 24; k++) {
		size_t cut = size / 24 * k + next_random(&seed) % 4096;

		tot->bad += check_exact_copy(buf, cut < size ? cut : size - 1, k & 1, exercise_image);
		tot->images++;
	}
	for (size_t k = 0; k < sizeof(into_table) / sizeof(into_table[0]) && len; k++) {
		tot->bad += check_exact_copy(buf, off + into_table[k], false, exercise_image);
		tot->bad += check_exact_copy(buf, off + len - 1 - into_table[k] % len, true, exercise_image);
		tot->images += 2;
	}
	/* Flipped bytes: the header and the function table's start get a third of them. */
	for (int k = 0; k < 96 && len; k++) {
		uint64_t at = off + (k % 3 == 0 ? next_random(&seed) % (len < 256 ? len : 256) : next_random(&seed) % len);
		uint8_t saved = buf[at];

		buf[at] ^= 1 + next_random(&seed) % 255;
		tot->bad += exercise_image(buf, size);
		tot->images++;
		buf[at] = saved;
	}
	free(buf);
}

TEST(truncated_and_corrupted_fixtures_give_errors_or_valid_answers)
{
	struct damage_totals tot = { 0, 0 };

	CHECK(unit_manifest(damage_fixture, &tot) > 0);
	printf("     (%d damaged images)\n", tot.images);
	CHECK(tot.bad == 0);
}

/* The first PC at which a function is inlined into another: frames[0] then names the inlined function. */
static bool find_inlined(const struct pclntab *t, uint64_t *pc, struct go_frame *frames, int *n)
{
	uint64_t *pcs;
	size_t npcs = sample_pcs(t, &pcs);
	bool found = false;

	for (size_t i = 0; i < npcs && !found; i++)
		if (pclntab_frames(t, pcs[i], frames, 8, n) == 0 && *n > 1) {
			*pc = pcs[i];
			found = true;
		}
	free(pcs);
	return found;
}

/* Found by fuzz_symbolizer: a name offset landing on a NUL gave the empty name, which the profile refuses, so the
 * whole sample was lost (as -ENOMEM). A function or inlined call whose name is empty is now a corrupt entry. */
TEST(empty_names_are_corrupt_entries)
{
	const char *path = "build/tests/go/go1.26.8/inlines.default";
	struct go_frame frames[8];
	struct elf_file *ef = NULL;
	struct pclntab *t = NULL;
	struct go_func fn;
	uint64_t pc = 0;
	size_t size = 0;
	int n = 0;
	uint8_t *buf = slurp(path, &size);

	if (!buf || elf_file_open_mem(buf, size, &ef) || pclntab_open(ef, &t) || !find_inlined(t, &pc, frames, &n)) {
		CHECK(!"an inlined call in the fixture");
		goto out;
	}
	*(char *)frames[0].func = '\0';	/* the inlined callee's name, in the image */
	if (pclntab_frames(t, pc, frames, 8, &n) == 0)
		for (int i = 0; i < n && i < 8; i++)
			CHECK(frames[i].func && frames[i].func[0]);
	CHECK(pclntab_func_for_pc(t, pc, &fn) == 0 && fn.name[0]);	/* the outer function is intact */
	*(char *)fn.name = '\0';
	CHECK(pclntab_func_for_pc(t, pc, &fn) == -ENOEXEC);
out:
	pclntab_close(t);
	elf_file_close(ef);
	free(buf);
}

/* --- synthetic tables in every layout, read back by debug/gosym --- */

/* Go 1.2-1.17 layouts come from no toolchain here: build small tables in each layout (and pointer size and byte
 * order) following the runtime's definitions, and take debug/gosym's reading of them as the ground truth. */
enum synth_layout { SYNTH_GO12, SYNTH_GO116, SYNTH_GO118, SYNTH_GO120 };

#define SYNTH_TEXT 0x401000
#define SYNTH_BASE 0x400000	/* file offset x is at SYNTH_BASE + x */

struct synth_step {
	uint32_t end;	/* offset from the text start */
	int file, line;
};

static const struct synth_func {
	const char *name;
	uint32_t start;
	struct synth_step steps[3];
} synth_funcs[] = {
	{ "main.alpha", 0x00, { { 0x10, 0, 10 }, { 0x30, 0, 11 }, { 0x40, 1, 200 } } },
	{ "main.(*T).beta", 0x40, { { 0x80, 1, 5 }, { 0x100, 1, 7 } } },
	{ "runtime.gamma", 0x100, { { 0x180, 0, 99 } } },
};
#define SYNTH_NFUNC 3
#define SYNTH_END 0x180
static const char *const synth_files[] = { "/src/a.go", "/src/b.go" };

struct synth {
	uint8_t b[8192];
	size_t len;
	bool be;
	int ptr;
	enum synth_layout layout;
};

static size_t put_at(struct synth *s, size_t off, uint64_t v, int size)
{
	for (int i = 0; i < size; i++)
		s->b[off + i] = v >> (8 * (s->be ? size - 1 - i : i));
	return off;
}

static size_t put(struct synth *s, uint64_t v, int size)
{
	s->len += size;
	return put_at(s, s->len - size, v, size);
}

static size_t put_bytes(struct synth *s, const void *p, size_t n)
{
	memcpy(s->b + s->len, p, n);
	s->len += n;
	return s->len - n;
}

static void put_uvarint(struct synth *s, uint32_t v)
{
	for (; v >= 0x80; v >>= 7)
		s->b[s->len++] = (v & 0x7f) | 0x80;
	s->b[s->len++] = v;
}

static void align(struct synth *s, int a)
{
	while (s->len % a)
		s->b[s->len++] = 0;
}

/* A pc-value table: zigzag value deltas from -1 and pc deltas, ending with a zero byte. A zero delta would end
 * the table, so runs of one value are a single entry, as the Go linker writes them. */
static uint32_t put_pcvalue(struct synth *s, size_t base, const struct synth_func *f, bool file, int file_bias)
{
	uint32_t off = s->len - base, pc = f->start;
	int32_t prev = -1;

	for (int i = 0; i < 3 && f->steps[i].end; i++) {
		int32_t v = file ? f->steps[i].file + file_bias : f->steps[i].line, d = v - prev;
		uint32_t end = f->steps[i].end;

		while (i + 1 < 3 && f->steps[i + 1].end &&
		       (file ? f->steps[i + 1].file + file_bias : f->steps[i + 1].line) == v)
			end = f->steps[++i].end;
		put_uvarint(s, d >= 0 ? (uint32_t)d << 1 : ((uint32_t)(-d - 1) << 1) | 1);
		put_uvarint(s, end - pc);
		pc = end;
		prev = v;
	}
	put(s, 0, 1);
	return off;
}

/* The _func records' fixed part (see pclntab.c: entry, nameoff, args, deferreturn, pcsp, pcfile, pcln, npcdata,
 * [cuOffset], [startLine], funcID, flag, pad, nfuncdata). */
static void put_func_record(struct synth *s, const struct synth_func *f, uint32_t nameoff, uint32_t pcfile,
			    uint32_t pcln)
{
	if (s->layout >= SYNTH_GO118)
		put(s, f->start, 4);
	else
		put(s, SYNTH_TEXT + f->start, s->ptr);
	put(s, nameoff, 4);
	put(s, 0, 4);
	put(s, 0, 4);
	put(s, 0, 4);
	put(s, pcfile, 4);
	put(s, pcln, 4);
	put(s, 0, 4);
	if (s->layout >= SYNTH_GO116)
		put(s, 0, 4);		/* cuOffset: one compilation unit */
	if (s->layout >= SYNTH_GO120)
		put(s, 1, 4);		/* startLine */
	put(s, 0, 4);			/* funcID, flag, pad, nfuncdata */
}

static void put_functab_entry(struct synth *s, uint32_t text_off, uint64_t funcoff, bool last)
{
	int fs = s->layout >= SYNTH_GO118 ? 4 : s->ptr;

	put(s, s->layout >= SYNTH_GO118 ? text_off : SYNTH_TEXT + text_off, fs);
	if (!last)
		put(s, funcoff, fs);
}


/* Writes the function table (entry, record offset per function, then the end address) into the room left for it at
 * functab, after the records it points to were written. */
static void fill_functab(struct synth *s, size_t functab, const size_t *funcoff)
{
	size_t end = s->len;

	s->len = functab;
	for (int i = 0; i < SYNTH_NFUNC; i++)
		put_functab_entry(s, synth_funcs[i].start, funcoff[i], false);
	put_functab_entry(s, SYNTH_END, 0, true);
	s->len = end;
}
/* Go 1.16+: header words, then funcnametab, cutab, filetab, pctab, and functab + records. */
static void build_go116(struct synth *s, size_t t)
{
	static const uint32_t magic[] = { [SYNTH_GO116] = 0xfffffffa, [SYNTH_GO118] = 0xfffffff0,
					  [SYNTH_GO120] = 0xfffffff1 };
	int words = s->layout == SYNTH_GO116 ? 7 : 8, w = 0;
	size_t hdr = t + 8, nameoff[SYNTH_NFUNC], pcfile[SYNTH_NFUNC], pcln[SYNTH_NFUNC], funcoff[SYNTH_NFUNC];
	size_t fileoff[2], pcln_start, functab;

	put(s, magic[s->layout], 4);
	put(s, 0, 2);
	put(s, 1, 1);
	put(s, s->ptr, 1);
	s->len += words * s->ptr;
	put_at(s, hdr + w++ * s->ptr, SYNTH_NFUNC, s->ptr);
	put_at(s, hdr + w++ * s->ptr, 2, s->ptr);
	if (s->layout >= SYNTH_GO118)	/* 1.26 writes 0 here; the reader must find the text start elsewhere */
		put_at(s, hdr + w++ * s->ptr, s->layout == SYNTH_GO120 ? 0 : SYNTH_TEXT, s->ptr);
	put_at(s, hdr + w++ * s->ptr, s->len - t, s->ptr);
	for (int i = 0; i < SYNTH_NFUNC; i++)
		nameoff[i] = put_bytes(s, synth_funcs[i].name, strlen(synth_funcs[i].name) + 1) - (hdr + words * s->ptr);
	put_at(s, hdr + w++ * s->ptr, s->len - t, s->ptr);
	size_t cutab = s->len;
	s->len += 8;
	put_at(s, hdr + w++ * s->ptr, s->len - t, s->ptr);
	for (int i = 0; i < 2; i++)
		fileoff[i] = put_bytes(s, synth_files[i], strlen(synth_files[i]) + 1) - (cutab + 8);
	put_at(s, cutab, fileoff[0], 4);
	put_at(s, cutab + 4, fileoff[1], 4);
	put_at(s, hdr + w++ * s->ptr, s->len - t, s->ptr);
	size_t pctab = s->len;
	put(s, 0, 1);	/* offset 0 means "no table" */
	for (int i = 0; i < SYNTH_NFUNC; i++) {
		pcfile[i] = put_pcvalue(s, pctab, &synth_funcs[i], true, 0);
		pcln[i] = put_pcvalue(s, pctab, &synth_funcs[i], false, 0);
	}
	align(s, 8);
	put_at(s, hdr + w++ * s->ptr, s->len - t, s->ptr);
	pcln_start = functab = s->len;
	s->len += (SYNTH_NFUNC * 2 + 1) * (s->layout >= SYNTH_GO118 ? 4 : s->ptr);
	for (int i = 0; i < SYNTH_NFUNC; i++) {
		align(s, 8);
		funcoff[i] = s->len - pcln_start;
		put_func_record(s, &synth_funcs[i], nameoff[i], pcfile[i], pcln[i]);
	}
	fill_functab(s, functab, funcoff);
}

/* Go 1.2: nfunc, the function table, the file table's offset; everything addressed from the table start. */
static void build_go12(struct synth *s, size_t t)
{
	size_t functab, fileoff_at, funcoff[SYNTH_NFUNC], names[SYNTH_NFUNC], files[2], pcfile[SYNTH_NFUNC];
	size_t pcln[SYNTH_NFUNC], filetab;

	put(s, 0xfffffffb, 4);
	put(s, 0, 2);
	put(s, 1, 1);
	put(s, s->ptr, 1);
	put(s, SYNTH_NFUNC, s->ptr);
	functab = s->len;
	s->len += (SYNTH_NFUNC * 2 + 1) * s->ptr;
	fileoff_at = put(s, 0, 4);
	for (int i = 0; i < SYNTH_NFUNC; i++)
		names[i] = put_bytes(s, synth_funcs[i].name, strlen(synth_funcs[i].name) + 1) - t;
	for (int i = 0; i < 2; i++)
		files[i] = put_bytes(s, synth_files[i], strlen(synth_files[i]) + 1) - t;
	for (int i = 0; i < SYNTH_NFUNC; i++) {
		pcfile[i] = put_pcvalue(s, t, &synth_funcs[i], true, 1);	/* file numbers start at 1 */
		pcln[i] = put_pcvalue(s, t, &synth_funcs[i], false, 0);
	}
	for (int i = 0; i < SYNTH_NFUNC; i++) {
		align(s, 8);
		funcoff[i] = s->len - t;
		put_func_record(s, &synth_funcs[i], names[i], pcfile[i], pcln[i]);
	}
	filetab = put(s, 3, 4);
	put(s, files[0], 4);
	put(s, files[1], 4);
	put_at(s, fileoff_at, filetab - t, 4);
	fill_functab(s, functab, funcoff);
}

/* An ELF64 executable: one PT_LOAD of the whole file; sections .text (no bits), .gopclntab, .shstrtab. */
static void build_synth_elf(struct synth *s, enum synth_layout layout, int ptr, bool be)
{
	static const char shstrtab[] = "\0.text\0.gopclntab\0.shstrtab";
	bool file_be;
	size_t t = 0x200, shdrs, strtab;

	memset(s, 0, sizeof(*s));
	s->layout = layout;
	s->ptr = ptr;
	s->be = be;
	s->len = t;
	if (layout == SYNTH_GO12)
		build_go12(s, t);
	else
		build_go116(s, t);
	size_t table_len = s->len - t;

	file_be = s->be;
	s->be = false;	/* the ELF container is little-endian x86-64 whatever the table's byte order */
	strtab = put_bytes(s, shstrtab, sizeof(shstrtab));
	align(s, 8);
	shdrs = s->len;
	s->len += 5 * 64;
	memcpy(s->b, "\177ELF\2\1\1", 7);
	put_at(s, 16, 2, 2);
	put_at(s, 18, 62, 2);
	put_at(s, 20, 1, 4);
	put_at(s, 32, 64, 8);
	put_at(s, 40, shdrs, 8);
	put_at(s, 52, 64, 2);
	put_at(s, 54, 56, 2);
	put_at(s, 56, 1, 2);
	put_at(s, 58, 64, 2);
	put_at(s, 60, 4, 2);
	put_at(s, 62, 3, 2);
	put_at(s, 64, 1, 4);			/* PT_LOAD */
	put_at(s, 68, 5, 4);			/* PF_R | PF_X */
	put_at(s, 80, SYNTH_BASE, 8);
	put_at(s, 88, SYNTH_BASE, 8);
	put_at(s, 96, s->len, 8);
	put_at(s, 104, s->len, 8);
	/* name, type, flags, addr, offset, size */
	const uint64_t sec[3][6] = {
		{ 1, 8 /* SHT_NOBITS */, 6, SYNTH_TEXT, 0, SYNTH_END },
		{ 7, 1, 2, SYNTH_BASE + t, t, table_len },
		{ 18, 3, 0, 0, strtab, sizeof(shstrtab) },
	};
	for (int i = 0; i < 3; i++)
		for (int f = 0; f < 6; f++)
			put_at(s, shdrs + (i + 1) * 64 + (f < 2 ? f * 4 : 8 + (f - 2) * 8), sec[i][f], f < 2 ? 4 : 8);
	s->be = file_be;
}

static int compare_with_gosym(const struct synth *s, const char *what)
{
	char path[] = "/tmp/gotrace-synth-XXXXXX", line[1024], name[512], file[512];
	int fd = mkstemp(path), bad = 0, funcs = 0, lines = 0, ln;
	struct elf_file *ef;
	struct pclntab *t;
	uint64_t entry, end;
	FILE *p;

	if (fd < 0 || write(fd, s->b, s->len) != (ssize_t)s->len)
		return 1;
	close(fd);
	if (elf_file_open_mem(s->b, s->len, &ef) != 0 || pclntab_open(ef, &t) != 0) {
		fprintf(stderr, "    %s: pclntab_open failed\n", what);
		unlink(path);
		return 1;
	}
	p = go_popen("%s run tests/unit/data/gosymfuncs.go -lines %s", go_cmd(), path);
	while (p && fgets(line, sizeof(line), p)) {
		struct go_func fn;
		const char *our_file;
		int our_line;

		if (sscanf(line, "line %" SCNx64 " %511s %d", &entry, file, &ln) == 3) {
			lines++;
			if (pclntab_source_line(t, entry, &our_file, &our_line) != 0 || our_line != ln ||
			    strcmp(our_file, file) != 0)
				bad++;
		} else if (sscanf(line, "%" SCNx64 " %" SCNx64 " %511[^\n]", &entry, &end, name) == 3) {
			if (pclntab_func_at_index(t, funcs++, &fn) != 0 || fn.entry != entry || fn.end != end ||
			    strcmp(fn.name, name) != 0)
				bad++;
		}
	}
	if (!p || pclose(p) != 0 || funcs != SYNTH_NFUNC || lines != SYNTH_END ||
	    pclntab_func_count(t) != SYNTH_NFUNC)
		bad++;
	if (bad)
		fprintf(stderr, "    %s: %d differences with debug/gosym (%d functions, %d lines)\n", what, bad, funcs,
			lines);
	pclntab_close(t);
	elf_file_close(ef);
	unlink(path);
	return bad;
}

TEST(synthetic_tables_of_every_layout_match_debug_gosym)
{
	static const char *const names[] = { "go1.2", "go1.16", "go1.18", "go1.20 (textStart 0)" };
	struct synth *s = malloc(sizeof(*s));

	for (int v = 0; s && v < 16; v++) {
		enum synth_layout layout = v / 4;
		int ptr = v & 1 ? 4 : 8;
		bool be = v & 2;
		char what[96];

		snprintf(what, sizeof(what), "%s layout, %d-byte pointers, %s", names[layout], ptr,
			 be ? "big-endian" : "little-endian");
		build_synth_elf(s, layout, ptr, be);
		save_fuzz_seed("pclntab", v, s->b, s->len);
		unit_failures_in_test += compare_with_gosym(s, what);
	}
	free(s);
}
