/* SPDX-License-Identifier: GPL-2.0 */
/* Link-time addresses of the Go runtime globals gotrace reads (runtime.work, memstats, sched, gcController),
 * stripped or not. */
#ifndef GOTRACE_GO_GLOBALS_H
#define GOTRACE_GO_GLOBALS_H

#include <stdint.h>

#include "gobin/elf_file.h"
#include "gobin/go_offsets.h"

enum go_global_source {
	GO_GLOBAL_UNKNOWN,
	GO_GLOBAL_SYMTAB,	/* the ELF symbol */
	GO_GLOBAL_CODE,		/* derived from runtime code, two independent derivations agreeing */
	GO_GLOBAL_SECTION,	/* the section that holds only it (.go.module, Go 1.26) */
};

/* Virtual addresses as linked (add the load bias for PIE); 0 = unknown. */
struct go_globals {
	uint64_t work;		/* runtime.work (runtime.workType) */
	uint64_t memstats;	/* runtime.memstats (runtime.mstats) */
	uint64_t sched;		/* runtime.sched (runtime.schedt) */
	uint64_t firstmoduledata;	/* runtime.firstmoduledata: symbol table, or .go.module (1.26) */
	uint64_t gc_controller;		/* runtime.gcController (runtime.gcControllerState) */
	enum go_global_source work_source, memstats_source, sched_source, firstmoduledata_source,
		gc_controller_source;
};

/* Looks a Go function up by name ("runtime.gcStart"): its [entry, end) virtual addresses. 0, or -ENOENT.
 * Stripped binaries still name every function in .gopclntab. */
typedef int (*go_func_lookup_fn)(const char *name, uint64_t *entry, uint64_t *end, void *ctx);

/* Fills out from .symtab when the binary has one; otherwise derives each global from the machine code of the
 * runtime functions that use it (find_func may be NULL: symbols only), checking every candidate against the
 * struct layout o (the object must fit in .data/.bss/.noptrbss). A global that cannot be found for certain
 * stays 0 rather than be guessed. 0 when at least one global was found; -ENOENT when none was. */
int go_globals_find(const struct elf_file *ef, const struct go_offsets *o, go_func_lookup_fn find_func, void *ctx,
		    struct go_globals *out);

#endif
