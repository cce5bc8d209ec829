/* SPDX-License-Identifier: GPL-2.0 */
/* What gotrace's own BPF programs cost: CPU time they ran (kernel BPF statistics) and how often. */
#ifndef GOTRACE_BPF_COST_H
#define GOTRACE_BPF_COST_H

#include <stdbool.h>
#include <stdint.h>

struct bpf_cost {
	int stats_fd;		/* keeps the kernel's BPF run-time statistics on while open; -1 when refused */
};

/* Turns the statistics on (BPF_ENABLE_STATS: CAP_SYS_ADMIN); without them the CPU figure is unknown. */
void bpf_cost_start(struct bpf_cost *c);
void bpf_cost_stop(struct bpf_cost *c);

/* Sums run time and run count over every BPF program this process holds a file descriptor of. false when the
 * statistics are off (then the figures are not measured, not zero). */
bool bpf_cost_read(const struct bpf_cost *c, uint64_t *run_ns, uint64_t *runs);

#endif
