// SPDX-License-Identifier: GPL-2.0
/* Symbolizer: PC -> mapping -> file offset -> link-time address -> frames, each step cached so that a profile
 * of 100k samples costs one hash lookup per frame once its distinct PCs are known. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "lib/array.h"
#include "lib/event_loop.h"
#include "sys/ksyms.h"
#include "sys/proc.h"
#include "sys/proc_maps.h"
#include "gobin/sym_module.h"
#include "profile/symbolizer.h"

#define KERNEL_START (1ULL << 63)
#define MAX_INLINE 64			/* frames kept per PC: deeper inlining is not real code */
#define REFRESH_MIN_NS 50000000ULL	/* 50 ms between refreshes caused by misses */
#define PC_CACHE_MAX (1u << 22)		/* entries before the cache starts over (bounded memory) */

static const char unknown_func[] = "[unknown]";

/* ---- the shared cache: files by identity, kernel symbols, the vDSO ---- */

struct module_entry {
	uint64_t dev, ino;
	struct sym_module *mod;		/* NULL when it could not be opened */
};

struct sym_cache {
	struct module_entry *mods;
	size_t nmods, mods_cap;
	struct ksyms *ksyms;
	bool ksyms_tried;
	struct sym_map kernel_map;
	struct sym_module *vdso;
	bool vdso_tried;
};

int sym_cache_new(struct sym_cache **out)
{
	struct sym_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->kernel_map = (struct sym_map){ .path = "[kernel.kallsyms]", .build_id = "", .is_kernel = true,
					  .start = KERNEL_START, .limit = UINT64_MAX };
	*out = c;
	return 0;
}

void sym_cache_free(struct sym_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nmods; i++)
		sym_module_free(c->mods[i].mod);
	free(c->mods);
	ksyms_free(c->ksyms);
	sym_module_free(c->vdso);
	free(c);
}

static const struct ksyms *cache_ksyms(struct sym_cache *c)
{
	if (!c->ksyms_tried) {
		c->ksyms_tried = true;
		if (ksyms_load(&c->ksyms) == 0)
			ksyms_range(c->ksyms, &c->kernel_map.start, &c->kernel_map.limit);
	}
	return c->ksyms;
}

/* The kernel maps the same vDSO image into every process: ours stands in for the target's. */
static struct sym_module *cache_vdso(struct sym_cache *c)
{
	struct proc_maps self;
	uint64_t base = getauxval(AT_SYSINFO_EHDR);

	if (c->vdso_tried)
		return c->vdso;
	c->vdso_tried = true;
	if (!base || proc_maps_read(getpid(), &self))
		return NULL;
	for (size_t i = 0; i < self.n; i++)
		if (self.maps[i].start == base && !strcmp(self.maps[i].path, "[vdso]"))
			sym_module_open_mem((const void *)(uintptr_t)base, self.maps[i].end - base, "[vdso]", &c->vdso);
	proc_maps_free(&self);
	return c->vdso;
}

/* The module of a mapped file, opened once per (device, inode) for every process. */
static struct sym_module *cache_module(struct sym_cache *c, int pid, const struct proc_map *m)
{
	char path[4200];
	struct module_entry *e;

	for (size_t i = 0; i < c->nmods; i++)
		if (c->mods[i].dev == m->dev && c->mods[i].ino == m->ino)
			return c->mods[i].mod;
	if (array_reserve(&c->mods, &c->mods_cap, c->nmods + 1, sizeof(*c->mods), 16))
		return NULL;
	e = &c->mods[c->nmods++];
	*e = (struct module_entry){ m->dev, m->ino, NULL };
	if (pid <= 0)	/* maps given as text (symbolizer_open_maps): no process to open the file through */
		return NULL;
	snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, pid, m->start, m->end);
	if (sym_module_open(path, m->path, &e->mod) != 0) {
		snprintf(path, sizeof(path), "/proc/%d/root%s", pid, m->path);
		if (sym_module_open(path, m->path, &e->mod) != 0)
			e->mod = NULL;
	}
	return e->mod;
}

