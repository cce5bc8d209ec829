// SPDX-License-Identifier: GPL-2.0
/* ELF access on top of libelf. The file is mapped read-only once; every pointer handed out is checked
 * against the mapping, because the input (a binary found through /proc) is untrusted. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gobin/elf_file.h"

struct elf_file {
	const uint8_t *data;
	size_t size;
	bool owns_mapping;
	Elf *elf;
	GElf_Ehdr ehdr;
	size_t shstrndx;
};

static bool range_in_file(const struct elf_file *ef, uint64_t off, uint64_t len)
{
	return off <= ef->size && len <= ef->size - off;
}

static int open_view(struct elf_file *ef)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOEXEC;
	ef->elf = elf_memory((char *)ef->data, ef->size);
	if (!ef->elf || elf_kind(ef->elf) != ELF_K_ELF)
		return -ENOEXEC;
	if (!gelf_getehdr(ef->elf, &ef->ehdr) || elf_getshdrstrndx(ef->elf, &ef->shstrndx) != 0)
		return -ENOEXEC;
	return 0;
}

int elf_file_open_mem(const void *data, size_t size, struct elf_file **out)
{
	struct elf_file *ef = calloc(1, sizeof(*ef));
	int err;

	if (!ef)
		return -ENOMEM;
	ef->data = data;
	ef->size = size;
	err = open_view(ef);
	if (err) {
		elf_file_close(ef);
		return err;
	}
	*out = ef;
	return 0;
}

int elf_file_open(const char *path, struct elf_file **out)
{
	struct stat st;
	void *map;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		close(fd);
		return -ENOEXEC;
	}
	/* MAP_SHARED, not MAP_PRIVATE: the kernel installs the breakpoints of every uprobe registered on this inode
	 * (ours, other tracers') into each private mapping of it that may execute, ours included, so a private
	 * mapping would show 0xCC where the RET we look for is. Shared mappings are left alone. Read-only either
	 * way. */
	map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	err = map == MAP_FAILED ? -errno : 0;
	close(fd);
	if (err)
		return err;
	err = elf_file_open_mem(map, st.st_size, out);
	if (err) {
		munmap(map, st.st_size);
		return err;
	}
	(*out)->owns_mapping = true;
	return 0;
}

void elf_file_close(struct elf_file *ef)
{
	if (!ef)
		return;
	if (ef->elf)
		elf_end(ef->elf);
	if (ef->owns_mapping)
		munmap((void *)ef->data, ef->size);
	free(ef);
}

void elf_file_drop_pages(const struct elf_file *ef)
{
	if (ef && ef->owns_mapping)
		madvise((void *)ef->data, ef->size, MADV_DONTNEED);	/* shared file mapping: nothing is lost */
}

const uint8_t *elf_file_data(const struct elf_file *ef, size_t *size)
{
	*size = ef->size;
	return ef->data;
}

uint16_t elf_file_machine(const struct elf_file *ef) { return ef->ehdr.e_machine; }
bool elf_file_is_64bit(const struct elf_file *ef) { return gelf_getclass(ef->elf) == ELFCLASS64; }
bool elf_file_is_pie(const struct elf_file *ef) { return ef->ehdr.e_type == ET_DYN; }

static void fill_section(const struct elf_file *ef, const GElf_Shdr *sh, const char *name,
			 struct elf_section *sec)
{
	sec->name = name;
	sec->type = sh->sh_type;
	sec->addr = sh->sh_addr;
	sec->offset = sh->sh_offset;
	sec->size = sh->sh_size;
	sec->data = NULL;
	if (sh->sh_type != SHT_NOBITS && range_in_file(ef, sh->sh_offset, sh->sh_size))
		sec->data = ef->data + sh->sh_offset;
}

int elf_file_find_section(const struct elf_file *ef, const char *name, struct elf_section *sec)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(ef->elf, scn))) {
		const char *sname;

		if (!gelf_getshdr(scn, &sh))
			continue;
		sname = elf_strptr(ef->elf, ef->shstrndx, sh.sh_name);
		if (sname && strcmp(sname, name) == 0) {
			fill_section(ef, &sh, sname, sec);
			return 0;
		}
	}
	return -ENOENT;
}

