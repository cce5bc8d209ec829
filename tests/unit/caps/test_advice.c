// SPDX-License-Identifier: GPL-2.0
/* Advice rules fire on the numbers that justify them, quote them, and stay silent for a healthy process. */
#include "caps/advice.h"
#include "unit.h"

static bool has(const struct advice *a, int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (strcmp(a[i].id, id) == 0)
			return true;
	return false;
}

static const char *text_of(const struct advice *a, int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (strcmp(a[i].id, id) == 0)
			return a[i].text;
	return "";
}

static struct trace_facts throttled_service(void)
{
	struct trace_facts f = { 0 };

	f.window_ns = 5000000000ull;
	f.have_sched = f.have_cgroup = f.have_quota = true;
	f.quota_cpus = 0.2;
	f.quota_us = 20000;
	f.period_us = 100000;
	f.nr_periods = 50;
	f.nr_throttled = 49;
	f.throttled_ns = 4000000000ull;
	f.gomaxprocs = 8;
	f.ncpu = 8;
	f.go_minor = 19;
	f.gc_cycles = 20;
	f.stw_pause_ns = 100000000;
	f.stw_throttled_ns = 90000000;
	f.stw_max_ns = 85000000;
	f.stw_max_throttled_ns = 84000000;
	f.runq_delay_ns = 1000000000;
	f.runq_throttled_ns = 800000000;
	return f;
}

TEST(throttled_service_gets_every_rule_with_numbers)
{
	struct trace_facts f = throttled_service();
	struct advice a[ADVICE_MAX];
	int n = advice_compute(&f, a, ADVICE_MAX);

	CHECK(has(a, n, "gomaxprocs_above_quota"));
	CHECK(strstr(text_of(a, n, "gomaxprocs_above_quota"), "GOMAXPROCS is 8"));
	CHECK(strstr(text_of(a, n, "gomaxprocs_above_quota"), "GOMAXPROCS=1"));
	CHECK(strstr(text_of(a, n, "gomaxprocs_above_quota"), "before 1.25"));
	CHECK(has(a, n, "quota_exhausted"));
	CHECK(strstr(text_of(a, n, "quota_exhausted"), "49 of 50 periods (98%)"));
	CHECK(has(a, n, "throttling_stretches_pauses"));
	CHECK(strstr(text_of(a, n, "throttling_stretches_pauses"), "90%"));
	CHECK(has(a, n, "throttling_delays_threads"));
	CHECK(strcmp(a[0].id, "gomaxprocs_above_quota") == 0);	/* the cause first */
}

TEST(go125_note_depends_on_container_awareness)
{
	struct trace_facts f = throttled_service();
	struct advice a[ADVICE_MAX];
	int n;

	f.go_minor = 26;
	f.go_sizes_gomaxprocs_from_cgroup = true;
	f.gomaxprocs = 2;	/* Go 1.25+ never goes below 2 */
	n = advice_compute(&f, a, ADVICE_MAX);
	CHECK(strstr(text_of(a, n, "gomaxprocs_above_quota"), "never below 2"));
	f.go_sizes_gomaxprocs_from_cgroup = false;
	n = advice_compute(&f, a, ADVICE_MAX);
	CHECK(strstr(text_of(a, n, "gomaxprocs_above_quota"), "containermaxprocs=0"));
}

TEST(healthy_process_gets_no_advice)
{
	struct trace_facts f = { 0 };
	struct advice a[ADVICE_MAX];

	f.window_ns = 10000000000ull;
	f.have_sched = f.have_cgroup = true;
	f.have_quota = true;
	f.quota_cpus = 4;
	f.gomaxprocs = 4;
	f.nr_periods = 100;
	f.nr_throttled = 1;
	f.gc_cycles = 30;
	f.stw_pause_ns = 3000000;
	f.runq_delay_ns = 50000000;
	f.runq_throttled_ns = 1000000;
	CHECK(advice_compute(&f, a, ADVICE_MAX) == 0);
}

TEST(share_handles_zero)
{
	CHECK(advice_share(1, 0) < 0);
	CHECK(advice_share(1, 4) == 0.25);
}

#define MIB (1024ull * 1024)

