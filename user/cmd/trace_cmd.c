// SPDX-License-Identifier: GPL-2.0
/* `gotrace [trace] -p PID [interval [count]]` and `gotrace -- CMD`: attach every capability to one Go process,
 * print what it saw every interval (or at the end), stop on Ctrl-C, SIGTERM, -d, the count, or the target's exit. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cli.h"
#include "cmd/commands.h"
#include "lib/event_loop.h"
#include "caps/advice.h"
#include "tracer/capability.h"
#include "tracer/discovery.h"
#include "tracer/link_release.h"
#include "tracer/session.h"
#include "lib/json.h"
#include "lib/log.h"
#include "sys/spawn.h"
#include "tracer/target.h"


struct trace_opts {
	int pid;
	char **cmd;
	uint64_t interval_ns;
	uint64_t count;
	uint64_t duration_ns;
	bool caps[MAX_CAPS];		/* indexed like all_caps */
	struct capability_options cap_opts;
	bool json;			/* -j */
	struct output_opts out;
};

struct trace_session {
	struct trace_opts opts;
	struct session session;
	struct discovery *discovery;	/* tells when the target execs another program */
	bool target_execd;
	struct target_ctx *tc;
	struct event_loop loop;
	struct output_sink sink;	/* text or JSON, from -j */
	uint64_t intervals;
	enum loop_stop stopped_by;
	pid_t child;
};

#define all_caps all_capabilities
#define NCAPS all_capabilities_count

static const char trace_help[] =
	"Usage: gotrace [trace] -p PID [options] [interval [count]]\n"
	"       gotrace [trace] [options] -- COMMAND [ARGS...]\n"
	"\n"
	"Trace a Go process with eBPF and explain why it is slow: stop-the-world GC pauses (per reason) and GC\n"
	"cycles timed by the Go runtime's own clock, run-queue delay and off-CPU time of its threads, goroutine\n"
	"scheduling delay, its cgroup's CPU quota and throttling, with each pause and delay attributed to\n"
	"throttling, and where its threads sleep in futex and epoll calls (and which runtime path waited).\n"
	"Nothing is changed in the process; it keeps running when gotrace exits.\n"
	"\n"
	"Options:\n"
	"  -p, --pid PID          trace this process (a Go program, Go 1.17 or newer)\n"
	"  -d, --duration DUR     stop after DUR (e.g. 30s, 5m, 500ms; a bare number is seconds)\n"
	"  -m, --milliseconds     histograms in milliseconds (default: microseconds)\n"
	"  -T, --timestamp        prefix interval lines with the time of day\n"
	"  -s, --slow DUR         print every pause, delay or wait of at least DUR as it happens (e.g. 1ms)\n"
	"  -j, --json             newline-delimited JSON on stdout instead of text (schema: README.md)\n"
	"  -c, --capabilities LIST  what to trace, comma-separated (default: all): gc, sched, goroutines, cgroup,\n"
	"                         waits, memory\n"
	"      --goroutines=exact   time every goroutine dispatch with probes on runtime.casgstatus. Costly: each\n"
	"                         goroutine switch then takes ~3 uprobe hits (~1-3 us each on bare metal, ~20 us\n"
	"                         in some VMs). Default: read the runtime's own sampled histogram, no probe.\n"
	"      --gc-source=memstats  GC pauses from the runtime's own per-cycle record (MemStats.PauseNs), read\n"
	"                         10 times a second: no probe, a cost that does not grow with the GC rate, but\n"
	"                         one figure per cycle (its stops together), no reasons, no throttling share.\n"
	"                         Default: probes, which time every stop and attribute it to throttling.\n"
	"  -v, --verbose          say more (twice: libbpf's debug log)\n"
	"  -h, --help             this help\n"
	"  interval [count]       print and reset every interval (a duration), count times\n"
	"\n"
	"Examples:\n"
	"  gotrace -p 1234                 trace until Ctrl-C, then print histograms\n"
	"  gotrace -p 1234 10 6            print every 10 s, six times\n"
	"  gotrace -p 1234 -d 1m -m        one minute, in milliseconds\n"
	"  gotrace -p 1234 --slow 500us    list each pause of 500 us or more\n"
	"  gotrace -p 1234 -j -d 30s > gc.ndjson\n"
	"  gotrace -- ./server -addr :8080 start a command and trace it from its first instruction\n"
	"\n"
	"Needs root, or CAP_BPF + CAP_PERFMON + CAP_SYS_PTRACE, and a kernel with BTF (/sys/kernel/btf/vmlinux).\n";

