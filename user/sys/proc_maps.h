/* SPDX-License-Identifier: GPL-2.0 */
/* A process's memory map (/proc/PID/maps) parsed into address order, for finding the file behind a PC. */
#ifndef GOTRACE_PROC_MAPS_H
#define GOTRACE_PROC_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum proc_map_perm {
	PROC_MAP_READ = 1 << 0,
	PROC_MAP_WRITE = 1 << 1,
	PROC_MAP_EXEC = 1 << 2,
};

struct proc_map {
	uint64_t start, end;	/* [start, end) */
	uint64_t offset;	/* file offset mapped at start */
	uint64_t dev, ino;	/* dev as makedev(major, minor); ino 0 for anonymous memory */
	unsigned perms;		/* enum proc_map_perm */
	bool deleted;		/* the path ended in " (deleted)", which is removed from path */
	const char *path;	/* "" for anonymous memory, "[vdso]", "[heap]"... for the kernel's own */
};

struct proc_maps {
	struct proc_map *maps;	/* sorted by start, as the kernel lists them */
	size_t n;
	char *strings;		/* the paths */
};

/* Parses the text of a maps file (lines that do not parse are skipped). 0 or -ENOMEM. */
int proc_maps_parse(const char *text, struct proc_maps *out);
/* Reads /proc/PID/maps. 0, -ESRCH (no such process), -EACCES, -ENOMEM. */
int proc_maps_read(int pid, struct proc_maps *out);
void proc_maps_free(struct proc_maps *m);

/* Is the mapping's file a shared object (an absolute path ending in ".so" or holding ".so.")? */
bool proc_map_is_shared_object(const struct proc_map *m);

/* The mapping holding addr, or NULL. */
const struct proc_map *proc_maps_find(const struct proc_maps *m, uint64_t addr);

#endif
