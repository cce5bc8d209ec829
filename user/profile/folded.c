// SPDX-License-Identifier: GPL-2.0
/* Folded stacks. Stacks are kept as arrays of interned name pointers, so that shared prefixes (most of every
 * stack) compare by pointer instead of byte by byte. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "profile/folded.h"

#define OUT_BUFFER (256 * 1024)

struct stack {
	size_t first;	/* index of its root frame in the frames array */
	int nframes;
	int64_t value;
};

struct folded_stacks {
	const char **frames;
	size_t nframes, frames_cap;
	struct stack *stacks;
	size_t n;
};

/* ';' would split a frame, control characters a line. */
static unsigned char safe_char(unsigned char c)
{
	if (c == ';')
		return ':';
	return c < 0x20 || c == 0x7f ? '?' : c;
}


/* Compares names as printed. Stacks sort frame by frame rather than as whole lines, so that all stacks under
 * one frame stay together ("a.b;x" would otherwise sort between "a" and "a;x"), which a flamegraph needs. */
static int name_cmp(const char *a, const char *b)
{
	for (; *a && *b && safe_char(*a) == safe_char(*b); a++, b++)
		;
	/* The end of a name sorts first, as the shorter name does in strcmp(). */
	return (*a ? safe_char(*a) + 1 : 0) - (*b ? safe_char(*b) + 1 : 0);
}

static int stack_cmp(const void *x, const void *y, void *ctx)
{
	const struct folded_stacks *all = ctx;
	const struct stack *a = x, *b = y;
	const char *const *fa = all->frames + a->first, *const *fb = all->frames + b->first;
	int i, n = a->nframes < b->nframes ? a->nframes : b->nframes, c;

	for (i = 0; i < n; i++) {
		if (fa[i] != fb[i] && (c = name_cmp(fa[i], fb[i])))
			return c;
	}
	return a->nframes == b->nframes ? 0 : a->nframes < b->nframes ? -1 : 1;
}

static bool same_frames(const struct folded_stacks *all, const struct stack *a, const struct stack *b)
{
	return a->nframes == b->nframes &&
	       !memcmp(all->frames + a->first, all->frames + b->first, a->nframes * sizeof(*all->frames));
}

static int reserve_frames(struct folded_stacks *st, size_t n)
{
	size_t cap = st->frames_cap ? st->frames_cap : 4096;
	const char **frames;

	if (st->nframes + n <= st->frames_cap)
		return 0;
	while (cap < st->nframes + n)
		cap *= 2;
	frames = reallocarray(st->frames, cap, sizeof(*frames));
	if (!frames)
		return -ENOMEM;
	st->frames = frames;
	st->frames_cap = cap;
	return 0;
}

static int collect_frames(const struct profile *p, const struct profile_sample *s, int64_t value,
			  struct folded_stacks *st)
{
	size_t room = st->frames_cap - st->nframes;
	int n = profile_sample_frames(p, s, st->frames + st->nframes, room > INT_MAX ? INT_MAX : (int)room);

	if ((size_t)n > room) {
		if (reserve_frames(st, n))
			return -ENOMEM;
		profile_sample_frames(p, s, st->frames + st->nframes, n);
	}
	st->stacks[st->n++] = (struct stack){ st->nframes, n, value };
	st->nframes += n;
	return 0;
}

/* Sorts, then merges neighbours with the same frames (labels split samples the folded format does not show). */
static void sort_and_merge(struct folded_stacks *st)
{
	size_t i, n = 0;

	qsort_r(st->stacks, st->n, sizeof(*st->stacks), stack_cmp, st);
	for (i = 0; i < st->n; i++) {
		if (n && same_frames(st, &st->stacks[n - 1], &st->stacks[i]))
			st->stacks[n - 1].value += st->stacks[i].value;
		else
			st->stacks[n++] = st->stacks[i];
	}
	st->n = n;
}

