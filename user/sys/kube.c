// SPDX-License-Identifier: GPL-2.0
/* Kubernetes identity from cgroup paths and the kubelet's log names (kube.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sys/kube.h"

/* A pod UID at s: 8-4-4-4-12 lowercase hex, separated by sep ('-' cgroupfs, '_' systemd). */
static bool is_uid(const char *s, char sep)
{
	for (int i = 0; i < KUBE_UID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != sep : !(isdigit((unsigned char)s[i]) || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

static void copy_uid(char *dst, const char *src)
{
	for (int i = 0; i < KUBE_UID_LEN; i++)
		dst[i] = src[i] == '_' ? '-' : src[i];
	dst[KUBE_UID_LEN] = '\0';
}

/* The pod's cgroup: "pod<uid>" (cgroupfs), or "...-pod<uid_>.slice" (systemd). NULL when c is not one. */
static const char *pod_uid_in(const char *c, size_t len)
{
	static const char slice[] = ".slice";
	size_t tail = 3 + KUBE_UID_LEN + sizeof(slice) - 1;

	if (len == 3 + KUBE_UID_LEN && !strncmp(c, "pod", 3) && is_uid(c + 3, '-'))
		return c + 3;
	if (len > tail && c[len - tail - 1] == '-' && !strncmp(c + len - tail, "pod", 3) &&
	    is_uid(c + len - tail + 3, '_') && !strncmp(c + len - sizeof(slice) + 1, slice, sizeof(slice) - 1))
		return c + len - tail + 3;
	return NULL;
}

/* The QoS class a component names: "burstable", "kubepods-burstable.slice", "kubelet-kubepods-besteffort.slice". */
static const char *qos_in(const char *c, size_t len)
{
	static const struct { const char *word, *name; } classes[] = {
		{ "burstable", "Burstable" }, { "besteffort", "BestEffort" },
	};

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		size_t w = strlen(classes[i].word);

		if ((len == w && !strncmp(c, classes[i].word, w)) ||
		    (len >= w + 7 && !strncmp(c + len - w - 6, classes[i].word, w) && !strncmp(c + len - 6, ".slice", 6) &&
		     c[len - w - 7] == '-'))
			return classes[i].name;
	}
	return NULL;
}

int kube_fields(const struct kube_identity *k, struct kube_field out[KUBE_FIELDS])
{
	const struct kube_field all[KUBE_FIELDS] = {
		{ "pod_uid", k->pod_uid }, { "qos_class", k->qos_class }, { "namespace", k->namespace },
		{ "pod", k->pod }, { "container", k->container },
	};
	int n = 0;

	for (int i = 0; i < KUBE_FIELDS && k->pod_uid[0]; i++)
		if (all[i].value[0])
			out[n++] = all[i];
	return n;
}

int kube_identity_from_cgroup(const char *path, struct kube_identity *k)
{
	const char *qos = NULL, *c = path;
	bool in_kubepods = false;

	memset(k, 0, sizeof(*k));
	while (*c) {
		size_t len = strcspn(c, "/");
		const char *uid;

		if (len && memmem(c, len, "kubepods", 8))
			in_kubepods = true;
		if (in_kubepods && len && (uid = pod_uid_in(c, len))) {
			copy_uid(k->pod_uid, uid);
			snprintf(k->qos_class, sizeof(k->qos_class), "%s", qos ? qos : "Guaranteed");
			return 0;
		}
		if (in_kubepods && len && !qos)
			qos = qos_in(c, len);
		c += len + (c[len] == '/');
	}
	return -ENOENT;
}

/* Copies [s, s + len) into dst when it fits and holds neither '_' nor '/'; else false. */
static bool take(char *dst, size_t size, const char *s, size_t len)
{
	if (!len || len >= size || memchr(s, '_', len) || memchr(s, '/', len))
		return false;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

int kube_parse_container_log(const char *name, const char *container_id, struct kube_identity *k)
{
	size_t n = strlen(name), id_len = container_id ? strlen(container_id) : 0;
	const char *u1, *u2, *end;
	struct kube_identity t = *k;

	if (n < 4 + 1 + 64 || strcmp(name + n - 4, ".log") || name[n - 4 - 64 - 1] != '-')
		return -EINVAL;
	end = name + n - 4 - 64 - 1;
	if (!(u1 = memchr(name, '_', (size_t)(end - name))) || !(u2 = memchr(u1 + 1, '_', (size_t)(end - u1 - 1))))
		return -EINVAL;
	if (!take(t.pod, sizeof(t.pod), name, (size_t)(u1 - name)) ||
	    !take(t.namespace, sizeof(t.namespace), u1 + 1, (size_t)(u2 - u1 - 1)) ||
	    !take(t.container, sizeof(t.container), u2 + 1, (size_t)(end - u2 - 1)))
		return -EINVAL;
	if (id_len != 64 || strncmp(end + 1, container_id, 64))
		return -ENOENT;
	*k = t;
	return 0;
}

int kube_parse_pod_log_dir(const char *name, struct kube_identity *k)
{
	size_t n = strlen(name);
	const char *u1 = strchr(name, '_');
	struct kube_identity t = *k;

	if (n < KUBE_UID_LEN + 4 || name[n - KUBE_UID_LEN - 1] != '_' || !is_uid(name + n - KUBE_UID_LEN, '-') || !u1 ||
	    u1 >= name + n - KUBE_UID_LEN - 1)
		return -EINVAL;
	if (!take(t.namespace, sizeof(t.namespace), name, (size_t)(u1 - name)) ||
	    !take(t.pod, sizeof(t.pod), u1 + 1, (size_t)(name + n - KUBE_UID_LEN - 1 - u1 - 1)))
		return -EINVAL;
	if (!k->pod_uid[0] || strcmp(name + n - KUBE_UID_LEN, k->pod_uid))
		return -ENOENT;
	*k = t;
	return 0;
}

static int scan(const char *dir, int (*match)(const char *name, const void *arg, struct kube_identity *k),
		const void *arg, struct kube_identity *k)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int err = -ENOENT;

	if (!d)
		return -errno;
	while (err && (e = readdir(d)))
		err = match(e->d_name, arg, k) ? -ENOENT : 0;
	closedir(d);
	return err;
}

static int match_container(const char *name, const void *id, struct kube_identity *k)
{
	return kube_parse_container_log(name, id, k);
}

static int match_pod(const char *name, const void *unused, struct kube_identity *k)
{
	(void)unused;
	return kube_parse_pod_log_dir(name, k);
}

int kube_names_from_logs(const char *log_dir, const char *container_id, struct kube_identity *k)
{
	char dir[4096];
	int err = -ENOENT;

	if (container_id && strlen(container_id) == 64) {
		snprintf(dir, sizeof(dir), "%s/containers", log_dir);
		err = scan(dir, match_container, container_id, k);
		if (!err)
			return 0;
	}
	if (!k->pod_uid[0])
		return err == -ENOENT || err == -ENOTDIR ? -ENOENT : err;
	snprintf(dir, sizeof(dir), "%s/pods", log_dir);
	err = scan(dir, match_pod, NULL, k);
	return err == -ENOTDIR ? -ENOENT : err;
}
