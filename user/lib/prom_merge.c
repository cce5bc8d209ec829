// SPDX-License-Identifier: GPL-2.0
/* Family-by-family merging of text expositions (prom_merge.h). The result cannot be longer than its inputs
 * together, so it is written into one allocation of that size. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/prom_merge.h"

#define HELP "# HELP "

/* A family in an exposition: its name, and where its samples start and end. */
struct family {
	const char *name;
	size_t name_len;
	const char *samples, *end;
};

static const char *next_line(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? nl + 1 : p + strlen(p);
}

static bool starts_family(const char *line)
{
	return strncmp(line, HELP, strlen(HELP)) == 0;
}

/* The family whose "# HELP" line is at line; its samples follow the "# TYPE" line. */
static struct family family_at(const char *line)
{
	struct family f = { .name = line + strlen(HELP) };
	const char *p;

	f.name_len = strcspn(f.name, " \n");
	p = next_line(next_line(line));
	f.samples = p;
	while (*p && !starts_family(p))
		p = next_line(p);
	f.end = p;
	return f;
}

/* The family named like f in text, searched from *from on (extras list families in base's order), then from the
 * start; false when text has none. */
static bool find_family(const char *text, const char **from, const struct family *f, struct family *out)
{
	for (int pass = 0; pass < 2; pass++) {
		for (const char *p = pass ? text : *from; *p; p = next_line(p)) {
			struct family g;

			if (!starts_family(p))
				continue;
			g = family_at(p);
			if (g.name_len == f->name_len && !memcmp(g.name, f->name, f->name_len)) {
				*out = g;
				*from = g.end;
				return true;
			}
		}
	}
	return false;
}

static char *append(char *w, const char *from, const char *to)
{
	memcpy(w, from, (size_t)(to - from));
	return w + (to - from);
}

int prom_merge(const char *base, const char *const *extras, size_t nextras, char **out, size_t *out_len)
{
	const char **cursors = calloc(nextras ? nextras : 1, sizeof(*cursors));
	size_t size = strlen(base) + 1;
	const char *p = base;
	char *buf, *w;

	for (size_t i = 0; i < nextras; i++)
		size += strlen(extras[i]);
	buf = cursors ? malloc(size) : NULL;
	if (!buf) {
		free(cursors);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nextras; i++)
		cursors[i] = extras[i];
	while (*p && !starts_family(p))		/* lines before the first family (struct prom writes none) */
		p = next_line(p);
	w = append(buf, base, p);
	while (*p) {
		struct family f = family_at(p), g;

		w = append(w, p, f.end);
		for (size_t i = 0; i < nextras; i++)
			if (find_family(extras[i], &cursors[i], &f, &g))
				w = append(w, g.samples, g.end);
		p = f.end;
	}
	*w = '\0';
	*out = buf;
	*out_len = (size_t)(w - buf);
	free(cursors);
	return 0;
}
