// SPDX-License-Identifier: GPL-2.0
/* The exposition as an OTLP request: what it refuses, and when each process's cumulative series start. (What a
 * Collector makes of the request is checked against a real one in tests/integration/test_backends.py.) */
#include <errno.h>
#include <string.h>

#include "daemon/otlp_metrics.h"
#include "unit.h"

static const struct otlp_self self = { "1.0", 42, "host", NULL };

static int encode(const char *text, struct otlp_series_starts *s, uint64_t now, struct pbuf *out)
{
	char why[128];

	return otlp_metrics_encode(text, strlen(text), &self, s, now, out, why, sizeof(why));
}

TEST(each_process_starts_after_the_export_before_it_appeared)
{
	static const char one[] = "# HELP x_total X.\n# TYPE x_total counter\nx_total{pid=\"1\",service=\"a\"} 3\n";
	static const char two[] = "# HELP x_total X.\n# TYPE x_total counter\nx_total{pid=\"1\",service=\"a\"} 4\n"
				  "x_total{pid=\"2\",service=\"b\"} 1\nx_total 9\n";
	struct otlp_series_starts s = { .last_export_ns = 100 };
	struct pbuf out = { 0 };

	CHECK(encode(one, &s, 200, &out) == 0 && out.len > 0 && s.n == 1 && s.all[0].start_ns == 100);
	CHECK(encode(two, &s, 300, &out) == 0 && s.n == 3 && s.last_export_ns == 300);
	CHECK(s.all[0].start_ns == 100 && s.all[1].start_ns == 200 && s.all[2].start_ns == 200);
	CHECK(encode(one, &s, 400, &out) == 0 && s.n == 1 && s.all[0].start_ns == 100);	/* the others forgotten */
	otlp_series_starts_free(&s);
	pb_free(&out);
}

TEST(an_exposition_gotrace_did_not_write_is_refused)
{
	static const char *const bad[] = {
		"x 1\n",						/* a sample before any family */
		"# HELP x X.\n# TYPE x gauge\ny 1\n",			/* outside its family */
		"# HELP x X.\n# TYPE y gauge\n",			/* TYPE of another family */
		"# HELP x X.\n# TYPE x gauge\nx{a=\"1} 1\n",		/* malformed */
	};
	struct otlp_series_starts s = { 0 };
	struct pbuf out = { 0 };
	char why[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(otlp_metrics_encode(bad[i], strlen(bad[i]), &self, &s, 1, &out, why, sizeof(why)) == -EINVAL &&
		      strstr(why, "line"));
	otlp_series_starts_free(&s);
	pb_free(&out);
}
