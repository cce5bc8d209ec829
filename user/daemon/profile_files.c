// SPDX-License-Identifier: GPL-2.0
/* Profile files and their retention. The directory is scanned once at open; after that an index sorted by
 * (time, name) answers "which is oldest" without a directory scan per write. All access goes through a
 * directory descriptor: a name never climbs out of the directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/cli.h"
#include "daemon/profile_files.h"

#define NS_PER_S 1000000000LL
#define SUFFIX ".pb.gz"
#define TIME_LEN 20			/* YYYYMMDDTHHMMSS.mmmZ */
#define SERVICE_MAX 63
#define TYPE_MAX 16
#define NAME_MAX_LEN (SERVICE_MAX + 1 + 7 + 1 + TYPE_MAX + 1 + TIME_LEN + sizeof(SUFFIX))
#define STALE_TEMP_NS (600 * NS_PER_S)

struct entry {
	char *name;
	int64_t time_ns;
	uint64_t size;
};

struct profile_files {
	int dirfd;
	struct profile_files_limits limits;
	struct entry *entries;		/* sorted oldest first */
	size_t n, cap;
	struct profile_files_stats stats;
	profile_files_clock now_ns;
	void *clock_ctx;
};

static int64_t wall_clock(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* ---- names ---- */

static bool service_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= SERVICE_MAX && s[0] != '.' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static bool type_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= TYPE_MAX && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

int profile_files_name(char *out, size_t size, const char *service, int pid, const char *type, int64_t time_ns)
{
	time_t secs = (time_t)(time_ns / NS_PER_S);
	char stamp[32];
	struct tm tm;
	int n;

	if (!service_ok(service) || !type_ok(type) || pid < 1 || pid > 4194304 || time_ns < 0 ||
	    !gmtime_r(&secs, &tm) || tm.tm_year + 1900 > 9999)
		return -EINVAL;
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	n = snprintf(out, size, "%s-%d-%s-%s.%03dZ" SUFFIX, service, pid, type, stamp,
		     (int)(time_ns % NS_PER_S / 1000000));
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* "YYYYMMDDTHHMMSS.mmmZ" to nanoseconds; only the canonical form (checked again by the caller's round trip). */
static int parse_time(const char *s, int64_t *time_ns)
{
	struct tm tm = { 0 };
	int ms;

	if (strspn(s, "0123456789") != 8 || s[8] != 'T' || strspn(s + 9, "0123456789") != 6 || s[15] != '.' ||
	    strspn(s + 16, "0123456789") != 3 || s[19] != 'Z')
		return -EINVAL;
	if (sscanf(s, "%4d%2d%2dT%2d%2d%2d.%3d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
		   &tm.tm_sec, &ms) != 7)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*time_ns = (int64_t)timegm(&tm) * NS_PER_S + ms * 1000000LL;
	return *time_ns >= 0 ? 0 : -EINVAL;
}

/* Whether name is one of ours (exactly what profile_files_name would write); its time if so. */
static bool own_name(const char *name, int64_t *time_ns)
{
	size_t n = strlen(name), slen = strlen(SUFFIX);
	char copy[NAME_MAX_LEN + 1], again[NAME_MAX_LEN + 1], *type, *pid_text, *dash;
	int pid;

	if (n >= sizeof(copy) || n < slen + TIME_LEN + 6 || strcmp(name + n - slen, SUFFIX) != 0)
		return false;
	memcpy(copy, name, n + 1);
	copy[n - slen] = '\0';
	if (copy[n - slen - TIME_LEN - 1] != '-' || parse_time(copy + n - slen - TIME_LEN, time_ns))
		return false;
	copy[n - slen - TIME_LEN - 1] = '\0';
	type = strrchr(copy, '-');
	if (!type)
		return false;
	*type++ = '\0';
	dash = strrchr(copy, '-');
	if (!dash)
		return false;
	*dash = '\0';
	pid_text = dash + 1;
	if (cli_parse_pid(pid_text, &pid))
		return false;
	return profile_files_name(again, sizeof(again), copy, pid, type, *time_ns) == 0 && !strcmp(again, name);
}

/* ".NAME.tmp" with NAME one of ours: a temporary file of this module. */
static bool own_temp(const char *name)
{
	size_t n = strlen(name);
	char inner[NAME_MAX_LEN + 1];
	int64_t t;

	if (name[0] != '.' || n < 6 || n - 5 > NAME_MAX_LEN || strcmp(name + n - 4, ".tmp") != 0)
		return false;
	memcpy(inner, name + 1, n - 5);
	inner[n - 5] = '\0';
	return own_name(inner, &t);
}

/* ---- the index ---- */

static int entry_cmp(const struct entry *a, int64_t time_ns, const char *name)
{
	if (a->time_ns != time_ns)
		return a->time_ns < time_ns ? -1 : 1;
	return strcmp(a->name, name);
}

/* Where (time, name) is or would go. */
static size_t lower_bound(const struct profile_files *s, int64_t time_ns, const char *name)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (entry_cmp(&s->entries[mid], time_ns, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool index_has(const struct profile_files *s, int64_t time_ns, const char *name)
{
	size_t i = lower_bound(s, time_ns, name);

	return i < s->n && !entry_cmp(&s->entries[i], time_ns, name);
}

static int index_add(struct profile_files *s, const char *name, int64_t time_ns, uint64_t size)
{
	size_t at;
	char *copy;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct entry *bigger = realloc(s->entries, cap * sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		s->entries = bigger;
		s->cap = cap;
	}
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	at = lower_bound(s, time_ns, name);
	memmove(&s->entries[at + 1], &s->entries[at], (s->n - at) * sizeof(*s->entries));
	s->entries[at] = (struct entry){ copy, time_ns, size };
	s->n++;
	s->stats.files++;
	s->stats.bytes += size;
	return 0;
}

/* Deletes the oldest file. A file that cannot be deleted leaves the index too: retrying it on every write would
 * not help; the failure is counted. */
static void delete_oldest(struct profile_files *s)
{
	struct entry *e = &s->entries[0];

	if (unlinkat(s->dirfd, e->name, 0) == 0 || errno == ENOENT)
		s->stats.deleted++;
	else
		s->stats.delete_errors++;
	s->stats.files--;
	s->stats.bytes -= e->size;
	free(e->name);
	memmove(&s->entries[0], &s->entries[1], (s->n - 1) * sizeof(*s->entries));
	s->n--;
}

/* ---- open and close ---- */

static void index_file(struct profile_files *s, const char *name, int64_t now)
{
	struct stat st;
	int64_t time_ns;

	if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
		return;
	if (own_name(name, &time_ns))
		index_add(s, name, time_ns, (uint64_t)st.st_size);
	else if (own_temp(name) && now - (st.st_mtim.tv_sec * NS_PER_S + st.st_mtim.tv_nsec) > STALE_TEMP_NS)
		unlinkat(s->dirfd, name, 0);	/* a crashed writer's; a live one renames within seconds */
}

static int scan(struct profile_files *s)
{
	int fd = dup(s->dirfd);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d)))
		index_file(s, de->d_name, wall_clock(NULL));
	closedir(d);
	return 0;
}

static int open_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		if (mkdir(dir, 0750) != 0 && errno != EEXIST)
			return -errno;
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	return fd < 0 ? -errno : fd;
}

int profile_files_open(const char *dir, const struct profile_files_limits *limits, struct profile_files **out)
{
	struct profile_files *s;
	int err;

	*out = NULL;
	if (!dir || !*dir)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->now_ns = wall_clock;
	if (limits)
		s->limits = *limits;
	s->dirfd = open_dir(dir);
	if (s->dirfd < 0) {
		err = s->dirfd;
		free(s);
		return err;
	}
	err = scan(s);
	if (err) {
		profile_files_close(s);
		return err;
	}
	*out = s;
	return 0;
}

void profile_files_close(struct profile_files *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->entries[i].name);
	free(s->entries);
	close(s->dirfd);
	free(s);
}