static int parse_positionals(struct trace_opts *o, int argc, char **argv)
{
	int left = argc - optind;

	if (left > 2)
		return cli_bad_value("argument", argv[optind + 2], "expected at most: interval count");
	if (left >= 1 && cli_parse_duration(argv[optind], false, &o->interval_ns))
		return cli_bad_value("interval", argv[optind], "expected a duration such as 5 or 500ms");
	if (left == 2 && cli_parse_u64(argv[optind + 1], 1, UINT32_MAX, &o->count))
		return cli_bad_value("count", argv[optind + 1], "expected a positive whole number");
	return 0;
}

/* "known: sched, cgroup, ...": every capability's name, as the table has them. */
static const char *known_caps(char *buf, size_t len)
{
	int at = snprintf(buf, len, "known:");

	for (size_t i = 0; i < NCAPS && at > 0 && (size_t)at < len; i++)
		at += snprintf(buf + at, len - (size_t)at, "%s %s", i ? "," : "", all_caps[i]->name);
	return buf;
}

static int parse_caps(struct trace_opts *o, const char *list)
{
	char buf[256], known[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	memset(o->caps, 0, sizeof(o->caps));
	for (char *name = strtok_r(buf, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < NCAPS && strcmp(name, all_caps[i]->name) != 0; i++)
			;
		if (i == NCAPS)
			return cli_bad_value("capability", name, known_caps(known, sizeof(known)));
		o->caps[i] = true;
	}
	return 0;
}

static int parse_option(struct trace_opts *o, int c)
{
	switch (c) {
	case 'p':
		return cli_option_pid(optarg, &o->pid);
	case 'd':
		return cli_option_duration(optarg, &o->duration_ns);
	case 's':
		return cli_parse_duration(optarg, false, &o->out.slow_ns)
			       ? cli_bad_value("--slow threshold", optarg, "expected e.g. 1ms or 500us") : 0;
	case 'c':
		return parse_caps(o, optarg);
	case 'G':
		if (strcmp(optarg, "exact") && strcmp(optarg, "sampled"))
			return cli_bad_value("--goroutines mode", optarg, "expected exact or sampled");
		o->cap_opts.exact_goroutines = strcmp(optarg, "exact") == 0;
		return 0;
	case 'S':
		if (strcmp(optarg, "probes") && strcmp(optarg, "memstats"))
			return cli_bad_value("--gc-source", optarg, "expected probes or memstats");
		o->cap_opts.gc_source = strcmp(optarg, "memstats") == 0 ? GC_FROM_MEMSTATS : GC_FROM_PROBES;
		return 0;
	case 'm':
		o->out.millis = true;
		return 0;
	case 'T':
		o->out.timestamps = true;
		return 0;
	case 'j':
		o->json = true;
		return 0;
	case 'v':
		log_verbosity++;
		return 0;
	case 'h':
		fputs(trace_help, stdout);
		exit(EXIT_OK);
	default:
		fprintf(stderr, "Try 'gotrace --help'.\n");
		return EXIT_USAGE;
	}
}

static int parse_opts(struct trace_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },	   { "duration", required_argument, NULL, 'd' },
		{ "milliseconds", no_argument, NULL, 'm' }, { "timestamp", no_argument, NULL, 'T' },
		{ "slow", required_argument, NULL, 's' },	   { "json", no_argument, NULL, 'j' },
		{ "capabilities", required_argument, NULL, 'c' }, { "goroutines", required_argument, NULL, 'G' },
		{ "gc-source", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },	   { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, err;

	for (size_t i = 0; i < NCAPS; i++)
		o->caps[i] = all_caps[i]->default_on;
	argc = cli_split_command(argc, argv, &o->cmd);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:d:mTs:jc:vh", longopts, NULL)) != -1)
		if ((err = parse_option(o, c)))
			return err;
	if (parse_positionals(o, argc, argv))
		return EXIT_USAGE;
	return cli_check_target(o->pid, o->cmd);
}

/* An interval's head: in text the blank line that separates it, in JSON the process and the time. */
static void text_blank_line(const struct output_opts *o, void *arg)
{
	(void)arg;
	fputc('\n', o->out);
}

static void json_interval_head(struct json_obj *j, const struct output_opts *o, void *arg)
{
	const struct trace_session *s = arg;

	(void)o;
	json_kv_u64(j, "pid", s->tc->target.proc.pid);
	json_kv_u64(j, "time_ns", monotonic_ns());
}

static void print_interval(struct trace_session *s)
{
	static const struct output_writer head = { "interval", text_blank_line, json_interval_head };

	output_record_begin(&s->sink, &head, s);
	session_interval(&s->session, s->tc, &s->sink);
	output_record_end(&s->sink);
	fflush(s->opts.out.out);
}

static int on_tick(void *ctx)
{
	struct trace_session *s = ctx;

	session_consume(&s->session);
	print_interval(s);
	s->intervals++;
	return s->opts.count && s->intervals >= s->opts.count;
}

static int check_kernel(void)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		log_error("this kernel has no BTF (/sys/kernel/btf/vmlinux is missing): gotrace's CO-RE programs need a "
			  "kernel built with CONFIG_DEBUG_INFO_BTF=y (5.4 or newer)");
		return -ENOENT;
	}
	return 0;
}

