// SPDX-License-Identifier: GPL-2.0
/* Symbolizing inside one ELF file: Go binaries through their pclntab (present even when stripped), everything
 * else (C code of cgo binaries included) through the ELF function symbols. */
#include <errno.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "gobin/buildinfo.h"
#include "gobin/elf_file.h"
#include "gobin/sym_module.h"

#define NT_GO_BUILDID 4
#define BUILD_ID_MAX 128

struct load_seg {
	uint64_t offset, vaddr, filesz;
};

struct elf_func {
	uint64_t start, end;	/* end == start: size unknown, the function runs to the next symbol */
	const char *name;
};

struct sym_module {
	char *name;
	struct elf_file *elf;
	struct pclntab *pclntab;	/* Go binaries only */
	struct load_seg *segs;
	size_t nsegs;
	struct elf_func *funcs;		/* sorted by start, built on the first ELF lookup */
	size_t nfuncs, funcs_cap;
	bool funcs_built;
	char build_id[BUILD_ID_MAX * 2 + 1];
};

static int read_segments(struct sym_module *m, Elf *elf)
{
	size_t phnum, i;

	if (elf_getphdrnum(elf, &phnum) != 0)
		return -ENOEXEC;
	m->segs = calloc(phnum ? phnum : 1, sizeof(*m->segs));
	if (!m->segs)
		return -ENOMEM;
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD)
			m->segs[m->nsegs++] = (struct load_seg){ ph.p_offset, ph.p_vaddr, ph.p_filesz };
	}
	return 0;
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n && i < BUILD_ID_MAX; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* Looks through the note sections: a GNU build ID wins over Go's (the former is what debuginfod and perf key
 * on; Go writes the latter into every binary it links itself). */
static void read_build_id(struct sym_module *m, Elf *elf)
{
	char go_id[BUILD_ID_MAX + 1] = "";
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE || !(data = elf_getdata(scn, NULL)))
			continue;
		while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			const char *name = (const char *)data->d_buf + name_off;
			const uint8_t *desc = (const uint8_t *)data->d_buf + desc_off;

			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && !memcmp(name, "GNU", 4) && nh.n_descsz) {
				hex(desc, nh.n_descsz, m->build_id);
				return;
			}
			if (nh.n_type == NT_GO_BUILDID && nh.n_namesz == 4 && !memcmp(name, "Go\0", 4) && !go_id[0])
				snprintf(go_id, sizeof(go_id), "%.*s", (int)nh.n_descsz, (const char *)desc);
		}
	}
	snprintf(m->build_id, sizeof(m->build_id), "%s", go_id);
}

/* A Go binary (it has build info) gets its function table; anything else is left to the ELF symbols. */
static void open_pclntab(struct sym_module *m)
{
	struct go_buildinfo bi;
	int err = go_buildinfo_read(m->elf, &bi);

	go_buildinfo_free(&bi);
	if (!err && pclntab_open(m->elf, &m->pclntab) != 0)
		m->pclntab = NULL;
}

static int init(struct sym_module *m, const char *name)
{
	size_t size;
	const uint8_t *data = elf_file_data(m->elf, &size);
	Elf *elf = elf_memory((char *)data, size);
	int err;

	m->name = strdup(name);
	if (!m->name || !elf) {
		elf_end(elf);
		return m->name ? -ENOEXEC : -ENOMEM;
	}
	err = read_segments(m, elf);
	if (!err)
		read_build_id(m, elf);
	elf_end(elf);
	if (!err)
		open_pclntab(m);
	return err;
}

static int finish_open(struct sym_module *m, int err, const char *name, struct sym_module **out)
{
	if (!err)
		err = init(m, name);
	if (err) {
		sym_module_free(m);
		return err;
	}
	*out = m;
	return 0;
}

int sym_module_open(const char *path, const char *name, struct sym_module **out)
{
	struct sym_module *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	return finish_open(m, elf_file_open(path, &m->elf), name, out);
}

int sym_module_open_mem(const void *data, size_t size, const char *name, struct sym_module **out)
{
	struct sym_module *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	return finish_open(m, elf_file_open_mem(data, size, &m->elf), name, out);
}

