// SPDX-License-Identifier: GPL-2.0
/* The GC capability: picks the probes for the target's Go version, feeds the runtime layout to the BPF
 * programs, and turns pause events into histograms, cycles, JSON and throttling attribution.
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

#include "capability.h"
#include "gc.skel.h"
#include "gc_stats.h"
#include "log.h"
#include "runtime_layout.h"
#include "uprobes.h"

struct gc_state {
	struct gc_bpf *skel;
	struct uprobe_set probes;
	struct gc_stats stats;
	struct trace_ctx *ctx;
};

static void on_stw(const void *data, size_t size, void *arg)
{
	struct gc_state *gs = arg;
	const struct output_opts *out = gs->ctx->out;
	struct stw_pause pause;
	struct gc_cycle cycle;
	int done;

	if (size < sizeof(struct stw_event))
		return;
	done = gc_stats_add(&gs->stats, data, &pause, &cycle);
	if (gs->ctx->throttle && pause.duration_known) {
		pause.throttled_ns = throttle_overlap(gs->ctx->throttle, pause.start_ns, pause.end_ns);
		pause.throttle_known = true;
		gc_stats_add_throttled(&gs->stats, &pause);
	}
	gc_output_pause(out, &pause);
	if (done == 1)
		gc_output_cycle(out, &cycle);
}

static int attach_stw_args(struct gc_state *gs, const struct target *t, char *why, size_t n)
{
	int pid = t->proc.pid, err;

	err = uprobes_attach_entry(&gs->probes, gs->skel->progs.handle_start_world_args, t, pid,
				   "runtime.startTheWorldWithSema", why, n);
	if (err)
		return err;
	return uprobes_attach_rets(&gs->probes, gs->skel->progs.handle_start_world_ret, t, pid,
				   "runtime.startTheWorldWithSema", why, n);
}

static int attach_work_globals(struct gc_state *gs, const struct target *t, bool have_work, char *why, size_t n)
{
	/* The closure holding stopTheWorldWithSema on the non-GC path; GC stops do not pass through it. */
	const char *stop = have_work ? "runtime.stopTheWorld.func1" : "runtime.stopTheWorldWithSema";
	int pid = t->proc.pid, err;

	err = uprobes_attach_entry(&gs->probes, gs->skel->progs.handle_stop_world, t, pid, stop, why, n);
	if (err && have_work)
		err = uprobes_attach_entry(&gs->probes, gs->skel->progs.handle_stop_world, t, pid,
					   "runtime.stopTheWorldWithSema", why, n);
	if (err)
		return err;
	return uprobes_attach_rets(&gs->probes, gs->skel->progs.handle_start_world_ret, t, pid,
				   "runtime.startTheWorldWithSema", why, n);
}

static int load(struct gc_state *gs, struct trace_ctx *ctx, char *note, size_t note_size)
{
	int err;

	gs->skel = gc_bpf__open();
	if (!gs->skel)
		return -errno;
	err = event_bus_adopt(ctx->bus, gs->skel->obj);
	if (!err)
		err = gc_bpf__load(gs->skel);
	if (err)
		snprintf(note, note_size, "cannot load the GC probes: %s%s%s", strerror(-err),
			 log_privilege_hint(err)[0] ? "; " : "", log_privilege_hint(err));
	return err;
}

static int gc_start(struct trace_ctx *ctx, void **state, char *note, size_t note_size)
{
	const struct target *t = ctx->target;
	struct gc_state *gs = calloc(1, sizeof(*gs));
	struct gc_target cfg;
	__u32 pid = t->proc.pid;
	int err;

	if (!gs)
		return -ENOMEM;
	*state = gs;
	gs->ctx = ctx;
	gc_stats_init(&gs->stats, ctx->out->millis ? 1000000 : 1000);
	err = runtime_layout_gc(t, &cfg, note, note_size);
	if (err)
		return err;
	err = load(gs, ctx, note, note_size);
	if (err)
		return err;
	err = bpf_map__update_elem(gs->skel->maps.gc_targets, &pid, sizeof(pid), &cfg, sizeof(cfg), BPF_ANY);
	if (err) {
		snprintf(note, note_size, "cannot configure the GC probes: %s", strerror(-err));
		return err;
	}
	event_bus_subscribe(ctx->bus, EVENT_STW, on_stw, gs);
	if (cfg.abi == GC_ABI_STW_ARGS)
		return attach_stw_args(gs, t, note, note_size);
	return attach_work_globals(gs, t, cfg.work_addr != 0, note, note_size);
}

static void gc_interval(void *state, struct trace_ctx *ctx)
{
	struct gc_state *gs = state;

	gc_output_interval(ctx->out, &gs->stats);
	gc_stats_interval_reset(&gs->stats);
}

static void gc_finish(void *state, struct trace_ctx *ctx)
{
	struct gc_state *gs = state;
	struct trace_facts *f = &ctx->facts;

	f->gc_cycles = gs->stats.cycles;
	f->stw_pauses = gs->stats.pauses;
	f->stw_pause_ns = gs->stats.pause_ns_total;
	f->stw_throttled_ns = gs->stats.pause_throttled_ns;
	f->stw_max_ns = gs->stats.max_pause_ns;
	f->stw_max_throttled_ns = gs->stats.max_pause_throttled_ns;
}

static void gc_text_summary(void *state, struct trace_ctx *ctx)
{
	gc_output_text_summary(ctx->out, &((struct gc_state *)state)->stats);
}

static void gc_json_summary(void *state, struct trace_ctx *ctx, struct json_obj *summary)
{
	json_key(summary, "gc");
	gc_output_json_summary(ctx->out, &((struct gc_state *)state)->stats);
}

static uint64_t gc_probe_hits(void *state)
{
	struct gc_state *gs = state;

	return gs->skel ? gs->skel->bss->probe_hits : 0;
}

static int gc_probe_count(void *state)
{
	return (int)((struct gc_state *)state)->probes.n;
}

static uint64_t gc_events_lost(void *state)
{
	struct gc_state *gs = state;

	return gs->skel ? gs->skel->bss->events_lost : 0;
}

static void gc_stop(void *state)
{
	struct gc_state *gs = state;

	if (!gs)
		return;
	uprobes_destroy(&gs->probes);
	gc_bpf__destroy(gs->skel);
	gc_stats_free(&gs->stats);
	free(gs);
}

const struct capability gc_capability = {
	.name = "gc",
	.summary = "stop-the-world pauses (per reason) and GC cycles, timed by the runtime's own clock",
	.default_on = true,
	.start = gc_start,
	.interval = gc_interval,
	.finish = gc_finish,
	.text_summary = gc_text_summary,
	.json_summary = gc_json_summary,
	.probe_hits = gc_probe_hits,
	.probe_count = gc_probe_count,
	.events_lost = gc_events_lost,
	.stop = gc_stop,
};
