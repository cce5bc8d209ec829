/* SPDX-License-Identifier: GPL-2.0 */
/* A traced process's cgroup CPU limits (v1 or v2, nested, in containers) and its CFS throttling counters; its memory
 * cgroup's limits, usage, events and pressure. */
#ifndef GOTRACE_CGROUP_H
#define GOTRACE_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cgroup_cpu {
	int version;			/* 1 or 2: the hierarchy that holds the cpu controller */
	char path[PATH_MAX];		/* as /proc/PID/cgroup gives it to us: "/kubepods/burstable/pod.../<id>" */
	char dir[PATH_MAX];		/* the directory of that cgroup on this machine: mount point + path */
	int64_t quota_us;		/* effective quota, -1 when no level limits */
	uint64_t period_us;		/* of the limiting level; unlimited: of the nearest level with one, or 0 */
	double quota_cpus;		/* quota_us / period_us; 0 when unlimited */
	char cpuset[256];		/* effective CPU list, "0-1"; "" unknown; ends in "..." when longer */
	int cpuset_count;		/* CPUs in that list; 0 unknown */
	char container_id[80];		/* deepest 64-hex id in path (docker, containerd, cri-o, podman), "" none */
	/* The effective limit is the tightest quota/period of the cgroup and its ancestors (as far as the mount
	 * shows them): 0 = the leaf, 1 = its parent... */
	int limiting_level;
	/* cpu.stat of the limiting cgroup: the kernel counts throttling where the quota ran out, not in the
	 * descendants it stalls. */
	char stat_dir[PATH_MAX];
	/* Where the limiting cgroup's CPU usage is read: stat_dir on v2; on v1 the cpuacct directory of the same
	 * cgroup, "" when the process's cpuacct cgroup is not its cpu cgroup. */
	char usage_dir[PATH_MAX];
};

struct cgroup_cpu_stat {
	uint64_t nr_periods;		/* CFS periods with runnable tasks */
	uint64_t nr_throttled;		/* of those, periods that ran out of quota */
	uint64_t throttled_ns;		/* total time runnable tasks waited for the next period */
	uint64_t usage_ns;		/* CPU time charged to the limiting cgroup, valid when has_usage */
	bool has_usage;
};

/* Finds PID's cpu cgroup, its effective quota and cpuset. Reads /proc/PID/cgroup, then resolves the path
 * through our own mounts (/proc/self/mountinfo), or else through the target's (/proc/PID/mountinfo, under
 * /proc/PID/root) when its cgroup is outside our cgroup namespace. 0; -ESRCH no such process; -ENOENT no cpu
 * controller, or the cgroup is not reachable from any mount; -EINVAL/-ERANGE malformed files; -EACCES...
 * On error *cg is zeroed or partly filled. Unlike Go's runtime (1.25+), which reads the leaf's limit only,
 * this walks the ancestors: limiting_level > 0 is a limit Go's default GOMAXPROCS does not see. */
int cgroup_cpu_for_pid(int pid, struct cgroup_cpu *cg);
/* The same with the directory root standing for "/" (recorded trees in tests); NULL or "/" for the real one. */
int cgroup_cpu_for_pid_at(const char *root, int pid, struct cgroup_cpu *cg);

/* Reads stat_dir/cpu.stat (and cpuacct.usage on v1): 0 or a negative errno. */
int cgroup_cpu_read_stat(const struct cgroup_cpu *cg, struct cgroup_cpu_stat *st);

/* One line for people: "cgroup v1 /gotrace-demo: quota 0.20 CPU (20000/100000 us), cpuset 0-1".
 * 0, or -ENOSPC when buf was too small (it still holds a NUL-terminated prefix). */
int cgroup_cpu_describe(const struct cgroup_cpu *cg, char *buf, size_t size);

/* Parsers of the kernel's files, exposed for tests and fuzzing. Texts are NUL-terminated whole files; every
 * line must end in '\n' (a missing one means a truncated file). They return 0 (or as said), -EINVAL for
 * malformed text, -ERANGE for numbers out of the kernel's range, -ENAMETOOLONG for paths over size. */

/* /proc/PID/cgroup: the path of the hierarchy holding controller ("cpu", "cpuset", "cpuacct"): a v1 line
 * "N:cpu,cpuacct:/path" naming it, else the v2 line "0::/path". Returns the version (1 or 2); -ENOENT when
 * neither exists. */
int cgroup_parse_membership(const char *text, const char *controller, char *path, size_t size);

/* mountinfo: the directory showing cgroup path of that hierarchy (v1: type "cgroup" whose super options name
 * controller; v2: type "cgroup2"): mount point + path below the mount's root. *top_len is the length of the
 * mount point in dir: the highest ancestor it shows. Among several mounts, the one showing most ancestors.
 * -ENOENT when no mount reaches path (e.g. "/../other" outside our cgroup namespace). */
int cgroup_parse_mountinfo(const char *text, int version, const char *controller, const char *path,
			   char *dir, size_t size, size_t *top_len);

/* v2 cpu.max "max 100000" or "50000 100000": quota -1 when unlimited. */
int cgroup_parse_cpu_max(const char *text, int64_t *quota_us, uint64_t *period_us);
/* v1 cpu.cfs_quota_us ("-1" unlimited) and cpu.cfs_period_us. */
int cgroup_parse_cfs(const char *quota_text, const char *period_text, int64_t *quota_us, uint64_t *period_us);
/* cpu.stat, v1 (throttled_time in ns, no usage) or v2 (throttled_usec, usage_usec; the throttling keys are
 * absent where the cpu controller is not enabled, and count as 0 then). */
