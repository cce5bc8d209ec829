/* SPDX-License-Identifier: GPL-2.0 */
/* Writing a file so that readers see the old one or the whole new one, never half of it: a temporary file in the
 * same directory, renamed over the path once complete. */
#ifndef GOTRACE_ATOMIC_FILE_H
#define GOTRACE_ATOMIC_FILE_H

#include <stdio.h>

struct atomic_file {
	FILE *f;		/* write here */
	char *tmp_path;
	char *path;
};

/* 0 or a negative errno (-ENOENT: no such directory, -EACCES...). The file gets the mode creat() would give. */
int atomic_file_open(struct atomic_file *af, const char *path);
/* err == 0: flushes, closes and renames over the path, returning 0 or the write error (-ENOSPC...);
 * err != 0: discards the temporary file and returns err. */
int atomic_file_finish(struct atomic_file *af, int err);

#endif
