// SPDX-License-Identifier: GPL-2.0
/* One profiler per type serves every process (the programs filter on the shared targets map); at each flush the
 * aggregated stacks are split by process, symbolized through a symbolizer cache shared by all processes, and
 * written as gzip pprof files (profile_store) and/or pushed (pyroscope). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon_profiles.h"
#include "lib/event_loop.h"
#include "lib/log.h"
#include "profile/pprof.h"
#include "daemon/profile_files.h"
#include "profile/sampler.h"
#include "daemon/pyroscope.h"
#include "profile/symbolize.h"
#include "profile/symbolizer.h"

#define MAX_TYPES 2

struct daemon_profiles {
	const struct daemon_config *cfg;
	struct profiler *profilers[MAX_TYPES];
	const struct profiler_type *types[MAX_TYPES];
	int ntypes;
	struct sym_cache *syms;
	struct profile_store *store;
	struct pyroscope *pyroscope;
	uint64_t since_realtime_ns, since_ns;
	uint64_t written, write_failed, pushed, push_failed, samples_lost;
};

/* One process's profile being built during a flush. */
struct split {
	uint32_t pid;
	const struct daemon_process *who;
	struct profile *profile;
	struct sym_profile *sp;
	struct symbolizer *sym;
};

struct flush {
	struct daemon_profiles *dp;
	const struct profiler_type *type;
	daemon_process_fn who;
	void *who_ctx;
	struct split *splits;
	size_t n;
};

static int open_sinks(struct daemon_profiles *dp, char *why, size_t why_size)
{
	const struct daemon_config *c = dp->cfg;
	struct profile_store_limits lim = { c->retention_count, c->retention_age_ns, c->retention_size };
	int err = 0;

	if (c->profile_dir && (err = profile_store_open(c->profile_dir, &lim, &dp->store))) {
		snprintf(why, why_size, "cannot open the profile directory %s: %s", c->profile_dir, strerror(-err));
		return err;
	}
	if (c->pyroscope_url && (err = pyroscope_open(c->pyroscope_url, NULL, &dp->pyroscope)))
		snprintf(why, why_size, "cannot set up uploads to %s: %s", c->pyroscope_url, strerror(-err));
	return err;
}

static void start_type(struct daemon_profiles *dp, const char *name, struct event_bus *bus)
{
	struct profiler_opts o = { .bus = bus, .hz = dp->cfg->profile_hz, .kernel_stacks = true };
	const struct profiler_type *t = profiler_type_find(name);
	char why[512];

	if (!t || profiler_start(t, &o, &dp->profilers[dp->ntypes], why, sizeof(why))) {
		log_warn("%s profiles are off: %s", name, t ? why : "unknown type");
		return;
	}
	dp->types[dp->ntypes++] = t;
}

int daemon_profiles_open(const struct daemon_config *cfg, struct event_bus *bus, struct daemon_profiles **out,
			 char *why, size_t why_size)
{
	struct daemon_profiles *dp = calloc(1, sizeof(*dp));
	int err;

	if (!dp)
		return -ENOMEM;
	dp->cfg = cfg;
	err = sym_cache_new(&dp->syms);
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
		profiler_stop(dp->profilers[i]);
	profile_store_close(dp->store);
	pyroscope_close(dp->pyroscope);
	sym_cache_free(dp->syms);
	free(dp);
}

static struct split *split_for(struct flush *f, uint32_t pid)
{
	struct split *s;

	for (size_t i = 0; i < f->n; i++)
		if (f->splits[i].pid == pid)
			return f->splits[i].who ? &f->splits[i] : NULL;
	s = realloc(f->splits, (f->n + 1) * sizeof(*s));
	if (!s)
		return NULL;
	f->splits = s;
	s = &f->splits[f->n++];
	*s = (struct split){ .pid = pid, .who = f->who(pid, f->who_ctx) };
	if (s->who && (!(s->profile = profiler_new_profile(f->type, f->dp->cfg->profile_hz)) ||
		       sym_profile_new(s->profile, &s->sp) || symbolizer_open(f->dp->syms, (int)pid, &s->sym)))
		s->who = NULL;	/* out of memory, or the process is gone: its samples are dropped */
	return s->who ? s : NULL;
}

