/* SPDX-License-Identifier: GPL-2.0 */
/* Adding a duration to a per-process log2 histogram map (see hist.h). */
#ifndef GOTRACE_HIST_BPF_H
#define GOTRACE_HIST_BPF_H

#include "log2_hist.h"
#include "maps.bpf.h"

/* 64 - clz(v): the number of significant bits, as user/hist.c defines slots. */
static __always_inline __u32 hist_log2_slot(__u64 v)
{
	__u32 slot = 0;

	while (v && slot < BPF_HIST_SLOTS - 1) {
		v >>= 1;
		slot++;
	}
	return slot;
}

static __always_inline void hist_add_ns(void *map, __u32 tgid, __u32 kind, __u64 delta_ns, bool in_ms)
{
	struct bpf_hist_key key = { .tgid = tgid, .kind = kind };
	static const struct bpf_hist zero;
	struct bpf_hist *h;
	__u64 v = delta_ns / (in_ms ? 1000000 : 1000);

	h = map_lookup_or_try_init(map, &key, &zero);
	if (!h)
		return;
	__sync_fetch_and_add(&h->slots[hist_log2_slot(v)], 1);
	__sync_fetch_and_add(&h->count, 1);
	__sync_fetch_and_add(&h->sum_ns, delta_ns);
}

#endif
