// SPDX-License-Identifier: GPL-2.0
/* Finds the Go runtime globals: from .symtab, or (stripped binaries) from the code that uses them.
 *
 * Without symbols, a global is recognised by the pattern of its fields in the machine code of the runtime
 * functions that use it: every memory operand of those functions with an absolute target (RIP-relative on
 * amd64, ADRP pairs on arm64) is a candidate address of some field, so target - field offset is a candidate base.
 * The true base is the one that explains several known fields at once, in more than one function. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gobin/capstone_lib.h"
#include "gobin/go_globals.h"

/* Go 1.26 gives runtime.firstmoduledata a section of its own, .go.module. */
static const char *const data_sections[] = { ".data", ".bss", ".noptrbss", ".noptrdata", ".go.module" };

/* A runtime global lives in one of Go's data sections, all of it. */
static bool fits_in_data(const struct elf_file *ef, uint64_t addr, uint64_t size)
{
	struct elf_section sec;

	if (size == 0)
		return false;
	for (size_t i = 0; i < sizeof(data_sections) / sizeof(data_sections[0]); i++) {
		if (elf_file_find_section(ef, data_sections[i], &sec) != 0)
			continue;
		if (addr >= sec.addr && addr - sec.addr <= sec.size && size <= sec.size - (addr - sec.addr))
			return true;
	}
	return false;
}

static void from_symtab(const struct elf_file *ef, const char *name, int32_t size, uint64_t *addr,
			enum go_global_source *source)
{
	struct elf_symbol sym;

	if (elf_file_find_symbol(ef, name, &sym) != 0 || sym.value == 0)
		return;
	/* An unknown layout (size -1) cannot be checked: the symbol's own size stands in for it. */
	if (!fits_in_data(ef, sym.value, size > 0 ? (uint64_t)size : (sym.size ? sym.size : 1)))
		return;
	*addr = sym.value;
	*source = GO_GLOBAL_SYMTAB;
}

/* ---- absolute memory targets of a function's code ---- */

#define MAX_FUNC_SIZE (1 << 20)
#define MAX_TARGETS 4096
#define NDATA (sizeof(data_sections) / sizeof(data_sections[0]))

/* Targets inside the data sections only: constants in .rodata (runs of float64s, 8 bytes apart) would
 * otherwise mimic runs of int64 fields. */
struct targets {
	uint64_t lo[NDATA], hi[NDATA];
	uint64_t addr[MAX_TARGETS];
	uint8_t width[MAX_TARGETS];	/* bytes accessed; 0 for an address taken (LEA, ADD) */
	size_t n;
};

static void init_targets(const struct elf_file *ef, struct targets *t)
{
	struct elf_section sec;

	for (size_t i = 0; i < NDATA; i++) {
		bool ok = elf_file_find_section(ef, data_sections[i], &sec) == 0;

		t->lo[i] = ok ? sec.addr : 0;
		t->hi[i] = ok ? sec.addr + sec.size : 0;
	}
}

static void add_target(struct targets *t, uint64_t addr, uint8_t width)
{
	for (size_t i = 0; i < NDATA; i++) {
		if (addr >= t->lo[i] && addr < t->hi[i] && t->n < MAX_TARGETS) {
			t->addr[t->n] = addr;
			t->width[t->n++] = width;
			return;
		}
	}
}

static void x86_targets(const cs_insn *insn, struct targets *t)
{
	const cs_x86 *x86 = &insn->detail->x86;

	for (int i = 0; i < x86->op_count; i++) {
		const cs_x86_op *op = &x86->operands[i];

		if (op->type == X86_OP_MEM && op->mem.base == X86_REG_RIP && op->mem.index == X86_REG_INVALID)
			add_target(t, insn->address + insn->size + (uint64_t)op->mem.disp,
				   insn->id == X86_INS_LEA ? 0 : op->size);
	}
}

