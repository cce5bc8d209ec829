/* SPDX-License-Identifier: GPL-2.0 */
/* Read-only view of an ELF file: sections, symbols and virtual-address translation, bounds-checked. */
#ifndef GOTRACE_ELF_FILE_H
#define GOTRACE_ELF_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_file;

struct elf_section {
	const char *name;
	uint32_t type;		/* SHT_* */
	uint64_t addr;		/* virtual address, 0 when not allocated */
	uint64_t offset;	/* file offset */
	uint64_t size;
	const uint8_t *data;	/* NULL for SHT_NOBITS or a section reaching past the file */
};

struct elf_symbol {
	const char *name;
	uint64_t value;
	uint64_t size;
	uint8_t type;		/* STT_* */
};

/* Both return 0 or a negative errno: -ENOENT, -EACCES..., -ENOEXEC (not ELF or malformed). */
int elf_file_open(const char *path, struct elf_file **out);
/* Views caller-owned memory, which must outlive the elf_file (unit tests, fuzzers). */
int elf_file_open_mem(const void *data, size_t size, struct elf_file **out);
void elf_file_close(struct elf_file *ef);
/* Gives back the resident pages of the mapping read so far (DWARF, the function table, code): they stay in the
 * page cache and are read again on the next access. A binary kept open for the lifetime of a traced process
 * would otherwise count its whole file in the tracer's RSS, once per process. */
void elf_file_drop_pages(const struct elf_file *ef);

const uint8_t *elf_file_data(const struct elf_file *ef, size_t *size);
uint16_t elf_file_machine(const struct elf_file *ef);	/* EM_X86_64, EM_AARCH64, ... */
bool elf_file_is_64bit(const struct elf_file *ef);
bool elf_file_is_pie(const struct elf_file *ef);	/* ET_DYN */
bool elf_file_has_symtab(const struct elf_file *ef);

/* 0, or -ENOENT when absent. */
int elf_file_find_section(const struct elf_file *ef, const char *name, struct elf_section *sec);

/* Looks in .symtab, then .dynsym. 0, or -ENOENT. */
int elf_file_find_symbol(const struct elf_file *ef, const char *name, struct elf_symbol *sym);

/* Calls fn for every named symbol of .symtab (or .dynsym when there is none); stops when fn returns non-zero
 * and returns that value. */
typedef int (*elf_symbol_fn)(const struct elf_symbol *sym, void *ctx);
int elf_file_foreach_symbol(const struct elf_file *ef, elf_symbol_fn fn, void *ctx);

/* Translates a virtual address through the PT_LOAD segments. 0, or -ENOENT when no segment holds
 * it in its file-backed part. */
int elf_file_vaddr_to_offset(const struct elf_file *ef, uint64_t vaddr, uint64_t *offset);

/* Pointer to len bytes at vaddr, or NULL when they are not all file-backed inside one segment. */
const uint8_t *elf_file_vaddr_ptr(const struct elf_file *ef, uint64_t vaddr, uint64_t len);

/* The lowest p_vaddr of a PT_LOAD segment (the ELF's link-time base: PIE runtime address = load bias + vaddr). */
uint64_t elf_file_min_vaddr(const struct elf_file *ef);

#endif
