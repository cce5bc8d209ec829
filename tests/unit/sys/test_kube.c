// SPDX-License-Identifier: GPL-2.0
/* Kubernetes identity: pod UID and QoS class from the cgroup paths each driver and runtime makes (cgroupfs and
 * systemd; docker, containerd, CRI-O; v1 and v2; nested in kind's kubelet.slice and in a docker container), names
 * from the kubelet's log links and pod log directories (a directory made here). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/kube.h"
#include "unit.h"

#define UID "6e7c1d2a-4b3f-4c5d-9e8f-0a1b2c3d4e5f"
#define UID_ "6e7c1d2a_4b3f_4c5d_9e8f_0a1b2c3d4e5f"
#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void check_pod(const char *path, const char *qos)
{
	struct kube_identity k;

	CHECK(kube_identity_from_cgroup(path, &k) == 0);
	CHECK_STR(k.pod_uid, UID);
	CHECK_STR(k.qos_class, qos);
	CHECK(!k.namespace[0] && !k.pod[0] && !k.container[0]);
}

TEST(pod_uid_and_qos_from_every_driver)
{
	/* cgroupfs driver (v1 controllers or v2), docker and containerd name the leaf by the bare id */
	check_pod("/kubepods/burstable/pod" UID "/" CID, "Burstable");
	check_pod("/kubepods/besteffort/pod" UID "/" CID, "BestEffort");
	check_pod("/kubepods/pod" UID "/" CID, "Guaranteed");
	check_pod("/kubepods/burstable/pod" UID "/crio-" CID, "Burstable");
	/* systemd driver: containerd, CRI-O, docker scopes */
	check_pod("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/cri-containerd-" CID
		  ".scope", "Burstable");
	check_pod("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/crio-" CID ".scope",
		  "BestEffort");
	check_pod("/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" CID ".scope", "Guaranteed");
	/* the pod's own cgroup (a process in the pause container's parent) */
	check_pod("/kubepods.slice/kubepods-pod" UID_ ".slice", "Guaranteed");
	/* nested: kind's nodes (kubelet.slice), k3d's (a docker container), a cgroup v2 path under a delegated root */
	check_pod("/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
		  "kubelet-kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" CID ".scope", "BestEffort");
	check_pod("/docker/" CID "/kubepods/burstable/pod" UID "/" CID, "Burstable");
}

TEST(paths_that_are_not_pods)
{
	struct kube_identity k;

	CHECK(kube_identity_from_cgroup("/", &k) == -ENOENT && !k.pod_uid[0]);
	CHECK(kube_identity_from_cgroup("/system.slice/docker-" CID ".scope", &k) == -ENOENT);
	CHECK(kube_identity_from_cgroup("/kubepods/burstable", &k) == -ENOENT);
	/* a pod-like name outside kubepods, a UID with the wrong separators or case, one character short */
	CHECK(kube_identity_from_cgroup("/user.slice/pod" UID, &k) == -ENOENT);
	CHECK(kube_identity_from_cgroup("/kubepods/burstable/pod" UID_, &k) == -ENOENT);
	CHECK(kube_identity_from_cgroup("/kubepods/burstable/pod6E7C1D2A-4b3f-4c5d-9e8f-0a1b2c3d4e5f", &k) == -ENOENT);
	CHECK(kube_identity_from_cgroup("/kubepods/burstable/pod6e7c1d2a-4b3f-4c5d-9e8f-0a1b2c3d4e5", &k) == -ENOENT);
	CHECK(kube_identity_from_cgroup("/kubepods.slice/kubepods-pod" UID ".slice", &k) == -ENOENT);
	CHECK(kube_identity_from_cgroup("", &k) == -ENOENT);
}

