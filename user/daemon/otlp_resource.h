/* SPDX-License-Identifier: GPL-2.0 */
/* Who a traced process is, in OTLP: its labels as Resource attributes, the same for its metrics and its profiles
 * (pid -> process.pid, service -> service.name, container_id -> container.id, pod_uid -> k8s.pod.uid, namespace
 * -> k8s.namespace.name, pod -> k8s.pod.name, container -> k8s.container.name, executable ->
 * process.executable.name, go_version -> process.runtime.version with process.runtime.name "go"; comm, cgroup and
 * qos_class, which no convention names, as gotrace.comm, gotrace.cgroup, gotrace.k8s.qos_class). With none of
 * these labels, the resource is the daemon itself (service.name "gotrace"). Every resource has host.name, and
 * k8s.node.name in a cluster. */
#ifndef GOTRACE_OTLP_RESOURCE_H
#define GOTRACE_OTLP_RESOURCE_H

#include <stdbool.h>

#include "lib/prom.h"
#include "lib/protobuf.h"

#define OTLP_RESOURCE_LABELS 12

struct otlp_resource_label {
	const char *label, *attribute;
	bool integer;
};

extern const struct otlp_resource_label otlp_resource_labels[OTLP_RESOURCE_LABELS];

/* The daemon's own resource, and what every resource carries. */
struct otlp_self {
	const char *service_version;
	int pid;
	const char *host_name;
	const char *node_name;		/* NULL or "" outside Kubernetes */
};

/* Scratch buffers for the messages an attribute nests (KeyValue, AnyValue). */
struct otlp_attr_writer {
	struct pbuf key_value, any;
};

bool otlp_is_resource_label(const char *name);
/* values[i]: the value of otlp_resource_labels[i].label, or NULL. */
void otlp_resource_values(const struct prom_label *labels, int nlabels, const char *values[OTLP_RESOURCE_LABELS]);
/* A KeyValue as field of to: a string, or (integer) the decimal value as an int. */
void otlp_put_attribute(struct otlp_attr_writer *w, struct pbuf *to, int field, const char *key, const char *value,
			bool integer);
/* The Resource message's attributes into resource. */
void otlp_put_resource(struct otlp_attr_writer *w, struct pbuf *resource, const char *const values[OTLP_RESOURCE_LABELS],
		       const struct otlp_self *self);
void otlp_attr_writer_free(struct otlp_attr_writer *w);

#endif
