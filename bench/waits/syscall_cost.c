// SPDX-License-Identifier: GPL-2.0
/* Nanoseconds per system call of a process gotrace does not trace: what the waits capability's hooks cost the
 * rest of the machine. getppid: a syscall the programs ignore after comparing its number; futex: one they look
 * at (FUTEX_WAKE_PRIVATE on a word nobody waits on, which returns at once) before the process filter drops it.
 * Usage: syscall_cost getppid|futex [calls]; prints the best of 5 batches. */
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static int word;
	long calls = argc > 2 ? atol(argv[2]) : 1000000;
	int futex = argc > 1 && strcmp(argv[1], "futex") == 0;
	double best = 1e18;

	if (argc < 2 || calls <= 0 || (!futex && strcmp(argv[1], "getppid"))) {
		fprintf(stderr, "usage: syscall_cost getppid|futex [calls]\n");
		return 2;
	}
	for (int batch = 0; batch < 5; batch++) {
		unsigned long long t0 = now_ns();

		for (long i = 0; i < calls; i++) {
			if (futex)
				syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
			else
				syscall(SYS_getppid);
		}
		double ns = (double)(now_ns() - t0) / (double)calls;
		if (ns < best)
			best = ns;
	}
	printf("%.1f\n", best);
	return 0;
}