static int add_sample(const struct profiler_sample *ps, void *ctx)
{
	struct flush *f = ctx;
	struct split *s = split_for(f, ps->tgid);

	if (!s) {
		f->dp->samples_lost += (uint64_t)ps->count;
		return 0;
	}
	return profiler_add_sample(s->sp, s->sym, f->type, f->dp->cfg->profile_hz, s->who->comm, ps) == -ENOMEM
		       ? -ENOMEM : 0;
}

static void push(struct daemon_profiles *dp, const struct split *s, const uint8_t *gz, size_t len, uint64_t now_rt)
{
	struct pyroscope_label labels[8];
	struct pyroscope_profile p = { .app = dp->cfg->pyroscope_app ? dp->cfg->pyroscope_app : s->who->service,
				       .labels = labels, .from_ns = (int64_t)dp->since_realtime_ns,
				       .until_ns = (int64_t)now_rt, .sample_rate_hz = dp->cfg->profile_hz,
				       .pprof = gz, .len = len };
	char err[256];

	for (int i = 0; i < s->who->nlabels && p.nlabels < 8; i++)
		labels[p.nlabels++] = (struct pyroscope_label){ s->who->labels[i].name, s->who->labels[i].value };
	if (pyroscope_push(dp->pyroscope, &p, err, sizeof(err)) == 0) {
		dp->pushed++;
	} else {
		dp->push_failed++;
		log_debug("pushing a profile of PID %u: %s", s->pid, err);
	}
}

static void emit(struct daemon_profiles *dp, const struct profiler_type *t, struct split *s, uint64_t now_rt,
		 uint64_t duration)
{
	uint8_t *gz;
	size_t len;
	int err;

	profile_set_time(s->profile, (int64_t)dp->since_realtime_ns, (int64_t)duration);
	if ((err = pprof_encode_gzip(s->profile, &gz, &len))) {
		dp->write_failed++;
		return;
	}
	if (dp->store) {
		err = profile_store_write(dp->store, s->who->service, (int)s->pid, t->name, (int64_t)now_rt, gz, len);
		if (err) {
			dp->write_failed++;
			log_warn("cannot write a %s profile of PID %u: %s", t->name, s->pid, strerror(-err));
		} else {
			dp->written++;
		}
	}
	if (dp->pyroscope && strcmp(t->name, "cpu") == 0)	/* Pyroscope reads other sample types as mutex time */
		push(dp, s, gz, len, now_rt);
	free(gz);
}

static void flush_type(struct daemon_profiles *dp, int i, daemon_process_fn who, void *ctx, uint64_t now_rt,
		       uint64_t duration)
{
	struct flush f = { .dp = dp, .type = dp->types[i], .who = who, .who_ctx = ctx };

	profiler_read(dp->profilers[i], add_sample, &f);
	profiler_clear(dp->profilers[i]);
	for (size_t k = 0; k < f.n; k++) {
		struct split *s = &f.splits[k];

		if (s->who && profile_sample_count(s->profile))
			emit(dp, f.type, s, now_rt, duration);
		sym_profile_free(s->sp);
		profile_free(s->profile);
		symbolizer_close(s->sym);
	}
	free(f.splits);
}

void daemon_profiles_flush(struct daemon_profiles *dp, daemon_process_fn who, void *ctx)
{
	uint64_t now = monotonic_ns(), now_rt = realtime_ns();

	for (int i = 0; i < dp->ntypes; i++)
		flush_type(dp, i, who, ctx, now_rt, now - dp->since_ns);
	if (dp->store)
		profile_store_enforce(dp->store);
	dp->since_ns = now;
	dp->since_realtime_ns = now_rt;
}

void daemon_profiles_metrics(struct daemon_profiles *dp, struct prom *p)
{
	static const struct { const char *name, *help; } families[] = {
		{ "gotrace_daemon_profiles_written_total", "Profiles written to the profile directory." },
		{ "gotrace_daemon_profile_write_failures_total", "Profiles that could not be encoded or written." },
		{ "gotrace_daemon_profiles_pushed_total", "Profiles pushed to Pyroscope." },
		{ "gotrace_daemon_profile_push_failures_total", "Pushes that failed (server down, refused, timeout)." },
		{ "gotrace_daemon_profile_samples_dropped_total", "Samples of processes gone before their profile was made." },
	};
	const uint64_t values[] = { dp->written, dp->write_failed, dp->pushed, dp->push_failed, dp->samples_lost };

	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		prom_family(p, families[i].name, "counter", families[i].help);
		prom_sample(p, families[i].name, NULL, 0, (double)values[i]);
	}
}