void profile_files_set_clock(struct profile_files *s, profile_files_clock now_ns, void *ctx)
{
	s->now_ns = now_ns ? now_ns : wall_clock;
	s->clock_ctx = ctx;
}

void profile_files_get_stats(const struct profile_files *s, struct profile_files_stats *st)
{
	*st = s->stats;
}

/* ---- retention ---- */

static bool over_limit(const struct profile_files *s, int64_t now)
{
	const struct profile_files_limits *l = &s->limits;

	if (!s->n)
		return false;
	if (l->max_age_ns && now - s->entries[0].time_ns > (int64_t)l->max_age_ns)
		return true;
	return s->n > 1 && ((l->max_count && s->n > l->max_count) || (l->max_bytes && s->stats.bytes > l->max_bytes));
}

int profile_files_enforce(struct profile_files *s)
{
	int64_t now = s->now_ns(s->clock_ctx);
	int deleted = 0;

	while (over_limit(s, now)) {
		delete_oldest(s);
		deleted++;
	}
	return deleted;
}

/* ---- writing ---- */

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The temporary file, written and flushed to disk, then renamed to name. */
static int write_file(struct profile_files *s, const char *name, const void *data, size_t len)
{
	char tmp[NAME_MAX_LEN + 8];
	int fd, err;

	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	fd = openat(s->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	err = write_all(fd, data, len);
	if (!err && fsync(fd) != 0)
		err = -errno;
	if (close(fd) != 0 && !err)
		err = -errno;
	if (!err && renameat(s->dirfd, tmp, s->dirfd, name) != 0)
		err = -errno;
	if (err)
		unlinkat(s->dirfd, tmp, 0);
	else
		fsync(s->dirfd);	/* the rename itself durable; best effort (some file systems refuse) */
	return err;
}

int profile_files_write(struct profile_files *s, const char *service, int pid, const char *type, int64_t time_ns,
			const void *pprof_gz, size_t len)
{
	char name[NAME_MAX_LEN + 1];
	int err = profile_files_name(name, sizeof(name), service, pid, type, time_ns);

	if (!err && !pprof_gz && len)
		err = -EINVAL;
	if (!err && index_has(s, time_ns / 1000000 * 1000000, name))
		err = -EEXIST;
	if (!err)
		err = write_file(s, name, pprof_gz, len);
	if (!err)
		err = index_add(s, name, time_ns / 1000000 * 1000000, len);
	if (err) {
		s->stats.write_errors++;
		return err;
	}
	s->stats.written++;
	profile_files_enforce(s);
	return 0;
}
