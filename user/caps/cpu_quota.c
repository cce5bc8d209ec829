// SPDX-License-Identifier: GPL-2.0
/* The cgroup capability: the target's cgroup, CPU quota and GOMAXPROCS, and cpu.stat followed over the trace
 * window (periods, throttled periods, throttled time), which the kernel counts for us at no cost. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/capability.h"
#include "sys/cgroup.h"
#include "sys/kube.h"
#include "lib/duration.h"
#include "caps/gomaxprocs.h"

struct quota_state {
	struct trace_ctx *ctx;
	int index;
};

/* Per traced process. */
struct quota_target_state {
	struct cgroup_cpu cg;
	struct cgroup_cpu_stat first, last;	/* at the start, at the previous interval */
	struct gomaxprocs_info gmp;
	bool stat_ok;
	struct kube_identity kube;	/* in a Kubernetes pod (pod_uid set): from the cgroup path and kubelet logs */
};

static int quota_open(struct trace_ctx *ctx, int index, void **state, char *note, size_t note_size)
{
	struct quota_state *qs = calloc(1, sizeof(*qs));

	(void)note;
	(void)note_size;
	if (!qs)
		return -ENOMEM;
	qs->ctx = ctx;
	qs->index = index;
	*state = qs;
	return 0;
}

static int quota_attach(void *state, struct target_ctx *tc, void **tstate, char *note, size_t note_size)
{
	struct quota_target_state *qs = calloc(1, sizeof(*qs));
	int err;

	(void)state;
	if (!qs)
		return -ENOMEM;
	err = cgroup_cpu_for_pid(tc->target.proc.pid, &qs->cg);
	gomaxprocs_find(&tc->target, err ? 0 : qs->cg.quota_cpus, &qs->gmp);
	if (err) {
		snprintf(note, note_size, "cgroup CPU accounting is off: %s",
			 err == -ENOENT ? "no cgroup cpu controller for this process" : strerror(-err));
		free(qs);
		return -ENOTSUP;
	}
	qs->stat_ok = cgroup_cpu_read_stat(&qs->cg, &qs->first) == 0;
	qs->last = qs->first;
	if (kube_identity_from_cgroup(qs->cg.path, &qs->kube) == 0)
		kube_names_from_logs(KUBE_LOG_DIR, qs->cg.container_id, &qs->kube);
	*tstate = qs;
	return 0;
}

static void quota_detach(void *state, struct target_ctx *tc, void *tstate)
{
	(void)state;
	(void)tc;
	free(tstate);
}

static void quota_line(FILE *out, const struct quota_target_state *qs, const struct cgroup_cpu_stat *from,
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
		format_duration_human(to->throttled_ns - from->throttled_ns, a, sizeof(a)));
}

static void json_stat_delta(struct json_obj *j, const struct cgroup_cpu_stat *from, const struct cgroup_cpu_stat *to)
{
	json_kv_u64(j, "nr_periods", to->nr_periods - from->nr_periods);
	json_kv_u64(j, "nr_throttled", to->nr_throttled - from->nr_throttled);
	json_kv_u64(j, "throttled_ns", to->throttled_ns - from->throttled_ns);
}

/* cpu.stat between two reads: an interval's section. */
struct quota_span {
	const struct quota_target_state *qs;
	const struct cgroup_cpu_stat *from, *to;
};

static void text_span(const struct output_opts *o, void *arg)
{
	const struct quota_span *q = arg;

	quota_line(o->out, q->qs, q->from, q->to);
}

static void json_span(struct json_obj *j, const struct output_opts *o, void *arg)
{
	const struct quota_span *q = arg;
	struct json_obj cj;

	json_key(j, "cgroup");
	json_begin(&cj, o->out);
	json_stat_delta(&cj, q->from, q->to);
	json_end(&cj);
}

static void quota_interval(void *state, struct target_ctx *tc, void *tstate, struct output_sink *out)
{
	static const struct output_writer span = { NULL, text_span, json_span };
	struct quota_target_state *qs = tstate;
	struct cgroup_cpu_stat now;

	(void)state;
	(void)tc;
	if (!qs->stat_ok || cgroup_cpu_read_stat(&qs->cg, &now))
		return;
	output_section(out, &span, &(struct quota_span){ qs, &qs->last, &now });
	qs->last = now;
}

