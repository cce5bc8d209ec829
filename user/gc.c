// SPDX-License-Identifier: GPL-2.0
/* User side of the GC capability: picks the probes for the target's Go version, feeds the runtime layout to the
 * BPF programs, and hands pause events to the caller.
 *
 * How each Go version is timed exactly (the runtime's own numbers, not ours):
 *  - 1.22+: startTheWorldWithSema(now, w worldStop) receives w.startedStopping, the runtime's pause start, and
 *    returns `now`, the pause end it records. One probe at the entry (inside the pause) stashes the arguments;
 *    probes at its RETs (after the pause) emit the event.
 *  - 1.17-1.21: the pause start is runtime.work.pauseStart and the final mark termination's end is
 *    runtime.work.tEnd; the reason is the string in m.preemptoff. Probes at the RETs of startTheWorldWithSema read
 *    them after the world restarted, so no probe fires inside a GC pause. Non-GC stops (ReadMemStats, ...) have no
 *    runtime start time: a probe on the non-GC stop path (runtime.stopTheWorld.func1) supplies ours.
 *    When runtime.work cannot be located (stripped binary, derivation declined), the entry of
 *    stopTheWorldWithSema supplies our start time instead, and the note says the figures are approximate. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gc.skel.h"
#include "gc_tracer.h"
#include "runtime_layout.h"
#include "uprobes.h"

struct gc_tracer {
	struct gc_bpf *skel;
	struct ring_buffer *rb;
	struct uprobe_set probes;
	gc_event_fn fn;
	void *ctx;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct gc_tracer *gt = ctx;

	if (size >= sizeof(struct stw_event))
		gt->fn(data, gt->ctx);
	return 0;
}

int gc_tracer_open(gc_event_fn fn, void *ctx, struct gc_tracer **out)
{
	struct gc_tracer *gt = calloc(1, sizeof(*gt));
	int err;

	if (!gt)
		return -ENOMEM;
	gt->fn = fn;
	gt->ctx = ctx;
	gt->skel = gc_bpf__open();
	if (!gt->skel) {
		err = -errno;
		goto fail;
	}
	err = gc_bpf__load(gt->skel);
	if (err)
		goto fail;
	gt->rb = ring_buffer__new(bpf_map__fd(gt->skel->maps.stw_events), on_event, gt, NULL);
	if (!gt->rb) {
		err = -errno;
		goto fail;
	}
	*out = gt;
	return 0;
fail:
	gc_tracer_close(gt);
	return err;
}

void gc_tracer_close(struct gc_tracer *gt)
{
	if (!gt)
		return;
	uprobes_destroy(&gt->probes);
	ring_buffer__free(gt->rb);
	gc_bpf__destroy(gt->skel);
	free(gt);
}

static int attach_stw_args(struct gc_tracer *gt, const struct target *t, char *why, size_t n)
{
	int pid = t->proc.pid, err;

	err = uprobes_attach_entry(&gt->probes, gt->skel->progs.handle_start_world_args, t, pid,
				   "runtime.startTheWorldWithSema", why, n);
	if (err)
		return err;
	return uprobes_attach_rets(&gt->probes, gt->skel->progs.handle_start_world_ret, t, pid,
				   "runtime.startTheWorldWithSema", why, n);
}

static int attach_work_globals(struct gc_tracer *gt, const struct target *t, bool have_work, char *why, size_t n)
{
	/* The closure holding stopTheWorldWithSema on the non-GC path; GC stops do not pass through it. */
	const char *stop = have_work ? "runtime.stopTheWorld.func1" : "runtime.stopTheWorldWithSema";
	int pid = t->proc.pid, err;

	err = uprobes_attach_entry(&gt->probes, gt->skel->progs.handle_stop_world, t, pid, stop, why, n);
	if (err && have_work)
		err = uprobes_attach_entry(&gt->probes, gt->skel->progs.handle_stop_world, t, pid,
					   "runtime.stopTheWorldWithSema", why, n);
	if (err)
		return err;
	return uprobes_attach_rets(&gt->probes, gt->skel->progs.handle_start_world_ret, t, pid,
				   "runtime.startTheWorldWithSema", why, n);
}

int gc_tracer_attach(struct gc_tracer *gt, const struct target *t, char *note, size_t note_size)
{
	struct gc_target cfg;
	__u32 pid = t->proc.pid;
	int err;

	note[0] = '\0';
	err = runtime_layout_gc(t, &cfg, note, note_size);
	if (err)
		return err;
	err = bpf_map__update_elem(gt->skel->maps.gc_targets, &pid, sizeof(pid), &cfg, sizeof(cfg), BPF_ANY);
	if (err) {
		snprintf(note, note_size, "cannot configure the GC probes: %s", strerror(-err));
		return err;
	}
	if (cfg.abi == GC_ABI_STW_ARGS)
		return attach_stw_args(gt, t, note, note_size);
	return attach_work_globals(gt, t, cfg.work_addr != 0, note, note_size);
}

int gc_tracer_fd(const struct gc_tracer *gt)
{
	return ring_buffer__epoll_fd(gt->rb);
}

int gc_tracer_consume(struct gc_tracer *gt)
{
	return ring_buffer__consume(gt->rb);
}

uint64_t gc_tracer_probe_hits(const struct gc_tracer *gt)
{
	return gt->skel->bss->probe_hits;
}

uint64_t gc_tracer_events_lost(const struct gc_tracer *gt)
{
	return gt->skel->bss->events_lost;
}

int gc_tracer_probe_count(const struct gc_tracer *gt)
{
	return (int)gt->probes.n;
}
