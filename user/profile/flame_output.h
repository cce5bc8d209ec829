/* SPDX-License-Identifier: GPL-2.0 */
/* The file formats `gotrace flame` writes, chosen by name or by the file's ending, and writing one atomically. */
#ifndef GOTRACE_FLAME_OUTPUT_H
#define GOTRACE_FLAME_OUTPUT_H

#include "profile/profile.h"

enum flame_format { FLAME_FOLDED, FLAME_PPROF, FLAME_SVG, FLAME_SPEEDSCOPE, FLAME_FORMATS };

/* "folded", "pprof", "svg", "speedscope". 0 or -EINVAL. */
int flame_format_parse(const char *name, enum flame_format *f);
/* By ending: .folded/.txt, .pb.gz/.pprof, .svg, .json. 0 or -EINVAL. */
int flame_format_of_path(const char *path, enum flame_format *f);
const char *flame_format_name(enum flame_format f);
/* "folded, pprof, svg, speedscope" and their endings, for messages. */
extern const char flame_format_list[];

/* How the flamegraph formats draw the profile: which sample value, its unit, the title. */
struct flame_view {
	int value_index;
	const char *unit;	/* "samples", "nanoseconds" */
	const char *title;
};

/* Writes p to path ("-": standard output; pprof there is gzip bytes). A file appears whole or not at all.
 * 0 or a negative errno. */
int flame_write(const struct profile *p, enum flame_format f, const char *path, const struct flame_view *v);

#endif
