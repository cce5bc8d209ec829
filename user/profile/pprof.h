/* SPDX-License-Identifier: GPL-2.0 */
/* pprof writer: a profile as profile.proto (perftools.profiles), gzip-compressed on disk for `go tool pprof`. */
#ifndef GOTRACE_PPROF_H
#define GOTRACE_PPROF_H

#include <stddef.h>
#include <stdint.h>

#include "profile/profile.h"

/* Uncompressed profile.proto into a malloc'ed buffer the caller frees. 0 or -ENOMEM. */
int pprof_encode(const struct profile *p, uint8_t **buf, size_t *len);
/* The same, gzip-compressed as on disk (for uploads and the daemon's profile files). */
int pprof_encode_gzip(const struct profile *p, uint8_t **buf, size_t *len);

/* Gzip-compressed profile.proto at path, atomically: written to a temporary file in the same directory, then
 * renamed over path, so a reader never sees half a file. 0 or a negative errno (-ENOMEM, or from the file
 * system: -ENOENT, -EACCES, -ENOSPC...). */
int pprof_write_file(const struct profile *p, const char *path);

#endif