static Elf_Scn *find_section_by_type(const struct elf_file *ef, uint32_t type, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(ef->elf, scn)))
		if (gelf_getshdr(scn, sh) && sh->sh_type == type)
			return scn;
	return NULL;
}

bool elf_file_has_symtab(const struct elf_file *ef)
{
	GElf_Shdr sh;

	return find_section_by_type(ef, SHT_SYMTAB, &sh) != NULL;
}

static int foreach_symbol_in(const struct elf_file *ef, uint32_t type, elf_symbol_fn fn, void *ctx)
{
	GElf_Shdr sh;
	Elf_Scn *scn = find_section_by_type(ef, type, &sh);
	Elf_Data *data;
	size_t i, count;

	if (!scn || sh.sh_entsize == 0)
		return -ENOENT;
	data = elf_getdata(scn, NULL);
	if (!data)
		return -ENOENT;
	count = data->d_size / sh.sh_entsize;
	for (i = 0; i < count; i++) {
		struct elf_symbol sym;
		GElf_Sym gs;
		int ret;

		if (!gelf_getsym(data, i, &gs))
			break;
		sym.name = elf_strptr(ef->elf, sh.sh_link, gs.st_name);
		if (!sym.name || !sym.name[0])
			continue;
		sym.value = gs.st_value;
		sym.size = gs.st_size;
		sym.type = GELF_ST_TYPE(gs.st_info);
		ret = fn(&sym, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

int elf_file_foreach_symbol(const struct elf_file *ef, elf_symbol_fn fn, void *ctx)
{
	int ret = foreach_symbol_in(ef, SHT_SYMTAB, fn, ctx);

	return ret == -ENOENT ? foreach_symbol_in(ef, SHT_DYNSYM, fn, ctx) : ret;
}

struct symbol_query {
	const char *name;
	struct elf_symbol *out;
};

static int match_symbol(const struct elf_symbol *sym, void *ctx)
{
	struct symbol_query *q = ctx;

	if (strcmp(sym->name, q->name) != 0)
		return 0;
	*q->out = *sym;
	return 1;
}

int elf_file_find_symbol(const struct elf_file *ef, const char *name, struct elf_symbol *sym)
{
	struct symbol_query q = { .name = name, .out = sym };

	if (foreach_symbol_in(ef, SHT_SYMTAB, match_symbol, &q) == 1)
		return 0;
	if (foreach_symbol_in(ef, SHT_DYNSYM, match_symbol, &q) == 1)
		return 0;
	return -ENOENT;
}

/* The PT_LOAD segment whose file-backed part holds [vaddr, vaddr+len). */
static bool find_load_segment(const struct elf_file *ef, uint64_t vaddr, uint64_t len, GElf_Phdr *out)
{
	size_t i, phnum;

	if (elf_getphdrnum(ef->elf, &phnum) != 0)
		return false;
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(ef->elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr < ph.p_vaddr || vaddr - ph.p_vaddr >= ph.p_filesz)
			continue;
		if (len > ph.p_filesz - (vaddr - ph.p_vaddr))
			return false;
		*out = ph;
		return true;
	}
	return false;
}

int elf_file_vaddr_to_offset(const struct elf_file *ef, uint64_t vaddr, uint64_t *offset)
{
	GElf_Phdr ph;

	if (!find_load_segment(ef, vaddr, 1, &ph))
		return -ENOENT;
	*offset = vaddr - ph.p_vaddr + ph.p_offset;
	return 0;
}

const uint8_t *elf_file_vaddr_ptr(const struct elf_file *ef, uint64_t vaddr, uint64_t len)
{
	GElf_Phdr ph;
	uint64_t off;

	if (!find_load_segment(ef, vaddr, len ? len : 1, &ph))
		return NULL;
	off = vaddr - ph.p_vaddr + ph.p_offset;
	return range_in_file(ef, off, len) ? ef->data + off : NULL;
}

uint64_t elf_file_min_vaddr(const struct elf_file *ef)
{
	uint64_t min = UINT64_MAX;
	size_t i, phnum;

	if (elf_getphdrnum(ef->elf, &phnum) != 0)
		return 0;
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(ef->elf, i, &ph) && ph.p_type == PT_LOAD && ph.p_vaddr < min)
			min = ph.p_vaddr;
	}
	return min == UINT64_MAX ? 0 : min;
}
