// SPDX-License-Identifier: GPL-2.0
/* One profile pipeline per type serves every process (the programs filter on the shared targets map); at each
 * flush its stacks are collected once, then built into one profile per process, symbolized with the process's
 * own symbolizer (profiled_processes: opened while it lived, so that a process that has exited is still
 * symbolized) over a cache of files shared by all processes, and written as gzip pprof files (profile_files)
 * and/or pushed (pyroscope). A process that ended has its stacks taken out of the pipelines at once, for its
 * last profile, leaving the others' for the next flush. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon_profiles.h"
#include "lib/event_loop.h"
#include "lib/log.h"
#include "profile/pipeline.h"
#include "profile/pprof.h"
#include "daemon/profile_files.h"
#include "daemon/profiled_processes.h"
#include "daemon/parca.h"
#include "daemon/pyroscope.h"
#include "profile/symbolizer.h"

#define MAX_TYPES 2

struct daemon_profiles {
	const struct daemon_config *cfg;
	struct profile_pipeline *pipelines[MAX_TYPES];
	const struct profile_type *types[MAX_TYPES];
	int ntypes;
	struct sym_cache *syms;
	struct profiled_processes procs;
	struct profile_files *store;
	struct pyroscope *pyroscope;
	struct parca *parca;
	struct otlp_exporter *otlp;	/* borrowed; NULL: profiles not sent over OTLP */
	uint64_t since_realtime_ns, since_ns;
	uint64_t written, write_failed, samples_lost;
	uint64_t pushed, push_failed;	/* atomic: counted in the HTTP clients' threads too */
};

static void count_push(struct daemon_profiles *dp, int rc)
{
	__atomic_add_fetch(rc ? &dp->push_failed : &dp->pushed, 1, __ATOMIC_RELAXED);
}

/* In an HTTP client's thread: what became of a queued push. (Not the URL in the log: it may hold a password.) */
static void push_result(struct daemon_profiles *dp, const char *to, int rc, const char *err)
{
	count_push(dp, rc);
	if (rc)
		log_debug("pushing a profile to %s: %s", to, err);
}

static void on_pyroscope_result(void *arg, const char *url, int rc, const char *err)
{
	(void)url;
	push_result(arg, "Pyroscope", rc, err);
}

static void on_parca_result(void *arg, const char *url, int rc, const char *err)
{
	(void)url;
	push_result(arg, "Parca", rc, err);
}

/* Pushes go out in the background: a slow receiver holds up neither the flush nor the daemon's loop. */
static int open_sinks(struct daemon_profiles *dp, char *why, size_t why_size)
{
	const struct daemon_config *c = dp->cfg;
	struct http_client_options pyroscope_opts = { .background = true, .on_result = on_pyroscope_result,
						      .result_arg = dp };
	struct http_client_options parca_opts = { .background = true, .on_result = on_parca_result, .result_arg = dp };
	struct profile_files_limits lim = { c->retention_count, c->retention_age_ns, c->retention_size };
	int err = 0;

	if (c->profile_dir && (err = profile_files_open(c->profile_dir, &lim, &dp->store))) {
		snprintf(why, why_size, "cannot open the profile directory %s: %s", c->profile_dir, strerror(-err));
		return err;
	}
	if (c->pyroscope_url && (err = pyroscope_open(c->pyroscope_url, &pyroscope_opts, &dp->pyroscope)))
		snprintf(why, why_size, "cannot set up uploads to %s: %s", c->pyroscope_url, strerror(-err));
	if (!err && c->parca_url && (err = parca_open(c->parca_url, &parca_opts, &dp->parca)))
		snprintf(why, why_size, "cannot set up uploads to %s: %s", c->parca_url, strerror(-err));
	return err;
}

static void start_type(struct daemon_profiles *dp, const char *name, struct event_bus *bus)
{
	struct stack_source_opts o = { .bus = bus, .hz = dp->cfg->profile_hz, .kernel_stacks = true };
	const struct profile_type *t = profile_type_find(name);
	char why[512];

	if (!t || pipeline_start(t, &o, &dp->pipelines[dp->ntypes], why, sizeof(why))) {
		log_warn("%s profiles are off: %s", name, t ? why : "unknown type");
		return;
	}
	dp->types[dp->ntypes++] = t;
}

int daemon_profiles_open(const struct daemon_config *cfg, struct event_bus *bus, struct otlp_exporter *otlp,
			 struct daemon_profiles **out, char *why, size_t why_size)
{
	struct daemon_profiles *dp = calloc(1, sizeof(*dp));
	int err;