void sym_module_free(struct sym_module *m)
{
	if (!m)
		return;
	pclntab_close(m->pclntab);
	elf_file_close(m->elf);
	free(m->funcs);
	free(m->segs);
	free(m->name);
	free(m);
}

const char *sym_module_name(const struct sym_module *m)
{
	return m->name;
}

const char *sym_module_build_id(const struct sym_module *m)
{
	return m->build_id;
}

bool sym_module_is_go(const struct sym_module *m)
{
	return m->pclntab != NULL;
}

int sym_module_vaddr(const struct sym_module *m, uint64_t file_offset, uint64_t *vaddr)
{
	for (size_t i = 0; i < m->nsegs; i++) {
		const struct load_seg *s = &m->segs[i];

		if (file_offset >= s->offset && file_offset - s->offset < s->filesz) {
			*vaddr = s->vaddr + (file_offset - s->offset);
			return 0;
		}
	}
	return -ENOENT;
}

/* ---- ELF function symbols ---- */

static int collect_func(const struct elf_symbol *sym, void *ctx)
{
	struct sym_module *m = ctx;

	if ((sym->type != STT_FUNC && sym->type != STT_GNU_IFUNC) || !sym->value)
		return 0;
	if (array_reserve(&m->funcs, &m->funcs_cap, m->nfuncs + 1, sizeof(*m->funcs), 1024))
		return -ENOMEM;
	m->funcs[m->nfuncs++] = (struct elf_func){ sym->value, sym->value + sym->size, sym->name };
	return 0;
}

/* Of aliases at one address, the sized one with the plainest name ("malloc" before "__libc_malloc"). */
static int rank(const struct elf_func *f)
{
	int underscores = 0;

	while (f->name[underscores] == '_')
		underscores++;
	return (f->end == f->start) * 1000 + underscores * 100 + (int)(strlen(f->name) > 99 ? 99 : strlen(f->name));
}

static int cmp_func(const void *a, const void *b)
{
	const struct elf_func *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (rank(x) != rank(y))
		return rank(x) - rank(y);
	return strcmp(x->name, y->name);
}

static void build_funcs(struct sym_module *m)
{
	size_t n = 0;

	m->funcs_built = true;
	if (elf_file_foreach_symbol(m->elf, collect_func, m) < 0) {
		free(m->funcs);
		m->funcs = NULL;
		m->nfuncs = 0;
		return;
	}
	qsort(m->funcs, m->nfuncs, sizeof(*m->funcs), cmp_func);
	for (size_t i = 0; i < m->nfuncs; i++)	/* keep the best-ranked alias of each address */
		if (!n || m->funcs[n - 1].start != m->funcs[i].start)
			m->funcs[n++] = m->funcs[i];
	m->nfuncs = n;
}

static const struct elf_func *find_func(struct sym_module *m, uint64_t vaddr)
{
	size_t lo = 0, hi;
	const struct elf_func *f;

	if (!m->funcs_built)
		build_funcs(m);
	hi = m->nfuncs;
	if (!hi || vaddr < m->funcs[0].start)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->funcs[mid].start <= vaddr)
			lo = mid;
		else
			hi = mid;
	}
	f = &m->funcs[lo];
	if (f->end > f->start)
		return vaddr < f->end ? f : NULL;
	return lo + 1 < m->nfuncs ? f : NULL;	/* unsized: up to the next symbol, never past the last one */
}

int sym_module_frames(struct sym_module *m, uint64_t vaddr, struct go_frame *frames, int max,
		      enum sym_source *source)
{
	const struct elf_func *f;
	int n = 0;

	*source = SYM_SOURCE_NONE;
	if (max < 1)
		return 0;
	if (m->pclntab && pclntab_frames(m->pclntab, vaddr, frames, max, &n) == 0 && n > 0) {
		*source = SYM_SOURCE_PCLNTAB;
		return n;
	}
	f = find_func(m, vaddr);
	if (!f)
		return 0;
	frames[0] = (struct go_frame){ f->name, "", 0 };
	*source = SYM_SOURCE_ELF;
	return 1;
}
