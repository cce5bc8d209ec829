// SPDX-License-Identifier: GPL-2.0
/* The in-memory profile: interned strings and deduplicated tables, all behind hash tables, because the
 * symbolizer feeds it up to a million samples per run. Everything variable-sized lives in an arena that never
 * moves, so the structs handed to readers can point into it directly. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"

#define ARENA_CHUNK (256 * 1024)
#define ARENA_ALIGN 8

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

/* Open addressing over element indexes; the full hash is kept so that growing never rehashes elements. */
struct hash_slot {
	uint32_t hash;
	uint32_t id;	/* 1-based element id; 0 marks an empty slot */
};

struct hash_index {
	struct hash_slot *slots;
	uint32_t mask;	/* capacity - 1, capacity a power of two; no slots at all while mask is 0 */
	uint32_t used;
};

/* A growable array of fixed-size elements; element i has id i + 1. */
struct vec {
	void *data;
	size_t len, cap;
};

struct location {
	struct profile_location_info info;
	const char *unknown_name;	/* display name when info.nlines is 0 */
};

struct stored_sample {
	struct profile_sample s;
	int64_t *values;	/* the same memory as s.values, writable for merging */
	uint32_t hash;
};

struct profile {
	struct arena_chunk *arena;
	struct profile_value_type *sample_types;
	int ntypes;
	struct profile_value_type period_type;
	int64_t period, time_nanos, duration_nanos;
	int64_t *totals;

	struct vec strings, comments, mappings, functions, locations, samples;
	struct hash_index string_index, mapping_index, function_index, location_index, sample_index;
};

/* ---- arena ---- */

static void *arena_alloc(struct profile *p, size_t size)
{
	struct arena_chunk *c = p->arena;
	size_t aligned = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	void *mem;

	if (aligned < size)
		return NULL;
	if (!c || c->size - c->used < aligned) {
		size_t chunk = aligned > ARENA_CHUNK / 4 ? aligned : ARENA_CHUNK;

		c = malloc(sizeof(*c) + chunk);
		if (!c)
			return NULL;
		c->size = chunk;
		c->used = 0;
		/* A big one-off block goes behind the current chunk, so the current one keeps filling. */
		if (chunk != ARENA_CHUNK && p->arena) {
			c->next = p->arena->next;
			p->arena->next = c;
		} else {
			c->next = p->arena;
			p->arena = c;
		}
	}
	mem = c->data + c->used;
	c->used += aligned;
	return mem;
}

static void *arena_dup(struct profile *p, const void *src, size_t size)
{
	void *mem = arena_alloc(p, size ? size : 1);

	if (mem && size)
		memcpy(mem, src, size);
	return mem;
}

static void arena_free(struct arena_chunk *c)
{
	while (c) {
		struct arena_chunk *next = c->next;

		free(c);
		c = next;
	}
}

/* ---- growable arrays ---- */

static void *vec_push(struct vec *v, size_t elem_size)
{
	if (v->len == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		void *data;

		if (cap > UINT32_MAX - 1)
			return NULL;
		data = reallocarray(v->data, cap, elem_size);
		if (!data)
			return NULL;
		v->data = data;
		v->cap = cap;
	}
	return (char *)v->data + v->len++ * elem_size;
}

#define VEC_AT(v, type, id) (&((type *)(v).data)[(id) - 1])

/* ---- hashing ---- */

static uint64_t hash_mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

static uint64_t hash_bytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *b = data;
	uint64_t word;

	for (; len >= 8; len -= 8, b += 8) {
		memcpy(&word, b, 8);
		h = hash_mix(h, word);
	}
	word = 0;
	if (len)
		memcpy(&word, b, len);
	return hash_mix(h, word ^ ((uint64_t)len << 56));
}

static uint32_t hash_final(uint64_t h)
{
	h = hash_mix(h, h >> 32);
	return (uint32_t)(h >> 32);
}

/* Returns the id whose slot matches hash and satisfies eq, or 0. */
typedef bool (*hash_eq_fn)(const struct profile *p, uint32_t id, const void *key);

