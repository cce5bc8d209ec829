// SPDX-License-Identifier: GPL-2.0
/* Go version strings as the toolchain writes them into binaries (runtime.buildVersion, build info). */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "gobin/go_version.h"

/* A decimal number without sign or leading zeros (Go never writes "go1.020"), at most 9 digits. */
static const char *parse_number(const char *s, int *out)
{
	int n = 0, digits = 0;

	if (s[0] == '0' && isdigit((unsigned char)s[1]))
		return NULL;
	while (isdigit((unsigned char)*s) && digits < 9) {
		n = n * 10 + (*s++ - '0');
		digits++;
	}
	if (!digits || isdigit((unsigned char)*s))
		return NULL;
	*out = n;
	return s;
}

/* A pre-release tag ("rc2", "beta1"): lowercase letters, then an optional number. */
static const char *skip_prerelease(const char *s)
{
	const char *p = s;
	int n;

	while (*p >= 'a' && *p <= 'z')
		p++;
	if (p == s || !isdigit((unsigned char)*p))
		return p;
	return parse_number(p, &n);
}

/* Same grammar as the toolchain's go/version (internal/gover): "go" major[.minor[.patch | prerelease]]; Go
 * never releases pre-releases of patch releases. */
int go_version_parse(const char *s, struct go_version *v)
{
	struct go_version out = { 0, 0, 0 };

	if (!s || strncmp(s, "go", 2) != 0)
		return -EINVAL;
	s = parse_number(s + 2, &out.major);
	if (s && *s == '.') {
		s = parse_number(s + 1, &out.minor);
		if (s && *s == '.')
			s = parse_number(s + 1, &out.patch);
		else if (s)
			s = skip_prerelease(s);
	}
	if (!s || (*s && *s != ' ' && *s != '-'))
		return -EINVAL;
	*v = out;
	return 0;
}

static int cmp_int(int a, int b)
{
	return (a > b) - (a < b);
}

int go_version_cmp(struct go_version a, struct go_version b)
{
	if (a.major != b.major)
		return cmp_int(a.major, b.major);
	if (a.minor != b.minor)
		return cmp_int(a.minor, b.minor);
	return cmp_int(a.patch, b.patch);
}

bool go_version_at_least(struct go_version v, int major, int minor)
{
	struct go_version min = { major, minor, 0 };

	return go_version_cmp(v, min) >= 0;
}
