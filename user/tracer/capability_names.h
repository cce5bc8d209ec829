/* SPDX-License-Identifier: GPL-2.0 */
/* The capabilities' names, in the order of all_capabilities (capability.c checks the count, a unit test each
 * name), for the parsers that name them without linking the capabilities themselves (the daemon's configuration,
 * fuzzed on its own). */
#ifndef GOTRACE_CAPABILITY_NAMES_H
#define GOTRACE_CAPABILITY_NAMES_H

static const char *const capability_names[] = { "sched", "cgroup", "gc", "goroutines", "waits", "memory" };

#define CAPABILITY_NAMES_COUNT (sizeof(capability_names) / sizeof(capability_names[0]))

#endif
