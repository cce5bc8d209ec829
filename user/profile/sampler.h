/* SPDX-License-Identifier: GPL-2.0 */
/* The BPF stack sampler (sampler.bpf.c) as the stack source of the cpu, offcpu and gc profiles: cpu-clock perf
 * events, sched_switch/wakeup and uprobes on the Go runtime's GC entry points, aggregated in BPF maps. */
#ifndef GOTRACE_SAMPLER_H
#define GOTRACE_SAMPLER_H

#include "profile/stack_source.h"

extern const struct stack_source sampler_source;

#endif
