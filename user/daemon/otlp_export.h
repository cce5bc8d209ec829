/* SPDX-License-Identifier: GPL-2.0 */
/* Sending to an OTLP/HTTP receiver (an OpenTelemetry Collector, or any back end that speaks OTLP): POST
 * {endpoint}/v1/metrics and {endpoint}/v1development/profiles, Content-Type application/x-protobuf. A failure is
 * logged and counted, not retried: the next export carries the figures again (metrics are cumulative), a
 * profile's samples are in the profile files too. Requests go out from the HTTP client's own thread (see
 * http_client.h): a slow receiver never holds up the daemon's loop; closing sends what is queued first. */
#ifndef GOTRACE_OTLP_EXPORT_H
#define GOTRACE_OTLP_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/prom.h"
#include "profile/profile.h"

enum otlp_signal { OTLP_METRICS, OTLP_PROFILES, OTLP_SIGNALS };

struct otlp_exporter;

/* endpoint: a base URL that http_check_base_url accepts, without a trailing '/'. 0 or -ENOMEM. */
int otlp_exporter_open(const char *endpoint, struct otlp_exporter **out);
void otlp_exporter_close(struct otlp_exporter *x);

/* Queues the exposition (what /metrics serves) as OTLP metrics. 0 or a negative errno (logged). */
int otlp_export_metrics(struct otlp_exporter *x, const char *exposition, size_t len);

/* Queues one process's profile: attributes "name=value" pairs of the process's labels (as the metrics' resource
 * attributes: see otlp_metrics.h). 0 or a negative errno (logged). */
int otlp_export_profile(struct otlp_exporter *x, const struct profile *p, const struct prom_label *labels,
			int nlabels);

/* gotrace_daemon_otlp_exports_total{signal} and gotrace_daemon_otlp_export_failures_total{signal}; NULL x writes
 * nothing. */
void otlp_exporter_metrics(const struct otlp_exporter *x, struct prom *p);

#endif
