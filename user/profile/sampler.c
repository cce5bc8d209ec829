// SPDX-License-Identifier: GPL-2.0
/* The user side of sampler.bpf.c, the stack source of the cpu, offcpu and gc profiles: which programs load for a
 * type, attaching them (perf events on every CPU, sched tracepoints, uprobes), and copying the aggregated stacks
 * into a batch. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/array.h"
#include "lib/log.h"
#include "sampler.skel.h"
#include "bpf/sampler.h"
#include "profile/profile_types.h"
#include "profile/sampler.h"
#include "tracer/attach_kind.h"
#include "tracer/bpf_map_sweep.h"
#include "tracer/uprobes.h"

#define MAX_LINKS 1024		/* perf events: one per CPU */

enum prog_set { PROGS_CPU, PROGS_OFFCPU_BTF, PROGS_OFFCPU_TP, PROGS_GC };

struct stack_state {
	struct sampler_bpf *skel;
	struct bpf_link *links[MAX_LINKS];
	int nlinks;
	struct uprobe_set probes;
	const char *attach;
};

/* Root frame and label value of each kind, so that kinds sharing a profile stay apart. */
static const struct {
	const char *root, *state;
} kind_names[STACK_KINDS] = {
	[STACK_CPU] = { NULL, NULL },
	[STACK_OFFCPU_BLOCKED] = { "[blocked]", "blocked" },
	[STACK_OFFCPU_RUNNABLE] = { "[runnable]", "runnable" },
	[STACK_GC_START] = { "[GC start]", "start" },
	[STACK_GC_ASSIST] = { "[GC assist]", "assist" },
};

static void select_programs(struct sampler_bpf *skel, enum prog_set set)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	switch (set) {
	case PROGS_CPU:
		bpf_program__set_autoload(skel->progs.handle_cpu_sample, true);
		break;
	case PROGS_OFFCPU_BTF:
		attach_kind_autoload(skel->obj, "handle_offcpu_", ATTACH_TP_BTF);
		break;
	case PROGS_OFFCPU_TP:
		attach_kind_autoload(skel->obj, "handle_offcpu_", ATTACH_TRACEPOINT);
		break;
	case PROGS_GC:
		bpf_program__set_autoload(skel->progs.handle_gc_start, true);
		bpf_program__set_autoload(skel->progs.handle_gc_assist, true);
		break;
	}
}

static int load(struct stack_state *ss, const struct stack_source_opts *o, enum prog_set set)
{
	int err;

	ss->skel = sampler_bpf__open();
	if (!ss->skel)
		return -errno;
	ss->skel->rodata->targ_kernel_stacks = o->kernel_stacks;
	select_programs(ss->skel, set);
	err = event_bus_adopt(o->bus, ss->skel->obj);
	return err ? err : sampler_bpf__load(ss->skel);
}

static void unload(struct stack_state *ss)
{
	for (int i = 0; i < ss->nlinks; i++)
		bpf_link__destroy(ss->links[i]);
	ss->nlinks = 0;
	uprobes_destroy(&ss->probes);
	sampler_bpf__destroy(ss->skel);
	ss->skel = NULL;
}

static int push_link(struct stack_state *ss, struct bpf_link *link)
{
	if (!link)
		return -errno;
	if (ss->nlinks == MAX_LINKS) {
		bpf_link__destroy(link);
		return -E2BIG;
	}
	ss->links[ss->nlinks++] = link;
	return 0;
}

static int load_failed(int err, char *why, size_t why_size)
{
	snprintf(why, why_size, "cannot load the profiling programs: %s%s%s", strerror(-err),
		 log_privilege_hint(err)[0] ? "; " : "", log_privilege_hint(err));
	return err;
}

/* cpu: a cpu-clock event per CPU with a fixed period, so that each sample stands for exactly 1e9/hz ns of
 * CPU time (frequency mode would adjust the period as it goes). */
static int perf_event_on(int cpu, unsigned hz)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_period = 1000000000ull / hz,
	};
	int fd = (int)syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* Every CPU that is online: an offline one refuses (-ENODEV) and is skipped. */
static int attach_cpu_clock(struct stack_state *ss, unsigned hz, char *why, size_t why_size)
{
	int ncpus = libbpf_num_possible_cpus(), err = 0;

	if (ncpus < 0)
		return ncpus;
	for (int cpu = 0; cpu < ncpus; cpu++) {
		int fd = perf_event_on(cpu, hz);

		if (fd == -ENODEV)
			continue;
		if (fd < 0) {
			snprintf(why, why_size, "cannot open a cpu-clock perf event on CPU %d: %s%s%s", cpu,
				 strerror(-fd), fd == -EACCES ? " (kernel.perf_event_paranoid; needs CAP_PERFMON or root)" : "",
				 fd == -ENOENT ? " (kernel without software perf events)" : "");
			return fd;
		}
		err = push_link(ss, bpf_program__attach_perf_event(ss->skel->progs.handle_cpu_sample, fd));
		if (err) {
			close(fd);
			snprintf(why, why_size, "cannot attach to the perf event of CPU %d: %s", cpu, strerror(-err));
			return err;
		}
	}
	ss->attach = "perf_event";
	return ss->nlinks ? 0 : -ENODEV;
}

