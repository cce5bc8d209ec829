/* SPDX-License-Identifier: GPL-2.0 */
/* Process lifecycle events for the daemon's discovery: every exec on the machine, and the exit of traced
 * processes. */
#ifndef GOTRACE_PROCS_H
#define GOTRACE_PROCS_H

enum proc_change {
	PROC_EXEC = 1,
	PROC_EXIT = 2,
};

struct process_event {
	__u32 type;	/* EVENT_PROC */
	__u32 pid;	/* the process (thread group) id */
	__u32 change;	/* enum proc_change */
	__u32 pad;
};

#endif