/* GOGC 100, 118 MiB live: a 236 MiB goal in a 128 MiB cgroup. */
static struct trace_facts memory_bound_service(void)
{
	struct trace_facts f = { 0 };

	f.have_pacer = true;
	f.gogc = 100;
	f.gomemlimit = INT64_MAX;
	f.heap_marked = 118 * MIB;
	f.heap_goal = 236 * MIB;
	f.have_memory_limit = true;
	f.memory_limit = 128 * MIB;
	snprintf(f.memory_cgroup, sizeof(f.memory_cgroup), "/svc");
	return f;
}

TEST(gomemlimit_unset_under_a_memory_limit)
{
	struct trace_facts f = memory_bound_service();
	struct advice a[ADVICE_MAX];
	int n = advice_compute(&f, a, ADVICE_MAX);

	CHECK(n == 1 && has(a, n, "gomemlimit_unset"));
	CHECK(strstr(text_of(a, n, "gomemlimit_unset"), "236.0 MiB (GOGC 100, 118.0 MiB live"));
	CHECK(strstr(text_of(a, n, "gomemlimit_unset"), "limit of 128.0 MiB (/svc)"));
	CHECK(strstr(text_of(a, n, "gomemlimit_unset"), "GOMEMLIMIT=115MiB"));
	f.gogc = -1;	/* GOGC=off: no goal at all */
	n = advice_compute(&f, a, ADVICE_MAX);
	CHECK(n == 1 && strstr(text_of(a, n, "gomemlimit_unset"), "GOGC is off"));
	f.gogc = 100;
	f.heap_goal = 100 * MIB;	/* below the limit */
	CHECK(advice_compute(&f, a, ADVICE_MAX) == 0);
	f.heap_goal = 236 * MIB;
	f.have_memory_limit = false;	/* no limit to reach */
	CHECK(advice_compute(&f, a, ADVICE_MAX) == 0);
}

TEST(gomemlimit_above_the_cgroup_limit)
{
	struct trace_facts f = memory_bound_service();
	struct advice a[ADVICE_MAX];
	int n;

	f.gomemlimit = 256 * MIB;
	n = advice_compute(&f, a, ADVICE_MAX);
	CHECK(n == 1 && has(a, n, "gomemlimit_above_cgroup"));
	CHECK(strstr(text_of(a, n, "gomemlimit_above_cgroup"), "GOMEMLIMIT is 256.0 MiB, above the memory cgroup's "
		      "limit of 128.0 MiB (/svc)"));
	f.gomemlimit = 100 * MIB;	/* set and below the limit: fine */
	CHECK(advice_compute(&f, a, ADVICE_MAX) == 0);
}

TEST(file_descriptors_near_the_limit)
{
	struct trace_facts f = { 0 };
	struct advice a[ADVICE_MAX];
	int n;

	f.have_fds = true;
	f.fds_open = 61;
	f.fds_limit = 64;
	f.fds_limit_hard = 4096;
	n = advice_compute(&f, a, ADVICE_MAX);
	CHECK(n == 1 && has(a, n, "fd_limit_near"));
	CHECK(strstr(text_of(a, n, "fd_limit_near"), "61 file descriptors open of a limit of 64 (95%; RLIMIT_NOFILE, "
		      "hard limit 4096)"));
	f.fds_open = 51;	/* 79.7% */
	CHECK(advice_compute(&f, a, ADVICE_MAX) == 0);
	f.fds_open = 61;
	f.fds_limit = UINT64_MAX;	/* unlimited */
	CHECK(advice_compute(&f, a, ADVICE_MAX) == 0);
	f.fds_limit = 64;
	f.fds_open = 10;	/* far from the limit now, but calls failed: said, with the count */
	f.fds_emfile_errors = 43;
	n = advice_compute(&f, a, ADVICE_MAX);
	CHECK(n == 1 && strstr(text_of(a, n, "fd_limit_near"), "43 accept, socket or open calls failed with EMFILE; "
		      "10 file descriptors open of a limit of 64 (16%;"));
	f.have_fds = false;
	CHECK(advice_compute(&f, a, ADVICE_MAX) == 0);
	f.fds_enfile_errors = 2;	/* the host's table: said even without the process's own figures */
	n = advice_compute(&f, a, ADVICE_MAX);
	CHECK(n == 1 && strstr(text_of(a, n, "fd_table_full"), "2 accept, socket or open calls failed with ENFILE"));
}

