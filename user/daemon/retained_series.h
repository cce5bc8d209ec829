/* SPDX-License-Identifier: GPL-2.0 */
/* The last series of traced processes that exited, kept in /metrics for a while: a process's counters and
 * histograms grow until it exits, and a scrape after that is the only one that sees their final values. Each
 * process's series are kept until one scrape has served them (Prometheus then holds the final values, and marks
 * the series stale at its next scrape, when they are gone), or for at most max_age when no scrape comes: series
 * of dead PIDs do not pile up under churn, scraped or not. With OTLP export on, they also stay until an export
 * has carried them (sent or failed: a collector that is down does not make them pile up either). */
#ifndef GOTRACE_RETAINED_SERIES_H
#define GOTRACE_RETAINED_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct retained_process {
	int pid;
	char *exposition;		/* its series, as its own exposition (prom.h) */
	uint64_t added_ns;		/* when the process's exit was handled */
	bool published;			/* in the exposition /metrics serves */
	uint64_t scrapes_at_publish;
	bool exported;			/* an OTLP export has carried them */
};

struct retained_series {
	struct retained_process *all;
	size_t n, cap;
	bool wait_for_export;		/* OTLP metrics are exported: keep series until an export had them */
};

/* Keeps pid's series from now_ns (exposition is taken over, also on failure). 0 or -ENOMEM. */
int retained_add(struct retained_series *r, int pid, char *exposition, uint64_t now_ns);
/* Drops pid's series: a new process with the PID is traced, whose series have the same labels. Whether any. */
bool retained_drop_pid(struct retained_series *r, int pid);
/* A rendering holding every kept series now serves scrapes; scrapes counts the scrapes served so far. */
void retained_published(struct retained_series *r, uint64_t scrapes);
/* An OTLP export has just carried every series kept now. */
void retained_exported(struct retained_series *r);
/* Drops the series that a scrape has served since they were published, or kept max_age_ns already (renders happen
 * only for scrapes: with none, series are never published and go by age). Whether any. */
bool retained_expire(struct retained_series *r, uint64_t scrapes, uint64_t max_age_ns, uint64_t now_ns);
/* The kept expositions, for prom_merge; out holds r->n pointers. */
void retained_expositions(const struct retained_series *r, const char **out);
void retained_free(struct retained_series *r);

#endif
