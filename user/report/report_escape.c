// SPDX-License-Identifier: GPL-2.0
/* The report page's two escapes: text from the trace inside HTML, and JSON inside a <script> element. Both the
 * page (report_html.c) and its data (report_data.c) use them, so they live apart from either. */
#include <stdio.h>

#include "lib/utf8.h"
#include "report/report_page.h"

void report_html_escape(FILE *out, const char *s)
{
	static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

	while (s && *s) {
		uint32_t cp;
		int n = utf8_decode(s, &cp);

		if (!n || (cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7f) {
			fputs(replacement, out);
			s += n ? n : 1;
			continue;
		}
		switch (cp) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fwrite(s, 1, n, out);
		}
		s += n;
	}
}

static ssize_t script_write(void *cookie, const char *buf, size_t size)
{
	FILE *out = cookie;

	for (size_t i = 0; i < size; i++) {
		const char *esc = buf[i] == '<' ? "\\u003c" : buf[i] == '>' ? "\\u003e" : buf[i] == '&' ? "\\u0026"
												      : NULL;

		if (esc ? fputs(esc, out) < 0 : fputc(buf[i], out) == EOF)
			return -1;
	}
	return (ssize_t)size;
}

FILE *report_script_stream(FILE *out)
{
	cookie_io_functions_t io = { .write = script_write };

	return fopencookie(out, "w", io);
}
