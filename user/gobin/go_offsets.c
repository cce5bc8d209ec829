// SPDX-License-Identifier: GPL-2.0
/* Go runtime struct layouts: read from a binary's DWARF, else from a per-version table (docs/go-layouts.md). */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "gobin/go_offsets.h"

/* FIELD_ARGS: the bytes of a function's arguments (each rounded up to a word, as the pclntab's _func.args counts
 * them); `type` names the function (a DW_TAG_subprogram) instead of a struct. */
enum field_kind { FIELD_OFFSET, FIELD_SIZE, FIELD_COUNT, FIELD_ARGS };

/* One field of struct go_offsets and where DWARF has it: a member path inside a struct type. Path components
 * are separated by '.', alternative names of one component (renamed across versions) by '|'. */
struct field_desc {
	const char *name;
	const char *type;
	const char *path;
	enum field_kind kind;
	size_t off;
};

#define F(field) offsetof(struct go_offsets, field)

static const struct field_desc fields[] = {
	{ "g.m", "runtime.g", "m", FIELD_OFFSET, F(g_m) },
	{ "g.sched.sp", "runtime.g", "sched.sp", FIELD_OFFSET, F(g_sched_sp) },
	{ "g.atomicstatus", "runtime.g", "atomicstatus", FIELD_OFFSET, F(g_atomicstatus) },
	{ "g.goid", "runtime.g", "goid", FIELD_OFFSET, F(g_goid) },
	{ "g.waitreason", "runtime.g", "waitreason", FIELD_OFFSET, F(g_waitreason) },
	{ "g.tracking", "runtime.g", "tracking", FIELD_OFFSET, F(g_tracking) },
	{ "g.trackingStamp", "runtime.g", "trackingStamp|runnableStamp", FIELD_OFFSET, F(g_tracking_stamp) },
	{ "g.runnableTime", "runtime.g", "runnableTime", FIELD_OFFSET, F(g_runnable_time) },
	{ "sizeof(g)", "runtime.g", "", FIELD_SIZE, F(g_size) },
	{ "m.g0", "runtime.m", "g0", FIELD_OFFSET, F(m_g0) },
	{ "m.procid", "runtime.m", "procid", FIELD_OFFSET, F(m_procid) },
	{ "m.curg", "runtime.m", "curg", FIELD_OFFSET, F(m_curg) },
	{ "m.id", "runtime.m", "id", FIELD_OFFSET, F(m_id) },
	{ "m.preemptoff", "runtime.m", "preemptoff", FIELD_OFFSET, F(m_preemptoff) },
	{ "sizeof(m)", "runtime.m", "", FIELD_SIZE, F(m_size) },
	{ "work.cycles", "runtime.workType", "cycles", FIELD_OFFSET, F(work_cycles) },
	{ "work.stwprocs", "runtime.workType", "stwprocs", FIELD_OFFSET, F(work_stwprocs) },
	{ "work.maxprocs", "runtime.workType", "maxprocs", FIELD_OFFSET, F(work_maxprocs) },
	{ "work.tSweepTerm", "runtime.workType", "tSweepTerm", FIELD_OFFSET, F(work_tsweepterm) },
	{ "work.tMark", "runtime.workType", "tMark", FIELD_OFFSET, F(work_tmark) },
	{ "work.tMarkTerm", "runtime.workType", "tMarkTerm", FIELD_OFFSET, F(work_tmarkterm) },
	{ "work.tEnd", "runtime.workType", "tEnd", FIELD_OFFSET, F(work_tend) },
	{ "work.pauseNS", "runtime.workType", "pauseNS", FIELD_OFFSET, F(work_pausens) },
	{ "work.pauseStart", "runtime.workType", "pauseStart", FIELD_OFFSET, F(work_pausestart) },
	{ "sizeof(work)", "runtime.workType", "", FIELD_SIZE, F(work_size) },
	{ "memstats.pause_total_ns", "runtime.mstats", "pause_total_ns", FIELD_OFFSET, F(memstats_pause_total_ns) },
	{ "memstats.pause_ns", "runtime.mstats", "pause_ns", FIELD_OFFSET, F(memstats_pause_ns) },
	{ "memstats.pause_end", "runtime.mstats", "pause_end", FIELD_OFFSET, F(memstats_pause_end) },
	{ "memstats.numgc", "runtime.mstats", "numgc", FIELD_OFFSET, F(memstats_numgc) },
	{ "memstats.last_gc_nanotime", "runtime.mstats", "last_gc_nanotime", FIELD_OFFSET,
	  F(memstats_last_gc_nanotime) },
	{ "memstats.last_gc_unix", "runtime.mstats", "last_gc_unix", FIELD_OFFSET, F(memstats_last_gc_unix) },
	{ "memstats.numforcedgc", "runtime.mstats", "numforcedgc", FIELD_OFFSET, F(memstats_numforcedgc) },
	{ "memstats.enablegc", "runtime.mstats", "enablegc", FIELD_OFFSET, F(memstats_enablegc) },
	{ "memstats.gc_cpu_fraction", "runtime.mstats", "gc_cpu_fraction", FIELD_OFFSET, F(memstats_gc_cpu_fraction) },
	{ "sizeof(memstats)", "runtime.mstats", "", FIELD_SIZE, F(memstats_size) },
	{ "gcController.gcPercent", "runtime.gcControllerState", "gcPercent", FIELD_OFFSET, F(gcc_gc_percent) },
	{ "gcController.memoryLimit", "runtime.gcControllerState", "memoryLimit", FIELD_OFFSET, F(gcc_memory_limit) },
	{ "gcController.heapMarked", "runtime.gcControllerState", "heapMarked", FIELD_OFFSET, F(gcc_heap_marked) },
	{ "gcController.heapLive", "runtime.gcControllerState", "heapLive", FIELD_OFFSET, F(gcc_heap_live) },
	{ "gcController.gcPercentHeapGoal", "runtime.gcControllerState", "gcPercentHeapGoal", FIELD_OFFSET,
	  F(gcc_percent_heap_goal) },
	{ "gcController.mappedReady", "runtime.gcControllerState", "mappedReady", FIELD_OFFSET, F(gcc_mapped_ready) },
	{ "sizeof(gcController)", "runtime.gcControllerState", "", FIELD_SIZE, F(gcc_size) },
	{ "sched.lock", "runtime.schedt", "lock", FIELD_OFFSET, F(sched_lock) },
	{ "sched.gcwaiting", "runtime.schedt", "gcwaiting", FIELD_OFFSET, F(sched_gcwaiting) },
	{ "sizeof(sched.gcwaiting)", "runtime.schedt", "gcwaiting", FIELD_SIZE, F(sched_gcwaiting_size) },
	{ "sched.stopwait", "runtime.schedt", "stopwait", FIELD_OFFSET, F(sched_stopwait) },
	{ "sched.timeToRun", "runtime.schedt", "timeToRun", FIELD_OFFSET, F(sched_time_to_run) },
	{ "sizeof(sched)", "runtime.schedt", "", FIELD_SIZE, F(sched_size) },
	{ "timeHistogram.counts", "runtime.timeHistogram", "counts", FIELD_OFFSET, F(hist_counts) },
	{ "len(timeHistogram.counts)", "runtime.timeHistogram", "counts", FIELD_COUNT, F(hist_nbuckets) },
	{ "timeHistogram.underflow", "runtime.timeHistogram", "underflow", FIELD_OFFSET, F(hist_underflow) },
	{ "timeHistogram.overflow", "runtime.timeHistogram", "overflow", FIELD_OFFSET, F(hist_overflow) },
	{ "sizeof(timeHistogram)", "runtime.timeHistogram", "", FIELD_SIZE, F(hist_size) },
	{ "args(startTheWorldWithSema)", "runtime.startTheWorldWithSema", "", FIELD_ARGS, F(stw_start_args) },
	{ "worldStop.reason", "runtime.worldStop", "reason", FIELD_OFFSET, F(worldstop_reason) },
	{ "worldStop.startedStopping", "runtime.worldStop", "startedStopping|start", FIELD_OFFSET,
	  F(worldstop_started) },
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))
_Static_assert(NFIELDS <= GO_OFFSETS_MAX_FIELDS, "struct go_offsets.source is too small");

