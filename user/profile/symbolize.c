// SPDX-License-Identifier: GPL-2.0
/* Symbolized stacks into a profile: a (process, PC) -> location cache in front of the symbolizer, so that each
 * distinct PC is symbolized and interned once however many samples hold it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "profile/symbolize.h"

#define MAX_FRAMES_PER_PC 64
#define MAX_STACK 512		/* locations per sample: BPF stacks hold at most 127 + 127 */

struct loc_entry {
	const struct symbolizer *s;	/* NULL = empty slot */
	uint64_t addr;			/* the address looked up (pc - 1 for a return address) */
	uint32_t location;
};

struct map_entry {
	const struct sym_map *map;
	uint32_t id;
};

struct named_entry {
	const char *name;		/* interned by the profile: equal names are one pointer */
	uint32_t location;
};

struct sym_profile {
	struct profile *p;
	struct loc_entry *locs;
	size_t locs_cap, locs_used;
	struct map_entry *maps;
	size_t nmaps, maps_cap;
	struct named_entry *named;
	size_t nnamed, named_cap;
	const struct symbolizer **seen;	/* processes whose main binary is registered */
	size_t nseen, seen_cap;
};

int sym_profile_new(struct profile *p, struct sym_profile **out)
{
	struct sym_profile *sp = calloc(1, sizeof(*sp));

	if (!sp)
		return -ENOMEM;
	sp->p = p;
	*out = sp;
	return 0;
}

void sym_profile_free(struct sym_profile *sp)
{
	if (!sp)
		return;
	free(sp->locs);
	free(sp->maps);
	free(sp->named);
	free(sp->seen);
	free(sp);
}

/* ---- mappings ---- */

static unsigned map_flags(enum sym_kind kind)
{
	/* Every mapping claims its functions, resolved or not: pprof would otherwise try to symbolize the
	 * unresolved addresses itself and warn when it cannot open the file. */
	return kind == SYM_GO ? PROFILE_SYMBOLIZED : PROFILE_HAS_FUNCTIONS;
}

static uint32_t mapping_id(struct sym_profile *sp, const struct sym_map *m, enum sym_kind kind)
{
	uint32_t id;

	if (!m)
		return 0;
	for (size_t i = 0; i < sp->nmaps; i++)
		if (sp->maps[i].map == m) {
			if (kind == SYM_GO)	/* flags accumulate in the profile */
				profile_mapping(sp->p, m->start, m->limit, m->file_offset, m->path, m->build_id,
						map_flags(kind));
			return sp->maps[i].id;
		}
	if (array_reserve(&sp->maps, &sp->maps_cap, sp->nmaps + 1, sizeof(*sp->maps), 16))
		return 0;
	id = profile_mapping(sp->p, m->start, m->limit, m->file_offset, m->path, m->build_id, map_flags(kind));
	if (id)
		sp->maps[sp->nmaps++] = (struct map_entry){ m, id };
	return id;
}

/* pprof takes the first mapping for the main binary: register each process's executable before anything. */
static int register_process(struct sym_profile *sp, const struct symbolizer *s)
{
	const struct sym_map *main_map;

	for (size_t i = 0; i < sp->nseen; i++)
		if (sp->seen[i] == s)
			return 0;
	if (array_reserve(&sp->seen, &sp->seen_cap, sp->nseen + 1, sizeof(*sp->seen), 16))
		return -ENOMEM;
	sp->seen[sp->nseen++] = s;
	main_map = symbolizer_main_map(s);
	if (main_map && !mapping_id(sp, main_map, SYM_NATIVE))
		return -ENOMEM;
	return 0;
}

/* ---- locations ---- */

static uint32_t function_id(struct sym_profile *sp, const struct sym_frame *f)
{
	char name[512];

	if (f->kind != SYM_KERNEL)
		return profile_function(sp->p, f->func, f->file[0] ? f->file : NULL, 0);
	snprintf(name, sizeof(name), "%s" SYM_KERNEL_SUFFIX, f->func);
	return profile_function(sp->p, name, NULL, 0);
}

static uint32_t make_location(struct sym_profile *sp, struct symbolizer *s, uint64_t pc, bool ret)
{
	struct sym_frame frames[MAX_FRAMES_PER_PC];
	struct profile_line lines[MAX_FRAMES_PER_PC];
	int n = symbolizer_frames(s, pc, ret, frames, MAX_FRAMES_PER_PC), nlines = 0;
	uint32_t map;

	if (n < 1)
		return 0;
	n = n < MAX_FRAMES_PER_PC ? n : MAX_FRAMES_PER_PC;
	map = mapping_id(sp, frames[0].map, frames[0].kind);
	if (frames[0].map && !map)
		return 0;
	if (frames[0].kind != SYM_UNKNOWN)
		for (; nlines < n; nlines++) {
			lines[nlines] = (struct profile_line){ function_id(sp, &frames[nlines]), frames[nlines].line };
			if (!lines[nlines].function)
				return 0;
		}
	/* An unresolved location keeps the runtime address, from which writers show module+offset. */
	return profile_location(sp->p, map, ret && pc ? pc - 1 : pc, lines, nlines);
}

