// SPDX-License-Identifier: GPL-2.0
/* The stacks of one read, stored compactly: one array of entries and one of every PC, so that a read of many
 * thousand stacks is a few allocations; entries point into the PC array by index, which survives its growth. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "profile/stack_batch.h"

#define THREAD_LEN 16		/* a comm: TASK_COMM_LEN without its NUL */
#define STATE_LEN 63		/* "FUTEX_WAIT_BITSET_PRIVATE", "epoll_pwait2 poll" */

struct entry {
	struct raw_stack s;	/* thread, state, user and kernel are rebuilt from the fields below */
	char thread[THREAD_LEN + 1];
	char state[STATE_LEN + 1];
	size_t user_at, kernel_at;	/* indexes in pcs */
};

struct process {
	uint32_t pid;
	int64_t count;
};

struct stack_batch {
	struct entry *entries;
	size_t n, cap;
	uint64_t *pcs;
	size_t npcs, pcs_cap;
	struct process *procs;
	size_t nprocs, procs_cap;
};

int stack_batch_new(struct stack_batch **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void stack_batch_free(struct stack_batch *b)
{
	if (!b)
		return;
	free(b->entries);
	free(b->pcs);
	free(b->procs);
	free(b);
}

static int copy_pcs(struct stack_batch *b, const uint64_t *pcs, int n, size_t *at)
{
	if (n < 0 || (n && !pcs))
		return -EINVAL;
	if (array_reserve(&b->pcs, &b->pcs_cap, b->npcs + (size_t)n, sizeof(*b->pcs), 4096))
		return -ENOMEM;
	*at = b->npcs;
	if (n)
		memcpy(&b->pcs[b->npcs], pcs, (size_t)n * sizeof(*pcs));
	b->npcs += (size_t)n;
	return 0;
}

/* Stacks come grouped by process more often than not: the last one is checked first. */
static int count_process(struct stack_batch *b, uint32_t pid, int64_t count)
{
	for (size_t i = b->nprocs; i-- > 0;)
		if (b->procs[i].pid == pid) {
			b->procs[i].count += count;
			return 0;
		}
	if (array_reserve(&b->procs, &b->procs_cap, b->nprocs + 1, sizeof(*b->procs), 16))
		return -ENOMEM;
	b->procs[b->nprocs++] = (struct process){ pid, count };
	return 0;
}

int stack_batch_add(struct stack_batch *b, const struct raw_stack *s)
{
	struct entry *e;
	size_t npcs = b->npcs;
	int err;

	if (array_reserve(&b->entries, &b->cap, b->n + 1, sizeof(*b->entries), 256))
		return -ENOMEM;
	e = &b->entries[b->n];
	*e = (struct entry){ .s = *s };
	if ((err = copy_pcs(b, s->user, s->nuser, &e->user_at)) ||
	    (err = copy_pcs(b, s->kernel, s->nkernel, &e->kernel_at)) ||
	    (err = count_process(b, s->tgid, s->count))) {
		b->npcs = npcs;
		return err;
	}
	strncpy(e->thread, s->thread ? s->thread : "", THREAD_LEN);
	if (s->state)
		strncpy(e->state, s->state, STATE_LEN);
	b->n++;
	return 0;
}

size_t stack_batch_count(const struct stack_batch *b)
{
	return b->n;
}

void stack_batch_get(const struct stack_batch *b, size_t i, struct raw_stack *out)
{
	const struct entry *e = &b->entries[i];

	*out = e->s;
	out->thread = e->thread;
	out->state = e->s.state ? e->state : NULL;
	out->user = b->pcs ? &b->pcs[e->user_at] : NULL;	/* no PC in the whole batch: no array */
	out->kernel = b->pcs ? &b->pcs[e->kernel_at] : NULL;
}

size_t stack_batch_process_count(const struct stack_batch *b)
{
	return b->nprocs;
}

uint32_t stack_batch_process(const struct stack_batch *b, size_t i)
{
	return b->procs[i].pid;
}

int64_t stack_batch_count_of(const struct stack_batch *b, uint32_t pid)
{
	for (size_t i = 0; i < b->nprocs; i++)
		if (b->procs[i].pid == pid)
			return b->procs[i].count;
	return 0;
}
