/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's periodic profiles: one profile pipeline (one BPF object) per profile type for every traced process,
 * collected every interval, built into one pprof per process, stored (with retention) and optionally pushed to
 * Pyroscope, Parca and an OTLP receiver. A process that ends gets its last, partial profile at once, however it ended. */
#ifndef GOTRACE_DAEMON_PROFILES_H
#define GOTRACE_DAEMON_PROFILES_H

#include <stdint.h>

#include "daemon/daemon_config.h"
#include "daemon/otlp_export.h"
#include "tracer/event_bus.h"
#include "lib/prom.h"

/* Who a process is, for file names, labels and the Pyroscope series. */
struct daemon_process {
	const char *service, *comm;
	const struct prom_label *labels;	/* pid, comm, executable, ... */
	int nlabels;
};

struct daemon_profiles;

/* Starts the profile types of cfg; otlp (borrowed, may be NULL) receives every profile too. 0; a negative errno with why (nothing can run). A type that cannot run here is
 * left out with a warning. */
int daemon_profiles_open(const struct daemon_config *cfg, struct event_bus *bus, struct otlp_exporter *otlp,
			 struct daemon_profiles **out, char *why, size_t why_size);
void daemon_profiles_close(struct daemon_profiles *dp);

/* A traced process joins (who is copied). Its memory map is read now, while it lives, so that its profile can be
 * symbolized after it exits. 0 or -ENOMEM (its samples are then counted as dropped). NULL dp: nothing to do. */
int daemon_profiles_add_process(struct daemon_profiles *dp, uint32_t pid, const struct daemon_process *who);

/* The process ended (exited, however; exec'd another program; or is no longer traced): its profile since the last
 * flush is made by the next daemon_profiles_flush_ended or daemon_profiles_flush. */
void daemon_profiles_end_process(struct daemon_profiles *dp, uint32_t pid);

/* Writes/pushes the last profile of every process that ended: only their stacks are collected (and forgotten),
 * the other processes' interval goes on. Cheap when none ended. */
void daemon_profiles_flush_ended(struct daemon_profiles *dp);

/* Collects what the pipelines gathered since the last flush and writes/pushes one profile per process and type:
 * every process, living or ended, exited unnoticed or not. */
void daemon_profiles_flush(struct daemon_profiles *dp);

/* The daemon's own metrics about profiles (written, pushed, failed, dropped samples, files kept). */
void daemon_profiles_metrics(struct daemon_profiles *dp, struct prom *p);

#endif
