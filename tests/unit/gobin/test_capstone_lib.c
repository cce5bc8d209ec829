// SPDX-License-Identifier: GPL-2.0
/* Capstone, loaded while used (gobin/capstone_lib.c over lib/shared_lib.c): mapped from the first get to the last
 * put and not otherwise (the point: a daemon does not keep it resident), users nest, and it loads again. */
#include "gobin/capstone_lib.h"
#include "self_maps.h"
#include "unit.h"

TEST(capstone_is_mapped_only_between_get_and_the_last_put)
{
	const struct capstone_api *a, *b;
	csh cs;

	CHECK(!self_maps_has("libcapstone"));	/* not linked in */
	a = capstone_get();
	CHECK(a && a->open && a->disasm_iter && a->regs_access);
	if (!a)
		return;
	CHECK(self_maps_has("libcapstone"));
	b = capstone_get();		/* a second user nests */
	CHECK(b == a);
	capstone_put();
	CHECK(self_maps_has("libcapstone"));
	CHECK(a->open(CS_ARCH_X86, CS_MODE_64, &cs) == CS_ERR_OK && a->close(&cs) == CS_ERR_OK);
	capstone_put();
	CHECK(!self_maps_has("libcapstone"));
	CHECK(capstone_get() == a);	/* and loads again */
	capstone_put();
	CHECK(!self_maps_has("libcapstone"));
}
