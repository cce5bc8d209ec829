/* SPDX-License-Identifier: GPL-2.0 */
/* Validated parsing of command-line values, shared by every subcommand: numbers, durations, PIDs. */
#ifndef GOTRACE_CLI_H
#define GOTRACE_CLI_H

#include <stdbool.h>
#include <stdint.h>

/* Each returns 0, or -EINVAL for anything but a clean value in range (no sign tricks, no trailing garbage). */
int cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* "250ms", "2s", "1.5m", "1h", "100us", "5000ns"; a bare number is seconds. Result in nanoseconds, > 0 unless
 * allow_zero. */
int cli_parse_duration(const char *s, bool allow_zero, uint64_t *ns);
int cli_parse_pid(const char *s, int *pid);

/* Prints "gotrace: invalid <what> '<value>': <why>" and returns EXIT_USAGE, for use as `return cli_bad(...)`. */
int cli_bad_value(const char *what, const char *value, const char *why);

#endif
