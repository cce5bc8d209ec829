/* SPDX-License-Identifier: GPL-2.0 */
/* Reading the per-process log2 histograms the BPF programs keep (bpf/hist.h) as increments since last time. */
#ifndef GOTRACE_BPF_HIST_USER_H
#define GOTRACE_BPF_HIST_USER_H

#include <linux/types.h>
#include <stdint.h>

#include "lib/hist.h"
#include "bpf/log2_hist.h"

/* BPF counters only grow; *last holds the previous reading. Fills delta with what is new. 0, or -ENOENT when
 * the map holds no such histogram yet (delta is then empty). */
int bpf_hist_read_delta(int map_fd, uint32_t tgid, uint32_t kind, struct bpf_hist *last, struct hist *delta);

#endif
