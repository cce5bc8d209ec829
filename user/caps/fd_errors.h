/* SPDX-License-Identifier: GPL-2.0 */
/* The memory capability's count of calls that failed for want of a file descriptor (bpf/fd_errors.h): its BPF
 * object, loaded once for all processes, and each process's counts. */
#ifndef GOTRACE_CAPS_FD_ERRORS_H
#define GOTRACE_CAPS_FD_ERRORS_H

#include <linux/types.h>
#include <stdint.h>

#include "bpf/fd_errors.h"
#include "tracer/event_bus.h"

struct fd_errors_tracer;

extern const char *const fd_call_names[FD_CALLS];	/* "accept", "socket", "open" */

/* Loads and attaches the programs (tracefs mounted if needed). 0, or a negative errno with why. */
int fd_errors_start(struct event_bus *bus, struct fd_errors_tracer **out, char *why, size_t why_size);
/* pid's counts since it was first seen failing (zero when it never did). 0 or negative errno. */
int fd_errors_read(const struct fd_errors_tracer *t, uint32_t pid, struct fd_errors *out);
void fd_errors_forget(struct fd_errors_tracer *t, uint32_t pid);
void fd_errors_stop(struct fd_errors_tracer *t);	/* NULL is fine */

uint64_t fd_errors_total(const __u64 *by_call);

#endif
