// SPDX-License-Identifier: GPL-2.0
/* One BPF ring buffer for all capabilities: records keep their commit order across programs, which the
 * throttling attribution needs, and user space polls one fd. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/membarrier.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracer/event_bus.h"

#define EVENT_TYPES 8

struct subscriber {
	event_fn fn;
	void *ctx;
};

struct event_bus {
	int ringbuf_fd;
	int targets_fd;
	int filter_fd;				/* target_filter (events.bpf.h) */
	uint32_t generation;			/* the last attach's: each gets the next (events.bpf.h, targets) */
	struct ring_buffer *rb;
	struct subscriber subs[EVENT_TYPES];
};

static int dispatch(void *ctx, void *data, size_t size)
{
	struct event_bus *bus = ctx;
	uint32_t type;

	if (size < sizeof(type))
		return 0;
	type = *(uint32_t *)data;
	if (type < EVENT_TYPES && bus->subs[type].fn)
		bus->subs[type].fn(data, size, bus->subs[type].ctx);
	return 0;
}

int event_bus_open(struct event_bus **out)
{
	struct event_bus *bus = calloc(1, sizeof(*bus));
	int err;

	if (!bus)
		return -ENOMEM;
	bus->targets_fd = bus->filter_fd = -1;
	bus->ringbuf_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "events", 0, 0, EVENTS_RINGBUF_SIZE, NULL);
	if (bus->ringbuf_fd < 0) {
		err = -errno;
		goto fail;
	}
	bus->targets_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "targets", sizeof(uint32_t), sizeof(uint32_t), 4096, NULL);
	if (bus->targets_fd < 0) {
		err = -errno;
		goto fail;
	}
	bus->filter_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "target_filter", sizeof(uint32_t), sizeof(uint32_t),
				       TARGET_FILTER_SLOTS, NULL);
	if (bus->filter_fd < 0) {
		err = -errno;
		goto fail;
	}
	bus->rb = ring_buffer__new(bus->ringbuf_fd, dispatch, bus, NULL);
	if (!bus->rb) {
		err = -errno;
		goto fail;
	}
	*out = bus;
	return 0;
fail:
	event_bus_close(bus);
	return err;
}

void event_bus_close(struct event_bus *bus)
{
	if (!bus)
		return;
	ring_buffer__free(bus->rb);
	if (bus->ringbuf_fd >= 0)
		close(bus->ringbuf_fd);
	if (bus->targets_fd >= 0)
		close(bus->targets_fd);
	if (bus->filter_fd >= 0)
		close(bus->filter_fd);
	free(bus);
}

int event_bus_adopt(struct event_bus *bus, struct bpf_object *obj)
{
	struct bpf_map *map;
	int err;

	map = bpf_object__find_map_by_name(obj, "events");
	if (map && (err = bpf_map__reuse_fd(map, bus->ringbuf_fd)))
		return err;
	map = bpf_object__find_map_by_name(obj, "targets");
	if (map && (err = bpf_map__reuse_fd(map, bus->targets_fd)))
		return err;
	map = bpf_object__find_map_by_name(obj, "target_filter");
	if (map && (err = bpf_map__reuse_fd(map, bus->filter_fd)))
		return err;
	return 0;
}

int event_bus_subscribe(struct event_bus *bus, enum event_type type, event_fn fn, void *ctx)
{
	if ((unsigned int)type >= EVENT_TYPES)
		return -EINVAL;
	bus->subs[type] = (struct subscriber){ fn, ctx };
	return 0;
}

/* Adds delta to the filter slot of tgid. Only this thread writes the filter; BPF programs only read it. */
static int filter_add(struct event_bus *bus, uint32_t tgid, int delta)
{
	uint32_t slot = tgid % TARGET_FILTER_SLOTS, n;

	if (bpf_map_lookup_elem(bus->filter_fd, &slot, &n))
		return -errno;
	n += delta;
	return bpf_map_update_elem(bus->filter_fd, &slot, &n, BPF_ANY) ? -errno : 0;
}

/* The filter's slot counts each process once: only a new entry of targets raises it. */
int event_bus_add_target(struct event_bus *bus, uint32_t tgid)
{
	int err;

	if (++bus->generation == 0)
		bus->generation = 1;	/* 0 means "not traced" to the programs */
	if (bpf_map_update_elem(bus->targets_fd, &tgid, &bus->generation, BPF_NOEXIST))
		return errno == EEXIST ? 0 : -errno;
	if ((err = filter_add(bus, tgid, 1)) != 0)
		bpf_map_delete_elem(bus->targets_fd, &tgid);
	return err;
}

/* Returns once every BPF program that was running when it was called has finished. Tracepoint and uprobe programs
 * (non-sleepable) run inside an RCU read-side section, and MEMBARRIER_CMD_GLOBAL waits for an RCU grace period
 * (about 10 ms on the 2-CPU test VM). It is refused on nohz_full kernels: there a program in flight may still
 * write an entry after the caller's sweep, which then stays (a per-thread state until its map's LRU bound, never
 * taken for the next attach's: it carries the old generation; a histogram entry for good). */
static void wait_for_programs_in_flight(void)
{
	syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
}

int event_bus_remove_target(struct event_bus *bus, uint32_t tgid, bool settle)
{
	int err;

	if (bpf_map_delete_elem(bus->targets_fd, &tgid))
		return -errno;
	err = filter_add(bus, tgid, -1);
	if (settle)
		wait_for_programs_in_flight();
	return err;
}

int event_bus_fd(const struct event_bus *bus)
{
	return ring_buffer__epoll_fd(bus->rb);
}

int event_bus_consume(struct event_bus *bus)
{
	return ring_buffer__consume(bus->rb);
}
