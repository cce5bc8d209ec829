// SPDX-License-Identifier: GPL-2.0
/* Command-line value parsing: clean values in range are accepted, everything else is refused. */
#include <stdint.h>
#include <unistd.h>

#include "lib/cli.h"
#include "lib/log.h"
#include "unit.h"

TEST(u64_accepts_plain_numbers)
{
	uint64_t v = 0;

	CHECK(cli_parse_u64("0", 0, 10, &v) == 0 && v == 0);
	CHECK(cli_parse_u64("18446744073709551615", 0, UINT64_MAX, &v) == 0 && v == UINT64_MAX);
	CHECK(cli_parse_u64("42", 1, 42, &v) == 0 && v == 42);
}

TEST(u64_refuses_garbage_signs_and_range)
{
	uint64_t v = 7;
	const char *bad[] = { "", "abc", "-1", "+1", " 1", "1 ", "1x", "0x10", "18446744073709551616", "1e3" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(cli_parse_u64(bad[i], 0, UINT64_MAX, &v) != 0);
	CHECK(cli_parse_u64("43", 1, 42, &v) != 0);
	CHECK(cli_parse_u64("0", 1, 42, &v) != 0);
	CHECK(v == 7);	/* untouched on error */
}

TEST(duration_units)
{
	struct { const char *s; uint64_t ns; } ok[] = {
		{ "1", 1000000000ull },	   { "2s", 2000000000ull }, { "250ms", 250000000ull }, { "100us", 100000ull },
		{ "5000ns", 5000ull },	   { "1.5m", 90000000000ull }, { "1h", 3600000000000ull }, { ".5s", 500000000ull },
		{ "1d", 86400000000000ull }, { "1.5d", 129600000000000ull }, { "0.5d", 43200000000000ull },
		{ "3650d", 3650 * 86400000000000ull },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t ns = 0;

		CHECK(cli_parse_duration(ok[i].s, false, &ns) == 0);
		CHECK_EQ_U64(ns, ok[i].ns);
	}
}

TEST(duration_refuses_negative_zero_and_garbage)
{
	uint64_t ns = 0;
	const char *bad[] = { "", "-1s", "s", "1x", "1 s", "nan", "inf", "1e30h", "0.1ns", "abc", "5sec",
			      "d", "-1d", "1 d", "1dd", "7days", "1e30d", "300000d" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(cli_parse_duration(bad[i], false, &ns) != 0);
	CHECK(cli_parse_duration("0", false, &ns) != 0);
	CHECK(cli_parse_duration("0", true, &ns) == 0 && ns == 0);
}

TEST(pid_range)
{
	int pid = 0;

	CHECK(cli_parse_pid("1", &pid) == 0 && pid == 1);
	CHECK(cli_parse_pid("4194304", &pid) == 0 && pid == 4194304);
	CHECK(cli_parse_pid("0", &pid) != 0);
	CHECK(cli_parse_pid("4194305", &pid) != 0);
	CHECK(cli_parse_pid("12abc", &pid) != 0);
	CHECK(cli_parse_pid("-5", &pid) != 0);
}

/* What the command options print on a bad value: one line naming what was wrong, the value and what is
 * expected; stderr is captured into a temporary file for the check. */
static int option_error(int (*parse)(const char *s, void *out), const char *value, char *line, size_t cap)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO), rc;
	uint64_t out;

	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	rc = parse(value, &out);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	if (!fgets(line, cap, tmp))
		line[0] = '\0';
	fclose(tmp);
	return rc;
}

static int parse_pid(const char *s, void *out)
{
	return cli_option_pid(s, out);
}

static int parse_duration(const char *s, void *out)
{
	return cli_option_duration(s, out);
}

TEST(command_options_accept_good_values_and_explain_bad_ones)
{
	char line[256];
	uint64_t ns = 0;
	int pid = 0;

	CHECK(cli_option_pid("42", &pid) == 0 && pid == 42);
	CHECK(cli_option_duration("250ms", &ns) == 0 && ns == 250000000);
	CHECK(cli_option_duration("1d", &ns) == 0 && ns == 86400000000000ull);	/* gotrace -p PID -d 1d */
	CHECK(option_error(parse_pid, "12abc", line, sizeof(line)) == EXIT_USAGE);
	CHECK(strstr(line, "invalid PID '12abc': expected a process ID") != NULL);
	CHECK(option_error(parse_duration, "0", line, sizeof(line)) == EXIT_USAGE);
	CHECK(strstr(line, "invalid duration '0': expected e.g. 30s") != NULL);
	CHECK(option_error(parse_duration, "5 parsecs", line, sizeof(line)) == EXIT_USAGE);
	CHECK(option_error(parse_duration, "1dd", line, sizeof(line)) == EXIT_USAGE);
	CHECK(strstr(line, "invalid duration '1dd': expected e.g. 30s, 5m or 500ms (see --help)") != NULL);
}

TEST(command_after_double_dash_is_split_off)
{
	char *with[] = { "flame", "-o", "x.svg", "--", "./server", "-port", "80", NULL };
	char *without[] = { "trace", "-p", "42", NULL };
	char **command = NULL;

	CHECK(cli_split_command(7, with, &command) == 3);
	CHECK(command == &with[4]);
	CHECK_STR(command[0], "./server");
	command = NULL;
	CHECK(cli_split_command(3, without, &command) == 3 && command == NULL);
}

TEST(target_is_a_pid_or_a_command_exactly)
{
	char *none[] = { NULL }, *server[] = { "./server", NULL };

	CHECK(cli_check_target(42, NULL) == 0);
	CHECK(cli_check_target(0, server) == 0);
	CHECK(cli_check_target(0, NULL) == EXIT_USAGE);
	CHECK(cli_check_target(42, server) == EXIT_USAGE);
	CHECK(cli_check_target(0, none) == EXIT_USAGE);
}