static uint32_t hash_find(const struct profile *p, const struct hash_index *hi, uint32_t hash, hash_eq_fn eq,
			  const void *key)
{
	uint32_t i;

	if (!hi->mask)
		return 0;
	for (i = hash & hi->mask; hi->slots[i].id; i = (i + 1) & hi->mask)
		if (hi->slots[i].hash == hash && eq(p, hi->slots[i].id, key))
			return hi->slots[i].id;
	return 0;
}

static void hash_place(struct hash_slot *slots, uint32_t mask, struct hash_slot s)
{
	uint32_t i;

	for (i = s.hash & mask; slots[i].id; i = (i + 1) & mask)
		;
	slots[i] = s;
}

static int hash_grow(struct hash_index *hi)
{
	uint32_t cap = hi->mask ? (hi->mask + 1) * 2 : 256, i;
	struct hash_slot *slots;

	if (!cap)
		return -ENOMEM;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; hi->mask && i <= hi->mask; i++)
		if (hi->slots[i].id)
			hash_place(slots, cap - 1, hi->slots[i]);
	free(hi->slots);
	hi->slots = slots;
	hi->mask = cap - 1;
	return 0;
}

static int hash_insert(struct hash_index *hi, uint32_t hash, uint32_t id)
{
	/* Kept at most half full: probes stay short and an empty slot always exists. */
	if ((uint64_t)(hi->used + 1) * 2 > (uint64_t)hi->mask + 1 && hash_grow(hi))
		return -ENOMEM;
	hash_place(hi->slots, hi->mask, (struct hash_slot){ hash, id });
	hi->used++;
	return 0;
}

/* ---- strings ---- */

static bool string_eq(const struct profile *p, uint32_t id, const void *key)
{
	return strcmp(*VEC_AT(p->strings, const char *, id), key) == 0;
}

static const char *intern(struct profile *p, const char *s)
{
	uint32_t hash, id;
	const char **slot;
	char *copy;

	if (!s)
		s = "";
	hash = hash_final(hash_bytes(0, s, strlen(s)));
	id = hash_find(p, &p->string_index, hash, string_eq, s);
	if (id)
		return *VEC_AT(p->strings, const char *, id);
	copy = arena_dup(p, s, strlen(s) + 1);
	slot = copy ? vec_push(&p->strings, sizeof(*slot)) : NULL;
	if (!slot)
		return NULL;
	*slot = copy;
	if (hash_insert(&p->string_index, hash, p->strings.len)) {
		p->strings.len--;
		return NULL;
	}
	return copy;
}

/* Adds an element to vec and its id to the index; 0 on allocation failure. */
static uint32_t table_add(struct vec *v, struct hash_index *hi, uint32_t hash, const void *elem, size_t size)
{
	void *slot = vec_push(v, size);

	if (!slot)
		return 0;
	memcpy(slot, elem, size);
	if (hash_insert(hi, hash, v->len)) {
		v->len--;
		return 0;
	}
	return v->len;
}

/* ---- lifecycle ---- */

struct profile *profile_new(const struct profile_value_type *sample_types, int ntypes,
			    struct profile_value_type period_type, int64_t period)
{
	struct profile *p;
	int i;

	if (ntypes < 1 || !sample_types)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->ntypes = ntypes;
	p->period = period;
	p->sample_types = calloc(ntypes, sizeof(*p->sample_types));
	p->totals = calloc(ntypes, sizeof(*p->totals));
	if (!p->sample_types || !p->totals)
		goto fail;
	for (i = 0; i < ntypes; i++) {
		p->sample_types[i].type = intern(p, sample_types[i].type);
		p->sample_types[i].unit = intern(p, sample_types[i].unit);
		if (!p->sample_types[i].type || !p->sample_types[i].unit)
			goto fail;
	}
	p->period_type.type = intern(p, period_type.type);
	p->period_type.unit = intern(p, period_type.unit);
	if (!p->period_type.type || !p->period_type.unit)
		goto fail;
	return p;
fail:
	profile_free(p);
	return NULL;
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	free(p->strings.data);
	free(p->comments.data);
	free(p->mappings.data);
	free(p->functions.data);
	free(p->locations.data);
	free(p->samples.data);
	free(p->string_index.slots);
	free(p->mapping_index.slots);
	free(p->function_index.slots);
	free(p->location_index.slots);
	free(p->sample_index.slots);
	free(p->sample_types);
	free(p->totals);
	arena_free(p->arena);
	free(p);
}

