// SPDX-License-Identifier: GPL-2.0
/* The kernel counts each program's run time only while someone holds a BPF_ENABLE_STATS descriptor (the counting
 * itself costs two clock reads per run). Programs are found through our own descriptors, which is every program
 * of every capability without them having to report. */
#include <bpf/bpf.h>
#include <dirent.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tracer/bpf_cost.h"

void bpf_cost_start(struct bpf_cost *c)
{
	c->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (c->stats_fd < 0)
		c->stats_fd = -1;
}

void bpf_cost_stop(struct bpf_cost *c)
{
	if (c->stats_fd >= 0)
		close(c->stats_fd);
	c->stats_fd = -1;
}

static bool is_prog_fd(const char *name)
{
	char path[300], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%s", name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	return strcmp(target, "anon_inode:bpf-prog") == 0;
}

bool bpf_cost_read(const struct bpf_cost *c, uint64_t *run_ns, uint64_t *runs)
{
	DIR *dir;
	struct dirent *de;

	*run_ns = *runs = 0;
	if (c->stats_fd < 0 || !(dir = opendir("/proc/self/fd")))
		return false;
	while ((de = readdir(dir))) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);

		if (!is_prog_fd(de->d_name) || bpf_obj_get_info_by_fd(atoi(de->d_name), &info, &len))
			continue;
		*run_ns += info.run_time_ns;
		*runs += info.run_cnt;
	}
	closedir(dir);
	return true;
}
