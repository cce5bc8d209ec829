// SPDX-License-Identifier: GPL-2.0
/* Batched link destruction: one thread per link, so that the kernel's grace-period waits overlap. */
#include <bpf/libbpf.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "lib/event_loop.h"
#include "tracer/link_release.h"

/* Plenty for a trace (a dozen slow links) and for the daemon's shutdown (probes of many executables); beyond it
 * a thread takes several links in turn. The threads only sleep in the kernel: their number costs no CPU. */
#define MAX_THREADS 64
#define THREAD_STACK (256 * 1024)

struct pending_link {
	struct bpf_link *link;
	uint64_t took_ns;
};

static struct pending_link *pending;
static size_t npending, pending_cap;
static int depth;

struct destroyer {
	pthread_t thread;
	size_t first, stride;
	bool started;
};

void link_release_begin(void)
{
	depth++;
}

void link_release(struct bpf_link *link)
{
	if (!link)
		return;
	/* no room to defer: destroying now is slower, never wrong */
	if (depth == 0 || array_reserve(&pending, &pending_cap, npending + 1, sizeof(*pending), 16)) {
		bpf_link__destroy(link);
		return;
	}
	pending[npending++] = (struct pending_link){ link, 0 };
}

void link_release_skeleton(struct bpf_object_skeleton *skel)
{
	for (int i = 0; skel && i < skel->prog_cnt; i++) {
		struct bpf_link **link = skel->progs[i].link;

		if (link) {
			link_release(*link);
			*link = NULL;
		}
	}
}

static void *destroy_links(void *arg)
{
	const struct destroyer *d = arg;

	for (size_t i = d->first; i < npending; i += d->stride) {
		uint64_t t0 = monotonic_ns();

		bpf_link__destroy(pending[i].link);
		pending[i].took_ns = monotonic_ns() - t0;
	}
	return NULL;
}

static void destroy_pending(void)
{
	struct destroyer d[MAX_THREADS];
	size_t nthreads = npending < MAX_THREADS ? npending : MAX_THREADS;
	pthread_attr_t attr;
	bool attr_ok = pthread_attr_init(&attr) == 0;

	if (attr_ok)
		pthread_attr_setstacksize(&attr, THREAD_STACK);
	for (size_t i = 0; i < nthreads; i++) {
		d[i] = (struct destroyer){ .first = i, .stride = nthreads };
		d[i].started = pthread_create(&d[i].thread, attr_ok ? &attr : NULL, destroy_links, &d[i]) == 0;
	}
	for (size_t i = 0; i < nthreads; i++) {
		if (d[i].started)
			pthread_join(d[i].thread, NULL);
		else
			destroy_links(&d[i]);	/* no thread to spare: this share waits in turn */
	}
	if (attr_ok)
		pthread_attr_destroy(&attr);
}

void link_release_end(struct link_release_stats *stats)
{
	uint64_t t0 = monotonic_ns();

	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (depth == 0 || --depth > 0)
		return;
	destroy_pending();
	if (stats) {
		stats->links = npending;
		stats->elapsed_ns = monotonic_ns() - t0;
		for (size_t i = 0; i < npending; i++)
			if (pending[i].took_ns > stats->slowest_ns)
				stats->slowest_ns = pending[i].took_ns;
	}
	free(pending);
	pending = NULL;
	npending = pending_cap = 0;
}