int cgroup_parse_cpu_stat(const char *text, int version, struct cgroup_cpu_stat *st);
/* A CPU list "0-3,8,10-11\n" in ascending order; *count = CPUs in it. */
int cgroup_parse_cpu_list(const char *text, int *count);
/* The deepest 64-hex container id in a cgroup path; -ENOENT when none. size must be at least 65. */
int cgroup_container_id(const char *path, char *id, size_t size);

/* ---- memory ---- */

struct cgroup_memory {
	int version;			/* 1 or 2: the hierarchy that holds the memory controller */
	char path[PATH_MAX];		/* as /proc/PID/cgroup gives it */
	char dir[PATH_MAX];		/* its directory on this machine */
	/* The tightest limit of the cgroup and its ancestors (v2 memory.max, v1 memory.limit_in_bytes), -1 none;
	 * 0 = the leaf, 1 = its parent... */
	int64_t limit_bytes;
	int limiting_level;
	/* Where usage, peak and OOM kills are read: the limiting cgroup (the leaf when none limits), whose limit the
	 * OOM killer enforces and where the kernel counts its kills. */
	char stat_dir[PATH_MAX];
	/* The tightest level below the limit where the kernel starts reclaiming, -1 none; found as the limit is.
	 * v2 memory.high: tasks over it are throttled and reclaimed, never OOM-killed. v1 has no such thing; its
	 * memory.soft_limit_in_bytes is the nearest: reclaimed down to it only when the whole host runs short. */
	int64_t high_bytes;
	int high_level;
	char high_dir[PATH_MAX];	/* whose memory.events counts breaches of high_bytes (stat_dir when none) */
};

/* v2 memory.events: times the kernel acted on a limit (hierarchical: a cgroup counts its descendants' too). */
struct cgroup_memory_events {
	uint64_t high;			/* over memory.high: throttled and reclaimed */
	uint64_t max;			/* at memory.max: reclaimed before charging more */
	uint64_t oom;			/* at memory.max with reclaim failing: the OOM killer was asked */
	uint64_t oom_kill;		/* processes it killed; valid when has_oom_kill (4.13+) */
	bool has_oom_kill;
};

/* A pressure stall (PSI) file: "some" (at least one task stalled on memory) and "full" (all non-idle tasks). */
struct cgroup_pressure {
	uint64_t some_total_us, full_total_us;	/* stall time since the cgroup was created */
	double some_avg10, full_avg10;		/* percent of the last 10 s */
	bool has_full;				/* kernels before 5.13 print no full line for cpu */
};

struct cgroup_memory_stat {
	uint64_t usage_bytes;		/* v2 memory.current, v1 memory.usage_in_bytes */
	uint64_t peak_bytes;		/* v2 memory.peak (5.19+), v1 memory.max_usage_in_bytes; valid when has_peak */
	uint64_t oom_kills;		/* oom_kill of v2 memory.events, v1 memory.oom_control; valid when has_oom_kills */
	bool has_peak, has_oom_kills;
	/* v2 only: high from high_dir's memory.events, max and oom from stat_dir's */
	struct cgroup_memory_events events;
	bool has_events;
	/* v1 only: memory.oom_control's under_oom, the cgroup waiting for the OOM killer (or for user space when
	 * oom_kill_disable is set) right now */
	bool under_oom, has_under_oom;
	/* v1 only: memory.failcnt (+ memory.memsw.failcnt), the times a charge hit the limit (and reclaim ran): v2's
	 * "max" event */
	uint64_t failcnt;
	bool has_failcnt;
	/* v2 only: stat_dir's memory.pressure (absent when the kernel runs without PSI). v1 has no per-cgroup file. */
	struct cgroup_pressure pressure;
	bool has_pressure;
};

/* PID's memory cgroup and its effective limit, found as cgroup_cpu_for_pid finds the cpu one. 0; -ESRCH; -ENOENT
 * no memory controller or the cgroup is not reachable; other negative errnos as there. */
int cgroup_memory_for_pid(int pid, struct cgroup_memory *cm);
int cgroup_memory_for_pid_at(const char *root, int pid, struct cgroup_memory *cm);
/* Reads stat_dir's usage, peak, OOM kill count, events and pressure (high_dir's high events): 0 or a negative
 * errno (-ENOENT: no usage file). */
int cgroup_memory_read_stat(const struct cgroup_memory *cm, struct cgroup_memory_stat *st);

/* v2 memory.max ("max" = -1) or v1 memory.limit_in_bytes (PAGE_COUNTER_MAX in bytes = -1). */
int cgroup_parse_memory_limit(const char *text, int version, int64_t *limit);
/* One number then '\n' (memory.current, memory.peak, memory.usage_in_bytes, memory.max_usage_in_bytes). */
int cgroup_parse_bytes(const char *text, uint64_t *bytes);
/* The oom_kill line of v1 memory.oom_control or v2 memory.events; -ENOENT when absent (kernels before 4.13). */
int cgroup_parse_oom_kills(const char *text, uint64_t *count);
/* v2 memory.events: high, max and oom must be there, oom_kill may be (4.13+); other keys are skipped. */
int cgroup_parse_memory_events(const char *text, struct cgroup_memory_events *ev);
/* v1 memory.oom_control's under_oom (0 or 1). */
int cgroup_parse_under_oom(const char *text, bool *under_oom);
/* A PSI file ("some avg10=0.12 avg60=0.05 avg300=0.01 total=123456\n" then the same for "full"): the some line
 * must be there, the full line may be. Averages above 100.00 are -ERANGE. */
int cgroup_parse_pressure(const char *text, struct cgroup_pressure *p);

#endif
