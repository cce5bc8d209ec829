// SPDX-License-Identifier: GPL-2.0
/* cgroup.c against the kernel's formats: literal file texts, recorded trees of real layouts (v1, v2, hybrid,
 * containers, kubernetes; tests/unit/data/cgroup/README.md) with values written out by hand, and a real
 * throttled cgroup on this machine's v1 cpu controller checked against cpu.stat read here. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sys/cgroup.h"
/* unit.h defines unit_manifest(), which this fixture-free test never calls. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "unit.h"

#define DATA "tests/unit/data/cgroup"

#define ID_A "376f487bf99250bcc5fc3fe8c25a75d3176d40b0050403f03b4d7d31fd48e7f2"
#define ID_B "34ddcac91f4bceefc4e58377d402dc325255d7df7870b24136275c8ebcc12af4"
#define ID_C "9564461cc9f550f6327fd1397b5e360dfb8c907e804d8adf6030da413316879e"
#define ID_D "70aba9d3a09791b0620356655d44932c5d290c43973d05108853161af0312f9e"
#define ID_E "aee585725c25cc5b2d0811dc3135ac0d36edf73731c3bf3c520b9c943841e410"
#define ID_F "df3f21ccba318a47b67614d91ed5cfed12eba2deca6cd5bc2a126031a9e76483"
#define ID_G "d08725aea311af2de24ea3be602b3a95233459777e0a1dd67c282db2b256eb13"
#define ID_X "4282b062dc108878f5b9f4e59dac254e7eee11f8ea269fcd8060e748128cc2c1"
#define POD1 "kubepods-burstable-pod5f2b1c7e_8a3d_4e6f_9b0a_1c2d3e4f5a6b.slice"
#define POD2 "kubepods-burstable-pod0c1d2e3f_4a5b_4c6d_8e7f_a0b1c2d3e4f5.slice"

static struct cgroup_cpu cg;	/* 20 KiB: kept off the stack */

static char *slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* ---- /proc/PID/cgroup ---- */

/* This machine's /proc/PID/cgroup for a process in cpu and cpuacct cgroups "gotrace-demo" (recorded). */
static const char hybrid_membership[] = "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n"
					"4:memory:/\n3:cpuset:/\n2:cpuacct:/gotrace-demo\n1:cpu:/gotrace-demo\n0::/\n";

TEST(membership_hybrid_prefers_v1)
{
	char path[PATH_MAX];

	CHECK(cgroup_parse_membership(hybrid_membership, "cpu", path, sizeof(path)) == 1);
	CHECK_STR(path, "/gotrace-demo");
	CHECK(cgroup_parse_membership(hybrid_membership, "cpuacct", path, sizeof(path)) == 1);
	CHECK_STR(path, "/gotrace-demo");
	CHECK(cgroup_parse_membership(hybrid_membership, "cpuset", path, sizeof(path)) == 1);
	CHECK_STR(path, "/");
	/* hugetlb is on no v1 hierarchy here: the v2 line answers */
	CHECK(cgroup_parse_membership(hybrid_membership, "hugetlb", path, sizeof(path)) == 2);
	CHECK_STR(path, "/");
}

TEST(membership_v2_and_comounted)
{
	char path[PATH_MAX];

	CHECK(cgroup_parse_membership("0::/system.slice/a:b.service\n", "cpu", path, sizeof(path)) == 2);
	CHECK_STR(path, "/system.slice/a:b.service");
	CHECK(cgroup_parse_membership("4:cpu,cpuacct:/docker/x\n1:name=systemd:/docker/x\n", "cpuacct", path,
				      sizeof(path)) == 1);
	CHECK_STR(path, "/docker/x");
	CHECK(cgroup_parse_membership("4:cpuacct,cpuset:/a\n", "cpu", path, sizeof(path)) == -ENOENT);
	CHECK(cgroup_parse_membership("1:name=systemd:/\n", "cpu", path, sizeof(path)) == -ENOENT);
	CHECK(cgroup_parse_membership("", "cpu", path, sizeof(path)) == -ENOENT);
	CHECK(cgroup_parse_membership("0::/abcdef\n", "cpu", path, 7) == -ENAMETOOLONG);
}

TEST(membership_malformed)
{
	static const char *const bad[] = {
		"0::/a",		/* truncated: no newline */
		"1:cpu:/a\n0::/",
		"x:cpu:/a\n",
		"-1:cpu:/a\n",
		"1:cpu\n",
		"1\n",
		"\n",
		"1:cpu:a\n",		/* relative path */
		"1:cpu:\n",
		"0:cpu:/\n",		/* id 0 is the v2 line, which has no controllers */
		"0::/\n0::/b\n",
		" 1:cpu:/\n",
	};
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(cgroup_parse_membership(bad[i], "cpu", path, sizeof(path)) == -EINVAL);
	CHECK(cgroup_parse_membership("99999999999:cpu:/\n", "cpu", path, sizeof(path)) == -ERANGE);
}

/* ---- mountinfo ---- */

static const char v1_mounts[] =
	"30 26 0:27 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
	"32 30 0:29 / /sys/fs/cgroup/systemd rw,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd\n"
	"35 30 0:32 / /sys/fs/cgroup/cpuset rw,relatime shared:14 - cgroup cgroup rw,cpuset\n"
	"36 30 0:33 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:15 - cgroup cgroup rw,cpu,cpuacct\n"
	"31 30 0:28 / /sys/fs/cgroup/unified rw,relatime shared:10 - cgroup2 cgroup2 rw\n";

TEST(mountinfo_v1_controller_exact)
{
	char dir[PATH_MAX];
	size_t top = 0;

	CHECK(cgroup_parse_mountinfo(v1_mounts, 1, "cpu", "/docker/x", dir, sizeof(dir), &top) == 0);
	CHECK_STR(dir, "/sys/fs/cgroup/cpu,cpuacct/docker/x");
	CHECK_EQ_U64(top, strlen("/sys/fs/cgroup/cpu,cpuacct"));
	CHECK(cgroup_parse_mountinfo(v1_mounts, 1, "cpuset", "/", dir, sizeof(dir), &top) == 0);
	CHECK_STR(dir, "/sys/fs/cgroup/cpuset");
	CHECK_EQ_U64(top, strlen("/sys/fs/cgroup/cpuset"));
	CHECK(cgroup_parse_mountinfo(v1_mounts, 2, "cpu", "/init.scope", dir, sizeof(dir), &top) == 0);
	CHECK_STR(dir, "/sys/fs/cgroup/unified/init.scope");
	CHECK(cgroup_parse_mountinfo(v1_mounts, 1, "memory", "/", dir, sizeof(dir), &top) == -ENOENT);
	CHECK(cgroup_parse_mountinfo(v1_mounts, 1, "cpu", "/docker/x", dir, 20, &top) == -ENAMETOOLONG);
}

/* A container without its own cgroup namespace: the mount's root is its cgroup. */
static const char rooted_mount[] = "901 900 0:26 /system.slice/docker-1.scope /sys/fs/cgroup ro,relatime - "
				   "cgroup2 cgroup rw,nsdelegate\n";

