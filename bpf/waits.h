/* SPDX-License-Identifier: GPL-2.0 */
/* Plain structs shared by waits.bpf.c and user/waits.c: the kinds of futex and epoll waits, their per-kind
 * histograms and return-value counters, the per-stack aggregation (for wait-time profiles) and slow waits.
 *
 * Maps of waits.bpf.c, all cumulative (user space reads deltas, never clears):
 *   hists        struct bpf_hist_key {tgid, kind}  -> struct bpf_hist     time in the call (log2_hist.h)
 *   stats        struct bpf_hist_key {tgid, kind}  -> struct wait_stats   what the calls returned
 *   wait_stacks  struct wait_stack_key {tgid, kind, stack_id} -> struct wait_stack_value {count, wait_ns, ...}
 *   stacks       __u64 stack_id -> struct wait_stack: the user stack at the syscall's entry, return addresses
 *                innermost first (ips[0] is the instruction after the syscall), runtime addresses (subtract
 *                the load bias for the binary's link-time ones), zero-filled past the last frame.
 * Only calls that can sleep are in wait_stacks: futex commands that wait (FUTEX_WAIT, _BITSET, LOCK_PI, ...)
 * and epoll calls with a timeout other than 0; wakes and polls are counted by kind only.
 * A stack id is a 64-bit hash of the frames (0: no stack could be taken, or stored: the stacks_dropped
 * counter counts those), not a kernel stack-map id: the kernel's map drops a stack whose bucket is taken
 * (-EEXIST), and Go stacks at a wait continue from the scheduler into every parked goroutine's own frames, so
 * there are many.
 * A wait-time profile is wait_stacks read as samples: locations = stacks[stack_id].ips, values = {count,
 * wait_ns}. */
#ifndef GOTRACE_WAITS_H
#define GOTRACE_WAITS_H

#include "log2_hist.h"

/* futex(2) commands (linux/futex.h) after masking FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME. */
#define WAITS_FUTEX_PRIVATE_FLAG 128
#define WAITS_FUTEX_CMD_MASK 127
#define WAITS_FUTEX_CMDS 16		/* 0..13 are defined (FUTEX_WAIT .. FUTEX_LOCK_PI2); 15 holds any other */
#define WAITS_FUTEX_CMD_OTHER 15

enum waits_epoll_syscall { WAITS_EPOLL_WAIT = 0, WAITS_EPOLL_PWAIT, WAITS_EPOLL_PWAIT2, WAITS_EPOLL_SYSCALLS };

/* A kind is one histogram: futex by command and privacy, epoll by syscall and whether it could block. */
#define WAITS_KIND_FUTEX(cmd, private) ((cmd) * 2 + (private))
#define WAITS_KIND_EPOLL_BASE (WAITS_FUTEX_CMDS * 2)
#define WAITS_KIND_EPOLL(sys, nonblocking) (WAITS_KIND_EPOLL_BASE + (sys) * 2 + (nonblocking))
#define WAITS_KINDS (WAITS_KIND_EPOLL_BASE + WAITS_EPOLL_SYSCALLS * 2)

#define WAITS_RET_SLOTS 16		/* log2 slots of positive return values: slot i holds 2^(i-1) <= v < 2^i */
#define WAITS_STACK_DEPTH 32		/* runtime waits are on short g0 stacks */
#define WAITS_MAX_STACKS 32768		/* distinct stacks kept (allocated as they come) */

/* What the calls of one kind returned. A futex wait that returned 0 was woken (FUTEX_WAKE, or spuriously); a
 * futex wake returns how many threads it woke; an epoll call returns how many events are ready (0: its timeout
 * expired, or, for a non-blocking call, nothing was ready). */
struct wait_stats {
	__u64 ret_zero;
	__u64 ret_sum;			/* sum of positive returns: threads woken, events returned */
	__u64 timeouts;			/* -ETIMEDOUT */
	__u64 again;			/* -EAGAIN: the futex word changed before the thread could sleep */
	__u64 interrupted;		/* -EINTR and the kernel's restart codes: a signal (Go's SIGURG preemption) */
	__u64 errors;			/* any other negative return */
	__u64 ret_slots[WAITS_RET_SLOTS];	/* log2 of positive returns */
};

struct wait_stack {
	__u64 ips[WAITS_STACK_DEPTH];
};

struct wait_stack_key {
	__u32 tgid;
	__u32 kind;
	__u64 stack_id;
};

/* A call in progress, by thread id (the inflight map). */
struct inflight {
	__u64 start_ns;
	__u64 addr;
	__u64 stack_id;
	__u32 tgid;
	__u32 kind;
	__s32 timeout_ms;
	__u32 can_sleep;	/* has a place in wait_stacks (a stack, or stack 0 when none could be taken) */
	__u32 generation;	/* of its process's attach (events.bpf.h, targets): the exit counts for that one only */
	__u32 pad;
};

struct wait_stack_value {
	__u64 count;
	__u64 wait_ns;			/* time in the call, summed */
	__u64 timeouts;			/* futex: -ETIMEDOUT; epoll: a blocking call that returned no event */
};

/* One call at least targ_slow_ns long (--slow). */
struct wait_event {
	__u32 type;			/* EVENT_WAIT_SLOW */
	__u32 tgid;
	__u32 tid;
	__u32 kind;
	__u64 start_ns;			/* CLOCK_MONOTONIC at the syscall's entry */
	__u64 duration_ns;
	__u64 addr;			/* futex: the futex word's address; epoll: the epoll fd */
	__s64 ret;
	__u64 stack_id;
	__s32 timeout_ms;		/* epoll: the timeout argument (-1: none); futex: 1 with a timeout, else 0 */
	__u32 pad;
};

#endif
