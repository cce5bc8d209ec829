// SPDX-License-Identifier: GPL-2.0
/* Go pclntab reader: function table, names, pc-value tables (file, line, inline tree index), inline trees.
 * Layouts follow the Go runtime's own reader (src/runtime/symtab.go, symtabinl.go, runtime2.go _func) at each
 * release; every read is bounds-checked because the binary is untrusted. */
#include <errno.h>
#include <gelf.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "gobin/pclntab.h"

enum layout { GO12, GO116, GO118, GO120 };

#define PCDATA_INLTREEINDEX 2
#define FUNCDATA_INLTREE 3
/* Deeper inlining than this is corruption (a parentPc cycle), not code: the compiler's budget is far lower. */
#define MAX_INLINE_DEPTH 256

/* [off, end) inside the table. */
struct region {
	uint64_t off, end;
};

struct name_index {
	size_t len;
	uint32_t func[];	/* function indexes sorted by name, then by index */
};

struct pclntab {
	const struct elf_file *ef;
	const uint8_t *data;
	uint64_t size, vaddr;
	uint32_t magic;
	enum layout layout;
	bool big_endian;
	uint8_t quantum, ptr_size;
	uint64_t nfunc, text_start, gofunc;
	struct region funcnames, cutab, filetab, pctab, funcs, functab;
	struct name_index *names;	/* built by the first pclntab_find_func, published atomically */
};

/* One decoded _func record. */
struct func_rec {
	uint64_t off;		/* of the _func in the table */
	uint64_t entry, end;
	uint32_t npcdata;
	uint8_t nfuncdata;
};

static uint64_t load_uint(const uint8_t *p, int size, bool big_endian)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < size; i++)
		v |= (uint64_t)p[big_endian ? i : size - 1 - i] << (8 * (size - 1 - i));
	return v;
}

static bool in_region(struct region r, uint64_t off, uint64_t len)
{
	return off >= r.off && off <= r.end && len <= r.end - off;
}

static struct region whole(const struct pclntab *t)
{
	return (struct region){ 0, t->size };
}

static bool read_uint(const struct pclntab *t, struct region r, uint64_t off, int size, uint64_t *v)
{
	if (!in_region(r, off, size))
		return false;
	*v = load_uint(t->data + off, size, t->big_endian);
	return true;
}

static bool read_u32(const struct pclntab *t, struct region r, uint64_t off, uint32_t *v)
{
	uint64_t x;

	if (!read_uint(t, r, off, 4, &x))
		return false;
	*v = x;
	return true;
}

/* Reads from anywhere in the loaded image (funcdata may live outside the table). */
static bool read_vaddr_uint(const struct pclntab *t, uint64_t vaddr, int size, uint64_t *v)
{
	const uint8_t *p = elf_file_vaddr_ptr(t->ef, vaddr, size);

	if (!p)
		return false;
	*v = load_uint(p, size, t->big_endian);
	return true;
}

/* A NUL-terminated string starting at off inside r. */
static const char *region_string(const struct pclntab *t, struct region r, uint64_t off)
{
	if (!in_region(r, off, 1) || !memchr(t->data + off, 0, r.end - off))
		return NULL;
	return (const char *)t->data + off;
}

int go_foreach_load_segment(const struct elf_file *ef,
			    int (*fn)(const struct go_load_segment *seg, void *ctx), void *ctx)
{
	size_t size, i, phnum;
	const uint8_t *data = elf_file_data(ef, &size);
	Elf *elf = elf_memory((char *)data, size);
	int ret = 0;

	if (!elf || elf_getphdrnum(elf, &phnum) != 0) {
		elf_end(elf);
		return -ENOEXEC;
	}
	for (i = 0; i < phnum && !ret; i++) {
		struct go_load_segment seg;
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		seg.vaddr = ph.p_vaddr;
		seg.filesz = ph.p_filesz;
		seg.flags = ph.p_flags;
		seg.data = ph.p_filesz ? elf_file_vaddr_ptr(ef, ph.p_vaddr, ph.p_filesz) : NULL;
		ret = fn(&seg, ctx);
	}
	elf_end(elf);
	return ret;
}

