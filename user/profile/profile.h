/* SPDX-License-Identifier: GPL-2.0 */
/* In-memory profile (the pprof data model): mappings, functions, locations and merged samples, fed by the
 * symbolizer and read by the writers (pprof.h, folded.h, flamesvg.h). */
#ifndef GOTRACE_PROFILE_H
#define GOTRACE_PROFILE_H

#include <stddef.h>
#include <stdint.h>

/* Ids are 1-based indexes; 0 is never a valid id, and every id-returning call returns 0 on failure
 * (allocation failure or invalid arguments). Every string handed in is copied (interned): callers may free
 * theirs at once. Strings handed out are interned too, so equal strings are the same pointer. A profile is not
 * thread-safe: one thread builds it, then any number may read it. */
struct profile;

struct profile_value_type {
	const char *type;	/* "samples", "cpu", "contentions", "delay" */
	const char *unit;	/* "count", "nanoseconds" */
};

/* One frame of a location: several when functions were inlined into the one at the address. */
struct profile_line {
	uint32_t function;	/* id from profile_function() */
	int64_t line;		/* 0 when unknown */
};

/* A string label when str is non-NULL, else a numeric one (num, with an optional unit such as "bytes"). */
struct profile_label {
	const char *key;
	const char *str;
	int64_t num;
	const char *num_unit;
};

/* What the symbolizer resolved for a mapping; written to pprof so `go tool pprof` does not re-symbolize. */
enum profile_mapping_flags {
	PROFILE_HAS_FUNCTIONS = 1 << 0,
	PROFILE_HAS_FILENAMES = 1 << 1,
	PROFILE_HAS_LINE_NUMBERS = 1 << 2,
	PROFILE_HAS_INLINE_FRAMES = 1 << 3,
	PROFILE_SYMBOLIZED = PROFILE_HAS_FUNCTIONS | PROFILE_HAS_FILENAMES | PROFILE_HAS_LINE_NUMBERS |
			     PROFILE_HAS_INLINE_FRAMES,
};

/* Builder. sample_types: one value per type in every sample, e.g. {"samples","count"},{"cpu","nanoseconds"}
 * with period_type {"cpu","nanoseconds"} and period 1e9/Hz; or {"contentions","count"},{"delay","nanoseconds"}.
 * NULL on allocation failure or ntypes < 1. */
struct profile *profile_new(const struct profile_value_type *sample_types, int ntypes,
			    struct profile_value_type period_type, int64_t period);
void profile_free(struct profile *p);

void profile_set_time(struct profile *p, int64_t time_nanos, int64_t duration_nanos);
/* Free text shown by `go tool pprof` (e.g. the command line). 0 or -ENOMEM. */
int profile_add_comment(struct profile *p, const char *comment);

/* One per binary or library; build_id may be NULL or "" when unknown, file is the absolute path, or a name in
 * brackets for what has no file ("[kernel.kallsyms]", "[vdso]"). Deduplicated on everything but flags, which
 * accumulate (OR) over calls. */
uint32_t profile_mapping(struct profile *p, uint64_t start, uint64_t limit, uint64_t file_offset,
			 const char *file, const char *build_id, unsigned flags);

/* name in Go's form ("main.(*T).Method"), non-empty; file absolute or NULL; start_line 0 when unknown.
 * Deduplicated on all three. */
uint32_t profile_function(struct profile *p, const char *name, const char *file, int64_t start_line);

/* mapping 0 means none. lines innermost first (the inlined callee, then its callers, the outermost being the
 * function that owns the address), like pprof's Location.line; nlines 0 for an address nothing resolved
 * (writers show it as "[unknown]"). Deduplicated on (mapping, address, lines), so synthetic frames at address 0
 * stay apart. */
uint32_t profile_location(struct profile *p, uint32_t mapping, uint64_t address,
			  const struct profile_line *lines, int nlines);

/* locations leaf first (n >= 1), values one per sample type, labels in any order. Identical stacks with
 * identical label sets are merged by adding values; a hash table keeps this O(n) per call.
 * 0, -EINVAL (unknown location id, n < 1, label without key) or -ENOMEM. */
int profile_add_sample(struct profile *p, const uint32_t *locations, int n, const int64_t *values,
		       const struct profile_label *labels, int nlabels);

/* Readers. Pointers stay valid until the profile is next modified or freed. */
struct profile_mapping_info {
	uint64_t start, limit, file_offset;
	const char *file;	/* never NULL, "" when unknown */
	const char *build_id;	/* never NULL, "" when unknown */
	unsigned flags;		/* enum profile_mapping_flags */
};

struct profile_function_info {
	const char *name;
	const char *file;	/* never NULL, "" when unknown */
	int64_t start_line;
};

struct profile_location_info {
	uint32_t mapping;	/* 0 when none */
	uint64_t address;
	const struct profile_line *lines;	/* innermost first */
	int nlines;
};

struct profile_sample {
	const uint32_t *locations;	/* leaf first */
	int nlocations;
	const int64_t *values;		/* profile_sample_type_count() of them */
	const struct profile_label *labels;	/* sorted by key, then value; num_unit "" when none */
	int nlabels;
};

int profile_sample_type_count(const struct profile *p);
struct profile_value_type profile_sample_type(const struct profile *p, int index);
struct profile_value_type profile_period_type(const struct profile *p);
int64_t profile_period(const struct profile *p);
int64_t profile_time_nanos(const struct profile *p);
int64_t profile_duration_nanos(const struct profile *p);
size_t profile_comment_count(const struct profile *p);
const char *profile_comment(const struct profile *p, size_t index);

size_t profile_mapping_count(const struct profile *p);		/* ids are 1..count */
size_t profile_function_count(const struct profile *p);
size_t profile_location_count(const struct profile *p);
const struct profile_mapping_info *profile_mapping_get(const struct profile *p, uint32_t id);	/* NULL if none */
const struct profile_function_info *profile_function_get(const struct profile *p, uint32_t id);
const struct profile_location_info *profile_location_get(const struct profile *p, uint32_t id);

/* Distinct samples after merging, in order of first appearance: index 0..count-1. */
size_t profile_sample_count(const struct profile *p);
void profile_sample_get(const struct profile *p, size_t index, struct profile_sample *out);
/* Sum of one value over all samples; 0 for an index out of range. */
int64_t profile_total(const struct profile *p, int value_index);

/* The frames of a sample root first, inlined frames expanded into frames of their own, as the flamegraph
 * writers show them: the function name, or "[unknown]" (plus " module+0xoffset" when the location has a
 * mapping) for an unresolved address. Writes at most max names; returns the number of frames the sample has
 * (call again with a larger array when it exceeds max). Names stay valid as long as the profile. */
int profile_sample_frames(const struct profile *p, const struct profile_sample *s, const char **names, int max);

#endif