/* Bytes a load or store moves (each, for a pair), from its mnemonic and register; 0 when not plain. */
static uint8_t arm64_width(const cs_insn *insn, const cs_arm64 *a)
{
	arm64_reg r = a->op_count > 0 && a->operands[0].type == ARM64_OP_REG ? a->operands[0].reg : ARM64_REG_INVALID;
	bool x = (r >= ARM64_REG_X0 && r <= ARM64_REG_X28) || r == ARM64_REG_X29 || r == ARM64_REG_X30 ||
		 r == ARM64_REG_XZR;
	bool w = (r >= ARM64_REG_W0 && r <= ARM64_REG_W30) || r == ARM64_REG_WZR;

	switch (insn->id) {
	case ARM64_INS_LDRB: case ARM64_INS_STRB: case ARM64_INS_LDARB: case ARM64_INS_STLRB: case ARM64_INS_LDRSB:
		return 1;
	case ARM64_INS_LDRH: case ARM64_INS_STRH: case ARM64_INS_LDRSH:
		return 2;
	case ARM64_INS_LDRSW:
		return 4;
	case ARM64_INS_LDR: case ARM64_INS_STR: case ARM64_INS_LDUR: case ARM64_INS_STUR:
	case ARM64_INS_LDAR: case ARM64_INS_STLR: case ARM64_INS_LDP: case ARM64_INS_STP:
		return x ? 8 : w ? 4 : 0;
	default:
		return 0;
	}
}

/* X0..X30 (and their W halves) as 0..30; -1 for other registers. */
static int arm64_gpr(unsigned int reg)
{
	if (reg >= ARM64_REG_X0 && reg <= ARM64_REG_X28)
		return (int)(reg - ARM64_REG_X0);
	if (reg >= ARM64_REG_W0 && reg <= ARM64_REG_W30)
		return (int)(reg - ARM64_REG_W0);
	return reg == ARM64_REG_X29 ? 29 : reg == ARM64_REG_X30 ? 30 : -1;
}

/* Registers known to hold an absolute address, as the sweep goes: Go's arm64 code makes one with ADRP (+ADD)
 * and may keep using it for several fields. An address made by ADD and not used by the very next instruction
 * counts as an address taken. Calls forget everything; a register written any other way is forgotten. */
struct arm64_regs {
	uint64_t addr[31];
	uint32_t known;
	int pending;		/* register whose ADD result is not yet used, or -1 */
};

/* The disassembler: Capstone's functions (loaded for the search) and its handle. */
struct disasm {
	const struct capstone_api *cs;
	csh handle;
};

static void arm64_forget_written(const struct disasm *d, const cs_insn *insn, struct arm64_regs *r)
{
	cs_regs read, written;
	uint8_t nread, nwritten;

	if (d->cs->regs_access(d->handle, insn, read, &nread, written, &nwritten) != CS_ERR_OK) {
		r->known = 0;
		return;
	}
	for (int i = 0; i < nwritten; i++) {
		int g = arm64_gpr(written[i]);

		if (g >= 0)
			r->known &= ~(1u << g);
	}
}

/* ADRP Xd, page / ADD Xd, Xn, #imm / MOV Xd, Xn: the new address in *addr, the register in the return value. */
static int arm64_makes_address(const cs_insn *insn, const struct arm64_regs *r, uint64_t *addr)
{
	const cs_arm64 *a = &insn->detail->arm64;
	int d = a->op_count > 0 && a->operands[0].type == ARM64_OP_REG ? arm64_gpr(a->operands[0].reg) : -1;
	int n = a->op_count > 1 && a->operands[1].type == ARM64_OP_REG ? arm64_gpr(a->operands[1].reg) : -1;
	bool from_known = n >= 0 && (r->known & (1u << n));

	if (d < 0)
		return -1;
	if (insn->id == ARM64_INS_ADRP && a->op_count == 2 && a->operands[1].type == ARM64_OP_IMM) {
		*addr = (uint64_t)a->operands[1].imm;
		return d;
	}
	if (insn->id == ARM64_INS_ADD && a->op_count == 3 && from_known && a->operands[2].type == ARM64_OP_IMM &&
	    a->operands[2].shift.value == 0) {
		*addr = r->addr[n] + (uint64_t)a->operands[2].imm;
		return d;
	}
	if (insn->id == ARM64_INS_MOV && a->op_count == 2 && from_known) {
		*addr = r->addr[n];
		return d;
	}
	return -1;
}

