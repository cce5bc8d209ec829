// SPDX-License-Identifier: GPL-2.0
/* futex and epoll waits of the traced processes: time in each call, what it returned, and the user stack that
 * made it, aggregated per (process, kind, stack) for user space to attribute to runtime paths.
 *
 * Where to hook: two variants of the same logic, user space picks (user/tracer/attach_kind.h).
 *  - classic syscalls:sys_{enter,exit}_<name> tracepoints (first choice): the kernel runs each program for its
 *    own syscall only, and drops every other syscall after a bitmap test. They need tracefs for their ids, and
 *    cost one program and one perf event per syscall and direction.
 *  - tp_btf on the raw sys_enter/sys_exit tracepoints (fallback: no tracefs needed): two programs, but they run
 *    for every system call of every process on the machine and compare the number themselves.
 * Measured on this project's VMs (bench/waits/README.md): with either attached, an untraced getppid costs about
 * +45 ns (tracepoints) against +135 ns (tp_btf): calling a BPF program at each entry and exit costs more than
 * the kernel's bitmap test. A traced futex call costs more with the tracepoints (the kernel builds a perf record
 * before calling the program), but other syscalls on the machine far outnumber the target's waits. Either way
 * the kernel's syscall-tracepoint work flag is set on every thread, so every syscall takes the slow entry path. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "events.bpf.h"
#include "log2_hist.bpf.h"
#include "maps.bpf.h"
#include "stacks.bpf.h"
#include "waits.h"

char LICENSE[] SEC("license") = "GPL";

const volatile bool targ_ms = false;
const volatile __u64 targ_slow_ns = 0;	/* 0: no slow events */

__u64 stacks_dropped = 0;	/* the stacks map was full: the call is counted under stack 0 */

/* System call numbers; the runtime calls epoll_pwait on every architecture it supports, never epoll_wait on
 * amd64 (arm64 has no epoll_wait at all). */
#if defined(__TARGET_ARCH_x86)
#define NR_FUTEX 202
#define NR_EPOLL_WAIT 232
#define NR_EPOLL_PWAIT 281
#define syscall_nr_at_exit(regs) ((regs)->orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define NR_FUTEX 98
#define NR_EPOLL_WAIT -1
#define NR_EPOLL_PWAIT 22
#define syscall_nr_at_exit(regs) ((regs)->syscallno)
#else
#error "waits.bpf.c: add this architecture's syscall numbers"
#endif
#define NR_EPOLL_PWAIT2 441	/* the same on every architecture (since 5.11) */

#define FUTEX_WAIT 0
#define FUTEX_LOCK_PI 6
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_LOCK_PI2 13

#define EAGAIN 11
#define EINTR 4
#define ETIMEDOUT 110
#define ERESTARTSYS 512		/* kernel-internal restart codes, seen by sys_exit before signal delivery */
#define ERESTART_RESTARTBLOCK 516

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct inflight);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64 * WAITS_KINDS);
	__type(key, struct bpf_hist_key);
	__type(value, struct bpf_hist);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64 * WAITS_KINDS);
	__type(key, struct bpf_hist_key);
	__type(value, struct wait_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WAITS_MAX_STACKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* pay for the stacks seen, not for the room */
	__type(key, __u64);
	__type(value, struct wait_stack);
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wait_stack);
} stack_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WAITS_MAX_STACKS);
	__type(key, struct wait_stack_key);
	__type(value, struct wait_stack_value);
} wait_stacks SEC(".maps");

/* The user stack at the call, stored in stacks; its id, 0 when none (stacks.bpf.h). */
static __always_inline __u64 take_stack(void *ctx)
{
	__u32 zero = 0;
	struct wait_stack *s = bpf_map_lookup_elem(&stack_scratch, &zero);

	if (!s)
		return 0;
	return stack_take(ctx, s->ips, WAITS_STACK_DEPTH, BPF_F_USER_STACK, &stacks, &stacks_dropped);
}

/* The call's process: its tgid and attach generation. */
struct caller {
	__u32 tgid;
	__u32 generation;
};

/* Only calls that can put the thread to sleep get a stack (about half the cost of tracing a call): wakes and
 * zero-timeout polls return at once, and "where threads sleep" is about the others. The stack is taken before
 * the clock is read: unwinding is not time spent waiting. */
static __always_inline void on_enter(void *ctx, struct caller c, __u32 tid, __u32 kind, __u64 addr,
				     __s32 timeout_ms, bool can_sleep)
{
	struct inflight f = { .tgid = c.tgid, .kind = kind, .addr = addr, .timeout_ms = timeout_ms,
			      .can_sleep = can_sleep, .generation = c.generation };

	f.stack_id = can_sleep ? take_stack(ctx) : 0;
	f.start_ns = bpf_ktime_get_ns();
	bpf_map_update_elem(&inflight, &tid, &f, BPF_ANY);
}

