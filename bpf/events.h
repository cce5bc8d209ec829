/* SPDX-License-Identifier: GPL-2.0 */
/* The one ring buffer every BPF object writes to, so that events reach user space in the order they were
 * committed (a throttled interval before the pause it stretched): each record starts with its type. */
#ifndef GOTRACE_EVENTS_H
#define GOTRACE_EVENTS_H

enum event_type {
	EVENT_STW = 1,		/* struct stw_event (gc.h) */
	EVENT_THROTTLE = 2,	/* struct throttle_event (sched.h) */
	EVENT_RUNQ_SLOW = 3,	/* struct runq_event (sched.h) */
	EVENT_WAIT_SLOW = 4,	/* struct wait_event (waits.h) */
	EVENT_PROC = 5,		/* struct process_event (procs.h) */
	EVENT_EXIT = 6,		/* struct exit_event (memory.h) */
};

#define EVENTS_RINGBUF_SIZE (1u << 20)

/* The targets filter: how many traced processes have tgid % TARGET_FILTER_SLOTS equal to the slot. */
#define TARGET_FILTER_SLOTS 4096
/* How often user space drains it: records are submitted without a wakeup (events_submit). */
#define EVENTS_POLL_MS 50

#endif
