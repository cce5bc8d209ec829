/* SPDX-License-Identifier: GPL-2.0 */
/* The wait loop every tracing command shares: BPF ring buffers, the print interval, Ctrl-C/SIGTERM, the end of
 * the duration, and the target's exit, all from one epoll. */
#ifndef GOTRACE_EVENT_LOOP_H
#define GOTRACE_EVENT_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define LOOP_MAX_SOURCES 16

enum loop_stop {
	LOOP_RUNNING = 0,
	LOOP_SIGNAL,		/* SIGINT, SIGTERM or SIGHUP (last_signal says which) */
	LOOP_DEADLINE,		/* -d elapsed, or the interval count reached */
	LOOP_TARGET_EXITED,
	LOOP_ERROR,
};

typedef int (*loop_fd_fn)(void *ctx);		/* < 0 stops with LOOP_ERROR, > 0 with LOOP_TARGET_EXITED */
typedef int (*loop_tick_fn)(void *ctx);		/* called every interval; non-zero stops with LOOP_DEADLINE */

struct loop_source {
	int fd;
	loop_fd_fn fn;
	void *ctx;
};

struct event_loop {
	int epfd, sigfd, timerfd, pidfd;
	int watched_pid;		/* polled when pidfd_open is not available */
	uint64_t deadline_ns;		/* CLOCK_MONOTONIC, 0 = none */
	loop_tick_fn tick;
	void *tick_ctx;
	struct loop_source sources[LOOP_MAX_SOURCES];
	int nsources;
	int timer_fds[LOOP_MAX_SOURCES];	/* owned by the loop, closed by loop_close */
	int ntimers;
	FILE *output;			/* flushed after each wakeup; a write error stops the loop (LOOP_ERROR) */
	bool output_failed;
	int last_error;
	int last_signal;
};

/* Blocks SIGINT/SIGTERM (delivered through a signalfd instead). 0 or negative errno. */
int loop_init(struct event_loop *l);
void loop_close(struct event_loop *l);
int loop_add_fd(struct event_loop *l, int fd, loop_fd_fn fn, void *ctx);
int loop_set_interval(struct event_loop *l, uint64_t interval_ns, loop_tick_fn tick, void *ctx);
/* A periodic callback of a capability's own (e.g. polling a process's memory); fn < 0 stops with LOOP_ERROR. */
int loop_add_timer(struct event_loop *l, uint64_t period_ns, loop_fd_fn fn, void *ctx);
void loop_set_duration(struct event_loop *l, uint64_t duration_ns);
/* Stops the loop with LOOP_TARGET_EXITED when the process exits. */
int loop_watch_pid(struct event_loop *l, int pid);
/* Watch `out`: a failed write (closed pipe, full disk) ends the loop with LOOP_ERROR, output_failed set and
 * last_error the errno. */
void loop_watch_output(struct event_loop *l, FILE *out);
enum loop_stop loop_run(struct event_loop *l);

uint64_t monotonic_ns(void);
uint64_t realtime_ns(void);

#endif