static void arm64_targets(const struct disasm *dis, const cs_insn *insn, struct targets *t, struct arm64_regs *r)
{
	const cs_arm64 *a = &insn->detail->arm64;
	bool pending_used = false;
	uint64_t addr;
	int d;

	for (int i = 0; i < a->op_count; i++) {
		const cs_arm64_op *op = &a->operands[i];
		int base = op->type == ARM64_OP_MEM ? arm64_gpr(op->mem.base) : -1;
		uint64_t target;
		uint8_t width;

		if (base < 0 || !(r->known & (1u << base)) || op->mem.index != ARM64_REG_INVALID)
			continue;
		target = r->addr[base] + (uint64_t)(int64_t)op->mem.disp;
		width = arm64_width(insn, a);
		add_target(t, target, width);
		/* A pair (LDP/STP) moves two neighbours of one width. */
		if (a->op_count == 3 && i == 2 && arm64_gpr(a->operands[1].reg) >= 0 && width)
			add_target(t, target + width, width);
		pending_used |= base == r->pending;
	}
	if (r->pending >= 0 && !pending_used)
		add_target(t, r->addr[r->pending], 0);
	r->pending = -1;
	d = arm64_makes_address(insn, r, &addr);
	if (insn->id == ARM64_INS_BL || insn->id == ARM64_INS_BLR)
		r->known = 0;
	else
		arm64_forget_written(dis, insn, r);
	if (d >= 0) {
		r->addr[d] = addr;
		r->known |= 1u << d;
		r->pending = insn->id == ARM64_INS_ADD ? d : -1;
	}
}

/* Linear sweep of [entry, end): Go functions hold no data, so every byte is decoded once. */
static int function_targets(const struct elf_file *ef, const struct disasm *d, bool arm64, uint64_t entry,
			    uint64_t end, struct targets *t)
{
	const uint8_t *code;
	size_t size;
	struct arm64_regs regs = { .known = 0, .pending = -1 };
	uint64_t addr = entry;
	cs_insn *insn;

	t->n = 0;
	if (end <= entry || end - entry > MAX_FUNC_SIZE)
		return -ENOEXEC;
	size = end - entry;
	code = elf_file_vaddr_ptr(ef, entry, size);
	if (!code)
		return -ENOEXEC;
	insn = d->cs->malloc(d->handle);
	if (!insn)
		return -ENOMEM;
	while (size > 0 && d->cs->disasm_iter(d->handle, &code, &size, &addr, insn)) {
		if (arm64)
			arm64_targets(d, insn, t, &regs);
		else
			x86_targets(insn, t);
	}
	d->cs->free(insn, 1);
	return 0;
}

/* ---- matching field patterns ---- */

#define MAX_FIELDS 12
#define MAX_FUNCS 6

/* What is known of one global: its field offsets (-1 unknown) and sizes (0: arrays, reached by address), the
 * functions that use many of them. */
struct global_pattern {
	int32_t fields[MAX_FIELDS];
	uint8_t widths[MAX_FIELDS];
	const char *funcs[MAX_FUNCS];
	int32_t size;
};

struct hit {
	uint64_t base;
	uint16_t func;
	uint16_t field;
};

struct candidate {
	uint64_t base;
	uint32_t field_mask, func_mask;
};

