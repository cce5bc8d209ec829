/* SPDX-License-Identifier: GPL-2.0 */
/* Merging Prometheus text expositions family by family: the daemon keeps the series of a process that exited,
 * rendered as it exited, beside the series of the living processes for a while. */
#ifndef GOTRACE_PROM_MERGE_H
#define GOTRACE_PROM_MERGE_H

#include <stddef.h>

/* base and each extra are expositions as struct prom writes them (prom.h): per family a "# HELP" line, a
 * "# TYPE" line, then its samples. The result has base's families in base's order, each family's samples
 * followed by the samples of the same family in every extra, extras in order; an extra's family that base lacks
 * is left out, and so are its HELP and TYPE lines. The caller keeps series unique (an extra repeating a series
 * of base makes the result invalid). 0 or -ENOMEM; *out is malloc'ed, NUL-terminated, *out_len its length. */
int prom_merge(const char *base, const char *const *extras, size_t nextras, char **out, size_t *out_len);

#endif
