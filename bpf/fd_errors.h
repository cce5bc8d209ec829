/* SPDX-License-Identifier: GPL-2.0 */
/* Calls of a traced process that failed for want of a file descriptor, counted per process: EMFILE (the process's
 * RLIMIT_NOFILE reached) and ENFILE (the system's file table full), by kind of call. */
#ifndef GOTRACE_FD_ERRORS_H
#define GOTRACE_FD_ERRORS_H

#define FD_ERR_EMFILE 24	/* asm-generic/errno-base.h */
#define FD_ERR_ENFILE 23

enum fd_call {
	FD_CALL_ACCEPT,		/* accept4 */
	FD_CALL_SOCKET,		/* socket */
	FD_CALL_OPEN,		/* openat */
	FD_CALLS,
};

struct fd_errors {
	__u64 emfile[FD_CALLS];
	__u64 enfile[FD_CALLS];
};

#endif
