// SPDX-License-Identifier: GPL-2.0
/* Tests of go_globals: addresses of runtime.work/memstats/sched/gcController against `go tool nm`, from the symbol table of
 * unstripped fixtures and from code in stripped ones (stripped copies, -ldflags=-w twins of the stripped fixtures,
 * arm64 cross-builds), and on Debian's stripped prometheus against simpler derivations read off GNU objdump. */
#include <elf.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gobin/go_globals.h"
#include "gobin/pclntab.h"
#include "unit.h"

#define TWIN_DIR "build/tests/unit/go_globals"

struct nm_entry { uint64_t addr, size; };
struct nm_globals { struct nm_entry work, memstats, sched, firstmoduledata, gc_controller; };

static bool parse_goversion(const char *v, int *major, int *minor)
{
	return sscanf(v, "go%d.%d", major, minor) == 2;
}

/* The fixture's go command, from the manifest. */
static bool go_command(const char *goversion, char *out, size_t len)
{
	FILE *m = fopen(getenv("GOTRACE_GO_MANIFEST") ? getenv("GOTRACE_GO_MANIFEST") : "build/tests/go/manifest.tsv",
			"r");
	char line[8192], ver[64], cmd[4096];
	bool found = false;

	if (!m)
		return false;
	while (!found && fgets(line, sizeof(line), m))
		found = sscanf(line, "%63[^\t]\t%4095[^\t]", ver, cmd) == 2 && strcmp(ver, goversion) == 0;
	fclose(m);
	if (found)
		snprintf(out, len, "%s", cmd);
	return found;
}

/* Ground truth: `go tool nm -size` of the binary. */
static bool nm_globals(const char *gocmd, const char *path, struct nm_globals *g)
{
	char cmd[16384], line[1024], type[8], name[512];
	unsigned long long addr, size;
	FILE *p;

	memset(g, 0, sizeof(*g));
	snprintf(cmd, sizeof(cmd), "'%s' tool nm -size '%s'", gocmd, path);
	p = popen(cmd, "r");
	if (!p)
		return false;
	while (fgets(line, sizeof(line), p)) {
		struct nm_entry *e = NULL;

		if (sscanf(line, "%llx %llu %7s %511s", &addr, &size, type, name) != 4)
			continue;
		if (strcmp(name, "runtime.work") == 0)
			e = &g->work;
		else if (strcmp(name, "runtime.memstats") == 0)
			e = &g->memstats;
		else if (strcmp(name, "runtime.sched") == 0)
			e = &g->sched;
		else if (strcmp(name, "runtime.firstmoduledata") == 0)
			e = &g->firstmoduledata;
		else if (strcmp(name, "runtime.gcController") == 0)
			e = &g->gc_controller;
		if (e)
			*e = (struct nm_entry){ addr, size };
	}
	return pclose(p) == 0 && g->work.addr && g->memstats.addr && g->sched.addr && g->gc_controller.addr;
}