static void quota_finish(void *state, struct target_ctx *tc, void *tstate)
{
	struct quota_target_state *qs = tstate;
	struct trace_facts *f = &tc->facts;

	(void)state;
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

static void text_summary(const struct output_opts *o, void *arg)
{
	const struct quota_target_state *qs = arg;
	char desc[1024];

	cgroup_cpu_describe(&qs->cg, desc, sizeof(desc));
	fprintf(o->out, "%s\n", desc);
	if (qs->stat_ok)
		quota_line(o->out, qs, &qs->first, &qs->last);
	fprintf(o->out, "GOMAXPROCS: %d (%s), %d CPUs available\n", qs->gmp.value, qs->gmp.source, qs->gmp.ncpu);
}

static void json_summary(struct json_obj *j, const struct output_opts *o, void *arg)
{
	const struct quota_target_state *qs = arg;
	struct kube_field pod[KUBE_FIELDS];
	struct json_obj cj;

	json_key(j, "cgroup");
	json_begin(&cj, o->out);
	json_kv_str(&cj, "path", qs->cg.path);
	json_kv_u64(&cj, "version", qs->cg.version);
	json_kv_double(&cj, "quota_cpus", qs->cg.quota_cpus);
	json_kv_i64(&cj, "quota_us", qs->cg.quota_us);
	json_kv_u64(&cj, "period_us", qs->cg.period_us);
	json_kv_u64(&cj, "limiting_level", qs->cg.limiting_level);
	json_kv_str(&cj, "cpuset", qs->cg.cpuset);
	json_kv_str(&cj, "container_id", qs->cg.container_id);
	for (int i = 0, n = kube_fields(&qs->kube, pod); i < n; i++)
		json_kv_str(&cj, pod[i].name, pod[i].value);
	json_stat_delta(&cj, &qs->first, &qs->last);
	json_end(&cj);
	json_kv_u64(j, "gomaxprocs", qs->gmp.value);
	json_kv_str(j, "gomaxprocs_source", qs->gmp.source);
	json_kv_u64(j, "ncpu", qs->gmp.ncpu);
}

static void quota_summary(void *state, struct target_ctx *tc, void *tstate, struct output_sink *out)
{
	static const struct output_writer summary = { NULL, text_summary, json_summary };

	(void)state;
	(void)tc;
	output_section(out, &summary, tstate);
}

static double quota_cpus(const struct target_ctx *tc, const void *ts)
{
	const struct quota_target_state *qs = ts;

	(void)tc;
	return qs->cg.quota_us < 0 ? 0 : qs->cg.quota_cpus;
}

static double gomaxprocs(const struct target_ctx *tc, const void *ts)
{
	(void)tc;
	return ((const struct quota_target_state *)ts)->gmp.value;
}

static void quota_metrics(void *state, struct target_ctx *const *tcs, size_t n, struct prom *p)
{
	int index = ((struct quota_state *)state)->index;

	for (size_t i = 0; i < n; i++) {
		struct quota_target_state *qs = tcs[i]->cap_state[index];

		if (qs && qs->stat_ok)
			cgroup_cpu_read_stat(&qs->cg, &qs->last);
	}
	capability_metric(p, "gotrace_cgroup_cpu_quota_cpus", "gauge",
			  "CPU quota of the process's cgroup in CPUs (0: no limit).", tcs, n, index, quota_cpus);
	capability_metric(p, "gotrace_gomaxprocs", "gauge", "GOMAXPROCS of the process.", tcs, n, index, gomaxprocs);
	/* the kernel's own counters, cumulative since the cgroup was created: rate() works on them directly */
	capability_metric_u64(p, "gotrace_cgroup_periods_total", "counter", "CFS periods (cpu.stat nr_periods).", tcs, n,
			      index, offsetof(struct quota_target_state, last.nr_periods), 1);
	capability_metric_u64(p, "gotrace_cgroup_throttled_periods_total", "counter",
			      "CFS periods that ran out of quota (cpu.stat nr_throttled).", tcs, n, index,
			      offsetof(struct quota_target_state, last.nr_throttled), 1);
	capability_metric_u64(p, "gotrace_cgroup_throttled_seconds_total", "counter",
			      "Time throttled, summed over CPUs (cpu.stat throttled time).", tcs, n, index,
			      offsetof(struct quota_target_state, last.throttled_ns), 1e-9);
}

static void quota_close(void *state)
{
	free(state);
}

const struct capability cgroup_capability = {
	.name = "cgroup",
	.description = "the cgroup's CPU quota, GOMAXPROCS, and cpu.stat throttling counters over the trace",
	.default_on = true,
	.open = quota_open,
	.attach = quota_attach,
	.detach = quota_detach,
	.interval = quota_interval,
	.finish = quota_finish,
	.summary = quota_summary,
	.metrics = quota_metrics,
	.close = quota_close,
};
