/* SPDX-License-Identifier: GPL-2.0 */
/* The maps every capability shares (the event ring buffer, the set of traced processes) and the dispatch of
 * ring buffer records to the capability that understands them. */
#ifndef GOTRACE_EVENT_BUS_H
#define GOTRACE_EVENT_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/events.h"

struct bpf_object;
struct event_bus;

/* Called with one record; size is what the BPF side submitted. */
typedef void (*event_fn)(const void *data, size_t size, void *ctx);

/* 0 or a negative errno (-EPERM: no CAP_BPF). */
int event_bus_open(struct event_bus **out);
void event_bus_close(struct event_bus *bus);

/* Before bpf_object__load: points the object's "events" and "targets" maps (if it has them) at the shared
 * ones. 0 or negative errno. */
int event_bus_adopt(struct event_bus *bus, struct bpf_object *obj);

int event_bus_subscribe(struct event_bus *bus, enum event_type type, event_fn fn, void *ctx);
int event_bus_add_target(struct event_bus *bus, uint32_t tgid);
/* Out of the targets map: the programs write nothing more for the process. With settle, returns only once every
 * program that had already read its entry has finished too (an RCU grace period, ~10 ms), so that what the caller
 * deletes from the maps next stays deleted; without it (teardown: the maps go anyway), at once. */
int event_bus_remove_target(struct event_bus *bus, uint32_t tgid, bool settle);

/* For the caller's epoll loop: the fd, and draining every pending record. */
int event_bus_fd(const struct event_bus *bus);
int event_bus_consume(struct event_bus *bus);

#endif
