/* SPDX-License-Identifier: GPL-2.0 */
/* The Go toolchain as the unit tests' independent witness: `go version -m`, `go tool nm`, `go tool addr2line`
 * and small Go programs, run with the environment tests/build-go.sh builds the fixtures with. */
#ifndef GOTRACE_GO_TOOL_H
#define GOTRACE_GO_TOOL_H

#include <glob.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The go command: $GOTRACE_GO (set by tests/run per toolchain), else the newest toolchain. */
__attribute__((unused)) static const char *go_cmd(void)
{
	const char *go = getenv("GOTRACE_GO");

	return go ? go : "/usr/local/go/bin/go";
}

/* popen of a printf-formatted shell command; the toolchain stays local (no download) and its build cache is the
 * one the fixtures were built with, so `go run` of tests/unit/data is quick after the first test. */
__attribute__((unused, format(printf, 1, 2))) static FILE *go_popen(const char *fmt, ...)
{
	char cmd[8192], cache[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	setenv("GOTOOLCHAIN", "local", 1);
	if (getcwd(cache, sizeof(cache) - 16)) {
		strcat(cache, "/build/gocache");
		setenv("GOCACHE", cache, 0);
	}
	return popen(cmd, "r");
}

/* What go tool addr2line says about a PC: function, file and line (line <= 0 and func "?" when nothing). */
struct go_position {
	char func[512], file[512];
	int line;
};

/* go tool addr2line reads link-time addresses on stdin and prints "function\nfile:line" for each; 0 when it
 * answered for all n. */
__attribute__((unused)) static int go_addr2line(const char *bin, const uint64_t *pcs, size_t n,
						 struct go_position *pos)
{
	char pcs_path[] = "/tmp/gotrace-pcs-XXXXXX", func[512], where[512];
	int fd = mkstemp(pcs_path);
	FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL, *p;
	size_t i = 0;

	if (!out)
		return -1;
	for (size_t j = 0; j < n; j++)
		fprintf(out, "%" PRIx64 "\n", pcs[j]);
	fclose(out);
	p = go_popen("%s tool addr2line '%s' < %s", go_cmd(), bin, pcs_path);
	while (p && i < n && fgets(func, sizeof(func), p) && fgets(where, sizeof(where), p)) {
		char *colon = strrchr(where, ':');

		if (!colon)
			break;
		*colon = '\0';
		func[strcspn(func, "\n")] = '\0';
		snprintf(pos[i].func, sizeof(pos[i].func), "%s", func);
		snprintf(pos[i].file, sizeof(pos[i].file), "%s", where);
		pos[i++].line = atoi(colon + 1);
	}
	unlink(pcs_path);
	return p && pclose(p) == 0 && i == n ? 0 : -1;
}

/* Calls check(path, ctx) for every file the shell patterns in globs match: the Go binaries other packages installed
 * here, built by toolchains this machine lacks. */
__attribute__((unused)) static void for_each_outside_binary(const char *const *globs, size_t n,
							    void (*check)(const char *path, void *ctx), void *ctx)
{
	for (size_t g = 0; g < n; g++) {
		glob_t gl;

		if (glob(globs[g], 0, NULL, &gl) != 0)
			continue;
		for (size_t i = 0; i < gl.gl_pathc; i++)
			check(gl.gl_pathv[i], ctx);
		globfree(&gl);
	}
}

#endif
