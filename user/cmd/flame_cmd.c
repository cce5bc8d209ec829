// SPDX-License-Identifier: GPL-2.0
/* `gotrace flame -p PID -o FILE...` and `gotrace flame -o FILE -- CMD`: profile one process (cpu, off-CPU, GC,
 * ...) until -d, Ctrl-C or its exit, then take the profile pipeline (profile/pipeline.h) once: collect the
 * stacks BPF aggregated, build the process's symbolized profile, write it as folded stacks, pprof, SVG or
 * speedscope files. */
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
#include "tracer/event_bus.h"
#include "lib/event_loop.h"
#include "profile/flame_output.h"
#include "lib/log.h"
#include "profile/pipeline.h"
#include "sys/spawn.h"
#include "profile/symbolizer.h"
#include "tracer/target.h"

#define MAX_OUTPUTS 16
#define DEFAULT_HZ 99
#define MAX_HZ 10000

struct flame_output {
	const char *path;
	enum flame_format format;
};

struct flame_opts {
	int pid;
	char **cmd;
	uint64_t duration_ns;
	uint64_t hz;
	bool hz_given;
	const struct profile_type *type;
	struct flame_output outputs[MAX_OUTPUTS];
	int noutputs;
	const char *format;	/* --format: for every output */
	const char *title;
	bool kernel_stacks;
};

struct flame_session {
	struct flame_opts opts;
	struct target target;
	pid_t child;
	struct event_bus *bus;
	struct event_loop loop;
	struct sym_cache *cache;
	struct symbolizer *sym;
	struct profile_pipeline *pipeline;
	uint64_t start_ns, start_realtime_ns, duration_ns;
	struct profile *profile;
	int argc;
	char **argv;
};

static const char flame_help[] =
	"Usage: gotrace flame -p PID [options] -o FILE [-o FILE...]\n"
	"       gotrace flame [options] -o FILE [-o FILE...] -- COMMAND [ARGS...]\n"
	"\n"
	"Profile a process with eBPF and write flamegraphs: where its threads spend CPU, where they wait off CPU, or\n"
	"which goroutines make the garbage collector work. Stacks are sampled and counted in the kernel; at the end\n"
	"gotrace symbolizes them itself: Go functions with their inlined calls from the binary's function table (also\n"
	"when stripped, PIE or cgo), C and shared-library code from ELF symbols, kernel functions from\n"
	"/proc/kallsyms (their names end in _[k]). An address nothing resolves is kept as \"[unknown] module+0xoffset\".\n"
	"\n"
	"Options:\n"
	"  -p, --pid PID          profile this process (any program; the gc type needs Go)\n"
	"  -t, --type TYPE        what to profile (default: cpu):\n"
	"%s"
	"  -d, --duration DUR     stop after DUR (e.g. 30s, 5m; a bare number is seconds); default: at Ctrl-C or\n"
	"                         when the process exits\n"
	"  -F, --frequency HZ     cpu: samples per second on each CPU, 1-10000 (default: 99, off the beat of\n"
	"                         100 Hz timers)\n"
	"  -o, --output FILE      write here, in the format of its ending: %s.\n"
	"                         Repeat for several files of one profile; \"-\" is standard output (folded)\n"
	"  -f, --format FMT       the format of every output, whatever its ending: folded, pprof, svg, speedscope\n"
	"      --title TEXT       the SVG and speedscope title\n"
	"      --no-kernel        user stacks only\n"
	"  -v, --verbose          say more (twice: libbpf's debug log)\n"
	"  -h, --help             this help\n"
	"\n"
	"Examples:\n"
	"  gotrace flame -p 1234 -d 30s -o cpu.svg            open cpu.svg in a browser: hover, click to zoom\n"
	"  gotrace flame -p 1234 -d 30s -o cpu.pb.gz -o cpu.folded\n"
	"  go tool pprof -top cpu.pb.gz                        the hottest functions\n"
	"  go tool pprof -http :8080 cpu.pb.gz                 pprof's web UI, flamegraph included\n"
	"  gotrace flame -p 1234 -d 10s -o - | flamegraph.pl > cpu.svg\n"
	"  gotrace flame -t offcpu -p 1234 -d 30s -o offcpu.svg     where threads sleep, by time\n"
	"  go tool pprof -tagfocus state=blocked -top offcpu.pb.gz  blocked time only (runnable: state=runnable)\n"
	"  gotrace flame -t gc -o gc.svg -- ./server -addr :8080    from its first instruction to its exit\n"
	"\n"
	"pprof files carry samples/count and cpu/nanoseconds (cpu), contentions/count and delay/nanoseconds (offcpu),\n"
	"labels pid, tid, comm, thread and state, and the binaries' build IDs. Needs root, or CAP_BPF + CAP_PERFMON +\n"
	"CAP_SYS_PTRACE, and a kernel with BTF.\n";

