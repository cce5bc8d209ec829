// SPDX-License-Identifier: GPL-2.0
/* Series of exited processes kept for a scrape (retained_series.h): a small array in exit order. */
#include <errno.h>
#include <stdlib.h>

#include "daemon/retained_series.h"
#include "lib/array.h"
#include "lib/log.h"

int retained_add(struct retained_series *r, int pid, char *exposition, uint64_t now_ns)
{
	if (array_reserve(&r->all, &r->cap, r->n + 1, sizeof(*r->all), 16)) {
		free(exposition);
		return -ENOMEM;
	}
	r->all[r->n++] = (struct retained_process){ .pid = pid, .exposition = exposition, .added_ns = now_ns };
	return 0;
}

static void drop_at(struct retained_series *r, size_t i)
{
	free(r->all[i].exposition);
	for (; i + 1 < r->n; i++)	/* keeps exit order: the exposition lists them as they exited */
		r->all[i] = r->all[i + 1];
	r->n--;
}

bool retained_drop_pid(struct retained_series *r, int pid)
{
	bool any = false;

	for (size_t i = r->n; i-- > 0;)
		if (r->all[i].pid == pid) {
			drop_at(r, i);
			any = true;
		}
	return any;
}

void retained_published(struct retained_series *r, uint64_t scrapes)
{
	for (size_t i = 0; i < r->n; i++)
		if (!r->all[i].published) {
			r->all[i].published = true;
			r->all[i].scrapes_at_publish = scrapes;
		}
}

void retained_exported(struct retained_series *r)
{
	for (size_t i = 0; i < r->n; i++)
		r->all[i].exported = true;
}

bool retained_expire(struct retained_series *r, uint64_t scrapes, uint64_t max_age_ns, uint64_t now_ns)
{
	bool any = false;

	for (size_t i = r->n; i-- > 0;) {
		const struct retained_process *p = &r->all[i];

		bool scraped = p->published && scrapes > p->scrapes_at_publish;

		if (r->wait_for_export && !p->exported)
			continue;
		/* now_ns may be older than added_ns: taken at the start of the tick that handled the exit */
		if (scraped || (now_ns > p->added_ns && now_ns - p->added_ns >= max_age_ns)) {
			log_info("PID %d: its last series leave /metrics (%s)", p->pid,
				 scraped ? "scraped" : "not scraped in time");
			drop_at(r, i);
			any = true;
		}
	}
	return any;
}

void retained_expositions(const struct retained_series *r, const char **out)
{
	for (size_t i = 0; i < r->n; i++)
		out[i] = r->all[i].exposition;
}

void retained_free(struct retained_series *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->all[i].exposition);
	free(r->all);
	*r = (struct retained_series){ 0 };
}
