// SPDX-License-Identifier: GPL-2.0
/* How Go picks GOMAXPROCS, checked against the rules in the Go 1.26 source (runtime/cgroup_linux.go,
 * defaultGOMAXPROCS and adjustCgroupGOMAXPROCS): min(CPUs, max(2, ceil(quota))), off when GODEBUG says containermaxprocs=0. */
#include "caps/gomaxprocs.h"
#include "unit.h"

TEST(go125_default)
{
	CHECK(gomaxprocs_go125_default(8, 0) == 8);		/* no quota */
	CHECK(gomaxprocs_go125_default(8, 0.2) == 2);		/* never below 2 */
	CHECK(gomaxprocs_go125_default(8, 2.5) == 3);		/* rounded up */
	CHECK(gomaxprocs_go125_default(2, 16) == 2);		/* no more than the CPUs */
	CHECK(gomaxprocs_go125_default(1, 0.5) == 1);
}

TEST(environ_lookup_exact_names)
{
	const char block[] = "PATH=/bin\0GOMAXPROCSX=9\0GOMAXPROCS=3\0GODEBUG=a=1\0";

	CHECK_STR(environ_lookup(block, sizeof(block) - 1, "GOMAXPROCS"), "3");
	CHECK_STR(environ_lookup(block, sizeof(block) - 1, "GODEBUG"), "a=1");
	CHECK(environ_lookup(block, sizeof(block) - 1, "HOME") == NULL);
	CHECK(environ_lookup(block, 5, "GOMAXPROCS") == NULL);	/* never past len */
}

TEST(godebug_last_setting_wins)
{
	CHECK(godebug_disables_containermaxprocs("containermaxprocs=0"));
	CHECK(godebug_disables_containermaxprocs("a=1,containermaxprocs=0,b=2"));
	CHECK(!godebug_disables_containermaxprocs("containermaxprocs=1"));
	CHECK(!godebug_disables_containermaxprocs("containermaxprocs=0,containermaxprocs=1"));
	CHECK(!godebug_disables_containermaxprocs("xcontainermaxprocs=0"));
	CHECK(!godebug_disables_containermaxprocs(""));
}
