/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel function symbols from /proc/kallsyms: read and sorted once, then found by address (binary search). */
#ifndef GOTRACE_KSYMS_H
#define GOTRACE_KSYMS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct ksyms;

/* What a lookup finds; the strings live as long as the table. */
struct ksym {
	const char *name;	/* "do_syscall_64" */
	const char *module;	/* "" for the core kernel, else the module ("ext4", "bpf") */
	uint64_t addr;
};

/* Text symbols (t, T, w, W) of a kallsyms-format stream. 0; -EACCES when every address reads as zero
 * (kernel.kptr_restrict hides them from this user); -ENOENT when there is no text symbol; -ENOMEM. */
int ksyms_parse(FILE *f, struct ksyms **out);
/* ksyms_parse of /proc/kallsyms; also -errno of fopen. */
int ksyms_load(struct ksyms **out);
void ksyms_free(struct ksyms *k);

/* The symbol holding addr, the last one at or below it, into *out: true; false below the first symbol or past
 * the last one (kallsyms gives no sizes; the last text symbol, such as _etext or a module's last function, ends
 * the range). */
bool ksyms_find(const struct ksyms *k, uint64_t addr, struct ksym *out);
size_t ksyms_count(const struct ksyms *k);
/* Lowest and highest symbol address, for a profile's kernel mapping. */
void ksyms_range(const struct ksyms *k, uint64_t *lowest, uint64_t *highest);

#endif