	if (!dp)
		return -ENOMEM;
	dp->cfg = cfg;
	dp->otlp = otlp;
	err = sym_cache_new(&dp->syms);
	dp->procs.syms = dp->syms;
	if (!err)
		err = open_sinks(dp, why, why_size);
	if (!err && (cfg->profile_types & DAEMON_PROFILE_CPU))
		start_type(dp, "cpu", bus);
	if (!err && (cfg->profile_types & DAEMON_PROFILE_OFFCPU))
		start_type(dp, "offcpu", bus);
	if (err) {
		daemon_profiles_close(dp);
		return err;
	}
	dp->since_ns = monotonic_ns();
	dp->since_realtime_ns = realtime_ns();
	*out = dp;
	return 0;
}

void daemon_profiles_close(struct daemon_profiles *dp)
{
	if (!dp)
		return;
	for (int i = 0; i < dp->ntypes; i++)
		pipeline_stop(dp->pipelines[i]);
	profile_files_close(dp->store);
	pyroscope_close(dp->pyroscope);
	parca_close(dp->parca);
	profiled_free(&dp->procs);
	sym_cache_free(dp->syms);
	free(dp);
}

/* The time a process's profile covers: from the last flush to now, or to its end. */
struct window {
	uint64_t from_rt, until_rt, duration_ns;
};

static struct window window_of(const struct daemon_profiles *dp, const struct profiled_process *p, uint64_t now,
			       uint64_t now_rt)
{
	if (p->ended && p->ended_ns >= dp->since_ns)
		return (struct window){ dp->since_realtime_ns, p->ended_realtime_ns, p->ended_ns - dp->since_ns };
	return (struct window){ dp->since_realtime_ns, now_rt, now - dp->since_ns };
}

/* A push refused at once (not queued) is counted here; a queued one by on_push_result. */
static void push_refused(struct daemon_profiles *dp, const struct profiled_process *pr, const char *to, int rc,
			 const char *err)
{
	if (!rc)
		return;
	count_push(dp, rc);
	log_debug("pushing a profile of PID %u to %s: %s", pr->pid, to, err);
}

static void push_pyroscope(struct daemon_profiles *dp, const struct profiled_process *pr, const uint8_t *gz,
			   size_t len, const struct window *w)
{
	struct pyroscope_label labels[PROFILED_MAX_LABELS];
	struct pyroscope_profile p = { .app = dp->cfg->pyroscope_app ? dp->cfg->pyroscope_app : pr->who.service,
				       .labels = labels, .from_ns = (int64_t)w->from_rt, .until_ns = (int64_t)w->until_rt,
				       .sample_rate_hz = dp->cfg->profile_hz, .pprof = gz, .len = len };
	char err[256];

	for (int i = 0; i < pr->who.nlabels && p.nlabels < PROFILED_MAX_LABELS; i++)
		labels[p.nlabels++] = (struct pyroscope_label){ pr->who.labels[i].name, pr->who.labels[i].value };
	push_refused(dp, pr, "Pyroscope", pyroscope_push(dp->pyroscope, &p, err, sizeof(err)), err);
}

/* Parca's name for a CPU profile is Go's (process_cpu); the profile's sample types tell the rest. */
static void push_parca(struct daemon_profiles *dp, const struct profile_type *t, const struct profiled_process *pr,
		       const uint8_t *gz, size_t len)
{
	const char *name = strcmp(t->name, "cpu") == 0 ? "process_cpu" : t->name;
	char err[256];

	push_refused(dp, pr, "Parca", parca_push(dp->parca, name, pr->who.labels, pr->who.nlabels, gz, len, err,
					       sizeof(err)), err);
}

static void emit(struct daemon_profiles *dp, const struct profile_type *t, const struct profiled_process *pr,
		 struct profile *profile, const struct window *w)
{
	uint8_t *gz;
	size_t len;
	int err;

	profile_set_time(profile, (int64_t)w->from_rt, (int64_t)w->duration_ns);
	if ((err = pprof_encode_gzip(profile, &gz, &len))) {
		dp->write_failed++;
		return;
	}
	if (dp->store) {
		err = profile_files_write(dp->store, pr->who.service, (int)pr->pid, t->name, (int64_t)w->until_rt, gz,
					  len);
		if (err) {
			dp->write_failed++;
			log_warn("cannot write a %s profile of PID %u: %s", t->name, pr->pid, strerror(-err));
		} else {
			dp->written++;
		}
	}
	if (dp->pyroscope && strcmp(t->name, "cpu") == 0)	/* Pyroscope reads other sample types as mutex time */
		push_pyroscope(dp, pr, gz, len, w);
	if (dp->parca)
		push_parca(dp, t, pr, gz, len);
	free(gz);
	if (dp->otlp)
		otlp_export_profile(dp->otlp, profile, pr->who.labels, pr->who.nlabels);
}

