/* SPDX-License-Identifier: GPL-2.0 */
/* The one place gotrace talks to the user about problems: "gotrace: ..." lines on stderr, verbosity, libbpf's log. */
#ifndef GOTRACE_LOG_H
#define GOTRACE_LOG_H

#include <stdbool.h>

/* Exit codes, the same for every subcommand. */
enum {
	EXIT_OK = 0,
	EXIT_FAILURE_RUN = 1,	/* something failed while running (attach, load, target vanished before start) */
	EXIT_USAGE = 2,		/* bad command line */
};

extern int log_verbosity;	/* 0 quiet, 1 -v, 2 -vv (libbpf debug) */
extern bool log_json;		/* the daemon: one JSON object per line {"time","level","msg"} for log collectors */

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* only with -v */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* only with -vv */
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* always, level info */

/* Routes libbpf's own messages through the verbosity level (warnings only with -v, debug with -vv). */
void log_setup_libbpf(void);

/* A short hint for an errno from bpf()/perf_event_open(): which privilege or kernel feature is missing. */
const char *log_privilege_hint(int err);

#endif