static int32_t *field_ptr(struct go_offsets *o, size_t i)
{
	return (int32_t *)((char *)o + fields[i].off);
}

size_t go_offsets_nfields(void)
{
	return NFIELDS;
}

const char *go_offsets_field_name(size_t i)
{
	return i < NFIELDS ? fields[i].name : NULL;
}

int32_t go_offsets_field(const struct go_offsets *o, size_t i)
{
	return i < NFIELDS ? *(const int32_t *)((const char *)o + fields[i].off) : -1;
}

void go_offsets_init(struct go_offsets *o)
{
	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < NFIELDS; i++)
		*field_ptr(o, i) = -1;
}

/* ---- DWARF ---- */

/* zlib cannot expand data more than about 1032 times: a larger claimed size is a lie that would make libelf
 * allocate it. */
#define MAX_INFLATE_RATIO 1032
#define MAX_DEBUG_SECTION (1ULL << 31)

static bool debug_section_sizes_plausible(Elf *elf)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		GElf_Chdr ch;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			return false;
		if (!(sh.sh_flags & SHF_COMPRESSED))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strncmp(name, ".debug_", 7) != 0)
			continue;
		if (gelf_getchdr(scn, &ch) == NULL || ch.ch_size > MAX_DEBUG_SECTION ||
		    ch.ch_size > sh.sh_size * MAX_INFLATE_RATIO)
			return false;
	}
	return true;
}

#define MAX_TYPE_DEPTH 16
#define MAX_DIES_PER_UNIT 10000000

