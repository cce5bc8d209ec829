// SPDX-License-Identifier: GPL-2.0
/* Thread scheduling of the traced processes: run-queue delay (runqlat), off-CPU time split into preempted,
 * throttled and blocked, and the intervals when CFS bandwidth control (a cgroup CPU quota) held a thread.
 *
 * Two attach variants of the same logic; user space picks (user/tracer/attach_kind.h):
 *   tp_btf      sched_switch only, with typed task_struct arguments: a wait's length is read at the switch-in
 *               from the kernel's own run-queue accounting (sched_info), so no program runs at wakeups (a
 *               third of this capability's runs under a busy server);
 *   tracepoint  classic sched_switch and sched_wakeup(_new): a wait runs from the wakeup or preempting switch-out
 *               to the switch-in, as runqlat measures it; a thread is recognised as the target's after its first
 *               switch-out, because those tracepoints carry thread ids but no process ids. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "events.bpf.h"
#include "log2_hist.bpf.h"
#include "maps.bpf.h"
#include "sched.h"
#include "task_state.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile bool targ_ms = false;
const volatile __u64 targ_slow_ns = 0;	/* 0: no slow events */

enum thread_why { WHY_WOKEN = 0, WHY_PREEMPTED, WHY_THROTTLED, WHY_BLOCKED };

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);	/* tid */
	__type(value, struct thread_state);
} threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096 * SCHED_HIST_KINDS);
	__type(key, struct bpf_hist_key);
	__type(value, struct bpf_hist);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);	/* tgid */
	__type(value, __s64);	/* threads currently held by throttling */
} throttled_threads SEC(".maps");

/* Before 6.18, cfs_rq.throttled was an int (6.18 made it a one-bit field, alongside the per-task flag). */
struct cfs_rq___int_throttled {
	int throttled;
} __attribute__((preserve_access_index));

/* Is this runnable task being switched out because its cgroup ran out of CPU quota? Since 6.18 a throttled
 * task is dequeued on its way back to user space and flagged (task_struct.throttled); before, its group's
 * per-CPU run queue was flagged (cfs_rq.throttled). Kernels without CONFIG_CFS_BANDWIDTH have neither. */
static __always_inline bool task_throttled(struct task_struct *t)
{
	struct cfs_rq___int_throttled *cfs_rq;

	if (bpf_core_field_exists(t->throttled))
		return BPF_CORE_READ(t, throttled);
	if (!bpf_core_field_exists(struct cfs_rq___int_throttled, throttled))
		return false;
	cfs_rq = (void *)BPF_CORE_READ(t, se.cfs_rq);
	return cfs_rq && BPF_CORE_READ(cfs_rq, throttled);
}

static __always_inline void hist_add(__u32 tgid, __u32 kind, __u64 delta_ns)
{
	hist_add_ns(&hists, tgid, kind, delta_ns, targ_ms);
}

static __always_inline void emit_throttle(__u32 tgid, __u32 tid, __u32 begin, __u64 now)
{
	struct throttle_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		__sync_fetch_and_add(&events_lost, 1);
		return;
	}
	e->type = EVENT_THROTTLE;
	e->tgid = tgid;
	e->tid = tid;
	e->begin = begin;
	e->time_ns = now;
	events_submit(e);
}

static __always_inline void count_throttled(__u32 tgid, __u32 tid, __s64 delta, __u64 now)
{
	static const __s64 zero;
	__s64 *n = map_lookup_or_try_init(&throttled_threads, &tgid, &zero);
	__s64 before;

	if (!n)
		return;
	before = __sync_fetch_and_add(n, delta);
	if (delta > 0 && before == 0)
		emit_throttle(tgid, tid, 1, now);
	else if (delta < 0 && before == 1)
		emit_throttle(tgid, tid, 0, now);
}

static __always_inline void emit_slow(__u32 tgid, __u32 tid, __u32 cause, __u64 since, __u64 delay)
{
	struct runq_event *e;

	if (!targ_slow_ns || delay < targ_slow_ns)
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&events_lost, 1);
		return;
	}
	e->type = EVENT_RUNQ_SLOW;
	e->tgid = tgid;
	e->tid = tid;
	e->cause = cause;
	e->start_ns = since;
	e->delay_ns = delay;
	e->cpu = bpf_get_smp_processor_id();
	e->pad = 0;
	events_submit(e);
}

/* A state of this attach of the process, or NULL: one an earlier attach left is stale (events.bpf.h, targets). */
static __always_inline struct thread_state *current_state(__u32 tid, __u32 generation)
{
	struct thread_state *st = bpf_map_lookup_elem(&threads, &tid);

	return st && st->generation == generation ? st : NULL;
}