TEST(mountinfo_root_not_slash)
{
	char dir[PATH_MAX];
	size_t top = 0;

	CHECK(cgroup_parse_mountinfo(rooted_mount, 2, "cpu", "/system.slice/docker-1.scope", dir, sizeof(dir),
				     &top) == 0);
	CHECK_STR(dir, "/sys/fs/cgroup");
	CHECK_EQ_U64(top, 14);
	CHECK(cgroup_parse_mountinfo(rooted_mount, 2, "cpu", "/system.slice/docker-1.scope/init", dir,
				     sizeof(dir), &top) == 0);
	CHECK_STR(dir, "/sys/fs/cgroup/init");
	/* a sibling sharing the prefix, and the parent, are not below the root */
	CHECK(cgroup_parse_mountinfo(rooted_mount, 2, "cpu", "/system.slice/docker-1.scope2", dir, sizeof(dir),
				     &top) == -ENOENT);
	CHECK(cgroup_parse_mountinfo(rooted_mount, 2, "cpu", "/system.slice", dir, sizeof(dir), &top) ==
	      -ENOENT);
}

TEST(mountinfo_namespaces)
{
	static const char ns_root[] = "1 0 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup rw\n";
	static const char outer[] = "1 0 0:26 /../../p/c /sys/fs/cgroup rw - cgroup2 cgroup rw\n";
	char dir[PATH_MAX];
	size_t top;

	/* outside our cgroup namespace: "/.." climbs above the mount */
	CHECK(cgroup_parse_mountinfo(ns_root, 2, "cpu", "/../sibling", dir, sizeof(dir), &top) == -ENOENT);
	CHECK(cgroup_parse_mountinfo(ns_root, 2, "cpu", "/a/../../etc", dir, sizeof(dir), &top) == -ENOENT);
	CHECK(cgroup_parse_mountinfo(ns_root, 2, "cpu", "/a//b", dir, sizeof(dir), &top) == -ENOENT);
	CHECK(cgroup_parse_mountinfo(ns_root, 2, "cpu", "/", dir, sizeof(dir), &top) == 0);
	CHECK_STR(dir, "/sys/fs/cgroup");
	/* a mount of another namespace's cgroup reaches it */
	CHECK(cgroup_parse_mountinfo(outer, 2, "cpu", "/../../p/c/w", dir, sizeof(dir), &top) == 0);
	CHECK_STR(dir, "/sys/fs/cgroup/w");
	CHECK(cgroup_parse_mountinfo(outer, 2, "cpu", "/../../p", dir, sizeof(dir), &top) == -ENOENT);
}

TEST(mountinfo_escapes_and_choice)
{
	/* "\040" is a space; "\134" a backslash. A bind mount of a subtree loses to the whole hierarchy. */
	static const char text[] =
		"612 28 0:4 net:[4026532411] /run/netns/cni-1 rw shared:300 - nsfs nsfs rw\n"
		"700 22 0:60 / /mnt/my\\040disk rw,relatime shared:400 - tmpfs  rw,size=1024k\n"
		"40 30 0:26 /kube\\134pods /host/k rw master:1 propagate_from:2 - cgroup2 cgroup2 rw\n"
		"41 30 0:26 / /mnt/cg\\040v2 rw - cgroup2 cgroup2 rw\n"
		"42 30 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
	static const char at_slash[] = "1 0 0:26 / / rw - cgroup2 cgroup2 rw\n";
	char dir[PATH_MAX];
	size_t top;

	CHECK(cgroup_parse_mountinfo(text, 2, "cpu", "/kube\\pods/p", dir, sizeof(dir), &top) == 0);
	CHECK_STR(dir, "/mnt/cg v2/kube\\pods/p");
	CHECK_EQ_U64(top, strlen("/mnt/cg v2"));
	CHECK(cgroup_parse_mountinfo(at_slash, 2, "cpu", "/a/b", dir, sizeof(dir), &top) == 0);
	CHECK_STR(dir, "/a/b");
	CHECK_EQ_U64(top, 1);
	CHECK(cgroup_parse_mountinfo(at_slash, 2, "cpu", "/", dir, sizeof(dir), &top) == 0);
	CHECK_STR(dir, "/");
}

TEST(mountinfo_malformed)
{
	static const char *const bad[] = {
		"1 0 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw",		/* truncated */
		"1 0 0:26 / /sys/fs/cgroup rw cgroup2 cgroup2 rw\n",		/* no separator */
		"1 0 0:26 / /sys/fs/cgroup rw -\n",
		"1 0 0:26 / /sys/fs/cgroup rw - cgroup2\n",
		"x 0 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
		"1 0 026 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
		"1 0 0:26:1 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
		"1 0 0:26 a /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
		"1 0 0:26 / sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
		"1 0 0:26 / /sys/fs/c\\09 rw - cgroup2 cgroup2 rw\n",		/* short escape */
		"1 0 0:26 / /sys/fs/c\\000x rw - cgroup2 cgroup2 rw\n",		/* NUL */
		"1 0 0:26 / /sys/fs/c\\400 rw - cgroup2 cgroup2 rw\n",		/* over 255 */
		"1\n",
		"\n",
	};
	char dir[PATH_MAX];
	size_t i, top;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(cgroup_parse_mountinfo(bad[i], 2, "cpu", "/", dir, sizeof(dir), &top) == -EINVAL);
	CHECK(cgroup_parse_mountinfo("4294967296 0 0:26 / /c rw - cgroup2 c rw\n", 2, "cpu", "/", dir,
				     sizeof(dir), &top) == -ERANGE);
	CHECK(cgroup_parse_mountinfo(rooted_mount, 3, "cpu", "/", dir, sizeof(dir), &top) == -EINVAL);
	CHECK(cgroup_parse_mountinfo(rooted_mount, 2, "cpu", "rel", dir, sizeof(dir), &top) == -EINVAL);
}

/* ---- cpu.max, cfs files ---- */

TEST(cpu_max)
{
	static const char *const bad[] = {
		"max\n", "max 100000", "50000  100000\n", "50000 100000\nx", " 50000 100000\n",
		"50000 100000 \n", "5e4 100000\n", "-5 100000\n", "50000 +100000\n", "", "\n", "max max\n",
		"50000 100000\n\n",
	};
	static const char *const out_of_range[] = {
		"0 100000\n", "50000 0\n", "50000 1000001\n", "99999999999999999999 100000\n",
		"9223372036854776 100000\n",
	};
	int64_t quota;
	uint64_t period;
	size_t i;

	CHECK(cgroup_parse_cpu_max("max 100000\n", &quota, &period) == 0);
	CHECK(quota == -1);
	CHECK_EQ_U64(period, 100000);
	CHECK(cgroup_parse_cpu_max("50000 100000\n", &quota, &period) == 0);
	CHECK(quota == 50000);
	CHECK_EQ_U64(period, 100000);
	CHECK(cgroup_parse_cpu_max("17592186044415 1000000\n", &quota, &period) == 0);	/* the kernel's maxima */
	CHECK(quota == 17592186044415);
	CHECK_EQ_U64(period, 1000000);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(cgroup_parse_cpu_max(bad[i], &quota, &period) == -EINVAL);
	for (i = 0; i < sizeof(out_of_range) / sizeof(out_of_range[0]); i++)
		CHECK(cgroup_parse_cpu_max(out_of_range[i], &quota, &period) == -ERANGE);
}

