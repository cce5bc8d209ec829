/* SPDX-License-Identifier: GPL-2.0 */
/* A minimal unit-test harness: include once per test program, write TEST(name) { CHECK(...); }.
 * Each test program prints one line per test and ends with "N passed, N failed"; exit 1 on failure.
 * Fixture binaries come from tests/build-go.sh: unit_manifest() lists them. */
#ifndef GOTRACE_UNIT_H
#define GOTRACE_UNIT_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*unit_fn)(void);
struct unit_test { const char *name; unit_fn fn; };

static struct unit_test unit_tests[256];
static int unit_count, unit_failures_in_test;

#define TEST(name)                                                             \
	static void name(void);                                                \
	__attribute__((constructor)) static void unit_register_##name(void)    \
	{                                                                      \
		unit_tests[unit_count++] = (struct unit_test){ #name, name };  \
	}                                                                      \
	static void name(void)

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "    %s:%d: CHECK(%s) failed\n", __FILE__,     \
				__LINE__, #cond);                                      \
			unit_failures_in_test++;                                       \
		}                                                                      \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                                     \
	do {                                                                                   \
		uint64_t _a = (a), _b = (b);                                                   \
		if (_a != _b) {                                                                \
			fprintf(stderr, "    %s:%d: %s == %s failed: %" PRIu64 " != %" PRIu64 "\n", \
				__FILE__, __LINE__, #a, #b, _a, _b);                           \
			unit_failures_in_test++;                                               \
		}                                                                              \
	} while (0)

#define CHECK_STR(a, b)                                                                        \
	do {                                                                                   \
		const char *_a = (a), *_b = (b);                                               \
		if (!_a || !_b || strcmp(_a, _b) != 0) {                                       \
			fprintf(stderr, "    %s:%d: %s == %s failed: \"%s\" != \"%s\"\n",          \
				__FILE__, __LINE__, #a, #b, _a ? _a : "(null)", _b ? _b : "(null)"); \
			unit_failures_in_test++;                                               \
		}                                                                              \
	} while (0)

/* One fixture Go binary from build/tests/go/manifest.tsv. */
struct unit_fixture { char goversion[32], gocmd[4096], program[32], variant[32], path[4096]; };

/* Calls fn for every fixture binary; returns how many there were (0 when the manifest is missing, which
 * the caller must treat as a failure: fixtures are built by `make test`). */
__attribute__((unused)) static int unit_manifest(void (*fn)(const struct unit_fixture *f, void *ctx), void *ctx)
{
	const char *path = getenv("GOTRACE_GO_MANIFEST");
	char line[16384];
	FILE *f;
	int n = 0;

	f = fopen(path ? path : "build/tests/go/manifest.tsv", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		struct unit_fixture fx;

		if (sscanf(line, "%31[^\t]\t%4095[^\t]\t%31[^\t]\t%31[^\t]\t%4095[^\n]", fx.goversion, fx.gocmd,
			   fx.program, fx.variant, fx.path) == 5) {
			fn(&fx, ctx);
			n++;
		}
	}
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	int i, passed = 0, failed = 0;

	for (i = 0; i < unit_count; i++) {
		if (argc > 1 && !strstr(unit_tests[i].name, argv[1]))
			continue;
		unit_failures_in_test = 0;
		unit_tests[i].fn();
		printf("%s %s\n", unit_failures_in_test ? "FAIL" : "ok  ", unit_tests[i].name);
		if (unit_failures_in_test)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

#endif
