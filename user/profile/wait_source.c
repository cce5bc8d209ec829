// SPDX-License-Identifier: GPL-2.0
/* The waits capability's BPF side, opened on its own through its stack-source API (no tracing session), read
 * as futex or epoll profile stacks. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "caps/wait_path.h"
#include "caps/wait_stacks.h"
#include "profile/profile_types.h"
#include "profile/wait_source.h"

static int wait_start(const struct profile_type *t, const struct stack_source_opts *o, void **state, char *why,
		      size_t why_size)
{
	(void)t;
	return wait_stacks_open(o->bus, o->target, (struct waits_state **)state, why, why_size);
}

struct wait_read {
	bool futex;
	struct stack_batch *batch;
};

/* A wait stack as a profile stack: aggregated per process (no thread), labelled with its operation. */
static int add_wait_stack(uint32_t tgid, unsigned int kind, const uint64_t *ips, int n, uint64_t count,
			  uint64_t ns, void *arg)
{
	struct wait_read *r = arg;
	char op[64];
	struct raw_stack s = { .tgid = tgid, .thread = "", .user = ips, .nuser = n,
			       .count = (int64_t)count, .ns = (int64_t)ns };

	if (wait_kind_is_futex(kind) != r->futex || (r->futex && !wait_kind_is_futex_wait(kind)))
		return 0;	/* futex wakes take no time worth a flamegraph */
	s.state = wait_kind_name(kind, op, sizeof(op));
	return stack_batch_add(r->batch, &s);
}

static int wait_read(void *state, const struct profile_type *t, struct stack_batch *b)
{
	struct wait_read r = { strcmp(t->name, "futex") == 0, b };

	return wait_stacks_read(state, 0, add_wait_stack, &r);
}

/* Wait stacks are counted in a map that drops nothing it can store: no sample loss to report. */
static void wait_stats(void *state, struct stack_source_stats *st)
{
	*st = (struct stack_source_stats){ .attach = "tracepoint" };
	if (!state)
		return;
	if (wait_stacks_attach(state))
		st->attach = wait_stacks_attach(state);
	st->stacks_dropped = wait_stacks_dropped(state);
}

static void wait_stop(void *state)
{
	if (state)
		wait_stacks_close(state);
}

const struct stack_source wait_source = {
	.start = wait_start,
	.read = wait_read,
	.stats = wait_stats,
	.stop = wait_stop,
};
