// SPDX-License-Identifier: GPL-2.0
/* The kernel's release from uname (kernel_version.h). */
#include <stdio.h>
#include <sys/utsname.h>

#include "sys/kernel_version.h"

bool kernel_release_at_least(const char *release, int major, int minor)
{
	int have_major, have_minor;

	if (sscanf(release, "%d.%d", &have_major, &have_minor) != 2)
		return false;
	return have_major > major || (have_major == major && have_minor >= minor);
}

bool kernel_at_least(int major, int minor)
{
	struct utsname u;

	return uname(&u) == 0 && kernel_release_at_least(u.release, major, minor);
}
