//go:build cgo

package main

/*
#include <errno.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

// Waits until n waits of 1 ms on an epoll instance with nothing in it (epoll_wait, which the Go runtime never
// calls) have timed out; returns n, or -1. A signal can cut a wait short (EINTR): it is counted in *interrupted
// and waited again, so the kernel sees n + *interrupted calls.
static int epoll_timeouts(int n, int *interrupted)
{
	struct epoll_event ev;
	int fd = epoll_create1(0), timeouts = 0;

	*interrupted = 0;
	if (fd < 0)
		return -1;
	while (timeouts < n) {
		int ready = epoll_wait(fd, &ev, 1, 1);

		if (ready == 0)
			timeouts++;
		else if (ready < 0 && errno == EINTR)
			(*interrupted)++;
		else
			break;
	}
	close(fd);
	return timeouts == n ? n : -1;
}

// Waits n times for 1 ms on a condition nobody signals; returns how many waits timed out.
static int timed_waits(int n)
{
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
	int timeouts = 0;

	pthread_mutex_lock(&mu);
	for (int i = 0; i < n; i++) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		while (pthread_cond_timedwait(&cond, &mu, &ts) != ETIMEDOUT)
			;
		timeouts++;
	}
	pthread_mutex_unlock(&mu);
	return timeouts;
}
*/
import "C"

func cTimedWaits(n int) int { return int(C.timed_waits(C.int(n))) }

func cEpollTimeouts(n int) (timeouts, interrupted int) {
	var cut C.int
	timeouts = int(C.epoll_timeouts(C.int(n), &cut))
	return timeouts, int(cut)
}
