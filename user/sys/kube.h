/* SPDX-License-Identifier: GPL-2.0 */
/* Who a process is in a Kubernetes cluster, from what every node has without API credentials: the pod's UID and
 * QoS class from its cgroup path (the kubelet names pod cgroups after them, with the cgroupfs driver
 * ".../kubepods/burstable/pod<uid>/<container>" or the systemd one ".../kubepods-burstable-pod<uid_>.slice/..."),
 * and the namespace, pod and container names from the kubelet's log links
 * (/var/log/containers/<pod>_<namespace>_<container>-<container id>.log) or, without a container id, its pod log
 * directories (/var/log/pods/<namespace>_<pod>_<uid>/). Pure parsing but for the directory reads; unit-tested and
 * fuzzed. */
#ifndef GOTRACE_KUBE_H
#define GOTRACE_KUBE_H

#include <stddef.h>

#define KUBE_UID_LEN 36
#define KUBE_LOG_DIR "/var/log"	/* the kubelet's default --log-dir parent: containers/ and pods/ */

struct kube_identity {
	char pod_uid[KUBE_UID_LEN + 1];	/* 8-4-4-4-12 lowercase hex with dashes, as Kubernetes writes it; "" */
	char qos_class[16];		/* "Guaranteed", "Burstable", "BestEffort" (the API's spelling); "" */
	char namespace[64];		/* DNS labels: 63 characters at most; "" when the node does not show it */
	char pod[254];			/* a DNS subdomain: 253 at most */
	char container[64];
};

#define KUBE_FIELDS 5

struct kube_field {
	const char *name, *value;
};

/* The fields of k that have a value, as the labels and JSON members of a process in a pod are named: pod_uid,
 * qos_class, then namespace, pod and container where the node showed them. How many (0 outside a pod). */
int kube_fields(const struct kube_identity *k, struct kube_field out[KUBE_FIELDS]);
/* The pod UID and QoS class in a cgroup path (v1 or v2, nested under another runtime's cgroup too). 0, or
 * -ENOENT when the path is not a pod's. */
int kube_identity_from_cgroup(const char *path, struct kube_identity *k);
/* One name of the containers directory, "<pod>_<namespace>_<container>-<64 hex>.log": fills the names when its id
 * is container_id. 0, -ENOENT (another container's) or -EINVAL (not such a name). */
int kube_parse_container_log(const char *name, const char *container_id, struct kube_identity *k);
/* One name of the pods directory, "<namespace>_<pod>_<uid>": fills namespace and pod when its uid is k's. 0,
 * -ENOENT or -EINVAL. */
int kube_parse_pod_log_dir(const char *name, struct kube_identity *k);
/* The names from log_dir (normally /var/log): containers/ by container_id (may be NULL or ""), else pods/ by the
 * pod UID. 0 when something was found, -ENOENT when not, other negative errnos when a directory cannot be read. */
int kube_names_from_logs(const char *log_dir, const char *container_id, struct kube_identity *k);

#endif
