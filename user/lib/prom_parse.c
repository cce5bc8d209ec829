// SPDX-License-Identifier: GPL-2.0
/* The text exposition's grammar (prom_parse.h): "# HELP name text", "# TYPE name type", and
 * name[{label="value",...}] value [timestamp]. Each line is copied into scratch memory with its escapes undone
 * and its strings NUL-terminated there. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/prom_parse.h"

void prom_reader_init(struct prom_reader *r, const char *text, size_t len)
{
	*r = (struct prom_reader){ .at = text, .end = text + len };
}

void prom_reader_rewind(struct prom_reader *r, const char *text, size_t len)
{
	r->at = text;
	r->end = text + len;
	r->line_no = 0;
}

void prom_reader_free(struct prom_reader *r)
{
	free(r->scratch);
	r->scratch = NULL;
	r->cap = 0;
}

/* A cursor over one line's copy in scratch: parsing writes the unescaped strings over the text already read, which
 * is never longer than what it came from. */
struct cursor {
	char *p, *end;
};

static bool name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_' || c == ':';
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == ':';
}

static char *read_name(struct cursor *c)
{
	char *start = c->p;

	if (c->p == c->end || !name_start(*c->p))
		return NULL;
	while (c->p < c->end && name_char(*c->p))
		c->p++;
	return start;
}

/* Undoes \\, \" (quoted) and \n in place up to the closing quote (quoted) or the line's end; NULL if malformed. */
static char *read_escaped(struct cursor *c, bool quoted)
{
	char *start = c->p, *w = c->p;

	while (c->p < c->end && !(quoted && *c->p == '"')) {
		char ch = *c->p++;

		if (ch == '\\') {
			if (c->p == c->end)
				return NULL;
			ch = *c->p++;
			if (ch == 'n')
				ch = '\n';
			else if (ch != '\\' && !(quoted && ch == '"'))
				return NULL;
		}
		*w++ = ch;
	}
	if (quoted && c->p == c->end)
		return NULL;
	c->p += quoted;	/* the closing quote */
	*w = '\0';
	return start;
}

static int read_labels(struct cursor *c, struct prom_line *out)
{
	c->p++;	/* '{' */
	while (c->p < c->end && *c->p != '}') {
		char *name = read_name(c), *value;

		if (!name || c->p + 1 >= c->end || c->p[0] != '=' || c->p[1] != '"' ||
		    out->nlabels == PROM_PARSE_MAX_LABELS)
			return -EINVAL;
		*c->p = '\0';	/* ends the name: '=' is not needed any more */
		c->p += 2;
		if (!(value = read_escaped(c, true)))
			return -EINVAL;
		out->labels[out->nlabels++] = (struct prom_label){ name, value };
		if (c->p < c->end && *c->p == ',')
			c->p++;
		else if (c->p < c->end && *c->p != '}')
			return -EINVAL;
	}
	if (c->p == c->end)
		return -EINVAL;
	c->p++;
	return 0;
}

static int read_number(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (end == s || (*end && *end != ' ') || (errno == ERANGE && !isinf(*out)))
		return -EINVAL;
	if (*end) {	/* a timestamp in milliseconds: read, not kept */
		s = end + 1;
		(void)strtoll(s, &end, 10);
		if (end == s || *end)
			return -EINVAL;
	}
	return 0;
}

static int read_sample(struct cursor *c, struct prom_line *out)
{
	char *name = read_name(c);
	int err;

	out->kind = PROM_LINE_SAMPLE;
	if (!name)
		return -EINVAL;
	if (c->p < c->end && *c->p == '{') {
		char *name_end = c->p;

		if ((err = read_labels(c, out)))
			return err;
		*name_end = '\0';
	}
	if (c->p == c->end || *c->p != ' ')
		return -EINVAL;
	*c->p++ = '\0';
	out->name = name;
	return read_number(c->p, &out->value);
}

/* "# HELP name text" and "# TYPE name type"; 1 for another comment (passed over). */
static int read_comment(struct cursor *c, struct prom_line *out)
{
	bool help = c->end - c->p >= 7 && !memcmp(c->p, "# HELP ", 7);
	char *name;

	if (!help && !(c->end - c->p >= 7 && !memcmp(c->p, "# TYPE ", 7)))
		return 1;
	c->p += 7;
	out->kind = help ? PROM_LINE_HELP : PROM_LINE_TYPE;
	if (!(name = read_name(c)))
		return -EINVAL;
	if (c->p == c->end && !help) {
		return -EINVAL;
	} else if (c->p == c->end) {
		out->text = c->p;	/* no text: the NUL at the line's end */
	} else if (*c->p != ' ') {
		return -EINVAL;
	} else {
		*c->p++ = '\0';
		out->text = help ? read_escaped(c, false) : c->p;
		if (!out->text || (!help && !*out->text))
			return -EINVAL;
	}
	out->name = name;
	return 0;
}

static int copy_line(struct prom_reader *r, size_t len, struct cursor *c)
{
	if (len + 1 > r->cap) {
		char *s = realloc(r->scratch, len + 1);

		if (!s)
			return -ENOMEM;
		r->scratch = s;
		r->cap = len + 1;
	}
	memcpy(r->scratch, r->at, len);
	r->scratch[len] = '\0';
	*c = (struct cursor){ r->scratch, r->scratch + len };
	return 0;
}

int prom_parse_next(struct prom_reader *r, struct prom_line *out)
{
	while (r->at < r->end) {
		const char *nl = memchr(r->at, '\n', r->end - r->at);
		size_t len = (nl ? nl : r->end) - r->at;
		struct cursor c;
		int rc;

		r->line_no++;
		r->line = r->at;
		r->line_len = len;
		if (memchr(r->at, '\0', len) || copy_line(r, len, &c))
			return memchr(r->at, '\0', len) ? -EINVAL : -ENOMEM;
		r->at += len + (nl != NULL);
		*out = (struct prom_line){ 0 };
		if (len == 0)
			continue;
		rc = c.p[0] == '#' ? read_comment(&c, out) : read_sample(&c, out);
		if (rc <= 0)
			return rc < 0 ? rc : 1;
	}
	return 0;
}

const char *prom_line_label(const struct prom_line *l, const char *name)
{
	for (int i = 0; i < l->nlabels; i++)
		if (!strcmp(l->labels[i].name, name))
			return l->labels[i].value;
	return NULL;
}
