/* SPDX-License-Identifier: GPL-2.0 */
/* One traced Go process: its /proc identity, its executable read as a Go binary, its load bias, and the runtime
 * layout (struct offsets, global addresses) the probes need. */
#ifndef GOTRACE_TARGET_H
#define GOTRACE_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gobin/go_binary.h"
#include "sys/proc.h"

struct target {
	struct proc_target proc;
	struct go_binary *bin;
	uint64_t bias;			/* runtime address = link-time address + bias */
};

/* 0, or a negative errno with a one-line reason in why (for "gotrace: PID 42: <why>"). */
int target_open(int pid, struct target *t, char *why, size_t why_size);
void target_close(struct target *t);

/* "PID 42 (app, go1.22.3)". */
const char *target_describe(const struct target *t, char *buf, size_t size);

#endif
