// SPDX-License-Identifier: GPL-2.0
/* From a target's binary to the numbers its probes need. A fact that cannot be derived degrades the one capability
 * that needs it, with a message naming the fact; no probe ever reads a guessed address. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gobin/go_stw_reasons.h"
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

bool runtime_release_supported(const struct target *t)
{
	const struct go_version *v = &t->bin->version;

	return !t->bin->version_known || (v->major == 1 && v->minor >= GO_MINOR_OLDEST);
}

bool runtime_release_in_table(const struct target *t)
{
	const struct go_version *v = &t->bin->version;

	return t->bin->version_known && v->major == 1 && v->minor >= GO_MINOR_OLDEST &&
	       v->minor <= go_offsets_table_newest();
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

/* ---- the shape of startTheWorldWithSema ---- */

/* Its arguments, in bytes as the function table counts them: () on 1.21, (emitTraceEvent bool) on 1.17-1.20, and
 * (now int64, w worldStop) from 1.22, whose worldStop has grown from two words to four and may grow again. */
static __u32 gc_abi_of_args(int32_t args)
{
	if (args == 0 || args == 8)
		return GC_ABI_WORK_GLOBALS;
	if (args >= 24 && args <= 64 && args % 8 == 0)
		return GC_ABI_STW_ARGS;
	return 0;
}

#define STW_START "runtime.startTheWorldWithSema"

/* The probe reads now (RAX), w.reason (RBX) and w.startedStopping (RCX): the register ABI gives each word of the
 * arguments the next integer register, so the worldStop must start with reason and then the start time. */
static bool worldstop_matches_registers(const struct go_offsets *o, char *why, size_t why_size)
{
	if (o->worldstop_reason == 0 && o->worldstop_started == 8)
		return true;
	snprintf(why, why_size, "runtime.worldStop has reason at offset %d and startedStopping at %d (%s); the GC probe "
		 "reads them as the first two words", o->worldstop_reason, o->worldstop_started,
		 layout_source_name(go_offsets_source_of(o, &o->worldstop_started)));
	return false;
}

/* The DWARF's argument size and the function table's must agree; the table's entry is the fallback of both. */
static int32_t stw_start_args(const struct go_offsets *o, const struct go_func *fn, enum layout_source *source,
			      char *why, size_t why_size)
{
	enum layout_source from = go_offsets_source_of(o, &o->stw_start_args);

	if (from == LAYOUT_DWARF && fn->args >= 0 && fn->args != o->stw_start_args) {
		snprintf(why, why_size, STW_START "'s arguments: DWARF says %d bytes, the function table %d",
			 o->stw_start_args, fn->args);
		return -1;
	}
	if (from == LAYOUT_DWARF || fn->args < 0) {
		*source = from;
		return o->stw_start_args;
	}
	*source = LAYOUT_FUNCTAB;
	return fn->args;
}

static void derive_gc_abi(const struct go_binary *gb, struct runtime_layout *rl)
{
	char *why = rl->gc_abi_why;
	size_t why_size = sizeof(rl->gc_abi_why);
	struct go_func fn;
	int32_t args;

	if (go_binary_find_func(gb, STW_START, &fn)) {
		snprintf(why, why_size, STW_START " is not in the function table (renamed in %s?)",
			 go_binary_version_str(gb));
		return;
	}
	args = stw_start_args(&rl->offsets, &fn, &rl->gc_abi_source, why, why_size);
	if (args < 0) {
		if (!*why)
			snprintf(why, why_size, "the size of " STW_START "'s arguments is unknown");
		return;
	}
	rl->gc_abi = gc_abi_of_args(args);
	if (!rl->gc_abi)
		snprintf(why, why_size, STW_START " takes %d bytes of arguments, a shape gotrace does not know", args);
	else if (rl->gc_abi == GC_ABI_STW_ARGS && !worldstop_matches_registers(&rl->offsets, why, why_size))
		rl->gc_abi = 0;
}

/* The values startTheWorldWithSema's w.reason takes for the GC's stops: the binary's own names table, the table's
 * values (stable from 1.21 to 1.27) as the fallback and the cross-check. */