static __always_inline bool futex_cmd_sleeps(__u32 cmd)
{
	return cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_LOCK_PI || cmd == FUTEX_LOCK_PI2 ||
	       cmd == FUTEX_WAIT_REQUEUE_PI;
}

static __always_inline void futex_enter(void *ctx, struct caller c, __u32 tid, __u64 uaddr, __u64 op, __u64 utime)
{
	__u32 cmd = op & WAITS_FUTEX_CMD_MASK;
	__u32 private = (op & WAITS_FUTEX_PRIVATE_FLAG) != 0;

	if (cmd >= WAITS_FUTEX_CMDS)
		cmd = WAITS_FUTEX_CMD_OTHER;
	on_enter(ctx, c, tid, WAITS_KIND_FUTEX(cmd, private), uaddr, futex_cmd_sleeps(cmd) && utime,
		 futex_cmd_sleeps(cmd));
}

static __always_inline void epoll_enter(void *ctx, struct caller c, __u32 tid, __u32 sys, __u64 epfd,
					__s32 timeout_ms)
{
	on_enter(ctx, c, tid, WAITS_KIND_EPOLL(sys, timeout_ms == 0), epfd, timeout_ms, timeout_ms != 0);
}

/* epoll_pwait2 takes a timespec: NULL blocks, {0, 0} polls. Rounded up to whole milliseconds like the others. */
static __always_inline __s32 timespec_ms(__u64 uptr)
{
	struct __kernel_timespec ts;

	if (!uptr || bpf_probe_read_user(&ts, sizeof(ts), (void *)uptr) || ts.tv_sec < 0 || ts.tv_nsec < 0)
		return -1;
	if (ts.tv_sec > 1000000)
		return 1000000000;
	return (__u64)ts.tv_sec * 1000 + ((__u64)ts.tv_nsec + 999999) / 1000000;
}

static __always_inline bool is_interrupted(long ret)
{
	return ret == -EINTR || (ret <= -ERESTARTSYS && ret >= -ERESTART_RESTARTBLOCK);
}

static __always_inline void count_return(__u32 tgid, __u32 kind, long ret)
{
	static const struct wait_stats zero;
	struct bpf_hist_key key = { .tgid = tgid, .kind = kind };
	struct wait_stats *s = map_lookup_or_try_init(&stats, &key, &zero);

	if (!s)
		return;
	if (ret > 0) {
		__sync_fetch_and_add(&s->ret_sum, ret);
		__sync_fetch_and_add(&s->ret_slots[hist_log2_slot(ret) & (WAITS_RET_SLOTS - 1)], 1);
	} else if (ret == 0) {
		__sync_fetch_and_add(&s->ret_zero, 1);
	} else if (ret == -ETIMEDOUT) {
		__sync_fetch_and_add(&s->timeouts, 1);
	} else if (ret == -EAGAIN) {
		__sync_fetch_and_add(&s->again, 1);
	} else if (is_interrupted(ret)) {
		__sync_fetch_and_add(&s->interrupted, 1);
	} else {
		__sync_fetch_and_add(&s->errors, 1);
	}
}

static __always_inline void count_stack(const struct inflight *f, __u64 delta_ns, bool timed_out)
{
	static const struct wait_stack_value zero;
	struct wait_stack_key key = { .tgid = f->tgid, .kind = f->kind, .stack_id = f->stack_id };
	struct wait_stack_value *v = map_lookup_or_try_init(&wait_stacks, &key, &zero);

	if (!v)
		return;
	__sync_fetch_and_add(&v->count, 1);
	__sync_fetch_and_add(&v->wait_ns, delta_ns);
	if (timed_out)
		__sync_fetch_and_add(&v->timeouts, 1);
}

static __always_inline void emit_slow(const struct inflight *f, __u32 tid, __u64 delta_ns, long ret)
{
	struct wait_event *e;

	if (!targ_slow_ns || delta_ns < targ_slow_ns)
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&events_lost, 1);
		return;
	}
	e->type = EVENT_WAIT_SLOW;
	e->tgid = f->tgid;
	e->tid = tid;
	e->kind = f->kind;
	e->start_ns = f->start_ns;
	e->duration_ns = delta_ns;
	e->addr = f->addr;
	e->ret = ret;
	e->stack_id = f->stack_id;
	e->timeout_ms = f->timeout_ms;
	e->pad = 0;
	events_submit(e);
}