static size_t loc_slot(const struct symbolizer *s, uint64_t addr, size_t cap)
{
	uint64_t h = (addr ^ (uintptr_t)s * 0x9e3779b97f4a7c15ULL) * 0xff51afd7ed558ccdULL;

	return (h ^ h >> 29) & (cap - 1);
}

static struct loc_entry *loc_probe(struct loc_entry *t, size_t cap, const struct symbolizer *s, uint64_t addr)
{
	size_t i = loc_slot(s, addr, cap);

	while (t[i].s && !(t[i].s == s && t[i].addr == addr))
		i = (i + 1) & (cap - 1);
	return &t[i];
}

static int loc_reserve(struct sym_profile *sp)
{
	size_t ncap = sp->locs_cap ? sp->locs_cap * 2 : 4096;
	struct loc_entry *nt;

	if (sp->locs && (sp->locs_used + 1) * 2 <= sp->locs_cap)
		return 0;
	nt = calloc(ncap, sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	for (size_t i = 0; i < sp->locs_cap; i++)
		if (sp->locs[i].s)
			*loc_probe(nt, ncap, sp->locs[i].s, sp->locs[i].addr) = sp->locs[i];
	free(sp->locs);
	sp->locs = nt;
	sp->locs_cap = ncap;
	return 0;
}

static uint32_t location_of(struct sym_profile *sp, struct symbolizer *s, uint64_t pc, bool ret)
{
	uint64_t addr = ret && pc ? pc - 1 : pc;
	struct loc_entry *e;
	uint32_t id;

	if (sp->locs && (e = loc_probe(sp->locs, sp->locs_cap, s, addr))->s)
		return e->location;
	if (loc_reserve(sp) || !(id = make_location(sp, s, pc, ret)))
		return 0;
	*loc_probe(sp->locs, sp->locs_cap, s, addr) = (struct loc_entry){ s, addr, id };
	sp->locs_used++;
	return id;
}

/* A frame that is no code: a single line naming it, at no mapping and address 0. */
static uint32_t synthetic_location(struct sym_profile *sp, const char *name)
{
	struct profile_line line = { profile_function(sp->p, name, NULL, 0), 0 };
	uint32_t id;

	for (size_t i = 0; i < sp->nnamed; i++)
		if (!strcmp(sp->named[i].name, name))
			return sp->named[i].location;
	if (!line.function || array_reserve(&sp->named, &sp->named_cap, sp->nnamed + 1, sizeof(*sp->named), 16))
		return 0;
	id = profile_location(sp->p, 0, 0, &line, 1);
	if (id)
		sp->named[sp->nnamed++] = (struct named_entry){ profile_function_get(sp->p, line.function)->name, id };
	return id;
}

/* ---- samples ---- */

static bool is_tracing_machinery(const char *func)
{
	static const char *const prefixes[] = { "bpf_prog_", "bpf_trace_run", "__bpf_trace_", "__traceiter_",
						"trace_call_bpf", "perf_trace_" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(func, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* How many leading kernel PCs belong to the BPF program that took the stack and its tracepoint caller. */
static int tracing_frames(struct symbolizer *s, const uint64_t *pcs, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct sym_frame f;

		if (symbolizer_frames(s, pcs[i], i > 0, &f, 1) < 1 || f.kind != SYM_KERNEL ||
		    !is_tracing_machinery(f.func))
			break;
	}
	return i;
}

static int add_pcs(struct sym_profile *sp, struct symbolizer *s, const uint64_t *pcs, int npcs, bool first_exact,
		   uint32_t *ids, int *n)
{
	for (int i = 0; i < npcs && *n < MAX_STACK - 2; i++) {
		uint32_t id = location_of(sp, s, pcs[i], !(i == 0 && first_exact));

		if (!id)
			return -ENOMEM;
		ids[(*n)++] = id;
	}
	return 0;
}

static int add_synthetic(struct sym_profile *sp, const char *name, uint32_t *ids, int *n)
{
	if (!name)
		return 0;
	if (!(ids[*n] = synthetic_location(sp, name)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

int sym_profile_add(struct sym_profile *sp, struct symbolizer *s, const struct sym_stack *st,
		    const int64_t *values, const struct profile_label *labels, int nlabels)
{
	uint32_t ids[MAX_STACK];
	const uint64_t *kernel;
	int n = 0, skip = 0, err;

	if (st->nkernel < 0 || st->nuser < 0 || (st->nkernel && !st->kernel) || (st->nuser && !st->user))
		return -EINVAL;
	if (st->kernel_from_tracepoint)
		skip = tracing_frames(s, st->kernel, st->nkernel);
	kernel = st->nkernel ? st->kernel + skip : NULL;	/* an empty stack may be NULL, and NULL + 0 is undefined */
	if ((err = register_process(sp, s)) || (err = add_synthetic(sp, st->leaf, ids, &n)) ||
	    (err = add_pcs(sp, s, kernel, st->nkernel - skip, st->leaf_exact && !skip, ids, &n)) ||
	    (err = add_pcs(sp, s, st->user, st->nuser, st->leaf_exact && !st->nkernel, ids, &n)))
		return err;
	if (!n && (err = add_synthetic(sp, "[no stack]", ids, &n)))
		return err;
	if ((err = add_synthetic(sp, st->root, ids, &n)))
		return err;
	return profile_add_sample(sp->p, ids, n, values, labels, nlabels);
}