int sym_cache_add_module(struct sym_cache *c, uint64_t dev, uint64_t ino, struct sym_module *mod)
{
	if (array_reserve(&c->mods, &c->mods_cap, c->nmods + 1, sizeof(*c->mods), 16))
		return -ENOMEM;
	c->mods[c->nmods++] = (struct module_entry){ dev, ino, mod };
	return 0;
}

/* ---- one process ---- */

/* A mapping seen in the process; kept (and its address stable) until the symbolizer closes, so that cached
 * frames may point at it and PCs of code unmapped since still resolve. */
struct mapping {
	struct sym_map map;
	uint64_t dev, ino;
	struct sym_module *mod;		/* NULL: nothing to read symbols from */
	char *path;
};

struct pc_entry {
	uint64_t key;		/* lookup address + 1; 0 = empty slot */
	uint32_t first;		/* index into frames */
	uint32_t n;
};

struct symbolizer {
	struct sym_cache *cache;
	struct proc_target proc;	/* pid and start time: a reused PID is not read as the same process */
	struct mapping **all;		/* every mapping ever seen, oldest first */
	size_t nall, all_cap;
	struct mapping **cur;		/* the current maps, by address */
	size_t ncur;
	uint64_t last_refresh_ns;
	struct pc_entry *table;
	size_t table_cap, table_used;
	struct sym_frame *frames;
	size_t nframes, frames_cap;
	uint64_t hits, misses;
};

static bool same_mapping(const struct mapping *a, const struct proc_map *m)
{
	return a->map.start == m->start && a->map.limit == m->end && a->map.file_offset == m->offset &&
	       a->dev == m->dev && a->ino == m->ino && !strcmp(a->path, m->path);
}

static bool wants_module(const struct proc_map *m)
{
	return m->path[0] == '/' || !strcmp(m->path, "[vdso]");
}

static struct mapping *new_mapping(struct symbolizer *s, const struct proc_map *m)
{
	struct mapping *mp = calloc(1, sizeof(*mp));

	if (!mp || !(mp->path = strdup(m->path))) {
		free(mp);
		return NULL;
	}
	mp->dev = m->dev;
	mp->ino = m->ino;
	if (wants_module(m))
		mp->mod = m->path[0] == '[' ? cache_vdso(s->cache) : cache_module(s->cache, s->proc.pid, m);
	mp->map = (struct sym_map){ .path = mp->path, .build_id = mp->mod ? sym_module_build_id(mp->mod) : "",
				    .start = m->start, .limit = m->end, .file_offset = m->offset };
	return mp;
}

/* The mapping object for a maps line: the one seen before, or a new one remembered in s->all. */
static struct mapping *intern_mapping(struct symbolizer *s, const struct proc_map *m)
{
	struct mapping *mp;

	for (size_t i = s->nall; i-- > 0;)
		if (same_mapping(s->all[i], m))
			return s->all[i];
	if (array_reserve(&s->all, &s->all_cap, s->nall + 1, sizeof(*s->all), 64))
		return NULL;
	mp = new_mapping(s, m);
	if (mp)
		s->all[s->nall++] = mp;
	return mp;
}

/* Makes pm the current maps. Kept apart from reading them so that maps given as text (symbolizer_open_maps) take
 * the same path as a live process's. 0 or -ENOMEM. */
static int use_maps(struct symbolizer *s, const struct proc_maps *pm)
{
	struct mapping **cur = calloc(pm->n ? pm->n : 1, sizeof(*cur));
	size_t n = 0;

	if (!cur)
		return -ENOMEM;
	/* Only code: a PC elsewhere is garbage from a broken unwind, and the data mappings of a long-running
	 * process (heap arenas, stacks) change size all the time. */
	for (size_t i = 0; i < pm->n; i++)
		if ((pm->maps[i].perms & PROC_MAP_EXEC) && !(cur[n++] = intern_mapping(s, &pm->maps[i]))) {
			free(cur);
			return -ENOMEM;
		}
	free(s->cur);
	s->cur = cur;
	s->ncur = n;
	return 0;
}

