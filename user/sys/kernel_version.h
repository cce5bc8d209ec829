/* SPDX-License-Identifier: GPL-2.0 */
/* The running kernel's release, for behaviour that changed between releases but left no type to probe. */
#ifndef GOTRACE_KERNEL_VERSION_H
#define GOTRACE_KERNEL_VERSION_H

#include <stdbool.h>

/* Whether uname's release ("6.18.44-fc-v1300") is major.minor or later. false when it does not parse. */
bool kernel_release_at_least(const char *release, int major, int minor);
/* The same of this kernel. */
bool kernel_at_least(int major, int minor);

#endif
