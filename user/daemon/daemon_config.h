/* SPDX-License-Identifier: GPL-2.0 */
/* The configuration of `gotrace daemon`: defaults, an optional `key = value` file, command-line options that
 * override it, every value validated with the file and line (or the option) of a bad one named. */
#ifndef GOTRACE_DAEMON_CONFIG_H
#define GOTRACE_DAEMON_CONFIG_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define DAEMON_CONFIG_DEFAULT_PATH "/etc/gotrace/daemon.conf"

enum daemon_profile_type {
	DAEMON_PROFILE_CPU = 1u << 0,
	DAEMON_PROFILE_OFFCPU = 1u << 1,
};

enum daemon_otlp_signal {
	DAEMON_OTLP_METRICS = 1u << 0,
	DAEMON_OTLP_PROFILES = 1u << 1,
};

/* How a process becomes a service name (target_rules_service): rules tried in order, the first that yields a
 * non-empty name wins, the executable's base name when none does. */
enum service_rule_kind {
	SERVICE_FROM_EXE,		/* "exe": the executable's base name */
	SERVICE_FROM_CONTAINER,		/* "container": the first 12 characters of the container id */
	SERVICE_FROM_CGROUP,		/* "cgroup:REGEX": the regex's capture group, matched on the cgroup path */
	SERVICE_FROM_ENV,		/* "env:NAME": the process's environment variable NAME */
};

struct service_rule {
	enum service_rule_kind kind;
	char *text;			/* the rule as written, for messages */
	char *env_name;			/* SERVICE_FROM_ENV */
	regex_t re;			/* SERVICE_FROM_CGROUP: POSIX extended, exactly one capture group */
};

struct daemon_str_list {
	char **items;
	int n;
};

struct daemon_config {
	char *listen;				/* "127.0.0.1:9465": see http_server_parse_listen */
	char *profile_dir;			/* NULL: no profile files ("none") */
	uint64_t profile_interval_ns;
	unsigned profile_types;			/* enum daemon_profile_type bits, never 0 */
	unsigned profile_hz;			/* cpu samples per second and CPU */
	uint64_t retention_count;		/* files; 0: no limit */
	uint64_t retention_age_ns;		/* 0: no limit */
	uint64_t retention_size;		/* bytes; 0: no limit */
	char *pyroscope_url;			/* NULL: no upload; else http(s)://host[:port][/path], no trailing '/' */
	char *pyroscope_app;			/* NULL: the service name */
	char *parca_url;			/* NULL: no upload; else Parca's http(s)://host[:port][/path] */
	char *otlp_endpoint;			/* NULL: no OTLP; else the receiver's base URL, no trailing '/' */
	uint64_t otlp_interval_ns;		/* metrics export period */
	unsigned otlp_signals;			/* enum daemon_otlp_signal bits, never 0 */
	struct daemon_str_list allow_exe, deny_exe;		/* fnmatch globs on the executable's base name */
	struct daemon_str_list allow_cgroup, deny_cgroup;	/* fnmatch globs on the cgroup path, '*' spans '/' */
	struct daemon_str_list allow_container, deny_container;	/* lowercase hex prefixes of container ids */
	int *pids;
	int npids;
	struct service_rule *service_rules;
	int nservice_rules;
	uint64_t scan_interval_ns;
	bool gc_from_probes;			/* gc-source = probes; default memstats */
	unsigned capabilities;			/* bit i: all_capabilities[i] runs; never 0 */
	char *pod_log_dir;			/* the kubelet's log directory (pod names); NULL: none ("none") */
	char *config_path;			/* the file read, NULL when none */
	int verbosity;				/* -v, -vv */
	bool help;				/* -h/--help: print daemon_config_help() and exit 0 */
};

/* Fills cfg from the defaults, then the config file (--config FILE; otherwise DAEMON_CONFIG_DEFAULT_PATH when
 * `default_file` and it exists), then the options in argv[1..argc-1] (argv[0] is the subcommand's name). Options
 * win over the file; an option that may repeat (--allow-exe ...) replaces the file's values of that key.
 * 0, or -EINVAL / -ENOENT / -ENOMEM with one line in err (no "gotrace:" prefix, no newline), e.g.
 * "/etc/gotrace/daemon.conf:7: invalid profile-interval '6Os': not a duration (examples: 500ms, 60s, 5m, 1h, 7d)".
 * cfg must be released with daemon_config_free whatever the result. */
int daemon_config_load(struct daemon_config *cfg, int argc, char **argv, bool default_file, char *err,
		       size_t err_size);
void daemon_config_free(struct daemon_config *cfg);

/* Writes the effective configuration in the config file's syntax (it loads back to the same values). */
void daemon_config_write(const struct daemon_config *cfg, FILE *out);

/* The --help text: every key, its default, and examples. */
const char *daemon_config_help(void);

#endif