static void print_help(void)
{
	char types[2048];
	size_t len = 0;

	for (size_t i = 0; i < profile_type_count && len < sizeof(types); i++)
		len += snprintf(types + len, sizeof(types) - len, "                           %-6s %s\n",
				profile_types[i].name, profile_types[i].summary);
	printf(flame_help, types, "\n                         .folded or .txt (folded stacks), .pb.gz or .pprof (pprof),\n"
				  "                         .svg (interactive flamegraph), .json (speedscope)");
}

/* ---- options ---- */

static int add_output(struct flame_opts *o, const char *path)
{
	if (o->noutputs == MAX_OUTPUTS)
		return cli_bad_value("output", path, "at most 16 files per run");
	if (!*path)
		return cli_bad_value("output", path, "expected a file name");
	o->outputs[o->noutputs++].path = path;
	return 0;
}

static int parse_type(struct flame_opts *o, const char *name)
{
	char known[256];
	size_t len = 0;

	o->type = profile_type_find(name);
	if (o->type)
		return 0;
	for (size_t i = 0; i < profile_type_count; i++)
		len += snprintf(known + len, sizeof(known) - len, "%s%s", i ? ", " : "known: ", profile_types[i].name);
	return cli_bad_value("profile type", name, known);
}

static int parse_option(struct flame_opts *o, int c)
{
	enum flame_format f;

	switch (c) {
	case 'p':
		return cli_option_pid(optarg, &o->pid);
	case 'd':
		return cli_option_duration(optarg, &o->duration_ns);
	case 'F':
		o->hz_given = true;
		return cli_parse_u64(optarg, 1, MAX_HZ, &o->hz)
			       ? cli_bad_value("frequency", optarg, "expected samples per second, 1 to 10000") : 0;
	case 't':
		return parse_type(o, optarg);
	case 'o':
		return add_output(o, optarg);
	case 'f':
		o->format = optarg;
		return flame_format_parse(optarg, &f) ? cli_bad_value("format", optarg,
								      "expected folded, pprof, svg or speedscope") : 0;
	case 'T':
		o->title = optarg;
		return 0;
	case 'K':
		o->kernel_stacks = false;
		return 0;
	case 'v':
		log_verbosity++;
		return 0;
	case 'h':
		print_help();
		exit(EXIT_OK);
	default:
		fprintf(stderr, "Try 'gotrace flame --help'.\n");
		return EXIT_USAGE;
	}
}

/* Each output's format: --format, else its ending. */
static int resolve_formats(struct flame_opts *o)
{
	for (int i = 0; i < o->noutputs; i++) {
		struct flame_output *out = &o->outputs[i];

		if (o->format)
			flame_format_parse(o->format, &out->format);
		else if (!strcmp(out->path, "-"))
			out->format = FLAME_FOLDED;
		else if (flame_format_of_path(out->path, &out->format)) {
			char why[256];

			snprintf(why, sizeof(why), "unknown ending: use %s, or give --format", flame_format_list);
			return cli_bad_value("output", out->path, why);
		}
	}
	return 0;
}

static int check_opts(struct flame_opts *o)
{
	if (cli_check_target(o->pid, o->cmd))
		return EXIT_USAGE;
	if (!o->noutputs) {
		log_error("no output: give -o FILE, e.g. -o cpu.svg or -o cpu.pb.gz (see --help)");
		return EXIT_USAGE;
	}
	if (o->hz_given && strcmp(o->type->name, "cpu")) {
		log_error("-F sets the sampling frequency of --type cpu; the %s profile records every event",
			  o->type->name);
		return EXIT_USAGE;
	}
	return resolve_formats(o);
}

static int parse_opts(struct flame_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },     { "duration", required_argument, NULL, 'd' },
		{ "frequency", required_argument, NULL, 'F' }, { "type", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },  { "format", required_argument, NULL, 'f' },
		{ "title", required_argument, NULL, 'T' },   { "no-kernel", no_argument, NULL, 'K' },
		{ "verbose", no_argument, NULL, 'v' },	     { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, err;

	o->hz = DEFAULT_HZ;
	o->type = &profile_types[0];
	o->kernel_stacks = true;
	argc = cli_split_command(argc, argv, &o->cmd);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:d:F:t:o:f:vh", longopts, NULL)) != -1)
		if ((err = parse_option(o, c)))
			return err;
	if (optind < argc)
		return cli_bad_value("argument", argv[optind], "flame takes no positional arguments (see --help)");
	return check_opts(o);
}