static bool die_type(Dwarf_Die *die, Dwarf_Die *type)
{
	Dwarf_Attribute attr;
	Dwarf_Die raw;

	if (!dwarf_attr(die, DW_AT_type, &attr) || !dwarf_formref_die(&attr, &raw))
		return false;
	return dwarf_peel_type(&raw, type) == 0;
}

static bool die_udata(Dwarf_Die *die, unsigned int at, Dwarf_Word *val)
{
	Dwarf_Attribute attr;

	return dwarf_attr(die, at, &attr) && dwarf_formudata(&attr, val) == 0;
}

static bool member_location(Dwarf_Die *member, Dwarf_Word *loc)
{
	Dwarf_Attribute attr;
	Dwarf_Op *expr;
	size_t len;

	if (!dwarf_attr(member, DW_AT_data_member_location, &attr))
		return false;
	if (dwarf_formudata(&attr, loc) == 0)
		return true;
	/* Producers other than Go's linker may write DW_OP_plus_uconst N. */
	if (dwarf_getlocation(&attr, &expr, &len) != 0 || len != 1 || expr[0].atom != DW_OP_plus_uconst)
		return false;
	*loc = expr[0].number;
	return true;
}

/* Does name equal one of the '|'-separated alternatives in alts[0, len)? */
static bool name_matches(const char *name, const char *alts, size_t len)
{
	size_t n = strlen(name);
	const char *end = alts + len;

	while (alts < end) {
		const char *bar = memchr(alts, '|', end - alts);
		size_t alen = (bar ? bar : end) - alts;

		if (alen == n && memcmp(alts, name, n) == 0)
			return true;
		alts += alen + 1;
	}
	return false;
}

/* Children of die are visited in increasing offset order: a malformed DW_AT_sibling pointing backwards
 * ends the walk instead of looping. */
static bool next_child(Dwarf_Die *parent, Dwarf_Die *child, bool first)
{
	Dwarf_Off prev = first ? dwarf_dieoffset(parent) : dwarf_dieoffset(child);
	int r = first ? dwarf_child(parent, child) : dwarf_siblingof(child, child);

	return r == 0 && dwarf_dieoffset(child) > prev;
}

static bool find_member(Dwarf_Die *st, const char *alts, size_t len, Dwarf_Die *member)
{
	bool first = true;
	long n = 0;

	while (next_child(st, member, first) && n++ < MAX_DIES_PER_UNIT) {
		const char *name;

		first = false;
		if (dwarf_tag(member) != DW_TAG_member)
			continue;
		name = dwarf_diename(member);
		if (name && name_matches(name, alts, len))
			return true;
	}
	return false;
}

static bool type_size(Dwarf_Die *type, int32_t *out)
{
	Dwarf_Word size;

	if (!die_udata(type, DW_AT_byte_size, &size) || size > INT32_MAX)
		return false;
	*out = (int32_t)size;
	return true;
}

static bool array_count(Dwarf_Die *type, int32_t *out)
{
	Dwarf_Die sub;
	Dwarf_Word n;

	if (dwarf_tag(type) != DW_TAG_array_type || !next_child(type, &sub, true) ||
	    dwarf_tag(&sub) != DW_TAG_subrange_type)
		return false;
	if (die_udata(&sub, DW_AT_count, &n)) {
		if (n > INT32_MAX)
			return false;
	} else if (die_udata(&sub, DW_AT_upper_bound, &n)) {
		if (n >= INT32_MAX)
			return false;
		n++;
	} else {
		return false;
	}
	*out = (int32_t)n;
	return true;
}

#define WORD 8

/* The arguments of a subprogram: its formal parameters that are not results (Go marks results with
 * DW_AT_variable_parameter), each rounded up to a word. */
static bool args_size(Dwarf_Die *func, int32_t *out)
{
	Dwarf_Die param, type;
	bool first = true;
	int64_t total = 0;
	int32_t size;

	while (next_child(func, &param, first)) {
		Dwarf_Attribute attr;
		bool result = false;

		first = false;
		if (dwarf_tag(&param) != DW_TAG_formal_parameter)
			continue;
		if (dwarf_attr(&param, DW_AT_variable_parameter, &attr))
			dwarf_formflag(&attr, &result);
		if (result)
			continue;
		if (!die_type(&param, &type) || !type_size(&type, &size) || total > INT32_MAX / 2)
			return false;
		total += (size + WORD - 1) / WORD * WORD;
	}
	*out = (int32_t)total;
	return true;
}

