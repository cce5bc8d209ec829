/* SPDX-License-Identifier: GPL-2.0 */
/* Offsets of the Go runtime struct fields gotrace's probes read (runtime.g, m, workType, mstats, schedt). */
#ifndef GOTRACE_GO_OFFSETS_H
#define GOTRACE_GO_OFFSETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GO_OFFSETS_MAX_FIELDS 64

/* Where a layout fact came from, best first. */
enum layout_source {
	LAYOUT_UNKNOWN = 0,
	LAYOUT_DWARF,		/* the binary's own debug information */
	LAYOUT_TABLE,		/* gotrace's table for this Go release (docs/go-layouts.md) */
	LAYOUT_TABLE_NEWEST,	/* a release newer than the table: the newest known release's layout, used only once the
				 * machine code confirms it and the live process verifies it */
	LAYOUT_FUNCTAB,		/* the pclntab's function table (names, sizes of arguments) */
	LAYOUT_CODE,		/* the machine code, two independent derivations agreeing */
	LAYOUT_DATA,		/* the runtime's own tables in the binary's data (e.g. stwReasonStrings) */
};

/* Byte offsets inside the named struct, sizes in bytes, -1 when unknown (the field does not exist in that Go
 * version, or the DWARF lacks it). Nested paths (g.sched.sp) are offsets from the start of the outer struct. */
struct go_offsets {
	/* runtime.g: the goroutine */
	int32_t g_m;			/* *m running it */
	int32_t g_sched_sp;		/* sched.sp: saved stack pointer (gobuf) */
	int32_t g_atomicstatus;		/* uint32: _Grunnable=1, _Grunning=2 ... (| _Gscan 0x1000) */
	int32_t g_goid;			/* int64 until 1.19, uint64 from 1.20 */
	int32_t g_waitreason;		/* uint8 waitReason */
	int32_t g_tracking;		/* bool: this g's scheduling latency is sampled */
	int32_t g_tracking_stamp;	/* int64 nanotime when it became runnable (1.17-1.20: runnableStamp) */
	int32_t g_runnable_time;	/* int64 runnable time accumulated before the last stamp */
	int32_t g_size;
	/* runtime.m: the OS thread */
	int32_t m_g0;			/* *g of its system stack */
	int32_t m_procid;		/* uint64 thread id (TID on Linux) */
	int32_t m_curg;			/* *g running on it, nil on g0 */
	int32_t m_id;			/* int64 */
	int32_t m_preemptoff;		/* Go string: data pointer here, length at +8 */
	int32_t m_size;
	/* runtime.workType (global runtime.work): the current GC cycle; times are nanotime() */
	int32_t work_cycles;		/* uint32 (atomic.Uint32 from 1.20): GC cycles started */
	int32_t work_stwprocs;		/* int32 */
	int32_t work_maxprocs;		/* int32 */
	int32_t work_tsweepterm;	/* int64 */
	int32_t work_tmark;		/* int64 */
	int32_t work_tmarkterm;		/* int64 */
	int32_t work_tend;		/* int64 */
	int32_t work_pausens;		/* int64 total STW of the cycle so far */
	int32_t work_pausestart;	/* int64 start of the current STW (gone from 1.22: worldStop) */
	int32_t work_size;
	/* runtime.mstats (global runtime.memstats) */
	int32_t memstats_pause_total_ns;	/* uint64 */
	int32_t memstats_pause_ns;		/* [256]uint64 circular, indexed (numgc+255)%256 for the last */
	int32_t memstats_pause_end;		/* [256]uint64 unix ns */
	int32_t memstats_numgc;			/* uint32 */
	int32_t memstats_last_gc_nanotime;	/* uint64 */
	int32_t memstats_last_gc_unix;		/* uint64 unix ns of the last GC's end */
	int32_t memstats_numforcedgc;		/* uint32 cycles forced by runtime.GC() */
	int32_t memstats_enablegc;		/* bool */
	int32_t memstats_gc_cpu_fraction;	/* float64: the GC's share of the CPU since the program started */
	int32_t memstats_size;
	/* runtime.gcControllerState (global runtime.gcController): the pacer; atomics hold their value at offset 0 */
	int32_t gcc_gc_percent;		/* int32 GOGC (atomic.Int32 from 1.19); -1 = off */
	int32_t gcc_memory_limit;	/* int64 GOMEMLIMIT in bytes (atomic.Int64, 1.19+); math.MaxInt64 = unset */
	int32_t gcc_heap_marked;	/* uint64 bytes marked live by the last cycle */
	int32_t gcc_heap_live;		/* uint64 bytes in live spans now (atomic.Uint64 from 1.20) */
	int32_t gcc_percent_heap_goal;	/* uint64 (atomic) the GOGC heap goal; heapGoal() takes the lower of it and
					 * the memory-limit goal */
	int32_t gcc_mapped_ready;	/* uint64 (atomic) memory mapped and ready to use (1.19+) */
	int32_t gcc_size;
	/* runtime.schedt (global runtime.sched) */
	int32_t sched_lock;		/* runtime mutex (helps locate runtime.sched in stripped binaries) */
	int32_t sched_gcwaiting;	/* uint32 until 1.19, 1-byte atomic.Bool from 1.20 */
	int32_t sched_gcwaiting_size;
	int32_t sched_stopwait;		/* int32 */
	int32_t sched_time_to_run;	/* timeHistogram of runnable->running latency (sampled) */
	int32_t sched_size;
	/* runtime.timeHistogram: offsets inside it; counts[] are uint64, layout per hist_scheme */
	int32_t hist_counts;
	int32_t hist_nbuckets;		/* length of counts[] */
	int32_t hist_underflow;		/* uint64: negative durations */
	int32_t hist_overflow;		/* uint64, -1 when the last bucket absorbs overflow (1.17-1.19) */
	int32_t hist_size;
	/* the shape of the stop-the-world functions the GC probes read arguments of */
	int32_t stw_start_args;		/* bytes of startTheWorldWithSema's arguments (0 or 8 up to 1.21; 24, 40 ...
					 * from 1.22, when it takes (now int64, w worldStop)) */
	int32_t worldstop_reason;	/* runtime.worldStop (1.22+): uint8 stwReason */
	int32_t worldstop_started;	/* int64 nanotime the stop began (startedStopping; 1.22: start) */

