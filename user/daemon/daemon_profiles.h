/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's periodic profiles: one profile pipeline (one BPF object) per profile type for every traced process,
 * collected every interval, built into one pprof per process, stored (with retention) and optionally pushed to
 * Pyroscope. */
#ifndef GOTRACE_DAEMON_PROFILES_H
#define GOTRACE_DAEMON_PROFILES_H

#include <stdint.h>

#include "daemon/daemon_config.h"
#include "tracer/event_bus.h"
#include "lib/prom.h"

/* Who a process is, for file names, labels and the Pyroscope series; NULL when it is no longer traced. */
struct daemon_process {
	const char *service, *comm;
	const struct prom_label *labels;	/* pid, comm, executable, ... */
	int nlabels;
};
typedef const struct daemon_process *(*daemon_process_fn)(uint32_t pid, void *ctx);

struct daemon_profiles;

/* Starts the profile types of cfg. 0; a negative errno with why (nothing can run). A type that cannot run here is
 * left out with a warning. */
int daemon_profiles_open(const struct daemon_config *cfg, struct event_bus *bus, struct daemon_profiles **out,
			 char *why, size_t why_size);
void daemon_profiles_close(struct daemon_profiles *dp);

/* Collects what the pipelines gathered since the last flush and writes/pushes one profile per process and type. */
void daemon_profiles_flush(struct daemon_profiles *dp, daemon_process_fn who, void *ctx);

/* The daemon's own metrics about profiles (written, pushed, failed, dropped samples, files kept). */
void daemon_profiles_metrics(struct daemon_profiles *dp, struct prom *p);

#endif
