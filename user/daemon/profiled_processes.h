/* SPDX-License-Identifier: GPL-2.0 */
/* The processes the daemon makes profiles of, each with what its last profile needs once it has exited: who it
 * was (a copy of its labels, which the daemon frees at exit) and its symbolizer, opened while the process lives
 * (after exit its memory map is gone; the symbolizer has read it and keeps the mapped files open). A process
 * that ended stays until its last profile is made. */
#ifndef GOTRACE_PROFILED_PROCESSES_H
#define GOTRACE_PROFILED_PROCESSES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/daemon_profiles.h"
#include "profile/symbolizer.h"

#define PROFILED_MAX_LABELS 12

struct profiled_process {
	uint32_t pid;
	struct daemon_process who;	/* its strings are the process's own copies */
	struct prom_label labels[PROFILED_MAX_LABELS];
	struct symbolizer *sym;		/* NULL until it could be opened */
	bool ended;
	uint64_t ended_ns, ended_realtime_ns;
};

struct profiled_processes {
	struct sym_cache *syms;		/* the caller's, shared by every symbolizer */
	struct profiled_process **all;
	size_t n, cap;
};

/* Starts profiling pid as who (copied), reading its memory map now. 0, -ENOMEM. A process whose map cannot be
 * read yet is kept: its symbolizer is opened when its first profile is made, if it still lives then. */
int profiled_add(struct profiled_processes *pp, uint32_t pid, const struct daemon_process *who);

/* pid ended now (exited, or exec'd another program, or is no longer traced): its last profile covers up to now. */
void profiled_end(struct profiled_processes *pp, uint32_t pid, uint64_t now_ns, uint64_t now_realtime_ns);

/* The process pid's stacks belong to: after an exec there are two, and the one that ended ran the stacks
 * collected until its last profile. NULL when pid is not profiled. */
struct profiled_process *profiled_find(const struct profiled_processes *pp, uint32_t pid);

/* Its symbolizer, opened now if it was not (NULL when that fails: the process is gone, or memory ran out). */
struct symbolizer *profiled_symbolizer(struct profiled_processes *pp, struct profiled_process *p);

/* The PIDs of the processes that ended, at most max of them; returns how many there are. */
size_t profiled_ended(const struct profiled_processes *pp, uint32_t *pids, size_t max);

/* Drops the processes that ended (their last profile was made). */
void profiled_forget_ended(struct profiled_processes *pp);

/* After a profile of every process: a fresh symbolizer for each living one, so that its PC cache stays as small
 * as one interval's profile needs and its map is current. */
void profiled_renew(struct profiled_processes *pp);

void profiled_free(struct profiled_processes *pp);

#endif
