/* SPDX-License-Identifier: GPL-2.0 */
/* Attaching BPF programs to Go functions of a target: at the entry, or at every RET (never uretprobes). */
#ifndef GOTRACE_UPROBES_H
#define GOTRACE_UPROBES_H

#include <stddef.h>

#include "target.h"

struct bpf_program;
struct bpf_link;

/* The links of one capability, destroyed together. */
struct uprobe_set {
	struct bpf_link **links;
	size_t n, cap;
};

/* pid: the process to probe (its own breakpoints only), or -1 for every process running the binary. Each returns
 * 0 or a negative errno and writes a one-line reason into why ("runtime.execute not found", "attaching at
 * 0x1234: operation not permitted (needs CAP_BPF ...)"). */
int uprobes_attach_entry(struct uprobe_set *set, struct bpf_program *prog, const struct target *t, int pid,
			 const char *func, char *why, size_t why_size);
/* All RET instructions of func; a function without any (tail jump) is an error (-ENODATA). */
int uprobes_attach_rets(struct uprobe_set *set, struct bpf_program *prog, const struct target *t, int pid,
			const char *func, char *why, size_t why_size);
void uprobes_destroy(struct uprobe_set *set);

#endif
