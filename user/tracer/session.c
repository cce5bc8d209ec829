// SPDX-License-Identifier: GPL-2.0
/* Session bookkeeping: which capability runs for which process, and the fan-out of interval, finish and summary
 * calls. Messages about capabilities that cannot run are logged here, once, in the shared format. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/event_loop.h"
#include "lib/log.h"
#include "sys/proc.h"
#include "tracer/session.h"

static struct target_ctx *lookup(void *session, uint32_t pid)
{
	return session_find(session, pid);
}

static int on_events(void *session)
{
	int err = session_consume(session);

	return err ? err : ((struct session *)session)->stop;
}

/* A capability whose open failed before its state existed has nothing to close. */
static void close_state(const struct capability *c, void **state)
{
	if (*state)
		c->close(*state);
	*state = NULL;
}

int session_open(struct session *s, const struct capability *const *caps, const bool *enabled, int ncaps,
		 struct event_loop *loop, struct output_sink *out, const struct capability_options *opts)
{
	int err = event_bus_open(&s->bus), opened = 0;

	if (err) {
		log_error("cannot create BPF maps: %s%s%s", strerror(-err), log_privilege_hint(err)[0] ? "; " : "",
			  log_privilege_hint(err));
		return err;
	}
	bpf_cost_start(&s->cost);
	s->tearing_down = false;
	s->ctx = (struct trace_ctx){ .bus = s->bus, .loop = loop, .out = out->opts, .sink = out,
				     .opts = *opts, .lookup = lookup, .session = s };
	for (int i = 0; i < ncaps && i < MAX_CAPS; i++) {
		char note[512] = "";

		if (!enabled[i])
			continue;
		err = caps[i]->open(&s->ctx, s->ncaps, &s->state[s->ncaps], note, sizeof(note));
		if (err && err != -ENOTSUP) {
			log_error("%s", note[0] ? note : strerror(-err));
			close_state(caps[i], &s->state[s->ncaps]);
			return err;
		}
		if (note[0])
			log_warn("%s", note);
		if (err) {
			close_state(caps[i], &s->state[s->ncaps]);
			continue;
		}
		s->caps[s->ncaps++] = caps[i];
		opened++;
	}
	if (!opened) {
		log_error("nothing can be traced on this machine (see the warnings above)");
		return -ENOTSUP;
	}
	err = loop_add_fd(loop, event_bus_fd(s->bus), on_events, s);
	return err ? err : loop_add_timer(loop, EVENTS_POLL_MS * 1000000ull, on_events, s);
}

