/* SPDX-License-Identifier: GPL-2.0 */
/* Attaching BPF programs to Go functions of a target: at the entry, or at every RET (never uretprobes). */
#ifndef GOTRACE_UPROBES_H
#define GOTRACE_UPROBES_H

#include <stddef.h>

#include "tracer/target.h"

struct bpf_program;
struct bpf_link;

struct shared_uprobe;

/* The probes one capability put on one process, destroyed together. A probe is either the set's own link, or a
 * reference to a probe shared by every traced process running the same executable. */
struct uprobe_set {
	struct bpf_link **links;		/* own links (pid >= 0) */
	struct shared_uprobe **shared;	/* references (pid == UPROBE_ALL_PROCESSES) */
	size_t n, cap, nshared, shared_cap;
};

/* Attach once per executable (inode) for every process that runs it, instead of once per process: what the
 * daemon does, so that a binary run by many processes costs one set of probes. The BPF programs filter by
 * process. */
#define UPROBE_ALL_PROCESSES (-1)

/* pid: the process to probe (its own breakpoints only), or UPROBE_ALL_PROCESSES. Each returns
 * 0 or a negative errno and writes a one-line reason into why ("runtime.execute not found", "attaching at
 * 0x1234: operation not permitted (needs CAP_BPF ...)"). */
int uprobes_attach_entry(struct uprobe_set *set, struct bpf_program *prog, const struct target *t, int pid,
			 const char *func, char *why, size_t why_size);
/* All RET instructions of func; a function without any (tail jump) is an error (-ENODATA). */
int uprobes_attach_rets(struct uprobe_set *set, struct bpf_program *prog, const struct target *t, int pid,
			const char *func, char *why, size_t why_size);
void uprobes_destroy(struct uprobe_set *set);
/* A capability whose uprobes cannot attach for lack of privilege is turned off, not fatal: the others (which
 * need only CAP_BPF and CAP_PERFMON) go on. Rewrites note to say so and returns -ENOTSUP for EACCES/EPERM;
 * returns err unchanged otherwise. */
int uprobe_error(int err, const char *what, char *note, size_t note_size);

/* Probes in the set, own and shared. */
size_t uprobes_count(const struct uprobe_set *set);

#endif