/* --- header --- */

static int layout_of_magic(uint32_t magic, enum layout *layout)
{
	switch (magic) {
	case PCLNTAB_MAGIC_GO12: *layout = GO12; return 0;
	case PCLNTAB_MAGIC_GO116: *layout = GO116; return 0;
	case PCLNTAB_MAGIC_GO118: *layout = GO118; return 0;
	case PCLNTAB_MAGIC_GO120: *layout = GO120; return 0;
	}
	return -ENOEXEC;
}

static bool header_word(const struct pclntab *t, int word, uint64_t *v)
{
	return read_uint(t, whole(t), 8 + (uint64_t)word * t->ptr_size, t->ptr_size, v);
}

/* Size of one functab field: 1.18+ stores 32-bit offsets from the text start, older tables addresses. */
static int functab_field_size(const struct pclntab *t)
{
	return t->layout >= GO118 ? 4 : t->ptr_size;
}

static int set_functab(struct pclntab *t, uint64_t off)
{
	uint64_t len;

	if (t->nfunc > UINT32_MAX)
		return -ENOEXEC;
	len = (t->nfunc * 2 + 1) * functab_field_size(t);
	if (!in_region(whole(t), off, len))
		return -ENOEXEC;
	t->functab = (struct region){ off, off + len };
	return 0;
}

/* Go 1.16+: the header holds the offsets of five consecutive tables; each ends where the next starts. */
static int parse_header_go116(struct pclntab *t)
{
	int first = t->layout == GO116 ? 2 : 3;	/* 1.18 inserted textStart as word 2 */
	uint64_t off[5];
	int i;

	for (i = 0; i < 5; i++)
		if (!header_word(t, first + i, &off[i]))
			return -ENOEXEC;
	for (i = 0; i < 5; i++)
		if (off[i] > (i < 4 ? off[i + 1] : t->size))
			return -ENOEXEC;
	t->funcnames = (struct region){ off[0], off[1] };
	t->cutab = (struct region){ off[1], off[2] };
	t->filetab = (struct region){ off[2], off[3] };
	t->pctab = (struct region){ off[3], off[4] };
	t->funcs = (struct region){ off[4], t->size };
	if (t->layout >= GO118 && !header_word(t, 2, &t->text_start))
		return -ENOEXEC;
	return set_functab(t, off[4]);
}

/* Go 1.2: names, pc tables and records are all addressed from the table start; the file table follows the
 * function table. */
static int parse_header_go12(struct pclntab *t)
{
	uint64_t functab = 8 + t->ptr_size, fileoff, nfiles;
	int err;

	t->funcnames = t->pctab = t->funcs = whole(t);
	err = set_functab(t, functab);
	if (err)
		return err;
	if (!read_uint(t, whole(t), t->functab.end, 4, &fileoff) || !read_uint(t, whole(t), fileoff, 4, &nfiles))
		return -ENOEXEC;
	if (!in_region(whole(t), fileoff, nfiles * 4))
		return -ENOEXEC;
	t->filetab = (struct region){ fileoff, fileoff + nfiles * 4 };
	return 0;
}

static int parse_header(struct pclntab *t)
{
	const uint8_t *h = t->data;

	if (t->size < 16)
		return -ENOEXEC;
	t->big_endian = layout_of_magic(load_uint(h, 4, false), &t->layout) != 0;
	t->magic = load_uint(h, 4, t->big_endian);
	if (layout_of_magic(t->magic, &t->layout) != 0)
		return -ENOEXEC;
	t->quantum = h[6];
	t->ptr_size = h[7];
	if (h[4] || h[5] || (t->quantum != 1 && t->quantum != 2 && t->quantum != 4) ||
	    (t->ptr_size != 4 && t->ptr_size != 8))
		return -ENOEXEC;
	if (!header_word(t, 0, &t->nfunc))
		return -ENOEXEC;
	return t->layout == GO12 ? parse_header_go12(t) : parse_header_go116(t);
}

/* --- moduledata: text start (Go 1.26 no longer stores it in the header) and gofunc (funcdata base) --- */

