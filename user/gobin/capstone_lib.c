// SPDX-License-Identifier: GPL-2.0
/* Capstone loaded on demand (capstone_lib.h). */
#include <stdbool.h>

#include "lib/log.h"
#include "lib/shared_lib.h"
#include "gobin/capstone_lib.h"

#define STRINGIFY(x) #x
#define SONAME(major) "libcapstone.so." STRINGIFY(major)

static struct capstone_api api;

static const struct shared_lib_symbol symbols[] = {
	{ "cs_open", (void **)&api.open },
	{ "cs_close", (void **)&api.close },
	{ "cs_option", (void **)&api.option },
	{ "cs_malloc", (void **)&api.malloc },
	{ "cs_free", (void **)&api.free },
	{ "cs_disasm_iter", (void **)&api.disasm_iter },
	{ "cs_regs_access", (void **)&api.regs_access },
};

/* The SONAME of the Capstone whose header gotrace was built against: its ABI. */
static struct shared_lib lib = SHARED_LIB(SONAME(CS_API_MAJOR), symbols);

const struct capstone_api *capstone_get(void)
{
	static bool warned;

	if (shared_lib_get(&lib) == 0)
		return &api;
	if (!warned)	/* once: every executable met after would say the same */
		log_warn("cannot load Capstone (%s): runtime variables are found by symbol only, and GC pauses "
			 "cannot be probed where a RET must be found", shared_lib_error(&lib));
	warned = true;
	return NULL;
}

void capstone_put(void)
{
	shared_lib_put(&lib);
}
