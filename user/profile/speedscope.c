// SPDX-License-Identifier: GPL-2.0
/* speedscope JSON from the folded stacks: the shared frames numbered in order of first use, then one array of
 * frame numbers and one weight per stack. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "profile/folded.h"
#include "profile/speedscope.h"
#include "lib/utf8.h"

/* Frame numbers by interned name pointer: open addressing, the names array gives numbers back to names. */
struct frame_index {
	struct { const char *name; uint32_t number; } *slots;
	size_t mask;
	const char **names;
	size_t count;
};

static size_t slot_of(const struct frame_index *fi, const char *name)
{
	uint64_t h = (uintptr_t)name * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 29) & fi->mask;
}

static int frame_index_grow(struct frame_index *fi)
{
	size_t cap = fi->mask ? (fi->mask + 1) * 2 : 1024, i, s;
	typeof(fi->slots) slots = calloc(cap, sizeof(*slots));
	const char **names = reallocarray(fi->names, cap / 2, sizeof(*names));

	if (names)
		fi->names = names;
	if (!slots || !names) {
		free(slots);
		return -ENOMEM;
	}
	free(fi->slots);
	fi->slots = slots;
	fi->mask = cap - 1;
	for (i = 0; i < fi->count; i++) {
		for (s = slot_of(fi, fi->names[i]); fi->slots[s].name; s = (s + 1) & fi->mask)
			;
		fi->slots[s].name = fi->names[i];
		fi->slots[s].number = i;
	}
	return 0;
}

/* The number of the frame called name, given on first use in order; -1 when out of memory. */
static int64_t frame_number(struct frame_index *fi, const char *name)
{
	size_t s;

	if ((fi->count + 1) * 2 > fi->mask + 1 && frame_index_grow(fi))
		return -1;
	for (s = slot_of(fi, name); fi->slots[s].name; s = (s + 1) & fi->mask)
		if (fi->slots[s].name == name)
			return fi->slots[s].number;
	fi->slots[s].name = name;
	fi->slots[s].number = fi->count;
	fi->names[fi->count] = name;
	return fi->count++;
}

/* Numbers every frame before anything is written, so that running out of memory leaves no half file. */
static int number_frames(const struct folded_stacks *st, struct frame_index *fi)
{
	size_t i;
	int k;

	for (i = 0; i < folded_stacks_count(st); i++) {
		struct folded_stack s = folded_stacks_get(st, i);

		for (k = 0; k < s.nframes; k++)
			if (frame_number(fi, s.frames[k]) < 0)
				return -ENOMEM;
	}
	return 0;
}

static void write_json_string(FILE *out, const char *s)
{
	uint32_t cp;
	int len;

	fputc('"', out);
	for (; *s; s += len ? len : 1) {
		len = utf8_decode(s, &cp);
		if (!len)
			fputs("\\ufffd", out);	/* JSON text must be UTF-8: a stray byte becomes U+FFFD */
		else if (cp == '"' || cp == '\\')
			fprintf(out, "\\%c", (char)cp);
		else if (cp < 0x20)
			fprintf(out, "\\u%04x", (unsigned)cp);
		else
			fwrite(s, 1, len, out);
	}
	fputc('"', out);
}

static const char *speedscope_unit(const char *unit)
{
	return !strcmp(unit, "nanoseconds") || !strcmp(unit, "bytes") ? unit : "none";
}

/* 3 million frame numbers in a big profile: printf would dominate the whole writer. */
static void write_number(FILE *out, char separator, int64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do
		*--p = '0' + u % 10;
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	if (separator)
		*--p = separator;
	fwrite_unlocked(p, 1, buf + sizeof(buf) - p, out);
}

static void write_samples(FILE *out, const struct folded_stacks *st, struct frame_index *fi, int64_t *total)
{
	size_t i;
	int k;

	fputs("\"samples\":[", out);
	for (i = 0; i < folded_stacks_count(st); i++) {
		struct folded_stack s = folded_stacks_get(st, i);

		fputs(i ? ",[" : "[", out);
		for (k = 0; k < s.nframes; k++)
			write_number(out, k ? ',' : 0, frame_number(fi, s.frames[k]));
		fputc(']', out);
		*total += s.value;
	}
	fputs("],\"weights\":[", out);
	for (i = 0; i < folded_stacks_count(st); i++)
		write_number(out, i ? ',' : 0, folded_stacks_get(st, i).value);
	fputs("]", out);
}

static void write_document(const struct profile *p, FILE *out, int value_index, const char *name,
			   const struct folded_stacks *st, struct frame_index *fi)
{
	int64_t total = 0;
	size_t i;

	fputs("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\"shared\":{\"frames\":[", out);
	for (i = 0; i < fi->count; i++) {
		fputs(i ? ",{\"name\":" : "{\"name\":", out);
		write_json_string(out, fi->names[i]);
		fputc('}', out);
	}
	fputs("]},\"profiles\":[{\"type\":\"sampled\",\"name\":", out);
	write_json_string(out, name);
	fprintf(out, ",\"unit\":\"%s\",", speedscope_unit(profile_sample_type(p, value_index).unit));
	write_samples(out, st, fi, &total);
	fprintf(out, ",\"startValue\":0,\"endValue\":%lld}],\"name\":", (long long)total);
	write_json_string(out, name);
	fputs(",\"exporter\":\"gotrace\"}\n", out);
}

int speedscope_write(const struct profile *p, FILE *out, int value_index, const char *name)
{
	struct folded_stacks *st = NULL;
	struct frame_index fi = { 0 };
	int err;

	err = folded_stacks_collect(p, value_index, &st);
	if (!err)
		err = number_frames(st, &fi);
	if (!err) {
		write_document(p, out, value_index, name ? name : "gotrace", st, &fi);
		err = fflush(out) || ferror(out) ? -EIO : 0;
	}
	free(fi.slots);
	free(fi.names);
	folded_stacks_free(st);
	return err;
}
