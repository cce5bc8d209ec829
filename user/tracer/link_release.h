/* SPDX-License-Identifier: GPL-2.0 */
/* Releasing BPF links, many at once without waiting for each in turn.
 *
 * Destroying a link on a uprobe or a classic tracepoint blocks in the kernel for RCU grace periods
 * (tracepoint_synchronize_unregister, uprobe_unregister_sync): 50-130 ms each on the test VMs, so a trace
 * with a dozen such links took a second to end, one wait after another. Links released while a batch is open
 * are destroyed together when it ends, each on its own thread, so that the waits overlap and the batch costs
 * about one link's wait (bench/exit/README.md). Outside a batch a link is destroyed at once, as before: the
 * daemon detaching one process while others run keeps its synchronous detach. Main thread only. */
#ifndef GOTRACE_LINK_RELEASE_H
#define GOTRACE_LINK_RELEASE_H

#include <stddef.h>
#include <stdint.h>

struct bpf_link;
struct bpf_object_skeleton;

struct link_release_stats {
	size_t links;		/* destroyed when the batch ended */
	uint64_t elapsed_ns;	/* from the first destroy started to the last one done */
	uint64_t slowest_ns;	/* the longest single destroy: the kernel's floor for the whole batch */
};

/* Batches nest: only the outermost end destroys, and only it fills stats (may be NULL); an inner end leaves
 * stats zeroed. */
void link_release_begin(void);
void link_release_end(struct link_release_stats *stats);

/* Destroys link now, or at the end of the open batch. NULL is ignored. */
void link_release(struct bpf_link *link);
/* The same for every link a skeleton attached (skel__attach), which its skel__destroy would destroy one by
 * one: they are taken out of it, so destroy it afterwards. */
void link_release_skeleton(struct bpf_object_skeleton *skel);

#endif