TEST(cfs_files)
{
	int64_t quota;
	uint64_t period;

	CHECK(cgroup_parse_cfs("-1\n", "100000\n", &quota, &period) == 0);
	CHECK(quota == -1);
	CHECK_EQ_U64(period, 100000);
	CHECK(cgroup_parse_cfs("20000\n", "100000\n", &quota, &period) == 0);
	CHECK(quota == 20000);
	CHECK(cgroup_parse_cfs("-2\n", "100000\n", &quota, &period) == -EINVAL);
	CHECK(cgroup_parse_cfs("20000", "100000\n", &quota, &period) == -EINVAL);
	CHECK(cgroup_parse_cfs("20000\n", "100000", &quota, &period) == -EINVAL);
	CHECK(cgroup_parse_cfs("+20000\n", "100000\n", &quota, &period) == -EINVAL);
	CHECK(cgroup_parse_cfs("20000\n\n", "100000\n", &quota, &period) == -EINVAL);
	CHECK(cgroup_parse_cfs("-1\n", "-1\n", &quota, &period) == -EINVAL);
	CHECK(cgroup_parse_cfs("20000\n", "0\n", &quota, &period) == -ERANGE);
	CHECK(cgroup_parse_cfs("0\n", "100000\n", &quota, &period) == -ERANGE);
}

/* ---- cpu.stat ---- */

TEST(cpu_stat_v1_recorded)
{
	struct cgroup_cpu_stat st;
	const char *text = slurp(DATA "/hybrid-host/sys/fs/cgroup/cpu/gotrace-demo/cpu.stat");

	CHECK(text && cgroup_parse_cpu_stat(text, 1, &st) == 0);
	CHECK_EQ_U64(st.nr_periods, 18);
	CHECK_EQ_U64(st.nr_throttled, 15);
	CHECK_EQ_U64(st.throttled_ns, 1179955292);
	CHECK(!st.has_usage);
}

TEST(cpu_stat_v2)
{
	static const char full[] = "usage_usec 98000000\nuser_usec 90000000\nsystem_usec 8000000\n"
				   "core_sched.force_idle_usec 0\nnr_periods 5000\nnr_throttled 812\n"
				   "throttled_usec 40600000\nnr_bursts 0\nburst_usec 0\n";
	struct cgroup_cpu_stat st;
	const char *unified = slurp(DATA "/hybrid-host/sys/fs/cgroup/unified/cpu.stat");

	CHECK(cgroup_parse_cpu_stat(full, 2, &st) == 0);
	CHECK_EQ_U64(st.nr_periods, 5000);
	CHECK_EQ_U64(st.nr_throttled, 812);
	CHECK_EQ_U64(st.throttled_ns, 40600000000ull);
	CHECK_EQ_U64(st.usage_ns, 98000000000ull);
	CHECK(st.has_usage);
	/* recorded from this machine's cgroup2 root, where the cpu controller is not: no throttling keys */
	CHECK(unified && cgroup_parse_cpu_stat(unified, 2, &st) == 0);
	CHECK_EQ_U64(st.usage_ns, 244734939000ull);
	CHECK_EQ_U64(st.nr_periods, 0);
	CHECK_EQ_U64(st.nr_throttled, 0);
	CHECK(cgroup_parse_cpu_stat(full, 1, &st) == -EINVAL);	/* v1 needs throttled_time */
}

TEST(cpu_stat_malformed)
{
	static const char *const bad_v2[] = {
		"user_usec 1\n",					/* no usage_usec */
		"usage_usec 1\nnr_periods 1\nnr_throttled 1\n",		/* throttled_usec missing */
		"usage_usec 1\nusage_usec 2\n",
		"usage_usec 1",
		"usage_usec -1\n",
		"usage_usec  1\n",
		"usage_usec\n",
		"usage_usec 1 2\n",
		"Usage_usec 1\nusage_usec 1\n",
		"usage_usec 1\n\n",
		"usage_usec 0x10\n",
		"",
	};
	struct cgroup_cpu_stat st;
	size_t i;

	for (i = 0; i < sizeof(bad_v2) / sizeof(bad_v2[0]); i++)
		CHECK(cgroup_parse_cpu_stat(bad_v2[i], 2, &st) == -EINVAL);
	CHECK(cgroup_parse_cpu_stat("nr_periods 1\nnr_throttled 1\n", 1, &st) == -EINVAL);
	CHECK(cgroup_parse_cpu_stat("usage_usec 1\n", 3, &st) == -EINVAL);
	/* microseconds that overflow once in nanoseconds, and a count over 64 bits */
	CHECK(cgroup_parse_cpu_stat("usage_usec 18446744073709552\n", 2, &st) == -ERANGE);
	CHECK(cgroup_parse_cpu_stat("nr_periods 18446744073709551616\nnr_throttled 0\nthrottled_time 0\n", 1,
				    &st) == -ERANGE);
}

/* ---- cpu lists ---- */

TEST(cpu_list)
{
	static const char *const bad[] = {
		"3-1\n", "0-1,1\n", "1,0\n", "0-1,\n", ",\n", "0-\n", "-1\n", "0-3", "0 1\n", "0-3:2/4\n",
		"0--1\n", "1-2-3\n", "a\n", "0-1\n\n",
	};
	size_t i;
	int n;

	CHECK(cgroup_parse_cpu_list("0-1\n", &n) == 0 && n == 2);
	CHECK(cgroup_parse_cpu_list("0-3,8,10-11\n", &n) == 0 && n == 7);
	CHECK(cgroup_parse_cpu_list("5\n", &n) == 0 && n == 1);
	CHECK(cgroup_parse_cpu_list("\n", &n) == 0 && n == 0);
	CHECK(cgroup_parse_cpu_list("0-65535\n", &n) == 0 && n == 65536);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(cgroup_parse_cpu_list(bad[i], &n) == -EINVAL);
	CHECK(cgroup_parse_cpu_list("65536\n", &n) == -ERANGE);
}

/* ---- container ids ---- */

TEST(container_ids)
{
	static const char *const paths[][2] = {
		{ "/docker/" ID_E, ID_E },
		{ "/system.slice/docker-" ID_A ".scope", ID_A },
		{ "/kubepods.slice/kubepods-burstable.slice/" POD1 "/cri-containerd-" ID_B ".scope", ID_B },
		{ "/kubepods/burstable/pod7a1e/" ID_F, ID_F },
		{ "/kubepods/burstable/pod9c3d/crio-" ID_G, ID_G },
		{ "/machine.slice/libpod-" ID_D ".scope/container", ID_D },
		{ "/docker/" ID_E "/docker/" ID_A, ID_A },	/* docker in docker: the innermost */
	};
	static const char *const none[] = {
		"/", "/user.slice/user-1000.slice/session-3.scope", "/kubepods.slice/" POD1,
		"/docker/" ID_E "0",				/* 65 hex */
		"/docker/x" ID_E,
		"/docker/3F6F487BF99250BCC5FC3FE8C25A75D3176D40B0050403F03B4D7D31FD48E7F2",
	};
	char id[80];
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		CHECK(cgroup_container_id(paths[i][0], id, sizeof(id)) == 0);
		CHECK_STR(id, paths[i][1]);
	}
	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		CHECK(cgroup_container_id(none[i], id, sizeof(id)) == -ENOENT);
	CHECK(cgroup_container_id("/docker/" ID_E, id, 64) == -ENAMETOOLONG);
}

