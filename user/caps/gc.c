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
 *    stopTheWorldWithSema supplies our start time instead, and the note says the figures are approximate.
 *
 * With --gc-source=memstats (the daemon's default) there is no probe: every cycle's total pause is read from the
 * runtime's own record (gc_memstats.h) every POLL_PERIOD_NS, so the cost does not grow with the GC rate; the
 * per-stop reasons and the throttling attribution of each stop are what that source cannot give. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/capability.h"
#include "gc.skel.h"
#include "caps/gc_memstats.h"
#include "caps/gc_output.h"
#include "caps/gc_stats.h"
#include "lib/log.h"
#include "lib/poller.h"
#include "tracer/layout_check.h"
#include "tracer/runtime_layout.h"
#include "tracer/uprobes.h"

#define POLL_PERIOD_NS 100000000ull	/* memstats source: 255 cycles per read fit 2,550 cycles a second */
#define RELAXED_MAX_NS 1000000000ull	/* relaxed_polls: a cycle waits at most this long to be read */

struct gc_state {
	struct gc_bpf *skel;	/* NULL with the memstats source */
	struct trace_ctx *ctx;
	int index;
	int probes;		/* attached uprobes, all processes */
	bool from_memstats;
	struct poller poller;	/* memstats source: every process's record, read every POLL_PERIOD_NS */
};

/* Per traced process. */
struct gc_target_state {
	struct uprobe_set probes;
	struct gc_stats stats;
	int pid;
	bool assumed_layout;	/* from the newest table entry for a newer release: off when the live check fails */
	bool mismatch_reported;
	bool off;		/* the live check failed on an assumed layout: events are dropped */
	struct gc_memstats_reader reader;	/* memstats source */
	bool unverified;	/* memstats source: no cycle yet at attach, the layout is checked at the first one */
	struct go_offsets offsets;	/* memstats source: the layout to check then */
	uint64_t last_read_ns;	/* relaxed_polls: when its record was last read */
	uint32_t last_pending;	/* relaxed_polls: cycles waiting at the previous poll (0 after a read) */
};

/* A complete cycle whose probed pauses do not add up to the runtime's own record: the layout the probes read
 * through is not the runtime's. Said once; a layout assumed for a newer release stops being used. */
static bool report_mismatch(struct gc_target_state *ts)
{
	const struct gc_cycle *c = &ts->stats.first_mismatch;

	ts->mismatch_reported = true;
	ts->off = ts->assumed_layout;
	log_warn("PID %d: GC cycle %llu failed live verification: the probes' %u pauses add up to %llu ns, the runtime's "
		 "memstats.pause_ns says %llu ns%s", ts->pid, (unsigned long long)c->cycle, c->pauses,
		 (unsigned long long)c->probes_pause_ns, (unsigned long long)c->pause_ns,
		 ts->off ? "; GC pause tracing is off (the layout assumed from gotrace's newest table is not this "
			   "release's)" : "");
	return ts->off;
}

static void on_stw(const void *data, size_t size, void *arg)
{
	const struct stw_event *e = data;
	struct gc_state *gs = arg;
	struct gc_target_state *ts;
	struct target_ctx *tc;
	struct stw_pause pause;
	struct gc_cycle cycle;
	int done;

	if (size < sizeof(*e) || !(ts = capability_tstate(gs->ctx, gs->index, e->pid, &tc)) || ts->off)
		return;
	done = gc_stats_add(&ts->stats, e, &pause, &cycle);
	if (ts->stats.cycles_mismatched && !ts->mismatch_reported && report_mismatch(ts))
		return;
	if (tc->throttle_tracked && pause.duration_known) {
		pause.throttled_ns = throttle_overlap(&tc->throttle, pause.start_ns, pause.end_ns);
		pause.throttle_known = true;
		gc_stats_add_throttled(&ts->stats, &pause);
	}
	output_event(gs->ctx->sink, &gc_pause_writer, &pause);
	if (done == 1)
		output_event(gs->ctx->sink, &gc_cycle_writer, &cycle);
}

static int attach_stw_args(struct gc_state *gs, struct gc_target_state *ts, const struct target_ctx *tc, char *why,
			   size_t n)
{
	const struct target *t = &tc->target;
	int pid = capability_uprobe_pid(gs->ctx, tc), err;

	err = uprobes_attach_entry(&ts->probes, gs->skel->progs.handle_start_world_args, t, pid,
				   "runtime.startTheWorldWithSema", why, n);
	if (err)
		return err;
	return uprobes_attach_rets(&ts->probes, gs->skel->progs.handle_start_world_ret, t, pid,
				   "runtime.startTheWorldWithSema", why, n);
}

static int attach_work_globals(struct gc_state *gs, struct gc_target_state *ts, const struct target_ctx *tc,
			       bool have_work, char *why, size_t n)
{
	/* The closure holding stopTheWorldWithSema on the non-GC path; GC stops do not pass through it. */
	const char *stop = have_work ? "runtime.stopTheWorld.func1" : "runtime.stopTheWorldWithSema";
	const struct target *t = &tc->target;
	int pid = capability_uprobe_pid(gs->ctx, tc), err;

	err = uprobes_attach_entry(&ts->probes, gs->skel->progs.handle_stop_world, t, pid, stop, why, n);
	if (err && have_work)
		err = uprobes_attach_entry(&ts->probes, gs->skel->progs.handle_stop_world, t, pid,
					   "runtime.stopTheWorldWithSema", why, n);
	if (err)
		return err;
	return uprobes_attach_rets(&ts->probes, gs->skel->progs.handle_start_world_ret, t, pid,
				   "runtime.startTheWorldWithSema", why, n);
}

static void poll_recorded_cycles(void *arg, void *item);

static int gc_open(struct trace_ctx *ctx, int index, void **state, char *note, size_t note_size)
{
	struct gc_state *gs = calloc(1, sizeof(*gs));
	int err;

	if (!gs)
		return -ENOMEM;
	*state = gs;
	gs->ctx = ctx;
	gs->index = index;
	gs->from_memstats = ctx->opts.gc_source == GC_FROM_MEMSTATS;
	poller_init(&gs->poller, ctx->loop, POLL_PERIOD_NS, poll_recorded_cycles, gs);
	if (gs->from_memstats)
		return 0;	/* no BPF: the runtime's record is read from user space */
	gs->skel = gc_bpf__open();
	if (!gs->skel)
		return -errno;
	err = event_bus_adopt(ctx->bus, gs->skel->obj);
	if (!err)
		err = gc_bpf__load(gs->skel);
	if (err) {
		snprintf(note, note_size, "cannot load the GC probes: %s%s%s", strerror(-err),
			 log_privilege_hint(err)[0] ? "; " : "", log_privilege_hint(err));
		return err;
	}
	return event_bus_subscribe(ctx->bus, EVENT_STW, on_stw, gs);
}

/* ---- the memstats source ---- */

struct recorded_ctx {
	struct gc_state *gs;
	struct gc_target_state *ts;
	uint64_t realtime_minus_monotonic;
};

static int on_recorded_cycle(uint64_t number, uint64_t pause_ns, uint64_t end_unix_ns, void *arg)
{
	struct recorded_ctx *rc = arg;
	struct gc_cycle cycle;
	int err;

	err = gc_stats_add_recorded_cycle(&rc->ts->stats, (uint32_t)rc->ts->pid, number, pause_ns,
					  end_unix_ns - rc->realtime_minus_monotonic, &cycle);
	if (!err)
		output_event(rc->gs->ctx->sink, &gc_cycle_writer, &cycle);
	return err;
}

/* The layout of a process that had run no GC cycle at attach is checked at its first: a layout that fails turns
 * the view off for that process, saying why. */
static bool verified_late(struct gc_target_state *ts)
{
	char why[256];
	int err = layout_check_memstats(ts->pid, ts->reader.memstats, &ts->offsets, why, sizeof(why));

	if (err == -EAGAIN)
		return false;
	ts->unverified = false;
	if (err == -EBADMSG) {
		ts->off = true;
		log_warn("PID %d: GC pauses are off: runtime.memstats failed live verification: %s", ts->pid, why);
	}
	return !ts->off;
}

static void read_recorded_cycles(struct gc_state *gs, struct gc_target_state *ts)
{
	struct recorded_ctx rc = { gs, ts, realtime_ns() - monotonic_ns() };

	if (ts->off || (ts->unverified && !verified_late(ts)))
		return;
	gc_memstats_read(&ts->reader, on_recorded_cycle, &rc, &ts->stats.cycles_unread);
}

/* With relaxed_polls (the daemon) the poll reads only the cycle count, and the record (two 2 KiB rings and the
 * count again) when gc_memstats_read_due says: a busy process costs one small read a poll instead of four, a
 * process that stops collecting has its last cycles read at the next poll, and no cycle waits more than a second.
 * (A render of /metrics reads every record at once: a scrape sees every cycle up to it.) */
static bool record_due(const struct gc_state *gs, struct gc_target_state *ts, uint64_t now)
{
	uint32_t pending, before = ts->last_pending;

	if (!gs->ctx->opts.relaxed_polls)
		return true;
	if (ts->off || gc_memstats_pending(&ts->reader, &pending))
		return false;
	ts->last_pending = pending;
	return gc_memstats_read_due(pending, before, now - ts->last_read_ns, RELAXED_MAX_NS);
}

static void read_now(struct gc_state *gs, struct gc_target_state *ts, uint64_t now)
{
	read_recorded_cycles(gs, ts);
	ts->last_read_ns = now;
	ts->last_pending = 0;
}

static void poll_recorded_cycles(void *arg, void *item)
{
	struct gc_state *gs = arg;
	struct gc_target_state *ts = item;
	uint64_t now = monotonic_ns();

	if (gs->ctx->lookup(gs->ctx->session, (uint32_t)ts->pid) && record_due(gs, ts, now))
		read_now(gs, ts, now);
}

/* The reader of runtime.memstats' cycle record, from the derived layout, verified live (now, or at the process's
 * first cycle when it has run none). */
static int setup_reader(struct gc_target_state *ts, const struct target *t, const struct runtime_layout *rl,
			char *note, size_t note_size)
{
	const struct go_offsets *o = &rl->offsets;
	char why[256];
	int err;

	if (rl->offsets_err || !rl->globals.memstats || o->memstats_numgc < 0 || o->memstats_pause_ns < 0 ||
	    o->memstats_pause_end < 0) {
		snprintf(note, note_size, "GC pauses are off: %s", !rl->globals.memstats ? "runtime.memstats not found" :
			 "memstats.numgc, pause_ns or pause_end unknown for this release");
		return -ENOTSUP;
	}
	ts->reader = (struct gc_memstats_reader){ .pid = t->proc.pid, .memstats = rl->globals.memstats + t->bias,
						  .off_numgc = o->memstats_numgc, .off_pause_ns = o->memstats_pause_ns,
						  .off_pause_end = o->memstats_pause_end };
	err = layout_check_memstats(ts->pid, ts->reader.memstats, o, why, sizeof(why));
	if (err == -EBADMSG || err == -ENOENT) {
		snprintf(note, note_size, "GC pauses are off: runtime.memstats failed live verification: %s",
			 err == -ENOENT ? "fields unknown" : why);
		return -ENOTSUP;
	}
	ts->unverified = err == -EAGAIN;
	ts->offsets = *o;
	if ((err = gc_memstats_start(&ts->reader)))
		snprintf(note, note_size, "cannot read the process's memory: %s", strerror(-err));
	return err;
}

static int attach_memstats(struct gc_state *gs, struct target_ctx *tc, struct gc_target_state *ts, char *note,
			   size_t note_size)
{
	struct runtime_layout rl;

	runtime_layout_resolve(&tc->target, &rl);
	return setup_reader(ts, &tc->target, &rl, note, note_size) ?: poller_add(&gs->poller, ts);
}

static void gc_detach(void *state, struct target_ctx *tc, void *tstate)
{
	struct gc_state *gs = state;
	struct gc_target_state *ts = tstate;
	__u32 pid = tc->target.proc.pid;

	gs->probes -= (int)uprobes_count(&ts->probes);
	uprobes_destroy(&ts->probes);
	if (gs->skel)
		bpf_map__delete_elem(gs->skel->maps.gc_targets, &pid, sizeof(pid), 0);
	poller_remove(&gs->poller, ts);
	gc_stats_free(&ts->stats);
	free(ts);
}

/* A runtime function that cannot be found (unreadable function table, a runtime that renamed it), or whose exits
 * cannot be found (no Capstone to decode it), turns GC tracing off for this process; the other capabilities go on. */
static int missing_function_error(int err, char *note, size_t note_size)
{
	char detail[512];

	if (err != -ENOENT && err != -ELIBACC)
		return 0;
	snprintf(detail, sizeof(detail), "%s", note);
	snprintf(note, note_size, "GC pause tracing is off: %s", detail);
	return -ENOTSUP;
}

/* runtime.memstats read through the derived layout before the probes trust it (tracer/layout_check.h). A layout
 * assumed for a release newer than gotrace's table must pass, and must be checkable: each cycle's pauses are then
 * compared with the runtime's own record (gc_stats' verify_cycle). A known layout that fails only loses the
 * runtime's cycle numbers. */
static int check_memstats_live(const struct target *t, const struct runtime_layout *rl, struct gc_target *cfg,
			       char *note, size_t note_size)
{
	char why[256];
	int err;

	if (!cfg->memstats_addr) {
		if (!rl->assumed)
			return 0;
		snprintf(note, note_size, "GC pause tracing is off: runtime.memstats not found, so the layout assumed for "
			 "%s cannot be verified live", go_binary_version_str(t->bin));
		return -ENOTSUP;
	}
	err = layout_check_memstats(t->proc.pid, cfg->memstats_addr, &rl->offsets, why, sizeof(why));
	if (err != -EBADMSG)
		return 0;	/* verified, nothing to compare yet (the first cycles will be), or unreadable */
	if (rl->assumed) {
		snprintf(note, note_size, "GC pause tracing is off: runtime.memstats failed live verification: %s", why);
		return -ENOTSUP;
	}
	cfg->memstats_addr = 0;
	snprintf(note, note_size, "runtime.memstats failed live verification (%s): GC cycles are numbered by gotrace",
		 why);
	return 0;
}

static struct gc_target_state *new_target_state(const struct gc_state *gs, const struct target *t)
{
	struct gc_target_state *ts = calloc(1, sizeof(*ts));

	if (ts) {
		ts->pid = t->proc.pid;
		gc_stats_init(&ts->stats, gs->ctx->out->millis ? 1000000 : 1000, gs->ctx->opts.totals_only);
		ts->stats.from_memstats = gs->from_memstats;
	}
	return ts;
}

static int attach_probes(struct gc_state *gs, struct target_ctx *tc, struct gc_target_state *ts, char *note,
			 size_t note_size)
{
	const struct target *t = &tc->target;
	__u32 pid = t->proc.pid;
	struct runtime_layout rl;
	struct gc_target cfg;
	int err;

	runtime_layout_resolve(t, &rl);
	err = runtime_layout_gc(t, &rl, &cfg, note, note_size) ?: check_memstats_live(t, &rl, &cfg, note, note_size);
	if (err)
		return err;
	ts->assumed_layout = rl.assumed;
	err = bpf_map__update_elem(gs->skel->maps.gc_targets, &pid, sizeof(pid), &cfg, sizeof(cfg), BPF_ANY);
	if (err)
		snprintf(note, note_size, "cannot configure the GC probes: %s", strerror(-err));
	else if (cfg.abi == GC_ABI_STW_ARGS)
		err = attach_stw_args(gs, ts, tc, note, note_size);
	else
		err = attach_work_globals(gs, ts, tc, cfg.work_addr != 0, note, note_size);
	gs->probes += (int)uprobes_count(&ts->probes);
	if (err)
		return missing_function_error(err, note, note_size) ?: uprobe_error(err, "GC pause tracing", note,
										       note_size);
	return 0;
}

static int gc_attach(void *state, struct target_ctx *tc, void **tstate, char *note, size_t note_size)
{
	struct gc_state *gs = state;
	struct gc_target_state *ts = new_target_state(gs, &tc->target);
	int err;

	if (!ts)
		return -ENOMEM;
	err = gs->from_memstats ? attach_memstats(gs, tc, ts, note, note_size) : attach_probes(gs, tc, ts, note, note_size);
	if (err) {
		gc_detach(gs, tc, ts);
		return err;
	}
	*tstate = ts;
	return 0;
}

static void gc_interval(void *state, struct target_ctx *tc, void *tstate, struct output_sink *out)
{
	struct gc_target_state *ts = tstate;

	(void)state;
	(void)tc;
	output_section(out, &gc_interval_writer, &ts->stats);
	gc_stats_interval_reset(&ts->stats);
}

static void gc_finish(void *state, struct target_ctx *tc, void *tstate)
{
	struct gc_target_state *ts = tstate;
	struct trace_facts *f = &tc->facts;

	if (((struct gc_state *)state)->from_memstats) {
		read_recorded_cycles(state, ts);	/* the cycles since the last poll */
		f->gc_cycles = ts->stats.cycles;
		f->stw_pause_ns = ts->stats.total.cycle_pause_sum_ns;	/* no per-stop view: no throttling share */
		return;
	}
	f->gc_cycles = ts->stats.cycles;
	f->stw_pauses = ts->stats.pauses;
	f->stw_pause_ns = ts->stats.pause_ns_total;
	f->stw_throttled_ns = ts->stats.pause_throttled_ns;
	f->stw_max_ns = ts->stats.max_pause_ns;
	f->stw_max_throttled_ns = ts->stats.max_pause_throttled_ns;
}

static void gc_summary(void *state, struct target_ctx *tc, void *tstate, struct output_sink *out)
{
	struct gc_target_state *ts = tstate;

	(void)state;
	(void)tc;
	output_section(out, &gc_summary_writer, &ts->stats);
}

/* Each complete cycle's pause, and the cycle counts: from either source. */
/* One histogram family with a series per process: the struct hist (in us) and its exact sum in ns at these offsets
 * of gc_target_state. */
static void process_histogram(struct prom *p, const char *name, const char *help, struct target_ctx *const *tcs,
			      size_t n, int gc, size_t hist_offset, size_t sum_ns_offset)
{
	struct prom_label l[CAPABILITY_MAX_LABELS];

	prom_family(p, name, "histogram", help);
	for (size_t i = 0; i < n; i++) {
		const char *ts = tcs[i]->cap_state[gc];
		uint64_t sum_ns;

		if (!ts)
			continue;
		memcpy(&sum_ns, ts + sum_ns_offset, sizeof(sum_ns));
		prom_histogram(p, name, l, capability_labels(tcs[i], l, NULL, NULL),
			       (const struct hist *)(const void *)(ts + hist_offset), 1e-6, sum_ns * 1e-9);
	}
}

static void cycle_metrics(int gc, struct target_ctx *const *tcs, size_t n, struct prom *p)
{
	process_histogram(p, "gotrace_gc_cycle_pause_seconds",
			  "Each GC cycle's stop-the-world time, its stops together: the runtime's MemStats.PauseNs.", tcs,
			  n, gc, offsetof(struct gc_target_state, stats.total.cycle_pause_hist),
			  offsetof(struct gc_target_state, stats.total.cycle_pause_sum_ns));
	capability_metric_u64(p, "gotrace_gc_cycles_total", "counter", "Completed GC cycles seen.", tcs, n, gc,
			      offsetof(struct gc_target_state, stats.cycles), 1);
}

/* What only the probes see: each stop with its reason, the cycle's duration, the throttled part of the stops. */
static void stop_metrics(int gc, struct target_ctx *const *tcs, size_t n, struct prom *p)
{
	struct prom_label l[CAPABILITY_MAX_LABELS];

	prom_family(p, "gotrace_gc_pause_seconds", "histogram",
		    "Stop-the-world pauses by reason, as the Go runtime timed them.");
	for (size_t i = 0; i < n; i++) {
		const struct gc_target_state *ts = tcs[i]->cap_state[gc];

		for (int r = 0; ts && r < ts->stats.total.nreasons; r++) {
			const struct gc_reason_stats *rs = &ts->stats.total.reasons[r];

			prom_histogram(p, "gotrace_gc_pause_seconds", l, capability_labels(tcs[i], l, "reason", rs->name),
				       &rs->hist, 1e-6, rs->sum_ns * 1e-9);
		}
	}
	process_histogram(p, "gotrace_gc_cycle_duration_seconds",
			  "GC cycles, from the start of sweep termination to the end of mark termination.", tcs, n, gc,
			  offsetof(struct gc_target_state, stats.total.cycle_hist),
			  offsetof(struct gc_target_state, stats.total.cycle_sum_ns));
	capability_metric_u64(p, "gotrace_gc_pause_throttled_seconds_total", "counter",
			      "Stop-the-world time during which CFS bandwidth control held a thread of the process.", tcs,
			      n, gc, offsetof(struct gc_target_state, stats.pause_throttled_ns), 1e-9);
}

static void gc_metrics(void *state, struct target_ctx *const *tcs, size_t n, struct prom *p)
{
	struct gc_state *gs = state;

	for (size_t i = 0; gs->from_memstats && i < n; i++) {	/* every cycle up to the render */
		struct gc_target_state *ts = tcs[i]->cap_state[gs->index];

		if (ts)
			read_now(gs, ts, monotonic_ns());
	}
	cycle_metrics(gs->index, tcs, n, p);
	if (gs->from_memstats)
		capability_metric_u64(p, "gotrace_gc_cycles_unread_total", "counter",
				      "GC cycles whose record the runtime overwrote before gotrace read it.", tcs, n,
				      gs->index, offsetof(struct gc_target_state, stats.cycles_unread), 1);
	else
		stop_metrics(gs->index, tcs, n, p);
}

CAPABILITY_BSS_COUNTER(gc_probe_hits, struct gc_state, probe_hits)

static int gc_probe_count(void *state)
{
	return ((struct gc_state *)state)->probes;
}

CAPABILITY_BSS_COUNTER(gc_events_lost, struct gc_state, events_lost)

static void gc_close(void *state)
{
	struct gc_state *gs = state;

	gc_bpf__destroy(gs->skel);
	poller_free(&gs->poller);
	free(gs);
}

const struct capability gc_capability = {
	.name = "gc",
	.description = "stop-the-world pauses (per reason) and GC cycles, timed by the runtime's own clock",
	.default_on = true,
	.open = gc_open,
	.attach = gc_attach,
	.detach = gc_detach,
	.interval = gc_interval,
	.finish = gc_finish,
	.summary = gc_summary,
	.metrics = gc_metrics,
	.probe_hits = gc_probe_hits,
	.probe_count = gc_probe_count,
	.events_lost = gc_events_lost,
	.close = gc_close,
};
