// SPDX-License-Identifier: GPL-2.0
/* Advice rules. Each rule fires only on measured numbers and quotes them; thresholds are chosen so that a healthy
 * process gets no advice at all. */
#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "caps/advice.h"

struct advice_list {
	struct advice *a;
	int n, max;
};

static void add(struct advice_list *l, const char *id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add(struct advice_list *l, const char *id, const char *fmt, ...)
{
	va_list ap;

	if (l->n == l->max)
		return;
	snprintf(l->a[l->n].id, sizeof(l->a[l->n].id), "%s", id);
	va_start(ap, fmt);
	vsnprintf(l->a[l->n].text, sizeof(l->a[l->n].text), fmt, ap);
	va_end(ap);
	l->n++;
}

double advice_share(uint64_t part, uint64_t whole)
{
	return whole ? (double)part / (double)whole : -1;
}

static const char *version_note(const struct trace_facts *f)
{
	if (f->go_sizes_gomaxprocs_from_cgroup)
		return "Go 1.25+ sizes GOMAXPROCS from the quota by itself, but never below 2 and only from the "
		       "process's own (leaf) cgroup";
	if (f->go_minor >= 25)
		return "this Go version would size GOMAXPROCS from the quota by itself, but the GOMAXPROCS variable or "
		       "GODEBUG containermaxprocs=0 (the default when go.mod says go < 1.25) turns that off";
	return "Go before 1.25 does not read the cgroup quota: set GOMAXPROCS explicitly (or use a library such as "
	       "go.uber.org/automaxprocs), or build with Go 1.25+";
}

static void gomaxprocs_rule(const struct trace_facts *f, struct advice_list *l)
{
	int cpus = (int)ceil(f->quota_cpus);

	if (!f->have_quota || f->gomaxprocs <= 0 || f->quota_cpus <= 0 || f->gomaxprocs <= cpus)
		return;
	add(l, "gomaxprocs_above_quota",
	    "GOMAXPROCS is %d but the CPU quota is %.2f CPUs (%llu us per %llu us period): up to %d threads run Go code "
	    "at once, use up each period's quota early and then all wait for the next period. Set GOMAXPROCS=%d%s, "
	    "or raise the quota. (%s.)",
	    f->gomaxprocs, f->quota_cpus, (unsigned long long)f->quota_us, (unsigned long long)f->period_us,
	    f->gomaxprocs, cpus < 1 ? 1 : cpus, cpus <= 1 ? " (the quota rounded up)" : "", version_note(f));
}

static void quota_rule(const struct trace_facts *f, struct advice_list *l)
{
	double share = advice_share(f->nr_throttled, f->nr_periods);

	if (!f->have_cgroup || !f->have_quota || share < 0.05)
		return;
	add(l, "quota_exhausted",
	    "The cgroup's CPU quota ran out in %llu of %llu periods (%.0f%%); its threads waited %.1f ms in all "
	    "(cpu.stat throttled time, summed over CPUs) during %.1f s of tracing: the process needs more CPU than "
	    "%.2f CPUs at its peaks.",
	    (unsigned long long)f->nr_throttled, (unsigned long long)f->nr_periods, 100 * share,
	    f->throttled_ns / 1e6, f->window_ns / 1e9, f->quota_cpus);
}

static void attribution_rule(const struct trace_facts *f, struct advice_list *l)
{
	double stw = advice_share(f->stw_throttled_ns, f->stw_pause_ns);
	double runq = advice_share(f->runq_throttled_ns, f->runq_delay_ns);

	if (!f->have_sched || (stw < 0.25 && runq < 0.25))
		return;
	if (stw >= 0.25)
		add(l, "throttling_stretches_pauses",
		    "CFS throttling explains %.0f%% of the stop-the-world pause time (%.2f of %.2f ms); the longest "
		    "pause, %.2f ms, was throttled for %.2f ms. A throttled thread that holds a P keeps the whole world "
		    "stopped until the next quota period.",
		    100 * stw, f->stw_throttled_ns / 1e6, f->stw_pause_ns / 1e6, f->stw_max_ns / 1e6,
		    f->stw_max_throttled_ns / 1e6);
	if (runq >= 0.25)
		add(l, "throttling_delays_threads",
		    "CFS throttling explains %.0f%% of the threads' run-queue delay (%.1f of %.1f ms).", 100 * runq,
		    f->runq_throttled_ns / 1e6, f->runq_delay_ns / 1e6);
}

#define GC_BUSY_RATE 20	/* cycles per second: more is a GC worth advice about */

/* GC cycles per second over the trace; 0 without a window. */
static double gc_rate(const struct trace_facts *f)
{
	return f->window_ns ? f->gc_cycles / (f->window_ns / 1e9) : 0;
}

/* GC's own cost: pause time that throttling does not explain (that part has its own advice above). */
static void gc_rule(const struct trace_facts *f, struct advice_list *l)
{
	double stopped = advice_share(f->stw_pause_ns, f->window_ns), rate;
	double unthrottled = advice_share(f->stw_pause_ns - f->stw_throttled_ns, f->window_ns);

	if (!f->window_ns || !f->gc_cycles)
		return;
	rate = gc_rate(f);
	if (unthrottled < 0.01 && rate < GC_BUSY_RATE)
		return;
	add(l, "gc_frequent",
	    "GC ran %.1f cycles per second and stopped the world %.2f%% of the time (%.1f ms in %.1f s). Fewer "
	    "cycles: allocate less, or raise GOGC / set GOMEMLIMIT so the heap may grow.",
	    rate, 100 * stopped, f->stw_pause_ns / 1e6, f->window_ns / 1e9);
}

#define MIB (1024.0 * 1024.0)

/* Go does not size GOMEMLIMIT from the memory cgroup (golang/go#75164): without it only GOGC bounds the heap. */
static void gomemlimit_unset_rule(const struct trace_facts *f, struct advice_list *l)
{
	double limit = (double)f->memory_limit, suggested = 0.9 * limit / MIB;

	if (!f->have_pacer || !f->have_memory_limit || f->gomemlimit != INT64_MAX ||
	    (f->gogc >= 0 && (double)f->heap_goal < limit))
		return;
	if (f->gogc < 0)
		add(l, "gomemlimit_unset",
		    "GOGC is off and GOMEMLIMIT is unset: nothing stops the heap (%.1f MiB live after the last GC) "
		    "before the memory cgroup's limit of %.1f MiB (%s), where the kernel kills the process. Set "
		    "GOMEMLIMIT=%.0fMiB (90%% of the limit): Go does not read the cgroup's limit itself.",
		    f->heap_marked / MIB, limit / MIB, f->memory_cgroup, suggested);
	else
		add(l, "gomemlimit_unset",
		    "The heap goal is %.1f MiB (GOGC %d, %.1f MiB live after the last GC), at or above the memory "
		    "cgroup's limit of %.1f MiB (%s), and GOMEMLIMIT is unset: the heap may grow until the kernel kills "
		    "the process. Set GOMEMLIMIT=%.0fMiB (90%% of the limit) so that the GC works harder before the "
		    "limit: Go does not read the cgroup's limit itself.",
		    f->heap_goal / MIB, f->gogc, f->heap_marked / MIB, limit / MIB, f->memory_cgroup, suggested);
}

static void gomemlimit_above_rule(const struct trace_facts *f, struct advice_list *l)
{
	if (!f->have_pacer || !f->have_memory_limit || f->gomemlimit == INT64_MAX || f->gomemlimit <= f->memory_limit)
		return;
	add(l, "gomemlimit_above_cgroup",
	    "GOMEMLIMIT is %.1f MiB, above the memory cgroup's limit of %.1f MiB (%s): the kernel kills the process "
	    "before the GC starts defending the soft limit. Set GOMEMLIMIT=%.0fMiB (90%% of the cgroup's limit).",
	    f->gomemlimit / MIB, f->memory_limit / MIB, f->memory_cgroup, 0.9 * f->memory_limit / MIB);
}

/* While a cycle runs, the GC's dedicated mark workers take a quarter of GOMAXPROCS (gcBackgroundUtilization): a share
 * of the available CPU at that level over the whole trace means a cycle was running nearly all the time. */
#define GC_SHARE_BACK_TO_BACK 0.25

/* GOMEMLIMIT below the heap goal GOGC would give: the limit paces the GC, and near the live heap it runs back to
 * back (the runtime's limiter lets it take up to half the CPU). */
static void gomemlimit_tight_rule(const struct trace_facts *f, struct advice_list *l)
{
	char room[128] = "";

	if (!f->have_pacer || f->gomemlimit == INT64_MAX || !f->heap_marked || f->gc_cpu_share < GC_SHARE_BACK_TO_BACK ||
	    (f->gogc >= 0 && (double)f->heap_goal <= (double)f->gomemlimit))
		return;
	if (f->have_memory_limit && 0.9 * (double)f->memory_limit > (double)f->gomemlimit)
		snprintf(room, sizeof(room), " (the memory cgroup's limit allows GOMEMLIMIT=%.0fMiB, 90%% of it)",
			 0.9 * (double)f->memory_limit / MIB);
	add(l, "gomemlimit_tight",
	    "GOMEMLIMIT is %.1f MiB, %.0f%% above the live heap of %.1f MiB after the last GC and below the heap "
	    "goal GOGC would give, so the limit paces the GC: it used %.0f%% of the process's available CPU while "
	    "traced (the runtime's own count; its background marking takes 25%% while a cycle runs, so cycles ran "
	    "back to back). Raise GOMEMLIMIT%s, or make the live heap smaller.",
	    (double)f->gomemlimit / MIB, 100.0 * ((double)f->gomemlimit / (double)f->heap_marked - 1),
	    (double)f->heap_marked / MIB, 100 * f->gc_cpu_share, room);
}

/* The goal GOGC suggests: half of the room the memory allows (the smaller of GOMEMLIMIT and 90% of the cgroup's
 * limit), the other half left for the non-heap memory and for bursts, with GOMEMLIMIT as the backstop. */
static void gogc_low_rule(const struct trace_facts *f, struct advice_list *l)
{
	double room, goal, rate, gogc, fewer;

	if (!f->have_pacer || f->gogc <= 0 || !f->have_memory_limit || !f->heap_marked || !f->window_ns)
		return;
	room = 0.9 * (double)f->memory_limit;
	if (f->gomemlimit != INT64_MAX && (double)f->gomemlimit < room)
		room = (double)f->gomemlimit;
	rate = gc_rate(f);
	goal = room / 2;
	if (rate < GC_BUSY_RATE || (double)f->heap_goal > room / 4 || f->heap_goal <= f->heap_marked)
		return;
	gogc = 100 * (goal / (double)f->heap_marked - 1);
	gogc = gogc >= 1000 ? 100 * (long)(gogc / 100) : 10 * (long)(gogc / 10);
	goal = (double)f->heap_marked * (1 + gogc / 100);
	fewer = (goal - (double)f->heap_marked) / ((double)f->heap_goal - (double)f->heap_marked);
	add(l, "gogc_low",
	    "GOGC %d puts the heap goal at %.1f MiB (%.1f MiB live after the last GC), %.1f%% of the %.1f MiB the "
	    "memory allows%s, and the GC ran %.1f cycles per second. GOGC=%.0f (a goal of %.1f MiB, half of it) with "
	    "GOMEMLIMIT=%.0fMiB as the backstop would run it about %.0f times less often.",
	    f->gogc, (double)f->heap_goal / MIB, (double)f->heap_marked / MIB, 100 * (double)f->heap_goal / room,
	    room / MIB, f->gomemlimit != INT64_MAX && (double)f->gomemlimit <= room ? " (GOMEMLIMIT)"
	    : " (90% of the memory cgroup's limit)", rate, gogc, goal / MIB, room / MIB, fewer);
}

/* At 80% of its descriptors a service is one burst of connections away from EMFILE, where accept, socket and
 * open fail (net/http then logs "accept: too many open files" and retries with a backoff); calls that already
 * failed so say it whatever the count now. */
static void fd_limit_rule(const struct trace_facts *f, struct advice_list *l)
{
	double share;
	char failed[96] = "";

	if (!f->have_fds || f->fds_limit == UINT64_MAX || !f->fds_limit)
		return;
	share = (double)f->fds_open / (double)f->fds_limit;
	if (share < 0.8 && !f->fds_emfile_errors)
		return;
	if (f->fds_emfile_errors)
		snprintf(failed, sizeof(failed), "%llu accept, socket or open calls failed with EMFILE; ",
			 (unsigned long long)f->fds_emfile_errors);
	add(l, "fd_limit_near",
	    "%s%llu file descriptors open of a limit of %llu (%.0f%%; RLIMIT_NOFILE, hard limit %llu): at the limit "
	    "accept, socket and open fail with EMFILE. Raise the soft limit (LimitNOFILE= in a systemd unit, "
	    "ulimit -n, the container runtime's nofile; a Go program may raise it to the hard limit itself), or find "
	    "the descriptors that are not closed.",
	    failed, (unsigned long long)f->fds_open, (unsigned long long)f->fds_limit, 100 * share,
	    (unsigned long long)f->fds_limit_hard);
}

/* ENFILE is the host's, not the process's: the system-wide file table is full. */
static void fd_table_rule(const struct trace_facts *f, struct advice_list *l)
{
	if (!f->fds_enfile_errors)
		return;
	add(l, "fd_table_full",
	    "%llu accept, socket or open calls failed with ENFILE: the host's file table is full (fs.file-max; "
	    "/proc/sys/fs/file-nr shows its use). Raising the process's own limit does not help; find what holds the "
	    "host's descriptors, or raise fs.file-max.",
	    (unsigned long long)f->fds_enfile_errors);
}

int advice_compute(const struct trace_facts *f, struct advice *out, int max)
{
	struct advice_list l = { out, 0, max };

	gomaxprocs_rule(f, &l);
	quota_rule(f, &l);
	attribution_rule(f, &l);
	gc_rule(f, &l);
	gomemlimit_unset_rule(f, &l);
	gomemlimit_above_rule(f, &l);
	gomemlimit_tight_rule(f, &l);
	gogc_low_rule(f, &l);
	fd_limit_rule(f, &l);
	fd_table_rule(f, &l);
	return l.n;
}
