/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's profile directory: each profile written atomically as SERVICE-PID-TYPE-TIME.pb.gz, and the
 * retention limits (count, age, total size) enforced oldest first on the files it recognises as its own. */
#ifndef GOTRACE_PROFILE_FILES_H
#define GOTRACE_PROFILE_FILES_H

#include <stddef.h>
#include <stdint.h>

/* 0 in a field: no limit of that kind. */
struct profile_files_limits {
	uint64_t max_count;	/* files */
	uint64_t max_age_ns;	/* by the time in the file name, against the store's clock */
	uint64_t max_bytes;	/* sum of the files' sizes */
};

/* For the daemon's own metrics. */
struct profile_files_stats {
	uint64_t files, bytes;		/* in the directory now (its own files) */
	uint64_t written, write_errors;	/* since open */
	uint64_t deleted, delete_errors;
};

typedef int64_t (*profile_files_clock)(void *ctx);	/* nanoseconds since the Unix epoch */

struct profile_files;

/* Opens dir, creating it (mode 0750) when only its last component is missing, and indexes the profile files
 * already there; leftover temporary files of a crashed writer (".NAME.tmp" over ten minutes old) are removed.
 * Other files are never touched. 0, or a negative errno (-ENOENT: the parent is missing, -EACCES...). */
int profile_files_open(const char *dir, const struct profile_files_limits *limits, struct profile_files **out);
void profile_files_close(struct profile_files *s);

/* Replaces the wall clock (tests). */
void profile_files_set_clock(struct profile_files *s, profile_files_clock now_ns, void *ctx);

/* The file name for a profile: "<service>-<pid>-<type>-<UTC time>.pb.gz", the time as YYYYMMDDTHHMMSS.mmmZ, e.g.
 * "api-1234-cpu-20260102T030405.678Z.pb.gz". service: 1 to 63 of [A-Za-z0-9._-], not starting with '.'
 * (target_rules_service makes such names); type: 1 to 16 of [a-z0-9_]; pid 1 to 4194304; time_ns from 1970 to
 * 9999. 0, -EINVAL for anything else, -ENAMETOOLONG when size is too small. */
int profile_files_name(char *out, size_t size, const char *service, int pid, const char *type, int64_t time_ns);

/* Writes one gzip-compressed pprof profile: into a temporary file in the same directory, flushed to disk, then
 * renamed, so that a reader (or a crash, or SIGTERM) never sees part of it. Then enforces the limits: the age
 * limit on every file, the count and size limits on all but the newest file (a limit smaller than one profile
 * still keeps the latest). 0, or a negative errno: -EINVAL (names as above), -EEXIST (this exact profile name
 * was already written), -ENOSPC, -EIO...; a failed write leaves no file behind. A failure to delete an old file
 * is counted in stats, not returned. */
int profile_files_write(struct profile_files *s, const char *service, int pid, const char *type, int64_t time_ns,
			const void *pprof_gz, size_t len);

/* Enforces the limits without writing: the daemon calls it now and then, so that old files age out even when
 * no process is traced. Returns how many files it deleted. */
int profile_files_enforce(struct profile_files *s);

void profile_files_get_stats(const struct profile_files *s, struct profile_files_stats *st);

#endif
