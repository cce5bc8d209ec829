// SPDX-License-Identifier: GPL-2.0
/* A push server's base URL: what the daemon's configuration accepts, and the one-line reason for what it refuses;
 * libcurl loaded while a client is open, and only then. (Posting to real servers: tests/integration.) */
#include <stdio.h>

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
