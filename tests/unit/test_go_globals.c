// SPDX-License-Identifier: GPL-2.0
/* Tests of go_globals: addresses of runtime.work/memstats/sched against `go tool nm`, from the symbol table of
 * unstripped fixtures and from code in stripped ones. */
#include <errno.h>

#include "go_globals.h"
#include "unit.h"

struct nm_entry { uint64_t addr, size; };
struct nm_globals { struct nm_entry work, memstats, sched, firstmoduledata; };

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
		if (e)
			*e = (struct nm_entry){ addr, size };
	}
	return pclose(p) == 0 && g->work.addr && g->memstats.addr && g->sched.addr;
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
	CHECK(g.work_source == GO_GLOBAL_SYMTAB && g.memstats_source == GO_GLOBAL_SYMTAB &&
	      g.sched_source == GO_GLOBAL_SYMTAB);
	/* The symbols' sizes are the struct sizes: a check of the layouts too. */
	CHECK_EQ_U64(nm.work.size, o.work_size);
	CHECK_EQ_U64(nm.memstats.size, o.memstats_size);
	CHECK_EQ_U64(nm.sched.size, o.sched_size);
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
