// SPDX-License-Identifier: GPL-2.0
/* The Pyroscope client: its series names and /ingest URLs, sent with lib/http_client. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/pyroscope.h"
#include "lib/utf8.h"

/* ---- the client ---- */

struct pyroscope {
	struct http_client *http;
	char *url;			/* base, no trailing '/' */
};

int pyroscope_open(const char *url, const struct http_client_options *opts, struct pyroscope **out)
{
	struct pyroscope *p;
	size_t n;

	*out = NULL;
	if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->url = strdup(url);
	if (!p->url || http_client_open(opts, &p->http)) {
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
	http_client_close(p->http);
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

int pyroscope_push(struct pyroscope *p, const struct pyroscope_profile *prof, char *err, size_t err_size)
{
	struct http_body body = { .content_type = "application/octet-stream", .data = prof ? prof->pprof : NULL,
				  .len = prof ? prof->len : 0, .form_field = "profile",
				  .form_filename = "profile.pprof" };
	char url[4096];
	int rc;

	if (err_size)
		err[0] = '\0';
	if (!prof || (!prof->pprof && prof->len) || prof->until_ns < prof->from_ns || prof->nlabels < 0)
		return failed(err, err_size, -EINVAL, "invalid profile");
	rc = ingest_url(p, prof, url, sizeof(url));
	if (rc)
		return failed(err, err_size, rc, "URL too long (too many labels?)");
	return http_client_post(p->http, url, &body, err, err_size);
}