static int start_cpu(struct stack_state *ss, const struct stack_source_opts *o, char *why, size_t why_size)
{
	int err = load(ss, o, PROGS_CPU);

	if (err)
		return load_failed(err, why, why_size);
	return attach_cpu_clock(ss, o->hz, why, why_size);
}

static int attach_offcpu(struct stack_state *ss, enum attach_kind kind)
{
	struct sampler_bpf *skel = ss->skel;
	bool btf = kind == ATTACH_TP_BTF;
	int err = push_link(ss, bpf_program__attach(btf ? skel->progs.handle_offcpu_switch_btf
							: skel->progs.handle_offcpu_switch_tp));

	if (!err)
		err = push_link(ss, bpf_program__attach(btf ? skel->progs.handle_offcpu_wakeup_btf
							    : skel->progs.handle_offcpu_wakeup_tp));
	if (!err)
		ss->attach = attach_kind_name(kind);
	return err;
}

struct offcpu_start {
	struct stack_state *ss;
	const struct stack_source_opts *o;
};

static int start_offcpu_kind(void *arg, enum attach_kind kind, char *why, size_t why_size)
{
	struct offcpu_start *start = arg;
	struct stack_state *ss = start->ss;
	int err = load(ss, start->o, kind == ATTACH_TP_BTF ? PROGS_OFFCPU_BTF : PROGS_OFFCPU_TP);

	if (err)
		snprintf(why, why_size, "cannot load the profiling programs: %s", strerror(-err));
	else if ((err = attach_offcpu(ss, kind)))
		snprintf(why, why_size, "cannot attach to the sched tracepoints: %s", strerror(-err));
	if (err)
		unload(ss);
	return err;
}

/* tp_btf first (no tracefs needed); classic tracepoints for kernels without it (before 5.5). */
static int start_offcpu(struct stack_state *ss, const struct stack_source_opts *o, char *why, size_t why_size)
{
	struct offcpu_start start = { ss, o };

	return attach_kind_start("offcpu", ATTACH_TP_BTF, start_offcpu_kind, &start, why, why_size);
}

static int start_gc(struct stack_state *ss, const struct stack_source_opts *o, char *why, size_t why_size)
{
	const struct target *t = o->target;
	int err;

	if (!t->bin) {
		snprintf(why, why_size, "the gc profile probes the Go runtime, and PID %d is not a Go program",
			 t->proc.pid);
		return -ENOTSUP;
	}
	if ((err = load(ss, o, PROGS_GC)))
		return load_failed(err, why, why_size);
	err = uprobes_attach_entry(&ss->probes, ss->skel->progs.handle_gc_start, t, t->proc.pid, "runtime.gcStart",
				   why, why_size);
	if (!err)
		err = uprobes_attach_entry(&ss->probes, ss->skel->progs.handle_gc_assist, t, t->proc.pid,
					   "runtime.gcAssistAlloc", why, why_size);
	ss->attach = "uprobe";
	return err;
}

static int stack_start(const struct profile_type *t, const struct stack_source_opts *o, void **state, char *why,
		       size_t why_size)
{
	struct stack_state *ss = calloc(1, sizeof(*ss));

	if (!ss)
		return -ENOMEM;
	*state = ss;
	if (t->kinds & (1u << STACK_CPU))
		return start_cpu(ss, o, why, why_size);
	if (t->kinds & (1u << STACK_OFFCPU_BLOCKED | 1u << STACK_OFFCPU_RUNNABLE))
		return start_offcpu(ss, o, why, why_size);
	return start_gc(ss, o, why, why_size);
}

/* The PCs of a stored stack, up to the first zero; 0 PCs for stack id 0 or one not found. */
static int read_stack(int fd, uint64_t id, struct stack_trace *st)
{
	int n = 0;

	if (!id || bpf_map_lookup_elem(fd, &id, st))
		return 0;
	while (n < PROFILE_STACK_DEPTH && st->pcs[n])
		n++;
	return n;
}

/* Puts the return address a probe at a function's entry saw between the leaf and the rest. */
static int insert_caller(struct stack_trace *st, int n, uint64_t caller)
{
	if (!caller || n < 1)
		return n;
	if (n == PROFILE_STACK_DEPTH)
		n--;
	memmove(&st->pcs[2], &st->pcs[1], (n - 1) * sizeof(st->pcs[0]));
	st->pcs[1] = caller;
	return n + 1;
}

