/* SPDX-License-Identifier: GPL-2.0 */
/* The futex and epoll profiles' stack source: the waits capability's per-stack wait times (caps/wait_stacks.h). */
#ifndef GOTRACE_WAIT_SOURCE_H
#define GOTRACE_WAIT_SOURCE_H

#include "profile/stack_source.h"

extern const struct stack_source wait_source;

#endif