int symbolizer_refresh(struct symbolizer *s)
{
	struct proc_maps pm;
	int err;

	s->last_refresh_ns = monotonic_ns();
	if (s->proc.pid <= 0 || !proc_target_alive(&s->proc))	/* pid 0: maps given as text, nothing to re-read */
		return -ESRCH;
	err = proc_maps_read(s->proc.pid, &pm);
	if (err)
		return err;
	err = use_maps(s, &pm);
	proc_maps_free(&pm);
	return err;
}

int symbolizer_open(struct sym_cache *c, int pid, struct symbolizer **out)
{
	struct symbolizer *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->cache = c;
	err = proc_target_open(pid, &s->proc);
	if (!err)
		err = symbolizer_refresh(s);
	if (err) {
		symbolizer_close(s);
		return err;
	}
	*out = s;
	return 0;
}

int symbolizer_open_maps(struct sym_cache *c, const char *maps_text, struct symbolizer **out)
{
	struct symbolizer *s = calloc(1, sizeof(*s));
	struct proc_maps pm;
	int err;

	if (!s)
		return -ENOMEM;
	s->cache = c;
	s->last_refresh_ns = monotonic_ns();
	err = proc_maps_parse(maps_text, &pm);
	if (!err) {
		err = use_maps(s, &pm);
		proc_maps_free(&pm);
	}
	if (err) {
		symbolizer_close(s);
		return err;
	}
	*out = s;
	return 0;
}

void symbolizer_close(struct symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nall; i++) {
		free(s->all[i]->path);
		free(s->all[i]);
	}
	free(s->all);
	free(s->cur);
	free(s->table);
	free(s->frames);
	free(s);
}

int symbolizer_pid(const struct symbolizer *s)
{
	return s->proc.pid;
}

void symbolizer_stats(const struct symbolizer *s, uint64_t *hits, uint64_t *misses)
{
	*hits = s->hits;
	*misses = s->misses;
}

const struct sym_map *symbolizer_main_map(const struct symbolizer *s)
{
	for (size_t i = 0; i < s->nall; i++) {
		const struct mapping *mp = s->all[i];

		if (mp->mod && mp->dev == (uint64_t)s->proc.exe_dev && mp->ino == (uint64_t)s->proc.exe_ino)
			return &mp->map;
	}
	return NULL;
}

static struct mapping *find_current(const struct symbolizer *s, uint64_t addr)
{
	size_t lo = 0, hi = s->ncur;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < s->cur[mid]->map.start)
			hi = mid;
		else if (addr >= s->cur[mid]->map.limit)
			lo = mid + 1;
		else
			return s->cur[mid];
	}
	return NULL;
}

/* Current maps first; then mappings gone since (newest first); then, at most every REFRESH_MIN_NS, the maps
 * as they are now (a library loaded after the last read). */
static struct mapping *find_mapping(struct symbolizer *s, uint64_t addr)
{
	struct mapping *mp = find_current(s, addr);

	if (mp)
		return mp;
	for (size_t i = s->nall; i-- > 0;)
		if (addr >= s->all[i]->map.start && addr < s->all[i]->map.limit)
			return s->all[i];
	if (monotonic_ns() - s->last_refresh_ns < REFRESH_MIN_NS || symbolizer_refresh(s) != 0)
		return NULL;
	return find_current(s, addr);
}

/* ---- resolving one address into frames appended to s->frames ---- */

static struct sym_frame *push_frames(struct symbolizer *s, int n)
{
	if (array_reserve(&s->frames, &s->frames_cap, s->nframes + n, sizeof(*s->frames), 64))
		return NULL;
	s->nframes += n;
	return &s->frames[s->nframes - n];
}

