// SPDX-License-Identifier: GPL-2.0
/* Finds a process's cgroup CPU quota, cpuset and throttling counters from /proc and the cgroup filesystems.
 * Every file is untrusted text: parsed whole, bounds-checked, numbers range-checked. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/cgroup.h"

#define CG_FILE_MAX	(16u << 20)	/* mountinfo of a busy host runs to megabytes; nothing else comes close */
#define CG_CPU_MAX	65535		/* above any NR_CPUS the kernel allows */
#define CG_PERIOD_MAX	1000000		/* the kernel refuses CFS periods over 1 s */
#define CG_QUOTA_MAX	(INT64_MAX / 1000)	/* so that quota in ns fits */

/* ---- text helpers ---- */

/* Decimal digits in [s, end), no sign, at most max. */
static int parse_u64(const char *s, const char *end, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s >= end)
		return -EINVAL;
	for (; s < end; s++) {
		unsigned int d = (unsigned char)*s - '0';

		if (d > 9)
			return -EINVAL;
		if (d > max || v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Next '\n'-terminated line of *pos: 1 with the line, 0 at the end, -EINVAL when the text stops mid-line. */
static int next_line(const char **pos, const char **line, const char **end)
{
	const char *nl;

	if (!**pos)
		return 0;
	nl = strchr(*pos, '\n');
	if (!nl)
		return -EINVAL;
	*line = *pos;
	*end = nl;
	*pos = nl + 1;
	return 1;
}

/* Next sep-separated field of [*pos, end) (possibly empty); false when none is left. */
static bool next_field(const char **pos, const char *end, char sep, const char **field, const char **field_end)
{
	const char *p = *pos;

	if (p > end)
		return false;
	*field = p;
	while (p < end && *p != sep)
		p++;
	*field_end = p;
	*pos = p + 1;
	return true;
}

static bool span_is(const char *s, const char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - s) == n && memcmp(s, word, n) == 0;
}

/* Whether the sep-separated list [s, end) holds word exactly ("cpu" is not in "cpuacct,cpuset"). */
static bool list_has(const char *s, const char *end, char sep, const char *word)
{
	const char *f, *f_end;

	while (next_field(&s, end, sep, &f, &f_end))
		if (span_is(f, f_end, word))
			return true;
	return false;
}

static int copy_span(const char *s, const char *end, char *out, size_t size)
{
	size_t n = end - s;

	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* ---- /proc/PID/cgroup ---- */

/* "hierarchy-id:controller-list:path"; the path may itself hold ':'. */
static int parse_membership_line(const char *line, const char *end, uint64_t *id, const char **ctl,
				 const char **ctl_end, const char **path)
{
	const char *p = line, *f, *f_end;
	int err;

	if (!next_field(&p, end, ':', &f, &f_end) || f_end == end)
		return -EINVAL;
	err = parse_u64(f, f_end, INT32_MAX, id);
	if (err)
		return err;
	if (!next_field(&p, end, ':', ctl, ctl_end) || *ctl_end == end)
		return -EINVAL;
	if (p >= end || *p != '/')
		return -EINVAL;
	*path = p;
	return 0;
}

int cgroup_parse_membership(const char *text, const char *controller, char *path, size_t size)
{
	const char *pos = text, *line, *end, *ctl, *ctl_end, *p;
	const char *v1 = NULL, *v1_end = NULL, *v2 = NULL, *v2_end = NULL;
	uint64_t id;
	int n, err;

	while ((n = next_line(&pos, &line, &end)) > 0) {
		err = parse_membership_line(line, end, &id, &ctl, &ctl_end, &p);
		if (err)
			return err;
		if (id == 0) {
			/* Only the v2 hierarchy has id 0, once, with no controller list. */
			if (ctl != ctl_end || v2)
				return -EINVAL;
			v2 = p;
			v2_end = end;
		} else if (!v1 && list_has(ctl, ctl_end, ',', controller)) {
			v1 = p;
			v1_end = end;
		}
	}
	if (n < 0)
		return n;
	/* A controller bound to a v1 hierarchy is absent from v2 (hybrid hosts): the v1 line wins. */
	if (v1)
		return copy_span(v1, v1_end, path, size) ?: 1;
	if (v2)
		return copy_span(v2, v2_end, path, size) ?: 2;
	return -ENOENT;
}

/* ---- mountinfo ---- */

struct mount_line {
	const char *root, *root_end;		/* (4) root of the mount within its filesystem, escaped */
	const char *mnt, *mnt_end;		/* (5) mount point, escaped */
	const char *type, *type_end;		/* (9) */
	const char *super, *super_end;		/* (11) super block options */
};

/* "maj:min" */
static int parse_dev(const char *s, const char *end)
{
	const char *p = s, *f, *f_end;
	uint64_t v;
	int err;

	if (!next_field(&p, end, ':', &f, &f_end) || f_end == end)
		return -EINVAL;
	err = parse_u64(f, f_end, UINT32_MAX, &v);
	return err ?: parse_u64(p, end, UINT32_MAX, &v);
}

/* "36 35 98:0 /root /mnt rw,noatime master:1 - cgroup2 cgroup2 rw": optional fields end at "-". */
static int parse_mount_line(const char *line, const char *end, struct mount_line *m)
{
	const char *p = line, *f[4], *f_end[4], *opt, *opt_end;
	uint64_t v;
	int i, err;

	for (i = 0; i < 4; i++)
		if (!next_field(&p, end, ' ', &f[i], &f_end[i]))
			return -EINVAL;
	err = parse_u64(f[0], f_end[0], UINT32_MAX, &v);
	err = err ?: parse_u64(f[1], f_end[1], UINT32_MAX, &v);
	err = err ?: parse_dev(f[2], f_end[2]);
	if (err)
		return err;
	m->root = f[3];
	m->root_end = f_end[3];
	if (!next_field(&p, end, ' ', &m->mnt, &m->mnt_end) || !next_field(&p, end, ' ', &opt, &opt_end))
		return -EINVAL;
	do {
		if (!next_field(&p, end, ' ', &opt, &opt_end))
			return -EINVAL;
	} while (!span_is(opt, opt_end, "-"));
	if (!next_field(&p, end, ' ', &m->type, &m->type_end) || !next_field(&p, end, ' ', &opt, &opt_end) ||
	    !next_field(&p, end, ' ', &m->super, &m->super_end))
		return -EINVAL;
	return 0;
}

/* The kernel writes ' ', '\t', '\n' and '\\' in mountinfo paths as \ooo. */
static int unescape(const char *s, const char *end, char *out, size_t size)
{
	size_t n = 0;

	for (; s < end; s++) {
		unsigned int c = (unsigned char)*s;

		if (c == '\\') {
			if (end - s < 4 || s[1] < '0' || s[1] > '3' || s[2] < '0' || s[2] > '7' || s[3] < '0' ||
			    s[3] > '7')
				return -EINVAL;
			c = (s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0');
			if (!c)
				return -EINVAL;
			s += 3;
		}
		if (n + 1 >= size)
			return -ENAMETOOLONG;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

/* The part of path below the mount's root ("" or "/a/b"), or NULL when the mount does not show path. The
 * result may not climb: "/.." means a cgroup outside the reader's cgroup namespace that this mount cannot
 * reach, and "." or empty components are not what the kernel writes. */
static const char *path_below(const char *path, const char *root)
{
	size_t n = strlen(root);
	const char *rel, *p, *f, *f_end, *end;

	if (strcmp(root, "/") == 0)
		rel = strcmp(path, "/") == 0 ? "" : path;
	else if (strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/'))
		rel = path + n;
	else
		return NULL;
	if (!*rel)
		return rel;
	p = rel + 1;
	end = rel + strlen(rel);
	while (next_field(&p, end, '/', &f, &f_end))
		if (f == f_end || span_is(f, f_end, ".") || span_is(f, f_end, ".."))
			return NULL;
	return rel;
}

static bool mount_matches(const struct mount_line *m, int version, const char *controller)
{
	if (version == 2)
		return span_is(m->type, m->type_end, "cgroup2");
	return span_is(m->type, m->type_end, "cgroup") && list_has(m->super, m->super_end, ',', controller);
}

/* dir = mount point + rel; the mount point "/" adds nothing but itself. */
static int compose_dir(const char *mnt, const char *rel, char *dir, size_t size, size_t *top_len)
{
	bool at_slash = strcmp(mnt, "/") == 0;
	int n = snprintf(dir, size, "%s%s", at_slash && *rel ? "" : mnt, rel);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	*top_len = at_slash ? 1 : strlen(mnt);
	return 0;
}

int cgroup_parse_mountinfo(const char *text, int version, const char *controller, const char *path,
			   char *dir, size_t size, size_t *top_len)
{
	const char *pos = text, *line, *end, *rel;
	char root[PATH_MAX], mnt[PATH_MAX];
	size_t best_root_len = SIZE_MAX;
	struct mount_line m;
	int n, err;

	if ((version != 1 && version != 2) || *path != '/')
		return -EINVAL;
	while ((n = next_line(&pos, &line, &end)) > 0) {
		err = parse_mount_line(line, end, &m);
		if (err)
			return err;
		if (!mount_matches(&m, version, controller))
			continue;
		/* Only here: other filesystems have roots like "net:[4026531840]". */
		if (*m.root != '/' || *m.mnt != '/')
			return -EINVAL;
		err = unescape(m.root, m.root_end, root, sizeof(root));
		err = err ?: unescape(m.mnt, m.mnt_end, mnt, sizeof(mnt));
		if (err)
			return err;
		rel = path_below(path, root);
		/* A shorter root shows more ancestors: bind mounts of a subtree lose to the whole hierarchy. */
		if (!rel || strlen(root) >= best_root_len)
			continue;
		err = compose_dir(mnt, rel, dir, size, top_len);
		if (err)
			return err;
		best_root_len = strlen(root);
	}
	if (n < 0)
		return n;
	return best_root_len == SIZE_MAX ? -ENOENT : 0;
}

/* ---- cpu.max, cpu.cfs_*_us, cpu.stat, cpu lists ---- */

/* A whole file holding one token then '\n'. */
static int single_line(const char *text, const char **end)
{
	const char *nl = strchr(text, '\n');

	if (!nl || nl[1])
		return -EINVAL;
	*end = nl;
	return 0;
}

static int parse_quota(const char *s, const char *end, int64_t *quota_us)
{
	uint64_t v;
	int err = parse_u64(s, end, CG_QUOTA_MAX, &v);

	if (err)
		return err;
	if (v == 0)
		return -ERANGE;
	*quota_us = (int64_t)v;
	return 0;
}

static int parse_period(const char *s, const char *end, uint64_t *period_us)
{
	int err = parse_u64(s, end, CG_PERIOD_MAX, period_us);

	return err ?: (*period_us ? 0 : -ERANGE);
}

int cgroup_parse_cpu_max(const char *text, int64_t *quota_us, uint64_t *period_us)
{
	const char *p = text, *end, *q, *q_end;
	int err = single_line(text, &end);

	if (err)
		return err;
	if (!next_field(&p, end, ' ', &q, &q_end) || q_end == end)
		return -EINVAL;
	err = parse_period(p, end, period_us);
	if (err)
		return err;
	if (span_is(q, q_end, "max")) {
		*quota_us = -1;
		return 0;
	}
	return parse_quota(q, q_end, quota_us);
}

int cgroup_parse_cfs(const char *quota_text, const char *period_text, int64_t *quota_us, uint64_t *period_us)
{
	const char *q_end, *p_end;
	int err = single_line(quota_text, &q_end);

	err = err ?: single_line(period_text, &p_end);
	err = err ?: parse_period(period_text, p_end, period_us);
	if (err)
		return err;
	if (span_is(quota_text, q_end, "-1")) {
		*quota_us = -1;
		return 0;
	}
	return parse_quota(quota_text, q_end, quota_us);
}

enum { STAT_PERIODS, STAT_THROTTLED, STAT_THROTTLED_TIME, STAT_USAGE, STAT_KEYS };

struct stat_key {
	const char *name;
	int version;
	int index;
	uint64_t ns_per_unit;
};

static const struct stat_key stat_keys[] = {
	{ "nr_periods", 1, STAT_PERIODS, 1 },
	{ "nr_throttled", 1, STAT_THROTTLED, 1 },
	{ "throttled_time", 1, STAT_THROTTLED_TIME, 1 },
	{ "nr_periods", 2, STAT_PERIODS, 1 },
	{ "nr_throttled", 2, STAT_THROTTLED, 1 },
	{ "throttled_usec", 2, STAT_THROTTLED_TIME, 1000 },
	{ "usage_usec", 2, STAT_USAGE, 1000 },
};

static const struct stat_key *find_stat_key(const char *s, const char *end, int version)
{
	size_t i;

	for (i = 0; i < sizeof(stat_keys) / sizeof(stat_keys[0]); i++)
		if (stat_keys[i].version == version && span_is(s, end, stat_keys[i].name))
			return &stat_keys[i];
	return NULL;
}

static bool is_stat_key(const char *s, const char *end)
{
	if (s == end)
		return false;
	for (; s < end; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_' && *s != '.')
			return false;
	return true;
}

/* Flat-keyed "key value" lines; keys we do not use (nr_bursts, wait_sum...) must still be well-formed. */
static int parse_stat_lines(const char *text, int version, uint64_t *vals, unsigned int *seen)
{
	const char *pos = text, *line, *end, *key, *key_end;
	const struct stat_key *k;
	uint64_t v;
	int n, err;

	while ((n = next_line(&pos, &line, &end)) > 0) {
		const char *p = line;

		if (!next_field(&p, end, ' ', &key, &key_end) || key_end == end || !is_stat_key(key, key_end))
			return -EINVAL;
		err = parse_u64(p, end, UINT64_MAX, &v);
		if (err)
			return err;
		k = find_stat_key(key, key_end, version);
		if (!k)
			continue;
		if (*seen & (1u << k->index))
			return -EINVAL;
		if (v > UINT64_MAX / k->ns_per_unit)
			return -ERANGE;
		*seen |= 1u << k->index;
		vals[k->index] = v * k->ns_per_unit;
	}
	return n;
}

int cgroup_parse_cpu_stat(const char *text, int version, struct cgroup_cpu_stat *st)
{
	const unsigned int throttling = 1u << STAT_PERIODS | 1u << STAT_THROTTLED | 1u << STAT_THROTTLED_TIME;
	uint64_t vals[STAT_KEYS] = { 0 };
	unsigned int seen = 0;
	int err;

	if (version != 1 && version != 2)
		return -EINVAL;
	err = parse_stat_lines(text, version, vals, &seen);
	if (err)
		return err;
	/* v1 always shows the throttling keys; v2 shows usage always and the throttling keys all or none. */
	if (version == 1 && (seen & throttling) != throttling)
		return -EINVAL;
	if (version == 2 && (!(seen & 1u << STAT_USAGE) || ((seen & throttling) && (seen & throttling) != throttling)))
		return -EINVAL;
	st->nr_periods = vals[STAT_PERIODS];
	st->nr_throttled = vals[STAT_THROTTLED];
	st->throttled_ns = vals[STAT_THROTTLED_TIME];
	st->usage_ns = vals[STAT_USAGE];
	st->has_usage = version == 2;
	return 0;
}

/* "a" or "a-b" */
static int parse_cpu_range(const char *s, const char *end, uint64_t *lo, uint64_t *hi)
{
	const char *p = s, *f, *f_end;
	int err;

	if (!next_field(&p, end, '-', &f, &f_end))
		return -EINVAL;
	err = parse_u64(f, f_end, CG_CPU_MAX, lo);
	if (err)
		return err;
	if (f_end == end) {
		*hi = *lo;
		return 0;
	}
	err = parse_u64(p, end, CG_CPU_MAX, hi);
	return err ?: (*hi < *lo ? -EINVAL : 0);
}

int cgroup_parse_cpu_list(const char *text, int *count)
{
	const char *p = text, *end, *f, *f_end;
	uint64_t lo, hi, total = 0;
	int64_t last = -1;
	int err = single_line(text, &end);

	if (err)
		return err;
	if (p == end) {
		*count = 0;
		return 0;
	}
	while (next_field(&p, end, ',', &f, &f_end)) {
		err = parse_cpu_range(f, f_end, &lo, &hi);
		if (err)
			return err;
		/* The kernel prints ranges sorted and disjoint; anything else is not its output. */
		if ((int64_t)lo <= last)
			return -EINVAL;
		last = (int64_t)hi;
		total += hi - lo + 1;
	}
	*count = (int)total;
	return 0;
}

/* ---- container ids ---- */

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Runtimes name the cgroup after the container's 64-hex id, bare or wrapped: "docker-<id>.scope",
 * "cri-containerd-<id>.scope", "crio-<id>", "libpod-<id>.scope", "/docker/<id>", "/kubepods/.../<id>". */
int cgroup_container_id(const char *path, char *id, size_t size)
{
	const char *p = path, *found = NULL;

	while (*p) {
		const char *start = p;

		if (!is_lower_hex(*p) || (p > path && isalnum((unsigned char)p[-1]))) {
			p++;
			continue;
		}
		while (is_lower_hex(*p))
			p++;
		if (p - start == 64 && !isalnum((unsigned char)*p))
			found = start;
	}
	if (!found)
		return -ENOENT;
	if (size < 65)
		return -ENAMETOOLONG;
	memcpy(id, found, 64);
	id[64] = '\0';
	return 0;
}

/* ---- files ---- */

/* The whole file, NUL-terminated; a NUL inside is not text. */
static int read_text(const char *path, char **out)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap), *grown;
	int fd, err = 0;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (;;) {
		if (len + 1 == cap) {
			grown = cap < CG_FILE_MAX ? realloc(buf, cap * 2) : NULL;
			if (!grown) {
				err = cap < CG_FILE_MAX ? -ENOMEM : -EFBIG;
				break;
			}
			buf = grown;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : 0;
			break;
		}
		len += n;
	}
	close(fd);
	if (!err && memchr(buf, '\0', len))
		err = -EINVAL;
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

static int format_path(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int format_path(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int read_in(const char *dir, const char *name, char **out)
{
	char path[PATH_MAX];
	int err = format_path(path, sizeof(path), "%s/%s", dir, name);

	return err ?: read_text(path, out);
}

/* Cuts dir to its parent, never above its first top_len bytes (the mount point); false at the top. */
static bool to_parent(char *dir, size_t top_len)
{
	size_t len = strlen(dir), cut;
	char *slash;

	if (len <= top_len)
		return false;
	slash = strrchr(dir, '/');
	cut = slash ? (size_t)(slash - dir) : 0;
	dir[cut < top_len ? top_len : cut] = '\0';
	return true;
}

/* ---- finding a controller's directory ---- */

/* What we read once per lookup: the target's membership and the two mount tables that can resolve it. */
struct lookup {
	char root[PATH_MAX];		/* prefix standing for "/": "" on the real machine */
	int pid;
	char *membership;
	char *mountinfo[2];		/* ours, the target's (loaded when ours cannot reach the cgroup) */
	bool tried[2];
};

/* A controller's place: its hierarchy version, cgroup path and directory with the mount point's length. */
struct place {
	int version;
	char path[PATH_MAX];
	char dir[PATH_MAX];
	size_t top_len;
};

static int lookup_open(struct lookup *lk, const char *root, int pid)
{
	char path[PATH_MAX];
	size_t n;
	int err;

	memset(lk, 0, sizeof(*lk));
	if (pid <= 0)
		return -EINVAL;
	if (root && strcmp(root, "/") != 0 && copy_span(root, root + strlen(root), lk->root, sizeof(lk->root)))
		return -ENAMETOOLONG;
	n = strlen(lk->root);
	while (n > 0 && lk->root[n - 1] == '/')
		lk->root[--n] = '\0';
	lk->pid = pid;
	err = format_path(path, sizeof(path), "%s/proc/%d/cgroup", lk->root, pid);
	err = err ?: read_text(path, &lk->membership);
	return err == -ENOENT ? -ESRCH : err;
}

static void lookup_close(struct lookup *lk)
{
	free(lk->membership);
	free(lk->mountinfo[0]);
	free(lk->mountinfo[1]);
}

/* View 0: our mounts, paths as they are. View 1: the target's mounts, reached through /proc/PID/root. */
static int view_prefix(const struct lookup *lk, int view, char *prefix, size_t size)
{
	if (view)
		return format_path(prefix, size, "%s/proc/%d/root", lk->root, lk->pid);
	return format_path(prefix, size, "%s", lk->root);
}

static int view_mountinfo(struct lookup *lk, int view, const char **text)
{
	char path[PATH_MAX];
	int err;

	if (!lk->tried[view]) {
		lk->tried[view] = true;
		if (view)
			err = format_path(path, sizeof(path), "%s/proc/%d/mountinfo", lk->root, lk->pid);
		else
			err = format_path(path, sizeof(path), "%s/proc/self/mountinfo", lk->root);
		err = err ?: read_text(path, &lk->mountinfo[view]);
		if (err && err != -ENOENT)
			return err;
	}
	*text = lk->mountinfo[view];
	return *text ? 0 : -ENOENT;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Resolves pl->path in one view; -ENOENT when that view does not show it. */
static int locate_in_view(struct lookup *lk, int view, const char *controller, struct place *pl)
{
	char prefix[PATH_MAX], dir[PATH_MAX];
	const char *text;
	size_t top_len;
	int err;

	err = view_mountinfo(lk, view, &text);
	err = err ?: cgroup_parse_mountinfo(text, pl->version, controller, pl->path, dir, sizeof(dir), &top_len);
	err = err ?: view_prefix(lk, view, prefix, sizeof(prefix));
	if (err)
		return err;
	err = format_path(pl->dir, sizeof(pl->dir), "%s%s", prefix, dir);
	if (err)
		return err;
	pl->top_len = strlen(prefix) + top_len;
	/* Our mount may be of another cgroup namespace, or the cgroup may just have been removed. */
	return is_dir(pl->dir) ? 0 : -ENOENT;
}

static int locate(struct lookup *lk, const char *controller, struct place *pl)
{
	int view, err;

	err = cgroup_parse_membership(lk->membership, controller, pl->path, sizeof(pl->path));
	if (err < 0)
		return err;
	pl->version = err;
	for (view = 0; view < 2; view++) {
		err = locate_in_view(lk, view, controller, pl);
		if (err != -ENOENT)
			return err;
	}
	return -ENOENT;
}

/* ---- limits ---- */

/* 0 with the level's quota and period; -ENOENT when the level has no cpu files (the v2 root, or a v2
 * cgroup whose parent does not enable cpu). */
static int read_level_limit(int version, const char *dir, int64_t *quota_us, uint64_t *period_us)
{
	char *a = NULL, *b = NULL;
	int err;

	if (version == 2) {
		err = read_in(dir, "cpu.max", &a);
		err = err ?: cgroup_parse_cpu_max(a, quota_us, period_us);
	} else {
		err = read_in(dir, "cpu.cfs_quota_us", &a);
		err = err ?: read_in(dir, "cpu.cfs_period_us", &b);
		err = err ?: cgroup_parse_cfs(a, b, quota_us, period_us);
	}
	free(a);
	free(b);
	return err;
}

/* quota_a/period_a < quota_b/period_b, exactly. */
static bool tighter(int64_t quota_a, uint64_t period_a, int64_t quota_b, uint64_t period_b)
{
	return (unsigned __int128)quota_a * period_b < (unsigned __int128)quota_b * period_a;
}

static void take_limit(struct cgroup_cpu *cg, int64_t quota_us, uint64_t period_us, int level, const char *dir)
{
	cg->quota_us = quota_us;
	cg->period_us = period_us;
	cg->limiting_level = level;
	strcpy(cg->stat_dir, dir);
}

/* Walks from the leaf up to the mount point: the tightest limit wins, the deeper one on a tie. */
static int find_limit(struct cgroup_cpu *cg, size_t top_len)
{
	char dir[PATH_MAX];
	uint64_t period_us, leaf_period_us = 0;
	int64_t quota_us;
	int level = 0, err;

	strcpy(dir, cg->dir);
	take_limit(cg, -1, 0, 0, cg->dir);
	do {
		err = read_level_limit(cg->version, dir, &quota_us, &period_us);
		if (err && err != -ENOENT)
			return err;
		if (!err && !leaf_period_us)
			leaf_period_us = period_us;
		if (!err && quota_us >= 0 && (cg->quota_us < 0 || tighter(quota_us, period_us, cg->quota_us,
									   cg->period_us)))
			take_limit(cg, quota_us, period_us, level, dir);
		level++;
	} while (to_parent(dir, top_len));
	if (cg->quota_us < 0)
		cg->period_us = leaf_period_us;
	else
		cg->quota_cpus = (double)cg->quota_us / (double)cg->period_us;
	return 0;
}

/* v2 only: whether the controller exists for this subtree at all. */
static int check_v2_controller(const struct place *pl, const char *controller)
{
	char top[PATH_MAX], *text;
	const char *end;
	int err;

	memcpy(top, pl->dir, pl->top_len);
	top[pl->top_len] = '\0';
	err = read_in(top, "cgroup.controllers", &text);
	if (err)
		return err;
	err = single_line(text, &end);
	if (!err && !list_has(text, end, ' ', controller))
		err = -ENOENT;
	free(text);
	return err;
}

/* ---- cpuset ---- */

static void keep_cpu_list(struct cgroup_cpu *cg, const char *text)
{
	size_t n = strcspn(text, "\n");

	if (n < sizeof(cg->cpuset)) {
		memcpy(cg->cpuset, text, n);
		cg->cpuset[n] = '\0';
	} else {
		memcpy(cg->cpuset, text, sizeof(cg->cpuset) - 4);
		strcpy(cg->cpuset + sizeof(cg->cpuset) - 4, "...");
	}
}

/* 1 when dir holds one of the cpuset files, 0 when not. */
static int read_cpuset_at(struct cgroup_cpu *cg, int version, const char *dir)
{
	/* v2 cpuset.cpus may be empty ("inherit"); only the effective list says what the tasks get. */
	static const char *const v2_names[] = { "cpuset.cpus.effective", NULL };
	static const char *const v1_names[] = { "cpuset.effective_cpus", "cpuset.cpus", NULL };
	const char *const *name;
	char *text;
	int err;

	for (name = version == 2 ? v2_names : v1_names; *name; name++) {
		err = read_in(dir, *name, &text);
		if (err == -ENOENT)
			continue;
		err = err ?: cgroup_parse_cpu_list(text, &cg->cpuset_count);
		if (!err)
			keep_cpu_list(cg, text);
		free(text);
		return err ?: 1;
	}
	return 0;
}

/* A v2 cgroup without the cpuset controller has the cpus of its nearest ancestor that has it. */
static int find_cpuset(struct lookup *lk, struct cgroup_cpu *cg, struct place *pl)
{
	int found, err = locate(lk, "cpuset", pl);

	if (err)
		return err == -ENOENT ? 0 : err;
	do {
		found = read_cpuset_at(cg, pl->version, pl->dir);
		if (found)
			return found < 0 ? found : 0;
	} while (to_parent(pl->dir, pl->top_len));
	return 0;
}

/* ---- usage ---- */

/* v1 counts usage in the cpuacct hierarchy; its tree mirrors the cpu one only when the process sits at the
 * same path in both (co-mounted "cpu,cpuacct", or managers that build both trees alike). */
static int find_usage_dir(struct lookup *lk, struct cgroup_cpu *cg, struct place *pl)
{
	int level, err;

	if (cg->version == 2) {
		strcpy(cg->usage_dir, cg->stat_dir);
		return 0;
	}
	err = locate(lk, "cpuacct", pl);
	if (err == -ENOENT || (!err && (pl->version != 1 || strcmp(pl->path, cg->path) != 0)))
		return 0;
	if (err)
		return err;
	for (level = 0; level < cg->limiting_level; level++)
		if (!to_parent(pl->dir, pl->top_len))
			return 0;
	strcpy(cg->usage_dir, pl->dir);
	return 0;
}

/* ---- public ---- */

static int fill(struct lookup *lk, struct cgroup_cpu *cg)
{
	struct place *pl = malloc(sizeof(*pl));
	int err;

	if (!pl)
		return -ENOMEM;
	err = locate(lk, "cpu", pl);
	err = err ?: (pl->version == 2 ? check_v2_controller(pl, "cpu") : 0);
	if (!err) {
		cg->version = pl->version;
		strcpy(cg->path, pl->path);
		strcpy(cg->dir, pl->dir);
		err = find_limit(cg, pl->top_len);
	}
	err = err ?: find_cpuset(lk, cg, pl);
	err = err ?: find_usage_dir(lk, cg, pl);
	if (!err && cgroup_container_id(cg->path, cg->container_id, sizeof(cg->container_id)))
		cg->container_id[0] = '\0';
	free(pl);
	return err;
}

int cgroup_cpu_for_pid_at(const char *root, int pid, struct cgroup_cpu *cg)
{
	struct lookup *lk = malloc(sizeof(*lk));
	int err;

	if (!lk)
		return -ENOMEM;
	memset(cg, 0, sizeof(*cg));
	err = lookup_open(lk, root, pid);
	err = err ?: fill(lk, cg);
	lookup_close(lk);
	free(lk);
	return err;
}

int cgroup_cpu_for_pid(int pid, struct cgroup_cpu *cg)
{
	return cgroup_cpu_for_pid_at(NULL, pid, cg);
}

static int read_v1_usage(const char *dir, struct cgroup_cpu_stat *st)
{
	const char *end;
	char *text;
	int err = read_in(dir, "cpuacct.usage", &text);

	if (err == -ENOENT)
		return 0;
	err = err ?: single_line(text, &end);
	err = err ?: parse_u64(text, end, UINT64_MAX, &st->usage_ns);
	st->has_usage = !err;
	free(text);
	return err;
}

int cgroup_cpu_read_stat(const struct cgroup_cpu *cg, struct cgroup_cpu_stat *st)
{
	char *text;
	int err;

	memset(st, 0, sizeof(*st));
	err = read_in(cg->stat_dir, "cpu.stat", &text);
	if (err)
		return err;
	err = cgroup_parse_cpu_stat(text, cg->version, st);
	free(text);
	if (!err && cg->version == 1 && cg->usage_dir[0])
		err = read_v1_usage(cg->usage_dir, st);
	return err;
}

/* The cgroup path without its last levels components: the limiting ancestor's name. */
static const char *ancestor_path(const char *path, int levels, char *buf, size_t size)
{
	char *slash;

	snprintf(buf, size, "%s", path);
	while (levels-- > 0 && (slash = strrchr(buf, '/')))
		if (slash == buf)
			buf[1] = '\0';	/* the parent of "/a" is "/" */
		else
			*slash = '\0';
	return buf;
}

int cgroup_cpu_describe(const struct cgroup_cpu *cg, char *buf, size_t size)
{
	char limit[PATH_MAX + 128], ancestor[PATH_MAX];
	int n;

	if (cg->quota_us < 0)
		snprintf(limit, sizeof(limit), "no CPU quota");
	else
		snprintf(limit, sizeof(limit), "quota %.2f CPU (%" PRId64 "/%" PRIu64 " us)%s%s", cg->quota_cpus,
			 cg->quota_us, cg->period_us, cg->limiting_level ? " set on " : "",
			 cg->limiting_level ? ancestor_path(cg->path, cg->limiting_level, ancestor,
							    sizeof(ancestor)) : "");
	n = snprintf(buf, size, "cgroup v%d %s: %s, cpuset %s%s%.12s", cg->version, cg->path, limit,
		     cg->cpuset[0] ? cg->cpuset : "unknown", cg->container_id[0] ? ", container " : "",
		     cg->container_id);
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

/* ---- memory ---- */

/* The kernel shows "no limit" as v2 "max" and v1 PAGE_COUNTER_MAX pages in bytes (9223372036854771712 with 4 KiB
 * pages, less with larger pages): anything from 2^62 bytes up is that, not a limit a machine could reach. */
#define CG_MEMORY_UNLIMITED (1ull << 62)

int cgroup_parse_memory_limit(const char *text, int version, int64_t *limit)
{
	const char *end;
	uint64_t v;
	int err = single_line(text, &end);

	if (err)
		return err;
	if (version == 2 && span_is(text, end, "max")) {
		*limit = -1;
		return 0;
	}
	err = parse_u64(text, end, INT64_MAX, &v);
	if (err)
		return err;
	*limit = v >= CG_MEMORY_UNLIMITED ? -1 : (int64_t)v;
	return 0;
}

int cgroup_parse_bytes(const char *text, uint64_t *bytes)
{
	const char *end;
	int err = single_line(text, &end);

	return err ?: parse_u64(text, end, UINT64_MAX, bytes);
}

/* v1 memory.oom_control and v2 memory.events are "key value" lines; both count kills as "oom_kill". */
int cgroup_parse_oom_kills(const char *text, uint64_t *count)
{
	const char *pos = text, *line, *end, *p, *key, *key_end;
	bool found = false;
	int n, err;

	while ((n = next_line(&pos, &line, &end)) > 0) {
		p = line;
		if (!next_field(&p, end, ' ', &key, &key_end) || key_end == end)
			return -EINVAL;
		if (!span_is(key, key_end, "oom_kill"))
			continue;
		if (found)
			return -EINVAL;
		err = parse_u64(p, end, UINT64_MAX, count);
		if (err)
			return err;
		found = true;
	}
	if (n < 0)
		return n;
	return found ? 0 : -ENOENT;
}

/* Flat "key value" lines (memory.events, memory.oom_control): vals[i] for keys[i], bit i of *seen set for each key
 * found; other keys are skipped but must be well-formed, a repeated key is malformed. */
static int parse_flat_keyed(const char *text, const char *const *keys, int nkeys, uint64_t *vals, unsigned int *seen)
{
	const char *pos = text, *line, *end, *p, *key, *key_end;
	int n, i, err;

	*seen = 0;
	while ((n = next_line(&pos, &line, &end)) > 0) {
		uint64_t v;

		p = line;
		if (!next_field(&p, end, ' ', &key, &key_end) || key_end == end || !is_stat_key(key, key_end))
			return -EINVAL;
		err = parse_u64(p, end, UINT64_MAX, &v);
		if (err)
			return err;
		for (i = 0; i < nkeys && !span_is(key, key_end, keys[i]); i++)
			;
		if (i == nkeys)
			continue;
		if (*seen & (1u << i))
			return -EINVAL;
		*seen |= 1u << i;
		vals[i] = v;
	}
	return n;
}

int cgroup_parse_memory_events(const char *text, struct cgroup_memory_events *ev)
{
	static const char *const keys[] = { "high", "max", "oom", "oom_kill" };
	uint64_t vals[4] = { 0 };
	unsigned int seen;
	int err = parse_flat_keyed(text, keys, 4, vals, &seen);

	if (err)
		return err;
	/* high, max and oom are there since the file appeared (4.5) */
	if ((seen & 7) != 7)
		return -EINVAL;
	ev->high = vals[0];
	ev->max = vals[1];
	ev->oom = vals[2];
	ev->oom_kill = vals[3];
	ev->has_oom_kill = seen & 8;
	return 0;
}

int cgroup_parse_under_oom(const char *text, bool *under_oom)
{
	static const char *const keys[] = { "under_oom" };
	uint64_t v = 0;
	unsigned int seen;
	int err = parse_flat_keyed(text, keys, 1, &v, &seen);

	if (err)
		return err;
	if (!seen || v > 1)
		return -EINVAL;
	*under_oom = v;
	return 0;
}

/* "avg10=12.34": the kernel prints averages as percent with two decimals. */
static int parse_psi_avg(const char *s, const char *end, const char *name, double *avg)
{
	size_t n = strlen(name);
	const char *dot;
	uint64_t whole, hundredths;
	int err;

	if ((size_t)(end - s) < n + 1 || memcmp(s, name, n) != 0 || s[n] != '=')
		return -EINVAL;
	s += n + 1;
	dot = memchr(s, '.', end - s);
	if (!dot || end - dot != 3)
		return -EINVAL;
	err = parse_u64(s, dot, UINT32_MAX, &whole);
	err = err ?: parse_u64(dot + 1, end, 99, &hundredths);
	if (err)
		return err;
	if (whole * 100 + hundredths > 10000)
		return -ERANGE;
	*avg = (double)(whole * 100 + hundredths) / 100.0;
	return 0;
}

/* "avg10=0.00 avg60=0.00 avg300=0.00 total=74486" after the line's first word */
static int parse_psi_line(const char *p, const char *end, double *avg10, uint64_t *total_us)
{
	static const char *const avgs[] = { "avg10", "avg60", "avg300" };
	const char *f, *f_end;
	double unused;
	int i, err;

	for (i = 0; i < 3; i++) {
		if (!next_field(&p, end, ' ', &f, &f_end))
			return -EINVAL;
		err = parse_psi_avg(f, f_end, avgs[i], i == 0 ? avg10 : &unused);
		if (err)
			return err;
	}
	if (end - p < 6 || memcmp(p, "total=", 6) != 0)
		return -EINVAL;
	return parse_u64(p + 6, end, UINT64_MAX, total_us);
}

int cgroup_parse_pressure(const char *text, struct cgroup_pressure *psi)
{
	const char *pos = text, *line, *end, *p, *kind, *kind_end;
	bool have_some = false, have_full = false;
	int n, err;

	while ((n = next_line(&pos, &line, &end)) > 0) {
		p = line;
		if (!next_field(&p, end, ' ', &kind, &kind_end) || kind_end == end)
			return -EINVAL;
		if (span_is(kind, kind_end, "some") && !have_some) {
			err = parse_psi_line(p, end, &psi->some_avg10, &psi->some_total_us);
			have_some = true;
		} else if (span_is(kind, kind_end, "full") && !have_full) {
			err = parse_psi_line(p, end, &psi->full_avg10, &psi->full_total_us);
			have_full = true;
		} else {
			return -EINVAL;
		}
		if (err)
			return err;
	}
	if (n < 0)
		return n;
	if (!have_some)
		return -EINVAL;
	if (!have_full) {
		psi->full_avg10 = 0;
		psi->full_total_us = 0;
	}
	psi->has_full = have_full;
	return 0;
}

/* 0 with the level's limit; -ENOENT when the level has no limit file (the v2 root, or memory not enabled). */
static int read_memory_limit(int version, const char *dir, int64_t *limit)
{
	char *text = NULL;
	int err = read_in(dir, version == 2 ? "memory.max" : "memory.limit_in_bytes", &text);

	err = err ?: cgroup_parse_memory_limit(text, version, limit);
	free(text);
	return err;
}

/* The level's v2 memory.high or v1 memory.soft_limit_in_bytes; -ENOENT as read_memory_limit. */
static int read_memory_high(int version, const char *dir, int64_t *high)
{
	char *text = NULL;
	int err = read_in(dir, version == 2 ? "memory.high" : "memory.soft_limit_in_bytes", &text);

	err = err ?: cgroup_parse_memory_limit(text, version, high);
	free(text);
	return err;
}

/* Keeps a level's limit when it is the tightest so far (-1 none; the deeper one wins a tie). */
static bool tighter_memory(int64_t limit, int64_t *best)
{
	if (limit < 0 || (*best >= 0 && limit >= *best))
		return false;
	*best = limit;
	return true;
}

/* Walks from the leaf up to the mount point for both the limit and the high (soft) limit. */
static int find_memory_limit(struct cgroup_memory *cm, size_t top_len)
{
	char dir[PATH_MAX];
	int64_t limit;
	int level = 0, err;

	strcpy(dir, cm->dir);
	cm->limit_bytes = -1;
	cm->high_bytes = -1;
	strcpy(cm->stat_dir, cm->dir);
	do {
		err = read_memory_limit(cm->version, dir, &limit);
		if (err && err != -ENOENT)
			return err;
		if (!err && tighter_memory(limit, &cm->limit_bytes)) {
			cm->limiting_level = level;
			strcpy(cm->stat_dir, dir);
		}
		err = read_memory_high(cm->version, dir, &limit);
		if (err && err != -ENOENT)
			return err;
		if (!err && tighter_memory(limit, &cm->high_bytes)) {
			cm->high_level = level;
			strcpy(cm->high_dir, dir);
		}
		level++;
	} while (to_parent(dir, top_len));
	if (cm->high_bytes < 0)
		strcpy(cm->high_dir, cm->stat_dir);
	return 0;
}

static int fill_memory(struct lookup *lk, struct cgroup_memory *cm)
{
	struct place *pl = malloc(sizeof(*pl));
	int err;

	if (!pl)
		return -ENOMEM;
	err = locate(lk, "memory", pl);
	err = err ?: (pl->version == 2 ? check_v2_controller(pl, "memory") : 0);
	if (!err) {
		cm->version = pl->version;
		strcpy(cm->path, pl->path);
		strcpy(cm->dir, pl->dir);
		err = find_memory_limit(cm, pl->top_len);
	}
	free(pl);
	return err;
}

int cgroup_memory_for_pid_at(const char *root, int pid, struct cgroup_memory *cm)
{
	struct lookup *lk = malloc(sizeof(*lk));
	int err;

	if (!lk)
		return -ENOMEM;
	memset(cm, 0, sizeof(*cm));
	err = lookup_open(lk, root, pid);
	err = err ?: fill_memory(lk, cm);
	lookup_close(lk);
	free(lk);
	return err;
}

int cgroup_memory_for_pid(int pid, struct cgroup_memory *cm)
{
	return cgroup_memory_for_pid_at(NULL, pid, cm);
}

/* A file that may be absent (memory.peak before 5.19, the v1 root's counters): *have says whether it was read. */
static int read_optional(const char *dir, const char *name, int (*parse)(const char *, uint64_t *), uint64_t *v,
			 bool *have)
{
	char *text;
	int err = read_in(dir, name, &text);

	*have = false;
	if (err == -ENOENT)
		return 0;
	err = err ?: parse(text, v);
	if (!err)
		*have = true;
	free(text);
	return err == -ENOENT ? 0 : err;
}

/* The whole file, or NULL without error when it is absent: -EOPNOTSUPP is what a PSI file answers when the
 * kernel was booted with psi=0. */
static int read_if_there(const char *dir, const char *name, char **text)
{
	int err;

	*text = NULL;		/* read_in leaves it unset on errors, and the callers free it */
	err = read_in(dir, name, text);
	return err == -ENOENT || err == -EOPNOTSUPP ? 0 : err;
}

/* v1 memory.failcnt plus memory.memsw.failcnt: a charge is tried against memory+swap first, and one that hits
 * that limit counts there, not in memory.failcnt (when the kernel counts it at all: 6.18 does not). */
static int read_v1_failcnt(const char *dir, struct cgroup_memory_stat *st)
{
	uint64_t memsw = 0;
	bool have_memsw;
	int err = read_optional(dir, "memory.failcnt", cgroup_parse_bytes, &st->failcnt, &st->has_failcnt);

	err = err ?: read_optional(dir, "memory.memsw.failcnt", cgroup_parse_bytes, &memsw, &have_memsw);
	st->failcnt += memsw;
	return err;
}

/* The file that counts OOM kills (v2 memory.events, v1 memory.oom_control, absent at the root of some kernels),
 * read once for all it holds: the kills, and v1's under_oom or v2's events (the high count is stat_dir's here). */
static int read_oom_file(const struct cgroup_memory *cm, bool v2, struct cgroup_memory_stat *st)
{
	char *text;
	int err = read_if_there(cm->stat_dir, v2 ? "memory.events" : "memory.oom_control", &text);

	if (err || !text)
		return err;
	err = cgroup_parse_oom_kills(text, &st->oom_kills);
	st->has_oom_kills = !err;
	err = err == -ENOENT ? 0 : err;
	if (!err && v2)
		st->has_events = !(err = cgroup_parse_memory_events(text, &st->events));
	else if (!err)
		st->has_under_oom = !(err = cgroup_parse_under_oom(text, &st->under_oom));
	free(text);
	return err;
}

static int read_events_in(const char *dir, struct cgroup_memory_events *ev, bool *have)
{
	char *text;
	int err = read_if_there(dir, "memory.events", &text);

	if (!err && text)
		err = cgroup_parse_memory_events(text, ev);
	*have = !err && text;
	free(text);
	return err;
}

/* The high count from high_dir's memory.events, where that limit is (stat_dir's was read with the OOM kills), and
 * memory.pressure of stat_dir. */
static int read_v2_events(const struct cgroup_memory *cm, struct cgroup_memory_stat *st)
{
	struct cgroup_memory_events high_ev;
	bool have_high = true;
	char *text;
	int err = 0;

	if (st->has_events && strcmp(cm->high_dir, cm->stat_dir) != 0) {
		err = read_events_in(cm->high_dir, &high_ev, &have_high);
		if (have_high)
			st->events.high = high_ev.high;
	}
	st->has_events = st->has_events && have_high;
	err = err ?: read_if_there(cm->stat_dir, "memory.pressure", &text);
	if (err)
		return err;
	if (text)
		err = cgroup_parse_pressure(text, &st->pressure);
	st->has_pressure = !err && text;
	free(text);
	return err;
}

int cgroup_memory_read_stat(const struct cgroup_memory *cm, struct cgroup_memory_stat *st)
{
	bool v2 = cm->version == 2, have_usage;
	int err;

	memset(st, 0, sizeof(*st));
	err = read_optional(cm->stat_dir, v2 ? "memory.current" : "memory.usage_in_bytes", cgroup_parse_bytes,
			    &st->usage_bytes, &have_usage);
	if (!err && !have_usage)
		return -ENOENT;
	err = err ?: read_optional(cm->stat_dir, v2 ? "memory.peak" : "memory.max_usage_in_bytes", cgroup_parse_bytes,
				   &st->peak_bytes, &st->has_peak);
	err = err ?: read_oom_file(cm, v2, st);
	if (err)
		return err;
	return v2 ? read_v2_events(cm, st) : read_v1_failcnt(cm->stat_dir, st);
}
