/* SPDX-License-Identifier: GPL-2.0 */
/* One executable file as the symbolizer sees it (a Go binary, a shared library, a C program, the vDSO): file
 * offsets to link-time addresses, and the frames at an address from the Go function table or the ELF symbols. */
#ifndef GOTRACE_SYM_MODULE_H
#define GOTRACE_SYM_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gobin/pclntab.h"

struct sym_module;

enum sym_source {
	SYM_SOURCE_NONE = 0,	/* nothing holds the address */
	SYM_SOURCE_PCLNTAB,	/* Go function table: file, line, inlined frames */
	SYM_SOURCE_ELF,		/* ELF .symtab, or .dynsym when stripped: function names only */
};

/* path is opened (e.g. /proc/PID/map_files/START-END, which reaches files in other mount namespaces and deleted
 * ones); name is what people read and what pprof records ("/usr/lib/x86_64-linux-gnu/libc.so.6").
 * 0, or a negative errno from open, -ENOEXEC (not ELF), -ENOMEM. */
int sym_module_open(const char *path, const char *name, struct sym_module **out);
/* The same for an image in memory that outlives the module (the vDSO of this process, which the kernel maps
 * identically into every process). */
int sym_module_open_mem(const void *data, size_t size, const char *name, struct sym_module **out);
void sym_module_free(struct sym_module *m);

const char *sym_module_name(const struct sym_module *m);
/* Hex GNU build ID, else Go's build ID (.note.go.buildid), else "". */
const char *sym_module_build_id(const struct sym_module *m);
bool sym_module_is_go(const struct sym_module *m);

/* Link-time virtual address of a file offset, through the PT_LOAD segments. 0 or -ENOENT. */
int sym_module_vaddr(const struct sym_module *m, uint64_t file_offset, uint64_t *vaddr);

/* The frames at link-time address vaddr, innermost first (Go: inlined calls, then the physical function; ELF:
 * one). Strings live as long as the module. Returns the number written (0 when nothing holds vaddr) and the
 * source in *source. The ELF symbol index is built on first use (not thread-safe: one thread per module). */
int sym_module_frames(struct sym_module *m, uint64_t vaddr, struct go_frame *frames, int max,
		      enum sym_source *source);

#endif