static int track(struct session *s, struct target_ctx *tc)
{
	struct target_ctx **n = realloc(s->targets, (s->ntargets + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	s->targets = n;
	s->targets[s->ntargets++] = tc;
	return 0;
}

/* Attaches every capability; 0 when at least one runs, -ENOTSUP when none applies. */
static int attach_all(struct session *s, struct target_ctx *tc)
{
	int attached = 0;

	for (int i = 0; i < s->ncaps; i++) {
		char note[512] = "";
		int err = s->caps[i]->attach(s->state[i], tc, &tc->cap_state[i], note, sizeof(note));

		if (err && err != -ENOTSUP) {
			log_error("PID %d: %s", tc->target.proc.pid, note[0] ? note : strerror(-err));
			return err;
		}
		if (note[0])
			log_warn("PID %d: %s", tc->target.proc.pid, note);
		attached += !err;
	}
	if (!attached) {
		log_error("PID %d: nothing can be traced (see the warnings above)", tc->target.proc.pid);
		return -ENOTSUP;
	}
	return 0;
}

int session_add_target(struct session *s, int pid, struct target_ctx **out, char *why, size_t why_size)
{
	struct target t;
	int err = target_open(pid, &t, why, why_size);

	return err ? err : session_add_opened_target(s, &t, out, why, why_size);
}

int session_add_opened_target(struct session *s, struct target *t, struct target_ctx **out, char *why,
			      size_t why_size)
{
	struct target_ctx *tc = calloc(1, sizeof(*tc));
	int pid = t->proc.pid, err;

	if (!tc) {
		target_close(t);
		return -ENOMEM;
	}
	(void)why_size;
	tc->target = *t;
	throttle_init(&tc->throttle);
	err = track(s, tc);
	if (!err)
		err = event_bus_add_target(s->bus, pid);
	if (!err)
		err = attach_all(s, tc);
	if (err) {
		why[0] = '\0';	/* attach_all said why */
		session_remove_target(s, tc);
		return err;
	}
	tc->start_ns = monotonic_ns();
	go_binary_drop_pages(tc->target.bin);	/* every capability has read what it needs of it */
	*out = tc;
	return 0;
}

/* Out of the targets map first, and the programs that had read it done (settle: session.h): from then on nothing
 * writes for the process, so that what each capability's detach deletes from its maps stays deleted. */
void session_remove_target(struct session *s, struct target_ctx *tc)
{
	bool settle = !s->tearing_down && proc_target_alive(&tc->target.proc);

	event_bus_remove_target(s->bus, tc->target.proc.pid, settle);
	for (int i = 0; i < s->ncaps; i++)
		if (tc->cap_state[i])
			s->caps[i]->detach(s->state[i], tc, tc->cap_state[i]);
	for (size_t i = 0; i < s->ntargets; i++)
		if (s->targets[i] == tc)
			s->targets[i] = s->targets[--s->ntargets];
	throttle_free(&tc->throttle);
	target_close(&tc->target);
	free(tc);
}

void session_tearing_down(struct session *s)
{
	s->tearing_down = true;
}

struct target_ctx *session_find(struct session *s, uint32_t pid)
{
	for (size_t i = 0; i < s->ntargets; i++)
		if ((uint32_t)s->targets[i]->target.proc.pid == pid)
			return s->targets[i];
	return NULL;
}

void session_interval(struct session *s, struct target_ctx *tc, struct output_sink *out)
{
	for (int i = 0; i < s->ncaps; i++)
		if (tc->cap_state[i] && s->caps[i]->interval)
			s->caps[i]->interval(s->state[i], tc, tc->cap_state[i], out);
}

void session_finish(struct session *s, struct target_ctx *tc)
{
	const struct go_binary *gb = tc->target.bin;

	tc->facts.window_ns = monotonic_ns() - tc->start_ns;
	snprintf(tc->facts.go_version, sizeof(tc->facts.go_version), "%s", go_binary_version_str(gb));
	tc->facts.go_minor = gb->version_known && gb->version.major == 1 ? gb->version.minor : 0;
	for (int i = 0; i < s->ncaps; i++)
		if (tc->cap_state[i] && s->caps[i]->finish)
			s->caps[i]->finish(s->state[i], tc, tc->cap_state[i]);
}

void session_summary(struct session *s, struct target_ctx *tc, struct output_sink *out)
{
	for (int i = 0; i < s->ncaps; i++)
		if (tc->cap_state[i] && s->caps[i]->summary)
			s->caps[i]->summary(s->state[i], tc, tc->cap_state[i], out);
}

int session_consume(struct session *s)
{
	int n = event_bus_consume(s->bus);

	return n < 0 && n != -EINTR ? n : 0;
}

int session_probe_count(const struct session *s)
{
	int n = 0;

	for (int i = 0; i < s->ncaps; i++)
		if (s->caps[i]->probe_count)
			n += s->caps[i]->probe_count(s->state[i]);
	return n;
}

uint64_t session_probe_hits(const struct session *s)
{
	uint64_t n = 0;

	for (int i = 0; i < s->ncaps; i++)
		if (s->caps[i]->probe_hits)
			n += s->caps[i]->probe_hits(s->state[i]);
	return n;
}

uint64_t session_events_lost(const struct session *s)
{
	uint64_t n = 0;

	for (int i = 0; i < s->ncaps; i++)
		if (s->caps[i]->events_lost)
			n += s->caps[i]->events_lost(s->state[i]);
	return n;
}

void session_close(struct session *s)
{
	session_tearing_down(s);	/* the maps go with the session: no need to wait for the programs in flight */
	while (s->ntargets)
		session_remove_target(s, s->targets[s->ntargets - 1]);
	free(s->targets);
	s->targets = NULL;
	for (int i = 0; i < s->ncaps; i++)
		close_state(s->caps[i], &s->state[i]);
	s->ncaps = 0;
	event_bus_close(s->bus);
	s->bus = NULL;
	bpf_cost_stop(&s->cost);
}

static void metrics_of(struct session *s, struct target_ctx *const *tcs, size_t n, struct prom *p)
{
	for (int i = 0; i < s->ncaps; i++)
		if (s->caps[i]->metrics)
			s->caps[i]->metrics(s->state[i], tcs, n, p);
}

void session_metrics(struct session *s, struct prom *p)
{
	metrics_of(s, s->targets, s->ntargets, p);
}

void session_target_metrics(struct session *s, struct target_ctx *tc, struct prom *p)
{
	metrics_of(s, &tc, 1, p);
}
