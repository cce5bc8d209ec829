/* SPDX-License-Identifier: GPL-2.0 */
/* Go release versions ("go1.22.3") parsed into numbers that compare. */
#ifndef GOTRACE_GO_VERSION_H
#define GOTRACE_GO_VERSION_H

#include <stdbool.h>

/* go1.22.3 -> {1, 22, 3}; a pre-release ("go1.21rc2", "go1.21beta1") counts as patch 0 of its release. */
struct go_version {
	int major, minor, patch;
};

/* The grammar of the toolchain's go/version: "go1", "go1.N", "go1.N.P", or a pre-release "go1.N<letters>[M]"
 * ("go1.21rc2", "go1.21beta1"), then the end of the string, or a space or '-' and anything after it
 * ("go1.22.0 X:loopvar", "go1.21.0-bigcorp"). Numbers have at most 9 digits and no leading zeros.
 * 0, or -EINVAL for anything else, including development builds ("devel go1.23-abcdef ..."). */
int go_version_parse(const char *s, struct go_version *v);

/* <0, 0, >0 as a is older than, the same as, or newer than b. */
int go_version_cmp(struct go_version a, struct go_version b);

/* v is major.minor.0 or newer. */
bool go_version_at_least(struct go_version v, int major, int minor);

#endif