/* ---- recorded trees ---- */

static const char *data_path(const char *rel)
{
	static char buf[4][PATH_MAX];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", DATA, rel);
	return p;
}

static void check_limit(int64_t quota, uint64_t period, double cpus, int level)
{
	CHECK(cg.quota_us == quota);
	CHECK_EQ_U64(cg.period_us, period);
	CHECK(fabs(cg.quota_cpus - cpus) < 1e-9);
	CHECK(cg.limiting_level == level);
}

TEST(tree_hybrid_host_recorded)
{
	struct cgroup_cpu_stat st;

	CHECK(cgroup_cpu_for_pid_at(DATA "/hybrid-host", 26068, &cg) == 0);
	CHECK(cg.version == 1);
	CHECK_STR(cg.path, "/gotrace-demo");
	CHECK_STR(cg.dir, data_path("hybrid-host/sys/fs/cgroup/cpu/gotrace-demo"));
	check_limit(20000, 100000, 0.2, 0);
	CHECK_STR(cg.stat_dir, cg.dir);
	CHECK_STR(cg.usage_dir, data_path("hybrid-host/sys/fs/cgroup/cpuacct/gotrace-demo"));
	CHECK_STR(cg.cpuset, "0-1");
	CHECK(cg.cpuset_count == 2);
	CHECK_STR(cg.container_id, "");
	CHECK(cgroup_cpu_read_stat(&cg, &st) == 0);
	CHECK_EQ_U64(st.nr_periods, 18);
	CHECK_EQ_U64(st.nr_throttled, 15);
	CHECK_EQ_U64(st.throttled_ns, 1179955292);
	CHECK(st.has_usage);
	CHECK_EQ_U64(st.usage_ns, 309154079);

	/* PID 1 in every root cgroup: no quota, the root's period */
	CHECK(cgroup_cpu_for_pid_at(DATA "/hybrid-host/", 1, &cg) == 0);
	CHECK_STR(cg.path, "/");
	CHECK_STR(cg.dir, data_path("hybrid-host/sys/fs/cgroup/cpu"));
	check_limit(-1, 100000, 0, 0);
	CHECK(cgroup_cpu_read_stat(&cg, &st) == 0);
	CHECK_EQ_U64(st.nr_periods, 0);
	CHECK_EQ_U64(st.usage_ns, 250930136859ull);
}

/* Recorded from a reader in a cgroup namespace rooted at cpu:/gotrace-b, the target in cpu:/gotrace-a: the
 * kernel shows the target as "/../gotrace-a" and our cpu mount's root as "/..". */
TEST(tree_hybrid_cgroup_namespace_recorded)
{
	CHECK(cgroup_cpu_for_pid_at(DATA "/hybrid-cgroupns", 26442, &cg) == 0);
	CHECK(cg.version == 1);
	CHECK_STR(cg.path, "/../gotrace-a");
	CHECK_STR(cg.dir, data_path("hybrid-cgroupns/sys/fs/cgroup/cpu/gotrace-a"));
	check_limit(30000, 100000, 0.3, 0);
	CHECK_STR(cg.usage_dir, "");	/* cpuacct "/" is not the cpu cgroup */
	CHECK_STR(cg.cpuset, "0-1");
}

TEST(tree_v2_nested_limiting_ancestor)
{
	struct cgroup_cpu_stat st;

	CHECK(cgroup_cpu_for_pid_at(DATA "/v2-host", 1001, &cg) == 0);
	CHECK(cg.version == 2);
	CHECK_STR(cg.path, "/system.slice/batch.slice/report.service");
	CHECK_STR(cg.dir, data_path("v2-host/sys/fs/cgroup/system.slice/batch.slice/report.service"));
	check_limit(150000, 100000, 1.5, 1);
	CHECK_STR(cg.stat_dir, data_path("v2-host/sys/fs/cgroup/system.slice/batch.slice"));
	CHECK_STR(cg.usage_dir, cg.stat_dir);
	CHECK_STR(cg.cpuset, "2-5");
	CHECK(cg.cpuset_count == 4);
	CHECK(cgroup_cpu_read_stat(&cg, &st) == 0);
	CHECK_EQ_U64(st.nr_periods, 5000);
	CHECK_EQ_U64(st.nr_throttled, 812);
	CHECK_EQ_U64(st.throttled_ns, 40600000000ull);
	CHECK_EQ_U64(st.usage_ns, 98000000000ull);
}

TEST(tree_v2_unlimited)
{
	struct cgroup_cpu_stat st;

	CHECK(cgroup_cpu_for_pid_at(DATA "/v2-host", 1002, &cg) == 0);
	CHECK_STR(cg.dir, data_path("v2-host/sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope"));
	check_limit(-1, 100000, 0, 0);
	CHECK_STR(cg.stat_dir, cg.dir);
	CHECK_STR(cg.cpuset, "0-7");		/* from the root: no cpuset below it */
	CHECK(cg.cpuset_count == 8);
	CHECK(cgroup_cpu_read_stat(&cg, &st) == 0);
	CHECK_EQ_U64(st.nr_periods, 0);
	CHECK_EQ_U64(st.throttled_ns, 0);
	CHECK_EQ_U64(st.usage_ns, 5500000000ull);
}

TEST(tree_v2_containers)
{
	CHECK(cgroup_cpu_for_pid_at(DATA "/v2-host", 1003, &cg) == 0);
	check_limit(50000, 100000, 0.5, 0);
	CHECK_STR(cg.container_id, ID_A);
	CHECK_STR(cg.cpuset, "1,3");
	CHECK(cg.cpuset_count == 2);

	CHECK(cgroup_cpu_for_pid_at(DATA "/v2-host", 1004, &cg) == 0);
	CHECK_STR(cg.path, "/kubepods.slice/kubepods-burstable.slice/" POD1 "/cri-containerd-" ID_B ".scope");
	check_limit(50000, 100000, 0.5, 0);
	CHECK_STR(cg.container_id, ID_B);

	CHECK(cgroup_cpu_for_pid_at(DATA "/v2-host", 1005, &cg) == 0);
	check_limit(200000, 100000, 2.0, 1);
	CHECK_STR(cg.stat_dir, data_path("v2-host/sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/" POD2));
	CHECK_STR(cg.container_id, ID_C);

	CHECK(cgroup_cpu_for_pid_at(DATA "/v2-host", 1007, &cg) == 0);
	check_limit(25000, 100000, 0.25, 1);
	CHECK_STR(cg.container_id, ID_D);

	/* a removed cgroup: "/system.slice/gone.service (deleted)" */
	CHECK(cgroup_cpu_for_pid_at(DATA "/v2-host", 1006, &cg) == -ENOENT);
	CHECK(cgroup_cpu_for_pid_at(DATA "/v2-host", 999, &cg) == -ESRCH);
	CHECK(cgroup_cpu_for_pid_at(DATA "/v2-host", 0, &cg) == -EINVAL);
}

