// SPDX-License-Identifier: GPL-2.0
/* Reading an exposition back: the lines struct prom writes, their escapes undone, and a malformed line refused
 * with its number rather than guessed at. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "lib/prom_parse.h"
#include "unit.h"

static int parse_all(const char *text, struct prom_line *lines, int max, int *line_no)
{
	struct prom_reader r;
	int n = 0, rc;

	prom_reader_init(&r, text, strlen(text));
	while ((rc = prom_parse_next(&r, &lines[n < max - 1 ? n : max - 1])) > 0)
		n++;
	*line_no = r.line_no;
	prom_reader_free(&r);
	return rc < 0 ? rc : n;
}

TEST(the_lines_prom_writes)
{
	static const char text[] =
		"# HELP a_total Calls \\\\ per\\nline.\n"
		"# TYPE a_total counter\n"
		"a_total{pid=\"1\",path=\"C:\\\\x \\\"q\\\"\\n\"} 12.5\n"
		"\n"
		"# a comment\n"
		"b 1e-06 1700000000000\n"
		"c{le=\"+Inf\",} +Inf\n";
	struct prom_line l[8];
	struct prom_reader r;
	int line_no;

	CHECK(parse_all(text, l, 8, &line_no) == 5);
	prom_reader_init(&r, text, strlen(text));
	CHECK(prom_parse_next(&r, &l[0]) == 1 && l[0].kind == PROM_LINE_HELP);
	CHECK_STR(l[0].name, "a_total");
	CHECK_STR(l[0].text, "Calls \\ per\nline.");
	CHECK(prom_parse_next(&r, &l[0]) == 1 && l[0].kind == PROM_LINE_TYPE);
	CHECK_STR(l[0].text, "counter");
	CHECK(prom_parse_next(&r, &l[0]) == 1 && l[0].kind == PROM_LINE_SAMPLE && l[0].nlabels == 2);
	CHECK_STR(l[0].name, "a_total");
	CHECK_STR(prom_line_label(&l[0], "path"), "C:\\x \"q\"\n");
	CHECK_STR(prom_line_label(&l[0], "pid"), "1");
	CHECK(prom_line_label(&l[0], "nope") == NULL && l[0].value == 12.5);
	CHECK(r.line_len == strlen("a_total{pid=\"1\",path=\"C:\\\\x \\\"q\\\"\\n\"} 12.5"));
	CHECK(prom_parse_next(&r, &l[0]) == 1 && l[0].nlabels == 0 && l[0].value == 1e-06);
	CHECK(prom_parse_next(&r, &l[0]) == 1 && isinf(l[0].value) && l[0].nlabels == 1);
	CHECK(prom_parse_next(&r, &l[0]) == 0);
	prom_reader_free(&r);
}

TEST(malformed_lines_are_refused_with_their_number)
{
	static const char *const bad[] = {
		"a{x=\"1} 1\n",		/* unterminated value */
		"a{x=1} 1\n",		/* unquoted */
		"a{x=\"\\t\"} 1\n",	/* unknown escape */
		"a 1 2 3\n",
		"a\n",
		"a one\n",
		"1a 1\n",
		"# TYPE a\n",
		"a{x=\"1\" y=\"2\"} 1\n",
	};
	struct prom_line l[4];
	int line_no;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];

		snprintf(text, sizeof(text), "ok 1\n%s", bad[i]);
		CHECK(parse_all(text, l, 4, &line_no) == -EINVAL && line_no == 2);
	}
}
