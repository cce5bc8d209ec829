// SPDX-License-Identifier: GPL-2.0
/* A process's labels as OTLP resource attributes (otlp_resource.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/otlp_resource.h"

/* Field numbers of opentelemetry/proto/common/v1 and resource/v1. */
enum { KEY_VALUE_KEY = 1, KEY_VALUE_VALUE = 2 };
enum { ANY_STRING = 1, ANY_INT = 3 };
enum { RESOURCE_ATTRIBUTES = 1 };

const struct otlp_resource_label otlp_resource_labels[OTLP_RESOURCE_LABELS] = {
	{ "service", "service.name", false },
	{ "pid", "process.pid", true },
	{ "executable", "process.executable.name", false },
	{ "go_version", "process.runtime.version", false },
	{ "comm", "gotrace.comm", false },
	{ "cgroup", "gotrace.cgroup", false },
	{ "container_id", "container.id", false },
	{ "pod_uid", "k8s.pod.uid", false },
	{ "namespace", "k8s.namespace.name", false },
	{ "pod", "k8s.pod.name", false },
	{ "container", "k8s.container.name", false },
	{ "qos_class", "gotrace.k8s.qos_class", false },
};

bool otlp_is_resource_label(const char *name)
{
	for (size_t i = 0; i < OTLP_RESOURCE_LABELS; i++)
		if (!strcmp(otlp_resource_labels[i].label, name))
			return true;
	return false;
}

void otlp_resource_values(const struct prom_label *labels, int nlabels, const char *values[OTLP_RESOURCE_LABELS])
{
	for (size_t i = 0; i < OTLP_RESOURCE_LABELS; i++) {
		values[i] = NULL;
		for (int j = 0; j < nlabels; j++)
			if (!strcmp(labels[j].name, otlp_resource_labels[i].label))
				values[i] = labels[j].value;
	}
}

void otlp_put_attribute(struct otlp_attr_writer *w, struct pbuf *to, int field, const char *key, const char *value,
			bool integer)
{
	if (integer)
		pb_put_int_always(&w->any, ANY_INT, strtoll(value, NULL, 10));
	else
		pb_put_bytes(&w->any, ANY_STRING, value, strlen(value));
	pb_put_string(&w->key_value, KEY_VALUE_KEY, key);
	pb_put_message(&w->key_value, KEY_VALUE_VALUE, &w->any);
	pb_put_message(to, field, &w->key_value);
}

void otlp_put_resource(struct otlp_attr_writer *w, struct pbuf *resource, const char *const values[OTLP_RESOURCE_LABELS],
		       const struct otlp_self *self)
{
	bool any = false;
	char pid[16];

	for (size_t i = 0; i < OTLP_RESOURCE_LABELS; i++) {
		if (!values[i] || !*values[i])
			continue;
		any = true;
		otlp_put_attribute(w, resource, RESOURCE_ATTRIBUTES, otlp_resource_labels[i].attribute, values[i],
				   otlp_resource_labels[i].integer);
		if (!strcmp(otlp_resource_labels[i].label, "go_version"))
			otlp_put_attribute(w, resource, RESOURCE_ATTRIBUTES, "process.runtime.name", "go", false);
	}
	if (!any) {
		snprintf(pid, sizeof(pid), "%d", self->pid);
		otlp_put_attribute(w, resource, RESOURCE_ATTRIBUTES, "service.name", "gotrace", false);
		otlp_put_attribute(w, resource, RESOURCE_ATTRIBUTES, "service.version", self->service_version, false);
		otlp_put_attribute(w, resource, RESOURCE_ATTRIBUTES, "process.pid", pid, true);
	}
	if (self->host_name && *self->host_name)
		otlp_put_attribute(w, resource, RESOURCE_ATTRIBUTES, "host.name", self->host_name, false);
	if (self->node_name && *self->node_name)
		otlp_put_attribute(w, resource, RESOURCE_ATTRIBUTES, "k8s.node.name", self->node_name, false);
}

void otlp_attr_writer_free(struct otlp_attr_writer *w)
{
	pb_free(&w->key_value);
	pb_free(&w->any);
}
