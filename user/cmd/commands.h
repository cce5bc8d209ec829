/* SPDX-License-Identifier: GPL-2.0 */
/* Subcommands of the gotrace binary; each lives in its own <name>_cmd.c and returns a process exit code. */
#ifndef GOTRACE_COMMANDS_H
#define GOTRACE_COMMANDS_H

#include "lib/version.h"	/* GOTRACE_VERSION, which every command prints */

int cmd_trace(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_flame(int argc, char **argv);
int cmd_daemon(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
