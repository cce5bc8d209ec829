// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target for cgroup.c's parsers and kube.c's. The input, cut at its first NUL, is a /proc/PID/cgroup text
 * and a mountinfo text; the first part also goes to every one-file parser, and as a cgroup path and a kubelet log
 * name to kube.c's. Results that parse must be in range: a pod UID of 8-4-4-4-12 lowercase hex, a known QoS
 * class, names without '_' or '/'.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -std=gnu11 -D_GNU_SOURCE
 *        -Iuser tests/fuzz/fuzz_cgroup.c user/sys/cgroup.c user/sys/kube.c -o build/fuzz/fuzz_cgroup
 * Run:   build/fuzz/fuzz_cgroup -max_total_time=300 build/fuzz/corpus_cgroup tests/unit/data/cgroup */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sys/cgroup.h"
#include "sys/kube.h"

#define EXPECT(cond)                     \
	do {                             \
		if (!(cond))             \
			__builtin_trap(); \
	} while (0)

static struct cgroup_cpu cg;

static void fuzz_limits(const char *text, const char *second)
{
	int64_t quota;
	uint64_t period;

	if (cgroup_parse_cpu_max(text, &quota, &period) == 0)
		EXPECT((quota == -1 || quota > 0) && period >= 1 && period <= 1000000);
	if (cgroup_parse_cfs(text, second, &quota, &period) == 0)
		EXPECT((quota == -1 || quota > 0) && period >= 1 && period <= 1000000);
}

static void fuzz_stat_and_lists(const char *text)
{
	struct cgroup_cpu_stat st;
	char id[80];
	int n;

	if (cgroup_parse_cpu_stat(text, 1, &st) == 0)
		EXPECT(!st.has_usage);
	if (cgroup_parse_cpu_stat(text, 2, &st) == 0)
		EXPECT(st.has_usage && st.usage_ns % 1000 == 0 && st.throttled_ns % 1000 == 0);
	if (cgroup_parse_cpu_list(text, &n) == 0)
		EXPECT(n >= 0 && n <= 65536);
	if (cgroup_container_id(text, id, sizeof(id)) == 0)
		EXPECT(strlen(id) == 64 && strspn(id, "0123456789abcdef") == 64);
}

/* The memory files: limits -1 or within int64, PSI averages percentages, under_oom a bool. */
static void fuzz_memory(const char *text)
{
	struct cgroup_memory_events ev;
	struct cgroup_pressure psi;
	int64_t limit;
	uint64_t n;
	bool under;

	if (cgroup_parse_memory_limit(text, 1, &limit) == 0)
		EXPECT(limit >= -1 && limit < (1ll << 62));
	if (cgroup_parse_memory_limit(text, 2, &limit) == 0)
		EXPECT(limit >= -1 && limit < (1ll << 62));
	cgroup_parse_bytes(text, &n);
	cgroup_parse_oom_kills(text, &n);
	if (cgroup_parse_memory_events(text, &ev) == 0)
		EXPECT(ev.has_oom_kill || ev.oom_kill == 0);
	if (cgroup_parse_under_oom(text, &under) == 0)
		EXPECT(under == 0 || under == 1);
	if (cgroup_parse_pressure(text, &psi) == 0)
		EXPECT(psi.some_avg10 >= 0 && psi.some_avg10 <= 100 && psi.full_avg10 >= 0 && psi.full_avg10 <= 100 &&
		       (psi.has_full || psi.full_total_us == 0));
}

/* What a resolved directory must look like: absolute, the mount point a prefix, nothing below it climbing. */
static void check_dir(const char *dir, size_t top_len)
{
	char rel[PATH_MAX], *comp, *save;

	EXPECT(dir[0] == '/' && top_len >= 1 && top_len <= strlen(dir));
	strcpy(rel, dir + (top_len == 1 ? 0 : top_len));	/* top_len 1: mounted at "/" */
	EXPECT(!rel[0] || rel[0] == '/');
	EXPECT(!strstr(rel, "//"));
	for (comp = strtok_r(rel, "/", &save); comp; comp = strtok_r(NULL, "/", &save))
		EXPECT(strcmp(comp, "..") != 0 && strcmp(comp, ".") != 0);
}

static void fuzz_lookup(const char *membership, const char *mountinfo, const char *controller, int size_seed)
{
	char path[PATH_MAX], dir[PATH_MAX], line[160];
	size_t top_len;
	int version = cgroup_parse_membership(membership, controller, path, sizeof(path));

	if (version < 0)
		return;
	EXPECT((version == 1 || version == 2) && path[0] == '/');
	if (cgroup_parse_mountinfo(mountinfo, version, controller, path, dir, sizeof(dir), &top_len) == 0)
		check_dir(dir, top_len);
	/* the describer over what was parsed, into a buffer of any size */
	memset(&cg, 0, sizeof(cg));
	cg.version = version;
	strcpy(cg.path, path);
	cg.quota_us = size_seed % 3 ? 20000 : -1;
	cg.period_us = 100000;
	cg.limiting_level = size_seed % 7;
	if (cgroup_container_id(path, cg.container_id, sizeof(cg.container_id)))
		cg.container_id[0] = '\0';
	cgroup_cpu_describe(&cg, line, (size_t)(size_seed % (int)sizeof(line)) + 1);
}

static void check_kube_name(const char *s, size_t size)
{
	EXPECT(strnlen(s, size) < size && !strchr(s, '_') && !strchr(s, '/'));
}

static void check_kube(const struct kube_identity *k)
{
	check_kube_name(k->namespace, sizeof(k->namespace));
	check_kube_name(k->pod, sizeof(k->pod));
	check_kube_name(k->container, sizeof(k->container));
}

static void fuzz_kube(const char *text, const char *second)
{
	struct kube_identity k;

	if (kube_identity_from_cgroup(text, &k) == 0) {
		EXPECT(strlen(k.pod_uid) == KUBE_UID_LEN && k.pod_uid[8] == '-' && k.pod_uid[23] == '-' &&
		       strspn(k.pod_uid, "0123456789abcdef-") == KUBE_UID_LEN);
		EXPECT(!strcmp(k.qos_class, "Guaranteed") || !strcmp(k.qos_class, "Burstable") ||
		       !strcmp(k.qos_class, "BestEffort"));
	}
	if (kube_parse_container_log(text, second, &k) == 0)
		EXPECT(k.pod[0] && k.namespace[0] && k.container[0]);
	check_kube(&k);
	if (kube_parse_pod_log_dir(text, &k) == 0)
		EXPECT(k.pod[0] && k.namespace[0]);
	check_kube(&k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	const char *second;
	char dir[PATH_MAX];
	size_t top_len;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	second = strlen(text) < size ? text + strlen(text) + 1 : "";
	fuzz_limits(text, second);
	fuzz_stat_and_lists(text);
	fuzz_memory(text);
	fuzz_kube(text, second);
	if (cgroup_parse_mountinfo(text, 2, "cpu", "/a/b", dir, sizeof(dir), &top_len) == 0)
		check_dir(dir, top_len);
	fuzz_lookup(text, second, "cpu", size ? data[0] : 0);
	fuzz_lookup(text, second, "cpuset", size ? data[size - 1] : 0);
	free(text);
	return 0;
}