/* ---- the run ---- */

/* The process as a Go target when it is one; a process that is not Go only for the types that do not need it. */
static int open_target(struct flame_session *s)
{
	char why[256];
	int pid = s->opts.pid, err;

	if (s->opts.cmd) {
		if ((err = spawn_stopped(s->opts.cmd, &s->child))) {
			log_error("cannot run '%s': %s", s->opts.cmd[0], strerror(-err));
			return err;
		}
		pid = s->child;
	}
	err = target_open(pid, &s->target, why, sizeof(why));
	if (err == -ENOMSG && !s->opts.type->needs_go && (err = proc_target_open(pid, &s->target.proc)))
		snprintf(why, sizeof(why), "%s", strerror(-err));
	if (err)
		log_error("PID %d: %s%s", pid, why, err == -ENOMSG ? "; the gc profile probes the Go runtime" : "");
	return err;
}

static int open_symbolizer(struct flame_session *s)
{
	int err = sym_cache_new(&s->cache);

	if (!err)
		err = symbolizer_open(s->cache, s->target.proc.pid, &s->sym);
	if (err)
		log_error("PID %d: cannot read its memory map: %s%s", s->target.proc.pid, strerror(-err),
			  err == -EACCES || err == -EPERM ? " (needs CAP_SYS_ADMIN and CAP_SYS_PTRACE, or root)" : "");
	return err;
}

static int start_pipeline(struct flame_session *s)
{
	struct stack_source_opts po = { .target = &s->target, .bus = s->bus, .hz = (unsigned)s->opts.hz,
				    .kernel_stacks = s->opts.kernel_stacks };
	char why[512];
	int err = event_bus_open(&s->bus);

	if (!err)
		err = event_bus_add_target(s->bus, s->target.proc.pid);
	if (err) {
		log_error("cannot create BPF maps: %s%s%s", strerror(-err), log_privilege_hint(err)[0] ? "; " : "",
			  log_privilege_hint(err));
		return err;
	}
	po.bus = s->bus;
	err = pipeline_start(s->opts.type, &po, &s->pipeline, why, sizeof(why));
	if (err)
		log_error("PID %d: %s", s->target.proc.pid, why);
	return err;
}

/* Libraries loaded while the profile runs are opened while the process still maps them. */
static int on_tick(void *ctx)
{
	struct flame_session *s = ctx;

	symbolizer_refresh(s->sym);
	return 0;
}

static void announce(struct flame_session *s)
{
	struct stack_source_stats st;
	char desc[256], rate[32] = "";

	pipeline_stats(s->pipeline, &st);
	if (!strcmp(s->opts.type->name, "cpu"))
		snprintf(rate, sizeof(rate), " at %llu Hz", (unsigned long long)s->opts.hz);
	if (s->target.bin)
		target_describe(&s->target, desc, sizeof(desc));
	else
		snprintf(desc, sizeof(desc), "PID %d (%s)", s->target.proc.pid, s->target.proc.comm);
	fprintf(stderr, "Profiling %s: %s%s, %d %s probes ... Hit Ctrl-C to end.\n", desc, s->opts.type->name, rate,
		st.probes, st.attach ? st.attach : "");
}

static int wait_for_end(struct flame_session *s)
{
	enum loop_stop why;
	int err;

	if ((err = loop_set_interval(&s->loop, 1000000000ull, on_tick, s)) ||
	    (err = loop_watch_pid(&s->loop, s->target.proc.pid)))
		return err;
	loop_set_duration(&s->loop, s->opts.duration_ns);
	s->start_ns = monotonic_ns();
	s->start_realtime_ns = realtime_ns();
	announce(s);
	if (s->child && (err = spawn_release(s->child)))
		return err;
	why = loop_run(&s->loop);
	s->duration_ns = monotonic_ns() - s->start_ns;
	/* Stop counting, and let the samples in flight land, before reading: later ones would race with the read. */
	event_bus_remove_target(s->bus, s->target.proc.pid, true);
	if (why == LOOP_ERROR) {
		log_error("profiling failed: %s", strerror(-s->loop.last_error));
		return s->loop.last_error;
	}
	return 0;
}