static void symtab_fixture(const struct unit_fixture *f, void *ctx)
{
	struct elf_file *ef = NULL;
	struct go_offsets o;
	struct go_globals g;
	struct nm_globals nm;
	char gocmd[4096];
	int major, minor;

	if (strcmp(f->variant, "stripped") == 0)
		return;
	CHECK(parse_goversion(f->goversion, &major, &minor));
	CHECK(go_command(f->goversion, gocmd, sizeof(gocmd)));
	CHECK(nm_globals(gocmd, f->path, &nm));
	CHECK_EQ_U64(go_offsets_resolve(f->path, major, minor, false, &o), 0);
	CHECK_EQ_U64(elf_file_open(f->path, &ef), 0);
	if (!ef)
		return;
	CHECK_EQ_U64(go_globals_find(ef, &o, NULL, NULL, &g), 0);
	CHECK_EQ_U64(g.work, nm.work.addr);
	CHECK_EQ_U64(g.memstats, nm.memstats.addr);
	CHECK_EQ_U64(g.sched, nm.sched.addr);
	CHECK_EQ_U64(g.firstmoduledata, nm.firstmoduledata.addr);
	CHECK_EQ_U64(g.gc_controller, nm.gc_controller.addr);
	CHECK(g.work_source == GO_GLOBAL_SYMTAB && g.memstats_source == GO_GLOBAL_SYMTAB &&
	      g.sched_source == GO_GLOBAL_SYMTAB && g.gc_controller_source == GO_GLOBAL_SYMTAB);
	/* The symbols' sizes are the struct sizes: a check of the layouts too. */
	CHECK_EQ_U64(nm.work.size, o.work_size);
	CHECK_EQ_U64(nm.memstats.size, o.memstats_size);
	CHECK_EQ_U64(nm.sched.size, o.sched_size);
	CHECK_EQ_U64(nm.gc_controller.size, o.gcc_size);
	elf_file_close(ef);
	(*(int *)ctx)++;
}

TEST(symtab_addresses_equal_go_tool_nm)
{
	int checked = 0;

	CHECK(unit_manifest(symtab_fixture, &checked) > 0);
	CHECK(checked >= 4);
}

TEST(no_symbols_no_lookup_gives_enoent)
{
	struct elf_file *ef = NULL;
	struct go_offsets o;
	struct go_globals g;

	go_offsets_from_table(1, 19, false, &o);
	CHECK_EQ_U64(elf_file_open("/proc/self/exe", &ef), 0);
	if (!ef)
		return;
	CHECK_EQ_U64(go_globals_find(ef, &o, NULL, NULL, &g), (uint64_t)-ENOENT);
	CHECK(g.work == 0 && g.memstats == 0 && g.sched == 0);
	elf_file_close(ef);
}

/* ---- stripped binaries ---- */

static int pclntab_lookup(const char *name, uint64_t *entry, uint64_t *end, void *ctx)
{
	struct go_func fn;

	if (pclntab_find_func(ctx, name, &fn) != 0)
		return -ENOENT;
	*entry = fn.entry;
	*end = fn.end;
	return 0;
}

/* Runs go_globals_find on path with the function table of its own pclntab. */
static int derive(const char *path, int minor, bool arm64, struct go_globals *g)
{
	struct elf_file *ef = NULL;
	struct pclntab *t = NULL;
	struct go_offsets o;
	int err;

	memset(g, 0, sizeof(*g));
	if (go_offsets_from_table(1, minor, arm64, &o) != 0 || elf_file_open(path, &ef) != 0)
		return -EINVAL;
	err = pclntab_open(ef, &t);
	if (!err)
		err = go_globals_find(ef, &o, pclntab_lookup, t, g);
	pclntab_close(t);
	elf_file_close(ef);
	return err;
}

struct derived_counts { int binaries, found, declined; };

/* Every address found must be the symbol's; the toolchains of the fixtures on amd64 must find all four. */
static void compare_with_nm(const char *what, const struct go_globals *g, const struct nm_globals *nm, int minor,
			    bool arm64, struct derived_counts *c)
{
	const uint64_t got[4] = { g->work, g->memstats, g->sched, g->gc_controller },
		       want[4] = { nm->work.addr, nm->memstats.addr, nm->sched.addr, nm->gc_controller.addr };

	for (int i = 0; i < 4; i++) {
		if (got[i] && got[i] != want[i])
			fprintf(stderr, "    %s: global %d derived %#" PRIx64 ", symbol %#" PRIx64 "\n", what, i, got[i],
				want[i]);
		CHECK(got[i] == 0 || got[i] == want[i]);
		CHECK(got[i] != 0 || arm64 || (minor != 19 && minor != 26 && minor != 27));
		if (got[i])
			c->found++;
		else
			c->declined++;
	}
	CHECK(g->work_source != GO_GLOBAL_SYMTAB && g->memstats_source != GO_GLOBAL_SYMTAB &&
	      g->gc_controller_source != GO_GLOBAL_SYMTAB);
	c->binaries++;
}

