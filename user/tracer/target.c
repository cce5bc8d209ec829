// SPDX-License-Identifier: GPL-2.0
/* Opening a target process: each failure maps to one sentence that tells the user what to do. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tracer/target.h"

static int fail(char *why, size_t size, int err, const char *msg)
{
	snprintf(why, size, "%s", msg);
	return err;
}

static int open_proc(int pid, struct target *t, char *why, size_t size)
{
	int err = proc_target_open(pid, &t->proc);

	switch (err) {
	case 0:
		return 0;
	case -ESRCH:
		return fail(why, size, err, "no such process");
	case -EINVAL:
		return fail(why, size, err, "is a thread, not a process: pass its process ID (Tgid in /proc/PID/status)");
	case -EACCES:
	case -EPERM:
		return fail(why, size, err, "cannot inspect the process (needs CAP_SYS_PTRACE, or root)");
	default:
		return fail(why, size, err, strerror(-err));
	}
}

int target_open(int pid, struct target *t, char *why, size_t size)
{
	int err;

	memset(t, 0, sizeof(*t));
	err = open_proc(pid, t, why, size);
	if (err)
		return err;
	err = go_binary_open(t->proc.exe_path, &t->bin);
	if (err)
		return fail(why, size, err, go_binary_strerror(err));
	err = proc_target_load_bias(&t->proc, elf_file_min_vaddr(t->bin->elf), &t->bias);
	if (err) {
		target_close(t);
		return fail(why, size, err == -ESRCH ? -ESRCH : -ENOEXEC,
			    err == -ESRCH ? "process exited" : "executable not found in the process's memory map");
	}
	return 0;
}

void target_close(struct target *t)
{
	go_binary_close(t->bin);
	t->bin = NULL;
}

const char *target_describe(const struct target *t, char *buf, size_t size)
{
	snprintf(buf, size, "PID %d (%s, %s)", t->proc.pid, t->proc.comm,
		 t->bin ? go_binary_version_str(t->bin) : "not Go");
	return buf;
}
