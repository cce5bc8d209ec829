/* SPDX-License-Identifier: GPL-2.0 */
/* Pushing profiles to Parca: its write API over plain HTTP/1.1, POST {url}/api/profiles/writeraw (Parca's gRPC
 * gateway; JSON: the series' labels, with __name__, and the pprof in base64). Parca files each of the profile's
 * sample types as a profile type of its own, "<__name__>:<type>:<unit>:<period type>:<period unit>:delta". */
#ifndef GOTRACE_PARCA_H
#define GOTRACE_PARCA_H

#include <stddef.h>

#include "lib/http_client.h"
#include "lib/prom.h"

struct parca;

/* url: one that http_check_base_url accepts, without a trailing '/'. opts may be NULL. 0 or -ENOMEM. */
int parca_open(const char *url, const struct http_client_options *opts, struct parca **out);
void parca_close(struct parca *p);

/* Sends one pprof (gzip-compressed or not) as series name (Parca's __name__, e.g. "process_cpu") with labels
 * (empty values left out). 0, or a negative errno with one line in err (http_client_post's). */
int parca_push(struct parca *p, const char *name, const struct prom_label *labels, int nlabels, const void *pprof,
	       size_t len, char *err, size_t err_size);

#endif
