// SPDX-License-Identifier: GPL-2.0
/* tp_btf or classic tracepoints: the order each capability tries them in, the one-time probe of what the
 * kernel loads, and the autoload switch between the two kinds of programs of one object. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "sys/tracefs.h"
#include "tracer/attach_kind.h"

const char *attach_kind_name(enum attach_kind kind)
{
	return kind == ATTACH_TP_BTF ? "tp_btf" : "tracepoint";
}

int attach_kind_order(const char *forced, enum attach_kind preferred, enum attach_kind kinds[ATTACH_KINDS_MAX])
{
	if (!forced || !*forced || !strcmp(forced, "auto")) {
		kinds[0] = preferred;
		kinds[1] = preferred == ATTACH_TP_BTF ? ATTACH_TRACEPOINT : ATTACH_TP_BTF;
		return 2;
	}
	if (!strcmp(forced, "tp_btf")) {
		kinds[0] = ATTACH_TP_BTF;
		return 1;
	}
	if (!strcmp(forced, "classic")) {
		kinds[0] = ATTACH_TRACEPOINT;
		return 1;
	}
	return -EINVAL;
}

/* ---- what the kernel offers ---- */

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static int tp_btf_probe_result;

/* "r0 = 0; exit" as a tp_btf program on sched_switch: the verifier checks the attach target, and a kernel
 * without tp_btf (or without BTF) refuses the load. */
static int load_tiny_tp_btf(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP);
	int id = libbpf_find_vmlinux_btf_id("sched_switch", BPF_TRACE_RAW_TP), fd;

	if (id < 0)
		return id;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "gotrace_probe", "GPL", insns, sizeof(insns) / sizeof(insns[0]),
			   &opts);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

static void probe_tp_btf_once(void)
{
	tp_btf_probe_result = load_tiny_tp_btf();
	if (tp_btf_probe_result)
		log_info("this kernel does not load tp_btf programs (%s): classic tracepoints only",
			 strerror(-tp_btf_probe_result));
}

int attach_kind_probe_tp_btf(void)
{
	pthread_once(&probe_once, probe_tp_btf_once);
	return tp_btf_probe_result;
}

/* ---- programs ---- */

static bool is_tp_btf(const struct bpf_program *prog)
{
	return bpf_program__type(prog) == BPF_PROG_TYPE_TRACING &&
	       bpf_program__expected_attach_type(prog) == BPF_TRACE_RAW_TP;
}

static bool is_classic_tracepoint(const struct bpf_program *prog)
{
	return bpf_program__type(prog) == BPF_PROG_TYPE_TRACEPOINT;
}

void attach_kind_autoload(struct bpf_object *obj, const char *prefix, enum attach_kind kind)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		if (prefix && strncmp(bpf_program__name(prog), prefix, strlen(prefix)))
			continue;
		if (is_tp_btf(prog))
			bpf_program__set_autoload(prog, kind == ATTACH_TP_BTF);
		else if (is_classic_tracepoint(prog))
			bpf_program__set_autoload(prog, kind == ATTACH_TRACEPOINT);
	}
}

/* ---- trying them in order ---- */

static int ensure_tracefs(char *why, size_t why_size)
{
	bool mounted;
	int err = tracefs_ensure(&mounted);

	if (err) {
		snprintf(why, why_size, "tracefs is not mounted and mounting it failed: %s", strerror(-err));
		return err;
	}
	if (mounted)
		log_warn("mounted tracefs on /sys/kernel/tracing (classic tracepoints need it)");
	return 0;
}

/* What a kind needs before its programs can load, then start, whose reason gets the privilege hint. */
static int try_kind(enum attach_kind kind, bool forced, attach_kind_start_fn start, void *state, char *why,
		    size_t why_size)
{
	int err;

	if (kind == ATTACH_TP_BTF && !forced && (err = attach_kind_probe_tp_btf())) {
		snprintf(why, why_size, "this kernel does not load tp_btf programs (%s)", strerror(-err));
		return err;
	}
	if (kind == ATTACH_TRACEPOINT && (err = ensure_tracefs(why, why_size)))
		return err;
	err = start(state, kind, why, why_size);
	if (err && *log_privilege_hint(err)) {
		size_t len = strlen(why);

		snprintf(why + len, why_size - len, "; %s", log_privilege_hint(err));
	}
	return err;
}

int attach_kind_start(const char *who, enum attach_kind preferred, attach_kind_start_fn start, void *state,
		      char *why, size_t why_size)
{
	const char *forced = getenv(ATTACH_KIND_ENV);
	enum attach_kind kinds[ATTACH_KINDS_MAX];
	int n = attach_kind_order(forced, preferred, kinds), err = -ENOTSUP;
	size_t used = 0;

	if (n < 0) {
		snprintf(why, why_size, "%s=%s: expected auto, tp_btf or classic", ATTACH_KIND_ENV, forced);
		return n;
	}
	for (int i = 0; i < n; i++) {
		char reason[256] = "";

		/* a forced kind is tried whatever the probe said: its own error says more */
		err = try_kind(kinds[i], n == 1, start, state, reason, sizeof(reason));
		if (!err)
			return 0;
		if (used < why_size)
			used += (size_t)snprintf(why + used, why_size - used, "%s%s: %s", i ? "; " : "",
						 attach_kind_name(kinds[i]), reason);
		if (i + 1 < n)
			log_info("%s: %s unavailable (%s), trying %s", who, attach_kind_name(kinds[i]), reason,
				 attach_kind_name(kinds[i + 1]));
	}
	return err;
}

int attach_kind_open_failed(char *why, size_t why_size)
{
	int err = errno ? -errno : -ENOMEM;

	snprintf(why, why_size, "%s", strerror(-err));
	return err;
}
