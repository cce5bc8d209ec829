// SPDX-License-Identifier: GPL-2.0
/* Stop-the-world pauses of Go processes, timed with the runtime's own timestamps.
 *
 * Every probe here fires a few times per GC cycle at most, and at most one of them fires while the world is
 * stopped (each hit inside a pause lengthens it by the cost of a uprobe trap). Exits are probed with plain
 * uprobes at the RET instructions, never with uretprobes (they corrupt Go stacks). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "events.bpf.h"
#include "gc.h"
#include "go_abi.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);	/* tgid */
	__type(value, struct gc_target);
} gc_targets SEC(".maps");

/* What the entry of a stop (or of startTheWorldWithSema on 1.22+) saw, until the exit of the same thread. */
struct stw_stash {
	__u64 start_ns;
	__u64 now_arg;
	__u32 go_reason;
	__u32 from_args;
	char reason[GC_REASON_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);	/* tid */
	__type(value, struct stw_stash);
} stw_stash SEC(".maps");

__u64 probe_hits = 0;

static __always_inline __u64 read_u64(__u64 addr)
{
	__u64 v = 0;

	bpf_probe_read_user(&v, sizeof(v), (const void *)addr);
	return v;
}

/* Copies the current M's preemptoff string (Go string header: ptr, len); returns its length. */
static __always_inline __u64 read_preemptoff(struct pt_regs *ctx, const struct gc_target *t, char *dst)
{
	__u64 m = read_u64(GO_G(ctx) + t->off_g_m);
	__u64 ptr = read_u64(m + t->off_m_preemptoff);
	__u64 len = read_u64(m + t->off_m_preemptoff + 8);
	__u64 n = len < GC_REASON_LEN - 1 ? len : GC_REASON_LEN - 1;

	if (len && ptr)
		bpf_probe_read_user(dst, n & (GC_REASON_LEN - 1), (const void *)ptr);
	return len;
}

static __always_inline struct gc_target *lookup_target(__u32 *pid, __u32 *tid)
{
	__u64 id = bpf_get_current_pid_tgid();

	*pid = id >> 32;
	*tid = (__u32)id;
	__sync_fetch_and_add(&probe_hits, 1);
	return bpf_map_lookup_elem(&gc_targets, pid);
}

/* Stashes how a stop began, for the RET probe of the thread that restarts the world: from the arguments of
 * startTheWorldWithSema (1.22+: the runtime's own times), or our clock and m.preemptoff's reason (1.19-1.21). */
static __always_inline int stash_stop(struct pt_regs *ctx, bool from_args)
{
	struct stw_stash s = {};
	struct gc_target *t;
	__u32 pid, tid;

	t = lookup_target(&pid, &tid);
	if (!t)
		return 0;
	if (from_args) {
		s.now_arg = GO_ARG1(ctx);
		s.go_reason = GO_ARG2(ctx) & 0xff;
		s.start_ns = GO_ARG3(ctx);	/* w.startedStopping */
		s.from_args = 1;
	} else {
		s.start_ns = bpf_ktime_get_ns();
		read_preemptoff(ctx, t, s.reason);
	}
	bpf_map_update_elem(&stw_stash, &tid, &s, BPF_ANY);
	return 0;
}

/* 1.22+: entry of startTheWorldWithSema(now int64, w worldStop). */
SEC("uprobe")
int handle_start_world_args(struct pt_regs *ctx)
{
	return stash_stop(ctx, true);
}

/* 1.19-1.21: a stop begins (attached to the non-GC stop path, or to stopTheWorldWithSema when runtime.work cannot
 * be located). */
SEC("uprobe")
int handle_stop_world(struct pt_regs *ctx)
{
	return stash_stop(ctx, false);
}

static __always_inline void fill_from_args(struct stw_event *e, const struct stw_stash *s, const struct gc_target *t)
{
	e->start_ns = s->start_ns;
	e->go_reason = s->go_reason;
	e->flags |= STW_F_RUNTIME_TIMES;
	if (s->go_reason == t->reason_sweep_term)
		e->kind = STW_KIND_SWEEP_TERM;
	else if (s->go_reason == t->reason_mark_term)
		e->kind = STW_KIND_MARK_TERM;
	/* Only the final mark termination passes its own `now` (taken before the memstats update). */
	if (e->kind == STW_KIND_MARK_TERM && s->now_arg)
		e->flags |= STW_F_CYCLE_END;
}