static int add_stack(struct stack_state *ss, const struct stack_key *k, const struct stack_count *c,
		     struct stack_batch *b)
{
	struct stack_trace user, kernel;
	int stacks_fd = bpf_map__fd(ss->skel->maps.stacks);
	char thread[PROFILE_COMM_LEN + 1];
	struct raw_stack s = {
		.tgid = k->tgid, .tid = k->tid, .thread = thread,
		.user = (const uint64_t *)user.pcs, .kernel = (const uint64_t *)kernel.pcs,
		.root = kind_names[k->kind].root, .state = kind_names[k->kind].state,
		.count = (int64_t)c->count, .ns = (int64_t)c->ns,
		/* A sample or a probe hit stopped the thread at its leaf; a switch-out left from inside the kernel. */
		.leaf_exact = k->kind == STACK_CPU || k->kind == STACK_GC_START || k->kind == STACK_GC_ASSIST,
		.kernel_from_tracepoint = k->kind == STACK_OFFCPU_BLOCKED || k->kind == STACK_OFFCPU_RUNNABLE,
	};

	memcpy(thread, c->comm, PROFILE_COMM_LEN);
	thread[PROFILE_COMM_LEN] = '\0';
	s.nuser = insert_caller(&user, read_stack(stacks_fd, k->user_stack, &user), k->caller_pc);
	s.nkernel = read_stack(stacks_fd, k->kernel_stack, &kernel);
	return stack_batch_add(b, &s);
}

static int stack_read(void *state, const struct profile_type *t, struct stack_batch *b)
{
	struct stack_state *ss = state;
	int fd = bpf_map__fd(ss->skel->maps.samples), err = 0;
	struct stack_key key, next;
	struct stack_count c;
	bool first = true;

	while (!err && bpf_map_get_next_key(fd, first ? NULL : &key, &next) == 0) {
		first = false;
		key = next;
		if (key.kind >= STACK_KINDS || !(t->kinds & (1u << key.kind)) ||
		    bpf_map_lookup_elem(fd, &key, &c))
			continue;
		err = add_stack(ss, &key, &c, b);
	}
	return err;
}

static bool has_tgid(const uint32_t *tgids, size_t n, uint32_t tgid)
{
	for (size_t i = 0; i < n; i++)
		if (tgids[i] == tgid)
			return true;
	return false;
}

/* The keys are gathered first and deleted after the walk: deleting the key a hash map walk stands on restarts
 * it. Their stacks stay in the stacks map, which other processes' samples may share, until the next clear. */
static int stack_take(void *state, const struct profile_type *t, const uint32_t *tgids, size_t n,
		      struct stack_batch *b)
{
	struct stack_state *ss = state;
	int fd = bpf_map__fd(ss->skel->maps.samples), err = 0;
	struct stack_key key, next, *taken = NULL;
	size_t ntaken = 0, cap = 0;
	struct stack_count c;
	bool first = true;

	while (!err && bpf_map_get_next_key(fd, first ? NULL : &key, &next) == 0) {
		first = false;
		key = next;
		if (!has_tgid(tgids, n, key.tgid) || key.kind >= STACK_KINDS || !(t->kinds & (1u << key.kind)) ||
		    bpf_map_lookup_elem(fd, &key, &c))
			continue;
		err = array_reserve(&taken, &cap, ntaken + 1, sizeof(*taken), 64) ?: add_stack(ss, &key, &c, b);
		if (!err)
			taken[ntaken++] = key;
	}
	for (size_t i = 0; !err && i < ntaken; i++)	/* on failure the next read gets them */
		bpf_map_delete_elem(fd, &taken[i]);
	free(taken);
	return err;
}

/* Deletes the entries there are now: their keys are gathered in one walk, then deleted (restarting the walk from
 * the map's start after each delete would scan every empty bucket before the next entry: quadratic in a map of
 * 65,536 buckets). Entries the programs add meanwhile stay for the next interval. */
static int stack_clear(void *state)
{
	struct stack_state *ss = state;

	bpf_map_delete_where(ss->skel->maps.samples, NULL, NULL);
	bpf_map_delete_where(ss->skel->maps.stacks, NULL, NULL);
	return 0;
}

static void stack_stats(void *state, struct stack_source_stats *st)
{
	struct stack_state *ss = state;

	*st = (struct stack_source_stats){ .attach = ss->attach, .probes = ss->nlinks + (int)ss->probes.n };
	if (!ss->skel)
		return;
	st->probe_hits = ss->skel->bss->probe_hits;
	st->samples_dropped = ss->skel->bss->samples_dropped;
	st->stacks_dropped = ss->skel->bss->stacks_dropped;
}

static void stack_stop(void *state)
{
	struct stack_state *ss = state;

	if (!ss)
		return;
	unload(ss);
	free(ss);
}

const struct stack_source sampler_source = {
	.start = stack_start,
	.read = stack_read,
	.clear = stack_clear,
	.take = stack_take,
	.stats = stack_stats,
	.stop = stack_stop,
};
