// SPDX-License-Identifier: GPL-2.0
/* The Pyroscope client on libcurl (http and https, connection reuse, timeouts), and the rules for its server URL.
 * A server that is down costs one timeout per back-off period, not one per profile: the daemon's loop must not
 * stall behind it. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/cli.h"
#include "daemon/pyroscope.h"
#include "lib/utf8.h"
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

const char *pyroscope_check_url(const char *s)
{
	size_t skip = !strncmp(s, "http://", 7) ? 7 : !strncmp(s, "https://", 8) ? 8 : 0;

	if (!skip)
		return "must start with http:// or https:// (example: http://pyroscope:4040)";
	if (strlen(s) > 2048)
		return "longer than 2048 characters";
	for (const char *c = s; *c; c++)
		if (!url_char(*c))
			return *c == '?' || *c == '#' ? "must not have a query or fragment: /ingest and its parameters "
						       "are added to it"
						     : "has a character that must be percent-encoded (%XX)";
	return check_authority(s + skip, strcspn(s + skip, "/"));
}

/* ---- the client ---- */

struct pyroscope {
	CURL *curl;
	char *url;			/* base, no trailing '/' */
	struct pyroscope_options opts;
	long backoff_ms;		/* current back-off, 0 when the last push reached the server */
	int64_t retry_after_ms;		/* monotonic time before which pushes fail fast */
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

int pyroscope_open(const char *url, const struct pyroscope_options *opts, struct pyroscope **out)
{
	struct pyroscope *p;
	size_t n;

	*out = NULL;
	if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
		return -EINVAL;
	pthread_once(&curl_once, init_curl);
	if (curl_init_rc != CURLE_OK)
		return -ENOMEM;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (opts)
		p->opts = *opts;
	p->opts.timeout_ms = p->opts.timeout_ms > 0 ? p->opts.timeout_ms : 10000;
	p->opts.connect_timeout_ms = p->opts.connect_timeout_ms > 0 ? p->opts.connect_timeout_ms : 3000;
	p->opts.backoff_ms = p->opts.backoff_ms > 0 ? p->opts.backoff_ms : 10000;
	p->url = strdup(url);
	p->curl = curl_easy_init();
	if (!p->url || !p->curl) {
		pyroscope_close(p);
		return -ENOMEM;
	}
	for (n = strlen(p->url); n > 0 && p->url[n - 1] == '/'; n--)
		p->url[n - 1] = '\0';
	*out = p;
	return 0;
}

void pyroscope_close(struct pyroscope *p)
{
	if (!p)
		return;
	if (p->curl)
		curl_easy_cleanup(p->curl);
	free(p->url);
	free(p);
}

/* Fills err and returns rc, for one-line failures. */
static int failed(char *err, size_t err_size, int rc, const char *message)
{
	snprintf(err, err_size, "%s", message);
	return rc;
}

/* ---- the series name ---- */

struct text {
	char *out;
	size_t size, len;
	bool overflow;
};

static void put_char(struct text *t, char c)
{
	if (t->len + 1 >= t->size) {
		t->overflow = true;
		return;
	}
	t->out[t->len++] = c;
	t->out[t->len] = '\0';
}

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool label_name_char(char c)
{
	return alnum(c) || c == '_' || c == '.';
}

static bool app_char(char c)
{
	return label_name_char(c) || c == '-' || c == '/';
}

/* Pyroscope's label-name characters; names starting "__" are its own. */
static bool label_name_ok(const char *s)
{
	if (!s || !*s || !strncmp(s, "__", 2))
		return false;
	for (; *s; s++)
		if (!label_name_char(*s))
			return false;
	return true;
}

/* A label value without what ends a value in Pyroscope's parser, without the spaces it would trim, and valid
 * UTF-8 (label values are Go strings checked for it). */
static void put_value(struct text *t, const char *v)
{
	const char *end = v + strlen(v);
	uint32_t cp;

	while (*v == ' ')
		v++;
	while (end > v && end[-1] == ' ')
		end--;
	while (v < end) {
		int n = utf8_decode(v, &cp);

		if (n == 0 || v + n > end || strchr(",{}=", *v) || cp < 0x20 || cp == 0x7f) {
			put_char(t, '_');
			n = n && v + n <= end ? n : 1;
		} else {
			for (int i = 0; i < n; i++)
				put_char(t, v[i]);
		}
		v += n;
	}
}

int pyroscope_series_name(char *out, size_t size, const char *app, const struct pyroscope_label *labels,
			  int nlabels)
{
	struct text t = { out, size, 0, false };
	bool first = true;

	if (!size)
		return -ENAMETOOLONG;
	out[0] = '\0';
	if (!app || !*app)
		app = "unknown";
	for (const char *c = app; *c; c++)
		put_char(&t, app_char(*c) ? *c : '_');
	put_char(&t, '{');
	for (int i = 0; i < nlabels && labels; i++) {
		if (!label_name_ok(labels[i].name) || !labels[i].value || !*labels[i].value)
			continue;
		if (!first)
			put_char(&t, ',');
		first = false;
		for (const char *c = labels[i].name; *c; c++)
			put_char(&t, *c);
		put_char(&t, '=');
		put_value(&t, labels[i].value);
	}
	put_char(&t, '}');
	return t.overflow ? -ENAMETOOLONG : 0;
}

/* ---- the request ---- */

/* Percent-encodes everything but RFC 3986's unreserved characters. */
static void put_encoded(struct text *t, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (alnum((char)c) || strchr("-._~", c)) {
			put_char(t, (char)c);
		} else {
			put_char(t, '%');
			put_char(t, hex[c >> 4]);
			put_char(t, hex[c & 15]);
		}
	}
}

