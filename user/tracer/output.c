// SPDX-License-Identifier: GPL-2.0
/* The -T prefix of every capability's text lines: local wall-clock time, so lines match other logs by eye. */
#include <time.h>

#include "tracer/output.h"

void output_time_prefix(const struct output_opts *o)
{
	char buf[16];
	time_t now = time(NULL);

	if (!o->timestamps)
		return;
	strftime(buf, sizeof(buf), "%H:%M:%S", localtime(&now));
	fprintf(o->out, "%-8s ", buf);
}
