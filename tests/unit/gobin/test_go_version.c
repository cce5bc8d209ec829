// SPDX-License-Identifier: GPL-2.0
/* Go version parsing and comparison: the examples of the API's contract, and agreement with the toolchain's
 * go/version package (tests/unit/data/goversion.go) on validity, language version and ordering. */
#include <errno.h>
#include <unistd.h>

#include "unit.h"
#include "gobin/go_version.h"

TEST(contract_examples)
{
	struct go_version v;

	CHECK(go_version_parse("go1.22.3", &v) == 0 && v.major == 1 && v.minor == 22 && v.patch == 3);
	CHECK(go_version_parse("go1.21rc2", &v) == 0 && v.major == 1 && v.minor == 21 && v.patch == 0);
	CHECK(go_version_parse("go1.21beta1", &v) == 0 && v.minor == 21 && v.patch == 0);
	CHECK(go_version_parse("go1.19", &v) == 0 && v.minor == 19 && v.patch == 0);
	CHECK(go_version_parse("go1.22.0 X:nocoverageredesign", &v) == 0 && v.minor == 22);
	CHECK(go_version_parse("go1.21.5-bigcorp", &v) == 0 && v.minor == 21 && v.patch == 5);
	/* Google's toolchain, seen in the Cloud SDK's binaries */
	CHECK(go_version_parse("go1.25-20250209-RC00 cl/724970549 +ff27d270c9 X:fieldtrack,boringcrypto", &v) == 0 &&
	      v.major == 1 && v.minor == 25 && v.patch == 0);
	CHECK(go_version_parse("devel go1.23-e8ee1dc4f9 Mon Jan 1 00:00:00 2024 +0000", &v) == -EINVAL);
	CHECK(go_version_parse("", &v) == -EINVAL);
	CHECK(go_version_parse(NULL, &v) == -EINVAL);
	CHECK(go_version_parse("go1.1234567890", &v) == -EINVAL);	/* more than 9 digits */
}

TEST(at_least_and_cmp)
{
	struct go_version a = { 1, 22, 3 }, b = { 1, 21, 9 }, c = { 2, 0, 0 };

	CHECK(go_version_at_least(a, 1, 22));
	CHECK(!go_version_at_least(b, 1, 22));
	CHECK(go_version_at_least(c, 1, 30));
	CHECK(go_version_cmp(a, b) > 0 && go_version_cmp(b, a) < 0 && go_version_cmp(a, a) == 0);
	CHECK(go_version_cmp(c, a) > 0);
}

/* Strings in the grammar of go/version (no spaces: that extension is gotrace's own). */
static const char *const samples[] = {
	"go1", "go1.0", "go1.9", "go1.17", "go1.17.13", "go1.19.8", "go1.20", "go1.21", "go1.21rc2", "go1.21rc",
	"go1.21beta1", "go1.21alpha", "go1.21.0", "go1.21.10", "go1.22.3", "go1.26.8", "go1.21.0-bigcorp",
	"go2", "go2.0.0", "go1.100.200", "go123456789.1", "", "go", "go1.", "go1.x", "go1.21.3rc1", "go01.2",
	"go1.02", "go1.2.03", "1.21.0", "devel", "go1.21RC1", "go1.21.", "go1..2", "go1.21.0.1", "go-1", "gox",
	"go1.21rc2x", "Go1.2", "go1.22-20231128-RC02 cl/586117301 +6111acc8e6 X:fieldtrack,boringcrypto",
};
#define NSAMPLES (sizeof(samples) / sizeof(samples[0]))

static bool release(const char *s)	/* no pre-release tag: gotrace and go/version order these alike */
{
	struct go_version v;
	char canon[64];

	if (go_version_parse(s, &v) != 0)
		return false;
	snprintf(canon, sizeof(canon), "go%d.%d.%d", v.major, v.minor, v.patch);
	return strcmp(s, canon) == 0 || (v.minor < 21 && v.patch == 0 && !strpbrk(s + 2, "abcdefghijklmnopqrstuvwxyz"));
}

TEST(agrees_with_go_version_package)
{
	char in_path[] = "/tmp/gotrace-versions-XXXXXX", cmd[8192], cache[4096], line[256];
	const char *go = getenv("GOTRACE_GO");
	int fd = mkstemp(in_path), compared = 0;
	FILE *in = fdopen(fd, "w"), *p;
	size_t i = 0;

	for (size_t x = 0; x < NSAMPLES; x++)
		for (size_t y = 0; y < NSAMPLES; y++)
			fprintf(in, "%s\t%s\n", samples[x], samples[y]);
	fclose(in);
	if (getcwd(cache, sizeof(cache) - 16)) {
		strcat(cache, "/build/gocache");
		setenv("GOCACHE", cache, 0);
	}
	setenv("GOTOOLCHAIN", "local", 1);
	snprintf(cmd, sizeof(cmd), "%s run tests/unit/data/goversion.go < %s", go ? go : "/usr/local/go/bin/go",
		 in_path);
	p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p) && i < NSAMPLES * NSAMPLES) {
		const char *x = samples[i / NSAMPLES], *y = samples[i % NSAMPLES];
		struct go_version vx, vy;
		int valid, cmp, ok = go_version_parse(x, &vx) == 0;
		char lang[64] = "", mine[64] = "";

		i++;
		if (sscanf(line, "%d\t%63[^\t]\t%d", &valid, lang, &cmp) != 3 &&
		    sscanf(line, "%d\t\t%d", &valid, &cmp) != 2) {
			CHECK(!"unexpected goversion output");
			continue;
		}
		if (i % NSAMPLES == 1) {	/* once per x: validity and language version */
			if (ok != valid)
				fprintf(stderr, "    %s: gotrace %s it, go/version %s\n", x, ok ? "accepts" : "rejects",
					valid ? "accepts" : "rejects");
			CHECK(ok == valid);
			if (ok && valid)
				snprintf(mine, sizeof(mine), vx.minor || vx.major != 1 ? "go%d.%d" : "go%d", vx.major,
					 vx.minor);
			CHECK(!ok || !valid || strcmp(mine, lang) == 0);
		}
		if (release(x) && release(y) && go_version_parse(y, &vy) == 0) {
			int mine_cmp = go_version_cmp(vx, vy);

			if ((mine_cmp > 0) != (cmp > 0) || (mine_cmp < 0) != (cmp < 0))
				fprintf(stderr, "    %s vs %s: gotrace %d, go/version %d\n", x, y, mine_cmp, cmp);
			CHECK((mine_cmp > 0) == (cmp > 0) && (mine_cmp < 0) == (cmp < 0));
			compared++;
		}
	}
	CHECK(p && pclose(p) == 0);
	CHECK(i == NSAMPLES * NSAMPLES);
	CHECK(compared > 100);
	unlink(in_path);
}

static void toolchain_version(const struct unit_fixture *f, void *ctx)
{
	struct go_version v;

	(void)ctx;
	CHECK(go_version_parse(f->goversion, &v) == 0 && go_version_at_least(v, 1, 17));
}

TEST(toolchains_here_parse)
{
	CHECK(unit_manifest(toolchain_version, NULL) > 0);
}
