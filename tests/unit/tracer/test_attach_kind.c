// SPDX-License-Identifier: GPL-2.0
/* GOTRACE_TRACEPOINTS read into an order of kinds, and the autoload switch between the tp_btf and the classic
 * programs of real objects (opened only: nothing is loaded into the kernel). */
#include <errno.h>

#include "tracer/attach_kind.h"
#include "procs.skel.h"
#include "sched.skel.h"
#include "waits.skel.h"
/* unit.h defines unit_manifest(), which this fixture-free test never calls. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "unit.h"

TEST(auto_tries_the_preferred_kind_then_the_other)
{
	const char *autos[] = { NULL, "", "auto" };
	enum attach_kind k[ATTACH_KINDS_MAX];

	for (int i = 0; i < 3; i++) {
		CHECK(attach_kind_order(autos[i], ATTACH_TP_BTF, k) == 2);
		CHECK(k[0] == ATTACH_TP_BTF && k[1] == ATTACH_TRACEPOINT);
		CHECK(attach_kind_order(autos[i], ATTACH_TRACEPOINT, k) == 2);
		CHECK(k[0] == ATTACH_TRACEPOINT && k[1] == ATTACH_TP_BTF);
	}
}

TEST(a_forced_kind_is_the_only_one_whatever_the_preference)
{
	enum attach_kind k[ATTACH_KINDS_MAX];

	CHECK(attach_kind_order("tp_btf", ATTACH_TRACEPOINT, k) == 1);
	CHECK(k[0] == ATTACH_TP_BTF);
	CHECK(attach_kind_order("classic", ATTACH_TP_BTF, k) == 1);
	CHECK(k[0] == ATTACH_TRACEPOINT);
}

TEST(other_values_are_refused)
{
	const char *bad[] = { "tracepoint", "TP_BTF", "classic ", "btf", "1" };
	enum attach_kind k[ATTACH_KINDS_MAX];

	for (int i = 0; i < 5; i++)
		CHECK(attach_kind_order(bad[i], ATTACH_TP_BTF, k) == -EINVAL);
}

TEST(names_are_those_of_the_json_output)
{
	CHECK_STR(attach_kind_name(ATTACH_TP_BTF), "tp_btf");
	CHECK_STR(attach_kind_name(ATTACH_TRACEPOINT), "tracepoint");
}

TEST(autoload_switches_every_tracepoint_program_of_an_object)
{
	struct sched_bpf *s = sched_bpf__open();

	CHECK(s != NULL);
	if (!s)
		return;
	attach_kind_autoload(s->obj, NULL, ATTACH_TRACEPOINT);
	CHECK(bpf_program__autoload(s->progs.handle_switch_tp) && bpf_program__autoload(s->progs.handle_wakeup_tp) &&
	      bpf_program__autoload(s->progs.handle_wakeup_new_tp));
	CHECK(!bpf_program__autoload(s->progs.handle_switch_btf));
	attach_kind_autoload(s->obj, NULL, ATTACH_TP_BTF);
	CHECK(!bpf_program__autoload(s->progs.handle_switch_tp) && !bpf_program__autoload(s->progs.handle_wakeup_tp) &&
	      !bpf_program__autoload(s->progs.handle_wakeup_new_tp));
	CHECK(bpf_program__autoload(s->progs.handle_switch_btf));
	sched_bpf__destroy(s);
}

TEST(autoload_by_prefix_leaves_the_other_programs_alone)
{
	struct procs_bpf *p = procs_bpf__open();

	CHECK(p != NULL);
	if (!p)
		return;
	attach_kind_autoload(p->obj, "handle_exec_", ATTACH_TRACEPOINT);
	CHECK(bpf_program__autoload(p->progs.handle_exec_tp) && !bpf_program__autoload(p->progs.handle_exec_btf));
	CHECK(bpf_program__autoload(p->progs.handle_exit_tp) && bpf_program__autoload(p->progs.handle_exit_btf));
	procs_bpf__destroy(p);
}

TEST(autoload_switches_waits_between_raw_and_per_syscall_tracepoints)
{
	struct waits_bpf *w = waits_bpf__open();

	CHECK(w != NULL);
	if (!w)
		return;
	attach_kind_autoload(w->obj, NULL, ATTACH_TP_BTF);
	CHECK(bpf_program__autoload(w->progs.handle_sys_enter_btf) &&
	      bpf_program__autoload(w->progs.handle_sys_exit_btf));
	CHECK(!bpf_program__autoload(w->progs.handle_enter_futex_tp) &&
	      !bpf_program__autoload(w->progs.handle_exit_epoll_pwait2_tp));
	attach_kind_autoload(w->obj, NULL, ATTACH_TRACEPOINT);
	CHECK(!bpf_program__autoload(w->progs.handle_sys_enter_btf) &&
	      bpf_program__autoload(w->progs.handle_enter_futex_tp));
	waits_bpf__destroy(w);
}
