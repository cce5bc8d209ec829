// SPDX-License-Identifier: GPL-2.0
/* Mounts tracefs at its standard place when neither it nor debugfs' tracing directory is there. */
#include <errno.h>
#include <sys/mount.h>
#include <unistd.h>

#include "sys/tracefs.h"

int tracefs_ensure(bool *mounted_now)
{
	*mounted_now = false;
	if (access("/sys/kernel/tracing/events", F_OK) == 0 || access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return 0;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) != 0)
		return -errno;
	*mounted_now = true;
	return 0;
}