/* ---- from BPF stacks to the profile ---- */

static int build_profile(struct flame_session *s)
{
	struct stack_batch *batch;
	char comment[1024];
	size_t len = 0;
	uint64_t t0 = monotonic_ns();
	int err = pipeline_collect(s->pipeline, false, &batch);

	if (err) {
		log_error("reading the stacks failed: %s", strerror(-err));
		return err;
	}
	err = pipeline_build(s->pipeline, batch, (uint32_t)s->target.proc.pid, s->target.proc.comm, s->sym,
			     &s->profile);
	stack_batch_free(batch);
	if (err) {
		log_error("symbolizing the stacks failed: %s", strerror(-err));
		return err;
	}
	log_info("read and symbolized %zu stacks (%zu locations) in %.1f ms", profile_sample_count(s->profile),
		 profile_location_count(s->profile), (monotonic_ns() - t0) / 1e6);
	profile_set_time(s->profile, (int64_t)s->start_realtime_ns, (int64_t)s->duration_ns);
	for (int i = 0; i < s->argc && len < sizeof(comment); i++)
		len += snprintf(comment + len, sizeof(comment) - len, "%s%s", i ? " " : "", s->argv[i]);
	return profile_add_comment(s->profile, comment);
}

static void default_title(struct flame_session *s, char *buf, size_t size)
{
	char dur[32];

	snprintf(dur, sizeof(dur), "%.1f s", s->duration_ns / 1e9);
	snprintf(buf, size, "%s profile of %s (PID %d), %s", s->opts.type->name, s->target.proc.comm,
		 s->target.proc.pid, dur);
}

static int write_outputs(struct flame_session *s)
{
	char title[256];
	struct flame_view v = { s->opts.type->flame_value, s->opts.type->flame_unit, s->opts.title };
	int failed = 0;

	if (!v.title) {
		default_title(s, title, sizeof(title));
		v.title = title;
	}
	for (int i = 0; i < s->opts.noutputs; i++) {
		const struct flame_output *out = &s->opts.outputs[i];
		int err = flame_write(s->profile, out->format, out->path, &v);

		if (err) {
			log_error("cannot write %s: %s", out->path, strerror(-err));
			failed = err;
		}
	}
	return failed;
}

static void report(struct flame_session *s)
{
	struct stack_source_stats st;
	const struct profile_type *t = s->opts.type;
	int64_t total = profile_total(s->profile, t->flame_value);

	pipeline_stats(s->pipeline, &st);
	fprintf(stderr, "%s profile of PID %d over %.1f s: %lld %s in %zu distinct stacks",
		t->name, s->target.proc.pid, s->duration_ns / 1e9, (long long)total, t->flame_unit,
		profile_sample_count(s->profile));
	if (st.probe_hits)
		fprintf(stderr, ", %llu probe hits", (unsigned long long)st.probe_hits);
	fputc('\n', stderr);
	if (st.samples_dropped)
		log_warn("%llu samples dropped: the BPF aggregation map was full",
			 (unsigned long long)st.samples_dropped);
	if (st.stacks_dropped)
		log_warn("%llu stacks not stored (the BPF stack map was full): their samples lack those frames",
			 (unsigned long long)st.stacks_dropped);
	if (!total)
		log_warn("no samples: the process did not %s while profiled",
			 !strcmp(t->name, "cpu") ? "run on a CPU" : "do what this profile type records");
}

static int run(struct flame_session *s)
{
	int err;

	if ((err = loop_init(&s->loop)) || (err = open_target(s)) || (err = open_symbolizer(s)) ||
	    (err = start_pipeline(s)) || (err = wait_for_end(s)) || (err = build_profile(s)))
		return err;
	report(s);
	return write_outputs(s);
}

static void cleanup(struct flame_session *s, int err)
{
	pipeline_stop(s->pipeline);
	event_bus_close(s->bus);
	profile_free(s->profile);
	symbolizer_close(s->sym);
	sym_cache_free(s->cache);
	if (s->child) {
		if (err)
			kill(s->child, SIGKILL);
		spawn_reap(s->child, 0);
	}
	target_close(&s->target);
	loop_close(&s->loop);
}

int cmd_flame(int argc, char **argv)
{
	struct flame_session s = { .argc = argc, .argv = argv };
	int err = parse_opts(&s.opts, argc, argv);

	if (err)
		return err;
	log_setup_libbpf();
	err = run(&s);
	cleanup(&s, err);
	return err ? EXIT_FAILURE_RUN : EXIT_OK;
}