static bool run(const char *cmd)
{
	return system(cmd) == 0;
}

/* strip(1) removes .symtab and DWARF and leaves code and data where they were: the original's symbols are the
 * ground truth. */
static void stripped_copy_fixture(const struct unit_fixture *f, void *ctx)
{
	char gocmd[4096], out[8192], cmd[16384];
	struct nm_globals nm;
	struct go_globals g;
	int major, minor;

	if (strcmp(f->variant, "stripped") == 0)
		return;
	CHECK(parse_goversion(f->goversion, &major, &minor));
	CHECK(go_command(f->goversion, gocmd, sizeof(gocmd)));
	snprintf(out, sizeof(out), TWIN_DIR "/%s/%s.%s.strip", f->goversion, f->program, f->variant);
	snprintf(cmd, sizeof(cmd), "mkdir -p " TWIN_DIR "/%s && strip --strip-all -o '%s' '%s'", f->goversion, out,
		 f->path);
	CHECK(run(cmd));
	CHECK(nm_globals(gocmd, f->path, &nm));
	CHECK_EQ_U64(derive(out, minor, false, &g), 0);
	compare_with_nm(out, &g, &nm, minor, false, ctx);
}

TEST(stripped_copies_derive_the_symbol_addresses)
{
	struct derived_counts c = { 0 };

	unit_manifest(stripped_copy_fixture, &c);
	printf("    %d stripped copies: %d globals found, %d declined\n", c.binaries, c.found, c.declined);
	CHECK(c.binaries >= 8);
}

/* Where `addr` of binary `from` lies in binary `to`: the same offset in the data section of the same name,
 * which must have the same size in both (0 when not). */
static uint64_t translate(const char *from, const char *to, uint64_t addr)
{
	static const char *const names[] = { ".data", ".bss", ".noptrdata", ".noptrbss" };
	struct elf_file *ef = NULL, *et = NULL;
	uint64_t out = 0;

	if (elf_file_open(from, &ef) == 0 && elf_file_open(to, &et) == 0) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			struct elf_section a, b;

			if (elf_file_find_section(ef, names[i], &a) == 0 && elf_file_find_section(et, names[i], &b) == 0 &&
			    addr >= a.addr && addr < a.addr + a.size && a.size == b.size)
				out = addr - a.addr + b.addr;
		}
	}
	elf_file_close(ef);
	elf_file_close(et);
	return out;
}

/* True when `a` exists and was written no earlier than `b`. */
static bool newer_or_same(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_mtime >= sb.st_mtime;
}

/* The stripped fixtures (-ldflags="-s -w") are laid out differently from the default ones. A -ldflags=-w build
 * keeps the symbols; its data sections have the stripped build's sizes and contents, moved by a few bytes in
 * Go 1.26: each symbol is carried over to the stripped binary by its offset in its section. */
static void stripped_fixture(const struct unit_fixture *f, void *ctx)
{
	char gocmd[4096], twin[8192], cmd[16384];
	struct nm_globals nm;
	struct go_globals g;
	int major, minor;

	if (strcmp(f->variant, "stripped") != 0)
		return;
	CHECK(parse_goversion(f->goversion, &major, &minor));
	CHECK(go_command(f->goversion, gocmd, sizeof(gocmd)));
	snprintf(twin, sizeof(twin), TWIN_DIR "/%s/%s.w", f->goversion, f->program);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p " TWIN_DIR "/%s && cd tests/go/%s && GOCACHE=$PWD/../../../build/gocache GOFLAGS=-mod=mod "
		 "GOTOOLCHAIN=local GOPATH=$PWD/../../../build/gopath '%s' build -ldflags=-w -o ../../../%s . >&2",
		 f->goversion, f->program, gocmd, twin);
	CHECK(newer_or_same(twin, f->path) || run(cmd));	/* a twin older than its fixture is stale */
	CHECK(nm_globals(gocmd, twin, &nm));
	nm.work.addr = translate(twin, f->path, nm.work.addr);
	nm.memstats.addr = translate(twin, f->path, nm.memstats.addr);
	nm.sched.addr = translate(twin, f->path, nm.sched.addr);
	nm.gc_controller.addr = translate(twin, f->path, nm.gc_controller.addr);
	CHECK(nm.work.addr && nm.memstats.addr && nm.sched.addr && nm.gc_controller.addr);
	CHECK_EQ_U64(derive(f->path, minor, false, &g), 0);
	compare_with_nm(f->path, &g, &nm, minor, false, ctx);
}

