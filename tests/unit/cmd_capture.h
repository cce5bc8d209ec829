/* SPDX-License-Identifier: GPL-2.0 */
/* Runs a shell command for a unit test and captures its stdout and stderr apart, to check real consumers
 * (go tool pprof, perl, python3) on the files the writers produce. */
#ifndef GOTRACE_CMD_CAPTURE_H
#define GOTRACE_CMD_CAPTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct cmd_output {
	char *out, *err;	/* NUL-terminated, malloc'ed */
	size_t out_len;
	int status;		/* exit code, or -1 when the command could not run or died */
};

static inline char *cmd_slurp(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap);

	while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n - 1 == 0) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger) {
				free(buf);
				return NULL;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	if (buf)
		buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

/* 0 when the command ran; its exit status is in out->status. */
static inline int cmd_capture(const char *command, struct cmd_output *out)
{
	char err_path[] = "/tmp/gotrace-cmd-err.XXXXXX", *full;
	FILE *pipe, *err;
	int fd = mkstemp(err_path), status;

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return -1;
	close(fd);
	if (asprintf(&full, "%s 2>%s", command, err_path) < 0)
		return -1;
	pipe = popen(full, "r");
	free(full);
	if (!pipe) {
		unlink(err_path);
		return -1;
	}
	out->out = cmd_slurp(pipe, &out->out_len);
	status = pclose(pipe);
	out->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	err = fopen(err_path, "r");
	out->err = err ? cmd_slurp(err, NULL) : NULL;
	if (err)
		fclose(err);
	unlink(err_path);
	return out->out && out->err ? 0 : -1;
}

static inline void cmd_output_free(struct cmd_output *out)
{
	free(out->out);
	free(out->err);
}

/* FNV-1a, twice with different bases: 128 bits identify a long stack text without keeping it. */
struct text_hash { uint64_t a, b; };

static inline struct text_hash text_hash(const char *s, size_t len)
{
	struct text_hash h = { 0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL };
	size_t i;

	for (i = 0; i < len; i++) {
		h.a = (h.a ^ (unsigned char)s[i]) * 0x100000001b3ULL;
		h.b = (h.b ^ (unsigned char)s[i]) * 0x100000001b3ULL + 1;
	}
	return h;
}

/* A multiset of (text, value) rows compared after sorting and merging equal texts. */
struct row { struct text_hash key; int64_t value; };
struct rows { struct row *r; size_t n, cap; };

static inline void rows_add(struct rows *rs, const char *text, size_t len, int64_t value)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 1024;
		rs->r = realloc(rs->r, rs->cap * sizeof(*rs->r));
	}
	rs->r[rs->n++] = (struct row){ text_hash(text, len), value };
}

static inline int row_cmp(const void *x, const void *y)
{
	const struct row *a = x, *b = y;

	if (a->key.a != b->key.a)
		return a->key.a < b->key.a ? -1 : 1;
	if (a->key.b != b->key.b)
		return a->key.b < b->key.b ? -1 : 1;
	return 0;
}

static inline void rows_merge(struct rows *rs)
{
	size_t i, n = 0;

	qsort(rs->r, rs->n, sizeof(*rs->r), row_cmp);
	for (i = 0; i < rs->n; i++) {
		if (n && !row_cmp(&rs->r[n - 1], &rs->r[i]))
			rs->r[n - 1].value += rs->r[i].value;
		else
			rs->r[n++] = rs->r[i];
	}
	rs->n = n;
	/* A text with value 0 counts as absent (pprof -top lists functions with a flat value of 0). */
	for (i = n = 0; i < rs->n; i++)
		if (rs->r[i].value)
			rs->r[n++] = rs->r[i];
	rs->n = n;
}

/* Number of rows that differ between the two merged multisets (0 when equal). */
static inline size_t rows_diff(struct rows *x, struct rows *y)
{
	size_t i = 0, j = 0, diff = 0;

	rows_merge(x);
	rows_merge(y);
	while (i < x->n || j < y->n) {
		int c = i == x->n ? 1 : j == y->n ? -1 : row_cmp(&x->r[i], &y->r[j]);

		if (c == 0) {
			diff += x->r[i].value != y->r[j].value;
			i++, j++;
		} else {
			diff++;
			c < 0 ? i++ : j++;
		}
	}
	return diff;
}

static inline void rows_free(struct rows *rs)
{
	free(rs->r);
	rs->r = NULL;
	rs->n = rs->cap = 0;
}

#endif
