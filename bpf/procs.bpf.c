// SPDX-License-Identifier: GPL-2.0
/* Discovery for the daemon: a new program image (exec) anywhere on the machine, and the exit of a traced process,
 * within milliseconds instead of at the next /proc scan. tp_btf where available, classic tracepoints otherwise. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "events.bpf.h"
#include "procs.h"

char LICENSE[] SEC("license") = "GPL";

static __always_inline void emit(__u32 pid, __u32 change)
{
	struct process_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		__sync_fetch_and_add(&events_lost, 1);
		return;
	}
	e->type = EVENT_PROC;
	e->pid = pid;
	e->change = change;
	e->pad = 0;
	events_submit(e);
}

/* Only the thread group leader's exit ends a process; the others are threads. */
static __always_inline void on_exit(__u32 pid, __u32 tgid)
{
	if (pid == tgid && is_target(tgid))
		emit(tgid, PROC_EXIT);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec_btf, struct task_struct *p)
{
	emit(p->tgid, PROC_EXEC);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit_btf, struct task_struct *p)
{
	on_exit(p->pid, p->tgid);
	return 0;
}

SEC("tp/sched/sched_process_exec")
int handle_exec_tp(void *ctx)
{
	emit(bpf_get_current_pid_tgid() >> 32, PROC_EXEC);
	return TRACEPOINT_PASS;
}

SEC("tp/sched/sched_process_exit")
int handle_exit_tp(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();

	on_exit((__u32)id, id >> 32);
	return TRACEPOINT_PASS;
}