TEST(stripped_fixtures_derive_their_twins_symbol_addresses)
{
	struct derived_counts c = { 0 };

	unit_manifest(stripped_fixture, &c);
	printf("    %d stripped fixtures: %d globals found, %d declined\n", c.binaries, c.found, c.declined);
	CHECK(c.binaries >= 2);
}

/* arm64: tests/go/gcload cross-built, then stripped with llvm-strip (GNU strip here knows x86 only). */
static void arm64_fixture(const struct unit_fixture *f, void *ctx)
{
	char gocmd[4096], bin[512], out[1024], cmd[16384];
	struct nm_globals nm;
	struct go_globals g;
	int major, minor;

	if (strcmp(f->program, "gcload") != 0 || strcmp(f->variant, "default") != 0)
		return;
	CHECK(parse_goversion(f->goversion, &major, &minor));
	CHECK(go_command(f->goversion, gocmd, sizeof(gocmd)));
	snprintf(bin, sizeof(bin), TWIN_DIR "/%s/gcload.arm64", f->goversion);
	snprintf(out, sizeof(out), "%s.strip", bin);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p " TWIN_DIR "/%s && cd tests/go/gcload && GOCACHE=$PWD/../../../build/gocache "
		 "GOFLAGS=-mod=mod GOTOOLCHAIN=local GOPATH=$PWD/../../../build/gopath CGO_ENABLED=0 GOARCH=arm64 "
		 "'%s' build -o ../../../%s . >&2",
		 f->goversion, gocmd, bin);
	CHECK(access(bin, R_OK) == 0 || run(cmd));
	snprintf(cmd, sizeof(cmd), "llvm-strip --strip-all -o '%s' '%s'", out, bin);
	CHECK(run(cmd));
	CHECK(nm_globals(gocmd, bin, &nm));
	derive(out, minor, true, &g);
	compare_with_nm(out, &g, &nm, minor, true, ctx);
}

TEST(arm64_stripped_derives_symbol_addresses_or_declines)
{
	struct derived_counts c = { 0 };

	unit_manifest(arm64_fixture, &c);
	printf("    %d arm64 binaries: %d globals found, %d declined\n", c.binaries, c.found, c.declined);
	CHECK(c.binaries >= 2);
}

/* ---- simpler derivations read off GNU objdump, for binaries without symbols anywhere ---- */

struct od_line { uint64_t target; char op[16], src[16]; };
struct od_func { struct od_line l[4096]; int n; };

/* The RIP-relative operands of [entry, end) as objdump prints them: "op %src,0x..(%rip)  # target". */
static bool objdump_func(const char *bin, uint64_t entry, uint64_t end, struct od_func *f)
{
	char cmd[8192], line[1024];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "objdump -d --no-show-raw-insn --start-address=%#" PRIx64 " --stop-address=%#" PRIx64
		 " '%s'", entry, end, bin);
	p = popen(cmd, "r");
	if (!p)
		return false;
	f->n = 0;
	while (fgets(line, sizeof(line), p) && f->n < 4096) {
		struct od_line *l = &f->l[f->n];
		char *tab = strchr(line, '\t'), *hash = strstr(line, "(%rip)");

		if (!tab || !hash || !(hash = strstr(hash, "# ")))
			continue;
		l->src[0] = 0;
		if (sscanf(tab + 1, "%15s %%%15[^,]", l->op, l->src) >= 1 && sscanf(hash + 2, "%" SCNx64, &l->target) == 1)
			f->n++;
	}
	return pclose(p) == 0;
}