static int compare_hits(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/* Access widths tell fields apart where offsets alone repeat (runs of int64s): an address taken matches any
 * field, an array (field width 0) is only ever reached by address, a 16-byte SSE move covers an 8-byte field
 * and its neighbour. */
static bool width_matches(uint8_t access, uint8_t field)
{
	return access == 0 || access == field || (access == 16 && field == 8);
}

/* Hits of one function: every target read as every known field. Returns how many were added. */
static size_t function_hits(const struct global_pattern *p, const struct targets *t, uint16_t func,
			    struct hit *hits, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		for (uint16_t f = 0; f < MAX_FIELDS; f++)
			if (p->fields[f] >= 0 && t->addr[i] >= (uint64_t)p->fields[f] && n < max &&
			    width_matches(t->width[i], p->widths[f]))
				hits[n++] = (struct hit){ t->addr[i] - (uint64_t)p->fields[f], func, f };
	return n;
}

/* Groups sorted hits by base. Returns the number of candidates written. */
static size_t group_hits(const struct hit *hits, size_t n, struct candidate *out)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		if (m == 0 || out[m - 1].base != hits[i].base)
			out[m++] = (struct candidate){ hits[i].base, 0, 0 };
		out[m - 1].field_mask |= 1u << hits[i].field;
		out[m - 1].func_mask |= 1u << hits[i].func;
	}
	return m;
}

/* The base that explains the most distinct fields of one function (fields seen in that function only); 0 when
 * that is fewer than min_fields, or when other bases explain as many and none of them is prefer (0: none). */
static uint64_t best_for_function(const struct hit *hits, size_t n, uint16_t func, int min_fields, uint64_t prefer)
{
	uint64_t best = 0;
	int best_count = 0, ties = 0;

	for (size_t i = 0; i < n;) {
		uint32_t mask = 0;
		size_t j = i;
		int count;

		for (; j < n && hits[j].base == hits[i].base; j++)
			if (hits[j].func == func)
				mask |= 1u << hits[j].field;
		count = __builtin_popcount(mask);
		if (count > best_count) {
			best = hits[i].base;
			best_count = count;
			ties = 0;
		} else if (count == best_count) {
			ties++;
			if (prefer && hits[i].base == prefer)
				best = prefer;
		}
		i = j;
	}
	return best_count >= min_fields && (ties == 0 || (prefer && best == prefer)) ? best : 0;
}

/* The base must explain more fields than any other; two functions at least must each find it on their own
 * (two fields or more, no other base explaining more of that function's); and no function may find a different
 * base with three fields or more. A method call on the global takes its address, which reads as any field of
 * some base: the pacer's gcControllerCommit explains as well a base 8 bytes lower, a tie only the other
 * functions settle. */
static uint64_t decide(const struct hit *hits, size_t n, const struct candidate *c, size_t m, int nfuncs)
{
	uint32_t best_fields = 0, second_fields = 0;
	uint64_t best = 0;
	int agreeing = 0;

	for (size_t i = 0; i < m; i++) {
		uint32_t count = __builtin_popcount(c[i].field_mask);

		if (count > best_fields) {
			second_fields = best_fields;
			best_fields = count;
			best = c[i].base;
		} else if (count > second_fields) {
			second_fields = count;
		}
	}
	if (best_fields < 3 || best_fields == second_fields)
		return 0;
	for (uint16_t f = 0; f < nfuncs; f++) {
		uint64_t own = best_for_function(hits, n, f, 2, best);

		if (own == best)
			agreeing++;
		else if (own && best_for_function(hits, n, f, 3, 0) == own)
			return 0;
	}
	return agreeing >= 2 ? best : 0;
}

struct code_search {
	const struct elf_file *ef;
	go_func_lookup_fn find_func;
	void *ctx;
	struct disasm disasm;
	bool arm64;
	struct targets targets;
};

#define MAX_HITS (MAX_FUNCS * MAX_TARGETS * 4)

