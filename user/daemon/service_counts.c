// SPDX-License-Identifier: GPL-2.0
/* A short list searched linearly: services on one host number in the tens. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/service_counts.h"
#include "lib/array.h"

static struct service_count *find(const struct service_counts *c, const char *service)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].service, service))
			return &c->v[i];
	return NULL;
}

int service_counts_add(struct service_counts *c, const char *service)
{
	struct service_count *s = find(c, service);
	char *copy;

	if (s) {
		s->n++;
		return 0;
	}
	if (array_reserve(&c->v, &c->cap, c->n + 1, sizeof(*c->v), 8) || !(copy = strdup(service)))
		return -ENOMEM;
	c->v[c->n++] = (struct service_count){ copy, 1 };
	return 0;
}

uint64_t service_counts_get(const struct service_counts *c, const char *service)
{
	const struct service_count *s = find(c, service);

	return s ? s->n : 0;
}

void service_counts_metric(const struct service_counts *c, struct prom *p, const char *name, const char *help)
{
	prom_family(p, name, "counter", help);
	for (size_t i = 0; i < c->n; i++)
		prom_sample(p, name, &(struct prom_label){ "service", c->v[i].service }, 1, (double)c->v[i].n);
}

void service_counts_free(struct service_counts *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].service);
	free(c->v);
	memset(c, 0, sizeof(*c));
}
