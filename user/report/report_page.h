/* SPDX-License-Identifier: GPL-2.0 */
/* The report page: one self-contained HTML file drawn from a report model (report.h). Data flows one way:
 * report_html.c writes the page and, inside it, calls report_data.c for the JSON the page's script draws; both
 * escape what they write with report_escape.c. The stylesheet and script are report_assets.h's. */
#ifndef GOTRACE_REPORT_PAGE_H
#define GOTRACE_REPORT_PAGE_H

#include <stdio.h>

#include "report/report.h"

struct report_page_opts {
	const char *source;		/* how the data was recorded, shown in the footer */
	const char *flame_note;		/* why there is no flamegraph, when there is none */
};

/* The whole page (report_html.c). 0, -ENOMEM or -EIO (a write error on out). */
int report_write_html(FILE *out, const struct report *r, const struct report_flame *flame,
		      const struct report_page_opts *o);

/* The data the page's script draws, as one JSON object (report_data.c), written through report_script_stream().
 * 0, -ENOMEM or -EIO. */
int report_write_data(FILE *out, const struct report *r, const struct report_flame *flame);

/* ---- escaping (report_escape.c) ---- */

/* HTML text: & < > " ' escaped, control characters and invalid UTF-8 bytes shown as U+FFFD. */
void report_html_escape(FILE *out, const char *s);
/* A stream whose writes reach `out` with '<', '>' and '&' as \u003c, \u003e, \u0026: JSON text made safe inside
 * a <script> element (those bytes occur only inside JSON strings, where the escapes mean the same). NULL on
 * failure. Closing it flushes into out and leaves out open. */
FILE *report_script_stream(FILE *out);

#endif