/* 1.19-1.21 with runtime.work located: a GC stop's window is [work.pauseStart, now]; the final mark
 * termination ended at work.tEnd and its cycle's total is memstats.pause_ns[(numgc-1) % 256]. */
static __always_inline void fill_from_work(struct stw_event *e, const struct gc_target *t)
{
	__u64 pause_start = read_u64(t->work_addr + t->off_work_pause_start);
	__u64 t_sweep = read_u64(t->work_addr + t->off_work_t_sweep_term);
	__u64 t_end = read_u64(t->work_addr + t->off_work_t_end);

	e->start_ns = pause_start;
	e->cycle_start_ns = t_sweep;
	e->flags |= STW_F_RUNTIME_TIMES | STW_F_HAVE_CYCLE_START;
	if (t_end >= pause_start) {
		__u64 slot = (e->numgc - 1) % 256;

		e->kind = STW_KIND_MARK_TERM;
		e->end_ns = t_end;
		e->flags |= STW_F_CYCLE_END;
		if (e->flags & STW_F_HAVE_NUMGC) {
			e->cycle_pause_ns = read_u64(t->memstats_addr + t->off_memstats_pause_ns + slot * 8);
			e->flags |= STW_F_HAVE_CYCLE_PAUSE;
		}
	} else {
		e->kind = pause_start == t_sweep ? STW_KIND_SWEEP_TERM : STW_KIND_MARK_TERM;
	}
}

/* A stop seen at its entry by handle_stop_world: our start time, the runtime's end, the reason string. */
static __always_inline void fill_from_stop(struct stw_event *e, const struct stw_stash *s)
{
	e->start_ns = s->start_ns;
	__builtin_memcpy(e->reason, s->reason, GC_REASON_LEN);
	if (s->reason[0] == 0)
		e->kind = STW_KIND_SWEEP_TERM;
	else if (s->reason[0] == 'g' && s->reason[1] == 'c' && s->reason[2] == 'i' && s->reason[5] == 0)
		/* "gcing". Without runtime.work an aborted mark termination cannot be told from the final one;
		 * both end the cycle here (aborts are rare: the runtime found late mark work). */
		e->kind = STW_KIND_MARK_TERM, e->flags |= STW_F_CYCLE_END;
}

static __always_inline void fill_event(struct pt_regs *ctx, struct stw_event *e, const struct gc_target *t,
				       __u32 tid)
{
	struct stw_stash *s = bpf_map_lookup_elem(&stw_stash, &tid);

	if (t->memstats_addr) {
		e->numgc = read_u64(t->memstats_addr + t->off_memstats_numgc) & 0xffffffff;
		e->flags |= STW_F_HAVE_NUMGC;
	}
	if (t->abi == GC_ABI_STW_ARGS) {
		if (s && s->from_args)
			fill_from_args(e, s, t);
		else
			e->flags |= STW_F_START_UNKNOWN;
		/* The cycle's total as the runtime recorded it before restarting the world: user space checks the
		 * probed pauses against it (the live verification of the derived layout). */
		if ((e->flags & STW_F_CYCLE_END) && (e->flags & STW_F_HAVE_NUMGC)) {
			e->cycle_pause_ns = read_u64(t->memstats_addr + t->off_memstats_pause_ns +
						     ((e->numgc - 1) % 256) * 8);
			e->flags |= STW_F_HAVE_CYCLE_PAUSE;
		}
	} else if (read_preemptoff(ctx, t, e->reason)) {
		/* Non-GC stop: the runtime keeps no start time before 1.22, ours is the best there is. */
		if (s)
			e->start_ns = s->start_ns;
		else
			e->flags |= STW_F_START_UNKNOWN;
	} else if (t->work_addr) {
		fill_from_work(e, t);
	} else if (s) {
		fill_from_stop(e, s);
	} else {
		e->flags |= STW_F_START_UNKNOWN;
	}
	if (s)
		bpf_map_delete_elem(&stw_stash, &tid);
}

/* Every RET of startTheWorldWithSema: the world runs again; its result is the runtime's `now`. */
SEC("uprobe")
int handle_start_world_ret(struct pt_regs *ctx)
{
	struct gc_target *t;
	struct stw_event *e;
	__u32 pid, tid;

	t = lookup_target(&pid, &tid);
	if (!t)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&events_lost, 1);
		bpf_map_delete_elem(&stw_stash, &tid);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->type = EVENT_STW;
	e->pid = pid;
	e->tid = tid;
	e->end_ns = GO_RET1(ctx);
	fill_event(ctx, e, t, tid);
	events_submit(e);
	return 0;
}
