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

#include "cli.h"
#include "commands.h"
#include "event_loop.h"
#include "gc_output.h"
#include "gc_tracer.h"
#include "json.h"
#include "log.h"
#include "spawn.h"
#include "target.h"

struct trace_opts {
	int pid;
	char **cmd;
	uint64_t interval_ns;
	uint64_t count;
	uint64_t duration_ns;
	struct output_opts out;
};

struct trace_session {
	struct trace_opts opts;
	struct target target;
	struct gc_tracer *gc;
	struct gc_stats gc_stats;
	struct event_loop loop;
	uint64_t start_ns;
	uint64_t intervals;
	pid_t child;
};

static const char trace_help[] =
	"Usage: gotrace [trace] -p PID [options] [interval [count]]\n"
	"       gotrace [trace] [options] -- COMMAND [ARGS...]\n"
	"\n"
	"Trace a Go process with eBPF: stop-the-world GC pauses (per reason) and GC cycles, timed with the Go\n"
	"runtime's own clock. Nothing is changed in the process; it keeps running when gotrace exits.\n"
	"\n"
	"Options:\n"
	"  -p, --pid PID          trace this process (a Go program, Go 1.17 or newer)\n"
	"  -d, --duration DUR     stop after DUR (e.g. 30s, 5m, 500ms; a bare number is seconds)\n"
	"  -m, --milliseconds     histograms in milliseconds (default: microseconds)\n"
	"  -T, --timestamp        prefix interval lines with the time of day\n"
	"  -s, --slow DUR         print every pause of at least DUR as it happens (e.g. --slow 1ms)\n"
	"  -j, --json             newline-delimited JSON on stdout instead of text (schema: README.md)\n"
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

