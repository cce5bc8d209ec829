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

#define GOTRACE_TASK_DEAD 0x80	/* TASK_DEAD (include/linux/sched.h, stable since 4.14) */

/* A task switched out for the last time: it is exiting and will never be woken or switched in, so state kept
 * per thread for it would stay in its map for good. */
static __always_inline bool task_state_dead(long state)
{
	return state & GOTRACE_TASK_DEAD;
}

#endif
