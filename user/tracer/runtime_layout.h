/* SPDX-License-Identifier: GPL-2.0 */
/* The Go runtime layout of a target (struct offsets, global addresses, which probe ABI its version uses),
 * resolved once and turned into the per-target configuration each BPF capability reads. */
#ifndef GOTRACE_RUNTIME_LAYOUT_H
#define GOTRACE_RUNTIME_LAYOUT_H

#include <linux/types.h>
#include <stddef.h>

#include "bpf/gc.h"
#include "gobin/go_globals.h"
#include "gobin/go_offsets.h"
#include "tracer/target.h"

/* Oldest and newest Go releases whose runtime gotrace knows. */
#define GO_MINOR_OLDEST 17
#define GO_MINOR_NEWEST 26

struct runtime_layout {
	struct go_offsets offsets;
	struct go_globals globals;	/* link-time addresses */
	int offsets_err;		/* 0, or why offsets are unknown (-ENOTSUP: version without a known layout) */
	int globals_err;
};

/* Resolves offsets (DWARF, else the version table) and globals (.symtab, else derived from code). Never fails as
 * a whole: each part records its own error. */
void runtime_layout_resolve(const struct target *t, struct runtime_layout *rl);

/* The GC probes' configuration. 0 (note may say what runs degraded) or -ENOTSUP (note says why GC pauses cannot
 * be traced for this version). */
int runtime_layout_gc(const struct target *t, struct gc_target *cfg, char *note, size_t note_size);

/* True for versions gotrace knows (1.17 .. 1.26). */
bool runtime_version_known(const struct target *t);

#endif