/* Follows the member path from struct st; the offset sums every component's location. */
static bool resolve_field(Dwarf_Die *st, const struct field_desc *fd, int32_t *out)
{
	Dwarf_Die cur = *st, member;
	const char *p = fd->path;
	uint64_t offset = 0;
	int depth = 0;

	while (*p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		Dwarf_Word loc;

		if (++depth > MAX_TYPE_DEPTH || !find_member(&cur, p, len, &member) || !member_location(&member, &loc))
			return false;
		offset += loc;
		if (offset > INT32_MAX || !die_type(&member, &cur))
			return false;
		p += len + (dot ? 1 : 0);
	}
	switch (fd->kind) {
	case FIELD_OFFSET:
		*out = (int32_t)offset;
		return true;
	case FIELD_SIZE:
		return type_size(&cur, out);
	case FIELD_COUNT:
		return array_count(&cur, out);
	case FIELD_ARGS:
		return args_size(&cur, out);
	}
	return false;
}

#define NTYPES 10

/* The globals whose type is wanted: before Go 1.19 runtime.work has an anonymous struct type. */
static const char *const type_of_global[][2] = {
	{ "runtime.workType", "runtime.work" },
	{ "runtime.mstats", "runtime.memstats" },
	{ "runtime.schedt", "runtime.sched" },
	{ "runtime.gcControllerState", "runtime.gcController" },
};

struct wanted_types {
	const char *names[NTYPES];
	const char *globals[NTYPES];
	Dwarf_Die dies[NTYPES];
	bool found[NTYPES];
	size_t n, nfound;
};

static void collect_wanted(struct wanted_types *w)
{
	memset(w, 0, sizeof(*w));
	for (size_t i = 0; i < NFIELDS; i++) {
		size_t j = 0;

		while (j < w->n && strcmp(w->names[j], fields[i].type) != 0)
			j++;
		if (j == w->n && w->n < NTYPES)
			w->names[w->n++] = fields[i].type;
	}
	for (size_t i = 0; i < sizeof(type_of_global) / sizeof(type_of_global[0]); i++)
		for (size_t j = 0; j < w->n; j++)
			if (strcmp(w->names[j], type_of_global[i][0]) == 0)
				w->globals[j] = type_of_global[i][1];
}

static void found_type(struct wanted_types *w, size_t j, Dwarf_Die *type)
{
	if (w->found[j])
		return;
	w->dies[j] = *type;
	w->found[j] = true;
	w->nfound++;
}

/* A wanted struct type by its name, or by the variable of that type. */
static void consider_die(struct wanted_types *w, Dwarf_Die *die)
{
	int tag = dwarf_tag(die);
	const char *name;
	Dwarf_Die type;

	if ((tag != DW_TAG_structure_type && tag != DW_TAG_variable && tag != DW_TAG_subprogram) ||
	    dwarf_hasattr(die, DW_AT_declaration))
		return;
	name = dwarf_diename(die);
	if (!name || strncmp(name, "runtime.", 8) != 0)
		return;
	for (size_t j = 0; j < w->n; j++) {
		if ((tag == DW_TAG_structure_type || tag == DW_TAG_subprogram) && strcmp(name, w->names[j]) == 0)
			found_type(w, j, die);
		else if (tag == DW_TAG_variable && w->globals[j] && strcmp(name, w->globals[j]) == 0 &&
			 die_type(die, &type) && dwarf_tag(&type) == DW_TAG_structure_type)
			found_type(w, j, &type);
	}
}

/* Go puts its types at the top level of the compile units: only those are visited. */
static void find_types(Dwarf *dw, struct wanted_types *w)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie, die;
	uint8_t unit_type;
	Dwarf_Half version;

	while (w->nfound < w->n && dwarf_get_units(dw, cu, &cu, &version, &unit_type, &cudie, NULL) == 0) {
		bool first = true;
		long n = 0;

		while (w->nfound < w->n && next_child(&cudie, &die, first) && n++ < MAX_DIES_PER_UNIT) {
			first = false;
			consider_die(w, &die);
		}
	}
}

static int offsets_from_elf(Elf *elf, struct go_offsets *o)
{
	struct wanted_types w;
	Dwarf *dw;
	size_t i, j;

	go_offsets_init(o);
	if (!debug_section_sizes_plausible(elf))
		return -ENOEXEC;
	dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	if (!dw)
		return -ENOENT;
	collect_wanted(&w);
	find_types(dw, &w);
	for (i = 0; i < NFIELDS; i++) {
		for (j = 0; j < w.n && strcmp(w.names[j], fields[i].type) != 0; j++)
			;
		if (j < w.n && w.found[j] && resolve_field(&w.dies[j], &fields[i], field_ptr(o, i)))
			o->source[i] = LAYOUT_DWARF;
	}
	dwarf_end(dw);
	if (o->g_goid < 0 && o->g_m < 0)
		return -ENOENT;
	o->from_dwarf = true;
	return 0;
}

int go_offsets_from_dwarf_mem(const void *data, size_t size, struct go_offsets *o)
{
	Elf *elf;
	int err;

	go_offsets_init(o);
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOEXEC;
	elf = elf_memory((char *)data, size);
	if (!elf)
		return -ENOEXEC;
	err = elf_kind(elf) == ELF_K_ELF ? offsets_from_elf(elf, o) : -ENOEXEC;
	elf_end(elf);
	return err;
}