static int spawn_command(struct trace_session *s)
{
	int err = spawn_stopped(s->opts.cmd, &s->child);

	if (err)
		log_error("cannot run '%s': %s", s->opts.cmd[0], strerror(-err));
	else
		s->opts.pid = s->child;
	return err;
}

static void on_process(int pid, enum proc_change change, void *ctx)
{
	struct trace_session *s = ctx;

	if (change != PROC_EXEC || !s->tc || pid != s->tc->target.proc.pid)
		return;
	s->target_execd = true;	/* its probes sit on the old program: nothing more will come */
	s->session.stop = true;
}

/* Exec detection is a nicety: without it an exec goes unnoticed until the process exits. */
static void watch_exec(struct trace_session *s)
{
	char note[256];

	if (discovery_open(s->session.bus, on_process, s, &s->discovery, note, sizeof(note)))
		log_info("%s", note);
}

static int add_target(struct trace_session *s)
{
	char why[256];
	int err = session_add_target(&s->session, s->opts.pid, &s->tc, why, sizeof(why));

	if (err && why[0])
		log_error("PID %d: %s", s->opts.pid, why);
	return err;
}

/* JSON only: the "start" record; a person reads the line on stderr. */
static void json_start(struct json_obj *j, const struct output_opts *o, void *arg)
{
	const struct trace_session *s = arg;
	const struct target *t = &s->tc->target;

	(void)o;
	json_kv_u64(j, "pid", t->proc.pid);
	json_kv_str(j, "comm", t->proc.comm);
	json_kv_str(j, "exe", t->proc.exe_name);
	json_kv_str(j, "go_version", go_binary_version_str(t->bin));
	json_kv_u64(j, "time_ns", s->tc->start_ns);
	json_kv_u64(j, "realtime_ns", realtime_ns());
	json_kv_u64(j, "probes", session_probe_count(&s->session));
}

static void announce(struct trace_session *s)
{
	static const struct output_writer start = { "start", NULL, json_start };
	char desc[256];

	target_describe(&s->tc->target, desc, sizeof(desc));
	fprintf(stderr, "Tracing %s: %d probes ... Hit Ctrl-C to end.\n", desc, session_probe_count(&s->session));
	output_event(&s->sink, &start, s);
	fflush(s->opts.out.out);
}

static void text_attribution(FILE *out, const struct trace_facts *f)
{
	double stw = advice_share(f->stw_throttled_ns, f->stw_pause_ns);
	double runq = advice_share(f->runq_throttled_ns, f->runq_delay_ns);

	if (!f->have_sched || (f->have_cgroup && !f->have_quota))
		return;	/* no quota, no throttling to explain */
	fprintf(out, "Throttling explains %s%.0f%% of stop-the-world pause time and %s%.0f%% of thread run-queue delay\n",
		stw < 0 ? "n/a " : "", stw < 0 ? 0 : 100 * stw, runq < 0 ? "n/a " : "", runq < 0 ? 0 : 100 * runq);
}

