// SPDX-License-Identifier: GPL-2.0
/* Process selection and service names on made-up processes: the documented precedence (pid, deny, allow, all),
 * the reason given, and service names that are always safe whatever the process's environment holds. */
#include <errno.h>

#include "daemon/target_rules.h"
#include "unit.h"

static struct daemon_config cfg;

/* Loads the configuration from options (NULL-terminated). */
static void configure(const char **args)
{
	char *argv[32], err[256];
	int argc = 0;

	daemon_config_free(&cfg);
	argv[argc++] = "daemon";
	for (; *args && argc < 31; args++)
		argv[argc++] = (char *)*args;
	CHECK(daemon_config_load(&cfg, argc, argv, false, err, sizeof(err)) == 0);
}

#define CONFIGURE(...) configure((const char *[]){ __VA_ARGS__, NULL })

static const char container[] = "3f4e9a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071829304a5b6c7";

static const struct process_facts api = {
	.pid = 100, .exe_name = "api-server", .exe_path = "/usr/bin/api-server",
	.cgroup_path = "/system.slice/api.service", .container_id = NULL,
};
static const struct process_facts test_api = {
	.pid = 101, .exe_name = "api-test", .exe_path = "/tmp/api-test", .cgroup_path = "/user.slice/session-2.scope",
};
static const struct process_facts pod = {
	.pid = 102, .exe_name = "shop", .exe_path = "/app/shop",
	.cgroup_path = "/kubepods.slice/kubepods-pod1.slice/cri-containerd-3f4e9a1b2c3d.scope",
	.container_id = container,
};
static const struct process_facts bare = { .pid = 103 };	/* nothing known but the pid */

static void check_allow(const struct process_facts *p, bool want, const char *why_want)
{
	char why[256] = "";

	CHECK(target_rules_allow(&cfg, p, why, sizeof(why)) == want);
	CHECK_STR(why, why_want);
	CHECK(target_rules_allow(&cfg, p, NULL, 0) == want);	/* why is optional */
}

TEST(no_rules_allow_everything)
{
	CONFIGURE("-v");
	check_allow(&api, true, "no allow rules: every Go process is traced");
	check_allow(&bare, true, "no allow rules: every Go process is traced");
}

TEST(deny_rules_exclude)
{
	CONFIGURE("--deny-exe", "*-test", "--deny-container", "3F4E", "--deny-cgroup", "/user.slice/*");
	check_allow(&api, true, "no allow rules: every Go process is traced");
	check_allow(&test_api, false, "deny-exe '*-test' matches the executable 'api-test'");
	check_allow(&pod, false, "deny-container '3f4e' matches the container '" "3f4e9a1b2c3d4e5f60718293a4b5c6d7e8f90a1b"
				 "2c3d4e5f6071829304a5b6c7'");
	check_allow(&bare, true, "no allow rules: every Go process is traced");
}

TEST(allow_rules_select_and_deny_wins)
{
	CONFIGURE("--allow-exe", "api-*", "--allow-cgroup", "*/kubepods*", "--deny-exe", "*-test");
	check_allow(&api, true, "allow-exe 'api-*' matches the executable 'api-server'");
	check_allow(&test_api, false, "deny-exe '*-test' matches the executable 'api-test'");
	check_allow(&pod, true, "allow-cgroup '*/kubepods*' matches the cgroup "
				"'/kubepods.slice/kubepods-pod1.slice/cri-containerd-3f4e9a1b2c3d.scope'");
	check_allow(&bare, false, "no allow rule or listed pid matches");	/* unknown facts match nothing */
}

TEST(listed_pids_come_first)
{
	CONFIGURE("--pid", "101,103", "--deny-exe", "*");
	check_allow(&test_api, true, "pid 101 is listed");	/* even though denied */
	check_allow(&bare, true, "pid 103 is listed");
	check_allow(&api, false, "deny-exe '*' matches the executable 'api-server'");
	CONFIGURE("--pid", "100");	/* a pid list alone: only those */
	check_allow(&api, true, "pid 100 is listed");
	check_allow(&pod, false, "no allow rule or listed pid matches");
}