int go_offsets_from_dwarf(const char *path, struct go_offsets *o)
{
	Elf *elf;
	int fd, err;

	go_offsets_init(o);
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOEXEC;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf) {
		close(fd);
		return -ENOEXEC;
	}
	err = elf_kind(elf) == ELF_K_ELF ? offsets_from_elf(elf, o) : -ENOEXEC;
	elf_end(elf);
	close(fd);
	return err;
}

/* ---- Version table ----
 * A changelog: the layout of Go 1.minor is the first entry's layout with every change up to minor applied.
 * Each version's entry lists only what differs from the previous known version. */

struct layout_change {
	uint8_t minor;
	uint8_t field;		/* offsetof(struct go_offsets, ...) / sizeof(int32_t) */
	int32_t value;
};

struct version_info {
	uint8_t minor;
	bool verified;		/* compared field by field with the DWARF of binaries built by that toolchain */
	uint8_t work_cache_pads;	/* cpu.CacheLinePad fields in workType before cycles */
	uint8_t arm64_cache_pad;	/* internal/cpu.CacheLinePadSize on arm64 (64 on amd64) */
};

#define C(m, field, v) { m, offsetof(struct go_offsets, field) / sizeof(int32_t), v }

static const struct layout_change changes[] = {
	/* 1.17: go1.17.13 source (sizeof(memstats) 15296 before 1.17.12) */
	C(17, g_m, 48), C(17, g_sched_sp, 56), C(17, g_atomicstatus, 144), C(17, g_goid, 152), C(17, g_waitreason, 176),
	C(17, g_tracking, 188), C(17, g_tracking_stamp, 192), C(17, g_runnable_time, 200), C(17, g_size, 392),
	C(17, m_g0, 0), C(17, m_procid, 72), C(17, m_curg, 192), C(17, m_id, 232), C(17, m_preemptoff, 248),
	C(17, m_size, 1024), C(17, work_cycles, 320), C(17, work_stwprocs, 324), C(17, work_maxprocs, 328),
	C(17, work_tsweepterm, 336), C(17, work_tmark, 344), C(17, work_tmarkterm, 352), C(17, work_tend, 360),
	C(17, work_pausens, 368), C(17, work_pausestart, 376), C(17, work_size, 416), C(17, memstats_pause_total_ns, 176),
	C(17, memstats_pause_ns, 184), C(17, memstats_pause_end, 2232), C(17, memstats_numgc, 4280),
	C(17, memstats_last_gc_nanotime, 5944), C(17, memstats_last_gc_unix, 168), C(17, memstats_numforcedgc, 4284),
	C(17, memstats_enablegc, 4296), C(17, memstats_size, 15272), C(17, sched_lock, 24),
	C(17, sched_gcwaiting, 256),
	C(17, sched_gcwaiting_size, 4), C(17, sched_stopwait, 260), C(17, sched_time_to_run, 360),
	C(17, sched_size, 6128), C(17, hist_counts, 0), C(17, hist_nbuckets, 720), C(17, hist_underflow, 5760),
	C(17, hist_overflow, -1), C(17, hist_size, 5768), C(17, stw_start_args, 8),
	/* 1.18: go1.18 source */
	C(18, m_size, 1008), C(18, work_cycles, 344), C(18, work_stwprocs, 348), C(18, work_maxprocs, 352),
	C(18, work_tsweepterm, 360), C(18, work_tmark, 368), C(18, work_tmarkterm, 376), C(18, work_tend, 384),
	C(18, work_pausens, 392), C(18, work_pausestart, 400), C(18, work_size, 440), C(18, memstats_size, 15296),
	C(18, sched_gcwaiting, 224), C(18, sched_stopwait, 228), C(18, sched_time_to_run, 312), C(18, sched_size, 6080),
	/* 1.19: verified (go1.19.8 amd64, arm64) */
	C(19, work_size, 432), C(19, memstats_pause_total_ns, 3600), C(19, memstats_pause_ns, 3608),
	C(19, memstats_pause_end, 5656), C(19, memstats_numgc, 7704), C(19, memstats_last_gc_nanotime, 7720),
	C(19, memstats_last_gc_unix, 3592), C(19, memstats_numforcedgc, 7708), C(19, memstats_enablegc, 7736),
	C(19, memstats_size, 13512), C(19, memstats_gc_cpu_fraction, 7712), C(19, gcc_gc_percent, 0),
	C(19, gcc_memory_limit, 8), C(19, gcc_heap_marked, 184), C(19, gcc_heap_live, 136),
	C(19, gcc_percent_heap_goal, 104), C(19, gcc_mapped_ready, 344), C(19, gcc_size, 424),
	/* 1.20: go1.20 source */
	C(20, m_size, 1000), C(20, work_cycles, 336), C(20, work_stwprocs, 340), C(20, work_maxprocs, 344),
	C(20, work_tsweepterm, 352), C(20, work_tmark, 360), C(20, work_tmarkterm, 368), C(20, work_tend, 376),
	C(20, work_pausens, 384), C(20, work_pausestart, 392), C(20, work_size, 512), C(20, memstats_size, 9040),
	C(20, sched_gcwaiting, 232), C(20, sched_gcwaiting_size, 1), C(20, sched_stopwait, 236),
	C(20, sched_time_to_run, 320), C(20, sched_size, 1632), C(20, hist_nbuckets, 160), C(20, hist_underflow, 1280),
	C(20, hist_overflow, 1288), C(20, hist_size, 1296),
	/* 1.20-1.25: the pacer's fields are not verified against a real binary: unknown until 1.26 */
	C(20, memstats_gc_cpu_fraction, -1), C(20, gcc_gc_percent, -1), C(20, gcc_memory_limit, -1),
	C(20, gcc_heap_marked, -1), C(20, gcc_heap_live, -1), C(20, gcc_percent_heap_goal, -1),
	C(20, gcc_mapped_ready, -1), C(20, gcc_size, -1),
	/* 1.21: go1.21.12 source (same as the 1.21 branch point) */
	C(21, stw_start_args, 0), C(21, g_tracking, 187), C(21, g_size, 408), C(21, m_size, 1008), C(21, work_cycles, 400),
	C(21, work_stwprocs, 404), C(21, work_maxprocs, 408), C(21, work_tsweepterm, 416), C(21, work_tmark, 424),
	C(21, work_tmarkterm, 432), C(21, work_tend, 440), C(21, work_pausens, 448), C(21, work_pausestart, 456),
	C(21, work_size, 576),
	/* 1.22: master at the 1.22 branch point; startTheWorldWithSema(now int64, w worldStop{reason, start}) */
	C(22, stw_start_args, 24), C(22, worldstop_reason, 0), C(22, worldstop_started, 8), C(22, g_tracking, 190), C(22, g_size, 424), C(22, m_size, 2024), C(22, work_pausestart, -1),
	C(22, work_size, 568), C(22, memstats_size, 7744), C(22, sched_size, 6824),
	/* 1.23: master at the 1.23 branch point; workType grew within 1.23.x (strongFromWeak backport): unknown;
	 * worldStop{reason, startedStopping, finishedStopping, stoppingCPUTime} */
	C(23, stw_start_args, 40), C(23, g_atomicstatus, 152), C(23, g_goid, 160), C(23, g_waitreason, 184), C(23, g_tracking, 198),
	C(23, g_tracking_stamp, 200), C(23, g_runnable_time, 208), C(23, g_size, 432), C(23, m_size, 1760),
	C(23, work_cycles, -1), C(23, work_stwprocs, -1), C(23, work_maxprocs, -1), C(23, work_tsweepterm, -1),
	C(23, work_tmark, -1), C(23, work_tmarkterm, -1), C(23, work_tend, -1), C(23, work_pausens, -1),
	C(23, work_size, -1),
	/* 1.24: master at the 1.24 branch point */
	C(24, g_size, 440), C(24, m_size, 1808), C(24, work_cycles, 424), C(24, work_stwprocs, 428),
	C(24, work_maxprocs, 432), C(24, work_tsweepterm, 440), C(24, work_tmark, 448), C(24, work_tmarkterm, 456),
	C(24, work_tend, 464), C(24, work_pausens, 472), C(24, work_size, 592),
	/* 1.25: master 2025-05-21 with go1.25.3's g and m fields */
	C(25, g_atomicstatus, 144), C(25, g_goid, 152), C(25, g_waitreason, 176), C(25, g_tracking, 190),
	C(25, g_tracking_stamp, 192), C(25, g_runnable_time, 200), C(25, m_procid, 64), C(25, m_curg, 184),
	C(25, m_id, 224), C(25, m_preemptoff, 240), C(25, m_size, 1816), C(25, work_cycles, 512),
	C(25, work_stwprocs, 516), C(25, work_maxprocs, 520), C(25, work_tsweepterm, 528), C(25, work_tmark, 536),
	C(25, work_tmarkterm, 544), C(25, work_tend, 552), C(25, work_pausens, 560), C(25, work_size, 680),
	C(25, memstats_pause_total_ns, 3576), C(25, memstats_pause_ns, 3584), C(25, memstats_pause_end, 5632),
	C(25, memstats_numgc, 7680), C(25, memstats_last_gc_nanotime, 7696), C(25, memstats_size, 10440),
	C(25, memstats_last_gc_unix, 3568), C(25, memstats_numforcedgc, 7684), C(25, memstats_enablegc, 10432),
	C(25, sched_lock, 32), C(25, sched_gcwaiting, 248), C(25, sched_stopwait, 252), C(25, sched_time_to_run, 344),
	C(25, sched_size, 6848),
	/* 1.26: verified (go1.26.8 amd64, arm64) */
	C(26, g_size, 456), C(26, m_id, 232), C(26, m_preemptoff, 248), C(26, m_size, 1824), C(26, work_cycles, 648),
	C(26, work_stwprocs, 652), C(26, work_maxprocs, 656), C(26, work_tsweepterm, 664), C(26, work_tmark, 672),
	C(26, work_tmarkterm, 680), C(26, work_tend, 688), C(26, work_pausens, 696), C(26, work_size, 816),
	C(26, sched_gcwaiting, 264), C(26, sched_stopwait, 268), C(26, sched_time_to_run, 360), C(26, sched_size, 6872),
	C(26, memstats_gc_cpu_fraction, 7688), C(26, gcc_gc_percent, 0), C(26, gcc_memory_limit, 8),
	C(26, gcc_heap_marked, 152), C(26, gcc_heap_live, 104), C(26, gcc_percent_heap_goal, 72),
	C(26, gcc_mapped_ready, 312), C(26, gcc_size, 392),
	/* 1.27: verified (go1.27.3 amd64): m gained cheaprand64; nothing else gotrace reads moved */
	C(27, m_size, 1832),
};