void profile_set_time(struct profile *p, int64_t time_nanos, int64_t duration_nanos)
{
	p->time_nanos = time_nanos;
	p->duration_nanos = duration_nanos;
}

int profile_add_comment(struct profile *p, const char *comment)
{
	const char *s = intern(p, comment);
	const char **slot = s ? vec_push(&p->comments, sizeof(*slot)) : NULL;

	if (!slot)
		return -ENOMEM;
	*slot = s;
	return 0;
}

/* ---- mappings and functions ---- */

static uint32_t mapping_hash(const struct profile_mapping_info *m)
{
	uint64_t h = hash_mix(hash_mix(hash_mix(0, m->start), m->limit), m->file_offset);

	return hash_final(hash_mix(hash_mix(h, (uintptr_t)m->file), (uintptr_t)m->build_id));
}

static bool mapping_eq(const struct profile *p, uint32_t id, const void *key)
{
	const struct profile_mapping_info *a = VEC_AT(p->mappings, struct profile_mapping_info, id), *b = key;

	return a->start == b->start && a->limit == b->limit && a->file_offset == b->file_offset &&
	       a->file == b->file && a->build_id == b->build_id;
}

uint32_t profile_mapping(struct profile *p, uint64_t start, uint64_t limit, uint64_t file_offset,
			 const char *file, const char *build_id, unsigned flags)
{
	struct profile_mapping_info m = { start, limit, file_offset, intern(p, file), intern(p, build_id), flags };
	uint32_t hash, id;

	if (!m.file || !m.build_id)
		return 0;
	hash = mapping_hash(&m);
	id = hash_find(p, &p->mapping_index, hash, mapping_eq, &m);
	if (id) {
		VEC_AT(p->mappings, struct profile_mapping_info, id)->flags |= flags;
		return id;
	}
	return table_add(&p->mappings, &p->mapping_index, hash, &m, sizeof(m));
}

static bool function_eq(const struct profile *p, uint32_t id, const void *key)
{
	const struct profile_function_info *a = VEC_AT(p->functions, struct profile_function_info, id), *b = key;

	return a->name == b->name && a->file == b->file && a->start_line == b->start_line;
}

uint32_t profile_function(struct profile *p, const char *name, const char *file, int64_t start_line)
{
	struct profile_function_info f;
	uint32_t hash, id;

	if (!name || !*name)
		return 0;
	f = (struct profile_function_info){ intern(p, name), intern(p, file), start_line };
	if (!f.name || !f.file)
		return 0;
	hash = hash_final(hash_mix(hash_mix(hash_mix(0, (uintptr_t)f.name), (uintptr_t)f.file), start_line));
	id = hash_find(p, &p->function_index, hash, function_eq, &f);
	return id ? id : table_add(&p->functions, &p->function_index, hash, &f, sizeof(f));
}

/* ---- locations ---- */

static bool location_eq(const struct profile *p, uint32_t id, const void *key)
{
	const struct profile_location_info *a = &VEC_AT(p->locations, struct location, id)->info, *b = key;

	return a->mapping == b->mapping && a->address == b->address && a->nlines == b->nlines &&
	       (!b->nlines || !memcmp(a->lines, b->lines, sizeof(*a->lines) * b->nlines));
}

/* "[unknown] libc.so.6+0x1234": where an unresolved address is, which is all a reader can act on. */
static const char *unknown_name(struct profile *p, const struct profile_location_info *loc)
{
	const struct profile_mapping_info *m = profile_mapping_get(p, loc->mapping);
	const char *base;
	char *name;
	const char *s;

	if (!m)
		return intern(p, "[unknown]");
	base = strrchr(m->file, '/');
	base = base ? base + 1 : m->file;
	if (asprintf(&name, "[unknown] %s+0x%llx", *base ? base : "?",
		     (unsigned long long)(loc->address - m->start + m->file_offset)) < 0)
		return NULL;
	s = intern(p, name);
	free(name);
	return s;
}

static bool lines_valid(const struct profile *p, const struct profile_line *lines, int nlines)
{
	int i;

	if (nlines < 0 || (nlines && !lines))
		return false;
	for (i = 0; i < nlines; i++)
		if (!lines[i].function || lines[i].function > p->functions.len)
			return false;
	return true;
}

