// SPDX-License-Identifier: GPL-2.0
/* Finds the Go runtime globals: from .symtab, or (stripped binaries) from the code that uses them. */
#include <errno.h>
#include <string.h>

#include "go_globals.h"

/* Go 1.26 gives runtime.firstmoduledata a section of its own, .go.module. */
static const char *const data_sections[] = { ".data", ".bss", ".noptrbss", ".noptrdata", ".go.module" };

/* A runtime global lives in one of Go's data sections, all of it. */
static bool fits_in_data(const struct elf_file *ef, uint64_t addr, uint64_t size)
{
	struct elf_section sec;

	if (size == 0)
		return false;
	for (size_t i = 0; i < sizeof(data_sections) / sizeof(data_sections[0]); i++) {
		if (elf_file_find_section(ef, data_sections[i], &sec) != 0)
			continue;
		if (addr >= sec.addr && addr - sec.addr <= sec.size && size <= sec.size - (addr - sec.addr))
			return true;
	}
	return false;
}

static void from_symtab(const struct elf_file *ef, const char *name, int32_t size, uint64_t *addr,
			enum go_global_source *source)
{
	struct elf_symbol sym;

	if (elf_file_find_symbol(ef, name, &sym) != 0 || sym.value == 0)
		return;
	/* An unknown layout (size -1) cannot be checked: the symbol's own size stands in for it. */
	if (!fits_in_data(ef, sym.value, size > 0 ? (uint64_t)size : (sym.size ? sym.size : 1)))
		return;
	*addr = sym.value;
	*source = GO_GLOBAL_SYMTAB;
}

int go_globals_find(const struct elf_file *ef, const struct go_offsets *o, go_func_lookup_fn find_func, void *ctx,
		    struct go_globals *out)
{
	memset(out, 0, sizeof(*out));
	if (elf_file_has_symtab(ef)) {
		from_symtab(ef, "runtime.work", o->work_size, &out->work, &out->work_source);
		from_symtab(ef, "runtime.memstats", o->memstats_size, &out->memstats, &out->memstats_source);
		from_symtab(ef, "runtime.sched", o->sched_size, &out->sched, &out->sched_source);
		from_symtab(ef, "runtime.firstmoduledata", -1, &out->firstmoduledata,
			    &out->firstmoduledata_source);
	}
	(void)find_func;
	(void)ctx;
	return out->work || out->memstats || out->sched || out->firstmoduledata ? 0 : -ENOENT;
}
