// SPDX-License-Identifier: GPL-2.0
/* `gotrace report`: one self-contained HTML page of a trace, recorded live (report_live.c runs the trace and flame
 * commands) or read from a `gotrace -j` stream and a folded profile. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/atomic_file.h"
#include "lib/cli.h"
#include "cmd/commands.h"
#include "lib/event_loop.h"
#include "lib/log.h"
#include "report/report.h"
#include "report/report_live.h"
#include "report/report_page.h"
#include "sys/spawn.h"

struct report_opts {
	int pid;
	char **cmd;
	uint64_t duration_ns;
	const char *output, *input, *flame, *keep;
	bool no_flame;
};

static const char report_help[] =
	"Usage: gotrace report -p PID [-d DURATION] -o REPORT.html\n"
	"       gotrace report [-d DURATION] -o REPORT.html -- COMMAND [ARGS...]\n"
	"       gotrace report -i TRACE.ndjson [--flame CPU.folded] -o REPORT.html\n"
	"\n"
	"Write one self-contained HTML page that shows what happened to a Go process: a zoomable timeline of every\n"
	"stop-the-world pause, GC cycle and CPU-throttled interval with GOMAXPROCS against the CPU quota, heatmaps of\n"
	"goroutine scheduling delay and thread run-queue delay over time, the histograms, the futex and epoll waits,\n"
	"the advice, and a CPU flamegraph. The page loads nothing: open it in any browser, or attach it to a ticket.\n"
	"\n"
	"With -p PID or a command, gotrace records first, running `gotrace -p PID -j -d DUR 1` (one interval per\n"
	"second: the heatmaps' columns) and `gotrace flame -p PID -d DUR` side by side, then draws what they wrote.\n"
	"With -i it draws a stream recorded earlier.\n"
	"\n"
	"Options:\n"
	"  -p, --pid PID          record this process (a Go program)\n"
	"  -d, --duration DUR     record for DUR (e.g. 30s, 5m); default: until Ctrl-C or the process exits\n"
	"  -o, --output FILE      write the page here (\"-\": standard output)\n"
	"  -i, --input FILE       draw this `gotrace -j` stream instead of recording (\"-\": standard input)\n"
	"      --flame FILE       with -i: the CPU flamegraph from these folded stacks (gotrace flame -o x.folded)\n"
	"      --no-flame         record without the CPU profile\n"
	"  -k, --keep DIR         keep the recording in DIR (trace.ndjson, cpu.folded: -i and --flame read them)\n"
	"  -v, --verbose          say more (also passed on to the recording commands)\n"
	"  -h, --help             this help\n"
	"\n"
	"Examples:\n"
	"  gotrace report -p 1234 -d 30s -o report.html          record 30 s, then open report.html in a browser\n"
	"  gotrace report -o report.html -- ./server -addr :8080  from the command's first instruction to its exit\n"
	"  gotrace -p 1234 -j -d 5m 1 > trace.ndjson              record with 1 s intervals (for the heatmaps) ...\n"
	"  gotrace flame -p 1234 -d 5m -o cpu.folded              ... and, at the same time, the CPU profile ...\n"
	"  gotrace report -i trace.ndjson --flame cpu.folded -o report.html    ... and draw them later\n"
	"\n"
	"Recording needs what the trace and flame commands need: root, or CAP_BPF + CAP_PERFMON + CAP_SYS_PTRACE\n"
	"(and CAP_SYS_ADMIN for the GC view). Drawing (-i) needs no privilege.\n";

/* ---- options ---- */

static int parse_option(struct report_opts *o, int c)
{
	switch (c) {
	case 'p':
		return cli_option_pid(optarg, &o->pid);
	case 'd':
		return cli_option_duration(optarg, &o->duration_ns);
	case 'o':
		o->output = optarg;
		return *optarg ? 0 : cli_bad_value("output", optarg, "expected a file name");
	case 'i':
		o->input = optarg;
		return *optarg ? 0 : cli_bad_value("input", optarg, "expected a file name");
	case 'F':
		o->flame = optarg;
		return *optarg ? 0 : cli_bad_value("--flame", optarg, "expected a file of folded stacks");
	case 'N':
		o->no_flame = true;
		return 0;
	case 'k':
		o->keep = optarg;
		return *optarg ? 0 : cli_bad_value("--keep", optarg, "expected a directory");
	case 'v':
		log_verbosity++;
		return 0;
	case 'h':
		fputs(report_help, stdout);
		exit(EXIT_OK);
	default:
		fprintf(stderr, "Try 'gotrace report --help'.\n");
		return EXIT_USAGE;
	}
}

