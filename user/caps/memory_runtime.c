// SPDX-License-Identifier: GPL-2.0
/* Reading the runtime's memory accounting (memory_runtime.h). Every figure comes from a field the runtime keeps
 * for itself; a layout that fails a live check is not read again, and the check that failed is named. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caps/memory_runtime.h"
#include "sys/proc.h"
#include "tracer/runtime_layout.h"

#define ENVIRON_MAX (256u << 10)
#define GOGC_MAX 1000000000

static int read_at(int pid, uint64_t base, int32_t off, void *out, size_t size)
{
	return proc_read_mem(pid, base + (uint64_t)off, out, size);
}

int go_memory_parse_gogc(const char *s, int32_t *gogc)
{
	char *end;
	long v;

	if (strcmp(s, "off") == 0) {
		*gogc = -1;
		return 0;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < -1 || v > GOGC_MAX)
		return -EINVAL;
	*gogc = (int32_t)v;
	return 0;
}

int go_memory_parse_limit(const char *s, int64_t *bytes)
{
	static const struct { const char *suffix; int shift; } units[] = {
		{ "TiB", 40 }, { "GiB", 30 }, { "MiB", 20 }, { "KiB", 10 }, { "B", 0 }, { "", 0 },
	};
	char *end;
	unsigned long long v;

	if (strcmp(s, "off") == 0) {
		*bytes = INT64_MAX;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		if (v > (unsigned long long)INT64_MAX >> units[i].shift)
			return -EINVAL;
		*bytes = (int64_t)(v << units[i].shift);
		return 0;
	}
	return -EINVAL;
}

/* The value of name in /proc/PID/environ (as the process started), or NULL. */
static char *environ_value(int pid, const char *name, char *buf, size_t size)
{
	char path[64];
	size_t len = 0, n = strlen(name);
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	while (len + 1 < size && (r = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	buf[len] = '\0';
	for (char *p = buf; p < buf + len; p += strlen(p) + 1)
		if (strncmp(p, name, n) == 0 && p[n] == '=')
			return p + n + 1;
	return NULL;
}

/* With offsets from the table, the environment the process started with is a witness the layout must agree
 * with (DWARF offsets need none, and a program may change both settings itself: debug.SetGCPercent). */
static int check_environment(const struct go_memory_layout *ml, const struct go_memory *m, char *why, size_t size)
{
	char *buf = malloc(ENVIRON_MAX), *v;
	int32_t gogc;
	int64_t limit;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	v = environ_value(ml->pid, "GOGC", buf, ENVIRON_MAX);
	if (v && go_memory_parse_gogc(v, &gogc) == 0 && gogc != m->gogc) {
		snprintf(why, size, "gcController.gcPercent is %d but the process started with GOGC=%s", m->gogc, v);
		err = -EBADMSG;
	}
	v = err ? NULL : environ_value(ml->pid, "GOMEMLIMIT", buf, ENVIRON_MAX);
	if (v && go_memory_parse_limit(v, &limit) == 0 && limit != m->memory_limit) {
		snprintf(why, size, "gcController.memoryLimit is %lld but the process started with GOMEMLIMIT=%s",
			 (long long)m->memory_limit, v);
		err = -EBADMSG;
	}
	free(buf);
	return err;
}

static int check_pacer(const struct go_memory_layout *ml, const struct go_memory *m, char *why, size_t size)
{
	if (m->gogc < -1 || m->gogc > GOGC_MAX)
		snprintf(why, size, "gcController.gcPercent is %d, not -1 (off) or a percentage", m->gogc);
	else if (m->memory_limit < 0)
		snprintf(why, size, "gcController.memoryLimit is %lld, negative", (long long)m->memory_limit);
	else if (m->heap_marked > m->mapped_ready)
		snprintf(why, size, "gcController.heapMarked (%llu) is more than gcController.mappedReady (%llu)",
			 (unsigned long long)m->heap_marked, (unsigned long long)m->mapped_ready);
	else if (m->gogc >= 0 && m->heap_goal < m->heap_marked)
		snprintf(why, size, "gcController.gcPercentHeapGoal (%llu) is below gcController.heapMarked (%llu)",
			 (unsigned long long)m->heap_goal, (unsigned long long)m->heap_marked);
	else
		return ml->pacer_from_table ? check_environment(ml, m, why, size) : 0;
	return -EBADMSG;
}

static int read_pacer(const struct go_memory_layout *ml, struct go_memory *m)
{
	int pid = ml->pid, err;

	err = read_at(pid, ml->pacer, ml->off_gc_percent, &m->gogc, sizeof(m->gogc));
	err = err ?: read_at(pid, ml->pacer, ml->off_memory_limit, &m->memory_limit, sizeof(m->memory_limit));
	err = err ?: read_at(pid, ml->pacer, ml->off_heap_marked, &m->heap_marked, sizeof(m->heap_marked));
	err = err ?: read_at(pid, ml->pacer, ml->off_heap_live, &m->heap_live, sizeof(m->heap_live));
	err = err ?: read_at(pid, ml->pacer, ml->off_heap_goal, &m->heap_goal, sizeof(m->heap_goal));
	err = err ?: read_at(pid, ml->pacer, ml->off_mapped_ready, &m->mapped_ready, sizeof(m->mapped_ready));
	m->have_pacer = !err;
	return err;
}

static int read_memstats(const struct go_memory_layout *ml, struct go_memory *m)
{
	int pid = ml->pid, err;

	err = read_at(pid, ml->memstats, ml->off_numgc, &m->numgc, sizeof(m->numgc));
	err = err ?: read_at(pid, ml->memstats, ml->off_numforcedgc, &m->numforcedgc, sizeof(m->numforcedgc));
	m->have_memstats = !err;
	if (!err && ml->off_gc_cpu_fraction >= 0) {
		err = read_at(pid, ml->memstats, ml->off_gc_cpu_fraction, &m->gc_cpu_fraction,
			      sizeof(m->gc_cpu_fraction));
		if (!err && ml->off_last_gc_nanotime >= 0)
			err = read_at(pid, ml->memstats, ml->off_last_gc_nanotime, &m->last_gc_ns, sizeof(m->last_gc_ns));
		m->have_cpu_fraction = !err;
	}
	return err;
}

int go_memory_read(const struct go_memory_layout *ml, struct go_memory *m)
{
	int err = 0;

	memset(m, 0, sizeof(*m));
	if (ml->pacer)
		err = read_pacer(ml, m);
	if (!err && ml->memstats)
		err = read_memstats(ml, m);
	return err;
}

static bool have(int32_t off)
{
	return off >= 0 && off < 65536;
}

/* The first pacer fact the layout lacks, or NULL. */
static const char *missing_pacer_fact(const struct go_offsets *o)
{
	const struct { int32_t off; const char *name; } facts[] = {
		{ o->gcc_gc_percent, "gcController.gcPercent" }, { o->gcc_memory_limit, "gcController.memoryLimit" },
		{ o->gcc_heap_marked, "gcController.heapMarked" }, { o->gcc_heap_live, "gcController.heapLive" },
		{ o->gcc_percent_heap_goal, "gcController.gcPercentHeapGoal" },
		{ o->gcc_mapped_ready, "gcController.mappedReady" },
	};

	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++)
		if (!have(facts[i].off))
			return facts[i].name;
	return NULL;
}

static void layout_pacer(const struct target *t, const struct runtime_layout *rl, struct go_memory_layout *ml)
{
	const struct go_offsets *o = &rl->offsets;
	const char *missing = missing_pacer_fact(o);

	if (missing) {
		snprintf(ml->pacer_off, sizeof(ml->pacer_off), "%s is unknown for %s (no DWARF, no verified table entry)",
			 missing, go_binary_version_str(t->bin));
		return;
	}
	if (!rl->globals.gc_controller) {
		snprintf(ml->pacer_off, sizeof(ml->pacer_off), "runtime.gcController was not found (%s)",
			 t->bin->has_symtab ? "not in the symbol table" : "no symbols, and its machine code did not tell");
		return;
	}
	ml->pacer = rl->globals.gc_controller + t->bias;
	ml->pacer_source = rl->globals.gc_controller_source == GO_GLOBAL_SYMTAB ? "symbol table"
										 : "derived from machine code";
	ml->off_gc_percent = o->gcc_gc_percent;
	ml->off_memory_limit = o->gcc_memory_limit;
	ml->off_heap_marked = o->gcc_heap_marked;
	ml->off_heap_live = o->gcc_heap_live;
	ml->off_heap_goal = o->gcc_percent_heap_goal;
	ml->off_mapped_ready = o->gcc_mapped_ready;
	ml->pacer_from_table = go_offsets_source_of(o, &o->gcc_gc_percent) != LAYOUT_DWARF;
}

static void layout_memstats(const struct target *t, const struct runtime_layout *rl, struct go_memory_layout *ml)
{
	const struct go_offsets *o = &rl->offsets;

	if (!rl->globals.memstats || !have(o->memstats_numgc) || !have(o->memstats_numforcedgc)) {
		snprintf(ml->memstats_off, sizeof(ml->memstats_off), "%s",
			 !rl->globals.memstats ? "runtime.memstats not found" : "memstats.numgc unknown");
		return;
	}
	ml->memstats = rl->globals.memstats + t->bias;
	ml->off_numgc = o->memstats_numgc;
	ml->off_numforcedgc = o->memstats_numforcedgc;
	ml->off_gc_cpu_fraction = have(o->memstats_gc_cpu_fraction) ? o->memstats_gc_cpu_fraction : -1;
	ml->off_last_gc_nanotime = have(o->memstats_last_gc_nanotime) ? o->memstats_last_gc_nanotime : -1;
}

/* A reading of one view alone. */
static int read_view(const struct go_memory_layout *ml, bool pacer, struct go_memory *m)
{
	struct go_memory_layout only = *ml;

	if (pacer)
		only.memstats = 0;
	else
		only.pacer = 0;
	return go_memory_read(&only, m);
}

static int check_memstats(const struct go_memory *m, char *why, size_t size)
{
	if (!m->have_cpu_fraction || (m->gc_cpu_fraction >= 0 && m->gc_cpu_fraction <= 1))
		return 0;
	snprintf(why, size, "memstats.gc_cpu_fraction is %g, not a share of the CPU", m->gc_cpu_fraction);
	return -EBADMSG;
}

/* Reads each view once and turns off the ones that fail their checks, saying why. */
void go_memory_verify(struct go_memory_layout *ml)
{
	struct go_memory m;
	int err;

	if (ml->pacer && (err = read_view(ml, true, &m) ?: check_pacer(ml, &m, ml->pacer_off, sizeof(ml->pacer_off)))) {
		if (err != -EBADMSG)
			snprintf(ml->pacer_off, sizeof(ml->pacer_off), "cannot read the process's memory: %s",
				 strerror(-err));
		ml->pacer = 0;
	}
	if (ml->memstats &&
	    (err = read_view(ml, false, &m) ?: check_memstats(&m, ml->memstats_off, sizeof(ml->memstats_off)))) {
		if (err != -EBADMSG)
			snprintf(ml->memstats_off, sizeof(ml->memstats_off), "cannot read the process's memory: %s",
				 strerror(-err));
		ml->memstats = 0;
	}
}

int go_memory_layout_derive(const struct target *t, const struct runtime_layout *rl, struct go_memory_layout *ml)
{
	memset(ml, 0, sizeof(*ml));
	ml->pid = t->proc.pid;
	if (rl->offsets_err) {
		snprintf(ml->pacer_off, sizeof(ml->pacer_off), "no runtime layout for %s", go_binary_version_str(t->bin));
		snprintf(ml->memstats_off, sizeof(ml->memstats_off), "%s", ml->pacer_off);
		return -ENOTSUP;
	}
	layout_pacer(t, rl, ml);
	layout_memstats(t, rl, ml);
	return ml->pacer || ml->memstats ? 0 : -ENOTSUP;
}

int go_memory_attach(const struct target *t, struct go_memory_layout *ml)
{
	struct runtime_layout rl;

	runtime_layout_resolve(t, &rl);
	if (go_memory_layout_derive(t, &rl, ml))
		return -ENOTSUP;
	go_memory_verify(ml);
	return ml->pacer || ml->memstats ? 0 : -ENOTSUP;
}
