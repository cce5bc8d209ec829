/* SPDX-License-Identifier: GPL-2.0 */
/* A task's scheduler state across kernel versions, for every program that looks at sched_switch. */
#ifndef GOTRACE_TASK_STATE_BPF_H
#define GOTRACE_TASK_STATE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

/* task_struct->state was renamed __state in 5.14. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

/* 0 (TASK_RUNNING) when a task being switched out stays runnable: it was preempted, not put to sleep. */
static __always_inline long task_state(struct task_struct *t)
{
	struct task_struct___pre514 *old = (void *)t;

	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ(old, state);
}

#endif
