// SPDX-License-Identifier: GPL-2.0
/* Loading and reading the fd_errors BPF object (fd_errors.h). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps/fd_errors.h"
#include "fd_errors.skel.h"
#include "lib/log.h"
#include "sys/tracefs.h"
#include "tracer/link_release.h"

const char *const fd_call_names[FD_CALLS] = { "accept", "socket", "open" };

struct fd_errors_tracer {
	struct fd_errors_bpf *skel;
};

/* Each call's tracepoint on its own: a kernel without one loses only that call. The links go into the skeleton,
 * which releases them with the object. */
static int attach_each(struct fd_errors_bpf *s)
{
	struct { struct bpf_program *prog; struct bpf_link **link; } all[] = {
		{ s->progs.handle_exit_accept4, &s->links.handle_exit_accept4 },
		{ s->progs.handle_exit_socket, &s->links.handle_exit_socket },
		{ s->progs.handle_exit_openat, &s->links.handle_exit_openat },
	};
	int attached = 0, err = -ENOENT;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		*all[i].link = bpf_program__attach(all[i].prog);
		if (*all[i].link) {
			attached++;
			continue;
		}
		err = -errno;
		*all[i].link = NULL;
		log_info("fd errors: %s not attached: %s", bpf_program__section_name(all[i].prog), strerror(-err));
	}
	return attached ? 0 : err;
}

int fd_errors_start(struct event_bus *bus, struct fd_errors_tracer **out, char *why, size_t why_size)
{
	struct fd_errors_tracer *t = calloc(1, sizeof(*t));
	bool mounted;
	int err;

	*out = NULL;
	if (!t)
		return -ENOMEM;
	err = tracefs_ensure(&mounted);
	if (!err && !(t->skel = fd_errors_bpf__open()))
		err = -errno;
	err = err ?: event_bus_adopt(bus, t->skel->obj);
	err = err ?: fd_errors_bpf__load(t->skel);
	err = err ?: attach_each(t->skel);
	if (err) {
		snprintf(why, why_size, "%s", strerror(-err));
		fd_errors_stop(t);
		return err;
	}
	*out = t;
	return 0;
}

int fd_errors_read(const struct fd_errors_tracer *t, uint32_t pid, struct fd_errors *out)
{
	int err = bpf_map__lookup_elem(t->skel->maps.fd_errors, &pid, sizeof(pid), out, sizeof(*out), 0);

	if (err == -ENOENT) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	return err;
}

void fd_errors_forget(struct fd_errors_tracer *t, uint32_t pid)
{
	bpf_map__delete_elem(t->skel->maps.fd_errors, &pid, sizeof(pid), 0);
}

void fd_errors_stop(struct fd_errors_tracer *t)
{
	if (!t)
		return;
	if (t->skel)	/* classic tracepoint links wait for grace periods: in the batch, overlapping the others */
		link_release_skeleton(t->skel->skeleton);
	fd_errors_bpf__destroy(t->skel);
	free(t);
}

uint64_t fd_errors_total(const __u64 *by_call)
{
	uint64_t n = 0;

	for (int i = 0; i < FD_CALLS; i++)
		n += by_call[i];
	return n;
}
