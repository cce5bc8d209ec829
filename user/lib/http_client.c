// SPDX-License-Identifier: GPL-2.0
/* The push client on libcurl (http_client.h) and the rules for a server's base URL. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/cli.h"
#include "lib/http_client.h"
#include "lib/version.h"

#define MAX_BACKOFF_MS (5 * 60 * 1000L)
#define ANSWER_KEEP 256		/* bytes of an error answer kept for the message */

/* ---- the server's URL ---- */

static bool url_char(char c)
{
	return isalnum((unsigned char)c) || strchr("-._~:/@!$&'()*+,;=%[]", c);
}

static const char *check_authority(const char *s, size_t n)
{
	const char *at = memrchr(s, '@', n), *host = at ? at + 1 : s, *end = s + n, *colon;
	uint64_t port;
	char digits[8];

	if (host == end)
		return "no host after http(s)://";
	colon = host[0] == '[' ? memchr(host, ']', end - host) : host;
	if (!colon)
		return "an IPv6 host needs its closing ']'";
	colon = memchr(colon, ':', end - colon);
	if (colon == host)
		return "no host before the port";
	if (colon && (end - colon - 1 < 1 || end - colon - 1 > 5))
		return "the port must be a number from 1 to 65535";
	if (colon) {
		memcpy(digits, colon + 1, end - colon - 1);
		digits[end - colon - 1] = '\0';
		if (cli_parse_u64(digits, 1, 65535, &port))
			return "the port must be a number from 1 to 65535";
	}
	return NULL;
}

const char *http_check_base_url(const char *s)
{
	size_t skip = !strncmp(s, "http://", 7) ? 7 : !strncmp(s, "https://", 8) ? 8 : 0;

	if (!skip)
		return "must start with http:// or https://";
	if (strlen(s) > 2048)
		return "longer than 2048 characters";
	for (const char *c = s; *c; c++)
		if (!url_char(*c))
			return *c == '?' || *c == '#' ? "must not have a query or fragment: paths and parameters are "
							"added to it"
						     : "has a character that must be percent-encoded (%XX)";
	return check_authority(s + skip, strcspn(s + skip, "/"));
}

/* ---- the client ---- */

struct http_client {
	CURL *curl;
	struct http_client_options opts;
	long backoff_ms;		/* current back-off, 0 when the last post reached the server */
	int64_t retry_after_ms;		/* monotonic time before which posts fail fast */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void init_curl(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int http_client_open(const struct http_client_options *opts, struct http_client **out)
{
	struct http_client *c;

	*out = NULL;
	pthread_once(&curl_once, init_curl);
	if (curl_init_rc != CURLE_OK)
		return -ENOMEM;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (opts)
		c->opts = *opts;
	c->opts.timeout_ms = c->opts.timeout_ms > 0 ? c->opts.timeout_ms : 10000;
	c->opts.connect_timeout_ms = c->opts.connect_timeout_ms > 0 ? c->opts.connect_timeout_ms : 3000;
	c->opts.backoff_ms = c->opts.backoff_ms > 0 ? c->opts.backoff_ms : 10000;
	c->curl = curl_easy_init();
	if (!c->curl) {
		free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

void http_client_close(struct http_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
}

struct answer {
	char text[ANSWER_KEEP];
	size_t len;
};

/* Keeps the first bytes of the answer for an error message; reads (and drops) the rest. */
static size_t on_answer(char *data, size_t size, size_t n, void *ctx)
{
	struct answer *a = ctx;

	for (size_t i = 0; i < size * n && a->len + 1 < sizeof(a->text); i++)
		a->text[a->len++] = data[i];
	a->text[a->len] = '\0';
	return size * n;
}

static curl_mime *make_form(CURL *curl, const struct http_body *body)
{
	curl_mime *form = curl_mime_init(curl);
	curl_mimepart *part = form ? curl_mime_addpart(form) : NULL;

	if (!part || curl_mime_name(part, body->form_field) != CURLE_OK ||
	    curl_mime_filename(part, body->form_filename) != CURLE_OK ||
	    curl_mime_type(part, body->content_type) != CURLE_OK ||
	    curl_mime_data(part, body->data, body->len) != CURLE_OK) {
		curl_mime_free(form);
		return NULL;
	}
	return form;
}

/* "Expect:" drops curl's 1 s wait for a 100-continue; the body's type, unless it goes in a form. */
static struct curl_slist *make_headers(const struct http_body *body)
{
	struct curl_slist *list = curl_slist_append(NULL, "Expect:"), *next;
	char type[256];

	if (list && !body->form_field && body->content_type) {
		snprintf(type, sizeof(type), "Content-Type: %s", body->content_type);
		if (!(next = curl_slist_append(list, type)))
			goto fail;
		list = next;
	}
	for (size_t i = 0; list && body->headers && body->headers[i]; i++) {
		if (!(next = curl_slist_append(list, body->headers[i])))
			goto fail;
		list = next;
	}
	return list;
fail:
	curl_slist_free_all(list);
	return NULL;
}

static void set_options(struct http_client *c, const char *url, const struct http_body *body, curl_mime *form,
			struct curl_slist *headers, char *curl_err, struct answer *answer)
{
	CURL *h = c->curl;

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	if (form) {
		curl_easy_setopt(h, CURLOPT_MIMEPOST, form);
	} else {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->data ? body->data : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "gotrace/" GOTRACE_VERSION);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->opts.timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->opts.connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);	/* no SIGALRM for name resolution timeouts */
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_answer);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, answer);
}

static int errno_of(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
		return -EHOSTUNREACH;
	case CURLE_UNSUPPORTED_PROTOCOL:	/* an HTTP/0.9-like answer */
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
		return -EPROTO;
	default:
		return -EIO;
	}
}

