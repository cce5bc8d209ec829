// SPDX-License-Identifier: GPL-2.0
/* gotrace: dispatch to a subcommand, bpftool style. Without a known subcommand, the arguments are the trace
 * command's (gotrace -p PID ...), the libbpf-tools habit. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"
#include "lib/log.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "trace", cmd_trace, "trace a Go process: GC pauses, scheduling, throttling (the default)" },
	{ "info", cmd_info, "what gotrace reads from a Go binary or process" },
	{ "flame", cmd_flame, "CPU, off-CPU and GC flamegraphs: folded, pprof, SVG, speedscope" },
	{ "daemon", cmd_daemon, "every Go process on the host: Prometheus metrics, periodic profiles" },
	{ "report", cmd_report, "one HTML page of a trace: timeline, heatmaps, flamegraph, advice" },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: gotrace [trace] -p PID [options] [interval [count]]\n"
		     "       gotrace [trace] [options] -- COMMAND [ARGS...]\n"
		     "       gotrace COMMAND [options]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nRun 'gotrace COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	/* A closed output pipe must become a clear error and exit code, not a silent death by SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && (strcmp(argv[1], "help") == 0)) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("gotrace %s\n", GOTRACE_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; argc > 1 && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	return cmd_trace(argc, argv);
}
