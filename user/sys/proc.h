/* SPDX-License-Identifier: GPL-2.0 */
/* What /proc says about a target process: its executable (even deleted, or in another mount namespace), its
 * identity over time (PID reuse), its load bias, its memory. */
#ifndef GOTRACE_PROC_H
#define GOTRACE_PROC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_target {
	int pid;
	char comm[32];
	/* "/proc/PID/exe": opens the very inode the process runs, even when the file was deleted or replaced, or
	 * lives in another mount namespace; uprobes attached through it land on that inode. */
	char exe_path[64];
	char exe_name[PATH_MAX];	/* what the link says, for people: "/usr/bin/app" or ".../app (deleted)" */
	dev_t exe_dev;
	ino_t exe_ino;
	uint64_t start_time;		/* clock ticks since boot (stat field 22): tells a reused PID apart */
};

/* 0; -ESRCH no such process (or a zombie); -EACCES not allowed to look (needs CAP_SYS_PTRACE); -EINVAL
 * a thread id that is not a process (tgid != pid). */
int proc_target_open(int pid, struct proc_target *t);

/* True while the same process (same PID and start time) is alive and not a zombie. */
bool proc_target_alive(const struct proc_target *t);

/* Load bias of the executable: runtime address = link-time vaddr + bias (0 for non-PIE). min_vaddr is the
 * ELF's lowest PT_LOAD p_vaddr. -ENOENT when the executable is not mapped. */
int proc_target_load_bias(const struct proc_target *t, uint64_t min_vaddr, uint64_t *bias);

/* Reads len bytes at addr of the target's memory (process_vm_readv). 0 or negative errno. */
int proc_read_mem(int pid, uint64_t addr, void *buf, size_t len);

/* Number of threads (status "Threads:"), or a negative errno. */
int proc_thread_count(int pid);

/* The process's open file descriptors (entries of /proc/PID/fd). 0 or a negative errno. */
int proc_count_fds(int pid, uint64_t *n);
/* RLIMIT_NOFILE of the process (/proc/PID/limits "Max open files"); UINT64_MAX for unlimited. 0 or negative errno. */
int proc_nofile_limit(int pid, uint64_t *soft, uint64_t *hard);
/* The "Max open files" line of a /proc/PID/limits text. 0 or -EINVAL. */
int proc_parse_nofile_limit(const char *limits, uint64_t *soft, uint64_t *hard);

/* Reads a small /proc/PID/<name> file into buf (NUL-terminated, trailing newline removed). */
int proc_read_file(int pid, const char *name, char *buf, size_t size);

#endif
