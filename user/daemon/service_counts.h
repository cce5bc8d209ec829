/* SPDX-License-Identifier: GPL-2.0 */
/* Counts per service that outlive the processes they count (the OOM kills of a service's processes, each of which
 * took its own series with it), served as one counter family with a service label. */
#ifndef GOTRACE_SERVICE_COUNTS_H
#define GOTRACE_SERVICE_COUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/prom.h"

struct service_count {
	char *service;
	uint64_t n;
};

struct service_counts {
	struct service_count *v;
	size_t n, cap;
};

/* One more for service (added on first sight). 0 or -ENOMEM. */
int service_counts_add(struct service_counts *c, const char *service);
uint64_t service_counts_get(const struct service_counts *c, const char *service);
/* The family and a sample per service, in order of first count; the family's header alone when none. */
void service_counts_metric(const struct service_counts *c, struct prom *p, const char *name, const char *help);
void service_counts_free(struct service_counts *c);

#endif