static const struct version_info versions[] = {
	{ .minor = 17, .work_cache_pads = 1, .arm64_cache_pad = 64 },
	{ .minor = 18, .work_cache_pads = 1, .arm64_cache_pad = 64 },
	{ .minor = 19, .verified = true, .work_cache_pads = 1, .arm64_cache_pad = 64 },
	{ .minor = 20, .work_cache_pads = 1, .arm64_cache_pad = 128 },
	{ .minor = 21, .work_cache_pads = 2, .arm64_cache_pad = 128 },
	{ .minor = 22, .work_cache_pads = 2, .arm64_cache_pad = 128 },
	{ .minor = 23, .work_cache_pads = 2, .arm64_cache_pad = 128 },
	{ .minor = 24, .work_cache_pads = 2, .arm64_cache_pad = 128 },
	{ .minor = 25, .work_cache_pads = 3, .arm64_cache_pad = 128 },
	{ .minor = 26, .verified = true, .work_cache_pads = 4, .arm64_cache_pad = 128 },
	{ .minor = 27, .verified = true, .work_cache_pads = 4, .arm64_cache_pad = 128 },
};

#define NVERSIONS (sizeof(versions) / sizeof(versions[0]))

int go_offsets_table_newest(void)
{
	return versions[NVERSIONS - 1].minor;
}