static int usage_error(const char *msg)
{
	log_error("%s (see gotrace report --help)", msg);
	return EXIT_USAGE;
}

static int check_opts(const struct report_opts *o)
{
	int sources = !!o->pid + !!o->cmd + !!o->input;

	if (sources != 1)
		return usage_error(sources ? "give one of -p PID, -i FILE or -- COMMAND" :
				   "nothing to report: give -p PID, -- COMMAND, or -i TRACE.ndjson");
	if (o->cmd && !o->cmd[0])
		return usage_error("no command after --");
	if (!o->output)
		return usage_error("no output: give -o FILE, e.g. -o report.html");
	if (o->input && o->duration_ns)
		return usage_error("-d sets how long to record; with -i the trace is already recorded");
	if (o->input && (o->no_flame || o->keep))
		return usage_error(o->keep ? "--keep keeps a recording; with -i there is none"
					   : "--no-flame is for recording; with -i, leave out --flame");
	if (o->flame && !o->input)
		return usage_error("--flame FILE goes with -i; when recording, gotrace records the profile itself");
	if (o->input && o->flame && !strcmp(o->input, "-") && !strcmp(o->flame, "-"))
		return usage_error("-i and --flame cannot both read standard input");
	return 0;
}

static int parse_opts(struct report_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },   { "duration", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' }, { "input", required_argument, NULL, 'i' },
		{ "flame", required_argument, NULL, 'F' }, { "no-flame", no_argument, NULL, 'N' },
		{ "keep", required_argument, NULL, 'k' },  { "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, err;

	argc = cli_split_command(argc, argv, &o->cmd);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:d:o:i:k:vh", longopts, NULL)) != -1)
		if ((err = parse_option(o, c)))
			return err;
	if (optind < argc)
		return cli_bad_value("argument", argv[optind], "report takes no positional arguments (see --help)");
	return check_opts(o);
}

/* ---- drawing ---- */

/* The two inputs, read alike: a file or "-" (standard input). */
struct input {
	const char *path, *kind;	/* kind: "a gotrace trace", "folded stacks" */
	int (*read)(const struct input *in, FILE *f, char *why, size_t why_len);
	struct report *report;
	struct report_flame **flame;
};

static int read_trace(const struct input *in, FILE *f, char *why, size_t why_len)
{
	return report_read_ndjson(f, in->report, why, why_len);
}

static int read_folded(const struct input *in, FILE *f, char *why, size_t why_len)
{
	return report_flame_read(f, in->flame, why, why_len);
}

static int read_input(const struct input *in)
{
	FILE *f = strcmp(in->path, "-") ? fopen(in->path, "re") : stdin;
	char why[256] = "";
	int err;

	if (!f) {
		err = -errno;
		log_error("cannot open %s: %s", in->path, strerror(-err));
		return err;
	}
	err = in->read(in, f, why, sizeof(why));
	if (f != stdin)
		fclose(f);
	if (err == -EINVAL)
		log_error("%s is not %s: %s", in->path, in->kind, why);
	else if (err)
		log_error("cannot read %s: %s", in->path, strerror(-err));
	return err;
}

static int write_page(const char *path, const struct report *r, const struct report_flame *flame,
		      const struct report_page_opts *po)
{
	struct atomic_file af;
	int err;

	if (!strcmp(path, "-")) {
		err = report_write_html(stdout, r, flame, po);
	} else if (!(err = atomic_file_open(&af, path))) {
		err = atomic_file_finish(&af, report_write_html(af.f, r, flame, po));
	}
	if (err)
		log_error("cannot write %s: %s", path, strerror(-err));
	return err;
}

static void say_written(const char *path, const struct report *r, const struct report_flame *flame, uint64_t ns)
{
	struct stat st;
	char size[32] = "";

	if (strcmp(path, "-") && !stat(path, &st))
		snprintf(size, sizeof(size), ", %.1f MB", st.st_size / 1e6);
	fprintf(stderr, "Report written to %s (%zu pauses, %zu GC cycles, %zu throttled intervals, %zu intervals, "
			"%zu flamegraph frames%s) in %.0f ms.\n", path, r->npauses, r->ncycles, r->nthrottles,
		r->ncolumns, report_flame_frames(flame), size, ns / 1e6);
}

/* 0, or an exit code. */
static int draw(const char *output, const char *trace, const char *folded, const struct report_page_opts *po)
{
	struct report_flame *flame = NULL;
	struct report r;
	struct input tin = { trace, "a gotrace trace", read_trace, &r, NULL },
		     fin = { folded, "a file of folded stacks", read_folded, NULL, &flame };
	uint64_t t0 = monotonic_ns();
	int err;

	report_init(&r);
	err = read_input(&tin);
	if (!err && folded)
		err = read_input(&fin);
	if (!err && !(err = write_page(output, &r, flame, po)))
		say_written(output, &r, flame, monotonic_ns() - t0);
	report_flame_free(flame);
	report_free(&r);
	return err ? EXIT_FAILURE_RUN : EXIT_OK;
}

/* ---- recording ---- */

/* Where the recording goes: --keep's directory, else a temporary one removed afterwards. */
struct scratch {
	char dir[4096], trace[4200], folded[4200];
	bool keep;
};

static int make_scratch(struct scratch *s, const char *keep)
{
	const char *tmp = getenv("TMPDIR");
	int err = 0;

	s->keep = keep != NULL;
	snprintf(s->dir, sizeof(s->dir), "%s", keep ? keep : "");
	if (!keep)
		snprintf(s->dir, sizeof(s->dir), "%s/gotrace-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (keep ? mkdir(s->dir, 0777) && errno != EEXIST : !mkdtemp(s->dir))
		err = -errno;
	if (err) {
		log_error("cannot create the directory %s for the recording: %s", s->dir, strerror(-err));
		return err;
	}
	snprintf(s->trace, sizeof(s->trace), "%s/trace.ndjson", s->dir);
	snprintf(s->folded, sizeof(s->folded), "%s/cpu.folded", s->dir);
	unlink(s->folded);	/* a profile without samples writes none: an old one must not stand in */
	return 0;
}

static void remove_scratch(const struct scratch *s)
{
	if (s->keep)
		return;
	unlink(s->trace);
	unlink(s->folded);
	rmdir(s->dir);
}

/* Why the page has no flamegraph, or NULL when the profile is there to draw. */
static const char *flame_problem(const struct report_opts *o, const struct report_live_result *res,
				 const char *folded)
{
	if (o->no_flame)
		return "No CPU profile: recorded with --no-flame.";
	if (res->flame_status != 0) {
		log_warn("the page has no CPU flamegraph: gotrace flame failed (exit %d)", res->flame_status);
		return "No CPU profile: gotrace flame failed while recording (its message was printed then).";
	}
	if (access(folded, R_OK))
		return "No CPU profile: the process did not run on a CPU while it was profiled.";
	return NULL;
}

static int record_and_draw(const struct report_opts *o)
{
	struct report_live_opts lo = { .pid = o->pid, .cmd = o->cmd, .duration_ns = o->duration_ns,
				       .flame = !o->no_flame, .verbosity = log_verbosity };
	struct report_page_opts po = { 0 };
	struct report_live_result res;
	struct scratch s;
	char source[256];
	int err;

	if (make_scratch(&s, o->keep))
		return EXIT_FAILURE_RUN;
	lo.trace_path = s.trace;
	lo.folded_path = s.folded;
	err = report_live_run(&lo, &res);
	if (!err && res.trace_status != 0) {
		if (res.trace_status > 128)
			log_error("the trace command died of signal %d", res.trace_status - 128);
		err = EXIT_FAILURE_RUN;	/* it said why */
	}
	if (!err) {
		po.flame_note = flame_problem(o, &res, s.folded);
		snprintf(source, sizeof(source), "a recording of %s %d", o->cmd ? "the command started as PID" : "PID",
			 res.pid);
		po.source = source;
		err = draw(o->output, s.trace, po.flame_note ? NULL : s.folded, &po);
	}
	remove_scratch(&s);
	if (res.cmd_running) {	/* the report is written; the command's lifetime still bounds ours, as in trace */
		fprintf(stderr, "Waiting for '%s' (PID %d) to exit.\n", o->cmd[0], res.pid);
		spawn_reap(res.pid, 0);
	}
	return err ? EXIT_FAILURE_RUN : EXIT_OK;
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o = { 0 };
	struct report_page_opts po = { 0 };
	char source[512];
	int err = parse_opts(&o, argc, argv);

	if (err)
		return err;
	if (!o.input)
		return record_and_draw(&o);
	snprintf(source, sizeof(source), "%s%s%s", o.input, o.flame ? " and " : "", o.flame ? o.flame : "");
	po.source = source;
	return draw(o.output, o.input, o.flame, &po);
}