static void text_advice(FILE *out, const struct trace_facts *f)
{
	struct advice adv[ADVICE_MAX];
	int n = advice_compute(f, adv, ADVICE_MAX);

	if (n)
		fprintf(out, "\nAdvice:\n");
	for (int i = 0; i < n; i++)
		fprintf(out, "  * %s\n", adv[i].text);
}

static void json_advice(struct json_obj *j, const struct trace_facts *f)
{
	struct advice adv[ADVICE_MAX];
	int n = advice_compute(f, adv, ADVICE_MAX);

	json_key(j, "advice");
	fputc('[', j->out);
	for (int i = 0; i < n; i++) {
		struct json_obj a;

		if (i)
			fputc(',', j->out);
		json_begin(&a, j->out);
		json_kv_str(&a, "id", adv[i].id);
		json_kv_str(&a, "text", adv[i].text);
		json_end(&a);
	}
	fputc(']', j->out);
}

static void json_attribution(const struct trace_facts *f, struct json_obj *summary)
{
	struct json_obj j;

	if (!f->have_sched)
		return;
	json_key(summary, "throttling");
	json_begin(&j, summary->out);
	json_kv_u64(&j, "stw_pause_ns", f->stw_pause_ns);
	json_kv_u64(&j, "stw_throttled_ns", f->stw_throttled_ns);
	json_kv_double(&j, "stw_share", advice_share(f->stw_throttled_ns, f->stw_pause_ns));
	json_kv_u64(&j, "runq_delay_ns", f->runq_delay_ns);
	json_kv_u64(&j, "runq_throttled_ns", f->runq_throttled_ns);
	json_kv_double(&j, "runq_share", advice_share(f->runq_throttled_ns, f->runq_delay_ns));
	json_end(&j);
}

/* The trace's own cost, so that a user sees it on their machine: uprobe hits (each stalls a target thread for a
 * trap) and the CPU the BPF programs used. */
static void json_cost(struct trace_session *s, struct json_obj *j)
{
	uint64_t hits = session_probe_hits(&s->session), bpf_ns, runs;
	double secs = s->tc->facts.window_ns / 1e9;

	json_kv_u64(j, "probe_hits", hits);
	json_kv_double(j, "probe_hits_per_second", secs > 0 ? hits / secs : 0);
	json_kv_u64(j, "events_lost", session_events_lost(&s->session));
	if (bpf_cost_read(&s->session.cost, &bpf_ns, &runs)) {
		json_kv_u64(j, "bpf_cpu_ns", bpf_ns);
		json_kv_u64(j, "bpf_runs", runs);
	}
}

static void text_cost(struct trace_session *s)
{
	uint64_t hits = session_probe_hits(&s->session), bpf_ns, runs;
	double secs = s->tc->facts.window_ns / 1e9;

	fprintf(s->opts.out.out, "Cost: %llu uprobe hits (%.1f/s) in the process", (unsigned long long)hits,
		secs > 0 ? hits / secs : 0);
	if (bpf_cost_read(&s->session.cost, &bpf_ns, &runs))
		fprintf(s->opts.out.out, "; BPF programs ran %llu times, %.1f ms CPU (%.3f%% of one CPU)",
			(unsigned long long)runs, bpf_ns / 1e6, secs > 0 ? 100.0 * bpf_ns / 1e9 / secs : 0);
	fprintf(s->opts.out.out, "\n");
}

static void text_summary_head(const struct output_opts *o, void *arg)
{
	const struct trace_session *s = arg;

	fputc('\n', o->out);
	if (s->target_execd)
		fprintf(o->out, "PID %d started another program (exec): tracing stopped.\n", s->tc->target.proc.pid);
	else if (s->stopped_by == LOOP_TARGET_EXITED)
		fprintf(o->out, "PID %d exited.\n", s->tc->target.proc.pid);
}

static void json_summary_head(struct json_obj *j, const struct output_opts *o, void *arg)
{
	struct trace_session *s = arg;

	(void)o;
	json_kv_u64(j, "pid", s->tc->target.proc.pid);
	json_kv_u64(j, "time_ns", monotonic_ns());
	json_kv_u64(j, "duration_ns", s->tc->facts.window_ns);
	json_kv_bool(j, "target_exited", s->stopped_by == LOOP_TARGET_EXITED && !s->target_execd);
	json_kv_bool(j, "target_execd", s->target_execd);
	json_cost(s, j);
}

