/* SPDX-License-Identifier: GPL-2.0 */
/* The GC capability (bpf/gc.bpf.c + user/gc.c): stop-the-world pauses and GC cycles of Go processes. */
#ifndef GOTRACE_GC_TRACER_H
#define GOTRACE_GC_TRACER_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>

#include "gc.h"
#include "target.h"

struct gc_tracer;
typedef void (*gc_event_fn)(const struct stw_event *e, void *ctx);

/* Opens and loads the BPF object. 0 or negative errno (the libbpf error). */
int gc_tracer_open(gc_event_fn fn, void *ctx, struct gc_tracer **out);
void gc_tracer_close(struct gc_tracer *gt);

/* Chooses the probes for the target's Go version and attaches them. 0 when attached (note may then say what
 * runs degraded, e.g. "pause start times are gotrace's own: runtime.work not found"); -ENOTSUP when the version
 * has no known layout (note says why); another negative errno when attaching failed (note says where). */
int gc_tracer_attach(struct gc_tracer *gt, const struct target *t, char *note, size_t note_size);

/* Ring buffer of pause events, for the caller's poll loop. */
int gc_tracer_fd(const struct gc_tracer *gt);
int gc_tracer_consume(struct gc_tracer *gt);

uint64_t gc_tracer_probe_hits(const struct gc_tracer *gt);
uint64_t gc_tracer_events_lost(const struct gc_tracer *gt);
int gc_tracer_probe_count(const struct gc_tracer *gt);	/* attached uprobes */

#endif
