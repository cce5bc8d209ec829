/* SPDX-License-Identifier: GPL-2.0 */
/* Stacks stored once in a hash map under a 64-bit hash of their frames, the stack id other maps key by (0: no
 * stack). Not the kernel's stack-trace map: it drops a stack whose bucket is taken (-EEXIST), and Go stacks are
 * many (every parked goroutine's frames follow the scheduler's). */
#ifndef GOTRACE_STACKS_BPF_H
#define GOTRACE_STACKS_BPF_H

#include "maps.bpf.h"

/* FNV-1a over whole words, then a final mix of the high bits into the low ones; never 0, which means "no
 * stack". */
static __always_inline __u64 stack_hash(const __u64 *pcs, int depth)
{
	__u64 h = 0xcbf29ce484222325ull;

	for (int i = 0; i < depth; i++)
		h = (h ^ pcs[i]) * 0x100000001b3ull;
	h ^= h >> 33;
	return h ? h : 1;
}

/* Takes the current task's stack (bpf_get_stack flags: BPF_F_USER_STACK or 0 for the kernel's) into pcs, a
 * per-CPU scratch buffer of depth words, and stores it in map (stack id -> depth words) unless it is there.
 * Returns its id; 0 when no frame could be read, or when the map is full: then *dropped counts the lost stack,
 * so that a sample keeps its place without a stack id that leads nowhere. */
static __always_inline __u64 stack_take(void *ctx, __u64 *pcs, int depth, __u64 flags, void *map, __u64 *dropped)
{
	long len;
	__u64 id;

	/* Zeroed first, so that the frames past the stack's end are 0 (the buffer holds the previous stack) and the
	 * hash loop has a single path: cheap for the verifier. */
	__builtin_memset(pcs, 0, depth * sizeof(__u64));
	len = bpf_get_stack(ctx, pcs, depth * sizeof(__u64), flags);
	if (len <= 0)
		return 0;
	id = stack_hash(pcs, depth);
	if (!map_lookup_or_try_init(map, &id, pcs)) {
		__sync_fetch_and_add(dropped, 1);
		return 0;
	}
	return id;
}

#endif