uint32_t profile_location(struct profile *p, uint32_t mapping, uint64_t address,
			  const struct profile_line *lines, int nlines)
{
	struct location loc = { { mapping, address, lines, nlines }, NULL };
	uint64_t h;
	uint32_t hash, id;

	if (mapping > p->mappings.len || !lines_valid(p, lines, nlines))
		return 0;
	h = hash_mix(hash_mix(0, mapping), address);
	hash = hash_final(hash_bytes(h, lines, sizeof(*lines) * nlines));
	id = hash_find(p, &p->location_index, hash, location_eq, &loc.info);
	if (id)
		return id;
	loc.info.lines = arena_dup(p, lines, sizeof(*lines) * nlines);
	loc.unknown_name = nlines ? "" : unknown_name(p, &loc.info);
	if (!loc.info.lines || !loc.unknown_name)
		return 0;
	return table_add(&p->locations, &p->location_index, hash, &loc, sizeof(loc));
}

/* ---- samples ---- */

static int label_cmp(const void *a, const void *b)
{
	const struct profile_label *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	if (!x->str != !y->str)
		return x->str ? -1 : 1;
	if (x->str)
		return strcmp(x->str, y->str);
	if (x->num != y->num)
		return x->num < y->num ? -1 : 1;
	return strcmp(x->num_unit, y->num_unit);
}

/* Interns the labels into out and sorts them, so that label order never splits a sample. */
static int canonical_labels(struct profile *p, const struct profile_label *in, int n, struct profile_label *out)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!in[i].key || !*in[i].key)
			return -EINVAL;
		out[i].key = intern(p, in[i].key);
		out[i].str = in[i].str ? intern(p, in[i].str) : NULL;
		out[i].num = in[i].str ? 0 : in[i].num;
		out[i].num_unit = intern(p, in[i].str ? NULL : in[i].num_unit);
		if (!out[i].key || (in[i].str && !out[i].str) || !out[i].num_unit)
			return -ENOMEM;
	}
	qsort(out, n, sizeof(*out), label_cmp);
	return 0;
}

static uint32_t sample_hash(const struct profile_sample *s)
{
	uint64_t h = hash_bytes(s->nlocations, s->locations, sizeof(*s->locations) * s->nlocations);
	int i;

	for (i = 0; i < s->nlabels; i++) {
		h = hash_mix(hash_mix(h, (uintptr_t)s->labels[i].key), (uintptr_t)s->labels[i].str);
		h = hash_mix(hash_mix(h, s->labels[i].num), (uintptr_t)s->labels[i].num_unit);
	}
	return hash_final(h);
}

static bool sample_eq(const struct profile *p, uint32_t id, const void *key)
{
	const struct profile_sample *a = &VEC_AT(p->samples, struct stored_sample, id)->s, *b = key;

	/* Labels are interned, so comparing their bytes compares the strings. */
	return a->nlocations == b->nlocations && a->nlabels == b->nlabels &&
	       !memcmp(a->locations, b->locations, sizeof(*a->locations) * b->nlocations) &&
	       !memcmp(a->labels, b->labels, sizeof(*a->labels) * b->nlabels);
}

static int store_sample(struct profile *p, const struct profile_sample *key, uint32_t hash, const int64_t *values)
{
	struct stored_sample s = { *key, NULL, hash };

	s.s.locations = arena_dup(p, key->locations, sizeof(*key->locations) * key->nlocations);
	s.s.labels = arena_dup(p, key->labels, sizeof(*key->labels) * key->nlabels);
	s.values = arena_dup(p, values, sizeof(*values) * p->ntypes);
	s.s.values = s.values;
	if (!s.s.locations || !s.s.labels || !s.values)
		return -ENOMEM;
	return table_add(&p->samples, &p->sample_index, hash, &s, sizeof(s)) ? 0 : -ENOMEM;
}

static bool locations_valid(const struct profile *p, const uint32_t *locations, int n)
{
	int i;

	if (n < 1 || !locations)
		return false;
	for (i = 0; i < n; i++)
		if (!locations[i] || locations[i] > p->locations.len)
			return false;
	return true;
}

