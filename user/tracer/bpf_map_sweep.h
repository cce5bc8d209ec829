/* SPDX-License-Identifier: GPL-2.0 */
/* Deleting the entries of a BPF hash map that match, from user space: a process's entries when it is detached (per
 * thread maps keep an entry of each thread that ever ran, until their LRU bound), or all of them. */
#ifndef GOTRACE_BPF_MAP_SWEEP_H
#define GOTRACE_BPF_MAP_SWEEP_H

#include <bpf/libbpf.h>
#include <stdbool.h>
#include <stdint.h>

/* Whether the entry (key, value) goes; ctx is the caller's. */
typedef bool (*bpf_entry_match_fn)(const void *key, const void *value, const void *ctx);

/* Deletes the entries of map that match (match NULL: every entry). The keys are gathered first, then deleted: a walk
 * that deletes as it goes can be sent back to the first key, or skip some. An entry the BPF side adds meanwhile may
 * stay (a process's: take it out of the targets map first, event_bus_remove_target). The number deleted, or -ENOMEM. */
int bpf_map_delete_where(const struct bpf_map *map, bpf_entry_match_fn match, const void *ctx);

/* A match for maps whose value holds its process id (a __u32 tgid) at offset ctx->offset: the entry goes when the
 * tgid is ctx->tgid. */
struct bpf_tgid_match {
	size_t offset;
	uint32_t tgid;
};
bool bpf_value_tgid_is(const void *key, const void *value, const void *ctx);
bool bpf_key_tgid_is(const void *key, const void *value, const void *ctx);	/* the same, in the key */

#endif
