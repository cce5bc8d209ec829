// SPDX-License-Identifier: GPL-2.0
/* How a traced process ended: sched_process_exit of its thread group leader, with task_struct.exit_code (do_exit
 * stores it before the tracepoint). One hash lookup for every other exit on the machine. tp_btf where available,
 * the classic tracepoint otherwise. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "events.bpf.h"
#include "memory.h"

char LICENSE[] SEC("license") = "GPL";

static __always_inline void on_exit(struct task_struct *p)
{
	__u32 pid = BPF_CORE_READ(p, pid), tgid = BPF_CORE_READ(p, tgid);
	struct exit_event *e;

	if (pid != tgid || !is_target(tgid))
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&events_lost, 1);
		return;
	}
	e->type = EVENT_EXIT;
	e->pid = tgid;
	e->exit_code = BPF_CORE_READ(p, exit_code);
	e->pad = 0;
	e->time_ns = bpf_ktime_get_ns();
	events_submit(e);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit_btf, struct task_struct *p)
{
	on_exit(p);
	return 0;
}

/* The classic record has no exit code: the exiting task is the current one. */
SEC("tp/sched/sched_process_exit")
int handle_exit_tp(void *ctx)
{
	on_exit((struct task_struct *)bpf_get_current_task());
	return TRACEPOINT_PASS;
}
