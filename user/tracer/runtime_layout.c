// SPDX-License-Identifier: GPL-2.0
/* From a target's binary to the numbers its probes need. Unknown versions and missing layouts degrade one
 * capability with a message; they never make a probe read a guessed address. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tracer/runtime_layout.h"

static int lookup_func(const char *name, uint64_t *entry, uint64_t *end, void *ctx)
{
	const struct go_binary *gb = ctx;
	struct go_func fn;

	if (go_binary_find_func(gb, name, &fn))
		return -ENOENT;
	*entry = fn.entry;
	*end = fn.end;
	return 0;
}

bool runtime_version_known(const struct target *t)
{
	const struct go_version *v = &t->bin->version;

	return t->bin->version_known && v->major == 1 && v->minor >= GO_MINOR_OLDEST && v->minor <= GO_MINOR_NEWEST;
}

/* Resolving reads DWARF (compressed: most of the cost) and decodes machine code: done once per executable, not
 * once per process and capability (the daemon sees the same binary run by many processes). Keyed by inode and
 * size, so a replaced file is resolved again. */
#define LAYOUT_CACHE 64

struct cached_layout {
	dev_t dev;
	ino_t ino;
	size_t size;
	struct runtime_layout rl;
};

static struct cached_layout layout_cache[LAYOUT_CACHE];
static size_t layout_cache_next, layout_cache_n;

static struct cached_layout *cached(const struct target *t, size_t size)
{
	for (size_t i = 0; i < layout_cache_n; i++) {
		struct cached_layout *c = &layout_cache[i];

		if (c->dev == t->proc.exe_dev && c->ino == t->proc.exe_ino && c->size == size)
			return c;
	}
	return NULL;
}

static void resolve_uncached(const struct target *t, struct runtime_layout *rl);

void runtime_layout_resolve(const struct target *t, struct runtime_layout *rl)
{
	struct cached_layout *c;
	size_t size;

	elf_file_data(t->bin->elf, &size);
	if (!t->proc.exe_ino) {	/* a file given by path (gotrace info): no process to share with */
		resolve_uncached(t, rl);
		return;
	}
	c = cached(t, size);
	if (!c) {
		c = &layout_cache[layout_cache_next];
		layout_cache_next = (layout_cache_next + 1) % LAYOUT_CACHE;
		if (layout_cache_n < LAYOUT_CACHE)
			layout_cache_n++;
		memset(c, 0, sizeof(*c));
		c->dev = t->proc.exe_dev;
		c->ino = t->proc.exe_ino;
		c->size = size;
		resolve_uncached(t, &c->rl);
	}
	*rl = c->rl;
}

static void resolve_uncached(const struct target *t, struct runtime_layout *rl)
{
	const struct go_binary *gb = t->bin;
	bool arm64 = elf_file_machine(gb->elf) == EM_AARCH64;

	memset(rl, 0, sizeof(*rl));
	go_offsets_init(&rl->offsets);
	if (!runtime_version_known(t)) {
		/* DWARF could still describe the structs, but the probes' assumptions about the runtime's code
		 * (which function records what) are per version: refuse rather than guess. */
		rl->offsets_err = rl->globals_err = -ENOTSUP;
		return;
	}
	rl->offsets_err = go_offsets_resolve(gb->path, gb->version.major, gb->version.minor, arm64, &rl->offsets);
	if (rl->offsets_err)
		return;
	rl->globals_err = go_globals_find(gb->elf, &rl->offsets, lookup_func, (void *)gb, &rl->globals);
}

static bool have(int32_t off)
{
	return off >= 0 && off < 65536;
}

/* memstats.numgc: optional on every version; it numbers the cycles as the runtime does. */
static void set_memstats(const struct runtime_layout *rl, const struct target *t, struct gc_target *cfg)
{
	const struct go_offsets *o = &rl->offsets;

	if (!rl->globals.memstats || !have(o->memstats_numgc) || !have(o->memstats_pause_ns))
		return;
	cfg->memstats_addr = rl->globals.memstats + t->bias;
	cfg->off_memstats_numgc = o->memstats_numgc;
	cfg->off_memstats_pause_ns = o->memstats_pause_ns;
}

static bool set_work(const struct runtime_layout *rl, const struct target *t, struct gc_target *cfg)
{
	const struct go_offsets *o = &rl->offsets;

	if (!rl->globals.work || !have(o->work_pausestart) || !have(o->work_tsweepterm) || !have(o->work_tend) ||
	    !have(o->work_tmarkterm))
		return false;
	cfg->work_addr = rl->globals.work + t->bias;
	cfg->off_work_pause_start = o->work_pausestart;
	cfg->off_work_t_sweep_term = o->work_tsweepterm;
	cfg->off_work_t_mark_term = o->work_tmarkterm;
	cfg->off_work_t_end = o->work_tend;
	return true;
}

int runtime_layout_gc(const struct target *t, struct gc_target *cfg, char *note, size_t note_size)
{
	struct runtime_layout rl;
	const struct go_version *v = &t->bin->version;

	memset(cfg, 0, sizeof(*cfg));
	runtime_layout_resolve(t, &rl);
	if (rl.offsets_err) {
		snprintf(note, note_size, "GC pause tracing is off: %s has no known runtime layout (gotrace knows "
			 "Go 1.%d to 1.%d)", go_binary_version_str(t->bin), GO_MINOR_OLDEST, GO_MINOR_NEWEST);
		return -ENOTSUP;
	}
	set_memstats(&rl, t, cfg);
	if (v->minor >= 22) {
		cfg->abi = GC_ABI_STW_ARGS;
		return 0;
	}
	cfg->abi = GC_ABI_WORK_GLOBALS;
	if (!have(rl.offsets.g_m) || !have(rl.offsets.m_preemptoff)) {
		snprintf(note, note_size, "GC pause tracing is off: runtime.g/runtime.m layout unknown for %s",
			 go_binary_version_str(t->bin));
		return -ENOTSUP;
	}
	cfg->off_g_m = rl.offsets.g_m;
	cfg->off_m_preemptoff = rl.offsets.m_preemptoff;
	if (!set_work(&rl, t, cfg))
		snprintf(note, note_size, "runtime.work not found in this %s: pause start times are gotrace's own, "
			 "within about one uprobe hit of the runtime's", t->bin->has_symtab ? "binary" : "stripped binary");
	return 0;
}
