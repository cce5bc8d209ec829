/* SPDX-License-Identifier: GPL-2.0 */
/* A Go executable opened for probing: its ELF, build info, version and function table, and the uprobe targets
 * derived from them (file offsets of entries and of return instructions). */
#ifndef GOTRACE_GO_BINARY_H
#define GOTRACE_GO_BINARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gobin/buildinfo.h"
#include "gobin/elf_file.h"
#include "gobin/go_version.h"
#include "gobin/pclntab.h"

struct go_binary {
	char path[4096];
	struct elf_file *elf;
	struct pclntab *pclntab;	/* NULL when the table could not be read (pclntab_err says why) */
	int pclntab_err;
	struct go_buildinfo buildinfo;
	struct go_version version;
	bool version_known;		/* false: a development build or an unparsable version string */
	bool has_symtab;
};

/* 0; -ENOENT/-EACCES from open; -ENOEXEC not an ELF file; -ENOMSG an ELF file without Go build info (not a Go
 * program). */
int go_binary_open(const char *path, struct go_binary **out);
void go_binary_close(struct go_binary *gb);
/* elf_file_drop_pages of its executable: after the layout is derived and the probes attached. */
void go_binary_drop_pages(const struct go_binary *gb);

/* Looks the function up in .symtab when present, else in pclntab (stripped binaries). 0 or -ENOENT. */
int go_binary_find_func(const struct go_binary *gb, const char *name, struct go_func *fn);

/* File offset of a link-time address, for attaching a uprobe. 0 or -ENOENT. */
int go_binary_file_offset(const struct go_binary *gb, uint64_t vaddr, uint64_t *offset);

/* Addresses of the RET instructions of fn (see retsites_find for the return values). */
int go_binary_func_rets(const struct go_binary *gb, const struct go_func *fn, uint64_t *rets, size_t max);

/* "go1.22.3" or "unknown Go version". */
const char *go_binary_version_str(const struct go_binary *gb);

/* A one-line description of an open error, e.g. "not a Go program (no Go build information)". */
const char *go_binary_strerror(int err);

#endif
