// SPDX-License-Identifier: GPL-2.0
/* A profile as an OTLP profiles request: its dictionary holds the profile's strings once, starting with the empty
 * string, and the request is written whole (run under ASan by make test: no leak, no overflow). What a Collector
 * reads from it is checked against a real one in tests/integration/test_backends.py. */
#include <string.h>

#include "daemon/otlp_profiles.h"
#include "profile/profile.h"
#include "unit.h"

static bool contains(const struct pbuf *b, const char *s)
{
	return memmem(b->data, b->len, s, strlen(s)) != NULL;
}

TEST(a_profile_and_its_process_in_one_request)
{
	static const struct profile_value_type types[] = { { "samples", "count" }, { "cpu", "nanoseconds" } };
	const char *values[OTLP_RESOURCE_LABELS] = { "api", "1234" };	/* service, pid */
	struct otlp_self self = { "1.0", 1, "node-1", NULL };
	struct profile *p = profile_new(types, 2, types[1], 10101010);
	uint32_t m = profile_mapping(p, 0x400000, 0x500000, 0, "/bin/api", "abc", PROFILE_SYMBOLIZED);
	struct profile_line leaf = { profile_function(p, "main.hot", "/src/main.go", 10), 12 };
	struct profile_line root = { profile_function(p, "main.main", "/src/main.go", 3), 5 };
	uint32_t stack[] = { profile_location(p, m, 0x401000, &leaf, 1), profile_location(p, m, 0x402000, &root, 1) };
	int64_t v[] = { 3, 30303030 };
	struct pbuf out = { 0 };

	CHECK(profile_add_sample(p, stack, 2, v, NULL, 0) == 0);
	profile_set_time(p, 1700000000000000000, 1000000000);
	CHECK(otlp_profiles_encode(p, values, &self, &out) == 0 && out.len > 0 && !out.failed);
	CHECK(contains(&out, "main.hot") && contains(&out, "main.main") && contains(&out, "/bin/api"));
	CHECK(contains(&out, "process.pid") && contains(&out, "service.name") && contains(&out, "node-1"));
	CHECK(contains(&out, "nanoseconds") && contains(&out, "gotrace"));
	CHECK(otlp_profiles_encode(p, values, &self, &out) == 0);	/* the buffer is reused, emptied first */
	profile_free(p);
	pb_free(&out);
}
