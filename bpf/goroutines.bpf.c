// SPDX-License-Identifier: GPL-2.0
/* Exact goroutine scheduling delay: a probe on runtime.casgstatus(gp, oldval, newval) sees every goroutine
 * become runnable and every dispatch. It costs one uprobe hit per state change (about three per goroutine switch),
 * which is why it is opt-in: the default reads the runtime's own sampled histogram and probes nothing. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "events.bpf.h"
#include "go_abi.bpf.h"
#include "goroutines.h"
#include "log2_hist.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile bool targ_ms = false;

struct g_key {
	__u64 gp;	/* the g's address: unique while it lives (goids arrive late in newproc1 before 1.23) */
	__u32 tgid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__type(key, struct g_key);
	__type(value, __u64);	/* runnable since */
} runnable_since SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct bpf_hist_key);
	__type(value, struct bpf_hist);
} hists SEC(".maps");

__u64 probe_hits = 0;

SEC("uprobe")
int handle_casgstatus(struct pt_regs *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct g_key key = { .gp = GO_ARG1(ctx), .tgid = tgid };
	__u32 oldval = GO_ARG2(ctx), newval = GO_ARG3(ctx);
	__u64 now, *since;

	__sync_fetch_and_add(&probe_hits, 1);
	if (!is_target(tgid))
		return 0;
	now = bpf_ktime_get_ns();
	if (newval == GO_GRUNNABLE) {
		bpf_map_update_elem(&runnable_since, &key, &now, BPF_ANY);
		return 0;
	}
	if (newval != GO_GRUNNING || oldval != GO_GRUNNABLE)
		return 0;
	since = bpf_map_lookup_elem(&runnable_since, &key);
	if (!since)
		return 0;	/* became runnable before tracing began */
	hist_add_ns(&hists, tgid, GOROUTINE_SCHED_DELAY, now - *since, targ_ms);
	bpf_map_delete_elem(&runnable_since, &key);
	return 0;
}