/* Word indexes in runtime.moduledata (1.18-1.27): pcHeader, then five []byte/[]uint32 tables (3 words each) of
 * which pclntable, the function table and records, is the fifth; ftab, findfunctab, minpc, maxpc, then text. */
#define MODULEDATA_PCLNTABLE 13
#define MODULEDATA_TEXT 22
/* Since 1.26 the funcdata (go:func.*) is part of the table, placed right after the function records, and
 * moduledata stores gofunc right before epclntab, the table's end. That pair is looked for among the words
 * after text, up to this one, so that fields added before them do not matter (1.27 added typedesclen,
 * itaboffset and itabsize). */
#define MODULEDATA_LAST_SEARCHED 50
/* The most bytes of padding between the records and go:func.*: the linker aligns it for its contents, stack
 * maps and inline trees, whose alignment is far below this. */
#define GOFUNC_MAX_PADDING 64
/* Before 1.26 the funcdata lies outside the table and nothing in moduledata marks gofunc: its index per
 * layout is the last resort. It follows text, etext, noptrdata..enoptrbss, [covctrs, ecovctrs since 1.20],
 * end, gcdata, gcbss, types, etypes, rodata. */
#define MODULEDATA_GOFUNC_GO118 38
#define MODULEDATA_GOFUNC_GO120 40

struct moduledata_scan {
	const struct pclntab *t;
	uint64_t text;
	uint64_t gofunc;		/* of the (gofunc, epclntab) pair, 0 when there is none */
	uint64_t gofunc_by_layout;	/* the word where releases before 1.26 keep gofunc */
};

static int gofunc_word(const struct pclntab *t)
{
	return t->layout == GO118 ? MODULEDATA_GOFUNC_GO118 : MODULEDATA_GOFUNC_GO120;
}

static uint64_t moduledata_word(const struct pclntab *t, const uint8_t *md, int word)
{
	return load_uint(md + (uint64_t)word * t->ptr_size, t->ptr_size, t->big_endian);
}

/* gofunc, followed by epclntab: funcdata right after the function records, and the end of the table. Other
 * words after text bound other sections or are lengths: none points there. */
static uint64_t gofunc_before_epclntab(const struct pclntab *t, const uint8_t *md)
{
	uint64_t records = moduledata_word(t, md, MODULEDATA_PCLNTABLE);
	uint64_t records_end = records + moduledata_word(t, md, MODULEDATA_PCLNTABLE + 1);
	uint64_t table_end = t->vaddr + t->size;
	int word;

	if (records != t->vaddr + t->funcs.off || records_end > table_end)
		return 0;
	for (word = MODULEDATA_TEXT + 1; word < MODULEDATA_LAST_SEARCHED; word++) {
		uint64_t gofunc = moduledata_word(t, md, word), epclntab = moduledata_word(t, md, word + 1);

		if (gofunc >= records_end && gofunc - records_end < GOFUNC_MAX_PADDING && gofunc < epclntab &&
		    epclntab <= table_end)
			return gofunc;
	}
	return 0;
}

static bool moduledata_at(struct moduledata_scan *s, const uint8_t *p)
{
	const struct pclntab *t = s->t;

	if (moduledata_word(t, p, 0) != t->vaddr || moduledata_word(t, p, 1) != t->vaddr + t->funcnames.off)
		return false;
	s->text = moduledata_word(t, p, MODULEDATA_TEXT);
	s->gofunc = gofunc_before_epclntab(t, p);
	s->gofunc_by_layout = moduledata_word(t, p, gofunc_word(t));
	return true;
}

/* The runtime's moduledata sits in a writable data segment and starts with a pointer to the table header,
 * followed by the funcnametab slice: two words no other object matches. */
static int scan_moduledata(const struct go_load_segment *seg, void *ctx)
{
	struct moduledata_scan *s = ctx;
	uint64_t ps = s->t->ptr_size, need = (MODULEDATA_LAST_SEARCHED + 1) * ps, off;

	if (!seg->data || !(seg->flags & PF_W) || (seg->flags & PF_X) || seg->filesz < need)
		return 0;
	for (off = (ps - seg->vaddr % ps) % ps; off <= seg->filesz - need; off += ps)
		if (moduledata_at(s, seg->data + off))
			return 1;
	return 0;
}