/* run_delay: the kernel's run-queue time of the thread so far (tp_btf; 0 with classic tracepoints). */
static __always_inline void on_switch_out(__u32 tgid, __u32 generation, __u32 tid, bool runnable, bool throttled,
					  __u64 run_delay, __u64 now)
{
	struct thread_state st = { .since_ns = now, .run_delay = run_delay, .tgid = tgid, .generation = generation };

	st.why = !runnable ? WHY_BLOCKED : throttled ? WHY_THROTTLED : WHY_PREEMPTED;
	bpf_map_update_elem(&threads, &tid, &st, BPF_ANY);
	if (st.why == WHY_THROTTLED)
		count_throttled(tgid, tid, 1, now);
}

/* A run-queue wait that ends at this switch-in, by its cause (st->why: how the thread left the CPU); the thread's
 * state is done with. */
static __always_inline void count_runq_wait(struct thread_state *st, __u32 tid, __u64 wait, __u64 now)
{
	__u32 cause = st->why == WHY_PREEMPTED ? SCHED_OFFCPU_PREEMPTED
		: st->why == WHY_THROTTLED ? SCHED_OFFCPU_THROTTLED : 0;

	hist_add(st->tgid, SCHED_RUNQ, wait);
	if (cause)
		hist_add(st->tgid, cause, wait);
	if (st->why == WHY_THROTTLED)
		count_throttled(st->tgid, tid, -1, now);
	emit_slow(st->tgid, tid, cause, now - wait, wait);
	bpf_map_delete_elem(&threads, &tid);
}

/* ktime (bpf_ktime_get_ns) minus this CPU's run-queue clock (rq->clock, the clock of sched_info.last_queued).
 * Each switch shows it plus the time since __schedule last updated that clock: a few steps of __schedule (about
 * 1 us here), or much more where the kernel skipped the update (after a wakeup that preempts the running task it
 * keeps the wakeup's clock: RQCF_ACT_SKIP). So the offset is the smallest seen over the last 50-100 ms (two
 * windows), which follows the slow drift between the two clocks (NTP's frequency corrections) without the stale
 * readings. The run queue is reached through next's CFS run queue (task_rq(next) is this CPU's: set_task_rq()
 * keeps se.cfs_rq on the task's CPU), not the per-CPU runqueues variable, which is not in kallsyms without
 * CONFIG_KALLSYMS_ALL and so cannot be a __ksym there; without CONFIG_FAIR_GROUP_SCHED the field is missing and
 * this program does not load (user space falls back to the classic tracepoints). */
#define CLOCK_OFFSET_WINDOW_NS 50000000ull

struct clock_offset {
	__s64 min_now, min_before;	/* the smallest seen in this window and the one before; 0: none */
	__u64 window_start;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct clock_offset);
} clock_offsets SEC(".maps");

/* The offset to add to a run-queue clock reading, 0 when none is known yet on this CPU. */
static __always_inline __s64 run_queue_clock_offset(struct task_struct *next, __u64 now)
{
	struct rq *rq = next->se.cfs_rq->rq;	/* plain loads through typed pointers: no helper calls */
	__u32 zero = 0;
	struct clock_offset *o = bpf_map_lookup_elem(&clock_offsets, &zero);
	__s64 seen;

	if (!o || !rq)
		return 0;
	seen = now - rq->clock;
	if (now - o->window_start > CLOCK_OFFSET_WINDOW_NS) {
		o->min_before = o->min_now;
		o->min_now = seen;
		o->window_start = now;
	} else if (seen < o->min_now) {
		o->min_now = seen;
	}
	return o->min_before && o->min_before < o->min_now ? o->min_before : o->min_now;
}

/* tp_btf: when the run-queue wait that ends now began. A preempted or throttled thread's began at its switch-out.
 * A woken thread's at its enqueue, which the kernel records (CONFIG_SCHED_INFO: sched_info.last_queued, run-queue
 * clock); a migration to another CPU's run queue restarts that record and adds the stint before it to run_delay,
 * so the wait also holds what run_delay gained since the switch-out. 0: not known. */
static __always_inline __u64 wait_began(struct task_struct *next, const struct thread_state *st, __u64 now)
{
	__u64 queued = next->sched_info.last_queued;
	__s64 offset;

	if (st->why == WHY_PREEMPTED || st->why == WHY_THROTTLED)
		return st->since_ns;
	offset = run_queue_clock_offset(next, now);
	if (!queued || !offset)
		return 0;
	return queued + offset - (next->sched_info.run_delay - st->run_delay);
}

/* tp_btf: no wakeup program; the thread's switch-out state gives the cause and, for a sleep, the blocked time (off
 * CPU until the wait began). A thread with none (not switched out since tracing began, or under an earlier
 * attach) is counted too, as woken: its wait is as real, only the sleep before it was not seen. */
