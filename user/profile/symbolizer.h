/* SPDX-License-Identifier: GPL-2.0 */
/* Turns sampled PCs into frames: user PCs of a process through its memory map (Go functions from pclntab with
 * their inlined calls, other code from ELF symbols), kernel PCs through /proc/kallsyms. Nothing is dropped: a
 * PC nothing resolves becomes an "[unknown]" frame that still says which file and offset it was at.
 *
 * Two objects: a sym_cache holds what every process shares (each executable file opened once, keyed by device
 * and inode, and the kernel symbols), so a daemon tracing many processes of one binary reads it once; a
 * symbolizer is one process (its maps, and a PC -> frames cache). Neither is thread-safe. */
#ifndef GOTRACE_SYMBOLIZER_H
#define GOTRACE_SYMBOLIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sym_cache;
struct sym_module;
struct symbolizer;

/* 0 or -ENOMEM. */
int sym_cache_new(struct sym_cache **out);
/* After every symbolizer using it is closed. */
void sym_cache_free(struct sym_cache *c);

/* Hands the cache the module of the file (dev, ino), which the cache owns once this returns 0: for a file no
 * path reaches (an image in memory, as fuzzers and tests make). 0 or -ENOMEM. */
int sym_cache_add_module(struct sym_cache *c, uint64_t dev, uint64_t ino, struct sym_module *mod);

/* Reads /proc/PID/maps and opens every executable file mapped (through /proc/PID/map_files, so files in other
 * mount namespaces and deleted ones are found), so that PCs stay resolvable after the process exits. 0, -ESRCH,
 * -EACCES (needs CAP_SYS_ADMIN or ptrace access to read map_files), -ENOMEM. */
int symbolizer_open(struct sym_cache *c, int pid, struct symbolizer **out);
/* A symbolizer of no live process, over a memory map given as the text of a maps file (fuzzers, tests): files
 * are found in the cache only (sym_cache_add_module) and the maps are never re-read. symbolizer_pid is 0.
 * 0 or -ENOMEM. */
int symbolizer_open_maps(struct sym_cache *c, const char *maps_text, struct symbolizer **out);
void symbolizer_close(struct symbolizer *s);
int symbolizer_pid(const struct symbolizer *s);

/* Re-reads the maps and opens newly mapped files (libraries loaded since). Mappings seen before are kept, so
 * PCs in code unmapped since still resolve. Lookups refresh by themselves on a miss, at most every 50 ms, while
 * the same process lives; call this periodically to catch libraries that come and go between misses.
 * 0, -ESRCH (the process is gone: what is known stays usable), -ENOMEM. */
int symbolizer_refresh(struct symbolizer *s);

enum sym_kind {
	SYM_GO,		/* a Go function (pclntab): file, line and inlined frames */
	SYM_NATIVE,	/* an ELF symbol: C code, a shared library, the vDSO; function name only */
	SYM_KERNEL,	/* a kernel function (/proc/kallsyms) */
	SYM_UNKNOWN,	/* nothing resolved the PC: func is "[unknown]" */
};

/* Where a PC lives. For pprof's Mapping: memory [start, limit) maps the file from file_offset. */
struct sym_map {
	const char *path;	/* "/usr/lib/x86_64-linux-gnu/libc.so.6", "[kernel.kallsyms]", "[vdso]" */
	const char *build_id;	/* hex GNU build ID, or Go's build ID, or "" */
	uint64_t start, limit, file_offset;
	bool is_kernel;
};

struct sym_frame {
	const char *func;		/* "main.work", "memcpy", "do_syscall_64"; "[unknown]" when unresolved */
	const char *file;		/* source file, "" when unknown */
	int line;			/* 0 when unknown */
	enum sym_kind kind;
	const struct sym_map *map;	/* NULL when no executable mapping holds the PC */
	uint64_t offset;		/* file offset of the PC in map's file (kernel: the address itself) */
};

/* The frames at pc, innermost first: for Go code the inlined calls, then the function that holds pc. PCs at or
 * above 1 << 63 are kernel addresses. return_address: pc is where a call returns to (every frame but the
 * interrupted one), so pc - 1 is looked up, inside the call instruction, which gives the caller's line and the
 * right function when the call was the last instruction. Writes at most max frames and returns how many the PC
 * has (>= 1; call again with more room if larger), or -EINVAL (max < 1) / -ENOMEM. Strings and maps live as
 * long as the symbolizer and its cache. */
int symbolizer_frames(struct symbolizer *s, uint64_t pc, bool return_address, struct sym_frame *out, int max);

/* The mapping of the process's executable code (its main binary), or NULL when none is known. */
const struct sym_map *symbolizer_main_map(const struct symbolizer *s);

/* Lookups served from the PC cache and resolved afresh, for tuning and the benchmarks. */
void symbolizer_stats(const struct symbolizer *s, uint64_t *hits, uint64_t *misses);

#endif