static uint64_t derive_global(struct code_search *s, const struct global_pattern *p)
{
	struct hit *hits = malloc(MAX_HITS * sizeof(*hits));
	struct candidate *cands = malloc(MAX_HITS * sizeof(*cands));
	uint64_t base = 0;
	size_t n = 0, m;
	int nfuncs = 0;

	if (!hits || !cands || p->size <= 0)
		goto out;
	for (; nfuncs < MAX_FUNCS && p->funcs[nfuncs]; nfuncs++) {
		uint64_t entry, end;

		if (s->find_func(p->funcs[nfuncs], &entry, &end, s->ctx) != 0 ||
		    function_targets(s->ef, &s->disasm, s->arm64, entry, end, &s->targets) != 0)
			continue;
		n += function_hits(p, &s->targets, nfuncs, hits + n, MAX_HITS - n);
	}
	qsort(hits, n, sizeof(*hits), compare_hits);
	m = group_hits(hits, n, cands);
	base = decide(hits, n, cands, m, nfuncs);
	if (base % 8 != 0 || !fits_in_data(s->ef, base, (uint64_t)p->size))
		base = 0;
out:
	free(hits);
	free(cands);
	return base;
}

static void work_pattern(const struct go_offsets *o, struct global_pattern *p)
{
	*p = (struct global_pattern){
		.fields = { o->work_cycles, o->work_stwprocs, o->work_maxprocs, o->work_tsweepterm, o->work_tmark,
			    o->work_tmarkterm, o->work_tend, o->work_pausens, o->work_pausestart, -1, -1, -1 },
		.widths = { 4, 4, 4, 8, 8, 8, 8, 8, 8 },
		.funcs = { "runtime.gcStart", "runtime.gcMarkDone", "runtime.gcMarkTermination" },
		.size = o->work_size,
	};
}

static void memstats_pattern(const struct go_offsets *o, struct global_pattern *p)
{
	*p = (struct global_pattern){
		.fields = { o->memstats_pause_total_ns, o->memstats_pause_ns, o->memstats_pause_end,
			    o->memstats_numgc, o->memstats_last_gc_nanotime, o->memstats_last_gc_unix,
			    o->memstats_numforcedgc, o->memstats_enablegc, -1, -1, -1, -1 },
		.widths = { 8, 0, 0, 4, 8, 8, 4, 1 },
		.funcs = { "runtime.gcMarkTermination", "runtime.readGCStats_m", "runtime.gcTrigger.test" },
		.size = o->memstats_size,
	};
}

/* casgstatus records into sched.timeToRun: its counters are fields of runtime.sched too. */
static int32_t hist_field(const struct go_offsets *o, int32_t off)
{
	return o->sched_time_to_run >= 0 && off >= 0 ? o->sched_time_to_run + off : -1;
}

static void sched_pattern(const struct go_offsets *o, struct global_pattern *p)
{
	*p = (struct global_pattern){
		.fields = { o->sched_lock, o->sched_gcwaiting, o->sched_stopwait, o->sched_time_to_run,
			    hist_field(o, o->hist_underflow), hist_field(o, o->hist_overflow), -1, -1, -1, -1, -1,
			    -1 },
		.widths = { 8, (uint8_t)(o->sched_gcwaiting_size > 0 ? o->sched_gcwaiting_size : 0), 4, 0, 8, 8 },
		.funcs = { "runtime.stopTheWorldWithSema", "runtime.startTheWorldWithSema", "runtime.freezetheworld",
			   "runtime.gcstopm", "runtime.casgstatus" },
		.size = o->sched_size,
	};
}

/* The pacer: gcTrigger.test reads gcPercent (4 bytes wide) and heapLive, allocSpan memoryLimit and mappedReady,
 * gcControllerCommit memoryLimit and takes its address for a method call (1.19 to 1.27). Functions that touch
 * other globals densely (gcMarkTermination, readmemstats_m) would let runs of 8-byte fields of runtime.work or
 * memstats pass for the pacer's. */
