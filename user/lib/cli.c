// SPDX-License-Identifier: GPL-2.0
/* Number, duration and PID parsing with range and trailing-garbage checks (`-p abc` is an error, never PID 0),
 * and the options and target rules the tracing commands share. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/log.h"

int cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;	/* rejects "", "-1", "+1", " 1" that strtoull would accept */
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

struct duration_unit {
	const char *suffix;
	double ns;
};

static const struct duration_unit duration_units[] = {
	{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 }, { "d", 86400e9 },
	{ "", 1e9 },
};

int cli_parse_duration(const char *s, bool allow_zero, uint64_t *ns)
{
	double v, scaled;
	char *end;
	size_t i;

	if (!s || !(isdigit((unsigned char)s[0]) || s[0] == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v))
		return -EINVAL;
	for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
		if (strcmp(end, duration_units[i].suffix) != 0)
			continue;
		scaled = v * duration_units[i].ns;
		if (scaled >= 1.8e19 || (scaled < 1 && !(allow_zero && scaled == 0)))
			return -EINVAL;	/* overflow, or rounds to zero */
		*ns = (uint64_t)scaled;
		return 0;
	}
	return -EINVAL;
}

int cli_parse_pid(const char *s, int *pid)
{
	uint64_t v;

	if (cli_parse_u64(s, 1, 4194304 /* PID_MAX_LIMIT */, &v))
		return -EINVAL;
	*pid = (int)v;
	return 0;
}

int cli_bad_value(const char *what, const char *value, const char *why)
{
	log_error("invalid %s '%s': %s (see --help)", what, value ? value : "", why);
	return EXIT_USAGE;
}

int cli_option_pid(const char *s, int *pid)
{
	return cli_parse_pid(s, pid) ? cli_bad_value("PID", s, "expected a process ID") : 0;
}

int cli_option_duration(const char *s, uint64_t *ns)
{
	return cli_parse_duration(s, false, ns) ? cli_bad_value("duration", s, "expected e.g. 30s, 5m or 500ms") : 0;
}

int cli_split_command(int argc, char **argv, char ***command)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			*command = &argv[i + 1];
			return i;
		}
	return argc;
}

int cli_check_target(int pid, char **command)
{
	if (!pid == !command) {
		log_error(pid ? "give either -p PID or -- COMMAND, not both"
			      : "no target: give -p PID or -- COMMAND (see --help)");
		return EXIT_USAGE;
	}
	if (command && !command[0]) {
		log_error("no command after --");
		return EXIT_USAGE;
	}
	return 0;
}
