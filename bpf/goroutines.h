/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by goroutines.bpf.c and user/goroutines.c: the goroutine states the exact mode watches. */
#ifndef GOTRACE_GOROUTINES_H
#define GOTRACE_GOROUTINES_H

#include "log2_hist.h"

/* runtime/runtime2.go, unchanged since Go 1.0 for these two. */
#define GO_GRUNNABLE 1
#define GO_GRUNNING 2

enum goroutine_hist_kind {
	GOROUTINE_SCHED_DELAY = 0,	/* _Grunnable -> _Grunning, every dispatch */
};

#endif
