// SPDX-License-Identifier: GPL-2.0
/* `gotrace info`: placeholder until the Go binary reader's summary lands. */
#include <stdio.h>

#include "commands.h"
#include "log.h"

int cmd_info(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	log_error("info: not implemented yet");
	return EXIT_FAILURE_RUN;
}
