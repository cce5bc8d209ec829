// SPDX-License-Identifier: GPL-2.0
/* Uprobes by file offset: libbpf resolves function names through .symtab only, which stripped Go binaries lack,
 * so gotrace computes offsets itself from pclntab and the PT_LOAD segments. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "lib/log.h"
#include "tracer/link_release.h"
#include "tracer/uprobes.h"

#define MAX_RETS 64

/* One probe shared by every process running an executable: (inode, offset, program) -> link, counted. */
struct shared_uprobe {
	dev_t dev;
	ino_t ino;
	uint64_t offset;
	const struct bpf_program *prog;
	struct bpf_link *link;
	int refs;
	struct shared_uprobe *next;
};

static struct shared_uprobe *shared_probes;

static int push_link(struct uprobe_set *set, struct bpf_link *link)
{
	if (array_reserve(&set->links, &set->cap, set->n + 1, sizeof(*set->links), 16))
		return -ENOMEM;
	set->links[set->n++] = link;
	return 0;
}

static int push_shared(struct uprobe_set *set, struct shared_uprobe *sp)
{
	if (array_reserve(&set->shared, &set->shared_cap, set->nshared + 1, sizeof(*set->shared), 16))
		return -ENOMEM;
	set->shared[set->nshared++] = sp;
	sp->refs++;
	return 0;
}

static struct shared_uprobe *find_shared(const struct target *t, uint64_t offset, const struct bpf_program *prog)
{
	for (struct shared_uprobe *sp = shared_probes; sp; sp = sp->next)
		if (sp->dev == t->proc.exe_dev && sp->ino == t->proc.exe_ino && sp->offset == offset && sp->prog == prog)
			return sp;
	return NULL;
}

static void put_shared(struct shared_uprobe *sp)
{
	struct shared_uprobe **pp;

	if (--sp->refs > 0)
		return;
	for (pp = &shared_probes; *pp; pp = &(*pp)->next)
		if (*pp == sp) {
			*pp = sp->next;
			break;
		}
	link_release(sp->link);
	free(sp);
}

static int share(struct uprobe_set *set, const struct target *t, uint64_t offset, struct bpf_program *prog,
		 struct bpf_link *link)
{
	struct shared_uprobe *sp = calloc(1, sizeof(*sp));

	if (!sp) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	*sp = (struct shared_uprobe){ t->proc.exe_dev, t->proc.exe_ino, offset, prog, link, 0, shared_probes };
	shared_probes = sp;
	if (push_shared(set, sp)) {
		put_shared(sp);
		return -ENOMEM;
	}
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
	if (pid == UPROBE_ALL_PROCESSES && find_shared(t, offset, prog))
		return push_shared(set, find_shared(t, offset, prog));
	link = bpf_program__attach_uprobe(prog, false, pid, t->proc.exe_path, offset);
	if (!link) {
		err = -errno;
		snprintf(why, why_size, "cannot attach a uprobe at 0x%llx: %s%s", (unsigned long long)vaddr,
			 strerror(-err), err == -EACCES || err == -EPERM
			 ? " (uprobes need CAP_SYS_ADMIN: CAP_BPF and CAP_PERFMON are not enough for them)" : "");
		return err;
	}
	if (pid == UPROBE_ALL_PROCESSES)
		return share(set, t, offset, prog, link);
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
			 n == 0		  ? "no RET instruction (ends in a tail call): its exit cannot be probed"
			 : n == -ELIBACC ? "its exits are found by decoding its code, and Capstone is not installed"
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
		link_release(set->links[i]);
	for (size_t i = 0; i < set->nshared; i++)
		put_shared(set->shared[i]);
	free(set->links);
	free(set->shared);
	memset(set, 0, sizeof(*set));
}

size_t uprobes_count(const struct uprobe_set *set)
{
	return set->n + set->nshared;
}

int uprobe_error(int err, const char *what, char *note, size_t note_size)
{
	char detail[512];

	if (err != -EACCES && err != -EPERM)
		return err;
	snprintf(detail, sizeof(detail), "%s", note);
	snprintf(note, note_size, "%s is off: %s", what, detail);
	return -ENOTSUP;
}
