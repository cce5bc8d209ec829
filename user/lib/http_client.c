// SPDX-License-Identifier: GPL-2.0
/* The push client on libcurl (http_client.h) and the rules for a server's base URL. libcurl is loaded while a
 * client is open (lib/shared_lib.h): most daemons push nowhere, and linked in, libcurl and the TLS, Kerberos and
 * LDAP libraries it needs kept about 5 MiB resident in every gotrace. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
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

void http_url_for_log(const char *url, char *out, size_t size)
{
	const char *scheme_end = strstr(url, "://"), *host = url, *at;
	size_t scheme_len = 0;

	if (scheme_end) {
		scheme_len = (size_t)(scheme_end - url) + 3;
		host = url + scheme_len;
		at = memchr(host, '@', strcspn(host, "/"));
		if (at)
			host = at + 1;
	}
	snprintf(out, size, "%.*s%s", (int)scheme_len, url, host);
}

/* ---- the client ---- */

/* A post waiting for a background client's thread: copies of the caller's URL and body. */
struct queued_post {
	struct queued_post *next;
	char *url, *content_type, *form_field, *form_filename, **headers;
	void *data;
	size_t len;
};

/* A background client's queue, under its lock. */
struct post_queue {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct queued_post *head, *tail;
	size_t bytes;
	bool closing;
};