int folded_stacks_collect(const struct profile *p, int value_index, struct folded_stacks **out)
{
	size_t i, count = profile_sample_count(p);
	struct folded_stacks *st;
	struct profile_sample s;
	int err = 0;

	if (value_index < 0 || value_index >= profile_sample_type_count(p))
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (!st || !(st->stacks = calloc(count ? count : 1, sizeof(*st->stacks))) || reserve_frames(st, 4096)) {
		folded_stacks_free(st);
		return -ENOMEM;
	}
	for (i = 0; !err && i < count; i++) {
		profile_sample_get(p, i, &s);
		if (s.values[value_index] > 0)
			err = collect_frames(p, &s, s.values[value_index], st);
	}
	if (err) {
		folded_stacks_free(st);
		return err;
	}
	sort_and_merge(st);
	*out = st;
	return 0;
}

size_t folded_stacks_count(const struct folded_stacks *st)
{
	return st->n;
}

struct folded_stack folded_stacks_get(const struct folded_stacks *st, size_t index)
{
	const struct stack *s = &st->stacks[index];

	return (struct folded_stack){ st->frames + s->first, s->nframes, s->value };
}

void folded_stacks_free(struct folded_stacks *st)
{
	if (!st)
		return;
	free(st->frames);
	free(st->stacks);
	free(st);
}

/* Lines are assembled in a buffer of our own: a folded file of 100k deep stacks is 100 MB, and stdio calls
 * per name would cost more than everything else. */
struct line_buffer {
	FILE *out;
	char *data;
	size_t len;
	unsigned char safe[256];	/* safe_char() as a table: the copy loop runs over every output byte */
};

static void flush_buffer(struct line_buffer *b)
{
	fwrite(b->data, 1, b->len, b->out);
	b->len = 0;
}

/* Appends len bytes through safe_char(); callers keep len below OUT_BUFFER. */
static void put_safe(struct line_buffer *b, const char *s, size_t len)
{
	char *d;
	size_t i;

	if (b->len + len > OUT_BUFFER)
		flush_buffer(b);
	d = b->data + b->len;
	for (i = 0; i < len; i++)
		d[i] = (char)b->safe[(unsigned char)s[i]];
	b->len += len;
}

static void put_byte(struct line_buffer *b, char c)
{
	if (b->len == OUT_BUFFER)
		flush_buffer(b);
	b->data[b->len++] = c;
}

static void put_name(struct line_buffer *b, const char *name)
{
	size_t len = strlen(name);

	while (len > OUT_BUFFER / 2) {
		put_safe(b, name, OUT_BUFFER / 2);
		name += OUT_BUFFER / 2, len -= OUT_BUFFER / 2;
	}
	put_safe(b, name, len);
}

static void write_line(struct line_buffer *b, struct folded_stack s)
{
	char count[32];
	int k, len;

	for (k = 0; k < s.nframes; k++) {
		if (k)
			put_byte(b, ';');
		put_name(b, s.frames[k]);
	}
	len = snprintf(count, sizeof(count), " %lld\n", (long long)s.value);
	if (b->len + len > OUT_BUFFER)
		flush_buffer(b);
	memcpy(b->data + b->len, count, len);
	b->len += len;
}

int folded_write(const struct profile *p, FILE *out, int value_index)
{
	struct line_buffer b = { out, malloc(OUT_BUFFER), 0, { 0 } };
	struct folded_stacks *st = NULL;
	size_t i;
	int err;

	for (i = 0; i < sizeof(b.safe); i++)
		b.safe[i] = safe_char(i);
	err = b.data ? folded_stacks_collect(p, value_index, &st) : -ENOMEM;
	if (!err) {
		for (i = 0; i < st->n; i++)
			write_line(&b, folded_stacks_get(st, i));
		flush_buffer(&b);
		err = fflush(out) || ferror(out) ? -EIO : 0;
	}
	folded_stacks_free(st);
	free(b.data);
	return err;
}
