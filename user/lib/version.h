/* SPDX-License-Identifier: GPL-2.0 */
/* gotrace's version, in a layer every other may include: the commands print it, and the report page and the
 * daemon's uploads carry it. */
#ifndef GOTRACE_VERSION_H
#define GOTRACE_VERSION_H

#define GOTRACE_VERSION "0.1.0"

#endif
