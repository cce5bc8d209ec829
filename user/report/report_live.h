/* SPDX-License-Identifier: GPL-2.0 */
/* `gotrace report -p PID` records with gotrace itself: this binary run twice at once, as `gotrace -j ... 1` (the
 * trace, one interval per second for the heatmaps) and `gotrace flame` (the CPU profile), so that the report
 * never duplicates what those commands do. */
#ifndef GOTRACE_REPORT_LIVE_H
#define GOTRACE_REPORT_LIVE_H

#include <stdbool.h>
#include <stdint.h>

struct report_live_opts {
	int pid;			/* the process, or: */
	char **cmd;			/* a command to start stopped, released once both children have attached */
	uint64_t duration_ns;		/* 0: until Ctrl-C, SIGTERM or the process's exit */
	bool flame;			/* also record the CPU profile */
	const char *trace_path;		/* the trace's ndjson goes here */
	const char *folded_path;	/* and the profile's folded stacks here */
	int verbosity;			/* -v passed on */
};

struct report_live_result {
	int pid;			/* the process recorded */
	int trace_status, flame_status;	/* exit codes (128 + signal when killed); -1 when not run */
	bool cmd_running;		/* with cmd: it outlived the recording (-d); reap it with spawn_reap() */
};

/* Runs the children until both have exited, passing their messages on to stderr line by line and Ctrl-C or
 * SIGTERM on to them. 0 when they ran (their exit codes in res), or a negative errno when they could not be
 * started (the reason already reported). A command that never ran is killed; one still running is left to the
 * caller, as `gotrace -- CMD -d` leaves it (res->pid, cmd_running). */
int report_live_run(const struct report_live_opts *o, struct report_live_result *res);

#endif