static __always_inline void on_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct inflight *fp = bpf_map_lookup_elem(&inflight, &tid);
	struct inflight f;
	__u64 delta;
	bool timed_out;

	if (!fp)
		return;	/* not a target's thread, or the call began before tracing did */
	f = *fp;
	bpf_map_delete_elem(&inflight, &tid);
	if (f.generation != target_generation(f.tgid))
		return;	/* its process was detached since: the maps it would count in are gone */
	delta = bpf_ktime_get_ns() - f.start_ns;
	timed_out = f.kind < WAITS_KIND_EPOLL_BASE ? ret == -ETIMEDOUT : ret == 0 && f.timeout_ms != 0;
	hist_add_ns(&hists, f.tgid, f.kind, delta, targ_ms);
	count_return(f.tgid, f.kind, ret);
	if (f.can_sleep)
		count_stack(&f, delta, timed_out);
	emit_slow(&f, tid, delta, ret);
}

/* The raw syscall tracepoints: the number is compared first, so other syscalls cost one comparison. */
static __always_inline bool is_wait_syscall(long nr)
{
	return nr == NR_FUTEX || nr == NR_EPOLL_PWAIT || nr == NR_EPOLL_WAIT || nr == NR_EPOLL_PWAIT2;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(handle_sys_enter_btf, struct pt_regs *regs, long nr)
{
	struct caller c;
	__u64 id;

	if (!is_wait_syscall(nr))
		return 0;
	id = bpf_get_current_pid_tgid();
	c.tgid = id >> 32;
	c.generation = target_generation(c.tgid);
	if (!c.generation)
		return 0;
	if (nr == NR_FUTEX)
		futex_enter(ctx, c, id, PT_REGS_PARM1_CORE_SYSCALL(regs), PT_REGS_PARM2_CORE_SYSCALL(regs),
			    PT_REGS_PARM4_CORE_SYSCALL(regs));
	else if (nr == NR_EPOLL_PWAIT2)
		epoll_enter(ctx, c, id, WAITS_EPOLL_PWAIT2, PT_REGS_PARM1_CORE_SYSCALL(regs),
			    timespec_ms(PT_REGS_PARM4_CORE_SYSCALL(regs)));
	else
		epoll_enter(ctx, c, id, nr == NR_EPOLL_PWAIT ? WAITS_EPOLL_PWAIT : WAITS_EPOLL_WAIT,
			    PT_REGS_PARM1_CORE_SYSCALL(regs), (__s32)PT_REGS_PARM4_CORE_SYSCALL(regs));
	return 0;
}

/* Runs at every syscall exit on the machine: the number is a plain load through the typed pointer (a helper
 * call such as bpf_probe_read_kernel would cost more than everything else here). */
SEC("tp_btf/sys_exit")
int BPF_PROG(handle_sys_exit_btf, struct pt_regs *regs, long ret)
{
	if (is_wait_syscall(syscall_nr_at_exit(regs)))
		on_exit(ret);
	return 0;
}

/* Classic per-syscall tracepoints: the kernel runs each program for its syscall only. They return 1: a
 * tracepoint program that returns 0 makes the kernel drop the event for every perf user of that tracepoint
 * (perf trace, perf record -e syscalls:...), not only for gotrace. */
#define KEEP_EVENT_FOR_PERF 1
#define CLASSIC_ENTER(name, body)                                               \
	SEC("tp/syscalls/sys_enter_" #name)                                     \
	int handle_enter_##name##_tp(struct syscall_trace_enter *ctx)           \
	{                                                                       \
		__u64 id = bpf_get_current_pid_tgid();                          \
		__u32 tid = id;                                                 \
		struct caller c = { id >> 32, target_generation(id >> 32) };    \
                                                                                \
		if (c.generation)                                               \
			body;                                                   \
		return KEEP_EVENT_FOR_PERF;                                     \
	}                                                                       \
	SEC("tp/syscalls/sys_exit_" #name)                                      \
	int handle_exit_##name##_tp(struct syscall_trace_exit *ctx)             \
	{                                                                       \
		on_exit(ctx->ret);                                              \
		return KEEP_EVENT_FOR_PERF;                                     \
	}

CLASSIC_ENTER(futex, futex_enter(ctx, c, tid, ctx->args[0], ctx->args[1], ctx->args[3]))
CLASSIC_ENTER(epoll_wait, epoll_enter(ctx, c, tid, WAITS_EPOLL_WAIT, ctx->args[0], (__s32)ctx->args[3]))
CLASSIC_ENTER(epoll_pwait, epoll_enter(ctx, c, tid, WAITS_EPOLL_PWAIT, ctx->args[0], (__s32)ctx->args[3]))
CLASSIC_ENTER(epoll_pwait2, epoll_enter(ctx, c, tid, WAITS_EPOLL_PWAIT2, ctx->args[0], timespec_ms(ctx->args[3])))
