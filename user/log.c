// SPDX-License-Identifier: GPL-2.0
/* Messages on stderr, one line each, prefixed "gotrace: ". Data goes to stdout elsewhere; never mixed here. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

int log_verbosity;

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "gotrace: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define DEFINE_LOGGER(name, prefix, min_level)        \
	void name(const char *fmt, ...)               \
	{                                             \
		va_list ap;                           \
		if (log_verbosity < (min_level))      \
			return;                       \
		va_start(ap, fmt);                    \
		vlog(prefix, fmt, ap);                \
		va_end(ap);                           \
	}

DEFINE_LOGGER(log_error, "", 0)
DEFINE_LOGGER(log_warn, "warning: ", 0)
DEFINE_LOGGER(log_info, "", 1)
DEFINE_LOGGER(log_debug, "debug: ", 2)

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
