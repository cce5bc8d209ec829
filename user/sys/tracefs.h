/* SPDX-License-Identifier: GPL-2.0 */
/* Classic tracepoints need tracefs for their ids; many machines do not mount it at boot. */
#ifndef GOTRACE_TRACEFS_H
#define GOTRACE_TRACEFS_H

#include <stdbool.h>

/* 0 when tracefs is (now) mounted; *mounted_now tells whether gotrace mounted it (say so to the user).
 * Negative errno when it is missing and cannot be mounted (-EPERM: needs CAP_SYS_ADMIN). */
int tracefs_ensure(bool *mounted_now);

#endif