const char *layout_source_name(enum layout_source s)
{
	switch (s) {
	case LAYOUT_DWARF:
		return "DWARF";
	case LAYOUT_TABLE:
		return "table";
	case LAYOUT_TABLE_NEWEST:
		return "newest table";
	case LAYOUT_FUNCTAB:
		return "function table";
	case LAYOUT_CODE:
		return "machine code";
	case LAYOUT_DATA:
		return "runtime data";
	default:
		return "unknown";
	}
}

static const struct version_info *find_version(int major, int minor)
{
	for (size_t i = 0; major == 1 && i < NVERSIONS; i++)
		if (versions[i].minor == minor)
			return &versions[i];
	return NULL;
}

/* arm64 pads workType's cache lines to 128 bytes in some versions: every field after the pads moves. */
static void apply_arm64_work_pads(struct go_offsets *o, const struct version_info *v)
{
	int32_t delta = v->work_cache_pads * (v->arm64_cache_pad - 64);
	int32_t *work[] = { &o->work_cycles, &o->work_stwprocs, &o->work_maxprocs, &o->work_tsweepterm,
			    &o->work_tmark, &o->work_tmarkterm, &o->work_tend, &o->work_pausens,
			    &o->work_pausestart, &o->work_size };

	for (size_t i = 0; i < sizeof(work) / sizeof(work[0]); i++)
		if (*work[i] >= 0)
			*work[i] += delta;
}

/* gcControllerState ends in one cache line pad (1.26, 1.27 DWARF of amd64 and arm64 builds): only its size moves. */
static void apply_arm64_gc_controller_pad(struct go_offsets *o, const struct version_info *v)
{
	if (o->gcc_size >= 0)
		o->gcc_size += v->arm64_cache_pad - 64;
}

int go_offsets_from_table(int major, int minor, bool arm64, struct go_offsets *o)
{
	const struct version_info *v = find_version(major, minor);

	go_offsets_init(o);
	if (!v)
		return -ENOTSUP;
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]) && changes[i].minor <= minor; i++)
		((int32_t *)o)[changes[i].field] = changes[i].value;
	if (arm64) {
		apply_arm64_work_pads(o, v);
		apply_arm64_gc_controller_pad(o, v);
	}
	for (size_t i = 0; i < NFIELDS; i++)
		o->source[i] = *field_ptr(o, i) >= 0 ? LAYOUT_TABLE : LAYOUT_UNKNOWN;
	o->table_verified = v->verified;
	o->table_minor = minor;
	return 0;
}

