/* SPDX-License-Identifier: GPL-2.0 */
/* `gotrace -- CMD ARGS`: start a command stopped right after its exec, so probes attach before it runs. */
#ifndef GOTRACE_SPAWN_H
#define GOTRACE_SPAWN_H

#include <sys/types.h>

/* Forks and execs argv[0] (searched in PATH) under PTRACE_TRACEME; returns once the new program is loaded and
 * stopped. 0, or a negative errno (-ENOENT: command not found, with the exec error reported by the child). */
int spawn_stopped(char *const argv[], pid_t *pid);
/* Lets the stopped command run (PTRACE_DETACH). */
int spawn_release(pid_t pid);
/* Reaps the command if it has exited; returns its exit status (128+signal when killed), or -1 if still running. */
int spawn_reap(pid_t pid, int flags);

#endif
