/* SPDX-License-Identifier: GPL-2.0 */
/* Plain structs shared by sampler.bpf.c and user/profile/sampler.c: stacks sampled in BPF and aggregated there by
 * (process, thread, kind, user stack, kernel stack).
 *
 * Maps of sampler.bpf.c, read once by user space at the end of a profile:
 *   samples  struct stack_key -> struct stack_count   how often, and for how long, each stack was seen
 *   stacks   __u64 stack id   -> struct stack_trace   PCs innermost first, zero-filled past the last one
 * A stack id is a 64-bit hash of the PCs (0: no stack), so that no sample loses its stack to a full bucket, as
 * with the kernel's stack-trace maps (-EEXIST); user and kernel stacks share the map. */
#ifndef GOTRACE_PROFILE_SAMPLE_H
#define GOTRACE_PROFILE_SAMPLE_H

#define PROFILE_STACK_DEPTH 127		/* the kernel's default perf_event_max_stack */
#define PROFILE_MAX_STACKS 16384	/* distinct stacks kept (preallocated: 17 MiB) */
#define PROFILE_MAX_SAMPLES 65536	/* distinct (thread, kind, stacks): 5 MiB */
#define PROFILE_COMM_LEN 16

enum stack_kind {
	STACK_CPU = 0,		/* a cpu-clock sample: count */
	STACK_OFFCPU_BLOCKED,	/* off CPU asleep, from switch-out to wakeup: count, ns */
	STACK_OFFCPU_RUNNABLE,	/* off CPU but runnable (preempted, or woken and waiting for a CPU): count, ns */
	STACK_GC_START,		/* runtime.gcStart: this goroutine started a GC cycle */
	STACK_GC_ASSIST,	/* runtime.gcAssistAlloc: this goroutine had to help the GC mark */
	STACK_KINDS,
};

struct stack_key {
	__u32 tgid;
	__u32 tid;
	__u32 kind;		/* enum stack_kind */
	__u32 pad;
	__u64 user_stack;	/* stack id, 0: none */
	__u64 kernel_stack;
	/* Probes at a function's entry: the return address, which frame-pointer unwinding misses there (the
	 * function has not pushed its frame yet); it goes between the leaf and user_stack's second PC. 0 else. */
	__u64 caller_pc;
};

struct stack_count {
	__u64 count;
	__u64 ns;		/* off-CPU kinds: time; others 0 */
	char comm[PROFILE_COMM_LEN];	/* the thread's name when first seen */
};

struct stack_trace {
	__u64 pcs[PROFILE_STACK_DEPTH];
};

#endif
