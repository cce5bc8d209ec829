// SPDX-License-Identifier: GPL-2.0
/* kernel_release_at_least on the release strings kernels give (distribution suffixes, two-part releases) and
 * broken ones, and kernel_at_least on this kernel against uname read here. */
#include <stdio.h>
#include <sys/utsname.h>

#include "sys/kernel_version.h"
#include "unit.h"

TEST(compares_major_then_minor)
{
	CHECK(kernel_release_at_least("6.18.44-fc-v1300", 5, 14));
	CHECK(kernel_release_at_least("5.14.0-427.el9.x86_64", 5, 14));
	CHECK(!kernel_release_at_least("5.13.19", 5, 14));
	CHECK(!kernel_release_at_least("4.19.0-26-amd64", 5, 14));
	CHECK(kernel_release_at_least("6.0", 5, 14));
	CHECK(!kernel_release_at_least("5.4.0-150-generic", 5, 10));
}

TEST(refuses_what_is_not_a_release)
{
	CHECK(!kernel_release_at_least("", 1, 0));
	CHECK(!kernel_release_at_least("six.eighteen", 1, 0));
	CHECK(!kernel_release_at_least("6", 1, 0));
}

TEST(knows_this_kernel)
{
	struct utsname u;
	int major, minor;

	CHECK(uname(&u) == 0);
	CHECK(sscanf(u.release, "%d.%d", &major, &minor) == 2);
	CHECK(kernel_at_least(major, minor));
	CHECK(!kernel_at_least(major, minor + 1));
	CHECK(!kernel_at_least(major + 1, 0));
}
