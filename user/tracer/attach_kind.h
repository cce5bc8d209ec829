/* SPDX-License-Identifier: GPL-2.0 */
/* Which kind of tracepoint program a capability attaches, decided in one place. Each .bpf.c that hooks a
 * tracepoint holds both kinds of the same logic:
 *   tp_btf      typed arguments (task_struct pointers), no tracefs needed; kernels 5.5 and later;
 *   tracepoint  classic tracepoints: the record the kernel formats, ids from tracefs (mounted when missing).
 * Each capability has its own first choice (sched and off-CPU profiles tp_btf; waits the classic syscall
 * tracepoints, which cost other syscalls less) and falls back to the other kind. GOTRACE_TRACEPOINTS=
 * auto|tp_btf|classic forces one kind for every capability (tests, benchmarks, kernels that misbehave). */
#ifndef GOTRACE_ATTACH_KIND_H
#define GOTRACE_ATTACH_KIND_H

#include <bpf/libbpf.h>
#include <stddef.h>

enum attach_kind { ATTACH_TP_BTF, ATTACH_TRACEPOINT };

#define ATTACH_KINDS_MAX 2
#define ATTACH_KIND_ENV "GOTRACE_TRACEPOINTS"

/* "tp_btf" or "tracepoint", as the JSON output's "attach" fields spell them. */
const char *attach_kind_name(enum attach_kind kind);

/* The kinds to try, best first, given the value of GOTRACE_TRACEPOINTS (NULL, "" and "auto": preferred, then
 * the other; "tp_btf" or "classic": that one alone). The number of kinds, or -EINVAL for any other value. */
int attach_kind_order(const char *forced, enum attach_kind preferred, enum attach_kind kinds[ATTACH_KINDS_MAX]);

/* 0 when this kernel loads tp_btf programs, else a negative errno. Tried once per process, by loading a
 * program that does nothing on sched_switch; later calls return the first answer. */
int attach_kind_probe_tp_btf(void);

/* Between open and load: among obj's programs whose names begin with prefix (NULL: all), the tracepoint
 * programs of kind load and those of the other kind do not. Other programs keep their autoload setting. */
void attach_kind_autoload(struct bpf_object *obj, const char *prefix, enum attach_kind kind);

/* Loads and attaches a capability's programs of one kind: 0, or a negative errno with why filled and nothing
 * left loaded. */
typedef int (*attach_kind_start_fn)(void *state, enum attach_kind kind, char *why, size_t why_size);

/* Calls start with each kind attach_kind_order() gives for GOTRACE_TRACEPOINTS until one starts; in auto mode
 * tp_btf is skipped when attach_kind_probe_tp_btf() fails, and tracefs is mounted before a classic kind is
 * tried. who names the caller in the -v log of a fallback. 0, or the last negative errno with why holding
 * each kind's reason and the privilege hint for its errno ("tp_btf: ...; tracepoint: ..."). */
int attach_kind_start(const char *who, enum attach_kind preferred, attach_kind_start_fn start, void *state,
		      char *why, size_t why_size);

/* For a start function whose skeleton failed to open (errno set): why says so; returns -errno. */
int attach_kind_open_failed(char *why, size_t why_size);

#endif
