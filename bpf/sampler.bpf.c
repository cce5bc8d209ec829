// SPDX-License-Identifier: GPL-2.0
/* Stack profiles of the traced processes, aggregated in BPF by (process, thread, kind, user stack, kernel
 * stack), for `gotrace flame`:
 *  - cpu: a perf_event program on the cpu-clock software event of every CPU (works in VMs without a PMU);
 *  - offcpu: sched_switch takes the stacks of a target thread going off CPU; the time until sched_wakeup counts
 *    as blocked, the time until it runs again as runnable (preempted, or woken and waiting for a CPU). tp_btf
 *    where the kernel has it, classic tracepoints (which need tracefs) otherwise; user/tracer/attach_kind.h picks;
 *  - gc: uprobes at the entry of runtime.gcStart and runtime.gcAssistAlloc, which run on the goroutine that
 *    started a cycle or must help mark: what allocates. Both are hit at most a few times per cycle and
 *    goroutine (each assist pays off a large debt), never per allocation.
 * User space autoloads only the programs of the profile asked for. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "events.bpf.h"
#include "maps.bpf.h"
#include "sampler.h"
#include "stacks.bpf.h"
#include "task_state.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile bool targ_kernel_stacks = true;

__u64 samples_dropped = 0;	/* the samples map was full */
__u64 stacks_dropped = 0;	/* the stacks map was full: the sample is kept without that stack */
__u64 probe_hits = 0;		/* uprobe hits of the gc profile, for its cost */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROFILE_MAX_SAMPLES);
	__type(key, struct stack_key);
	__type(value, struct stack_count);
} samples SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	/* Preallocated: a cpu-clock sample runs in interrupt context, where allocating an element fails now and
	 * then (-ENOMEM) and the stack would be lost. */
	__uint(max_entries, PROFILE_MAX_STACKS);
	__type(key, __u64);
	__type(value, struct stack_trace);
} stacks SEC(".maps");

/* One buffer per program family and CPU: a perf_event program may fire while a uprobe program runs. */
enum scratch_slot { SCRATCH_CPU, SCRATCH_SCHED, SCRATCH_UPROBE, SCRATCH_SLOTS };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SCRATCH_SLOTS);
	__type(key, __u32);
	__type(value, struct stack_trace);
} scratch SEC(".maps");

/* A target thread off CPU: since when, why, and the stacks it left with. */
struct offcpu_state {
	__u64 since_ns;
	__u64 user_stack, kernel_stack;
	__u32 tgid;
	__u32 runnable;
	__u32 generation;	/* of its process's attach (events.bpf.h, targets): another attach's state is stale */
	__u32 pad;
	char comm[PROFILE_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);	/* tid */
	__type(value, struct offcpu_state);
} offcpu SEC(".maps");

/* The current task's user or kernel stack, stored in stacks; its id, 0 when none (stacks.bpf.h). */
static __always_inline __u64 take_stack(void *ctx, enum scratch_slot slot, __u64 flags)
{
	__u32 key = slot;
	struct stack_trace *st = bpf_map_lookup_elem(&scratch, &key);

	if (!st)
		return 0;
	return stack_take(ctx, st->pcs, PROFILE_STACK_DEPTH, flags, &stacks, &stacks_dropped);
}

static __always_inline void count(const struct stack_key *key, __u64 ns, const char *comm)
{
	struct stack_count fresh = {};
	struct stack_count *c;

	__builtin_memcpy(fresh.comm, comm, sizeof(fresh.comm));
	c = map_lookup_or_try_init(&samples, key, &fresh);
	if (!c) {
		__sync_fetch_and_add(&samples_dropped, 1);
		return;
	}
	__sync_fetch_and_add(&c->count, 1);
	if (ns)
		__sync_fetch_and_add(&c->ns, ns);
}

/* ---- cpu ---- */

SEC("perf_event")
int handle_cpu_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct stack_key key = { .tgid = id >> 32, .tid = (__u32)id, .kind = STACK_CPU };
	char comm[PROFILE_COMM_LEN];

	if (!key.tgid || !is_target(key.tgid))
		return 0;
	key.user_stack = take_stack(ctx, SCRATCH_CPU, BPF_F_USER_STACK);
	if (targ_kernel_stacks)
		key.kernel_stack = take_stack(ctx, SCRATCH_CPU, 0);
	bpf_get_current_comm(comm, sizeof(comm));
	count(&key, 0, comm);
	return 0;
}

/* ---- offcpu ---- */

/* prev is the current task: its stacks are the ones bpf_get_stack sees. */
static __always_inline void offcpu_switch_out(void *ctx, __u32 tgid, __u32 generation, __u32 tid, bool runnable,
					     __u64 now)
{
	struct offcpu_state st = { .since_ns = now, .tgid = tgid, .runnable = runnable, .generation = generation };

	st.user_stack = take_stack(ctx, SCRATCH_SCHED, BPF_F_USER_STACK);
	if (targ_kernel_stacks)
		st.kernel_stack = take_stack(ctx, SCRATCH_SCHED, 0);
	bpf_get_current_comm(st.comm, sizeof(st.comm));
	bpf_map_update_elem(&offcpu, &tid, &st, BPF_ANY);
}