/* Two stores of one register of the given width ('e': 32-bit, 'r': 64-bit) whose targets are `distance` apart:
 * the first target, or 0 unless exactly one such pair exists. */
static uint64_t store_pair(const struct od_func *f, char width, int64_t distance)
{
	uint64_t found = 0;
	int pairs = 0;

	for (int i = 0; i < f->n; i++) {
		const struct od_line *a = &f->l[i];

		if (a->src[0] != width || strncmp(a->op, "mov", 3) != 0)
			continue;
		for (int j = 0; j < f->n; j++) {
			const struct od_line *b = &f->l[j];

			if (strcmp(a->src, b->src) == 0 && strncmp(b->op, "mov", 3) == 0 &&
			    (int64_t)(b->target - a->target) == distance && found != a->target) {
				found = a->target;
				pairs++;
			}
		}
	}
	return pairs == 1 ? found : 0;
}

struct objdump_check {
	const char *bin;
	struct pclntab *t;
	struct od_func *f;
	uint64_t data_lo, data_hi;	/* Go's writable data, where the runtime's globals are */
};

/* Two LEAs `distance` apart into writable data (the addresses of memstats.pause_ns and pause_end): the first
 * target, or 0 unless exactly one such pair exists. Read-only data is left out: two string constants can lie
 * 2048 bytes apart too (a Go 1.26 build of tests/go/idle has such a pair in gcMarkTermination). */
static uint64_t lea_pair(const struct objdump_check *c, int64_t distance)
{
	const struct od_func *f = c->f;
	uint64_t found = 0;
	int pairs = 0;

	for (int i = 0; i < f->n; i++) {
		uint64_t a = f->l[i].target;

		if (strcmp(f->l[i].op, "lea") != 0 || a < c->data_lo || a >= c->data_hi)
			continue;
		for (int j = 0; j < f->n; j++)
			if (strcmp(f->l[j].op, "lea") == 0 && (int64_t)(f->l[j].target - a) == distance && found != a) {
				found = a;
				pairs++;
			}
	}
	return pairs == 1 ? found : 0;
}

/* [start of the first, end of the last) of Go's writable data sections. */
static void data_range(const struct elf_file *ef, uint64_t *lo, uint64_t *hi)
{
	static const char *const names[] = { ".noptrdata", ".data", ".bss", ".noptrbss" };
	struct elf_section sec;

	*lo = UINT64_MAX;
	*hi = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (elf_file_find_section(ef, names[i], &sec) == 0 && sec.addr) {
			*lo = sec.addr < *lo ? sec.addr : *lo;
			*hi = sec.addr + sec.size > *hi ? sec.addr + sec.size : *hi;
		}
}

static bool has_target(const struct od_func *f, uint64_t target)
{
	for (int i = 0; i < f->n; i++)
		if (f->l[i].target == target)
			return true;
	return false;
}

static bool load_func(struct objdump_check *c, const char *name)
{
	struct go_func fn;

	return pclntab_find_func(c->t, name, &fn) == 0 && objdump_func(c->bin, fn.entry, fn.end, c->f);
}

/* runtime.work: gcStart stores gomaxprocs into work.stwprocs and work.maxprocs (one register, 4 bytes apart);
 * before 1.22 it also stores one `now` into tSweepTerm and pauseStart, and gcMarkDone into tMarkTerm and
 * pauseStart. Each pair gives the base on its own; 0 when they disagree. */