/* The table entry for a release: its own, or for a release newer than the table the newest one, marked so. */
static int table_for(int major, int minor, bool arm64, struct go_offsets *o)
{
	int newest = go_offsets_table_newest();
	int err = go_offsets_from_table(major, minor > newest ? newest : minor, arm64, o);

	if (err || minor <= newest)
		return err;
	for (size_t i = 0; i < NFIELDS; i++)
		if (o->source[i] == LAYOUT_TABLE)
			o->source[i] = LAYOUT_TABLE_NEWEST;
	o->table_verified = false;
	return 0;
}

int go_offsets_resolve(const char *path, int major, int minor, bool arm64, struct go_offsets *o)
{
	struct go_offsets table;
	int dwarf_err = go_offsets_from_dwarf(path, o);
	int table_err = table_for(major, minor, arm64, &table);

	if (dwarf_err && table_err)
		return table_err == -ENOTSUP && dwarf_err != -ENOENT ? dwarf_err : table_err;
	if (dwarf_err) {
		*o = table;
		return 0;
	}
	if (table_err)
		return 0;
	for (size_t i = 0; i < NFIELDS; i++) {
		int32_t t = go_offsets_field(&table, i);

		/* What this release's DWARF lacks may not exist in it: a newer release's table cannot say. */
		if (*field_ptr(o, i) < 0 && table.source[i] == LAYOUT_TABLE_NEWEST)
			continue;
		if (*field_ptr(o, i) < 0) {
			*field_ptr(o, i) = t;
			o->source[i] = table.source[i];
		} else if (t >= 0 && t != *field_ptr(o, i)) {
			o->table_disagreements++;
		}
	}
	o->table_verified = table.table_verified;
	o->table_minor = table.table_minor;
	if (minor > go_offsets_table_newest())
		o->table_disagreements = 0;	/* a cross-check only against the release's own entry */
	return 0;
}

enum layout_source go_offsets_source(const struct go_offsets *o, size_t i)
{
	return i < NFIELDS ? (enum layout_source)o->source[i] : LAYOUT_UNKNOWN;
}

enum layout_source go_offsets_source_of(const struct go_offsets *o, const int32_t *field)
{
	size_t off = (size_t)((const char *)field - (const char *)o);

	for (size_t i = 0; i < NFIELDS; i++)
		if (fields[i].off == off)
			return (enum layout_source)o->source[i];
	return LAYOUT_UNKNOWN;
}

/* ---- timeHistogram buckets (runtime/histogram.go) ---- */

enum go_timehist_scheme go_timehist_scheme(int major, int minor)
{
	if (major != 1 || minor < 17)
		return GO_TIMEHIST_UNKNOWN;
	return minor < 20 ? GO_TIMEHIST_SUPER45 : GO_TIMEHIST_MIN9;
}

/* 1.17-1.19: super bucket s >= 1 covers [2^(s+3), 2^(s+4)) in 16 steps of 2^(s-1); super bucket 0 is [0,16) in
 * steps of 1. The last bucket also takes everything larger. */
static int super45_bucket(uint32_t i, uint64_t *lo, uint64_t *hi)
{
	uint32_t super = i / 16, sub = i % 16;

	if (i >= 45 * 16)
		return -EINVAL;
	if (super == 0) {
		*lo = sub;
		*hi = sub + 1;
	} else {
		*lo = (1ULL << (super + 3)) | ((uint64_t)sub << (super - 1));
		*hi = *lo + (1ULL << (super - 1));
	}
	if (i == 45 * 16 - 1)
		*hi = UINT64_MAX;
	return 0;
}

/* 1.20+: bucket b >= 1 covers [2^(b+7), 2^(b+8)) in 4 steps of 2^(b+5); bucket 0 is [0, 256) in steps of 64.
 * 40 buckets; larger durations go to the overflow counter. */
static int min9_bucket(uint32_t i, uint64_t *lo, uint64_t *hi)
{
	uint32_t bucket = i / 4, sub = i % 4;

	if (i >= 40 * 4)
		return -EINVAL;
	if (bucket == 0) {
		*lo = (uint64_t)sub << 6;
		*hi = *lo + (1 << 6);
	} else {
		*lo = (1ULL << (bucket + 7)) | ((uint64_t)sub << (bucket + 5));
		*hi = *lo + (1ULL << (bucket + 5));
	}
	return 0;
}

int go_timehist_bucket(enum go_timehist_scheme scheme, uint32_t i, uint64_t *lo, uint64_t *hi)
{
	switch (scheme) {
	case GO_TIMEHIST_SUPER45:
		return super45_bucket(i, lo, hi);
	case GO_TIMEHIST_MIN9:
		return min9_bucket(i, lo, hi);
	default:
		return -EINVAL;
	}
}
