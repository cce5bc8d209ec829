// SPDX-License-Identifier: GPL-2.0
/* The two text forms of a duration: the human one switches unit at each boundary with the same rounding, the
 * exact one keeps every nanosecond and reads back through cli_parse_duration to the same value. */
#include <stdint.h>

#include "lib/cli.h"
#include "lib/duration.h"
#include "unit.h"

TEST(human_form_switches_unit_at_each_boundary)
{
	struct { uint64_t ns; const char *text; } cases[] = {
		{ 0, "0 ns" },			{ 999, "999 ns" },		{ 1000, "1.0 us" },
		{ 1500, "1.5 us" },		{ 9999, "10.0 us" },		{ 10000, "10 us" },
		{ 850400, "850 us" },		{ 9999999, "10000 us" },	{ 10000000, "10.0 ms" },
		{ 12345678, "12.3 ms" },	{ 9999999999ull, "10000.0 ms" }, { 10000000000ull, "10.0 s" },
		{ 90000000000ull, "90.0 s" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(format_duration_human(cases[i].ns, buf, sizeof(buf)), cases[i].text);
}

TEST(exact_form_uses_the_largest_unit_that_divides)
{
	struct { uint64_t ns; const char *text; } cases[] = {
		{ 0, "0" },
		{ 1, "1ns" },
		{ 1500, "1500ns" },
		{ 250000000, "250ms" },
		{ 90000000000ull, "90s" },
		{ 5400000000000ull, "90m" },
		{ 129600000000000ull, "36h" },
		{ 86400000000000ull, "1d" },
		{ 3650 * 86400000000000ull, "3650d" },
		{ 86400000000001ull, "86400000000001ns" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(format_duration_exact(cases[i].ns, buf, sizeof(buf)), cases[i].text);
}

TEST(exact_form_reads_back_to_the_same_value)
{
	const uint64_t values[] = { 0, 1, 999, 1000, 1000000, 1000000000, 60000000000ull, 3600000000000ull,
				    86400000000000ull, 129600000000000ull, 123456789012345ull, 3650 * 86400000000000ull };
	char buf[32];

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		uint64_t back = UINT64_MAX;

		CHECK(cli_parse_duration(format_duration_exact(values[i], buf, sizeof(buf)), true, &back) == 0);
		CHECK_EQ_U64(back, values[i]);
	}
}