TEST(globs_span_slashes_in_cgroups_and_deleted_executables_match)
{
	struct process_facts deleted = api;

	CONFIGURE("--allow-cgroup", "/system.slice/*", "--allow-exe", "api-server");
	check_allow(&api, true, "allow-exe 'api-server' matches the executable 'api-server'");
	deleted.exe_name = "api-server (deleted)";	/* the binary was replaced by a deploy */
	check_allow(&deleted, true, "allow-exe 'api-server' matches the executable 'api-server'");
	deleted.exe_name = "other";
	deleted.cgroup_path = "/system.slice/deep/er.service";
	check_allow(&deleted, true, "allow-cgroup '/system.slice/*' matches the cgroup '/system.slice/deep/er.service'");
}

TEST(reasons_show_hostile_facts_on_one_line)
{
	struct process_facts evil = { .pid = 5, .exe_name = "x\ny\033[2J" };
	char why[256], tiny[8];

	CONFIGURE("--deny-exe", "x*");
	CHECK(!target_rules_allow(&cfg, &evil, why, sizeof(why)));
	CHECK_STR(why, "deny-exe 'x*' matches the executable 'x?y?[2J'");
	CHECK(!target_rules_allow(&cfg, &evil, tiny, sizeof(tiny)));
	CHECK(strlen(tiny) == 7);
}

/* ---- service names ---- */

static void check_service(const struct process_facts *p, const char *want)
{
	char out[64];

	CHECK(target_rules_service(&cfg, p, out, sizeof(out)) == 0);
	CHECK_STR(out, want);
}

static const char env_block[] = "PATH=/bin\0SERVICE_NAME=checkout\0SERVICE_NAME=second\0EMPTY=\0"
				"EVIL=../../etc/passwd\0";

TEST(service_rules_in_order_with_exe_fallback)
{
	struct process_facts p = pod;

	p.environ = env_block;
	p.environ_len = sizeof(env_block) - 1;
	CONFIGURE("-v");
	check_service(&p, "shop");
	CONFIGURE("--service-label", "env:SERVICE_NAME");
	check_service(&p, "checkout");	/* the first, as getenv */
	CONFIGURE("--service-label", "env:EMPTY", "--service-label", "env:MISSING", "--service-label", "container");
	check_service(&p, "3f4e9a1b2c3d");
	CONFIGURE("--service-label", "cgroup:cri-containerd-([0-9a-f]{6})", "--service-label", "env:SERVICE_NAME");
	check_service(&p, "3f4e9a");
	CONFIGURE("--service-label", "cgroup:/system\\.slice/([^/]+)\\.service$", "--service-label", "exe");
	check_service(&api, "api");
	check_service(&p, "shop");	/* regex does not match: next rule */
	check_service(&bare, "unknown");
}

TEST(service_names_are_always_safe)
{
	struct process_facts p = bare;
	char out[64], tiny[4];
	const char *s;
	char env[300];

	CONFIGURE("--service-label", "env:EVIL");
	p.environ = env_block;
	p.environ_len = sizeof(env_block) - 1;
	check_service(&p, "_._.._etc_passwd");	/* no '/', no leading '.' */
	/* a 200-byte value is cut to 63; a block that ends without its NUL is read within its length */
	memcpy(env, "EVIL=", 5);
	memset(env + 5, 'a', 200);
	p.environ = env;
	p.environ_len = 205;
	CHECK(target_rules_service(&cfg, &p, out, sizeof(out)) == 0 && strlen(out) == 63);
	CHECK(target_rules_service(&cfg, &p, tiny, sizeof(tiny)) == 0);
	CHECK_STR(tiny, "aaa");
	CHECK(target_rules_service(&cfg, &p, tiny, 1) == -EINVAL);
	p.environ_len = 4;	/* "EVIL" without '=' */
	check_service(&p, "unknown");
	p.exe_name = ".hidden \xff\xfe";
	check_service(&p, "_hidden___");
	p.exe_name = "..";
	s = "_.";
	check_service(&p, s);
}

TEST(zzz_release)
{
	daemon_config_free(&cfg);	/* tests run in the order they appear: this one is last */
}
