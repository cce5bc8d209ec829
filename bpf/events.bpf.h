/* SPDX-License-Identifier: GPL-2.0 */
/* Maps shared by every gotrace BPF object: user space creates them once and hands the same fds to each
 * object before it loads (bpf_map__reuse_fd). */
#ifndef GOTRACE_EVENTS_BPF_H
#define GOTRACE_EVENTS_BPF_H

#include "events.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EVENTS_RINGBUF_SIZE);
} events SEC(".maps");

/* Processes being traced: tgid -> attach generation (user space numbers each attach, never 0). State a program
 * keeps per thread carries the generation it was written under, so that a process detached and traced again does
 * not find what its threads left at the detach (not every per-thread map is swept at a detach, and a program past
 * its check when the process left this map can still write after the sweep). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} targets SEC(".maps");

/* In front of targets: traced processes per tgid % TARGET_FILTER_SLOTS, kept by user space. An array lookup is
 * a few inlined instructions where a hash lookup hashes the key, so a process that is not traced (nearly every
 * sched_switch and syscall on a machine) costs a load and a compare (bench/overhead/README.md). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TARGET_FILTER_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} target_filter SEC(".maps");

/* Ring buffer records that could not be reserved (user space too slow): reported, never silent. */
__u64 events_lost = 0;

/* What a classic tracepoint program returns: 0 would hide the event from every other user of the tracepoint
 * (perf, ftrace). */
#define TRACEPOINT_PASS 1

/* Records are committed without waking the reader: a wakeup costs an interrupt (about 10 us per record in a VM,
 * measured: 11 us against 0.6 us per run of the GC exit probe), and user space reads the ring buffer on a short
 * timer anyway (EVENTS_POLL_MS). */
static __always_inline void events_submit(void *record)
{
	bpf_ringbuf_submit(record, BPF_RB_NO_WAKEUP);
}

/* The process's attach generation, 0 when it is not traced. */
static __always_inline __u32 target_generation(__u32 tgid)
{
	__u32 slot = tgid % TARGET_FILTER_SLOTS;
	__u32 *traced = bpf_map_lookup_elem(&target_filter, &slot), *generation;

	if (!traced || !*traced)
		return 0;
	generation = bpf_map_lookup_elem(&targets, &tgid);
	return generation ? *generation : 0;
}

static __always_inline bool is_target(__u32 tgid)
{
	return target_generation(tgid) != 0;
}

/* Whether per-thread state written under generation written, for process tgid, belongs to its current attach.
 * known: the process's current generation when the caller has it, 0 when it cannot tell the process (classic
 * tracepoints carry thread ids only: then the state's tgid is looked up). */
static __always_inline bool attach_is_current(__u32 written, __u32 tgid, __u32 known)
{
	return written == (known ? known : target_generation(tgid));
}

#endif