static void derive_stw_reasons(const struct go_binary *gb, struct runtime_layout *rl)
{
	struct go_stw_reasons r;
	bool newer = rl->offsets.table_minor && gb->version.minor > rl->offsets.table_minor;

	rl->stw_reason_mark_term = GO_STW_GC_MARK_TERM;
	rl->stw_reason_sweep_term = GO_STW_GC_SWEEP_TERM;
	rl->stw_reasons_source = newer ? LAYOUT_TABLE_NEWEST : LAYOUT_TABLE;
	if (go_stw_reasons_find(gb->elf, &r) != 0)
		return;
	rl->stw_reasons_disagree = r.mark_term != GO_STW_GC_MARK_TERM || r.sweep_term != GO_STW_GC_SWEEP_TERM;
	rl->stw_reason_mark_term = r.mark_term;
	rl->stw_reason_sweep_term = r.sweep_term;
	rl->stw_reasons_source = LAYOUT_DATA;
}

enum go_timehist_scheme runtime_layout_timehist_scheme(const struct runtime_layout *rl, const struct target *t)
{
	switch (rl->offsets.hist_nbuckets) {
	case 45 * 16:
		return GO_TIMEHIST_SUPER45;
	case 40 * 4:
		return GO_TIMEHIST_MIN9;
	default:
		return go_timehist_scheme(t->bin->version.major, t->bin->version.minor);
	}
}

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
	if (!runtime_release_supported(t)) {
		rl->offsets_err = rl->globals_err = -ENOTSUP;
		snprintf(rl->gc_abi_why, sizeof(rl->gc_abi_why), "%s is older than Go 1.%d", go_binary_version_str(gb),
			 GO_MINOR_OLDEST);
		return;
	}
	rl->offsets_err = go_offsets_resolve(gb->path, gb->version.major, gb->version.minor, arm64, &rl->offsets);
	if (rl->offsets_err) {
		snprintf(rl->gc_abi_why, sizeof(rl->gc_abi_why), "the runtime's layout: no DWARF and no table entry for %s",
			 go_binary_version_str(gb));
		return;
	}
	for (size_t i = 0; i < go_offsets_nfields(); i++)
		if (go_offsets_source(&rl->offsets, i) == LAYOUT_TABLE_NEWEST)
			rl->assumed = true;
	rl->globals_err = go_globals_find(gb->elf, &rl->offsets, lookup_func, (void *)gb, &rl->globals);
	derive_gc_abi(gb, rl);
	if (rl->gc_abi == GC_ABI_STW_ARGS)
		derive_stw_reasons(gb, rl);
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

int runtime_layout_gc(const struct target *t, const struct runtime_layout *rl, struct gc_target *cfg, char *note,
		      size_t note_size)
{
	memset(cfg, 0, sizeof(*cfg));
	if (rl->offsets_err || !rl->gc_abi) {
		snprintf(note, note_size, "GC pause tracing is off: %s", rl->gc_abi_why);
		return -ENOTSUP;
	}
	set_memstats(rl, t, cfg);
	cfg->abi = rl->gc_abi;
	if (cfg->abi == GC_ABI_STW_ARGS) {
		cfg->reason_mark_term = (__u8)rl->stw_reason_mark_term;
		cfg->reason_sweep_term = (__u8)rl->stw_reason_sweep_term;
		return 0;
	}
	if (!have(rl->offsets.g_m) || !have(rl->offsets.m_preemptoff)) {
		snprintf(note, note_size, "GC pause tracing is off: g.m or m.preemptoff unknown for %s",
			 go_binary_version_str(t->bin));
		return -ENOTSUP;
	}
	cfg->off_g_m = rl->offsets.g_m;
	cfg->off_m_preemptoff = rl->offsets.m_preemptoff;
	if (!set_work(rl, t, cfg))
		snprintf(note, note_size, "runtime.work not found in this %s: pause start times are gotrace's own, "
			 "within about one uprobe hit of the runtime's", t->bin->has_symtab ? "binary" : "stripped binary");
	return 0;
}
