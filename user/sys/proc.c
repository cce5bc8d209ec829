// SPDX-License-Identifier: GPL-2.0
/* /proc access for one target process. Every file is read once, parsed defensively, and errors keep their errno
 * so that the caller can say "no such process" apart from "not permitted". */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sys/proc.h"

int proc_read_file(int pid, const char *name, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd, err;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, size - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err == -ESRCH ? -ESRCH : err;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* /proc/PID/stat: "pid (comm) state ppid ... starttime(22) ...": comm may hold spaces and parentheses, so fields
 * are counted from the last ')'. */
static int read_stat(int pid, char *state, uint64_t *start_time)
{
	char buf[1024], *p;
	int field;
	int err = proc_read_file(pid, "stat", buf, sizeof(buf));

	if (err)
		return err;
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -EINVAL;
	p += 2;
	*state = *p;
	for (field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p || sscanf(p, "%" SCNu64, start_time) != 1)
		return -EINVAL;
	return 0;
}

static int read_tgid(int pid, int *tgid)
{
	char buf[4096], *p;
	int err = proc_read_file(pid, "status", buf, sizeof(buf));

	if (err)
		return err;
	p = strstr(buf, "\nTgid:");
	if (!p || sscanf(p + 6, "%d", tgid) != 1)
		return -EINVAL;
	return 0;
}

static int read_exe(struct proc_target *t)
{
	char link[64];
	struct stat st;
	ssize_t n;

	snprintf(t->exe_path, sizeof(t->exe_path), "/proc/%d/exe", t->pid);
	if (stat(t->exe_path, &st) < 0)
		return errno == ENOENT ? -ESRCH : -errno;	/* kernel threads have no exe: ENOENT */
	t->exe_dev = st.st_dev;
	t->exe_ino = st.st_ino;
	snprintf(link, sizeof(link), "/proc/%d/exe", t->pid);
	n = readlink(link, t->exe_name, sizeof(t->exe_name) - 1);
	if (n < 0)
		return -errno;
	t->exe_name[n] = '\0';
	return 0;
}

int proc_target_open(int pid, struct proc_target *t)
{
	char state;
	int tgid, err;

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	err = read_stat(pid, &state, &t->start_time);
	if (err)
		return err;
	if (state == 'Z' || state == 'X')
		return -ESRCH;
	err = read_tgid(pid, &tgid);
	if (err)
		return err;
	if (tgid != pid)
		return -EINVAL;
	err = proc_read_file(pid, "comm", t->comm, sizeof(t->comm));
	if (err)
		return err;
	return read_exe(t);
}

bool proc_target_alive(const struct proc_target *t)
{
	uint64_t start_time;
	char state;

	if (read_stat(t->pid, &state, &start_time))
		return false;
	return start_time == t->start_time && state != 'Z' && state != 'X';
}

/* Finds the mapping of the executable with the lowest file offset; the ELF's first PT_LOAD is mapped there. */
int proc_target_load_bias(const struct proc_target *t, uint64_t min_vaddr, uint64_t *bias)
{
	char path[64], line[4096];
	uint64_t best_start = 0, best_off = UINT64_MAX;
	long page = sysconf(_SC_PAGESIZE);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", t->pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f)) {
		uint64_t start, end, off, ino;
		unsigned int maj, min;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*4s %" SCNx64 " %x:%x %" SCNu64, &start, &end, &off, &maj,
			   &min, &ino) != 6)
			continue;
		if (ino != (uint64_t)t->exe_ino || makedev(maj, min) != t->exe_dev)
			continue;
		if (off < best_off) {
			best_off = off;
			best_start = start;
		}
	}
	fclose(f);
	if (best_off == UINT64_MAX)
		return -ENOENT;
	*bias = best_start - best_off - (min_vaddr & ~(uint64_t)(page - 1));
	return 0;
}

int proc_read_mem(int pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

int proc_thread_count(int pid)
{
	char buf[4096], *p;
	int n, err = proc_read_file(pid, "status", buf, sizeof(buf));

	if (err)
		return err;
	p = strstr(buf, "\nThreads:");
	if (!p || sscanf(p + 9, "%d", &n) != 1)
		return -EINVAL;
	return n;
}

int proc_count_fds(int pid, uint64_t *n)
{
	char path[64];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return -errno;
	*n = 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			(*n)++;
	closedir(d);
	return 0;
}

static int parse_limit_value(const char *s, const char **end, uint64_t *v)
{
	char *e;

	while (*s == ' ')
		s++;
	if (!strncmp(s, "unlimited", 9)) {
		*v = UINT64_MAX;
		*end = s + 9;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &e, 10);
	*end = e;
	return errno ? -EINVAL : 0;
}

int proc_parse_nofile_limit(const char *limits, uint64_t *soft, uint64_t *hard)
{
	const char *line = strstr(limits, "Max open files "), *p;

	if (!line || (line != limits && line[-1] != '\n'))
		return -EINVAL;
	p = line + strlen("Max open files ");
	return parse_limit_value(p, &p, soft) ?: parse_limit_value(p, &p, hard);
}

int proc_nofile_limit(int pid, uint64_t *soft, uint64_t *hard)
{
	char buf[4096];
	int err = proc_read_file(pid, "limits", buf, sizeof(buf));

	return err ?: proc_parse_nofile_limit(buf, soft, hard);
}