/* GOMEMLIMIT 72 MiB over a 64 MiB live heap, below GOGC 100's 128 MiB goal, in a 512 MiB cgroup: the limit paces
 * the GC, which took 45% of the CPU while traced. */
TEST(gomemlimit_tight_over_the_live_heap)
{
	struct trace_facts f = memory_bound_service();
	struct advice a[ADVICE_MAX];
	int n;

	f.gomemlimit = 72 * MIB;
	f.heap_marked = 64 * MIB;
	f.heap_goal = 128 * MIB;
	f.memory_limit = 512 * MIB;
	f.gc_cpu_share = 0.45;
	n = advice_compute(&f, a, ADVICE_MAX);
	CHECK(n == 1 && has(a, n, "gomemlimit_tight"));
	CHECK(strstr(text_of(a, n, "gomemlimit_tight"), "GOMEMLIMIT is 72.0 MiB, 12% above the live heap of 64.0 MiB"));
	CHECK(strstr(text_of(a, n, "gomemlimit_tight"), "it used 45% of the process's available CPU while traced"));
	CHECK(strstr(text_of(a, n, "gomemlimit_tight"), "allows GOMEMLIMIT=461MiB, 90% of it"));
	f.gc_cpu_share = 0.2;		/* below a quarter: not back to back */
	CHECK(advice_compute(&f, a, ADVICE_MAX) == 0);
	f.gc_cpu_share = 0.45;
	f.heap_goal = 70 * MIB;		/* GOGC's goal below the limit: GOGC paces, not the limit */
	CHECK(advice_compute(&f, a, ADVICE_MAX) == 0);
	f.gogc = -1;			/* GOGC=off: only the limit paces */
	CHECK(advice_compute(&f, a, ADVICE_MAX) == 1);
	f.gc_cpu_share = -1;		/* not measured (too few cycles) */
	CHECK(advice_compute(&f, a, ADVICE_MAX) == 0);
}

/* 2 MiB live, GOGC 100: a 4 MiB goal and 300 cycles a second in a 1 GiB cgroup, GOMEMLIMIT unset: the memory
 * allows 921.6 MiB, half of it a goal GOGC=22900 gives (rounded down to hundreds). */
TEST(gogc_low_for_the_memory_allowed)
{
	struct trace_facts f = memory_bound_service();
	struct advice a[ADVICE_MAX];
	int n;

	f.heap_marked = 2 * MIB;
	f.heap_goal = 4 * MIB;
	f.memory_limit = 1024 * MIB;
	f.window_ns = 10000000000ull;
	f.gc_cycles = 3000;
	n = advice_compute(&f, a, ADVICE_MAX);
	CHECK(n == 2 && has(a, n, "gogc_low") && has(a, n, "gc_frequent"));
	CHECK(strstr(text_of(a, n, "gogc_low"), "GOGC 100 puts the heap goal at 4.0 MiB (2.0 MiB live after the last "
		      "GC), 0.4% of the 921.6 MiB the memory allows (90% of the memory cgroup's limit)"));
	CHECK(strstr(text_of(a, n, "gogc_low"), "300.0 cycles per second. GOGC=22900 (a goal of 460.0 MiB, half of "
		      "it) with GOMEMLIMIT=922MiB as the backstop would run it about 229 times less often"));
	f.gomemlimit = 200 * MIB;	/* the smaller room: GOMEMLIMIT's */
	n = advice_compute(&f, a, ADVICE_MAX);
	CHECK(strstr(text_of(a, n, "gogc_low"), "of the 200.0 MiB the memory allows (GOMEMLIMIT)"));
	CHECK(strstr(text_of(a, n, "gogc_low"), "GOGC=4900 (a goal of 100.0 MiB"));
	f.gc_cycles = 100;		/* 10 a second: not busy */
	CHECK(!has(a, advice_compute(&f, a, ADVICE_MAX), "gogc_low"));
	f.gc_cycles = 3000;
	f.heap_goal = 60 * MIB;		/* more than a quarter of the room */
	f.heap_marked = 30 * MIB;
	CHECK(!has(a, advice_compute(&f, a, ADVICE_MAX), "gogc_low"));
}
