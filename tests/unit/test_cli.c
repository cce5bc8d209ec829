// SPDX-License-Identifier: GPL-2.0
/* Command-line value parsing: clean values in range are accepted, everything else is refused. */
#include <stdint.h>

#include "cli.h"
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
	const char *bad[] = { "", "-1s", "s", "1x", "1 s", "nan", "inf", "1e30h", "0.1ns", "abc", "5sec" };

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
