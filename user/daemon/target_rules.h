/* SPDX-License-Identifier: GPL-2.0 */
/* Which processes the daemon traces (the allow/deny rules of its configuration) and the service name of each. */
#ifndef GOTRACE_TARGET_RULES_H
#define GOTRACE_TARGET_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon/daemon_config.h"

/* What the rules look at, read from /proc by the caller. Any field but pid may be NULL (unknown); every string
 * comes from the process or its container and is matched, never trusted. */
struct process_facts {
	int pid;
	const char *exe_name;		/* base name of /proc/PID/exe; a " (deleted)" suffix is ignored */
	const char *exe_path;
	const char *cgroup_path;	/* the unified (v2) or cpu controller path, "/system.slice/x.service" */
	const char *container_id;	/* 64 lowercase hex digits, or NULL */
	const char *environ;		/* /proc/PID/environ: NUL-separated NAME=value, environ_len bytes */
	size_t environ_len;
};

/* Precedence, first that applies decides:
 *   1. a pid listed with `pid` is traced;
 *   2. a process that a deny-exe, deny-cgroup or deny-container rule matches is not;
 *   3. when there is any allow-exe, allow-cgroup or allow-container rule or any listed pid, a process is traced
 *      only when an allow rule matches it;
 *   4. with no allow rule and no pid list, every process is traced.
 * A rule on a fact the process lacks (no container id, unknown cgroup) does not match it. why (may be NULL)
 * receives one line saying which step decided, e.g. "deny-exe '*-test' matches the executable 'api-test'". */
bool target_rules_allow(const struct daemon_config *cfg, const struct process_facts *p, char *why, size_t why_size);

/* The service name: the config's service-label rules in order, the first non-empty result wins, else the
 * executable's base name, else "unknown". Always a safe name of 1 to 63 characters [A-Za-z0-9._-] not starting
 * with '.' (other bytes become '_'): usable in file names, Prometheus label values and Pyroscope application
 * names. 0, or -EINVAL when out_size < 2. */
int target_rules_service(const struct daemon_config *cfg, const struct process_facts *p, char *out, size_t out_size);

#endif