TEST(container_log_names)
{
	struct kube_identity k = { 0 };

	CHECK(kube_parse_container_log("api-7d9f8c6b5-x2x4z_shop_server-" CID ".log", CID, &k) == 0);
	CHECK_STR(k.pod, "api-7d9f8c6b5-x2x4z");
	CHECK_STR(k.namespace, "shop");
	CHECK_STR(k.container, "server");
	memset(&k, 0, sizeof(k));
	/* another container's link, and names that are not such links: nothing changes */
	CHECK(kube_parse_container_log("api_shop_server-" CID ".log",
				       "f123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", &k) == -ENOENT);
	CHECK(kube_parse_container_log("api_shop_server-" CID ".txt", CID, &k) == -EINVAL);
	CHECK(kube_parse_container_log("api_server-" CID ".log", CID, &k) == -EINVAL);
	CHECK(kube_parse_container_log("__-" CID ".log", CID, &k) == -EINVAL);
	CHECK(kube_parse_container_log("a_b_c_d-" CID ".log", CID, &k) == -EINVAL);
	CHECK(kube_parse_container_log(".", CID, &k) == -EINVAL);
	CHECK(!k.pod[0] && !k.namespace[0] && !k.container[0]);
}

TEST(pod_log_directory_names)
{
	struct kube_identity k = { 0 };

	CHECK(kube_parse_pod_log_dir("shop_api-7d9f8c6b5-x2x4z_" UID, &k) == -ENOENT);	/* no UID to match */
	snprintf(k.pod_uid, sizeof(k.pod_uid), "%s", UID);
	CHECK(kube_parse_pod_log_dir("shop_api-7d9f8c6b5-x2x4z_" UID, &k) == 0);
	CHECK_STR(k.namespace, "shop");
	CHECK_STR(k.pod, "api-7d9f8c6b5-x2x4z");
	CHECK(kube_parse_pod_log_dir("shop_" UID, &k) == -EINVAL);
	CHECK(kube_parse_pod_log_dir("_api_" UID, &k) == -EINVAL);
}

TEST(names_from_a_log_directory)
{
	char dir[] = "/tmp/gotrace-kube-XXXXXX", path[256];
	struct kube_identity k;

	CHECK(mkdtemp(dir) != NULL);
	CHECK(kube_identity_from_cgroup("/kubepods/pod" UID "/" CID, &k) == 0);
	CHECK(kube_names_from_logs(dir, CID, &k) == -ENOENT);	/* neither directory */
	snprintf(path, sizeof(path), "%s/pods", dir);
	CHECK(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/pods/shop_api-0_" UID, dir);
	CHECK(mkdir(path, 0755) == 0);
	CHECK(kube_names_from_logs(dir, CID, &k) == 0);		/* pods/ alone: no container name */
	CHECK_STR(k.namespace, "shop");
	CHECK_STR(k.pod, "api-0");
	CHECK(!k.container[0]);
	snprintf(path, sizeof(path), "%s/containers", dir);
	CHECK(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/containers/api-0_shop_server-" CID ".log", dir);
	CHECK(symlink("/nonexistent", path) == 0);
	CHECK(kube_names_from_logs(dir, CID, &k) == 0);
	CHECK_STR(k.container, "server");
	CHECK(unlink(path) == 0);
	snprintf(path, sizeof(path), "%s/containers", dir);
	CHECK(rmdir(path) == 0);
	snprintf(path, sizeof(path), "%s/pods/shop_api-0_" UID, dir);
	CHECK(rmdir(path) == 0);
	snprintf(path, sizeof(path), "%s/pods", dir);
	CHECK(rmdir(path) == 0);
	CHECK(rmdir(dir) == 0);
}

TEST(fields_in_label_order_only_those_known)
{
	struct kube_identity k;
	struct kube_field f[KUBE_FIELDS];

	CHECK(kube_identity_from_cgroup("/", &k) == -ENOENT);
	CHECK(kube_fields(&k, f) == 0);
	CHECK(kube_identity_from_cgroup("/kubepods/besteffort/pod" UID "/" CID, &k) == 0);
	snprintf(k.pod, sizeof(k.pod), "api-0");	/* from pods/: no container name */
	CHECK(kube_fields(&k, f) == 3);
	CHECK(!strcmp(f[0].name, "pod_uid") && !strcmp(f[0].value, UID));
	CHECK(!strcmp(f[1].name, "qos_class") && !strcmp(f[1].value, "BestEffort"));
	CHECK(!strcmp(f[2].name, "pod") && !strcmp(f[2].value, "api-0"));
}