static __always_inline void offcpu_count(const struct offcpu_state *st, __u32 tid, __u64 now)
{
	struct stack_key key = { .tgid = st->tgid, .tid = tid, .user_stack = st->user_stack,
				 .kernel_stack = st->kernel_stack };

	key.kind = st->runnable ? STACK_OFFCPU_RUNNABLE : STACK_OFFCPU_BLOCKED;
	count(&key, now - st->since_ns, st->comm);
}

/* A blocked thread woken up: its blocked time ends, its wait for a CPU begins (same stacks). generation: of the
 * thread's process, 0 when unknown (attach_is_current). */
static __always_inline void offcpu_wakeup(__u32 tid, __u32 generation)
{
	struct offcpu_state *st = bpf_map_lookup_elem(&offcpu, &tid);
	__u64 now;

	if (!st || st->runnable || !attach_is_current(st->generation, st->tgid, generation))
		return;
	now = bpf_ktime_get_ns();
	offcpu_count(st, tid, now);
	st->since_ns = now;
	st->runnable = 1;
}

/* Only threads recorded at their switch-out are looked at: that is the filter for next. */
static __always_inline void offcpu_switch_in(__u32 tid, __u32 generation, __u64 now)
{
	struct offcpu_state *st = bpf_map_lookup_elem(&offcpu, &tid);

	if (!st)
		return;
	if (attach_is_current(st->generation, st->tgid, generation))
		offcpu_count(st, tid, now);
	bpf_map_delete_elem(&offcpu, &tid);
}

/* Runs at every context switch on the machine: plain loads through the typed pointers, the targets filter
 * first, the clock only when a traced thread is involved. */
SEC("tp_btf/sched_switch")
int BPF_PROG(handle_offcpu_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u32 prev_tgid = prev->tgid;
	__u32 prev_generation = prev_tgid ? target_generation(prev_tgid) : 0;
	__u32 next_generation = target_generation(next->tgid);
	__u64 now;

	if (!prev_generation && !next_generation)
		return 0;
	now = bpf_ktime_get_ns();
	if (prev_generation)
		offcpu_switch_out(ctx, prev_tgid, prev_generation, prev->pid, task_state(prev) == 0, now);
	if (next_generation)
		offcpu_switch_in(next->pid, next_generation, now);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(handle_offcpu_wakeup_btf, struct task_struct *p)
{
	__u32 generation = target_generation(p->tgid);

	if (generation)
		offcpu_wakeup(p->pid, generation);
	return 0;
}

SEC("tp/sched/sched_switch")
int handle_offcpu_switch_tp(struct trace_event_raw_sched_switch *ctx)
{
	__u32 prev_tgid = bpf_get_current_pid_tgid() >> 32;	/* prev is the current task */
	__u32 generation = prev_tgid ? target_generation(prev_tgid) : 0;
	__u64 now = bpf_ktime_get_ns();

	/* not ctx->prev_state: the tracepoint reports a preempted task as TASK_REPORT_MAX, not running */
	if (generation)
		offcpu_switch_out(ctx, prev_tgid, generation, ctx->prev_pid,
				  task_state(bpf_get_current_task_btf()) == 0, now);
	offcpu_switch_in(ctx->next_pid, 0, now);
	return TRACEPOINT_PASS;
}

SEC("tp/sched/sched_wakeup")
int handle_offcpu_wakeup_tp(struct trace_event_raw_sched_wakeup_template *ctx)
{
	offcpu_wakeup(ctx->pid, 0);
	return TRACEPOINT_PASS;
}

/* ---- gc ---- */

/* At a function's entry the return address is still where the call left it. */
static __always_inline __u64 entry_return_address(struct pt_regs *ctx)
{
#if defined(__TARGET_ARCH_x86)
	__u64 ra = 0;

	bpf_probe_read_user(&ra, sizeof(ra), (const void *)PT_REGS_SP(ctx));
	return ra;
#elif defined(__TARGET_ARCH_arm64)
	return ctx->regs[30];	/* the link register */
#else
#error "sampler.bpf.c: add this architecture's return address at function entry"
#endif
}

static __always_inline void gc_sample(struct pt_regs *ctx, enum stack_kind kind)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct stack_key key = { .tgid = id >> 32, .tid = (__u32)id, .kind = kind };
	char comm[PROFILE_COMM_LEN];

	__sync_fetch_and_add(&probe_hits, 1);
	if (!is_target(key.tgid))
		return;
	key.user_stack = take_stack(ctx, SCRATCH_UPROBE, BPF_F_USER_STACK);
	key.caller_pc = entry_return_address(ctx);
	bpf_get_current_comm(comm, sizeof(comm));
	count(&key, 0, comm);
}

SEC("uprobe")
int handle_gc_start(struct pt_regs *ctx)
{
	gc_sample(ctx, STACK_GC_START);
	return 0;
}

SEC("uprobe")
int handle_gc_assist(struct pt_regs *ctx)
{
	gc_sample(ctx, STACK_GC_ASSIST);
	return 0;
}
