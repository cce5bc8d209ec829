/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's metrics as an OTLP ExportMetricsServiceRequest (opentelemetry/proto/collector/metrics/v1,
 * protobuf), made from the very exposition /metrics serves: both outputs always say the same.
 *
 * Each traced process is a Resource: its identifying labels become resource attributes (otlp_resource.h), its
 * other labels data point attributes; series with no identifying label are the daemon's own. Where the OpenTelemetry Go
 * runtime semantic conventions name a figure, that name is used (go.memory.limit, go.memory.gc.goal,
 * go.config.gogc, go.processor.limit, go.schedule.duration); gotrace's other metrics keep their Prometheus names,
 * as the specification's Prometheus-to-OTLP mapping does, with the unit from the name's suffix. Counters are
 * cumulative monotonic sums and histograms cumulative explicit-bucket histograms, with the bounds /metrics has. */
#ifndef GOTRACE_OTLP_METRICS_H
#define GOTRACE_OTLP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/otlp_resource.h"
#include "lib/protobuf.h"

/* When each resource's cumulative series started: a resource first exported now started after the previous
 * export (or the first export's start), which is as close as the exposition allows. */
struct otlp_series_starts {
	struct otlp_started {
		uint64_t hash, start_ns;
		bool seen;
	} *all;
	size_t n, cap;
	uint64_t last_export_ns;	/* CLOCK_REALTIME; the first call's start_ns before any export */
};

/* The exposition (as struct prom writes it, possibly merged by prom_merge) as one request in out (emptied first),
 * stamped now_ns (CLOCK_REALTIME). 0; -ENOMEM; -EINVAL for an exposition that is not well formed (why says where).
 * starts is updated: resources gone from this exposition are forgotten. */
int otlp_metrics_encode(const char *exposition, size_t len, const struct otlp_self *self,
			struct otlp_series_starts *starts, uint64_t now_ns, struct pbuf *out, char *why,
			size_t why_size);
void otlp_series_starts_free(struct otlp_series_starts *s);

#endif