static __always_inline void btf_switch_in(struct task_struct *next, __u32 generation, __u64 now)
{
	__u32 tid = next->pid;
	struct thread_state *st = current_state(tid, generation);
	struct thread_state unseen = { .why = WHY_WOKEN, .tgid = next->tgid, .generation = generation };
	__u64 began;

	if (!st) {
		unseen.run_delay = next->sched_info.run_delay;
		st = &unseen;
	}
	began = wait_began(next, st, now);
	if (!began)
		return;
	if (began > now)
		began = now;
	if (st->why == WHY_BLOCKED && began > st->since_ns)
		hist_add(st->tgid, SCHED_OFFCPU_BLOCKED, began - st->since_ns);
	count_runq_wait(st, tid, now - began, now);
}

/* Runs at every context switch on the machine: the two tgids are plain loads through the typed pointers and the
 * clock is read only when a traced thread is involved. */
static __always_inline void handle_switch(struct task_struct *prev, struct task_struct *next)
{
	__u32 prev_tgid = prev->tgid, next_tgid = next->tgid;
	__u32 prev_generation = target_generation(prev_tgid), next_generation = target_generation(next_tgid);
	__u64 now;

	if (!prev_generation && !next_generation)
		return;
	now = bpf_ktime_get_ns();
	if (prev_generation) {
		bool runnable = task_state(prev) == 0;	/* TASK_RUNNING */

		on_switch_out(prev_tgid, prev_generation, prev->pid, runnable, runnable && task_throttled(prev),
			      prev->sched_info.run_delay, now);
	}
	if (next_generation)
		btf_switch_in(next, next_generation, now);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(handle_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	handle_switch(prev, next);
	return 0;
}

/* Classic tracepoints: only thread ids. A thread is known as the target's once it has been switched out
 * (then it is the current task and its tgid is at hand); until then its waits are not seen. */

static __always_inline void on_wakeup(__u32 tgid, __u32 generation, __u32 tid)
{
	struct thread_state *st = current_state(tid, generation);
	struct thread_state fresh = { .why = WHY_WOKEN, .tgid = tgid, .generation = generation };
	__u64 now = bpf_ktime_get_ns();

	if (st && st->why != WHY_BLOCKED)
		return;	/* already runnable: a second wakeup does not restart its wait */
	if (st)
		hist_add(tgid, SCHED_OFFCPU_BLOCKED, now - st->since_ns);
	fresh.since_ns = now;
	bpf_map_update_elem(&threads, &tid, &fresh, BPF_ANY);
}

/* A wait runs from the wakeup or the preempting switch-out (st->since_ns) to the switch-in. */
static __always_inline void classic_switch_in(__u32 tid, __u64 now)
{
	struct thread_state *st = bpf_map_lookup_elem(&threads, &tid);

	if (!st || !attach_is_current(st->generation, st->tgid, 0))
		return;	/* not a traced thread's, or an earlier attach's */
	if (st->why == WHY_BLOCKED)
		return;	/* no wakeup seen (tracing began while it slept) */
	count_runq_wait(st, tid, now - st->since_ns, now);
}

static __always_inline void classic_wakeup(__u32 tid)
{
	struct thread_state *st = bpf_map_lookup_elem(&threads, &tid);
	__u32 generation;

	if (st && (generation = target_generation(st->tgid)))
		on_wakeup(st->tgid, generation, tid);
}

SEC("tp/sched/sched_wakeup")
int handle_wakeup_tp(struct trace_event_raw_sched_wakeup_template *ctx)
{
	classic_wakeup(ctx->pid);
	return TRACEPOINT_PASS;
}

SEC("tp/sched/sched_wakeup_new")
int handle_wakeup_new_tp(struct trace_event_raw_sched_wakeup_template *ctx)
{
	classic_wakeup(ctx->pid);
	return TRACEPOINT_PASS;
}

SEC("tp/sched/sched_switch")
int handle_switch_tp(struct trace_event_raw_sched_switch *ctx)
{
	struct task_struct *prev = bpf_get_current_task_btf();
	__u64 now = bpf_ktime_get_ns();
	__u32 prev_tgid = prev->tgid, generation = target_generation(prev_tgid);

	if (generation) {
		/* not ctx->prev_state: the tracepoint reports a preempted task as TASK_REPORT_MAX, not running */
		bool runnable = task_state(prev) == 0;

		on_switch_out(prev_tgid, generation, ctx->prev_pid, runnable, runnable && task_throttled(prev), 0, now);
	}
	classic_switch_in(ctx->next_pid, now);
	return TRACEPOINT_PASS;
}
