/* SPDX-License-Identifier: GPL-2.0 */
/* The memory capability's one kernel record: how a traced process ended, so that a SIGKILL can be matched with
 * its cgroup's OOM kill count. */
#ifndef GOTRACE_MEMORY_H
#define GOTRACE_MEMORY_H

struct exit_event {
	__u32 type;		/* EVENT_EXIT */
	__u32 pid;		/* the process (thread group) id */
	__u32 exit_code;	/* task_struct.exit_code of the leader: signal number in the low 7 bits, status << 8 */
	__u32 pad;
	__u64 time_ns;		/* CLOCK_MONOTONIC at the exit: where the report marks an OOM kill */
};

#endif
