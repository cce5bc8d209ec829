// SPDX-License-Identifier: GPL-2.0
/* The two text forms of a duration side by side: rounded for people, exact for what is parsed again. */
#include <stdio.h>

#include "lib/duration.h"

#define NS_PER_S 1000000000ull

const char *format_duration_human(uint64_t ns, char *buf, size_t size)
{
	if (ns >= 10000000000ull)
		snprintf(buf, size, "%.1f s", ns / 1e9);
	else if (ns >= 10000000)
		snprintf(buf, size, "%.1f ms", ns / 1e6);
	else if (ns >= 10000)
		snprintf(buf, size, "%.0f us", ns / 1e3);
	else if (ns >= 1000)
		snprintf(buf, size, "%.1f us", ns / 1e3);
	else
		snprintf(buf, size, "%llu ns", (unsigned long long)ns);
	return buf;
}

const char *format_duration_exact(uint64_t ns, char *buf, size_t size)
{
	static const struct { const char *suffix; uint64_t ns; } units[] = {
		{ "d", 86400 * NS_PER_S }, { "h", 3600 * NS_PER_S }, { "m", 60 * NS_PER_S }, { "s", NS_PER_S },
		{ "ms", 1000000 }, { "us", 1000 }, { "ns", 1 },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ns % units[i].ns == 0) {
			snprintf(buf, size, "%llu%s", (unsigned long long)(ns / units[i].ns), ns ? units[i].suffix : "");
			break;
		}
	return buf;
}
