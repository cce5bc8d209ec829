// SPDX-License-Identifier: GPL-2.0
/* accept, socket and open calls of the traced processes that failed with EMFILE or ENFILE (fd_errors.h). Classic
 * syscall-exit tracepoints, one per call: nothing runs for the other system calls, and a call that returned
 * anything else costs one compare before any map access. The three calls Go makes (net: accept4, socket; os:
 * openat; glibc's open() is openat too): each classic tracepoint adds a grace period, about 40 ms here, to the
 * end of every trace (bench/exit), so accept, open and openat2, which Go never calls, are left out. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "events.bpf.h"
#include "fd_errors.h"
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct fd_errors);
} fd_errors SEC(".maps");

static __always_inline int count(long ret, enum fd_call call)
{
	static const struct fd_errors zero;
	struct fd_errors *e;
	__u32 tgid;

	if (ret != -FD_ERR_EMFILE && ret != -FD_ERR_ENFILE)
		return TRACEPOINT_PASS;
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (!is_target(tgid) || !(e = map_lookup_or_try_init(&fd_errors, &tgid, &zero)))
		return TRACEPOINT_PASS;
	if (ret == -FD_ERR_EMFILE)
		__sync_fetch_and_add(&e->emfile[call], 1);
	else
		__sync_fetch_and_add(&e->enfile[call], 1);
	return TRACEPOINT_PASS;
}

SEC("tp/syscalls/sys_exit_accept4")
int handle_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return count(ctx->ret, FD_CALL_ACCEPT);
}

SEC("tp/syscalls/sys_exit_socket")
int handle_exit_socket(struct trace_event_raw_sys_exit *ctx)
{
	return count(ctx->ret, FD_CALL_SOCKET);
}

SEC("tp/syscalls/sys_exit_openat")
int handle_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	return count(ctx->ret, FD_CALL_OPEN);
}

