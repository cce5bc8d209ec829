// SPDX-License-Identifier: GPL-2.0
/* The cgroup capability: the target's cgroup, CPU quota and GOMAXPROCS, and cpu.stat followed over the trace
 * window (periods, throttled periods, throttled time), which the kernel counts for us at no cost. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capability.h"
#include "cgroup.h"
#include "gomaxprocs.h"

struct quota_state {
	struct cgroup_cpu cg;
	struct cgroup_cpu_stat first, last;	/* at the start, at the previous interval */
	struct gomaxprocs_info gmp;
	bool stat_ok;
};

static int quota_start(struct trace_ctx *ctx, void **state, char *note, size_t note_size)
{
	struct quota_state *qs = calloc(1, sizeof(*qs));
	int err;

	if (!qs)
		return -ENOMEM;
	*state = qs;
	err = cgroup_cpu_for_pid(ctx->target->proc.pid, &qs->cg);
	gomaxprocs_find(ctx->target, err ? 0 : qs->cg.quota_cpus, &qs->gmp);
	if (err) {
		snprintf(note, note_size, "cgroup CPU accounting is off: %s",
			 err == -ENOENT ? "no cgroup cpu controller for this process" : strerror(-err));
		return -ENOTSUP;
	}
	qs->stat_ok = cgroup_cpu_read_stat(&qs->cg, &qs->first) == 0;
	qs->last = qs->first;
	return 0;
}

static void quota_line(FILE *out, const struct quota_state *qs, const struct cgroup_cpu_stat *from,
		       const struct cgroup_cpu_stat *to)
{
	uint64_t periods = to->nr_periods - from->nr_periods, throttled = to->nr_throttled - from->nr_throttled;
	char a[32];

	if (qs->cg.quota_us < 0) {
		fprintf(out, "cgroup: no CPU quota\n");
		return;
	}
	fprintf(out, "cgroup: quota %.2f CPUs, %llu periods, %llu throttled (%.0f%%), throttled %s\n",
		qs->cg.quota_cpus, (unsigned long long)periods, (unsigned long long)throttled,
		periods ? 100.0 * (double)throttled / (double)periods : 0.0,
		format_duration(to->throttled_ns - from->throttled_ns, a, sizeof(a)));
}

static void quota_interval(void *state, struct trace_ctx *ctx)
{
	struct quota_state *qs = state;
	struct cgroup_cpu_stat now;

	if (!qs->stat_ok || cgroup_cpu_read_stat(&qs->cg, &now))
		return;
	if (!ctx->out->json)
		quota_line(ctx->out->out, qs, &qs->last, &now);
	qs->last = now;
}

static void quota_finish(void *state, struct trace_ctx *ctx)
{
	struct quota_state *qs = state;
	struct trace_facts *f = &ctx->facts;

	if (qs->stat_ok)
		cgroup_cpu_read_stat(&qs->cg, &qs->last);
	f->have_cgroup = qs->stat_ok;
	f->have_quota = qs->cg.quota_us >= 0;
	f->quota_cpus = qs->cg.quota_cpus;
	f->quota_us = qs->cg.quota_us > 0 ? (uint64_t)qs->cg.quota_us : 0;
	f->period_us = qs->cg.period_us;
	f->nr_periods = qs->last.nr_periods - qs->first.nr_periods;
	f->nr_throttled = qs->last.nr_throttled - qs->first.nr_throttled;
	f->throttled_ns = qs->last.throttled_ns - qs->first.throttled_ns;
	f->limiting_level = qs->cg.limiting_level;
	snprintf(f->cgroup_path, sizeof(f->cgroup_path), "%s", qs->cg.path);
	f->gomaxprocs = qs->gmp.value;
	f->ncpu = qs->gmp.ncpu;
	f->go_sizes_gomaxprocs_from_cgroup = qs->gmp.cgroup_aware;
}

static void quota_text_summary(void *state, struct trace_ctx *ctx)
{
	struct quota_state *qs = state;
	char desc[1024];

	cgroup_cpu_describe(&qs->cg, desc, sizeof(desc));
	fprintf(ctx->out->out, "%s\n", desc);
	if (qs->stat_ok)
		quota_line(ctx->out->out, qs, &qs->first, &qs->last);
	fprintf(ctx->out->out, "GOMAXPROCS: %d (%s), %d CPUs available\n", qs->gmp.value, qs->gmp.source,
		qs->gmp.ncpu);
}

static void quota_json_summary(void *state, struct trace_ctx *ctx, struct json_obj *summary)
{
	struct quota_state *qs = state;
	const struct trace_facts *f = &ctx->facts;
	struct json_obj j;

	json_key(summary, "cgroup");
	json_begin(&j, ctx->out->out);
	json_kv_str(&j, "path", qs->cg.path);
	json_kv_u64(&j, "version", qs->cg.version);
	json_kv_double(&j, "quota_cpus", qs->cg.quota_cpus);
	json_kv_i64(&j, "quota_us", qs->cg.quota_us);
	json_kv_u64(&j, "period_us", qs->cg.period_us);
	json_kv_u64(&j, "limiting_level", qs->cg.limiting_level);
	json_kv_str(&j, "cpuset", qs->cg.cpuset);
	json_kv_str(&j, "container_id", qs->cg.container_id);
	json_kv_u64(&j, "nr_periods", f->nr_periods);
	json_kv_u64(&j, "nr_throttled", f->nr_throttled);
	json_kv_u64(&j, "throttled_ns", f->throttled_ns);
	json_end(&j);
	json_kv_u64(summary, "gomaxprocs", qs->gmp.value);
	json_kv_str(summary, "gomaxprocs_source", qs->gmp.source);
	json_kv_u64(summary, "ncpu", qs->gmp.ncpu);
}

static void quota_stop(void *state)
{
	free(state);
}

const struct capability cgroup_capability = {
	.name = "cgroup",
	.summary = "the cgroup's CPU quota, GOMAXPROCS, and cpu.stat throttling counters over the trace",
	.default_on = true,
	.start = quota_start,
	.interval = quota_interval,
	.finish = quota_finish,
	.text_summary = quota_text_summary,
	.json_summary = quota_json_summary,
	.stop = quota_stop,
};
