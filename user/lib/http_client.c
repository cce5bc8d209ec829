// SPDX-License-Identifier: GPL-2.0
/* The push client on libcurl (http_client.h) and the rules for a server's base URL. libcurl is loaded while a
 * client is open (lib/shared_lib.h): most daemons push nowhere, and linked in, libcurl and the TLS, Kerberos and
 * LDAP libraries it needs kept about 5 MiB resident in every gotrace. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/cli.h"
#include "lib/http_client.h"
#include "lib/log.h"
#include "lib/shared_lib.h"
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

/* The functions of libcurl this file calls, named as libcurl names them without the curl_ prefix. */
static struct {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_global_cleanup) *global_cleanup;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_reset) *easy_reset;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_mime_init) *mime_init;
	__typeof__(curl_mime_addpart) *mime_addpart;
	__typeof__(curl_mime_name) *mime_name;
	__typeof__(curl_mime_filename) *mime_filename;
	__typeof__(curl_mime_type) *mime_type;
	__typeof__(curl_mime_data) *mime_data;
	__typeof__(curl_mime_free) *mime_free;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
} libcurl;

static const struct shared_lib_symbol libcurl_symbols[] = {
	{ "curl_global_init", (void **)&libcurl.global_init },
	{ "curl_global_cleanup", (void **)&libcurl.global_cleanup },
	{ "curl_easy_init", (void **)&libcurl.easy_init },
	{ "curl_easy_cleanup", (void **)&libcurl.easy_cleanup },
	{ "curl_easy_setopt", (void **)&libcurl.easy_setopt },
	{ "curl_easy_perform", (void **)&libcurl.easy_perform },
	{ "curl_easy_getinfo", (void **)&libcurl.easy_getinfo },
	{ "curl_easy_reset", (void **)&libcurl.easy_reset },
	{ "curl_easy_strerror", (void **)&libcurl.easy_strerror },
	{ "curl_mime_init", (void **)&libcurl.mime_init },
	{ "curl_mime_addpart", (void **)&libcurl.mime_addpart },
	{ "curl_mime_name", (void **)&libcurl.mime_name },
	{ "curl_mime_filename", (void **)&libcurl.mime_filename },
	{ "curl_mime_type", (void **)&libcurl.mime_type },
	{ "curl_mime_data", (void **)&libcurl.mime_data },
	{ "curl_mime_free", (void **)&libcurl.mime_free },
	{ "curl_slist_append", (void **)&libcurl.slist_append },
	{ "curl_slist_free_all", (void **)&libcurl.slist_free_all },
};

static int libcurl_loaded(void)
{
	return libcurl.global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -ENOMEM;
}

static void libcurl_unloading(void)
{
	libcurl.global_cleanup();
}

/* libcurl's SONAME has been libcurl.so.4 since 2006 (7.16). */
static struct shared_lib libcurl_lib = SHARED_LIB_HOOKED("libcurl.so.4", libcurl_symbols, libcurl_loaded,
							 libcurl_unloading);

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
	if (shared_lib_get(&libcurl_lib)) {
		log_error("cannot push over HTTP: %s", shared_lib_error(&libcurl_lib));
		return -ELIBACC;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		shared_lib_put(&libcurl_lib);
		return -ENOMEM;
	}
	if (opts)
		c->opts = *opts;
	c->opts.timeout_ms = c->opts.timeout_ms > 0 ? c->opts.timeout_ms : 10000;
	c->opts.connect_timeout_ms = c->opts.connect_timeout_ms > 0 ? c->opts.connect_timeout_ms : 3000;
	c->opts.backoff_ms = c->opts.backoff_ms > 0 ? c->opts.backoff_ms : 10000;
	c->curl = libcurl.easy_init();
	if (!c->curl) {
		free(c);
		shared_lib_put(&libcurl_lib);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

void http_client_close(struct http_client *c)
{
	if (!c)
		return;
	libcurl.easy_cleanup(c->curl);
	free(c);
	shared_lib_put(&libcurl_lib);
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
	curl_mime *form = libcurl.mime_init(curl);
	curl_mimepart *part = form ? libcurl.mime_addpart(form) : NULL;

	if (!part || libcurl.mime_name(part, body->form_field) != CURLE_OK ||
	    libcurl.mime_filename(part, body->form_filename) != CURLE_OK ||
	    libcurl.mime_type(part, body->content_type) != CURLE_OK ||
	    libcurl.mime_data(part, body->data, body->len) != CURLE_OK) {
		libcurl.mime_free(form);
		return NULL;
	}
	return form;
}

/* "Expect:" drops curl's 1 s wait for a 100-continue; the body's type, unless it goes in a form. */
static struct curl_slist *make_headers(const struct http_body *body)
{
	struct curl_slist *list = libcurl.slist_append(NULL, "Expect:"), *next;
	char type[256];

	if (list && !body->form_field && body->content_type) {
		snprintf(type, sizeof(type), "Content-Type: %s", body->content_type);
		if (!(next = libcurl.slist_append(list, type)))
			goto fail;
		list = next;
	}
	for (size_t i = 0; list && body->headers && body->headers[i]; i++) {
		if (!(next = libcurl.slist_append(list, body->headers[i])))
			goto fail;
		list = next;
	}
	return list;
fail:
	libcurl.slist_free_all(list);
	return NULL;
}

static void set_options(struct http_client *c, const char *url, const struct http_body *body, curl_mime *form,
			struct curl_slist *headers, char *curl_err, struct answer *answer)
{
	CURL *h = c->curl;

	libcurl.easy_setopt(h, CURLOPT_URL, url);
	libcurl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	if (form) {
		libcurl.easy_setopt(h, CURLOPT_MIMEPOST, form);
	} else {
		libcurl.easy_setopt(h, CURLOPT_POSTFIELDS, body->data ? body->data : "");
		libcurl.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
	}
	libcurl.easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	libcurl.easy_setopt(h, CURLOPT_USERAGENT, "gotrace/" GOTRACE_VERSION);
	libcurl.easy_setopt(h, CURLOPT_TIMEOUT_MS, c->opts.timeout_ms);
	libcurl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->opts.connect_timeout_ms);
	libcurl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);	/* no SIGALRM for name resolution timeouts */
	libcurl.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	libcurl.easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
	libcurl.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_answer);
	libcurl.easy_setopt(h, CURLOPT_WRITEDATA, answer);
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
	rc = libcurl.easy_perform(c->curl);
	libcurl.easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	libcurl.easy_reset(c->curl);	/* drops the pointers to this call's form, headers and buffers */
	libcurl.slist_free_all(headers);
	if (rc != CURLE_OK) {
		result = errno_of(rc);
		snprintf(err, err_size, "%s", curl_err[0] ? curl_err : libcurl.easy_strerror(rc));
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
	libcurl.mime_free(form);
	return rc;
}
