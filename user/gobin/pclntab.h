/* SPDX-License-Identifier: GPL-2.0 */
/* The Go function table (pclntab): functions by name and by PC, file:line and inlined frames, stripped or not. */
#ifndef GOTRACE_PCLNTAB_H
#define GOTRACE_PCLNTAB_H

#include <stddef.h>
#include <stdint.h>

#include "gobin/elf_file.h"

/* Header magics, one per table layout. */
#define PCLNTAB_MAGIC_GO12  0xfffffffbu	/* Go 1.2 - 1.15 */
#define PCLNTAB_MAGIC_GO116 0xfffffffau	/* Go 1.16 - 1.17 */
#define PCLNTAB_MAGIC_GO118 0xfffffff0u	/* Go 1.18 - 1.19 */
#define PCLNTAB_MAGIC_GO120 0xfffffff1u	/* Go 1.20 and later */

/* name points into the mapped file; [entry, end) are link-time virtual addresses, end being the next function's
 * entry (so it includes the alignment padding after the last instruction). */
struct go_func {
	const char *name;
	uint64_t entry, end;
	int32_t args;	/* bytes of arguments and results (_func.args, the stack-ABI frame); -1 unknown */
};

/* One frame at a PC: an inlined call or the physical function. Strings point into the mapped file; file is ""
 * and line 0 when the table has none. */
struct go_frame {
	const char *func;
	const char *file;
	int line;
};

/* A PT_LOAD segment; data covers filesz bytes, or is NULL when they are not all inside the file. */
struct go_load_segment {
	uint64_t vaddr, filesz;
	uint32_t flags;		/* PF_R | PF_W | PF_X */
	const uint8_t *data;
};

/* Calls fn for each PT_LOAD segment in program-header order until fn returns non-zero, and returns that value
 * (0 when it never did, -ENOEXEC when the program headers are unreadable). Used by the pclntab and build info
 * scanners; it would belong in elf_file.h. */
int go_foreach_load_segment(const struct elf_file *ef,
			    int (*fn)(const struct go_load_segment *seg, void *ctx), void *ctx);

struct pclntab;

/* Finds the table by section (.gopclntab, .data.rel.ro.gopclntab), by the runtime.pclntab/runtime.epclntab
 * symbols, or by scanning the loadable segments for a valid header. ef must outlive the table.
 * 0; -ENOENT: none; -ENOEXEC: malformed or unknown magic; -ENOMEM. */
int pclntab_open(const struct elf_file *ef, struct pclntab **out);
void pclntab_close(struct pclntab *t);

uint32_t pclntab_version(const struct pclntab *t);	/* the magic, e.g. PCLNTAB_MAGIC_GO120 */
uint64_t pclntab_vaddr(const struct pclntab *t);	/* where the table starts */
uint64_t pclntab_text_start(const struct pclntab *t);	/* base of the functions' entry offsets */
int pclntab_ptr_size(const struct pclntab *t);
size_t pclntab_func_count(const struct pclntab *t);

/* Functions in address order, i < pclntab_func_count. 0, -ENOENT past the end, -ENOEXEC for a malformed entry. */
int pclntab_func_at_index(const struct pclntab *t, size_t i, struct go_func *fn);

/* Exact name ("main.main", "runtime.(*mheap).alloc"). Where an ABI wrapper shares the name of its function (the
 * ELF symbol table calls the wrapper "name.abi0"), the function itself is returned. Where distinct functions
 * share a name (Go 1.27 keeps a copy of a generic function's closure per package that instantiates it), the one
 * at the lowest address is. The first call builds a sorted index (4 bytes per function), safely even when
 * threads race. 0, -ENOENT, -ENOMEM. */
int pclntab_find_func(const struct pclntab *t, const char *name, struct go_func *fn);

/* The function whose [entry, end) holds pc (a link-time address: for PIE subtract the load bias first).
 * 0 or -ENOENT. */
int pclntab_func_for_pc(const struct pclntab *t, uint64_t pc, struct go_func *fn);

/* The innermost source position of pc, as `go tool addr2line` prints it. 0, -ENOENT (no function or no line
 * information there), -ENOEXEC. */
int pclntab_source_line(const struct pclntab *t, uint64_t pc, const char **file, int *line);

/* The frames at pc, innermost inlined call first, ending with the physical function: like
 * runtime.CallersFrames for a PC inside the call instruction (a return address minus one). Writes up to max
 * frames and sets *n to how many; when there are more, the outermost ones are left out.
 * Inlining is not expanded for PCLNTAB_MAGIC_GO12 tables (one frame). 0, -ENOENT, -ENOEXEC. */
int pclntab_frames(const struct pclntab *t, uint64_t pc, struct go_frame *frames, int max, int *n);

#endif
