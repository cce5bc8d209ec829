/* SPDX-License-Identifier: GPL-2.0 */
/* Validated parsing of command-line values, shared by every subcommand: numbers, durations, PIDs. */
#ifndef GOTRACE_CLI_H
#define GOTRACE_CLI_H

#include <stdbool.h>
#include <stdint.h>

/* Each returns 0, or -EINVAL for anything but a clean value in range (no sign tricks, no trailing garbage). */
int cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* "250ms", "2s", "1.5m", "1h", "1.5d", "100us", "5000ns"; a bare number is seconds. Result in nanoseconds, > 0
 * unless allow_zero. */
int cli_parse_duration(const char *s, bool allow_zero, uint64_t *ns);
int cli_parse_pid(const char *s, int *pid);

/* Prints "gotrace: invalid <what> '<value>': <why>" and returns EXIT_USAGE, for use as `return cli_bad(...)`. */
int cli_bad_value(const char *what, const char *value, const char *why);

/* The options every tracing command takes, parsed with the same error text everywhere: 0, or the error is
 * printed and EXIT_USAGE returned. -p PID, and -d DURATION (how long to trace, > 0). */
int cli_option_pid(const char *s, int *pid);
int cli_option_duration(const char *s, uint64_t *ns);

/* `gotrace CMD [options] -- COMMAND [ARGS...]`: returns how many arguments come before the first "--" (argc when
 * there is none), and points *command at what follows it (left alone when there is no "--"). */
int cli_split_command(int argc, char **argv, char ***command);
/* A tracing command's target is -p PID or -- COMMAND, exactly one: 0, or the error is printed and EXIT_USAGE
 * returned. */
int cli_check_target(int pid, char **command);

#endif
