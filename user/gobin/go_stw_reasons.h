/* SPDX-License-Identifier: GPL-2.0 */
/* The values of the Go runtime's stwReason for the GC's two stops (1.21+), read from the binary's own table of
 * their names, runtime.stwReasonStrings: an array of Go strings indexed by the reason. */
#ifndef GOTRACE_GO_STW_REASONS_H
#define GOTRACE_GO_STW_REASONS_H

#include "gobin/elf_file.h"

struct go_stw_reasons {
	int mark_term;		/* "GC mark termination" */
	int sweep_term;		/* "GC sweep termination" */
};

/* 0 with both found in exactly one array that starts with "unknown"; -ENOENT when there is no such array (Go
 * 1.20 and older, or a PIE whose string headers are filled in by relocations at load time); -EEXIST when more
 * than one array looks like it (declined rather than guessed). */
int go_stw_reasons_find(const struct elf_file *ef, struct go_stw_reasons *out);

#endif
