// SPDX-License-Identifier: GPL-2.0
/* Messages on stderr, one line each, prefixed "gotrace: ". Data goes to stdout elsewhere; never mixed here. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/json.h"
#include "lib/log.h"

int log_verbosity;
bool log_json;

static void vlog_json(const char *level, const char *fmt, va_list ap)
{
	char msg[2048], when[40];
	struct timespec ts;
	struct tm tm;
	struct json_obj j;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%03ldZ", ts.tv_nsec / 1000000);
	json_begin(&j, stderr);
	json_kv_str(&j, "time", when);
	json_kv_str(&j, "level", level);
	json_kv_str(&j, "msg", msg);
	json_end(&j);
	fputc('\n', stderr);
}

/* One line at a time: the daemon's HTTP threads log too. */
static void vlog(const char *level, const char *prefix, const char *fmt, va_list ap)
{
	flockfile(stderr);
	if (log_json) {
		vlog_json(level, fmt, ap);
	} else {
		fprintf(stderr, "gotrace: %s", prefix);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	funlockfile(stderr);
}

#define DEFINE_LOGGER(name, level, prefix, min_level)  \
	void name(const char *fmt, ...)                \
	{                                              \
		va_list ap;                            \
		if (log_verbosity < (min_level))       \
			return;                        \
		va_start(ap, fmt);                     \
		vlog(level, prefix, fmt, ap);          \
		va_end(ap);                            \
	}

DEFINE_LOGGER(log_error, "error", "", 0)
DEFINE_LOGGER(log_warn, "warning", "warning: ", 0)
DEFINE_LOGGER(log_info, "info", "", 1)
DEFINE_LOGGER(log_debug, "debug", "debug: ", 2)

/* Always printed, whatever -v says: the daemon's lifecycle (started, process traced, reloaded, stopped). */
void log_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("info", "", fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && log_verbosity < 2)
		return 0;
	if (level != LIBBPF_DEBUG && log_verbosity < 1)
		return 0;
	fputs("libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

const char *log_privilege_hint(int err)
{
	switch (err < 0 ? -err : err) {
	case EPERM:
	case EACCES:
		return "needs CAP_BPF and CAP_PERFMON (uprobes also CAP_SYS_ADMIN), e.g. run as root";
	case ENOENT:
		return "the kernel lacks this probe type or tracepoint";
	case EINVAL:
	case EOPNOTSUPP:
		return "the kernel does not support this attach type";
	case ENOMEM:
		return "out of memory for BPF maps (memory cgroup limit or RLIMIT_MEMLOCK)";
	default:
		return "";
	}
}
