/* SPDX-License-Identifier: GPL-2.0 */
/* Capstone, loaded while a disassembly runs (lib/shared_lib.h): an executable's code is read once, when gotrace
 * first meets the file, so a daemon tracing for months keeps none of the library's 3.4 MiB in between. */
#ifndef GOTRACE_CAPSTONE_LIB_H
#define GOTRACE_CAPSTONE_LIB_H

#include <capstone/capstone.h>

/* The functions gotrace calls, named as Capstone names them without the cs_ prefix. */
struct capstone_api {
	__typeof__(cs_open) *open;
	__typeof__(cs_close) *close;
	__typeof__(cs_option) *option;
	__typeof__(cs_malloc) *malloc;
	__typeof__(cs_free) *free;
	__typeof__(cs_disasm_iter) *disasm_iter;
	__typeof__(cs_regs_access) *regs_access;
};

/* The library, loaded if it was not: every call that returns non-NULL needs one capstone_put. NULL when it
 * cannot be loaded (the first failure logs why). */
const struct capstone_api *capstone_get(void);
void capstone_put(void);

#endif