struct http_client {
	CURL *curl;			/* used by one thread only: the caller's, or the client's own (background) */
	struct http_client_options opts;
	long backoff_ms;		/* current back-off, 0 when the last post reached the server */
	int64_t retry_after_ms;		/* monotonic time before which posts fail fast */
	int64_t cut_after_ms;		/* atomic: closing, posts after this time are cut or cancelled */
	struct post_queue q;
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

static int queue_start(struct http_client *c);
static void queue_stop(struct http_client *c);

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
	c->opts.drain_ms = c->opts.drain_ms > 0 ? c->opts.drain_ms : 5000;
	c->cut_after_ms = INT64_MAX;
	c->curl = libcurl.easy_init();
	if (!c->curl || (c->opts.background && queue_start(c))) {
		if (c->curl)
			libcurl.easy_cleanup(c->curl);
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
	if (c->opts.background)
		queue_stop(c);
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

static bool past_cut(struct http_client *c)
{
	return now_ms() >= __atomic_load_n(&c->cut_after_ms, __ATOMIC_RELAXED);
}

/* A background client being closed cuts the post under way once its drain time is over. */
static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return past_cut(ctx);
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
	if (c->opts.background) {
		libcurl.easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		libcurl.easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
		libcurl.easy_setopt(h, CURLOPT_XFERINFODATA, c);
	}
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
	case CURLE_ABORTED_BY_CALLBACK:		/* cut by the close (on_progress) */
		return -ECANCELED;
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

static int post_now(struct http_client *c, const char *url, const struct http_body *body, char *err,
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

/* ---- the background queue ---- */

static void free_post(struct queued_post *p)
{
	if (!p)
		return;
	for (size_t i = 0; p->headers && p->headers[i]; i++)
		free(p->headers[i]);
	free(p->headers);
	free(p->url);
	free(p->content_type);
	free(p->form_field);
	free(p->form_filename);
	free(p->data);
	free(p);
}

static bool copy_string(const char *from, char **to)
{
	return !from || (*to = strdup(from));
}

static struct queued_post *copy_post(const char *url, const struct http_body *b)
{
	struct queued_post *p = calloc(1, sizeof(*p));
	size_t n = 0;
	bool ok;

	if (!p)
		return NULL;
	while (b->headers && b->headers[n])
		n++;
	ok = copy_string(url, &p->url) && copy_string(b->content_type, &p->content_type) &&
	     copy_string(b->form_field, &p->form_field) && copy_string(b->form_filename, &p->form_filename) &&
	     (!b->headers || (p->headers = calloc(n + 1, sizeof(*p->headers)))) &&
	     (p->data = malloc(b->len ? b->len : 1));
	for (size_t i = 0; ok && i < n; i++)
		ok = copy_string(b->headers[i], &p->headers[i]);
	if (!ok) {
		free_post(p);
		return NULL;
	}
	if (b->len)
		memcpy(p->data, b->data, b->len);
	p->len = b->len;
	return p;
}

static void post_queued(struct http_client *c, struct queued_post *p)
{
	struct http_body body = { .content_type = p->content_type, .data = p->data, .len = p->len,
				  .form_field = p->form_field, .form_filename = p->form_filename,
				  .headers = (const char *const *)p->headers };
	char err[512];
	int rc;

	if (past_cut(c)) {
		rc = -ECANCELED;
		snprintf(err, sizeof(err), "not sent: still queued %ld ms after the client was closed (slow server)",
			 c->opts.drain_ms);
	} else {
		rc = post_now(c, p->url, &body, err, sizeof(err));
	}
	if (c->opts.on_result)
		c->opts.on_result(c->opts.result_arg, p->url, rc, err);
}

/* The client's thread: sends the queue in order until the client closes and the queue is empty. */
static void *send_queued(void *arg)
{
	struct http_client *c = arg;
	struct queued_post *p;

	pthread_mutex_lock(&c->q.lock);
	for (;;) {
		while (!c->q.head && !c->q.closing)
			pthread_cond_wait(&c->q.wake, &c->q.lock);
		if (!(p = c->q.head))
			break;
		c->q.head = p->next;
		c->q.tail = c->q.head ? c->q.tail : NULL;
		pthread_mutex_unlock(&c->q.lock);
		post_queued(c, p);
		pthread_mutex_lock(&c->q.lock);
		c->q.bytes -= p->len;
		free_post(p);
	}
	pthread_mutex_unlock(&c->q.lock);
	return NULL;
}

/* The thread blocks every signal: the caller's signal handling (a signalfd) stays the only one. */
static int queue_start(struct http_client *c)
{
	sigset_t all, old;
	int err;

	pthread_mutex_init(&c->q.lock, NULL);
	pthread_cond_init(&c->q.wake, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&c->q.thread, NULL, send_queued, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pthread_cond_destroy(&c->q.wake);
		pthread_mutex_destroy(&c->q.lock);
	}
	return -err;
}

static void queue_stop(struct http_client *c)
{
	__atomic_store_n(&c->cut_after_ms, now_ms() + c->opts.drain_ms, __ATOMIC_RELAXED);
	pthread_mutex_lock(&c->q.lock);
	c->q.closing = true;
	pthread_cond_signal(&c->q.wake);
	pthread_mutex_unlock(&c->q.lock);
	pthread_join(c->q.thread, NULL);
	pthread_cond_destroy(&c->q.wake);
	pthread_mutex_destroy(&c->q.lock);
}

static int enqueue(struct http_client *c, const char *url, const struct http_body *body, char *err,
		   size_t err_size)
{
	struct queued_post *p;
	size_t waiting;

	pthread_mutex_lock(&c->q.lock);
	waiting = c->q.bytes;
	pthread_mutex_unlock(&c->q.lock);
	if (waiting + body->len > HTTP_QUEUE_MAX_BYTES) {
		snprintf(err, err_size, "not sent: %zu KiB already wait for the server (slower than what is sent to it)",
			 waiting / 1024);
		return -ENOBUFS;
	}
	if (!(p = copy_post(url, body))) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_lock(&c->q.lock);
	if (c->q.tail)
		c->q.tail->next = p;
	else
		c->q.head = p;
	c->q.tail = p;
	c->q.bytes += p->len;
	pthread_cond_signal(&c->q.wake);
	pthread_mutex_unlock(&c->q.lock);
	return 0;
}

int http_client_post(struct http_client *c, const char *url, const struct http_body *body, char *err,
		     size_t err_size)
{
	if (err_size)
		err[0] = '\0';
	return c->opts.background ? enqueue(c, url, body, err, err_size) : post_now(c, url, body, err, err_size);
}