static uint64_t symbol_addr(const struct elf_file *ef, const char *name)
{
	struct elf_symbol sym;

	return elf_file_find_symbol(ef, name, &sym) == 0 ? sym.value : 0;
}

/* Text start: the header (1.18-1.25), else moduledata.text, else runtime.text, else .text. In cgo binaries C
 * code precedes runtime.text, so .text is only a last resort.
 * gofunc: the moduledata word before epclntab (1.26+), else the go:func.* symbol, else the moduledata word
 * of the layout, if it points into the image. */
static void find_module_bases(struct pclntab *t)
{
	struct moduledata_scan md = { .t = t };
	struct elf_section sec;

	if (t->layout < GO118)
		return;
	if (go_foreach_load_segment(t->ef, scan_moduledata, &md) != 1)
		md = (struct moduledata_scan){ .t = t };
	if (!t->text_start)
		t->text_start = md.text;
	if (!t->text_start)
		t->text_start = symbol_addr(t->ef, "runtime.text");
	if (!t->text_start && elf_file_find_section(t->ef, ".text", &sec) == 0)
		t->text_start = sec.addr;
	t->gofunc = md.gofunc;
	if (!t->gofunc)
		t->gofunc = symbol_addr(t->ef, t->layout == GO118 ? "go.func.*" : "go:func.*");
	if (!t->gofunc && elf_file_vaddr_ptr(t->ef, md.gofunc_by_layout, 1))
		t->gofunc = md.gofunc_by_layout;
}

/* --- function records --- */

static bool functab_entry(const struct pclntab *t, uint64_t i, uint64_t *entry)
{
	int fs = functab_field_size(t);

	if (!read_uint(t, t->functab, t->functab.off + i * 2 * fs, fs, entry))
		return false;
	if (t->layout >= GO118)
		*entry += t->text_start;
	return true;
}

/* Offsets inside a _func record, which starts with the entry (a 32-bit offset since 1.18, else an address). */
static uint64_t field_nameoff(const struct pclntab *t)
{
	return functab_field_size(t);
}

static uint64_t field_pcfile(const struct pclntab *t) { return field_nameoff(t) + 16; }
static uint64_t field_pcln(const struct pclntab *t) { return field_nameoff(t) + 20; }
static uint64_t field_npcdata(const struct pclntab *t) { return field_nameoff(t) + 24; }
static uint64_t field_cuoffset(const struct pclntab *t) { return field_nameoff(t) + 28; }

/* nfuncdata is the last byte of the fixed part; 1.16 added cuOffset, 1.20 startLine. */
static uint64_t field_nfuncdata(const struct pclntab *t)
{
	static const uint64_t after_npcdata[] = { [GO12] = 7, [GO116] = 11, [GO118] = 11, [GO120] = 15 };

	return field_npcdata(t) + after_npcdata[t->layout];
}

static int func_rec_at(const struct pclntab *t, uint64_t i, struct func_rec *rec)
{
	int fs = functab_field_size(t);
	uint64_t funcoff, nfuncdata;

	if (i >= t->nfunc || !functab_entry(t, i, &rec->entry) || !functab_entry(t, i + 1, &rec->end) ||
	    !read_uint(t, t->functab, t->functab.off + i * 2 * fs + fs, fs, &funcoff))
		return -ENOEXEC;
	rec->off = t->funcs.off + funcoff;
	if (rec->entry >= rec->end || funcoff > t->size ||
	    !in_region(t->funcs, rec->off, field_nfuncdata(t) + 1) ||
	    !read_u32(t, t->funcs, rec->off + field_npcdata(t), &rec->npcdata) ||
	    !read_uint(t, t->funcs, rec->off + field_nfuncdata(t), 1, &nfuncdata))
		return -ENOEXEC;
	rec->nfuncdata = nfuncdata;
	return 0;
}

/* A function's name at nameoff in funcnametab. The linker names every function, and the profile writers
 * refuse an empty name (pprof has no function without one): an offset landing on a NUL is a corrupt table. */
