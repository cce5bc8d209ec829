/* SPDX-License-Identifier: GPL-2.0 */
/* Pushing profiles to a Pyroscope-compatible server: POST {url}/ingest?name=app{labels}&from=&until=
 * &format=pprof&sampleRate=, the pprof as the multipart/form-data field "profile". */
#ifndef GOTRACE_PYROSCOPE_H
#define GOTRACE_PYROSCOPE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/http_client.h"

struct pyroscope_label {
	const char *name, *value;
};

struct pyroscope_profile {
	const char *app;			/* application name: becomes Pyroscope's service_name */
	const struct pyroscope_label *labels;	/* e.g. {"pid", "1234"}, {"host", "web-3"} */
	int nlabels;
	int64_t from_ns, until_ns;		/* the time the profile covers (sent in whole seconds) */
	unsigned sample_rate_hz;		/* cpu sampling frequency; 0: not sent */
	const void *pprof;			/* the profile, gzip-compressed or not */
	size_t len;
};

struct pyroscope;

/* url: one that http_check_base_url accepts (daemon_config checks it), without "/ingest". opts may be NULL. 0,
 * -EINVAL (not http or https), -ENOMEM. */
int pyroscope_open(const char *url, const struct http_client_options *opts, struct pyroscope **out);
void pyroscope_close(struct pyroscope *p);

/* "app{name=value,...}" as Pyroscope parses it: the application name keeps [A-Za-z0-9_./-] (other bytes become
 * '_', an empty name "unknown"); a label whose name is not [A-Za-z0-9_.]+ or starts with "__", or whose value is
 * empty, is left out; in values ',', '{', '}', '=', control characters and bytes that are not UTF-8 become '_'
 * and spaces at either end go. 0, or -ENAMETOOLONG when it does not fit in size. */
int pyroscope_series_name(char *out, size_t size, const char *app, const struct pyroscope_label *labels,
			  int nlabels);

/* Sends one profile and waits for the answer (at most timeout_ms). 0 for a 2xx answer; otherwise a negative
 * errno with one line in err: -EINVAL (bad profile), -EAGAIN (backing off after an earlier failure: nothing
 * sent), -ETIMEDOUT, -ECONNREFUSED, -EHOSTUNREACH (name or address not reachable), -EPROTO (an HTTP status
 * other than 2xx: "HTTP 400: <first line of the answer>"; or a malformed answer), -EIO (anything else,
 * curl's message in err). Any answer is safe: bodies are read into a bounded buffer. */
int pyroscope_push(struct pyroscope *p, const struct pyroscope_profile *prof, char *err, size_t err_size);

#endif
