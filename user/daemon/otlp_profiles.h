/* SPDX-License-Identifier: GPL-2.0 */
/* One process's profile as an OTLP ExportProfilesServiceRequest (opentelemetry/proto/collector/profiles/
 * v1development, protobuf): one Profile per sample type (OTLP gives each profile one), sharing the request's
 * dictionary. Every table's entry 0 is the empty one, as the format demands; mappings, locations and functions
 * keep the model's 1-based ids as their indexes; each distinct stack is one entry of the stack table. The resource
 * is the process, as for its metrics (otlp_resource.h). */
#ifndef GOTRACE_OTLP_PROFILES_H
#define GOTRACE_OTLP_PROFILES_H

#include "daemon/otlp_resource.h"
#include "lib/protobuf.h"
#include "profile/profile.h"

/* out is emptied first. 0 or -ENOMEM. */
int otlp_profiles_encode(const struct profile *p, const char *const values[OTLP_RESOURCE_LABELS],
			 const struct otlp_self *self, struct pbuf *out);

#endif
