/* SPDX-License-Identifier: GPL-2.0 */
/* The Go fixture binaries the fuzz targets over real images stand on (go_globals, symbolizer): each read once,
 * a pristine copy and a working copy for the input's damage, and the seeds they can write. */
#ifndef GOTRACE_FUZZ_IMAGES_H
#define GOTRACE_FUZZ_IMAGES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/elf_bytes.h"

/* Reads the fixture at rel (below build/tests/go, or GOTRACE_FUZZ_BINARIES) into *pristine and a copy *work;
 * a target that cannot read it exits, naming itself (who) and the file: it has nothing to fuzz. */
static inline void fuzz_read_fixture(const char *who, const char *rel, uint8_t **pristine, uint8_t **work,
				     size_t *size)
{
	const char *dir = getenv("GOTRACE_FUZZ_BINARIES") ?: "build/tests/go";
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	*pristine = slurp(path, size);
	if (!*pristine || !(*work = malloc(*size))) {
		fprintf(stderr, "%s: cannot read %s\n", who, path);
		exit(1);
	}
	memcpy(*work, *pristine, *size);
}

/* LLVMFuzzerInitialize's work: load(&images[i]) for every image, then write_seed(&images[i], i, dir) when
 * GOTRACE_FUZZ_SEEDS=dir asks for the seeds scripts/fuzz.sh starts from. */
#define FUZZ_LOAD_IMAGES(images, load, write_seed)                                   \
	do {                                                                          \
		const char *seeds_ = getenv("GOTRACE_FUZZ_SEEDS");                    \
                                                                                      \
		for (size_t i_ = 0; i_ < sizeof(images) / sizeof((images)[0]); i_++) { \
			load(&(images)[i_]);                                          \
			if (seeds_)                                                   \
				write_seed(&(images)[i_], i_, seeds_);                \
		}                                                                     \
	} while (0)

#endif
