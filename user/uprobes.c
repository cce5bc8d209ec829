// SPDX-License-Identifier: GPL-2.0
/* Uprobes by file offset: libbpf resolves function names through .symtab only, which stripped Go binaries lack,
 * so gotrace computes offsets itself from pclntab and the PT_LOAD segments. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "uprobes.h"

#define MAX_RETS 64

static int push_link(struct uprobe_set *set, struct bpf_link *link)
{
	if (set->n == set->cap) {
		size_t ncap = set->cap ? set->cap * 2 : 16;
		struct bpf_link **nl = realloc(set->links, ncap * sizeof(*nl));

		if (!nl)
			return -ENOMEM;
		set->links = nl;
		set->cap = ncap;
	}
	set->links[set->n++] = link;
	return 0;
}

static int attach_at(struct uprobe_set *set, struct bpf_program *prog, const struct target *t, int pid,
		     uint64_t vaddr, char *why, size_t why_size)
{
	struct bpf_link *link;
	uint64_t offset;
	int err;

	if (go_binary_file_offset(t->bin, vaddr, &offset)) {
		snprintf(why, why_size, "address 0x%llx is outside the executable's segments", (unsigned long long)vaddr);
		return -ENOEXEC;
	}
	link = bpf_program__attach_uprobe(prog, false, pid, t->proc.exe_path, offset);
	if (!link) {
		err = -errno;
		snprintf(why, why_size, "cannot attach a uprobe at 0x%llx: %s %s", (unsigned long long)vaddr,
			 strerror(-err), log_privilege_hint(err));
		return err;
	}
	err = push_link(set, link);
	if (err)
		bpf_link__destroy(link);
	return err;
}

static int find(const struct target *t, const char *func, struct go_func *fn, char *why, size_t why_size)
{
	if (go_binary_find_func(t->bin, func, fn) == 0)
		return 0;
	snprintf(why, why_size, "function %s not found in %s", func, t->proc.exe_name);
	return -ENOENT;
}

int uprobes_attach_entry(struct uprobe_set *set, struct bpf_program *prog, const struct target *t, int pid,
			 const char *func, char *why, size_t why_size)
{
	struct go_func fn;
	int err = find(t, func, &fn, why, why_size);

	return err ? err : attach_at(set, prog, t, pid, fn.entry, why, why_size);
}

int uprobes_attach_rets(struct uprobe_set *set, struct bpf_program *prog, const struct target *t, int pid,
			const char *func, char *why, size_t why_size)
{
	uint64_t rets[MAX_RETS];
	struct go_func fn;
	int n, err = find(t, func, &fn, why, why_size);

	if (err)
		return err;
	n = go_binary_func_rets(t->bin, &fn, rets, MAX_RETS);
	if (n <= 0) {
		snprintf(why, why_size, "%s: %s", func,
			 n == 0 ? "no RET instruction (ends in a tail call): its exit cannot be probed"
				: "its machine code could not be decoded");
		return n == 0 ? -ENODATA : n;
	}
	for (int i = 0; i < n; i++) {
		err = attach_at(set, prog, t, pid, rets[i], why, why_size);
		if (err)
			return err;
	}
	return 0;
}

void uprobes_destroy(struct uprobe_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		bpf_link__destroy(set->links[i]);
	free(set->links);
	memset(set, 0, sizeof(*set));
}
