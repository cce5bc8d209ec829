// SPDX-License-Identifier: GPL-2.0
/* Glue between the ELF, build info and pclntab readers: the one object a probe attacher needs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gobin/go_binary.h"
#include "gobin/retsites.h"

int go_binary_open(const char *path, struct go_binary **out)
{
	struct go_binary *gb = calloc(1, sizeof(*gb));
	int err;

	if (!gb)
		return -ENOMEM;
	snprintf(gb->path, sizeof(gb->path), "%s", path);
	err = elf_file_open(path, &gb->elf);
	if (err)
		goto fail;
	err = go_buildinfo_read(gb->elf, &gb->buildinfo);
	if (err) {
		err = err == -ENOENT ? -ENOMSG : err;
		goto fail;
	}
	gb->version_known = go_version_parse(gb->buildinfo.version, &gb->version) == 0;
	gb->has_symtab = elf_file_has_symtab(gb->elf);
	gb->pclntab_err = pclntab_open(gb->elf, &gb->pclntab);
	*out = gb;
	return 0;
fail:
	go_binary_close(gb);
	return err;
}

void go_binary_drop_pages(const struct go_binary *gb)
{
	if (gb)
		elf_file_drop_pages(gb->elf);
}

void go_binary_close(struct go_binary *gb)
{
	if (!gb)
		return;
	pclntab_close(gb->pclntab);
	go_buildinfo_free(&gb->buildinfo);
	elf_file_close(gb->elf);
	free(gb);
}

int go_binary_find_func(const struct go_binary *gb, const char *name, struct go_func *fn)
{
	struct elf_symbol sym;
	struct go_func from_table;

	if (gb->has_symtab && elf_file_find_symbol(gb->elf, name, &sym) == 0 && sym.size > 0) {
		fn->name = sym.name;
		fn->entry = sym.value;
		fn->end = sym.value + sym.size;
		/* Only the function table records the size of the arguments. */
		fn->args = gb->pclntab && pclntab_find_func(gb->pclntab, name, &from_table) == 0 ? from_table.args : -1;
		return 0;
	}
	if (!gb->pclntab)
		return -ENOENT;
	return pclntab_find_func(gb->pclntab, name, fn);
}

int go_binary_file_offset(const struct go_binary *gb, uint64_t vaddr, uint64_t *offset)
{
	return elf_file_vaddr_to_offset(gb->elf, vaddr, offset);
}

int go_binary_func_rets(const struct go_binary *gb, const struct go_func *fn, uint64_t *rets, size_t max)
{
	uint64_t len = fn->end - fn->entry;
	const uint8_t *code;

	if (fn->end <= fn->entry)
		return -ENOEXEC;
	code = elf_file_vaddr_ptr(gb->elf, fn->entry, len);
	if (!code)
		return -ENOEXEC;
	return retsites_find(elf_file_machine(gb->elf), code, len, fn->entry, rets, max);
}

const char *go_binary_version_str(const struct go_binary *gb)
{
	return gb->buildinfo.version[0] ? gb->buildinfo.version : "unknown Go version";
}

const char *go_binary_strerror(int err)
{
	switch (err) {
	case -ENOMSG:
		return "not a Go program (no Go build information in the executable)";
	case -ENOEXEC:
		return "not a readable ELF executable";
	case -ENOENT:
		return "executable not found";
	case -EACCES:
	case -EPERM:
		return "cannot read the executable (permission denied; needs CAP_SYS_PTRACE or CAP_DAC_READ_SEARCH)";
	default:
		return strerror(-err);
	}
}