TEST(tree_no_cpu_controller)
{
	CHECK(cgroup_cpu_for_pid_at(DATA "/v2-nocpu", 1, &cg) == -ENOENT);	/* cgroup.controllers: memory pids */
	CHECK(cgroup_cpu_for_pid_at(DATA "/v2-nocpu", 2, &cg) == -ENOENT);	/* a v1 name=systemd line only */
}

TEST(tree_v2_container_namespace)
{
	struct cgroup_cpu_stat st;

	CHECK(cgroup_cpu_for_pid_at(DATA "/v2-container", 1, &cg) == 0);
	CHECK_STR(cg.path, "/");
	CHECK_STR(cg.dir, data_path("v2-container/sys/fs/cgroup"));
	check_limit(100000, 100000, 1.0, 0);
	CHECK_STR(cg.cpuset, "0-3");
	CHECK_STR(cg.container_id, "");

	CHECK(cgroup_cpu_for_pid_at(DATA "/v2-container", 17, &cg) == 0);
	CHECK_STR(cg.dir, data_path("v2-container/sys/fs/cgroup/worker"));
	check_limit(100000, 100000, 1.0, 1);
	CHECK_STR(cg.stat_dir, data_path("v2-container/sys/fs/cgroup"));
	CHECK(cgroup_cpu_read_stat(&cg, &st) == 0);
	CHECK_EQ_U64(st.nr_throttled, 7);
	CHECK_EQ_U64(st.throttled_ns, 350000000);

	/* "0::/../sibling": outside our namespace and no mount of the target's to go through */
	CHECK(cgroup_cpu_for_pid_at(DATA "/v2-container", 18, &cg) == -ENOENT);
}

TEST(tree_v2_container_host_namespace)
{
	CHECK(cgroup_cpu_for_pid_at(DATA "/v2-container-hostns", 1, &cg) == 0);
	CHECK_STR(cg.path, "/system.slice/docker-" ID_A ".scope");
	CHECK_STR(cg.dir, data_path("v2-container-hostns/sys/fs/cgroup"));
	check_limit(50000, 100000, 0.5, 0);
	CHECK_STR(cg.container_id, ID_A);
	/* a host process seen through a shared PID namespace: its cgroup is above our mount's root */
	CHECK(cgroup_cpu_for_pid_at(DATA "/v2-container-hostns", 30, &cg) == -ENOENT);
}

TEST(tree_sibling_namespace_through_target_root)
{
	struct cgroup_cpu_stat st;

	CHECK(cgroup_cpu_for_pid_at(DATA "/v2-sibling-ns", 4321, &cg) == 0);
	CHECK_STR(cg.path, "/../../" POD2 "/cri-containerd-" ID_X ".scope");
	CHECK_STR(cg.dir, data_path("v2-sibling-ns/proc/4321/root/sys/fs/cgroup"));
	check_limit(30000, 100000, 0.3, 0);
	CHECK_STR(cg.cpuset, "0-1");
	CHECK_STR(cg.container_id, ID_X);
	CHECK(cgroup_cpu_read_stat(&cg, &st) == 0);
	CHECK_EQ_U64(st.nr_throttled, 30);
	CHECK_EQ_U64(st.usage_ns, 800000000);
}

TEST(tree_v1_host)
{
	struct cgroup_cpu_stat st;

	CHECK(cgroup_cpu_for_pid_at(DATA "/v1-host", 2001, &cg) == 0);
	CHECK(cg.version == 1);
	CHECK_STR(cg.dir, data_path("v1-host/sys/fs/cgroup/cpu,cpuacct/docker/" ID_E));
	check_limit(150000, 100000, 1.5, 0);
	CHECK_STR(cg.usage_dir, cg.dir);	/* co-mounted cpu,cpuacct */
	CHECK_STR(cg.cpuset, "0-2");
	CHECK(cg.cpuset_count == 3);
	CHECK_STR(cg.container_id, ID_E);
	CHECK(cgroup_cpu_read_stat(&cg, &st) == 0);
	CHECK_EQ_U64(st.nr_periods, 7012);
	CHECK_EQ_U64(st.nr_throttled, 1290);
	CHECK_EQ_U64(st.throttled_ns, 98765432101ull);
	CHECK(st.has_usage);
	CHECK_EQ_U64(st.usage_ns, 1234567890123ull);

	/* pod 2.0 CPU (100000/50000), container 1.5: the container limits */
	CHECK(cgroup_cpu_for_pid_at(DATA "/v1-host", 2002, &cg) == 0);
	check_limit(150000, 100000, 1.5, 0);
	CHECK_STR(cg.container_id, ID_F);
	CHECK_STR(cg.cpuset, "1-3");		/* an old kernel's v1 cpuset without effective_cpus */
	CHECK(cg.cpuset_count == 3);
	CHECK(cgroup_cpu_read_stat(&cg, &st) == 0);
	CHECK(!st.has_usage);			/* this recorded container has no cpuacct.usage */

	/* cri-o container without quota in a 0.5 CPU pod */
	CHECK(cgroup_cpu_for_pid_at(DATA "/v1-host", 2003, &cg) == 0);
	check_limit(50000, 100000, 0.5, 1);
	CHECK_STR(cg.stat_dir, data_path("v1-host/sys/fs/cgroup/cpu,cpuacct/kubepods/burstable/pod9c3d"));
	CHECK_STR(cg.usage_dir, cg.stat_dir);
	CHECK(cgroup_cpu_read_stat(&cg, &st) == 0);
	CHECK_EQ_U64(st.nr_throttled, 450);
	CHECK_EQ_U64(st.throttled_ns, 31000000000ull);
	CHECK_EQ_U64(st.usage_ns, 29000000000ull);
}

TEST(tree_v1_container)
{
	CHECK(cgroup_cpu_for_pid_at(DATA "/v1-container", 1, &cg) == 0);
	CHECK_STR(cg.path, "/docker/" ID_E);
	CHECK_STR(cg.dir, data_path("v1-container/sys/fs/cgroup/cpu,cpuacct"));
	check_limit(150000, 100000, 1.5, 0);
	CHECK_STR(cg.usage_dir, cg.dir);
	CHECK_STR(cg.cpuset, "0-2");
}

