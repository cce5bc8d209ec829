/* SPDX-License-Identifier: GPL-2.0 */
/* Whether a file is mapped into the test itself: for code that loads and unloads libraries. */
#ifndef GOTRACE_UNIT_SELF_MAPS_H
#define GOTRACE_UNIT_SELF_MAPS_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Whether a mapping whose path holds `name` ("libcapstone") is in /proc/self/maps. */
static inline bool self_maps_has(const char *name)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, name) != NULL;
	if (f)
		fclose(f);
	return found;
}

#endif
