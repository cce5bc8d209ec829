// SPDX-License-Identifier: GPL-2.0
/* Histograms stay cumulative in the kernel (no read-and-clear race with the programs updating them); user space
 * subtracts its previous reading. */
#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>

#include "tracer/bpf_hist.h"

int bpf_hist_read_delta(int map_fd, uint32_t tgid, uint32_t kind, struct bpf_hist *last, struct hist *delta)
{
	struct bpf_hist_key key = { .tgid = tgid, .kind = kind };
	struct bpf_hist now;

	memset(delta, 0, sizeof(*delta));
	if (bpf_map_lookup_elem(map_fd, &key, &now))
		return -ENOENT;
	for (int i = 0; i < BPF_HIST_SLOTS && i < HIST_SLOTS; i++) {
		delta->slots[i] = now.slots[i] - last->slots[i];
		if (delta->slots[i])
			delta->max = i ? 1ull << (i - 1) : 0;	/* lower bound of the highest slot: a known minimum */
	}
	delta->count = now.count - last->count;
	delta->sum = now.sum_ns - last->sum_ns;
	*last = now;
	return 0;
}
