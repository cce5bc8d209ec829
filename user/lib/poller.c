// SPDX-License-Identifier: GPL-2.0
/* A capability's user-space polling (poller.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "lib/poller.h"

void poller_init(struct poller *p, struct event_loop *loop, uint64_t period_ns, poller_visit_fn visit, void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->loop = loop;
	p->period_ns = period_ns;
	p->visit = visit;
	p->ctx = ctx;
}

void poller_visit_all(struct poller *p)
{
	for (size_t i = 0; i < p->n; i++)
		p->visit(p->ctx, p->items[i]);
}

static int on_timer(void *arg)
{
	poller_visit_all(arg);
	return 0;
}

int poller_add(struct poller *p, void *item)
{
	int err;

	if (!p->started) {
		if ((err = loop_add_timer(p->loop, p->period_ns, on_timer, p)))
			return err;
		p->started = true;
	}
	if (array_reserve(&p->items, &p->cap, p->n + 1, sizeof(*p->items), 8))
		return -ENOMEM;
	p->items[p->n++] = item;
	return 0;
}

void poller_remove(struct poller *p, void *item)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i] == item)
			p->items[i] = p->items[--p->n];
}

void poller_free(struct poller *p)
{
	free(p->items);
	p->items = NULL;
	p->n = p->cap = 0;
}
