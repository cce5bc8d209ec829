/* SPDX-License-Identifier: GPL-2.0 */
/* Plain structs shared by sched.bpf.c and user/sched.c: the kinds of its per-process histograms (hist.h),
 * throttling transitions and slow run-queue waits. */
#ifndef GOTRACE_SCHED_H
#define GOTRACE_SCHED_H

#include "log2_hist.h"

enum sched_hist_kind {
	SCHED_RUNQ = 0,		/* runnable -> running: after a wakeup, a preemption or a throttle */
	SCHED_OFFCPU_PREEMPTED,	/* off CPU while runnable, preempted by another task */
	SCHED_OFFCPU_THROTTLED,	/* off CPU while runnable, held by CFS bandwidth control (cgroup CPU quota) */
	SCHED_OFFCPU_BLOCKED,	/* off CPU while sleeping (futex, epoll, I/O): from switch-out to wakeup (enqueue) */
	SCHED_HIST_KINDS,
};

/* A traced thread's state between a switch-out (or, classic tracepoints, a wakeup) and its next switch-in (the
 * threads map, by tid). */
struct thread_state {
	__u64 since_ns;
	__u64 run_delay;	/* tp_btf: the kernel's run-queue time of the thread at the switch-out (sched_info) */
	__u32 why;		/* enum thread_why (sched.bpf.c) */
	__u32 tgid;
	__u32 generation;	/* of its process's attach (events.bpf.h, targets): another attach's state is stale */
	__u32 pad;
};

/* The process went from no throttled thread to one (begin = 1), or back to none (begin = 0). */
struct throttle_event {
	__u32 type;		/* EVENT_THROTTLE */
	__u32 tgid;
	__u32 tid;		/* the thread that opened or closed the interval */
	__u32 begin;
	__u64 time_ns;
};

/* A run-queue wait at least targ_slow_ns long. */
struct runq_event {
	__u32 type;		/* EVENT_RUNQ_SLOW */
	__u32 tgid;
	__u32 tid;
	__u32 cause;		/* enum sched_hist_kind of the off-CPU part: 0 after a wakeup */
	__u64 start_ns;		/* runnable since */
	__u64 delay_ns;
	__u32 cpu;
	__u32 pad;
};

#endif
