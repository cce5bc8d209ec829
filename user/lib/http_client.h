/* SPDX-License-Identifier: GPL-2.0 */
/* An HTTP client for the daemon's pushes (Pyroscope, OTLP, Parca) on libcurl: http and https, one connection
 * reused, bounded timeouts, a bounded read of any answer, a back-off (a server that is down costs one timeout per
 * back-off period, not one per push), and, for the daemon, a background thread with a bounded queue, so that a
 * slow or unreachable server never stalls the loop that reads GC records, events and scrapes. */
#ifndef GOTRACE_HTTP_CLIENT_H
#define GOTRACE_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

/* What became of one queued post: rc and err as http_client_post describes them, url the one it went to. */
typedef void (*http_result_fn)(void *arg, const char *url, int rc, const char *err);

struct http_client_options {
	long timeout_ms;		/* whole request; 0: 10 s */
	long connect_timeout_ms;	/* 0: 3 s */
	long backoff_ms;		/* after a failure to connect or a timeout, posts fail fast with -EAGAIN for
					 * this long, doubling on each further failure up to 5 minutes; 0: 10 s */
	/* Posts are queued (a copy) and sent in order by the client's own thread, so that a slow or unreachable
	 * server never holds up the caller: the daemon's loop goes on reading GC records and events meanwhile. */
	bool background;
	long drain_ms;			/* background: how long the close goes on sending what is queued; 0: 5 s */
	/* background: called in the client's thread with the result of each queued post (what the caller counts
	 * there must be atomic); a post refused at once is the caller's to count, from http_client_post's result. */
	http_result_fn on_result;
	void *result_arg;
};

/* What a POST sends: a body of content_type, or (form_field set) the body as the one file of a
 * multipart/form-data form. headers: "Name: value" strings, NULL-terminated, or NULL. */
struct http_body {
	const char *content_type;
	const void *data;
	size_t len;
	const char *form_field, *form_filename;
	const char *const *headers;
};

struct http_client;

/* Whether url can be a server's base URL that paths are appended to: http(s)://[user:password@]host[:port][/path],
 * no query or fragment, every other character percent-encoded, at most 2048 characters. NULL when it can, else
 * why not (a static explanation, one line). */
const char *http_check_base_url(const char *url);

/* url as a log line may show it: without the user:password@ of its authority (cut to size - 1 characters). */
void http_url_for_log(const char *url, char *out, size_t size);

/* opts may be NULL. libcurl is loaded while any client is open. 0, -ELIBACC (libcurl cannot be loaded: logged with
 * the loader's reason) or -ENOMEM. */
int http_client_open(const struct http_client_options *opts, struct http_client **out);
/* A background client sends what is queued first, for at most drain_ms in all (the post under way is cut then);
 * what is left is reported to on_result with -ECANCELED. */
void http_client_close(struct http_client *c);

#define HTTP_QUEUE_MAX_BYTES (16u << 20)	/* queued bodies of a background client beyond which posts are refused */

/* POSTs body to url (http or https) and waits for the answer (at most timeout_ms). 0 for a 2xx answer; otherwise
 * a negative errno with one line in err: -EAGAIN (backing off after an earlier failure: nothing sent),
 * -ETIMEDOUT, -ECONNREFUSED, -EHOSTUNREACH (name or address not reachable), -EPROTO (an HTTP status other than
 * 2xx: "HTTP 400: <first line of the answer>"; or a malformed answer), -ENOMEM, -ECANCELED (cut short by the
 * close of a background client), -EIO (anything else, curl's message in err).
 * A background client returns at once: 0 when the post is queued (its result goes to on_result), else -ENOBUFS
 * (HTTP_QUEUE_MAX_BYTES already wait: the server is slower than what is sent to it) or -ENOMEM, with err. */
int http_client_post(struct http_client *c, const char *url, const struct http_body *body, char *err,
		     size_t err_size);

#endif
