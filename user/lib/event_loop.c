// SPDX-License-Identifier: GPL-2.0
/* epoll over signalfd, timerfd, pidfd and the callers' fds. A pidfd turns "the target exited" into an fd event;
 * kernels without pidfd_open (before 5.3) fall back to checking /proc every 100 ms. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "lib/event_loop.h"

uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int epoll_add(int epfd, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* epoll tags: sources use their index; these mark the loop's own fds. */
enum { TAG_SIGNAL = 1000, TAG_TIMER, TAG_PID };

int loop_init(struct event_loop *l)
{
	sigset_t mask;

	memset(l, 0, sizeof(*l));
	l->sigfd = l->timerfd = l->pidfd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return -errno;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	l->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (l->sigfd < 0)
		return -errno;
	return epoll_add(l->epfd, l->sigfd, TAG_SIGNAL);
}

void loop_close(struct event_loop *l)
{
	int *fds[] = { &l->epfd, &l->sigfd, &l->timerfd, &l->pidfd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	for (int i = 0; i < l->ntimers; i++)
		close(l->timer_fds[i]);
	l->ntimers = 0;
}

int loop_add_fd(struct event_loop *l, int fd, loop_fd_fn fn, void *ctx)
{
	if (l->nsources == LOOP_MAX_SOURCES)
		return -ENOSPC;
	l->sources[l->nsources] = (struct loop_source){ fd, fn, ctx };
	return epoll_add(l->epfd, fd, (uint32_t)l->nsources++);
}

static int periodic_timerfd(uint64_t period_ns)
{
	struct itimerspec its = { 0 };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd < 0)
		return -errno;
	its.it_interval.tv_sec = period_ns / 1000000000ull;
	its.it_interval.tv_nsec = period_ns % 1000000000ull;
	its.it_value = its.it_interval;
	if (timerfd_settime(fd, 0, &its, NULL)) {
		close(fd);
		return -errno;
	}
	return fd;
}

int loop_add_timer(struct event_loop *l, uint64_t period_ns, loop_fd_fn fn, void *ctx)
{
	int fd, err;

	if (l->ntimers == LOOP_MAX_SOURCES)
		return -ENOSPC;
	fd = periodic_timerfd(period_ns);
	if (fd < 0)
		return fd;
	l->timer_fds[l->ntimers++] = fd;
	err = loop_add_fd(l, fd, fn, ctx);
	return err;
}

int loop_set_interval(struct event_loop *l, uint64_t interval_ns, loop_tick_fn tick, void *ctx)
{
	l->timerfd = periodic_timerfd(interval_ns);
	if (l->timerfd < 0)
		return l->timerfd;
	l->tick = tick;
	l->tick_ctx = ctx;
	return epoll_add(l->epfd, l->timerfd, TAG_TIMER);
}

void loop_set_duration(struct event_loop *l, uint64_t duration_ns)
{
	l->deadline_ns = duration_ns ? monotonic_ns() + duration_ns : 0;
}

int loop_watch_pid(struct event_loop *l, int pid)
{
	l->watched_pid = pid;
	l->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (l->pidfd < 0)
		return errno == ESRCH ? -ESRCH : 0;	/* ENOSYS: polled instead */
	return epoll_add(l->epfd, l->pidfd, TAG_PID);
}

static int wait_timeout_ms(const struct event_loop *l)
{
	int timeout = -1;

	if (l->watched_pid && l->pidfd < 0)
		timeout = 100;
	if (l->deadline_ns) {
		uint64_t now = monotonic_ns();
		int left = now >= l->deadline_ns ? 0 : (int)((l->deadline_ns - now + 999999) / 1000000);

		if (timeout < 0 || left < timeout)
			timeout = left;
	}
	return timeout;
}

static bool is_timer(const struct event_loop *l, int fd)
{
	for (int i = 0; i < l->ntimers; i++)
		if (l->timer_fds[i] == fd)
			return true;
	return false;
}

static enum loop_stop dispatch(struct event_loop *l, uint32_t tag)
{
	uint64_t expirations;

	switch (tag) {
	case TAG_SIGNAL: {
		struct signalfd_siginfo si;

		l->last_signal = read(l->sigfd, &si, sizeof(si)) == sizeof(si) ? (int)si.ssi_signo : SIGTERM;
		return LOOP_SIGNAL;
	}
	case TAG_PID:
		return LOOP_TARGET_EXITED;
	case TAG_TIMER:
		if (read(l->timerfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
			return LOOP_ERROR;
		return l->tick && l->tick(l->tick_ctx) ? LOOP_DEADLINE : LOOP_RUNNING;
	default:
		if (tag >= (uint32_t)l->nsources)
			return LOOP_RUNNING;
		if (is_timer(l, l->sources[tag].fd) && read(l->sources[tag].fd, &expirations, sizeof(expirations)) < 0 &&
		    errno != EAGAIN)
			return LOOP_ERROR;
		l->last_error = l->sources[tag].fn(l->sources[tag].ctx);
		if (l->last_error > 0)
			return LOOP_TARGET_EXITED;	/* a source saw the target go (e.g. exec of another program) */
		return l->last_error < 0 ? LOOP_ERROR : LOOP_RUNNING;
	}
}

void loop_watch_output(struct event_loop *l, FILE *out)
{
	l->output = out;
}

static bool output_broken(struct event_loop *l)
{
	if (!l->output)
		return false;
	errno = 0;
	if (fflush(l->output) == 0 && !ferror(l->output))
		return false;
	l->output_failed = true;
	l->last_error = errno ? -errno : -EIO;
	return true;
}

static bool pid_gone(int pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
}

enum loop_stop loop_run(struct event_loop *l)
{
	struct epoll_event evs[16];

	for (;;) {
		int n = epoll_wait(l->epfd, evs, 16, wait_timeout_ms(l));

		if (n < 0 && errno != EINTR) {
			l->last_error = -errno;
			return LOOP_ERROR;
		}
		for (int i = 0; i < n; i++) {
			enum loop_stop stop = dispatch(l, evs[i].data.u32);

			if (output_broken(l))
				return LOOP_ERROR;
			if (stop != LOOP_RUNNING)
				return stop;
		}
		if (l->deadline_ns && monotonic_ns() >= l->deadline_ns)
			return LOOP_DEADLINE;
		if (l->watched_pid && l->pidfd < 0 && pid_gone(l->watched_pid))
			return LOOP_TARGET_EXITED;
	}
}
