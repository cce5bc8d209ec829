/* SPDX-License-Identifier: GPL-2.0 */
/* The waits capability's per-stack wait times as a source of stacks for profiles (futex and epoll flamegraphs):
 * the same BPF side, opened on its own, with no tracing session, output or per-process state. */
#ifndef GOTRACE_WAIT_STACKS_H
#define GOTRACE_WAIT_STACKS_H

#include <stddef.h>
#include <stdint.h>

#include "tracer/event_bus.h"

struct waits_state;
struct target;

/* One aggregated wait stack: kind (bpf/waits.h), user PCs innermost first (each a return address; the first is
 * the PC after the syscall instruction), and the calls and nanoseconds spent waiting there. */
typedef int (*wait_stack_fn)(uint32_t tgid, unsigned int kind, const uint64_t *ips, int n, uint64_t count,
			     uint64_t wait_ns, void *ctx);

/* Loads and attaches the waits programs (bus's targets map filters them), with no slow-wait events; target is
 * the process traced (NULL: any process in the targets map), which decides whether epoll_wait is traced. 0;
 * -ENOTSUP: cannot run here (why says why); another negative errno. */
int wait_stacks_open(struct event_bus *bus, const struct target *target, struct waits_state **out, char *why,
		     size_t why_size);
void wait_stacks_close(struct waits_state *ws);

/* Calls fn for every stack the BPF side holds (every process when tgid is 0); fn's non-zero return stops the
 * walk and is returned. ws: from wait_stacks_open, or the state waits_capability.open returned. */
int wait_stacks_read(const struct waits_state *ws, uint32_t tgid, wait_stack_fn fn, void *ctx);

/* How its programs attached: "tracepoint" or "tp_btf" (tracer/attach_kind.h); NULL when they did not. */
const char *wait_stacks_attach(void *state);

/* Stacks the BPF side could not store (its stacks map was full): their calls are in stack 0, no frames. */
uint64_t wait_stacks_dropped(void *state);

#endif