static int resolve_kernel(struct symbolizer *s, uint64_t addr)
{
	const struct ksyms *k = cache_ksyms(s->cache);
	struct ksym sym;
	bool found = k && ksyms_find(k, addr, &sym);
	struct sym_frame *f = push_frames(s, 1);

	if (!f)
		return -ENOMEM;
	*f = (struct sym_frame){ found ? sym.name : unknown_func, "", 0, found ? SYM_KERNEL : SYM_UNKNOWN,
				 &s->cache->kernel_map, addr };
	return 1;
}

static int resolve_user(struct symbolizer *s, uint64_t addr)
{
	struct mapping *mp = find_mapping(s, addr);
	struct go_frame gf[MAX_INLINE];
	enum sym_source source = SYM_SOURCE_NONE;
	uint64_t offset = mp ? addr - mp->map.start + mp->map.file_offset : addr, vaddr;
	struct sym_frame *f;
	int n = 0;

	if (mp && mp->mod && sym_module_vaddr(mp->mod, offset, &vaddr) == 0)
		n = sym_module_frames(mp->mod, vaddr, gf, MAX_INLINE, &source);
	f = push_frames(s, n ? n : 1);
	if (!f)
		return -ENOMEM;
	if (!n) {
		*f = (struct sym_frame){ unknown_func, "", 0, SYM_UNKNOWN, mp ? &mp->map : NULL, offset };
		return 1;
	}
	for (int i = 0; i < n; i++)
		f[i] = (struct sym_frame){ gf[i].func, gf[i].file ? gf[i].file : "", gf[i].line,
					   source == SYM_SOURCE_PCLNTAB ? SYM_GO : SYM_NATIVE, &mp->map, offset };
	return n;
}

/* ---- the PC cache: open addressing, linear probing ---- */

static size_t slot_of(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return key & (cap - 1);
}

static struct pc_entry *probe(const struct symbolizer *s, uint64_t key)
{
	size_t i = slot_of(key, s->table_cap);

	while (s->table[i].key && s->table[i].key != key)
		i = (i + 1) & (s->table_cap - 1);
	return &s->table[i];
}

/* Doubles the table at half load; past PC_CACHE_MAX entries it starts over instead (a daemon runs for months). */
static int reserve_slot(struct symbolizer *s)
{
	struct pc_entry *old = s->table;
	size_t old_cap = s->table_cap, ncap;

	if (s->table && (s->table_used + 1) * 2 <= s->table_cap)
		return 0;
	ncap = old_cap ? old_cap * 2 : 64;	/* small first: the daemon has one per process (bench/daemon) */
	if (s->table_used >= PC_CACHE_MAX) {
		ncap = old_cap;
		old_cap = 0;
		s->nframes = 0;
	}
	s->table = calloc(ncap, sizeof(*s->table));
	if (!s->table) {
		s->table = old;
		return -ENOMEM;
	}
	s->table_cap = ncap;
	s->table_used = 0;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key) {
			*probe(s, old[i].key) = old[i];
			s->table_used++;
		}
	free(old);
	return 0;
}

static int lookup(struct symbolizer *s, uint64_t addr, const struct sym_frame **frames)
{
	struct pc_entry *e;
	size_t first;
	int n, err;

	if (s->table && (e = probe(s, addr + 1))->key) {
		s->hits++;
		*frames = &s->frames[e->first];
		return e->n;
	}
	s->misses++;
	if ((err = reserve_slot(s)))
		return err;
	first = s->nframes;
	n = addr >= KERNEL_START ? resolve_kernel(s, addr) : resolve_user(s, addr);
	if (n < 0)
		return n;
	e = probe(s, addr + 1);
	*e = (struct pc_entry){ addr + 1, (uint32_t)first, (uint32_t)n };
	s->table_used++;
	*frames = &s->frames[first];
	return n;
}

int symbolizer_frames(struct symbolizer *s, uint64_t pc, bool return_address, struct sym_frame *out, int max)
{
	const struct sym_frame *frames;
	int n;

	if (max < 1)
		return -EINVAL;
	n = lookup(s, return_address && pc ? pc - 1 : pc, &frames);
	if (n > 0)
		memcpy(out, frames, sizeof(*out) * (n < max ? n : max));
	return n;
}
