/* SPDX-License-Identifier: GPL-2.0 */
/* A tracing session: the shared maps, each capability opened once, and the traced processes with their
 * per-capability state. `gotrace -p` runs one process in it, the daemon many. */
#ifndef GOTRACE_SESSION_H
#define GOTRACE_SESSION_H

#include "tracer/bpf_cost.h"
#include "tracer/capability.h"

struct session {
	struct trace_ctx ctx;
	struct event_bus *bus;
	const struct capability *caps[MAX_CAPS];
	void *state[MAX_CAPS];
	int ncaps;
	struct target_ctx **targets;
	size_t ntargets;
	struct bpf_cost cost;
	bool stop;		/* set by an event handler: the loop ends after this batch (LOOP_TARGET_EXITED) */
	bool tearing_down;	/* session_tearing_down() was called */
};

/* Opens the event bus and every enabled capability; one that cannot run on this machine is left out with a
 * warning. 0, or a negative errno after an error message (nothing could be opened, or a fatal failure). */
int session_open(struct session *s, const struct capability *const *caps, const bool *enabled, int ncaps,
		 struct event_loop *loop, struct output_sink *out, const struct capability_options *opts);
void session_close(struct session *s);

/* Opens the process and attaches every open capability; one that does not apply to it is left out with a
 * warning (prefixed by the PID). 0, or a negative errno: with why set when opening the process failed (the
 * caller reports it), with why empty when attaching failed (already reported; -ENOTSUP: nothing applies). */
int session_add_target(struct session *s, int pid, struct target_ctx **out, char *why, size_t why_size);
/* The same for a process the caller opened already; the session takes t over (also on failure). */
int session_add_opened_target(struct session *s, struct target *t, struct target_ctx **out, char *why,
			      size_t why_size);
/* Detaches the process and frees tc. While the process still runs (a reload drops it, it exec'd) this waits for
 * the BPF programs that had already passed its targets check (about 10 ms: event_bus_remove_target), so that
 * nothing of it is left in the maps. A process that exited does not wait: its threads are gone (a dying thread's
 * last switch-out may still leave its per-thread state, which its map's LRU bound takes, never read as the next
 * attach's), and a daemon seeing hundreds of exits a second must not stall 10 ms on each. */
void session_remove_target(struct session *s, struct target_ctx *tc);
/* From now on removals do not wait: every target is about to go with the maps (a daemon stopping). */
void session_tearing_down(struct session *s);
struct target_ctx *session_find(struct session *s, uint32_t pid);

/* Per process: add the interval's figures to the record open in out and reset them; fill the facts; add the
 * summary's figures. */
void session_interval(struct session *s, struct target_ctx *tc, struct output_sink *out);
void session_finish(struct session *s, struct target_ctx *tc);
void session_summary(struct session *s, struct target_ctx *tc, struct output_sink *out);

/* Daemon: every capability's metric families, for every process. */
void session_metrics(struct session *s, struct prom *p);
/* The same for one process only (the daemon keeps an exited process's last series for a while). */
void session_target_metrics(struct session *s, struct target_ctx *tc, struct prom *p);

int session_consume(struct session *s);
int session_probe_count(const struct session *s);
uint64_t session_probe_hits(const struct session *s);
uint64_t session_events_lost(const struct session *s);

#endif
