// SPDX-License-Identifier: GPL-2.0
/* The kernel tells about execs and exits as they happen; /proc scans catch what happened before the daemon
 * started and anything an overflowing ring buffer dropped. */
#include <bpf/libbpf.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/attach_kind.h"
#include "tracer/link_release.h"
#include "tracer/discovery.h"
#include "procs.skel.h"

struct discovery {
	struct procs_bpf *skel;
	discovery_fn fn;
	void *ctx;
};

static void on_proc(const void *data, size_t size, void *arg)
{
	const struct process_event *e = data;
	struct discovery *d = arg;

	if (size >= sizeof(*e))
		d->fn((int)e->pid, e->change, d->ctx);
}

struct discovery_start {
	struct discovery *d;
	struct event_bus *bus;
};

static int start_kind(void *arg, enum attach_kind kind, char *why, size_t why_size)
{
	struct discovery_start *start = arg;
	struct procs_bpf *skel = procs_bpf__open();
	int err;

	if (!skel)
		return attach_kind_open_failed(why, why_size);
	attach_kind_autoload(skel->obj, NULL, kind);
	err = event_bus_adopt(start->bus, skel->obj);
	if (!err)
		err = procs_bpf__load(skel);
	if (!err)
		err = procs_bpf__attach(skel);
	if (err) {
		procs_bpf__destroy(skel);
		snprintf(why, why_size, "%s", strerror(-err));
		return err;
	}
	start->d->skel = skel;
	return 0;
}

int discovery_open(struct event_bus *bus, discovery_fn fn, void *ctx, struct discovery **out, char *note,
		   size_t note_size)
{
	struct discovery *d = calloc(1, sizeof(*d));
	struct discovery_start start = { d, bus };
	char why[512];
	int err;

	if (!d)
		return -ENOMEM;
	d->fn = fn;
	d->ctx = ctx;
	err = attach_kind_start("discovery", ATTACH_TP_BTF, start_kind, &start, why, sizeof(why));
	if (!err && (err = event_bus_subscribe(bus, EVENT_PROC, on_proc, d)))
		snprintf(why, sizeof(why), "%s", strerror(-err));
	if (err) {
		snprintf(note, note_size, "exec/exit events unavailable (%s): new processes are found by /proc scans only",
			 why);
		discovery_close(d);
		return err;
	}
	*out = d;
	return 0;
}

void discovery_close(struct discovery *d)
{
	if (!d)
		return;
	if (d->skel)
		link_release_skeleton(d->skel->skeleton);
	procs_bpf__destroy(d->skel);
	free(d);
}

uint64_t discovery_events_lost(const struct discovery *d)
{
	return __atomic_load_n(&d->skel->bss->events_lost, __ATOMIC_RELAXED);
}

int discovery_scan(discovery_fn fn, void *ctx)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		char *end;
		long pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		fn((int)pid, PROC_EXEC, ctx);	/* /proc lists processes only: threads live under task/ */
		n++;
	}
	closedir(dir);
	return n;
}
