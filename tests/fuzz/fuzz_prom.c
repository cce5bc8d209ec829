// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target for prom.c, and for reading its output back (prom_parse.c, otlp_metrics.c). The input, cut at
 * NULs, is a script of names, label names and values, help texts and numbers fed to prom_family/prom_sample/
 * prom_histogram in turn; whatever was accepted, the exposition must stay valid: every line a HELP, a TYPE or a
 * sample with well-formed labels (only the \\ \" \n escapes inside quotes), valid UTF-8 throughout, a number at
 * the end. And what prom wrote, the daemon's OTLP export must read: every line parses, and the whole exposition
 * encodes as an OTLP request.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -std=gnu11 -D_GNU_SOURCE
 *        -iquote user tests/fuzz/fuzz_prom.c user/lib/prom.c user/lib/utf8.c user/lib/hist.c user/lib/prom_parse.c
 *        user/lib/protobuf.c user/lib/array.c user/daemon/otlp_metrics.c user/daemon/otlp_resource.c -lm
 *        -o build/fuzz/fuzz_prom
 * Run:   build/fuzz/fuzz_prom -max_total_time=300 build/fuzz/corpus_prom */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/otlp_metrics.h"
#include "lib/prom.h"
#include "lib/prom_parse.h"
#include "lib/utf8.h"

#define EXPECT(cond)                     \
	do {                             \
		if (!(cond))             \
			__builtin_trap(); \
	} while (0)

/* ---- the validator ---- */

static size_t count_char(const char *s, size_t n, char c)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		count += s[i] == c;
	return count;
}

static const char *name_end(const char *s, bool colon)
{
	const char *start = s;

	while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' || (colon && *s == ':') ||
	       (s > start && *s >= '0' && *s <= '9'))
		s++;
	EXPECT(s > start);
	return s;
}

static const char *quoted_end(const char *s)
{
	EXPECT(*s++ == '"');
	while (*s != '"') {
		EXPECT(*s && *s != '\n');
		if (*s == '\\') {
			s++;
			EXPECT(*s == '\\' || *s == '"' || *s == 'n');
		}
		s++;
	}
	return s + 1;
}

static void check_number(const char *s, const char *end)
{
	char *stop;

	if (!strncmp(s, "NaN", 3) || !strncmp(s, "+Inf", 4) || !strncmp(s, "-Inf", 4))
		return;
	strtod(s, &stop);
	EXPECT(stop == end && stop > s);
}

static void check_sample(const char *s, const char *end)
{
	s = name_end(s, true);
	if (*s == '{') {
		s++;
		while (*s != '}') {
			s = name_end(s, false);
			EXPECT(*s++ == '=');
			s = quoted_end(s);
			EXPECT(*s == ',' || *s == '}');
			if (*s == ',')
				s++;
		}
		s++;
	}
	EXPECT(*s++ == ' ');
	check_number(s, end);
}

static void check_exposition(const char *text, size_t len)
{
	uint32_t cp;

	EXPECT(strlen(text) == len && (len == 0 || text[len - 1] == '\n'));
	for (size_t i = 0; i < len;) {
		int n = utf8_decode(text + i, &cp);

		EXPECT(n > 0);
		i += n;
	}
	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n');

		if (!strncmp(line, "# HELP ", 7) || !strncmp(line, "# TYPE ", 7))
			EXPECT(name_end(line + 7, true)[0] == ' ');
		else
			check_sample(line, end);
		line = end + 1;
	}
}

/* ---- reading it back ---- */

static void check_read_back(const char *text, size_t len)
{
	struct otlp_self self = { "0", 1, "host", NULL };
	struct otlp_series_starts starts = { 0 };
	struct prom_reader r;
	struct prom_line l;
	struct pbuf out = { 0 };
	char why[128];
	int rc, lines = 0;

	prom_reader_init(&r, text, len);
	while ((rc = prom_parse_next(&r, &l)) > 0)
		lines++;
	EXPECT(rc == 0 && lines == (int)count_char(text, len, '\n'));
	prom_reader_free(&r);
	EXPECT(otlp_metrics_encode(text, len, &self, &starts, 1, &out, why, sizeof(why)) == 0);
	EXPECT(otlp_metrics_encode(text, len, &self, &starts, 2, &out, why, sizeof(why)) == 0);
	otlp_series_starts_free(&starts);
	pb_free(&out);
}

/* ---- the script ---- */

struct script {
	const char *text;
	size_t size, at;
};

static const char *next(struct script *s)
{
	const char *f;

	if (s->at >= s->size)
		return "";
	f = s->text + s->at;
	s->at += strlen(f) + 1;
	return f;
}

static void step(struct prom *p, struct script *s, char op)
{
	static const char *const types[] = { "counter", "gauge", "histogram", "summary" };
	struct prom_label l[4];
	const char *name = next(s);
	int nl = (unsigned char)op / 4 % 5;
	struct hist h = { 0 };

	for (int i = 0; i < nl && i < 4; i++) {
		l[i].name = next(s);
		l[i].value = next(s);
	}
	switch (op % 4) {
	case 0:
		prom_family(p, name, types[(unsigned char)op / 16 % 4], next(s));
		break;
	case 1:
		prom_sample(p, name, l, nl > 4 ? 4 : nl, strtod(next(s), NULL));
		break;
	case 2:
		for (const char *v = next(s); *v; v++)
			hist_add(&h, (uint64_t)(unsigned char)*v << ((unsigned char)*v % 40));
		prom_histogram(p, name, l, nl > 4 ? 4 : nl, &h, op & 16 ? 1e-6 : 1e-3, strtod(next(s), NULL));
		break;
	default:
		prom_reset(p);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct script s = { text, size, 0 };
	struct prom p;
	size_t len;

	if (!text || prom_init(&p)) {
		free(text);
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	for (int steps = 0; s.at < size && steps < 64; steps++)
		step(&p, &s, *next(&s));
	check_exposition(prom_data(&p, &len), len);
	EXPECT(prom_error(&p) == 0);
	check_read_back(prom_data(&p, &len), len);
	prom_free(&p);
	free(text);
	return 0;
}
