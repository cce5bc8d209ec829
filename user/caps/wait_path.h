/* SPDX-License-Identifier: GPL-2.0 */
/* Naming futex and epoll waits: their kind (waits.h), what a call returned, and which path of a Go program made
 * it, from the function names of its user stack. Pure C, unit-tested. */
#ifndef GOTRACE_WAIT_PATH_H
#define GOTRACE_WAIT_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "bpf/waits.h"

enum wait_path {
	WAIT_PATH_UNKNOWN = 0,	/* no stack, or nothing in it told */
	WAIT_PATH_M_PARK,	/* an idle thread (M) parks or is woken (mPark, stopm, startm, wakep), or the idle
				 * scheduler blocks in the network poller (findRunnable) */
	WAIT_PATH_STW,		/* stop-the-world and safe-point handshakes: stopTheWorldWithSema, forEachP, gcstopm */
	WAIT_PATH_RUNTIME_LOCK,	/* a runtime mutex: lock2/unlock2, and semasleep/semawakeup under it (Go 1.24+) */
	WAIT_PATH_SYSMON,	/* the sysmon thread's sleep */
	WAIT_PATH_RUNTIME,	/* another runtime path (os/signal's receiver, ...) */
	WAIT_PATH_USER_GO,	/* Go code outside the runtime calling futex itself (syscall.Syscall) */
	WAIT_PATH_CGO,		/* C code: the innermost frame is outside the Go function table */
	WAIT_PATHS,
};

/* funcs: the frames' function names, innermost first, inlined calls expanded; NULL for a frame the Go function
 * table does not cover. The innermost frame that names a path decides; the wrappers between the syscall and
 * that frame (runtime.futex, futexsleep, notesleep, netpoll, syscall.Syscall, ...) are looked through. */
enum wait_path wait_path_classify(const char *const *funcs, int n);

const char *wait_path_name(enum wait_path p);	/* "m_park": JSON keys */
const char *wait_path_label(enum wait_path p);	/* "M parking": text */

/* Kinds (WAITS_KIND_* in bpf/waits.h). "FUTEX_WAIT_PRIVATE", "FUTEX_WAKE", "epoll_pwait", "epoll_pwait poll"
 * (a call with a zero timeout). */
const char *wait_kind_name(unsigned int kind, char *buf, size_t size);
bool wait_kind_is_futex(unsigned int kind);
/* A futex command that can put the thread to sleep (FUTEX_WAIT, _BITSET, LOCK_PI, ...); the others wake. */
bool wait_kind_is_futex_wait(unsigned int kind);
/* An epoll call with a timeout other than zero. */
bool wait_kind_can_block(unsigned int kind);
enum waits_epoll_syscall wait_kind_epoll_syscall(unsigned int kind);
const char *wait_epoll_syscall_name(enum waits_epoll_syscall sys);	/* "epoll_pwait" */

/* What a call of this kind returning ret did: "woken", "woke" (a wake, ret threads), "timeout", "again",
 * "interrupted", "error"; epoll: "events", "timeout", "empty" (a poll that found nothing). */
const char *wait_result_name(unsigned int kind, int64_t ret);

#endif