static int ingest_url(const struct pyroscope *p, const struct pyroscope_profile *prof, char *out, size_t size)
{
	char name[2048], numbers[96];
	struct text t = { out, size, 0, false };
	int err = pyroscope_series_name(name, sizeof(name), prof->app, prof->labels, prof->nlabels);

	if (err)
		return err;
	out[0] = '\0';
	for (const char *c = p->url; *c; c++)
		put_char(&t, *c);
	for (const char *c = "/ingest?name="; *c; c++)
		put_char(&t, *c);
	put_encoded(&t, name);
	snprintf(numbers, sizeof(numbers), "&from=%lld&until=%lld&format=pprof&spyName=gotrace",
		 (long long)(prof->from_ns / 1000000000), (long long)(prof->until_ns / 1000000000));
	for (const char *c = numbers; *c; c++)
		put_char(&t, *c);
	if (prof->sample_rate_hz) {
		snprintf(numbers, sizeof(numbers), "&sampleRate=%u", prof->sample_rate_hz);
		for (const char *c = numbers; *c; c++)
			put_char(&t, *c);
	}
	return t.overflow ? -ENAMETOOLONG : 0;
}

/* Keeps the first bytes of the answer for an error message; reads (and drops) the rest. */
static size_t on_answer(char *data, size_t size, size_t n, void *ctx)
{
	struct text *t = ctx;

	for (size_t i = 0; i < size * n && !t->overflow; i++)
		put_char(t, data[i]);
	return size * n;
}

static curl_mime *make_form(CURL *curl, const struct pyroscope_profile *prof)
{
	curl_mime *form = curl_mime_init(curl);
	curl_mimepart *part = form ? curl_mime_addpart(form) : NULL;

	if (!part || curl_mime_name(part, "profile") != CURLE_OK ||
	    curl_mime_filename(part, "profile.pprof") != CURLE_OK ||
	    curl_mime_type(part, "application/octet-stream") != CURLE_OK ||
	    curl_mime_data(part, prof->pprof, prof->len) != CURLE_OK) {
		curl_mime_free(form);
		return NULL;
	}
	return form;
}

static void set_options(struct pyroscope *p, const char *url, curl_mime *form, struct curl_slist *headers,
			char *curl_err, struct text *answer)
{
	CURL *c = p->curl;

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_MIMEPOST, form);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "gotrace/" GOTRACE_VERSION);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, p->opts.timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, p->opts.connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);	/* no SIGALRM for name resolution timeouts */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_answer);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, answer);
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
	case CURLE_UNSUPPORTED_PROTOCOL:	/* the scheme was checked at open: an HTTP/0.9-like answer */
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
static void note_reachability(struct pyroscope *p, int err)
{
	if (err == -ETIMEDOUT || err == -ECONNREFUSED || err == -EHOSTUNREACH) {
		p->backoff_ms = p->backoff_ms ? p->backoff_ms * 2 : p->opts.backoff_ms;
		if (p->backoff_ms > MAX_BACKOFF_MS)
			p->backoff_ms = MAX_BACKOFF_MS;
		p->retry_after_ms = now_ms() + p->backoff_ms;
	} else {
		p->backoff_ms = 0;
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

static int perform(struct pyroscope *p, const char *url, curl_mime *form, char *err, size_t err_size)
{
	char curl_err[CURL_ERROR_SIZE] = "", answer_buf[ANSWER_KEEP], line[ANSWER_KEEP];
	struct text answer = { answer_buf, sizeof(answer_buf), 0, false };
	struct curl_slist *headers = curl_slist_append(NULL, "Expect:");	/* no 1 s wait for 100-continue */
	long status = 0;
	CURLcode rc;
	int result;

	if (!headers)
		return failed(err, err_size, -ENOMEM, "out of memory");
	answer_buf[0] = '\0';
	set_options(p, url, form, headers, curl_err, &answer);
	rc = curl_easy_perform(p->curl);
	curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_reset(p->curl);	/* drops the pointers to this call's form, headers and buffers */
	curl_slist_free_all(headers);
	if (rc != CURLE_OK) {
		result = errno_of(rc);
		snprintf(err, err_size, "%s", curl_err[0] ? curl_err : curl_easy_strerror(rc));
	} else if (status < 200 || status > 299) {
		result = -EPROTO;
		first_line(answer_buf, line, sizeof(line));
		snprintf(err, err_size, "HTTP %ld%s%s", status, line[0] ? ": " : "", line);
	} else {
		result = 0;
	}
	note_reachability(p, result);
	return result;
}

int pyroscope_push(struct pyroscope *p, const struct pyroscope_profile *prof, char *err, size_t err_size)
{
	char url[4096];
	curl_mime *form;
	int rc;

	if (err_size)
		err[0] = '\0';
	if (!prof || (!prof->pprof && prof->len) || prof->until_ns < prof->from_ns || prof->nlabels < 0)
		return failed(err, err_size, -EINVAL, "invalid profile");
	if (p->backoff_ms && now_ms() < p->retry_after_ms) {
		snprintf(err, err_size, "server unreachable at the last attempt; retrying in at most %ld s",
			 p->backoff_ms / 1000);
		return -EAGAIN;
	}
	rc = ingest_url(p, prof, url, sizeof(url));
	if (rc)
		return failed(err, err_size, rc, "URL too long (too many labels?)");
	form = make_form(p->curl, prof);
	if (!form)
		return failed(err, err_size, -ENOMEM, "out of memory");
	rc = perform(p, url, form, err, err_size);
	curl_mime_free(form);
	return rc;
}
