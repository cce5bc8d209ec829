/* SPDX-License-Identifier: GPL-2.0 */
/* log2 histograms kept in BPF hash maps, one per (traced process, kind): the layout user/hist.c reads. */
#ifndef GOTRACE_BPF_HIST_H
#define GOTRACE_BPF_HIST_H

#define BPF_HIST_SLOTS 40	/* slot i: values v with 2^(i-1) <= v < 2^i, in microseconds (milliseconds with -m) */

struct bpf_hist_key {
	__u32 tgid;
	__u32 kind;
};

struct bpf_hist {
	__u64 slots[BPF_HIST_SLOTS];
	__u64 count;
	__u64 sum_ns;
};

#endif