static const char *name_at(const struct pclntab *t, uint64_t nameoff)
{
	const char *name = region_string(t, t->funcnames, t->funcnames.off + nameoff);

	return name && name[0] ? name : NULL;
}

static const char *func_name(const struct pclntab *t, const struct func_rec *rec)
{
	uint32_t nameoff;

	if (!read_u32(t, t->funcs, rec->off + field_nameoff(t), &nameoff))
		return NULL;
	return name_at(t, nameoff);
}

/* _func.args: the size of the function's arguments and results as the stack ABI lays them out (also for
 * register-ABI functions, whose spill area it sizes). The runtime marks some assembly functions unknown. */
static int32_t func_args(const struct pclntab *t, const struct func_rec *rec)
{
	uint32_t args;

	if (!read_u32(t, t->funcs, rec->off + field_nameoff(t) + 4, &args) || args > INT32_MAX)
		return -1;
	return (int32_t)args;
}

static int func_at(const struct pclntab *t, uint64_t i, struct func_rec *rec, struct go_func *fn)
{
	int err = func_rec_at(t, i, rec);

	if (err)
		return err;
	fn->args = func_args(t, rec);
	fn->name = func_name(t, rec);
	fn->entry = rec->entry;
	fn->end = rec->end;
	return fn->name ? 0 : -ENOEXEC;
}

/* The functab is sorted by entry and ends with the end address of the last function. */
static int func_index_for_pc(const struct pclntab *t, uint64_t pc, uint64_t *index)
{
	uint64_t lo = 0, hi = t->nfunc, first, last;

	if (!t->nfunc || !functab_entry(t, 0, &first) || !functab_entry(t, t->nfunc, &last))
		return -ENOENT;
	if (pc < first || pc >= last)
		return -ENOENT;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2, entry;

		if (!functab_entry(t, mid, &entry))
			return -ENOEXEC;
		if (entry <= pc)
			lo = mid;
		else
			hi = mid;
	}
	*index = lo;
	return 0;
}

static int func_for_pc(const struct pclntab *t, uint64_t pc, struct func_rec *rec, struct go_func *fn)
{
	uint64_t i;
	int err = func_index_for_pc(t, pc, &i);

	if (!err)
		err = func_at(t, i, rec, fn);
	if (!err && (pc < fn->entry || pc >= fn->end))
		err = -ENOENT;
	return err;
}

/* --- pc-value tables --- */

