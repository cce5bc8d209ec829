/* SPDX-License-Identifier: GPL-2.0 */
/* Adds raw stacks (PCs) of one or many processes to a profile (profile.h), symbolized, with each distinct
 * (process, PC) turned into a location once: mappings, functions and locations are shared by every sample. */
#ifndef GOTRACE_SYM_PROFILE_H
#define GOTRACE_SYM_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "profile/profile.h"
#include "profile/symbolizer.h"

/* Kernel functions are named with this suffix, the flamegraph convention (flamesvg.h colours them by it). */
#define SYM_KERNEL_SUFFIX "_[k]"

/* One sample's stack as BPF saw it. */
struct sym_stack {
	const uint64_t *kernel;	/* leaf first; may be empty */
	int nkernel;
	const uint64_t *user;	/* leaf first; may be empty */
	int nuser;
	/* The first PC of the stack (kernel[0], or user[0] without kernel frames) is where the thread was
	 * stopped (a CPU sample, a probe at a function's entry) rather than a return address. Every other PC
	 * is a return address and is looked up one byte earlier (symbolizer_frames). */
	bool leaf_exact;
	/* The kernel stack was taken by a BPF program on a tracepoint: its first frames are the tracing machinery
	 * (the program, bpf_trace_run, __traceiter_...), which is left out so that the leaf is the traced code. */
	bool kernel_from_tracepoint;
	/* Synthetic frames, or NULL: above the root (e.g. "[blocked]" to keep two kinds of time apart in one
	 * flamegraph) and below the leaf (e.g. "[stack lost]" when BPF could not record a stack). */
	const char *root;
	const char *leaf;
};

struct sym_profile;

/* p must outlive the sym_profile. 0 or -ENOMEM. */
int sym_profile_new(struct profile *p, struct sym_profile **out);
void sym_profile_free(struct sym_profile *sp);

/* Symbolizes st with s (the process it came from) and adds it to the profile as one sample with values (one
 * per sample type) and labels. A stack with no frame at all gets a "[no stack]" frame: never dropped.
 * The first stack of each process also registers the process's main executable as a mapping, before any
 * library, so that pprof takes it for the main binary. 0, -EINVAL, -ENOMEM. */
int sym_profile_add(struct sym_profile *sp, struct symbolizer *s, const struct sym_stack *st,
		    const int64_t *values, const struct profile_label *labels, int nlabels);

#endif