	/* Where each field came from (enum layout_source, indexed like go_offsets_field_name). */
	uint8_t source[GO_OFFSETS_MAX_FIELDS];
	bool from_dwarf;		/* some fields came from DWARF */
	bool table_verified;		/* the table entry was checked against a real binary's DWARF */
	int table_minor;		/* the release whose table entry was used (0: none) */
	int table_disagreements;	/* fields DWARF has that the table states differently (a cross-check) */
};

/* The two timeHistogram bucket schemes (runtime/histogram.go). */
enum go_timehist_scheme {
	GO_TIMEHIST_UNKNOWN,
	GO_TIMEHIST_SUPER45,	/* 1.17-1.19: 45 power-of-two super buckets x 16 linear sub-buckets, from 0 ns */
	GO_TIMEHIST_MIN9,	/* 1.20+: 4 sub-buckets per power of two from 2^8 ns; bucket 0 is [0, 256) */
};

/* Reads the layouts from the binary's DWARF (.debug_info, compressed or not). Fields the DWARF lacks stay -1.
 * 0; -ENOENT when the file has no DWARF or no runtime.g in it; -ENOEXEC malformed; -errno opening it. */
int go_offsets_from_dwarf(const char *path, struct go_offsets *o);
/* The same from an ELF image in memory (fuzzers, tests). */
int go_offsets_from_dwarf_mem(const void *data, size_t size, struct go_offsets *o);

/* The built-in table for Go major.minor (any patch release). 0; -ENOTSUP for a version the table does not know. */
int go_offsets_from_table(int major, int minor, bool arm64, struct go_offsets *o);

/* DWARF when the binary has it, each field DWARF lacks taken from the table; the table alone otherwise. A
 * release newer than the table takes the newest table entry (LAYOUT_TABLE_NEWEST). Each field's source is recorded.
 * 0; -ENOTSUP when there is no DWARF and the version is older than the table or not Go 1. */
int go_offsets_resolve(const char *path, int major, int minor, bool arm64, struct go_offsets *o);

/* The newest Go 1.minor the table knows. */
int go_offsets_table_newest(void);
const char *layout_source_name(enum layout_source s);

/* Marks every field unknown. */
void go_offsets_init(struct go_offsets *o);

enum go_timehist_scheme go_timehist_scheme(int major, int minor);
/* Bounds [*lo, *hi) in ns of counts[i] (*hi = UINT64_MAX for an open last bucket). 0, or -EINVAL. */
int go_timehist_bucket(enum go_timehist_scheme scheme, uint32_t i, uint64_t *lo, uint64_t *hi);

/* Every field by name ("g.sched.sp", "work.tSweepTerm"...), for printing and comparing layouts. */
size_t go_offsets_nfields(void);
const char *go_offsets_field_name(size_t i);
int32_t go_offsets_field(const struct go_offsets *o, size_t i);
enum layout_source go_offsets_source(const struct go_offsets *o, size_t i);
/* The source of one field given by its address inside o (&o->memstats_numgc). */
enum layout_source go_offsets_source_of(const struct go_offsets *o, const int32_t *field);

#endif
