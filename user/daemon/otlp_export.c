// SPDX-License-Identifier: GPL-2.0
/* The OTLP/HTTP sender (otlp_export.h): encodes with otlp_metrics and otlp_profiles, posts with lib/http_client. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/otlp_export.h"
#include "daemon/otlp_metrics.h"
#include "daemon/otlp_profiles.h"
#include "lib/http_client.h"
#include "lib/log.h"
#include "lib/version.h"

static const char *const signal_names[OTLP_SIGNALS] = { "metrics", "profiles" };
static const char *const signal_paths[OTLP_SIGNALS] = { "/v1/metrics", "/v1development/profiles" };

struct otlp_exporter {
	struct http_client *http;
	char *urls[OTLP_SIGNALS];
	char shown_urls[OTLP_SIGNALS][512];	/* as log lines show them: without a password */
	struct otlp_self self;
	char host_name[256];
	struct otlp_series_starts starts;
	struct pbuf body;
	uint64_t sent[OTLP_SIGNALS], failed[OTLP_SIGNALS];	/* atomic: counted in the HTTP client's thread too */
};

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void count(struct otlp_exporter *x, enum otlp_signal s, int rc)
{
	__atomic_add_fetch(rc ? &x->failed[s] : &x->sent[s], 1, __ATOMIC_RELAXED);
}

static void log_failure(const struct otlp_exporter *x, enum otlp_signal s, int rc, const char *err)
{
	if (rc == -EAGAIN)
		log_debug("OTLP %s not sent to %s: %s", signal_names[s], x->shown_urls[s], err);
	else
		log_warn("OTLP %s not sent to %s: %s", signal_names[s], x->shown_urls[s], err);
}

/* In the HTTP client's thread: what became of a queued request. */
static void on_result(void *arg, const char *url, int rc, const char *err)
{
	struct otlp_exporter *x = arg;
	enum otlp_signal s = strcmp(url, x->urls[OTLP_METRICS]) ? OTLP_PROFILES : OTLP_METRICS;

	count(x, s, rc);
	if (rc)
		log_failure(x, s, rc, err);
}

int otlp_exporter_open(const char *endpoint, struct otlp_exporter **out)
{
	struct otlp_exporter *x = calloc(1, sizeof(*x));
	struct http_client_options opts = { .background = true, .on_result = on_result, .result_arg = x };

	*out = NULL;
	if (!x)
		return -ENOMEM;
	for (int s = 0; s < OTLP_SIGNALS; s++)
		if (asprintf(&x->urls[s], "%s%s", endpoint, signal_paths[s]) < 0)
			x->urls[s] = NULL;
	if (!x->urls[OTLP_METRICS] || !x->urls[OTLP_PROFILES] || http_client_open(&opts, &x->http)) {
		otlp_exporter_close(x);
		return -ENOMEM;
	}
	for (int s = 0; s < OTLP_SIGNALS; s++)
		http_url_for_log(x->urls[s], x->shown_urls[s], sizeof(x->shown_urls[s]));
	if (gethostname(x->host_name, sizeof(x->host_name) - 1))
		x->host_name[0] = '\0';
	/* In a DaemonSet the pod's host name is the pod's: the node comes from the downward API (NODE_NAME). */
	x->self = (struct otlp_self){ GOTRACE_VERSION, getpid(), x->host_name, getenv("NODE_NAME") };
	x->starts.last_export_ns = realtime_ns();	/* the counters of the daemon's own start about now */
	*out = x;
	return 0;
}

void otlp_exporter_close(struct otlp_exporter *x)
{
	if (!x)
		return;
	http_client_close(x->http);
	for (int s = 0; s < OTLP_SIGNALS; s++)
		free(x->urls[s]);
	otlp_series_starts_free(&x->starts);
	pb_free(&x->body);
	free(x);
}

/* Queued: the result is counted by on_result; a request refused at once (a slow receiver) is counted here. */
static int post(struct otlp_exporter *x, enum otlp_signal s)
{
	struct http_body body = { .content_type = "application/x-protobuf", .data = x->body.data,
				  .len = x->body.len };
	char err[512];
	int rc = http_client_post(x->http, x->urls[s], &body, err, sizeof(err));

	if (rc) {
		count(x, s, rc);
		log_failure(x, s, rc, err);
	}
	return rc;
}

int otlp_export_metrics(struct otlp_exporter *x, const char *exposition, size_t len)
{
	char why[256];
	int rc = otlp_metrics_encode(exposition, len, &x->self, &x->starts, realtime_ns(), &x->body, why,
				     sizeof(why));

	if (rc) {
		count(x, OTLP_METRICS, rc);
		log_error("OTLP metrics not sent: %s", why);
		return rc;
	}
	return post(x, OTLP_METRICS);
}

int otlp_export_profile(struct otlp_exporter *x, const struct profile *p, const struct prom_label *labels,
			int nlabels)
{
	const char *values[OTLP_RESOURCE_LABELS];
	int rc;

	otlp_resource_values(labels, nlabels, values);
	rc = otlp_profiles_encode(p, values, &x->self, &x->body);
	if (rc) {
		count(x, OTLP_PROFILES, rc);
		log_error("OTLP profile not sent: out of memory");
		return rc;
	}
	return post(x, OTLP_PROFILES);
}

void otlp_exporter_metrics(const struct otlp_exporter *x, struct prom *p)
{
	struct prom_label l;

	if (!x)
		return;
	prom_family(p, "gotrace_daemon_otlp_exports_total", "counter",
		    "OTLP requests the receiver accepted, by signal.");
	for (int s = 0; s < OTLP_SIGNALS; s++) {
		l = (struct prom_label){ "signal", signal_names[s] };
		prom_sample(p, "gotrace_daemon_otlp_exports_total", &l, 1,
			    (double)__atomic_load_n(&x->sent[s], __ATOMIC_RELAXED));
	}
	prom_family(p, "gotrace_daemon_otlp_export_failures_total", "counter",
		    "OTLP requests not sent or refused (logged), by signal.");
	for (int s = 0; s < OTLP_SIGNALS; s++) {
		l = (struct prom_label){ "signal", signal_names[s] };
		prom_sample(p, "gotrace_daemon_otlp_export_failures_total", &l, 1,
			    (double)__atomic_load_n(&x->failed[s], __ATOMIC_RELAXED));
	}
}