TEST(describe)
{
	char buf[512];

	CHECK(cgroup_cpu_for_pid_at(DATA "/hybrid-host", 26068, &cg) == 0);
	CHECK(cgroup_cpu_describe(&cg, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "cgroup v1 /gotrace-demo: quota 0.20 CPU (20000/100000 us), cpuset 0-1");
	CHECK(cgroup_cpu_describe(&cg, buf, 20) == -ENOSPC);
	CHECK_STR(buf, "cgroup v1 /gotrace-");

	CHECK(cgroup_cpu_for_pid_at(DATA "/v2-host", 1001, &cg) == 0);
	CHECK(cgroup_cpu_describe(&cg, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "cgroup v2 /system.slice/batch.slice/report.service: quota 1.50 CPU (150000/100000 us) set "
		       "on /system.slice/batch.slice, cpuset 2-5");

	CHECK(cgroup_cpu_for_pid_at(DATA "/v2-host", 1002, &cg) == 0);
	CHECK(cgroup_cpu_describe(&cg, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "cgroup v2 /user.slice/user-1000.slice/session-3.scope: no CPU quota, cpuset 0-7");

	CHECK(cgroup_cpu_for_pid_at(DATA "/v2-host", 1003, &cg) == 0);
	CHECK(cgroup_cpu_describe(&cg, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "cgroup v2 /system.slice/docker-" ID_A ".scope: quota 0.50 CPU (50000/100000 us), "
		       "cpuset 1,3, container 376f487bf992");
}

/* ---- a real throttled cgroup (cgroup v1 cpu controller, root) ---- */

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX + 64];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -EIO;
}

/* Our own reading of a v1 cpu.stat, with stdio, to compare with the library's. */
static bool read_v1_cpu_stat(const char *dir, uint64_t *periods, uint64_t *throttled, uint64_t *throttled_ns)
{
	char path[PATH_MAX + 64], key[64];
	uint64_t v;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cpu.stat", dir);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fscanf(f, "%63s %" SCNu64, key, &v) == 2) {
		if (!strcmp(key, "nr_periods"))
			*periods = v, found++;
		else if (!strcmp(key, "nr_throttled"))
			*throttled = v, found++;
		else if (!strcmp(key, "throttled_time"))
			*throttled_ns = v, found++;
	}
	fclose(f);
	return found == 3;
}

static uint64_t read_u64_file(const char *dir, const char *name)
{
	char path[PATH_MAX + 64];
	uint64_t v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%" SCNu64, &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Removes cgroups left by runs of this test that died before cleaning up (their PID is gone). */
static void remove_stale_test_cgroups(const char *hierarchy)
{
	char path[PATH_MAX + 256];
	struct dirent *de;
	DIR *d = opendir(hierarchy);
	int pid;

	while (d && (de = readdir(d))) {
		if (sscanf(de->d_name, "gotrace-test-%d", &pid) == 1 && kill(pid, 0) && errno == ESRCH) {
			snprintf(path, sizeof(path), "%s/%s", hierarchy, de->d_name);
			rmdir(path);
		}
	}
	if (d)
		closedir(d);
}

static void remove_cgroup(const char *dir)
{
	int tries;

	/* the killed child leaves the cgroup once reaped, which the kernel may notice a moment later */
	for (tries = 0; tries < 50 && rmdir(dir) && errno == EBUSY; tries++)
		sleep_ms(20);
}

static pid_t spawn_busy_child(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			__asm__ volatile("" ::: "memory");
	}
	return pid;
}

static void check_against_own_reading(const char *cpu_dir, const char *acct_dir)
{
	uint64_t p1 = 0, t1 = 0, ns1 = 0, p2 = 1, t2 = 1, ns2 = 1;
	struct cgroup_cpu_stat st;
	int tries;

	/* The child is stopped, but a period timer may still tick once: read until two of ours agree. */
	for (tries = 0; tries < 5 && (p1 != p2 || t1 != t2 || ns1 != ns2); tries++) {
		CHECK(read_v1_cpu_stat(cpu_dir, &p1, &t1, &ns1));
		CHECK(cgroup_cpu_read_stat(&cg, &st) == 0);
		CHECK(read_v1_cpu_stat(cpu_dir, &p2, &t2, &ns2));
		sleep_ms(100);
	}
	CHECK_EQ_U64(st.nr_periods, p1);
	CHECK_EQ_U64(st.nr_throttled, t1);
	CHECK_EQ_U64(st.throttled_ns, ns1);
	CHECK(st.nr_throttled > 0);
	CHECK(st.has_usage);
	CHECK_EQ_U64(st.usage_ns, read_u64_file(acct_dir, "cpuacct.usage"));
	CHECK(st.usage_ns > 0);
}

static void check_real_cgroup(pid_t child, const char *cpu_dir, const char *acct_dir)
{
	char expect[PATH_MAX], cpuset[256] = "";
	const char *own_cpuset = slurp("/sys/fs/cgroup/cpuset/cpuset.effective_cpus");
	cpu_set_t affinity;

	CHECK(cgroup_cpu_for_pid(child, &cg) == 0);
	CHECK(cg.version == 1);
	snprintf(expect, sizeof(expect), "/gotrace-test-%d", (int)getpid());
	CHECK_STR(cg.path, expect);
	CHECK_STR(cg.dir, cpu_dir);
	check_limit(20000, 100000, 0.2, 0);
	CHECK_STR(cg.stat_dir, cpu_dir);
	CHECK_STR(cg.usage_dir, acct_dir);
	if (own_cpuset)
		sscanf(own_cpuset, "%255s", cpuset);
	CHECK_STR(cg.cpuset, cpuset);
	CHECK(sched_getaffinity(child, sizeof(affinity), &affinity) == 0);
	CHECK(cg.cpuset_count == CPU_COUNT(&affinity));
	kill(child, SIGSTOP);
	sleep_ms(300);
	check_against_own_reading(cpu_dir, acct_dir);
}

TEST(real_v1_throttled_cgroup)
{
	char cpu_dir[PATH_MAX], acct_dir[PATH_MAX], pid_text[32];
	pid_t child;

	if (access("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", W_OK) ||
	    access("/sys/fs/cgroup/cpuacct/cpuacct.usage", R_OK)) {
		CHECK(!"root and cgroup v1 cpu and cpuacct at /sys/fs/cgroup/{cpu,cpuacct} (this project's machines)");
		return;
	}
	remove_stale_test_cgroups("/sys/fs/cgroup/cpu");
	remove_stale_test_cgroups("/sys/fs/cgroup/cpuacct");
	snprintf(cpu_dir, sizeof(cpu_dir), "/sys/fs/cgroup/cpu/gotrace-test-%d", (int)getpid());
	snprintf(acct_dir, sizeof(acct_dir), "/sys/fs/cgroup/cpuacct/gotrace-test-%d", (int)getpid());
	CHECK(mkdir(cpu_dir, 0755) == 0);
	CHECK(mkdir(acct_dir, 0755) == 0 || errno == EEXIST);	/* EEXIST: co-mounted with cpu */
	CHECK(write_file(cpu_dir, "cpu.cfs_period_us", "100000") == 0);
	CHECK(write_file(cpu_dir, "cpu.cfs_quota_us", "20000") == 0);
	child = spawn_busy_child();
	CHECK(child > 0);
	if (child > 0) {
		snprintf(pid_text, sizeof(pid_text), "%d", (int)child);
		CHECK(write_file(cpu_dir, "cgroup.procs", pid_text) == 0);
		CHECK(write_file(acct_dir, "cgroup.procs", pid_text) == 0);
		sleep_ms(1000);
		check_real_cgroup(child, cpu_dir, acct_dir);
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	remove_cgroup(cpu_dir);
	remove_cgroup(acct_dir);
	CHECK(access(cpu_dir, F_OK) != 0);
}

/* ---- memory ---- */

static struct cgroup_memory cm;

TEST(memory_limit_files)
{
	static const char *const bad[] = { "", "\n", "max", "max\n\n", "-1\n", " 5\n", "5 \n", "1e9\n", "max\n" };
	int64_t limit;
	size_t i;

	CHECK(cgroup_parse_memory_limit("max\n", 2, &limit) == 0);
	CHECK(limit == -1);
	CHECK(cgroup_parse_memory_limit("134217728\n", 2, &limit) == 0);
	CHECK(limit == 134217728);
	CHECK(cgroup_parse_memory_limit("134217728\n", 1, &limit) == 0);
	CHECK(limit == 134217728);
	/* v1 "unlimited" is PAGE_COUNTER_MAX pages in bytes: 4 KiB pages, then 64 KiB pages */
	CHECK(cgroup_parse_memory_limit("9223372036854771712\n", 1, &limit) == 0);
	CHECK(limit == -1);
	CHECK(cgroup_parse_memory_limit("9223372036854710272\n", 1, &limit) == 0);
	CHECK(limit == -1);
	CHECK(cgroup_parse_memory_limit("0\n", 2, &limit) == 0);	/* a real, if harsh, limit */
	CHECK(limit == 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(cgroup_parse_memory_limit(bad[i], i == 8 ? 1 : 2, &limit) == -EINVAL);
	CHECK(cgroup_parse_memory_limit("9223372036854775808\n", 2, &limit) == -ERANGE);
}

TEST(memory_oom_kills)
{
	uint64_t n = 0, bytes;

	/* v1 memory.oom_control as this machine's kernel prints it */
	CHECK(cgroup_parse_oom_kills("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", &n) == 0);
	CHECK_EQ_U64(n, 3);
	/* v2 memory.events */
	CHECK(cgroup_parse_oom_kills("low 0\nhigh 0\nmax 41\noom 3\noom_kill 2\noom_group_kill 0\n", &n) == 0);
	CHECK_EQ_U64(n, 2);
	/* before 4.13 no oom_kill line */
	CHECK(cgroup_parse_oom_kills("oom_kill_disable 0\nunder_oom 0\n", &n) == -ENOENT);
	CHECK(cgroup_parse_oom_kills("oom_kill 1\noom_kill 2\n", &n) == -EINVAL);
	CHECK(cgroup_parse_oom_kills("oom_kill 1", &n) == -EINVAL);
	CHECK(cgroup_parse_oom_kills("oom_kill\n", &n) == -EINVAL);
	CHECK(cgroup_parse_oom_kills("oom_kill x\n", &n) == -EINVAL);
	CHECK(cgroup_parse_bytes("530579456\n", &bytes) == 0);
	CHECK_EQ_U64(bytes, 530579456);
	CHECK(cgroup_parse_bytes("530579456", &bytes) == -EINVAL);
}

TEST(tree_v2_memory_limiting_ancestor)
{
	struct cgroup_memory_stat st;

	CHECK(cgroup_memory_for_pid_at(DATA "/v2-host", 1001, &cm) == 0);
	CHECK(cm.version == 2);
	CHECK_STR(cm.path, "/system.slice/batch.slice/report.service");
	CHECK_STR(cm.dir, data_path("v2-host/sys/fs/cgroup/system.slice/batch.slice/report.service"));
	/* report.service max, batch.slice 512 MiB, system.slice 1 GiB: the parent limits */
	CHECK(cm.limit_bytes == 536870912);
	CHECK(cm.limiting_level == 1);
	CHECK_STR(cm.stat_dir, data_path("v2-host/sys/fs/cgroup/system.slice/batch.slice"));
	CHECK(cgroup_memory_read_stat(&cm, &st) == 0);
	CHECK_EQ_U64(st.usage_bytes, 530579456);
	CHECK(st.has_peak);
	CHECK_EQ_U64(st.peak_bytes, 536866816);
	CHECK(st.has_oom_kills);
	CHECK_EQ_U64(st.oom_kills, 2);
}

TEST(tree_v2_memory_unlimited)
{
	struct cgroup_memory_stat st;

	CHECK(cgroup_memory_for_pid_at(DATA "/v2-host", 1002, &cm) == 0);
	CHECK(cm.limit_bytes == -1);
	CHECK(cm.limiting_level == 0);
	CHECK_STR(cm.stat_dir, cm.dir);
	CHECK(cgroup_memory_read_stat(&cm, &st) == 0);
	CHECK_EQ_U64(st.usage_bytes, 8388608);
	CHECK(!st.has_peak);			/* memory.peak is 5.19+ */
	CHECK(st.has_oom_kills);
	CHECK_EQ_U64(st.oom_kills, 0);
	/* a cgroup v2 tree whose cgroups have no memory files at all: no limit, no usage */
	CHECK(cgroup_memory_for_pid_at(DATA "/v2-nocpu", 1, &cm) == 0);
	CHECK(cm.limit_bytes == -1);
	CHECK(cgroup_memory_read_stat(&cm, &st) == -ENOENT);
	CHECK(cgroup_memory_for_pid_at(DATA "/v2-host", 1006, &cm) == -ENOENT);
	CHECK(cgroup_memory_for_pid_at(DATA "/v2-host", 999, &cm) == -ESRCH);
}

/* ---- memory: high (soft) limit, events, pressure ---- */

TEST(memory_high_and_soft_limit_files)
{
	int64_t high;

	/* v2 memory.high and v1 memory.soft_limit_in_bytes share the limit's format */
	CHECK(cgroup_parse_memory_limit("max\n", 2, &high) == 0);
	CHECK(high == -1);
	CHECK(cgroup_parse_memory_limit("100663296\n", 2, &high) == 0);
	CHECK(high == 100663296);
	/* v1 soft limit unset: PAGE_COUNTER_MAX pages, as this machine's kernel prints it */
	CHECK(cgroup_parse_memory_limit("9223372036854771712\n", 1, &high) == 0);
	CHECK(high == -1);
	CHECK(cgroup_parse_memory_limit("max\n", 1, &high) == -EINVAL);
}

TEST(memory_events_file)
{
	static const char *const bad[] = {
		"",						/* no keys at all */
		"low 0\nhigh 1\nmax 2\n",			/* no oom */
		"low 0\nhigh 1\nmax 2\noom 3",			/* truncated */
		"high 1\nhigh 1\nmax 2\noom 3\n",		/* repeated */
		"high 1\nmax 2\noom x\n",
		"high 1\nmax 2\noom -3\n",
		"high 1\nmax 2\noom 3\noom_kill\n",
		"high 1\nmax 2\noom 3\nOOM 3\n",		/* not a kernel key */
		"high 1\nmax  2\noom 3\n",
		"\n",
	};
	struct cgroup_memory_events ev;
	size_t i;

	CHECK(cgroup_parse_memory_events("low 0\nhigh 95\nmax 41\noom 3\noom_kill 2\noom_group_kill 0\n", &ev) == 0);
	CHECK_EQ_U64(ev.high, 95);
	CHECK_EQ_U64(ev.max, 41);
	CHECK_EQ_U64(ev.oom, 3);
	CHECK(ev.has_oom_kill);
	CHECK_EQ_U64(ev.oom_kill, 2);
	/* 4.5 to 4.12: no oom_kill */
	CHECK(cgroup_parse_memory_events("low 0\nhigh 7\nmax 0\noom 0\n", &ev) == 0);
	CHECK_EQ_U64(ev.high, 7);
	CHECK(!ev.has_oom_kill);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(cgroup_parse_memory_events(bad[i], &ev) == -EINVAL);
	CHECK(cgroup_parse_memory_events("high 1\nmax 2\noom 18446744073709551616\n", &ev) == -ERANGE);
}

TEST(memory_v1_under_oom)
{
	bool under = true;

	CHECK(cgroup_parse_under_oom("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", &under) == 0);
	CHECK(!under);
	CHECK(cgroup_parse_under_oom("oom_kill_disable 1\nunder_oom 1\noom_kill 0\n", &under) == 0);
	CHECK(under);
	CHECK(cgroup_parse_under_oom("oom_kill_disable 0\noom_kill 3\n", &under) == -EINVAL);
	CHECK(cgroup_parse_under_oom("under_oom 2\n", &under) == -EINVAL);
	CHECK(cgroup_parse_under_oom("under_oom 0\nunder_oom 0\n", &under) == -EINVAL);
	CHECK(cgroup_parse_under_oom("under_oom 0", &under) == -EINVAL);
}

TEST(memory_pressure_file)
{
	static const char *const bad[] = {
		"",
		"full avg10=0.00 avg60=0.00 avg300=0.00 total=1\n",		/* no some line */
		"some avg10=0.00 avg60=0.00 avg300=0.00 total=1",		/* truncated */
		"some avg10=0.00 avg60=0.00 avg300=0.00 total=1\nsome avg10=0.00 avg60=0.00 avg300=0.00 total=1\n",
		"some avg10=0.00 avg60=0.00 total=1\n",
		"some avg10=0.0 avg60=0.00 avg300=0.00 total=1\n",
		"some avg10=.00 avg60=0.00 avg300=0.00 total=1\n",
		"some avg10=1 avg60=0.00 avg300=0.00 total=1\n",
		"some avg60=0.00 avg10=0.00 avg300=0.00 total=1\n",
		"some avg10=0.00 avg60=0.00 avg300=0.00 total=\n",
		"some avg10=0.00 avg60=0.00 avg300=0.00 total=-1\n",
		"some avg10=0.00 avg60=0.00 avg300=0.00 total=1 x=2\n",
		"some avg10=0.00 avg60=0.00 avg300=0.00\n",
		"some\n",
		"half avg10=0.00 avg60=0.00 avg300=0.00 total=1\n",
		"some avg10=0.00  avg60=0.00 avg300=0.00 total=1\n",
		"some avg10=0.-1 avg60=0.00 avg300=0.00 total=1\n",
	};
	struct cgroup_pressure psi;
	size_t i;

	CHECK(cgroup_parse_pressure("some avg10=12.50 avg60=4.02 avg300=1.00 total=3250000\n"
				    "full avg10=6.25 avg60=2.00 avg300=0.50 total=1125000\n", &psi) == 0);
	CHECK(psi.some_avg10 == 12.5);
	CHECK_EQ_U64(psi.some_total_us, 3250000);
	CHECK(psi.has_full);
	CHECK(psi.full_avg10 == 6.25);
	CHECK_EQ_U64(psi.full_total_us, 1125000);
	/* /proc/pressure/memory on this machine's kernel, and a some-only file (cpu before 5.13) */
	CHECK(cgroup_parse_pressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=74486\n"
				    "full avg10=0.00 avg60=0.00 avg300=0.00 total=30999\n", &psi) == 0);
	CHECK_EQ_U64(psi.full_total_us, 30999);
	CHECK(cgroup_parse_pressure("some avg10=100.00 avg60=0.00 avg300=0.00 total=5\n", &psi) == 0);
	CHECK(psi.some_avg10 == 100.0);
	CHECK(!psi.has_full);
	CHECK_EQ_U64(psi.full_total_us, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(cgroup_parse_pressure(bad[i], &psi) == -EINVAL);
	CHECK(cgroup_parse_pressure("some avg10=100.01 avg60=0.00 avg300=0.00 total=5\n", &psi) == -ERANGE);
	CHECK(cgroup_parse_pressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=99999999999999999999\n",
				    &psi) == -ERANGE);
}

/* report.service (high max) in batch.slice (limit 512 MiB, high 480 MiB) in system.slice (limit 1 GiB, high
 * 384 MiB): the limit is the parent's, the high limit the grandparent's, and each is read where it is. */
TEST(tree_v2_memory_high_events_pressure)
{
	struct cgroup_memory_stat st;

	CHECK(cgroup_memory_for_pid_at(DATA "/v2-host", 1001, &cm) == 0);
	CHECK(cm.high_bytes == 402653184);
	CHECK(cm.high_level == 2);
	CHECK_STR(cm.high_dir, data_path("v2-host/sys/fs/cgroup/system.slice"));
	CHECK(cm.limit_bytes == 536870912 && cm.limiting_level == 1);
	CHECK(cgroup_memory_read_stat(&cm, &st) == 0);
	CHECK(st.has_events);
	CHECK_EQ_U64(st.events.high, 120);	/* system.slice's, not batch.slice's 95 */
	CHECK_EQ_U64(st.events.max, 41);
	CHECK_EQ_U64(st.events.oom, 3);
	CHECK_EQ_U64(st.events.oom_kill, 2);
	CHECK(!st.has_under_oom);
	CHECK(st.has_pressure);
	CHECK_EQ_U64(st.pressure.some_total_us, 3250000);
	CHECK_EQ_U64(st.pressure.full_total_us, 1125000);
	CHECK(st.pressure.some_avg10 == 12.5 && st.pressure.full_avg10 == 6.25);
}

/* No memory.high anywhere, no memory.pressure (a kernel booted with psi=0): none, and no pressure. */
TEST(tree_v2_memory_no_high_no_pressure)
{
	struct cgroup_memory_stat st;

	CHECK(cgroup_memory_for_pid_at(DATA "/v2-host", 1002, &cm) == 0);
	CHECK(cm.high_bytes == -1);
	CHECK_STR(cm.high_dir, cm.stat_dir);
	CHECK(cgroup_memory_read_stat(&cm, &st) == 0);
	CHECK(st.has_events);
	CHECK_EQ_U64(st.events.high, 0);
	CHECK(!st.has_pressure);
}
