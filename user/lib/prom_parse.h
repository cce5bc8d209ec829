/* SPDX-License-Identifier: GPL-2.0 */
/* Reading back a Prometheus text exposition (format 0.0.4) line by line: what the daemon serves on /metrics,
 * turned into OTLP by the same reading, so that both outputs always say the same. Strict: a line that does not
 * follow the format is an error, not a guess. */
#ifndef GOTRACE_PROM_PARSE_H
#define GOTRACE_PROM_PARSE_H

#include <stddef.h>

#include "lib/prom.h"

#define PROM_PARSE_MAX_LABELS 32

enum prom_line_kind { PROM_LINE_HELP, PROM_LINE_TYPE, PROM_LINE_SAMPLE };

/* One line. Strings point into the reader's scratch memory, valid until the next prom_parse_next. */
struct prom_line {
	enum prom_line_kind kind;
	const char *name;		/* the sample's name, or the family's for HELP and TYPE */
	const char *text;		/* HELP: the text, unescaped; TYPE: counter, gauge, histogram, ... */
	struct prom_label labels[PROM_PARSE_MAX_LABELS];	/* values unescaped */
	int nlabels;
	double value;			/* also +Inf, -Inf, NaN */
};

struct prom_reader {
	const char *at, *end;
	const char *line;		/* where the line last returned starts in the text, and its length */
	size_t line_len;
	char *scratch;
	size_t cap;
	int line_no;
};

void prom_reader_init(struct prom_reader *r, const char *text, size_t len);
/* Reads text next, keeping the scratch memory (one line after another out of a larger text). */
void prom_reader_rewind(struct prom_reader *r, const char *text, size_t len);
void prom_reader_free(struct prom_reader *r);
/* 1 and the next line in *out (empty lines and other comments are passed over), 0 at the end, -ENOMEM, or -EINVAL
 * for a malformed line (r->line_no is its number, from 1). */
int prom_parse_next(struct prom_reader *r, struct prom_line *out);
/* The value of label name in l, or NULL. */
const char *prom_line_label(const struct prom_line *l, const char *name);

#endif