/* One process's profile out of the batch. Its samples are lost (and counted) when it is not profiled (no longer
 * traced), its map could never be read, or memory ran out. */
static void flush_process(struct daemon_profiles *dp, int i, const struct stack_batch *b, uint32_t pid,
			  uint64_t now, uint64_t now_rt)
{
	struct profiled_process *pr = profiled_find(&dp->procs, pid);
	struct symbolizer *sym = pr ? profiled_symbolizer(&dp->procs, pr) : NULL;
	struct profile *profile = NULL;
	struct window w;

	if (!sym || pipeline_build(dp->pipelines[i], b, pid, pr->who.comm, sym, &profile)) {
		dp->samples_lost += (uint64_t)stack_batch_count_of(b, pid);
	} else if (profile_sample_count(profile)) {
		w = window_of(dp, pr, now, now_rt);
		emit(dp, dp->types[i], pr, profile, &w);
	}
	profile_free(profile);
}

static void flush_batch(struct daemon_profiles *dp, int i, struct stack_batch *b, uint64_t now, uint64_t now_rt)
{
	for (size_t k = 0; k < stack_batch_process_count(b); k++)
		flush_process(dp, i, b, stack_batch_process(b, k), now, now_rt);
	stack_batch_free(b);
}

void daemon_profiles_flush(struct daemon_profiles *dp)
{
	uint64_t now = monotonic_ns(), now_rt = realtime_ns();
	struct stack_batch *b;

	if (!dp)
		return;
	for (int i = 0; i < dp->ntypes; i++)
		if (pipeline_collect(dp->pipelines[i], true, &b) == 0)
			flush_batch(dp, i, b, now, now_rt);
	if (dp->store)
		profile_files_enforce(dp->store);
	profiled_forget_ended(&dp->procs);
	profiled_renew(&dp->procs);
	dp->since_ns = now;
	dp->since_realtime_ns = now_rt;
}

void daemon_profiles_flush_ended(struct daemon_profiles *dp)
{
	uint64_t now = monotonic_ns(), now_rt = realtime_ns();
	size_t n = dp ? profiled_ended(&dp->procs, NULL, 0) : 0;
	uint32_t *pids = n ? calloc(n, sizeof(*pids)) : NULL;
	struct stack_batch *b;

	if (!pids)
		return;	/* none ended; or no memory: the next periodic flush makes their profiles */
	profiled_ended(&dp->procs, pids, n);
	for (int i = 0; i < dp->ntypes; i++)
		if (pipeline_take(dp->pipelines[i], pids, n, &b) == 0)
			flush_batch(dp, i, b, now, now_rt);
	free(pids);
	profiled_forget_ended(&dp->procs);
}

int daemon_profiles_add_process(struct daemon_profiles *dp, uint32_t pid, const struct daemon_process *who)
{
	return dp ? profiled_add(&dp->procs, pid, who) : 0;
}

void daemon_profiles_end_process(struct daemon_profiles *dp, uint32_t pid)
{
	if (dp)
		profiled_end(&dp->procs, pid, monotonic_ns(), realtime_ns());
}

void daemon_profiles_metrics(struct daemon_profiles *dp, struct prom *p)
{
	static const struct { const char *name, *help; } families[] = {
		{ "gotrace_daemon_profiles_written_total", "Profiles written to the profile directory." },
		{ "gotrace_daemon_profile_write_failures_total", "Profiles that could not be encoded or written." },
		{ "gotrace_daemon_profiles_pushed_total", "Profiles pushed to Pyroscope or Parca (OTLP: gotrace_daemon_otlp_exports_total)." },
		{ "gotrace_daemon_profile_push_failures_total", "Pushes that failed (server down, refused, timeout)." },
		{ "gotrace_daemon_profile_samples_dropped_total", "Samples of processes gone before their profile was made." },
	};
	const uint64_t values[] = { dp->written, dp->write_failed, __atomic_load_n(&dp->pushed, __ATOMIC_RELAXED),
				    __atomic_load_n(&dp->push_failed, __ATOMIC_RELAXED), dp->samples_lost };

	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		prom_family(p, families[i].name, "counter", families[i].help);
		prom_sample(p, families[i].name, NULL, 0, (double)values[i]);
	}
}
