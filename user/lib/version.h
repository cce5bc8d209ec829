/* SPDX-License-Identifier: GPL-2.0 */
/* The gotrace version: in lib/ so that every layer can name it (user agent, report footer, --version). */
#ifndef GOTRACE_VERSION_H
#define GOTRACE_VERSION_H

#define GOTRACE_VERSION "0.1.0"

#endif
