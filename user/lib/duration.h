/* SPDX-License-Identifier: GPL-2.0 */
/* Durations as text, in the two forms gotrace writes (cli_parse_duration reads them back). */
#ifndef GOTRACE_DURATION_H
#define GOTRACE_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* For people, in text output: ns, us, ms or s by size, at most one decimal ("42 ns", "1.5 us", "850 us",
 * "12.3 ms", "12.0 s"). Returns buf. */
const char *format_duration_human(uint64_t ns, char *buf, size_t size);

/* For files read back: the largest unit that divides ns exactly, no loss ("90s", "1d", "1500ms", "0").
 * Returns buf. */
const char *format_duration_exact(uint64_t ns, char *buf, size_t size);

#endif