static bool read_uvarint32(const struct pclntab *t, uint64_t *off, uint32_t *v)
{
	uint32_t x = 0;
	int shift;

	for (shift = 0; shift < 35; shift += 7) {
		uint64_t b;

		if (!read_uint(t, t->pctab, (*off)++, 1, &b))
			return false;
		x |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}

/* The value a pc-value table (offset table_off into pctab, 0 = none) gives pc: pairs of zigzag value delta and
 * pc delta in quanta, starting from -1 at the function entry. */
static int pcvalue(const struct pclntab *t, uint32_t table_off, uint64_t entry, uint64_t pc, int32_t *value)
{
	uint64_t off = t->pctab.off + table_off, cur = entry;
	uint32_t val = (uint32_t)-1;
	bool first = true;

	if (!table_off)
		return -ENOENT;
	for (;;) {
		uint32_t uvdelta, pcdelta;

		if (!read_uvarint32(t, &off, &uvdelta))
			return -ENOEXEC;
		if (uvdelta == 0 && !first)
			return -ENOENT;
		val += (uvdelta & 1) ? ~(uvdelta >> 1) : uvdelta >> 1;
		if (!read_uvarint32(t, &off, &pcdelta))
			return -ENOEXEC;
		cur += (uint64_t)pcdelta * t->quantum;
		if (pc < cur) {
			*value = (int32_t)val;
			return 0;
		}
		first = false;
	}
}

static int func_pcvalue(const struct pclntab *t, const struct func_rec *rec, uint64_t field, uint64_t pc,
			int32_t *value)
{
	uint32_t table_off;

	if (!read_u32(t, t->funcs, rec->off + field, &table_off))
		return -ENOEXEC;
	return pcvalue(t, table_off, rec->entry, pc, value);
}

static int pcdata_value(const struct pclntab *t, const struct func_rec *rec, uint32_t index, uint64_t pc,
			int32_t *value)
{
	if (index >= rec->npcdata)
		return -ENOENT;
	return func_pcvalue(t, rec, field_nfuncdata(t) + 1 + (uint64_t)index * 4, pc, value);
}

/* Go 1.16+: a pcfile value indexes the function's compilation unit in cutab, which gives an offset into
 * filetab. Go 1.2: it indexes filetab, a list of offsets from the table start. */
static const char *file_name(const struct pclntab *t, const struct func_rec *rec, int32_t fileno)
{
	uint32_t cu, off;

	if (fileno < 0)
		return NULL;
	if (t->layout == GO12) {
		if (fileno == 0 || !read_u32(t, t->filetab, t->filetab.off + (uint64_t)fileno * 4, &off))
			return NULL;
		return region_string(t, whole(t), off);
	}
	if (!read_u32(t, t->funcs, rec->off + field_cuoffset(t), &cu) ||
	    !read_u32(t, t->cutab, t->cutab.off + ((uint64_t)cu + fileno) * 4, &off) || off == UINT32_MAX)
		return NULL;
	return region_string(t, t->filetab, t->filetab.off + off);
}

static int position(const struct pclntab *t, const struct func_rec *rec, uint64_t pc, const char **file,
		    int *line)
{
	int32_t fileno, lineno;
	int err = func_pcvalue(t, rec, field_pcfile(t), pc, &fileno);

	if (!err)
		err = func_pcvalue(t, rec, field_pcln(t), pc, &lineno);
	if (err)
		return err;
	/* The runtime reads -1 as "no position" (funcline1); any line below 0 is one, or a corrupt table. */
	if (lineno < 0)
		return -ENOENT;
	*file = file_name(t, rec, fileno);
	*line = lineno;
	return *file ? 0 : -ENOENT;
}

/* --- inline trees --- */

/* The address of funcdata[index]: 1.18+ stores 32-bit offsets from moduledata.gofunc right after pcdata,
 * older tables pointer-aligned addresses. 0 when absent. */
static uint64_t funcdata_addr(const struct pclntab *t, const struct func_rec *rec, uint32_t index)
{
	uint64_t off = rec->off + field_nfuncdata(t) + 1 + (uint64_t)rec->npcdata * 4, addr;

	if (index >= rec->nfuncdata)
		return 0;
	if (t->layout >= GO118) {
		uint32_t v;

		if (!t->gofunc || !read_u32(t, t->funcs, off + (uint64_t)index * 4, &v) || v == UINT32_MAX)
			return 0;
		return t->gofunc + v;
	}
	if ((t->vaddr + off) % t->ptr_size)
		off += t->ptr_size - (t->vaddr + off) % t->ptr_size;
	if (!read_uint(t, t->funcs, off + (uint64_t)index * t->ptr_size, t->ptr_size, &addr))
		return 0;
	return addr;
}

struct inlined_call {
	const char *func;
	uint32_t parent_pc;	/* offset from the entry of an instruction at the call site */
};

/* runtime.inlinedCall: 1.16-1.19 {parent int16, funcID, _, file, line, func_, parentPc int32} (20 bytes);
 * 1.20+ {funcID, _ [3], nameOff, parentPc, startLine int32} (16 bytes). Names index funcnametab. */
static int inlined_call(const struct pclntab *t, uint64_t tree, int32_t ix, struct inlined_call *call)
{
	uint64_t size = t->layout >= GO120 ? 16 : 20, name_field = t->layout >= GO120 ? 4 : 12;
	uint64_t base = tree + (uint64_t)ix * size, nameoff, parent_pc;

	if (ix < 0 || !read_vaddr_uint(t, base + name_field, 4, &nameoff) ||
	    !read_vaddr_uint(t, base + name_field + 4, 4, &parent_pc))
		return -ENOEXEC;
	call->func = name_at(t, nameoff);
	call->parent_pc = parent_pc;
	return call->func ? 0 : -ENOEXEC;
}

static void frame_at(const struct pclntab *t, const struct func_rec *rec, const char *func, uint64_t pc,
		     struct go_frame *frame)
{
	frame->func = func;
	if (position(t, rec, pc, &frame->file, &frame->line) != 0) {
		frame->file = "";
		frame->line = 0;
	}
}

/* --- public API --- */

static int use_table(struct pclntab *t, const uint8_t *data, uint64_t size, uint64_t vaddr)
{
	int err;

	*t = (struct pclntab){ .ef = t->ef };	/* a scan may try several candidates */
	t->data = data;
	t->size = size;
	t->vaddr = vaddr;
	err = parse_header(t);
	if (!err)
		find_module_bases(t);
	return err;
}

/* A header that parses and whose first records agree with the function table: a scan found a real table. */
static bool plausible(const struct pclntab *t)
{
	uint64_t i, entry_field;
	int fs = functab_field_size(t);

	for (i = 0; i < t->nfunc && i < 4; i++) {
		struct func_rec rec;

		if (func_rec_at(t, i, &rec) || !read_uint(t, t->funcs, rec.off, fs, &entry_field))
			return false;
		if ((t->layout >= GO118 ? entry_field + t->text_start : entry_field) != rec.entry)
			return false;
	}
	return t->nfunc > 0;
}

static int scan_segment(const struct go_load_segment *seg, void *ctx)
{
	struct pclntab *t = ctx;
	uint64_t off;

	if (!seg->data || (seg->flags & PF_X))
		return 0;
	for (off = 0; off + 16 <= seg->filesz; off += 4) {
		const uint8_t *p = seg->data + off;
		enum layout layout;

		if (layout_of_magic(load_uint(p, 4, false), &layout) && layout_of_magic(load_uint(p, 4, true), &layout))
			continue;
		if (use_table(t, p, seg->filesz - off, seg->vaddr + off) == 0 && plausible(t))
			return 1;
	}
	return 0;
}

static int locate(struct pclntab *t)
{
	static const char *const sections[] = { ".gopclntab", ".data.rel.ro.gopclntab" };
	struct elf_section sec;
	uint64_t start, end;
	const uint8_t *p;
	size_t i;

	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (elf_file_find_section(t->ef, sections[i], &sec) == 0)
			return sec.data ? use_table(t, sec.data, sec.size, sec.addr) : -ENOEXEC;
	start = symbol_addr(t->ef, "runtime.pclntab");
	end = symbol_addr(t->ef, "runtime.epclntab");
	if (start && end > start) {
		p = elf_file_vaddr_ptr(t->ef, start, end - start);
		return p ? use_table(t, p, end - start, start) : -ENOEXEC;
	}
	return go_foreach_load_segment(t->ef, scan_segment, t) == 1 ? 0 : -ENOENT;
}

int pclntab_open(const struct elf_file *ef, struct pclntab **out)
{
	struct pclntab *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	t->ef = ef;
	err = locate(t);
	if (err) {
		free(t);
		return err;
	}
	*out = t;
	return 0;
}

void pclntab_close(struct pclntab *t)
{
	if (!t)
		return;
	free(t->names);
	free(t);
}

uint32_t pclntab_version(const struct pclntab *t) { return t->magic; }
uint64_t pclntab_vaddr(const struct pclntab *t) { return t->vaddr; }
uint64_t pclntab_text_start(const struct pclntab *t) { return t->text_start; }
int pclntab_ptr_size(const struct pclntab *t) { return t->ptr_size; }
size_t pclntab_func_count(const struct pclntab *t) { return t->nfunc; }

int pclntab_func_at_index(const struct pclntab *t, size_t i, struct go_func *fn)
{
	struct func_rec rec;

	if (i >= t->nfunc)
		return -ENOENT;
	return func_at(t, i, &rec, fn);
}

int pclntab_func_for_pc(const struct pclntab *t, uint64_t pc, struct go_func *fn)
{
	struct func_rec rec;

	return func_for_pc(t, pc, &rec, fn);
}

int pclntab_source_line(const struct pclntab *t, uint64_t pc, const char **file, int *line)
{
	struct func_rec rec;
	struct go_func fn;
	int err = func_for_pc(t, pc, &rec, &fn);

	return err ? err : position(t, &rec, pc, file, line);
}

int pclntab_frames(const struct pclntab *t, uint64_t pc, struct go_frame *frames, int max, int *n)
{
	struct func_rec rec;
	struct go_func fn;
	uint64_t tree;
	int depth, err = func_for_pc(t, pc, &rec, &fn);

	*n = 0;
	if (err)
		return err;
	tree = t->layout == GO12 ? 0 : funcdata_addr(t, &rec, FUNCDATA_INLTREE);
	for (depth = 0; tree && depth < MAX_INLINE_DEPTH; depth++) {
		struct inlined_call call;
		int32_t ix;

		if (pcdata_value(t, &rec, PCDATA_INLTREEINDEX, pc, &ix) != 0 || ix < 0)
			break;
		if (inlined_call(t, tree, ix, &call) != 0)
			return -ENOEXEC;
		if (*n < max)
			frame_at(t, &rec, call.func, pc, &frames[(*n)++]);
		pc = rec.entry + call.parent_pc;
		if (pc >= rec.end)
			return -ENOEXEC;
	}
	if (*n < max)
		frame_at(t, &rec, fn.name, pc, &frames[(*n)++]);
	return 0;
}

/* --- lookup by name --- */

struct named_func {
	const char *name;
	uint32_t index;
	uint8_t func_id;
};

/* Equal names: an ABI wrapper shares its function's name in the table (the ELF symbol gets ".abi0"). Prefer
 * the real function: its funcID is lower (normal = 0; the wrapper ID is the last of the runtime's enum). Then
 * the lowest index, that is address: distinct functions can share a name too (see pclntab_find_func). */
static int cmp_named(const void *a, const void *b)
{
	const struct named_func *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (x->func_id != y->func_id)
		return x->func_id < y->func_id ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

static uint8_t func_id(const struct pclntab *t, const struct func_rec *rec)
{
	uint64_t id = 0;

	read_uint(t, t->funcs, rec->off + field_nfuncdata(t) - 3, 1, &id);
	return id;
}

static struct name_index *build_name_index(const struct pclntab *t)
{
	struct named_func *tmp = malloc(t->nfunc * sizeof(*tmp) + 1);
	struct name_index *idx = malloc(sizeof(*idx) + t->nfunc * sizeof(uint32_t));
	size_t i, len = 0;

	if (tmp && idx) {
		for (i = 0; i < t->nfunc; i++) {
			struct func_rec rec;
			struct go_func fn;

			if (func_at(t, i, &rec, &fn) == 0)
				tmp[len++] = (struct named_func){ fn.name, i, func_id(t, &rec) };
		}
		qsort(tmp, len, sizeof(*tmp), cmp_named);
		idx->len = len;
		for (i = 0; i < len; i++)
			idx->func[i] = tmp[i].index;
	} else {
		free(idx);
		idx = NULL;
	}
	free(tmp);
	return idx;
}

static const struct name_index *name_index(const struct pclntab *t)
{
	struct pclntab *mut = (struct pclntab *)t;	/* the index is a cache: lookups stay logically const */
	struct name_index *idx = __atomic_load_n(&mut->names, __ATOMIC_ACQUIRE), *expected = NULL;

	if (idx)
		return idx;
	idx = build_name_index(t);
	if (idx && !__atomic_compare_exchange_n(&mut->names, &expected, idx, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
		free(idx);	/* another thread published first */
		idx = expected;
	}
	return idx;
}

int pclntab_find_func(const struct pclntab *t, const char *name, struct go_func *fn)
{
	const struct name_index *idx = name_index(t);
	size_t lo = 0, hi;

	if (!idx)
		return -ENOMEM;
	hi = idx->len;
	while (lo < hi) {	/* the first entry not below name */
		size_t mid = lo + (hi - lo) / 2;

		if (pclntab_func_at_index(t, idx->func[mid], fn) == 0 && strcmp(fn->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < idx->len && pclntab_func_at_index(t, idx->func[lo], fn) == 0 && strcmp(fn->name, name) == 0)
		return 0;
	return -ENOENT;
}