static void gc_controller_pattern(const struct go_offsets *o, struct global_pattern *p)
{
	*p = (struct global_pattern){
		.fields = { o->gcc_gc_percent, o->gcc_memory_limit, o->gcc_heap_marked, o->gcc_heap_live,
			    o->gcc_percent_heap_goal, o->gcc_mapped_ready, -1, -1, -1, -1, -1, -1 },
		.widths = { 4, 8, 8, 8, 8, 8 },
		.funcs = { "runtime.gcTrigger.test", "runtime.(*mheap).allocSpan", "runtime.gcControllerCommit" },
		.size = o->gcc_size,
	};
}

static void from_code(const struct elf_file *ef, const struct go_offsets *o, go_func_lookup_fn find_func,
		      void *ctx, struct go_globals *out)
{
	struct code_search *s = calloc(1, sizeof(*s));
	struct global_pattern p;
	uint16_t machine = elf_file_machine(ef);

	if (!s || (machine != EM_X86_64 && machine != EM_AARCH64) || !elf_file_is_64bit(ef))
		goto out;
	s->ef = ef;
	s->find_func = find_func;
	s->ctx = ctx;
	s->arm64 = machine == EM_AARCH64;
	init_targets(ef, &s->targets);
	s->disasm.cs = capstone_get();
	if (!s->disasm.cs)
		goto out;
	if (s->disasm.cs->open(s->arm64 ? CS_ARCH_ARM64 : CS_ARCH_X86, s->arm64 ? CS_MODE_ARM : CS_MODE_64,
			       &s->disasm.handle) != CS_ERR_OK)
		goto put;
	s->disasm.cs->option(s->disasm.handle, CS_OPT_DETAIL, CS_OPT_ON);
	work_pattern(o, &p);
	if (!out->work && (out->work = derive_global(s, &p)))
		out->work_source = GO_GLOBAL_CODE;
	memstats_pattern(o, &p);
	if (!out->memstats && (out->memstats = derive_global(s, &p)))
		out->memstats_source = GO_GLOBAL_CODE;
	sched_pattern(o, &p);
	if (!out->sched && (out->sched = derive_global(s, &p)))
		out->sched_source = GO_GLOBAL_CODE;
	gc_controller_pattern(o, &p);
	if (!out->gc_controller && (out->gc_controller = derive_global(s, &p)))
		out->gc_controller_source = GO_GLOBAL_CODE;
	s->disasm.cs->close(&s->disasm.handle);
put:
	capstone_put();
out:
	free(s);
}

/* Go 1.26 links runtime.firstmoduledata alone into .go.module, which stripping keeps. */
static void firstmoduledata_from_section(const struct elf_file *ef, struct go_globals *out)
{
	struct elf_section sec;

	if (out->firstmoduledata || elf_file_find_section(ef, ".go.module", &sec) != 0 || sec.size < 8 ||
	    sec.type != SHT_PROGBITS || !sec.addr)
		return;
	out->firstmoduledata = sec.addr;
	out->firstmoduledata_source = GO_GLOBAL_SECTION;
}

int go_globals_find(const struct elf_file *ef, const struct go_offsets *o, go_func_lookup_fn find_func, void *ctx,
		    struct go_globals *out)
{
	memset(out, 0, sizeof(*out));
	if (elf_file_has_symtab(ef)) {
		from_symtab(ef, "runtime.work", o->work_size, &out->work, &out->work_source);
		from_symtab(ef, "runtime.memstats", o->memstats_size, &out->memstats, &out->memstats_source);
		from_symtab(ef, "runtime.sched", o->sched_size, &out->sched, &out->sched_source);
		from_symtab(ef, "runtime.firstmoduledata", -1, &out->firstmoduledata,
			    &out->firstmoduledata_source);
		from_symtab(ef, "runtime.gcController", o->gcc_size, &out->gc_controller, &out->gc_controller_source);
	}
	firstmoduledata_from_section(ef, out);
	if (find_func)
		from_code(ef, o, find_func, ctx, out);
	return out->work || out->memstats || out->sched || out->firstmoduledata || out->gc_controller ? 0 : -ENOENT;
}
