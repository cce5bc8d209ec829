/* SPDX-License-Identifier: GPL-2.0 */
/* The waits capability's per-stack wait times, read as profile samples (futex and epoll flamegraphs). */
#ifndef GOTRACE_WAIT_STACKS_H
#define GOTRACE_WAIT_STACKS_H

#include <stdint.h>

/* One aggregated wait stack: kind (bpf/waits.h), user PCs innermost first (each a return address; the first is
 * the PC after the syscall instruction), and the calls and nanoseconds spent waiting there. */
typedef int (*wait_stack_fn)(uint32_t tgid, unsigned int kind, const uint64_t *ips, int n, uint64_t count,
			     uint64_t wait_ns, void *ctx);

/* Calls fn for every stack the waits capability's BPF side holds (every process when tgid is 0); fn's non-zero
 * return stops the walk and is returned. state: what waits_capability.open returned. */
int wait_stacks_read(void *state, uint32_t tgid, wait_stack_fn fn, void *ctx);

/* How its programs attached: "tracepoint" or "tp_btf" (tracer/attach_kind.h); NULL when they did not. */
const char *wait_stacks_attach(void *state);

/* Stacks the BPF side could not store (its stacks map was full): their calls are in stack 0, no frames. */
uint64_t wait_stacks_dropped(void *state);

#endif