/* After the capabilities' sections: what throttling explains, the advice, and in text the trace's cost. */
static void text_summary_tail(const struct output_opts *o, void *arg)
{
	struct trace_session *s = arg;

	text_attribution(o->out, &s->tc->facts);
	text_advice(o->out, &s->tc->facts);
	text_cost(s);
}

static void json_summary_tail(struct json_obj *j, const struct output_opts *o, void *arg)
{
	const struct trace_session *s = arg;

	(void)o;
	json_attribution(&s->tc->facts, j);
	json_advice(j, &s->tc->facts);
}

static void print_summary(struct trace_session *s)
{
	static const struct output_writer head = { "summary", text_summary_head, json_summary_head };
	static const struct output_writer tail = { NULL, text_summary_tail, json_summary_tail };

	session_consume(&s->session);
	if (!s->opts.interval_ns || s->stopped_by != LOOP_DEADLINE)
		print_interval(s);
	session_finish(&s->session, s->tc);
	output_record_begin(&s->sink, &head, s);
	session_summary(&s->session, s->tc, &s->sink);
	output_section(&s->sink, &tail, s);
	output_record_end(&s->sink);
}

static int run(struct trace_session *s)
{
	int err;

	if ((err = check_kernel()) || (err = loop_init(&s->loop)))
		return err;
	s->sink = (struct output_sink){ .format = s->opts.json ? &output_json : &output_text, .opts = &s->opts.out,
					.out = s->opts.out.out };
	if ((err = session_open(&s->session, all_caps, s->opts.caps, NCAPS, &s->loop, &s->sink,
				&s->opts.cap_opts)))
		return err;
	if ((s->opts.cmd && (err = spawn_command(s))) || (err = add_target(s)))
		return err;
	if (s->opts.interval_ns && (err = loop_set_interval(&s->loop, s->opts.interval_ns, on_tick, s)))
		return err;
	loop_set_duration(&s->loop, s->opts.duration_ns);
	if ((err = loop_watch_pid(&s->loop, s->opts.pid)))
		return err;
	announce(s);
	watch_exec(s);	/* after the announcement: it guards the end of the trace, not its data */
	if (s->child && (err = spawn_release(s->child)))
		return err;
	loop_watch_output(&s->loop, s->opts.out.out);
	s->stopped_by = loop_run(&s->loop);
	if (s->stopped_by != LOOP_ERROR) {
		print_summary(s);
		if (fflush(s->opts.out.out) == 0 && !ferror(s->opts.out.out))
			return 0;
		s->loop.output_failed = true;
		s->loop.last_error = errno ? -errno : -EIO;
	}
	if (s->loop.output_failed)
		log_error("cannot write the output: %s", strerror(-s->loop.last_error));
	else
		log_error("tracing failed: %s", strerror(-s->loop.last_error));
	return s->loop.last_error;
}

/* After the summary: the user has what they came for, and detaching is the slow part of ending (the kernel waits
 * for grace periods per link), so every link is released in one batch whose waits overlap. */
static void detach(struct trace_session *s, bool summary_written)
{
	struct link_release_stats st;

	log_info("detaching%s", summary_written ? ": the summary is written" : "");
	link_release_begin();
	discovery_close(s->discovery);
	session_close(&s->session);
	link_release_end(&st);
	log_info("detached %zu links in %.1f ms (the slowest alone %.1f ms)", st.links, st.elapsed_ns / 1e6,
		 st.slowest_ns / 1e6);
}

int cmd_trace(int argc, char **argv)
{
	struct trace_session s = { 0 };
	int err;

	s.opts.out.out = stdout;
	err = parse_opts(&s.opts, argc, argv);
	if (err)
		return err;
	log_setup_libbpf();
	err = run(&s);
	detach(&s, err == 0);
	if (s.child) {
		if (err)
			kill(s.child, SIGKILL);
		spawn_reap(s.child, 0);
	}
	loop_close(&s.loop);
	return err ? EXIT_FAILURE_RUN : EXIT_OK;
}
