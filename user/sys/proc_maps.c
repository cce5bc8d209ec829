// SPDX-License-Identifier: GPL-2.0
/* /proc/PID/maps parsing. Lines look like
 *   7fe5f2eff000-7fe5f3055000 r-xp 00026000 fe:00 326269    /usr/lib/x86_64-linux-gnu/libc.so.6
 * and a path may hold spaces, so it is whatever follows the inode after the padding. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sys/proc_maps.h"

#define DELETED_SUFFIX " (deleted)"

static unsigned parse_perms(const char *p)
{
	return (p[0] == 'r' ? PROC_MAP_READ : 0) | (p[1] == 'w' ? PROC_MAP_WRITE : 0) |
	       (p[2] == 'x' ? PROC_MAP_EXEC : 0);
}

/* Fills m from one line (path offset into *path_at, length into *path_len); false when it does not parse. */
static bool parse_line(const char *line, size_t len, struct proc_map *m, size_t *path_at, size_t *path_len)
{
	char perms[5];
	unsigned int maj, min;
	int consumed = 0;
	size_t at, end;

	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %" SCNu64 "%n", &m->start, &m->end, perms,
		   &m->offset, &maj, &min, &m->ino, &consumed) != 7 || m->end <= m->start || strlen(perms) != 4)
		return false;
	/* sscanf reads on past the newline: fields it found on the next line are not this line's. */
	if ((size_t)consumed > len)
		return false;
	m->perms = parse_perms(perms);
	m->dev = makedev(maj, min);
	at = consumed;
	while (at < len && line[at] == ' ')
		at++;
	end = len;
	m->deleted = end - at >= strlen(DELETED_SUFFIX) &&
		     memcmp(line + end - strlen(DELETED_SUFFIX), DELETED_SUFFIX, strlen(DELETED_SUFFIX)) == 0;
	if (m->deleted)
		end -= strlen(DELETED_SUFFIX);
	*path_at = at;
	*path_len = end - at;
	return true;
}

static size_t count_lines(const char *text)
{
	size_t n = 1;

	for (const char *p = text; (p = strchr(p, '\n')); p++)
		n++;
	return n;
}

int proc_maps_parse(const char *text, struct proc_maps *out)
{
	size_t cap = count_lines(text), used = 0;

	memset(out, 0, sizeof(*out));
	out->maps = calloc(cap, sizeof(*out->maps));
	out->strings = malloc(strlen(text) + 1);	/* paths are substrings: never longer than the text */
	if (!out->maps || !out->strings) {
		proc_maps_free(out);
		return -ENOMEM;
	}
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n"), at, plen;
		struct proc_map m = { 0 };

		/* The kernel lists mappings by address, none overlapping, and proc_maps_find's binary search relies
		 * on that: a line that breaks the order is not a mapping of this process. */
		if (parse_line(line, len, &m, &at, &plen) && (!out->n || m.start >= out->maps[out->n - 1].end)) {
			memcpy(out->strings + used, line + at, plen);
			out->strings[used + plen] = '\0';
			m.path = (const char *)(uintptr_t)used;	/* made a pointer once the buffer is final */
			used += plen + 1;
			out->maps[out->n++] = m;
		}
		line += len + (line[len] == '\n');
	}
	for (size_t i = 0; i < out->n; i++)
		out->maps[i].path = out->strings + (uintptr_t)out->maps[i].path;
	return 0;
}

/* The whole file: /proc files report size 0, so read until EOF. */
static int read_all(const char *path, char **out)
{
	size_t len = 0, cap = 16384;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0 || !buf) {
		err = fd < 0 ? (errno == ENOENT ? -ESRCH : -errno) : -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 == cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				err = -ENOMEM;
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			err = errno == ESRCH ? -ESRCH : -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
out:
	if (fd >= 0)
		close(fd);
	if (err)
		free(buf);
	else
		*out = buf;
	return err;
}

int proc_maps_read(int pid, struct proc_maps *out)
{
	char path[64], *text;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	err = read_all(path, &text);
	if (err)
		return err;
	err = proc_maps_parse(text, out);
	free(text);
	return err;
}

void proc_maps_free(struct proc_maps *m)
{
	free(m->maps);
	free(m->strings);
	memset(m, 0, sizeof(*m));
}

const struct proc_map *proc_maps_find(const struct proc_maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < m->maps[mid].start)
			hi = mid;
		else if (addr >= m->maps[mid].end)
			lo = mid + 1;
		else
			return &m->maps[mid];
	}
	return NULL;
}

bool proc_map_is_shared_object(const struct proc_map *m)
{
	const char *so = m->path;

	if (so[0] != '/')
		return false;	/* anonymous memory, [vdso] and the like */
	while ((so = strstr(so, ".so")) != NULL) {
		if (so[3] == '\0' || so[3] == '.')
			return true;
		so += 3;
	}
	return false;
}