int profile_add_sample(struct profile *p, const uint32_t *locations, int n, const int64_t *values,
		       const struct profile_label *labels, int nlabels)
{
	struct profile_label small[8], *sorted = small;
	struct profile_sample key = { locations, n, values, NULL, nlabels };
	uint32_t hash, id;
	int i, err;

	if (!locations_valid(p, locations, n) || !values || nlabels < 0 || (nlabels && !labels))
		return -EINVAL;
	if (nlabels > (int)(sizeof(small) / sizeof(small[0])) && !(sorted = calloc(nlabels, sizeof(*sorted))))
		return -ENOMEM;
	err = canonical_labels(p, labels, nlabels, sorted);
	if (err)
		goto out;
	key.labels = sorted;
	hash = sample_hash(&key);
	id = hash_find(p, &p->sample_index, hash, sample_eq, &key);
	if (id) {
		int64_t *merged = VEC_AT(p->samples, struct stored_sample, id)->values;

		for (i = 0; i < p->ntypes; i++)
			merged[i] += values[i];
	} else {
		err = store_sample(p, &key, hash, values);
	}
	for (i = 0; !err && i < p->ntypes; i++)
		p->totals[i] += values[i];
out:
	if (sorted != small)
		free(sorted);
	return err;
}

/* ---- readers ---- */

int profile_sample_type_count(const struct profile *p)
{
	return p->ntypes;
}

struct profile_value_type profile_sample_type(const struct profile *p, int index)
{
	if (index < 0 || index >= p->ntypes)
		return (struct profile_value_type){ "", "" };
	return p->sample_types[index];
}

struct profile_value_type profile_period_type(const struct profile *p)
{
	return p->period_type;
}

int64_t profile_period(const struct profile *p)
{
	return p->period;
}

int64_t profile_time_nanos(const struct profile *p)
{
	return p->time_nanos;
}

int64_t profile_duration_nanos(const struct profile *p)
{
	return p->duration_nanos;
}

size_t profile_comment_count(const struct profile *p)
{
	return p->comments.len;
}

const char *profile_comment(const struct profile *p, size_t index)
{
	return index < p->comments.len ? ((const char **)p->comments.data)[index] : NULL;
}

size_t profile_mapping_count(const struct profile *p)
{
	return p->mappings.len;
}

size_t profile_function_count(const struct profile *p)
{
	return p->functions.len;
}

size_t profile_location_count(const struct profile *p)
{
	return p->locations.len;
}

const struct profile_mapping_info *profile_mapping_get(const struct profile *p, uint32_t id)
{
	return id && id <= p->mappings.len ? VEC_AT(p->mappings, struct profile_mapping_info, id) : NULL;
}

const struct profile_function_info *profile_function_get(const struct profile *p, uint32_t id)
{
	return id && id <= p->functions.len ? VEC_AT(p->functions, struct profile_function_info, id) : NULL;
}

const struct profile_location_info *profile_location_get(const struct profile *p, uint32_t id)
{
	return id && id <= p->locations.len ? &VEC_AT(p->locations, struct location, id)->info : NULL;
}

size_t profile_sample_count(const struct profile *p)
{
	return p->samples.len;
}

void profile_sample_get(const struct profile *p, size_t index, struct profile_sample *out)
{
	*out = VEC_AT(p->samples, struct stored_sample, index + 1)->s;
}

int64_t profile_total(const struct profile *p, int value_index)
{
	return value_index >= 0 && value_index < p->ntypes ? p->totals[value_index] : 0;
}

int profile_sample_frames(const struct profile *p, const struct profile_sample *s, const char **names, int max)
{
	int n = 0, i, j;

	for (i = s->nlocations - 1; i >= 0; i--) {
		const struct location *loc = VEC_AT(p->locations, struct location, s->locations[i]);

		if (!loc->info.nlines) {
			if (n < max)
				names[n] = loc->unknown_name;
			n++;
		}
		/* Outermost line first: the caller of an inlined function precedes it from the root. */
		for (j = loc->info.nlines - 1; j >= 0; j--, n++)
			if (n < max)
				names[n] = VEC_AT(p->functions, struct profile_function_info,
						  loc->info.lines[j].function)->name;
	}
	return n;
}