/* A failure to reach the server starts (or doubles) the back-off; an answer of any kind ends it. */
static void note_reachability(struct http_client *c, int err)
{
	if (err == -ETIMEDOUT || err == -ECONNREFUSED || err == -EHOSTUNREACH) {
		c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : c->opts.backoff_ms;
		if (c->backoff_ms > MAX_BACKOFF_MS)
			c->backoff_ms = MAX_BACKOFF_MS;
		c->retry_after_ms = now_ms() + c->backoff_ms;
	} else {
		c->backoff_ms = 0;
	}
}

/* The answer's first line, printable, for "HTTP 400: ..." */
static void first_line(const char *answer, char *out, size_t size)
{
	size_t n = 0;

	for (; answer[n] && answer[n] != '\n' && answer[n] != '\r' && n + 1 < size; n++)
		out[n] = (unsigned char)answer[n] < 0x20 || answer[n] == 0x7f ? '?' : answer[n];
	out[n] = '\0';
}

static int perform(struct http_client *c, const char *url, const struct http_body *body, curl_mime *form,
		   char *err, size_t err_size)
{
	char curl_err[CURL_ERROR_SIZE] = "", line[ANSWER_KEEP];
	struct answer answer = { "", 0 };
	struct curl_slist *headers = make_headers(body);
	long status = 0;
	CURLcode rc;
	int result;

	if (!headers) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	set_options(c, url, body, form, headers, curl_err, &answer);
	rc = curl_easy_perform(c->curl);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_reset(c->curl);	/* drops the pointers to this call's form, headers and buffers */
	curl_slist_free_all(headers);
	if (rc != CURLE_OK) {
		result = errno_of(rc);
		snprintf(err, err_size, "%s", curl_err[0] ? curl_err : curl_easy_strerror(rc));
	} else if (status < 200 || status > 299) {
		result = -EPROTO;
		first_line(answer.text, line, sizeof(line));
		snprintf(err, err_size, "HTTP %ld%s%s", status, line[0] ? ": " : "", line);
	} else {
		result = 0;
	}
	note_reachability(c, result);
	return result;
}

int http_client_post(struct http_client *c, const char *url, const struct http_body *body, char *err,
		     size_t err_size)
{
	curl_mime *form = NULL;
	int rc;

	if (err_size)
		err[0] = '\0';
	if (c->backoff_ms && now_ms() < c->retry_after_ms) {
		snprintf(err, err_size, "server unreachable at the last attempt; retrying in at most %ld s",
			 c->backoff_ms / 1000);
		return -EAGAIN;
	}
	if (body->form_field && !(form = make_form(c->curl, body))) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	rc = perform(c, url, body, form, err, err_size);
	curl_mime_free(form);
	return rc;
}
