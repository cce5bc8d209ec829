// SPDX-License-Identifier: GPL-2.0
/* Folded stacks. Stacks are kept as arrays of interned name pointers and sorted as if joined into text, so
 * that shared prefixes (most of every stack) compare by pointer instead of byte by byte. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "folded.h"

/* Characters that would end a frame or a line early. */
static const char unsafe_chars[] = ";\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12"
				   "\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f";

struct stack {
	size_t first;	/* index of its root frame in the frames array */
	int nframes;
	int64_t value;
};

struct stacks {
	const char **frames;
	size_t nframes, frames_cap;
	struct stack *stacks;
	size_t n;
};

static unsigned char safe_char(unsigned char c)
{
	if (c == ';')
		return ':';
	return c < 0x20 || c == 0x7f ? '?' : c;
}

/* The byte at position i of the sanitized name, with what follows the name in the joined line past its end. */
static unsigned char char_at(const char *name, size_t i, size_t len, unsigned char after)
{
	return i < len ? safe_char(name[i]) : after;
}

/* Orders two stacks as their printed lines would sort, without printing them. */
static int stack_cmp(const void *x, const void *y, void *ctx)
{
	const struct stacks *all = ctx;
	const struct stack *a = x, *b = y;
	const char *const *fa = all->frames + a->first, *const *fb = all->frames + b->first;
	int i, n = a->nframes < b->nframes ? a->nframes : b->nframes;

	for (i = 0; i < n; i++) {
		size_t la, lb, k;
		unsigned char after_a, after_b;

		if (fa[i] == fb[i])
			continue;
		la = strlen(fa[i]), lb = strlen(fb[i]);
		after_a = i + 1 < a->nframes ? ';' : 0;
		after_b = i + 1 < b->nframes ? ';' : 0;
		for (k = 0; k <= la || k <= lb; k++) {
			unsigned char ca = char_at(fa[i], k, la, after_a), cb = char_at(fb[i], k, lb, after_b);

			if (ca != cb)
				return ca < cb ? -1 : 1;
			if (k >= la || k >= lb)
				break;
		}
	}
	return a->nframes == b->nframes ? 0 : a->nframes < b->nframes ? -1 : 1;
}

static int collect_frames(const struct profile *p, const struct profile_sample *s, int64_t value,
			  struct stacks *st)
{
	int n = profile_sample_frames(p, s, NULL, 0);

	if (st->nframes + n > st->frames_cap) {
		size_t cap = st->frames_cap ? st->frames_cap : 4096;
		const char **frames;

		while (cap < st->nframes + n)
			cap *= 2;
		frames = reallocarray(st->frames, cap, sizeof(*frames));
		if (!frames)
			return -ENOMEM;
		st->frames = frames;
		st->frames_cap = cap;
	}
	profile_sample_frames(p, s, st->frames + st->nframes, n);
	st->stacks[st->n++] = (struct stack){ st->nframes, n, value };
	st->nframes += n;
	return 0;
}

static int collect_stacks(const struct profile *p, int value_index, struct stacks *st)
{
	size_t i, count = profile_sample_count(p);
	struct profile_sample s;
	int err;

	st->stacks = calloc(count ? count : 1, sizeof(*st->stacks));
	if (!st->stacks)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		profile_sample_get(p, i, &s);
		if (!s.values[value_index])
			continue;
		err = collect_frames(p, &s, s.values[value_index], st);
		if (err)
			return err;
	}
	return 0;
}

/* Sorts, then merges neighbours that print the same (labels split samples the folded format does not show). */
static void sort_and_merge(struct stacks *st)
{
	size_t i, n = 0;

	qsort_r(st->stacks, st->n, sizeof(*st->stacks), stack_cmp, st);
	for (i = 0; i < st->n; i++) {
		if (n && !stack_cmp(&st->stacks[n - 1], &st->stacks[i], st))
			st->stacks[n - 1].value += st->stacks[i].value;
		else
			st->stacks[n++] = st->stacks[i];
	}
	st->n = n;
}

static void write_name(FILE *out, const char *name)
{
	for (;;) {
		size_t safe = strcspn(name, unsafe_chars);

		fwrite(name, 1, safe, out);
		if (!name[safe])
			return;
		fputc(safe_char(name[safe]), out);
		name += safe + 1;
	}
}

static void write_stacks(const struct stacks *st, FILE *out)
{
	size_t i;
	int k;

	for (i = 0; i < st->n; i++) {
		const struct stack *s = &st->stacks[i];

		if (!s->value)
			continue;
		for (k = 0; k < s->nframes; k++) {
			if (k)
				fputc(';', out);
			write_name(out, st->frames[s->first + k]);
		}
		fprintf(out, " %lld\n", (long long)s->value);
	}
}

int folded_write(const struct profile *p, FILE *out, int value_index)
{
	struct stacks st = { 0 };
	int err;

	if (value_index < 0 || value_index >= profile_sample_type_count(p))
		return -EINVAL;
	err = collect_stacks(p, value_index, &st);
	if (!err) {
		sort_and_merge(&st);
		write_stacks(&st, out);
		err = fflush(out) || ferror(out) ? -EIO : 0;
	}
	free(st.frames);
	free(st.stacks);
	return err;
}