static uint64_t objdump_work(struct objdump_check *c, const struct go_offsets *o)
{
	uint64_t a = 0, b = 0, d = 0;

	if (load_func(c, "runtime.gcStart")) {
		a = store_pair(c->f, 'e', o->work_maxprocs - o->work_stwprocs);
		a = a ? a - o->work_stwprocs : 0;
		if (o->work_pausestart >= 0) {
			b = store_pair(c->f, 'r', o->work_pausestart - o->work_tsweepterm);
			b = b ? b - o->work_tsweepterm : 0;
		}
	}
	if (o->work_pausestart >= 0 && load_func(c, "runtime.gcMarkDone")) {
		d = store_pair(c->f, 'r', o->work_pausestart - o->work_tmarkterm);
		d = d ? d - o->work_tmarkterm : 0;
	}
	if (!a || (o->work_pausestart >= 0 && (a != b || a != d)))
		return 0;
	return a;
}

/* runtime.memstats: gcMarkTermination takes the addresses of pause_ns and pause_end (2048 bytes apart), and
 * readGCStats_m (when linked) the same. */
static uint64_t objdump_memstats(struct objdump_check *c, const struct go_offsets *o)
{
	uint64_t a = 0, b = 0;

	if (load_func(c, "runtime.gcMarkTermination"))
		a = lea_pair(c, o->memstats_pause_end - o->memstats_pause_ns);
	if (a && load_func(c, "runtime.readGCStats_m"))
		b = lea_pair(c, o->memstats_pause_end - o->memstats_pause_ns);
	return a && (!b || a == b) ? a - o->memstats_pause_ns : 0;
}

/* runtime.sched: stopTheWorldWithSema stores sched.stopwait and touches sched.gcwaiting and sched.lock at their
 * distances from it. */
static uint64_t objdump_sched(struct objdump_check *c, const struct go_offsets *o)
{
	uint64_t found = 0;

	if (!load_func(c, "runtime.stopTheWorldWithSema"))
		return 0;
	for (int i = 0; i < c->f->n; i++) {
		uint64_t base = c->f->l[i].target - o->sched_stopwait;

		if (has_target(c->f, base + o->sched_gcwaiting) && has_target(c->f, base + o->sched_lock)) {
			if (found && found != base)
				return 0;
			found = base;
		}
	}
	return found;
}

static void objdump_globals(const char *bin, int minor, struct go_globals *g)
{
	struct objdump_check c = { bin, NULL, malloc(sizeof(struct od_func)), 0, 0 };
	struct elf_file *ef = NULL;
	struct go_offsets o;

	memset(g, 0, sizeof(*g));
	if (c.f && go_offsets_from_table(1, minor, false, &o) == 0 && elf_file_open(bin, &ef) == 0 &&
	    pclntab_open(ef, &c.t) == 0) {
		data_range(ef, &c.data_lo, &c.data_hi);
		g->work = objdump_work(&c, &o);
		g->memstats = objdump_memstats(&c, &o);
		g->sched = objdump_sched(&c, &o);
	}
	pclntab_close(c.t);
	elf_file_close(ef);
	free(c.f);
}

/* The objdump derivations are themselves checked against symbols on the fixtures before being trusted. */
static void objdump_fixture(const struct unit_fixture *f, void *ctx)
{
	char gocmd[4096];
	struct nm_globals nm;
	struct go_globals g;
	int major, minor, before;

	if (strcmp(f->variant, "default") != 0)
		return;
	CHECK(parse_goversion(f->goversion, &major, &minor));
	CHECK(go_command(f->goversion, gocmd, sizeof(gocmd)));
	CHECK(nm_globals(gocmd, f->path, &nm));
	objdump_globals(f->path, minor, &g);
	before = unit_failures_in_test;
	CHECK_EQ_U64(g.work, nm.work.addr);
	CHECK_EQ_U64(g.memstats, nm.memstats.addr);
	CHECK_EQ_U64(g.sched, nm.sched.addr);
	if (unit_failures_in_test != before)
		fprintf(stderr, "    in %s\n", f->path);
	(*(int *)ctx)++;
}

