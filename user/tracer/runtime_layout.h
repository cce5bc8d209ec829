/* SPDX-License-Identifier: GPL-2.0 */
/* The Go runtime layout of a target (struct offsets, global addresses, the shape of the functions the probes read
 * arguments of), derived from the binary and turned into the per-target configuration each BPF capability reads.
 * Sources, best first: DWARF; the function table and the machine code; gotrace's per-release table last, as a
 * cross-check and a fallback. A release newer than the table is traced through derivation and live verification
 * (layout_check.h), never refused for its version number. */
#ifndef GOTRACE_RUNTIME_LAYOUT_H
#define GOTRACE_RUNTIME_LAYOUT_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "bpf/gc.h"
#include "gobin/go_globals.h"
#include "gobin/go_offsets.h"
#include "tracer/target.h"

/* The oldest Go release whose runtime gotrace can trace (register ABI, runtime/metrics-era layouts). */
#define GO_MINOR_OLDEST 17

struct runtime_layout {
	struct go_offsets offsets;
	struct go_globals globals;	/* link-time addresses */
	int offsets_err;		/* 0, or why offsets are unknown (-ENOTSUP: a release older than GO_MINOR_OLDEST) */
	int globals_err;
	/* How startTheWorldWithSema exposes the pause (enum gc_abi; 0 unknown), where that came from, and why it is
	 * unknown when it is. */
	__u32 gc_abi;
	enum layout_source gc_abi_source;
	char gc_abi_why[192];
	/* The stwReason values of the GC's two stops (1.21+), from the binary's stwReasonStrings, else the table. */
	int stw_reason_mark_term, stw_reason_sweep_term;
	enum layout_source stw_reasons_source;
	bool stw_reasons_disagree;	/* the binary's differ from the table's for this release */
	/* Facts taken from the newest table entry for a newer release: the live process must confirm them. */
	bool assumed;
};

/* Resolves offsets (DWARF, else the table), globals (.symtab, else derived from code) and function shapes. Never
 * fails as a whole: each part records its own error. Cached per executable. */
void runtime_layout_resolve(const struct target *t, struct runtime_layout *rl);

/* The GC probes' configuration from t's resolved layout rl. 0 (note may say what runs degraded) or -ENOTSUP
 * (note names the fact that could not be derived). */
int runtime_layout_gc(const struct target *t, const struct runtime_layout *rl, struct gc_target *cfg, char *note,
		      size_t note_size);

/* True when gotrace's table has this release (older and newer ones are derived, or refused when too old). */
bool runtime_release_in_table(const struct target *t);
/* True for Go 1.GO_MINOR_OLDEST and later: what gotrace traces. */
bool runtime_release_supported(const struct target *t);

/* The timeHistogram bucket scheme: from the length of counts[] where the layout has it, else from the version. */
enum go_timehist_scheme runtime_layout_timehist_scheme(const struct runtime_layout *rl, const struct target *t);

#endif
