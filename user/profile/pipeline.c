// SPDX-License-Identifier: GPL-2.0
/* The profile pipeline (design in pipeline.h): one stack source per pipeline, batches collected from it, and
 * profiles built from a batch one process at a time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/pipeline.h"
#include "profile/symbolize.h"

#define NS_PER_S 1000000000ull

struct profile_pipeline {
	const struct profile_type *type;
	unsigned hz;
	void *state;		/* the source's */
};

int pipeline_start(const struct profile_type *t, const struct stack_source_opts *o, struct profile_pipeline **out,
		   char *why, size_t why_size)
{
	struct profile_pipeline *pl = calloc(1, sizeof(*pl));
	int err;

	if (!pl)
		return -ENOMEM;
	pl->type = t;
	pl->hz = o->hz;
	why[0] = '\0';
	err = t->source->start(t, o, &pl->state, why, why_size);
	if (err) {
		if (!why[0])
			snprintf(why, why_size, "%s", strerror(-err));
		pipeline_stop(pl);
		return err;
	}
	*out = pl;
	return 0;
}

void pipeline_stop(struct profile_pipeline *pl)
{
	if (!pl)
		return;
	pl->type->source->stop(pl->state);
	free(pl);
}

int pipeline_collect(struct profile_pipeline *pl, bool forget, struct stack_batch **out)
{
	const struct stack_source *src = pl->type->source;
	struct stack_batch *b;
	int err = stack_batch_new(&b);

	if (err)
		return err;
	err = src->read(pl->state, pl->type, b);
	if (forget && src->clear)
		src->clear(pl->state);
	if (err) {
		stack_batch_free(b);
		return err;
	}
	*out = b;
	return 0;
}

int pipeline_take(struct profile_pipeline *pl, const uint32_t *pids, size_t n, struct stack_batch **out)
{
	const struct stack_source *src = pl->type->source;
	struct stack_batch *b;
	int err;

	if (!src->take)
		return -ENOTSUP;
	err = stack_batch_new(&b);
	if (err)
		return err;
	err = src->take(pl->state, pl->type, pids, n, b);
	if (err) {
		stack_batch_free(b);
		return err;
	}
	*out = b;
	return 0;
}

void pipeline_stats(const struct profile_pipeline *pl, struct stack_source_stats *st)
{
	pl->type->source->stats(pl->state, st);
}

/* ---- aggregate and symbolize ---- */

static int64_t period_ns(unsigned hz)
{
	return (int64_t)(NS_PER_S / (hz ? hz : 1));
}

static int64_t stack_value(enum profile_value v, const struct raw_stack *s, unsigned hz)
{
	switch (v) {
	case PROFILE_VALUE_PERIOD:
		return s->count * period_ns(hz);
	case PROFILE_VALUE_NS:
		return s->ns;
	default:
		return s->count;
	}
}

static struct profile *new_profile(const struct profile_type *t, unsigned hz)
{
	bool cpu = t->period_type.type != NULL;

	return profile_new(t->value_types, t->nvalues, cpu ? t->period_type : t->value_types[0],
			   cpu ? period_ns(hz) : 1);
}

static int add_stack(const struct profile_pipeline *pl, struct sym_profile *sp, struct symbolizer *sym,
		     const char *comm, const struct raw_stack *s)
{
	const struct profile_type *t = pl->type;
	struct sym_stack st = { .kernel = s->kernel, .nkernel = s->nkernel, .user = s->user, .nuser = s->nuser,
				.leaf_exact = s->leaf_exact, .kernel_from_tracepoint = s->kernel_from_tracepoint,
				.root = s->root };
	struct profile_label labels[5] = {
		{ "pid", NULL, s->tgid, NULL }, { "tid", NULL, s->tid, NULL }, { "comm", comm, 0, NULL },
		{ "thread", s->thread, 0, NULL }, { "state", s->state, 0, NULL },
	};
	int64_t values[2];

	for (int i = 0; i < t->nvalues && i < 2; i++)
		values[i] = stack_value(t->values[i], s, pl->hz);
	return sym_profile_add(sp, sym, &st, values, labels, s->state ? 5 : 4);
}

int pipeline_build(const struct profile_pipeline *pl, const struct stack_batch *b, uint32_t pid, const char *comm,
		   struct symbolizer *sym, struct profile **out)
{
	struct profile *p = new_profile(pl->type, pl->hz);
	struct sym_profile *sp = NULL;
	struct raw_stack s;
	int err = p ? sym_profile_new(p, &sp) : -ENOMEM;

	for (size_t i = 0, n = stack_batch_count(b); !err && i < n; i++) {
		stack_batch_get(b, i, &s);
		if (s.tgid == pid)
			err = add_stack(pl, sp, sym, comm, &s);
	}
	sym_profile_free(sp);
	if (err) {
		profile_free(p);
		return err;
	}
	*out = p;
	return 0;
}