static int parse_opts(struct trace_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },	   { "duration", required_argument, NULL, 'd' },
		{ "milliseconds", no_argument, NULL, 'm' }, { "timestamp", no_argument, NULL, 'T' },
		{ "slow", required_argument, NULL, 's' },	   { "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },	   { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, dashdash = 0;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dashdash = i;
			break;
		}
	if (dashdash) {
		o->cmd = &argv[dashdash + 1];
		argc = dashdash;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:d:mTs:jvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (cli_parse_pid(optarg, &o->pid))
				return cli_bad_value("PID", optarg, "expected a process ID");
			break;
		case 'd':
			if (cli_parse_duration(optarg, false, &o->duration_ns))
				return cli_bad_value("duration", optarg, "expected e.g. 30s, 5m or 500ms");
			break;
		case 's':
			if (cli_parse_duration(optarg, false, &o->out.slow_ns))
				return cli_bad_value("--slow threshold", optarg, "expected e.g. 1ms or 500us");
			break;
		case 'm':
			o->out.millis = true;
			break;
		case 'T':
			o->out.timestamps = true;
			break;
		case 'j':
			o->out.json = true;
			break;
		case 'v':
			log_verbosity++;
			break;
		case 'h':
			fputs(trace_help, stdout);
			exit(EXIT_OK);
		default:
			fprintf(stderr, "Try 'gotrace --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (parse_positionals(o, argc, argv))
		return EXIT_USAGE;
	if (!o->pid == !o->cmd) {
		log_error(o->pid ? "give either -p PID or -- COMMAND, not both" : "no target: give -p PID or -- COMMAND "
			  "(see --help)");
		return EXIT_USAGE;
	}
	if (o->cmd && !o->cmd[0]) {
		log_error("no command after --");
		return EXIT_USAGE;
	}
	return 0;
}

static void on_stw_event(const struct stw_event *e, void *ctx)
{
	struct trace_session *s = ctx;
	struct stw_pause pause;
	struct gc_cycle cycle;
	int done = gc_stats_add(&s->gc_stats, e, &pause, &cycle);

	gc_output_pause(&s->opts.out, &pause);
	if (done == 1)
		gc_output_cycle(&s->opts.out, &cycle);
}

static int on_gc_ready(void *ctx)
{
	struct trace_session *s = ctx;
	int n = gc_tracer_consume(s->gc);

	return n < 0 && n != -EINTR ? n : 0;
}

static void print_interval(struct trace_session *s)
{
	gc_output_interval(&s->opts.out, &s->gc_stats);
	gc_stats_interval_reset(&s->gc_stats);
	fflush(s->opts.out.out);
}

static int on_tick(void *ctx)
{
	struct trace_session *s = ctx;

	gc_tracer_consume(s->gc);
	if (!s->opts.out.json)
		fputc('\n', s->opts.out.out);
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

static int open_target(struct trace_session *s)
{
	char why[256];
	int pid = s->opts.pid, err;

	if (s->opts.cmd) {
		err = spawn_stopped(s->opts.cmd, &s->child);
		if (err) {
			log_error("cannot run '%s': %s", s->opts.cmd[0], strerror(-err));
			return err;
		}
		pid = s->child;
	}
	err = target_open(pid, &s->target, why, sizeof(why));
	if (err)
		log_error("PID %d: %s", pid, why);
	return err;
}

static int attach_gc(struct trace_session *s)
{
	char note[512];
	int err = gc_tracer_open(on_stw_event, s, &s->gc);

	if (err) {
		log_error("cannot load the GC probes: %s%s%s", strerror(-err), log_privilege_hint(err)[0] ? "; " : "",
			  log_privilege_hint(err));
		return err;
	}
	err = gc_tracer_attach(s->gc, &s->target, note, sizeof(note));
	if (err) {
		log_error("PID %d: %s", s->target.proc.pid, note);
		return err;
	}
	if (note[0])
		log_warn("%s", note);
	return loop_add_fd(&s->loop, gc_tracer_fd(s->gc), on_gc_ready, s);
}

static void announce(struct trace_session *s)
{
	char desc[256];
	struct json_obj j;

	s->start_ns = monotonic_ns();
	target_describe(&s->target, desc, sizeof(desc));
	fprintf(stderr, "Tracing %s: %d probes ... Hit Ctrl-C to end.\n", desc, gc_tracer_probe_count(s->gc));
	if (!s->opts.out.json)
		return;
	json_begin(&j, s->opts.out.out);
	json_kv_str(&j, "event", "start");
	json_kv_u64(&j, "pid", s->target.proc.pid);
	json_kv_str(&j, "comm", s->target.proc.comm);
	json_kv_str(&j, "exe", s->target.proc.exe_name);
	json_kv_str(&j, "go_version", go_binary_version_str(s->target.bin));
	json_kv_u64(&j, "time_ns", s->start_ns);
	json_kv_u64(&j, "realtime_ns", realtime_ns());
	json_kv_u64(&j, "probes", gc_tracer_probe_count(s->gc));
	json_end(&j);
	fputc('\n', s->opts.out.out);
	fflush(s->opts.out.out);
}

static void print_summary(struct trace_session *s, enum loop_stop why)
{
	uint64_t now = monotonic_ns();
	struct json_obj j;

	gc_tracer_consume(s->gc);
	if (!s->opts.out.json) {
		if (!s->opts.interval_ns || s->gc_stats.interval_n || s->gc_stats.interval_cycles) {
			fputc('\n', s->opts.out.out);
			print_interval(s);
		}
		if (why == LOOP_TARGET_EXITED)
			fprintf(s->opts.out.out, "\nPID %d exited.\n", s->target.proc.pid);
		gc_output_text_summary(&s->opts.out, &s->gc_stats);
		return;
	}
	json_begin(&j, s->opts.out.out);
	json_kv_str(&j, "event", "summary");
	json_kv_u64(&j, "pid", s->target.proc.pid);
	json_kv_u64(&j, "time_ns", now);
	json_kv_u64(&j, "duration_ns", now - s->start_ns);
	json_kv_bool(&j, "target_exited", why == LOOP_TARGET_EXITED);
	json_kv_u64(&j, "probe_hits", gc_tracer_probe_hits(s->gc));
	json_kv_u64(&j, "events_lost", gc_tracer_events_lost(s->gc));
	json_key(&j, "gc");
	gc_output_json_summary(&s->opts.out, &s->gc_stats);
	json_end(&j);
	fputc('\n', s->opts.out.out);
}

static int run(struct trace_session *s)
{
	enum loop_stop why;
	int err;

	if ((err = check_kernel()) || (err = loop_init(&s->loop)) || (err = open_target(s)) || (err = attach_gc(s)))
		return err;
	if (s->opts.interval_ns && (err = loop_set_interval(&s->loop, s->opts.interval_ns, on_tick, s)))
		return err;
	loop_set_duration(&s->loop, s->opts.duration_ns);
	if ((err = loop_watch_pid(&s->loop, s->target.proc.pid)))
		return err;
	announce(s);
	if (s->child && (err = spawn_release(s->child)))
		return err;
	why = loop_run(&s->loop);
	if (why == LOOP_ERROR) {
		log_error("tracing failed: %s", strerror(-s->loop.last_error));
		return s->loop.last_error;
	}
	print_summary(s, why);
	return 0;
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
	gc_stats_init(&s.gc_stats, s.opts.out.millis ? 1000000 : 1000);
	err = run(&s);
	gc_tracer_close(s.gc);
	if (s.child) {
		if (err)
			kill(s.child, SIGKILL);
		spawn_reap(s.child, 0);
	}
	target_close(&s.target);
	gc_stats_free(&s.gc_stats);
	loop_close(&s.loop);
	return err ? EXIT_FAILURE_RUN : EXIT_OK;
}
