// SPDX-License-Identifier: GPL-2.0
/* The daemon's profiled processes (profiled_processes.h): a small array, searched linearly like the daemon's
 * own target list. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/profiled_processes.h"
#include "lib/array.h"

static void free_process(struct profiled_process *p)
{
	if (!p)
		return;
	symbolizer_close(p->sym);
	free((char *)p->who.service);
	free((char *)p->who.comm);
	for (int i = 0; i < p->who.nlabels; i++) {
		free((char *)p->labels[i].name);
		free((char *)p->labels[i].value);
	}
	free(p);
}

static char *copy_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static int copy_identity(struct profiled_process *p, const struct daemon_process *who)
{
	p->who.labels = p->labels;
	if (!(p->who.service = copy_or_empty(who->service)) || !(p->who.comm = copy_or_empty(who->comm)))
		return -ENOMEM;
	for (int i = 0; i < who->nlabels && i < PROFILED_MAX_LABELS; i++) {
		p->labels[i].name = copy_or_empty(who->labels[i].name);
		p->labels[i].value = copy_or_empty(who->labels[i].value);
		p->who.nlabels = i + 1;
		if (!p->labels[i].name || !p->labels[i].value)
			return -ENOMEM;
	}
	return 0;
}

int profiled_add(struct profiled_processes *pp, uint32_t pid, const struct daemon_process *who)
{
	struct profiled_process *p = calloc(1, sizeof(*p));
	int err = p ? copy_identity(p, who) : -ENOMEM;

	if (!err)
		err = array_reserve(&pp->all, &pp->cap, pp->n + 1, sizeof(*pp->all), 16);
	if (err) {
		free_process(p);
		return err;
	}
	p->pid = pid;
	profiled_symbolizer(pp, p);
	pp->all[pp->n++] = p;
	return 0;
}

void profiled_end(struct profiled_processes *pp, uint32_t pid, uint64_t now_ns, uint64_t now_realtime_ns)
{
	for (size_t i = 0; i < pp->n; i++) {
		struct profiled_process *p = pp->all[i];

		if (p->pid == pid && !p->ended) {
			p->ended = true;
			p->ended_ns = now_ns;
			p->ended_realtime_ns = now_realtime_ns;
		}
	}
}

struct profiled_process *profiled_find(const struct profiled_processes *pp, uint32_t pid)
{
	struct profiled_process *living = NULL;

	for (size_t i = 0; i < pp->n; i++) {
		if (pp->all[i]->pid != pid)
			continue;
		if (pp->all[i]->ended)
			return pp->all[i];
		living = pp->all[i];
	}
	return living;
}

struct symbolizer *profiled_symbolizer(struct profiled_processes *pp, struct profiled_process *p)
{
	if (!p->sym && symbolizer_open(pp->syms, (int)p->pid, &p->sym))
		p->sym = NULL;
	return p->sym;
}

size_t profiled_ended(const struct profiled_processes *pp, uint32_t *pids, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < pp->n; i++) {
		if (!pp->all[i]->ended)
			continue;
		if (n < max)
			pids[n] = pp->all[i]->pid;
		n++;
	}
	return n;
}

void profiled_forget_ended(struct profiled_processes *pp)
{
	for (size_t i = pp->n; i-- > 0;) {
		if (!pp->all[i]->ended)
			continue;
		free_process(pp->all[i]);
		pp->all[i] = pp->all[--pp->n];
	}
}

void profiled_renew(struct profiled_processes *pp)
{
	for (size_t i = 0; i < pp->n; i++) {
		struct profiled_process *p = pp->all[i];
		struct symbolizer *fresh;

		/* A process that just exited keeps the symbolizer it had (its PID may already be another's). */
		if (p->ended || (p->sym && symbolizer_refresh(p->sym) == -ESRCH) ||
		    symbolizer_open(pp->syms, (int)p->pid, &fresh))
			continue;
		symbolizer_close(p->sym);
		p->sym = fresh;
	}
}

void profiled_free(struct profiled_processes *pp)
{
	for (size_t i = 0; i < pp->n; i++)
		free_process(pp->all[i]);
	free(pp->all);
	pp->all = NULL;
	pp->n = pp->cap = 0;
}
