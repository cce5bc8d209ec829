/* SPDX-License-Identifier: GPL-2.0 */
/* The Go build information blob of a binary (what `go version -m` prints): toolchain, module, settings. */
#ifndef GOTRACE_BUILDINFO_H
#define GOTRACE_BUILDINFO_H

#include <stdbool.h>

#include "gobin/elf_file.h"

struct go_buildinfo {
	char version[128];			/* "go1.22.3"; Google builds: "go1.22-20231128-RC02 cl/... X:..." */
	char path[256];				/* main package path */
	char main_module[256], main_version[128];
	char goos[32], goarch[32], buildmode[32];	/* from the build settings; empty when absent */
	int cgo_enabled;			/* 1, 0, or -1 when not recorded */
	char *modinfo;				/* the module info text (malloc'd), one "path\t..." / "mod\t..." /
						 * "build\t..." line each, as `go version -m` shows it without the
						 * leading tabs; NULL when the binary carries none */
	int ptr_size;				/* 4 or 8, from the blob header */
	bool big_endian;
};

/* Finds the blob in the .go.buildinfo section, else 16-byte aligned in the writable data segments, and
 * reads both layouts: Go 1.18+ inline strings and the older pointers to string headers.
 * 0; -ENOENT: no build info (not a Go binary, or older than Go 1.13); -ENOEXEC: malformed; -ENOMEM.
 * Fields too long for their array are truncated. Free with go_buildinfo_free, also after an error. */
int go_buildinfo_read(const struct elf_file *ef, struct go_buildinfo *bi);
void go_buildinfo_free(struct go_buildinfo *bi);

#endif
