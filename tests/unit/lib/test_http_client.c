// SPDX-License-Identifier: GPL-2.0
/* A push server's base URL: what the daemon's configuration accepts, and the one-line reason for what it refuses;
 * libcurl loaded while a client is open, and only then; a background client's queue against a server that never
 * answers. (Posting to real servers: tests/integration and test_pyroscope.) */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/http_client.h"
#include "self_maps.h"
#include "unit.h"

TEST(server_urls_say_why_not)
{
	static const struct { const char *url, *why; } cases[] = {
		{ "http://p:4040", NULL },
		{ "https://u:p%40ss@h.example/pyro/", NULL },
		{ "http://[::1]:4040/x", NULL },
		{ "p:4040", "must start with http:// or https://" },
		{ "http://", "no host after http(s)://" },
		{ "http://u@", "no host after http(s)://" },
		{ "http://:80", "no host before the port" },
		{ "http://[::1/x", "an IPv6 host needs its closing ']'" },
		{ "http://h:0", "the port must be a number from 1 to 65535" },
		{ "http://h:", "the port must be a number from 1 to 65535" },
		{ "http://h:123456", "the port must be a number from 1 to 65535" },
		{ "http://h/?q=1", "must not have a query or fragment: paths and parameters are added to it" },
		{ "http://h/#f", "must not have a query or fragment: paths and parameters are added to it" },
		{ "http://h/a b", "has a character that must be percent-encoded (%XX)" },
	};
	char long_url[2100];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = http_check_base_url(cases[i].url);

		if (cases[i].why)
			CHECK_STR(why, cases[i].why);
		else
			CHECK(why == NULL);
	}
	snprintf(long_url, sizeof(long_url), "http://h/%02040d", 0);
	CHECK_STR(http_check_base_url(long_url), "longer than 2048 characters");
}


TEST(a_url_in_a_log_line_has_no_password)
{
	static const struct { const char *url, *shown; } cases[] = {
		{ "https://u:p%40ss@h.example/pyro/v1/metrics", "https://h.example/pyro/v1/metrics" },
		{ "http://token@[::1]:4318/v1/metrics", "http://[::1]:4318/v1/metrics" },
		{ "http://h:4318/a@b", "http://h:4318/a@b" },	/* an @ in the path is not user info */
		{ "http://h", "http://h" },
		{ "not a url", "not a url" },
	};
	char out[64], small[12];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		http_url_for_log(cases[i].url, out, sizeof(out));
		CHECK_STR(out, cases[i].shown);
	}
	http_url_for_log("http://u:p@host.example/x", small, sizeof(small));
	CHECK_STR(small, "http://host");
}

TEST(libcurl_is_loaded_while_a_client_is_open)
{
	struct http_client *a, *b;

	CHECK(!self_maps_has("libcurl"));	/* not linked in */
	CHECK(http_client_open(NULL, &a) == 0 && a);
	CHECK(self_maps_has("libcurl"));
	CHECK(http_client_open(NULL, &b) == 0 && b);
	http_client_close(a);
	CHECK(self_maps_has("libcurl"));
	http_client_close(b);
	CHECK(!self_maps_has("libcurl"));
	CHECK(http_client_open(NULL, &a) == 0 && a);	/* loaded and set up again (a daemon's reload) */
	CHECK(self_maps_has("libcurl"));
	http_client_close(a);
	CHECK(!self_maps_has("libcurl"));
}

/* A listening socket nobody accepts from: the kernel completes connections, nothing ever answers. */
static int silent_server(char *url, size_t size)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(fd, 8) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	snprintf(url, size, "http://127.0.0.1:%u/v1/metrics", ntohs(a.sin_port));
	return fd;
}

struct results {
	int n, cancelled;	/* written by the client's thread, read after the close joined it */
};

static void on_result(void *arg, const char *url, int rc, const char *err)
{
	struct results *r = arg;

	(void)url;
	r->n++;
	r->cancelled += rc == -ECANCELED && strstr(err, "ms") != NULL;
}

static double ms_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1e3 + (b.tv_nsec - a->tv_nsec) / 1e6;
}

/* Posts return at once whatever the server does; beyond HTTP_QUEUE_MAX_BYTES waiting they are refused (and not
 * reported later); the close gives the queue drain_ms, then cuts the post under way and cancels the rest, each
 * reported once. */
TEST(a_background_client_never_waits_for_the_server)
{
	struct results r = { 0 };
	struct http_client_options opts = { .timeout_ms = 60000, .background = true, .drain_ms = 300,
					    .on_result = on_result, .result_arg = &r };
	size_t big = HTTP_QUEUE_MAX_BYTES / 2;
	struct http_body body = { .content_type = "application/x-protobuf", .data = calloc(1, big), .len = big };
	struct http_client *c;
	struct timespec t0;
	char url[64], err[256];
	int fd = silent_server(url, sizeof(url));

	CHECK(body.data && http_client_open(&opts, &c) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(http_client_post(c, url, &body, err, sizeof(err)) == 0);
	CHECK(http_client_post(c, url, &body, err, sizeof(err)) == 0);
	CHECK(http_client_post(c, url, &body, err, sizeof(err)) == -ENOBUFS);
	CHECK(strstr(err, "already wait for the server") != NULL);
	CHECK(ms_since(&t0) < 1000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	http_client_close(c);
	CHECK(ms_since(&t0) >= 300 && ms_since(&t0) < 3000);
	CHECK(r.n == 2 && r.cancelled == 1);	/* one cut while sending, one never sent */
	free((void *)body.data);
	close(fd);
}
