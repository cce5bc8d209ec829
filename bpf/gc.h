/* SPDX-License-Identifier: GPL-2.0 */
/* Plain structs and constants shared by gc.bpf.c and user/gc.c: per-target configuration and the pause event. */
#ifndef GOTRACE_GC_H
#define GOTRACE_GC_H

#define GC_REASON_LEN 32	/* a power of two: the BPF side masks lengths with it */

/* How a Go version exposes its stop-the-world timing (see user/gc.c for the per-version story). */
enum gc_abi {
	GC_ABI_WORK_GLOBALS = 1,	/* 1.19-1.21: pause start/end in runtime.work, reason string in m.preemptoff */
	GC_ABI_STW_ARGS = 2,		/* 1.22+: startTheWorldWithSema(now, worldStop{reason, startedStopping, ...}) */
};

/* Go's stwReason values of the GC's stops as of 1.21-1.27; user space reads each binary's own from its
 * runtime.stwReasonStrings (gobin/go_stw_reasons.h) and configures them per target. */
#define GO_STW_GC_MARK_TERM 1
#define GO_STW_GC_SWEEP_TERM 2

/* Per traced process (key: tgid). Addresses are runtime addresses (link-time address + load bias); 0 = unknown. */
struct gc_target {
	__u32 abi;
	__u8 reason_mark_term;		/* the stwReason values of the GC's stops (GC_ABI_STW_ARGS) */
	__u8 reason_sweep_term;
	__u16 pad;
	__u64 work_addr;
	__u64 memstats_addr;
	__u16 off_g_m;
	__u16 off_m_preemptoff;
	__u16 off_work_pause_start;
	__u16 off_work_t_sweep_term;
	__u16 off_work_t_mark_term;
	__u16 off_work_t_end;
	__u16 off_memstats_numgc;
	__u16 off_memstats_pause_ns;
};

enum stw_kind {
	STW_KIND_OTHER = 0,
	STW_KIND_SWEEP_TERM = 1,
	STW_KIND_MARK_TERM = 2,
};

/* Event flags. */
#define STW_F_RUNTIME_TIMES	(1u << 0)	/* start and end are the runtime's own timestamps */
#define STW_F_CYCLE_END		(1u << 1)	/* final mark termination: the GC cycle is complete */
#define STW_F_HAVE_NUMGC	(1u << 2)	/* numgc was read from the runtime */
#define STW_F_HAVE_CYCLE_PAUSE	(1u << 3)	/* cycle_pause_ns is the runtime's memstats.pause_ns of the cycle */
#define STW_F_HAVE_CYCLE_START	(1u << 4)	/* cycle_start_ns is the runtime's work.tSweepTerm */
#define STW_F_START_UNKNOWN	(1u << 5)	/* the stop was not seen (attached mid-pause): duration unknown */

struct stw_event {
	__u32 type;		/* EVENT_STW */
	__u32 pid;
	__u32 tid;
	__u32 kind;		/* enum stw_kind */
	__u32 go_reason;	/* Go's stwReason (1.21+), 0 when only the string is known */
	__u32 flags;
	__u64 start_ns;		/* CLOCK_MONOTONIC, the clock of Go's nanotime() */
	__u64 end_ns;
	__u64 numgc;		/* completed GC cycles when the world restarted (runtime memstats.numgc) */
	__u64 cycle_pause_ns;
	__u64 cycle_start_ns;
	char reason[GC_REASON_LEN];	/* the runtime's reason string on 1.19-1.21 (m.preemptoff), else "" */
};

#endif
