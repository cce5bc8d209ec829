/* SPDX-License-Identifier: GPL-2.0 */
/* The GOMAXPROCS of a running Go process, read from its memory when the binary names runtime.gomaxprocs, else
 * worked out the way its runtime does it (environment, CPU affinity, and the cgroup quota from Go 1.25). */
#ifndef GOTRACE_GOMAXPROCS_H
#define GOTRACE_GOMAXPROCS_H

#include <stdbool.h>

#include "tracer/target.h"

struct gomaxprocs_info {
	int value;		/* 0 = unknown */
	int ncpu;		/* CPUs in the process's affinity mask */
	const char *source;	/* how value was found, for people */
	bool from_memory;
	bool cgroup_aware;	/* the runtime sizes GOMAXPROCS from the cgroup quota (1.25+, not disabled) */
};

/* quota_cpus: the leaf cgroup's quota in CPUs (0 = none): Go 1.25+ reads only the leaf's limit. */
void gomaxprocs_find(const struct target *t, double quota_cpus, struct gomaxprocs_info *g);

/* The pieces, for tests: the value of NAME in an environ block (NUL-separated), NULL when absent. */
const char *environ_lookup(const char *block, size_t len, const char *name);
/* Whether a GODEBUG setting list ("a=1,containermaxprocs=0") turns containermaxprocs off. */
bool godebug_disables_containermaxprocs(const char *godebug);
/* What Go 1.25+ picks by default: min(ncpu, max(2, ceil(quota))), or ncpu without a quota. */
int gomaxprocs_go125_default(int ncpu, double quota_cpus);

#endif
