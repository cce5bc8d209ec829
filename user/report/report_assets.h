/* SPDX-License-Identifier: GPL-2.0 */
/* The report page's stylesheet and script: user/report/assets/report.css and report.js, carried by the binary
 * because the page loads nothing. The Makefile has scripts/embed-files.sh write their bytes into a generated C
 * file (build/gen/report_assets.c) that defines these; editing either file rebuilds it.
 * The script is plain JavaScript (no library): it reads the JSON report_data.c embeds and draws the timeline
 * (lanes of events; events closer than a pixel merged into one mark that counts them), the heatmaps (columns
 * narrower than 2 px summed) and the flamegraph, with zoom, pan, hover details and search. */
#ifndef GOTRACE_REPORT_ASSETS_H
#define GOTRACE_REPORT_ASSETS_H

#include <stddef.h>

/* The files' bytes, without a terminating NUL. */
extern const unsigned char report_css[];
extern const size_t report_css_len;
extern const unsigned char report_js[];
extern const size_t report_js_len;

#endif
