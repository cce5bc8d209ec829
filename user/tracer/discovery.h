/* SPDX-License-Identifier: GPL-2.0 */
/* Finding processes for the daemon: a /proc scan, and exec/exit events from the kernel between scans. */
#ifndef GOTRACE_DISCOVERY_H
#define GOTRACE_DISCOVERY_H

#include <linux/types.h>

#include "tracer/event_bus.h"
#include "bpf/procs.h"

struct discovery;
typedef void (*discovery_fn)(int pid, enum proc_change change, void *ctx);

/* Loads the exec/exit programs (tp_btf, else classic tracepoints: tracer/attach_kind.h) and reports through fn.
 * 0, or a negative errno with note set: the daemon then relies on periodic scans alone. */
int discovery_open(struct event_bus *bus, discovery_fn fn, void *ctx, struct discovery **out, char *note,
		   size_t note_size);
void discovery_close(struct discovery *d);
/* Exec/exit events the kernel could not queue (the ring buffer was full) since discovery_open: each is a process
 * that only a /proc scan finds, or an exit only a scan notices. */
uint64_t discovery_events_lost(const struct discovery *d);

/* Calls fn(pid, PROC_EXEC) for every process in /proc (threads excluded). Returns how many, or a negative errno. */
int discovery_scan(discovery_fn fn, void *ctx);

#endif