TEST(objdump_derivations_equal_symbols_on_fixtures)
{
	int checked = 0;

	unit_manifest(objdump_fixture, &checked);
	CHECK(checked >= 2);
}

/* Debian's prometheus (stripped, Go 1.19, no ground truth): go_globals must agree with the objdump derivations
 * or decline. `apt-get install prometheus` provides it; the test says so when it is missing. */
TEST(prometheus_agrees_with_objdump_or_declines)
{
	const char *bin = "/usr/bin/prometheus";
	struct go_globals mine, od;
	char line[256] = "";
	int major = 0, minor = 0;
	FILE *p;

	if (access(bin, R_OK) != 0) {
		CHECK(!"Debian's prometheus is installed (scripts/install-deps.sh installs it)");
		return;
	}
	p = popen("/usr/lib/go-1.19/bin/go version /usr/bin/prometheus", "r");
	CHECK(p && fgets(line, sizeof(line), p));
	if (p)
		pclose(p);
	CHECK(sscanf(line, "%*s go%d.%d", &major, &minor) == 2);
	CHECK_EQ_U64(derive(bin, minor, false, &mine), 0);
	objdump_globals(bin, minor, &od);
	printf("    prometheus go1.%d: work %#" PRIx64 "/%#" PRIx64 " memstats %#" PRIx64 "/%#" PRIx64
	       " sched %#" PRIx64 "/%#" PRIx64 " (go_globals/objdump)\n",
	       minor, mine.work, od.work, mine.memstats, od.memstats, mine.sched, od.sched);
	CHECK(mine.work == 0 || mine.work == od.work);
	CHECK(mine.memstats == 0 || mine.memstats == od.memstats);
	CHECK(mine.sched == 0 || mine.sched == od.sched);
}

/* ---- bad input ---- */

struct bogus_ranges { uint64_t entry, end; };

static int bogus_lookup(const char *name, uint64_t *entry, uint64_t *end, void *ctx)
{
	const struct bogus_ranges *r = ctx;

	(void)name;
	*entry = r->entry;
	*end = r->end;
	return 0;
}

/* Function ranges that are empty, reversed, outside the file, or huge; layouts that know nothing: no crash (the
 * ASan build checks the reads), nothing found. */
TEST(bogus_ranges_and_layouts_find_nothing)
{
	static const struct bogus_ranges ranges[] = {
		{ 0, 0 }, { 0x500000, 0x400000 }, { UINT64_MAX - 16, UINT64_MAX }, { 0x401000, 0x401000 + (64 << 20) },
		{ 0x7fff0000, 0x7fff0100 }, { 0x401000, 0x401003 },
	};
	const char *path = "build/tests/go/go1.19.8/gcload.stripped";
	struct elf_file *ef = NULL;
	struct go_offsets o, unknown;
	struct go_globals g;

	go_offsets_from_table(1, 19, false, &o);
	go_offsets_init(&unknown);
	CHECK_EQ_U64(elf_file_open(path, &ef), 0);
	if (!ef)
		return;
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		CHECK_EQ_U64(go_globals_find(ef, &o, bogus_lookup, (void *)&ranges[i], &g), (uint64_t)-ENOENT);
		CHECK(g.work == 0 && g.memstats == 0 && g.sched == 0 && g.gc_controller == 0);
	}
	CHECK(derive(path, 19, false, &g) == 0 && g.work && g.memstats && g.sched && g.gc_controller);
	CHECK_EQ_U64(go_globals_find(ef, &unknown, bogus_lookup, (void *)&ranges[5], &g), (uint64_t)-ENOENT);
	elf_file_close(ef);
}
