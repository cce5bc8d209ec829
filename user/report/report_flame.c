// SPDX-License-Identifier: GPL-2.0
/* Folded stacks into the report's flamegraph: a tree of frames merged by prefix, written for the page's script
 * with the frames too narrow to see left out, so that a large profile stays a small page. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "lib/json.h"
#include "report/report.h"

struct fnode {
	uint32_t name, parent;
	uint32_t first_child, next_sibling;	/* 0: none (node 0 is the root, never a child) */
	uint64_t value;
};

struct report_flame {
	char **names;
	size_t nnames, cap_names;
	struct fnode *nodes;
	size_t nnodes, cap_nodes;
	uint32_t *name_slots, *child_slots;	/* open addressing: index + 1, 0 empty */
	size_t name_mask, child_mask;
	uint64_t total;
	size_t stacks;
};

static uint64_t hash_pair(uint32_t a, uint32_t b)
{
	uint64_t h = ((uint64_t)a << 32 | b) * 0x9e3779b97f4a7c15ull;

	return h ^ h >> 29;
}

/* Doubles a table of slots and re-inserts entries first..n-1, keyed by key(i). */
static int rehash(uint32_t **slots, size_t *mask, size_t first, size_t n,
		  uint64_t (*key)(const struct report_flame *, size_t), const struct report_flame *f)
{
	size_t size = *mask ? (*mask + 1) * 2 : 1024;
	uint32_t *s = calloc(size, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = first; i < n; i++) {
		size_t j = key(f, i) & (size - 1);

		while (s[j])
			j = (j + 1) & (size - 1);
		s[j] = (uint32_t)i + 1;
	}
	free(*slots);
	*slots = s;
	*mask = size - 1;
	return 0;
}

static uint64_t name_key(const struct report_flame *f, size_t i)
{
	return fnv1a64(FNV1A64_OFFSET, f->names[i], strlen(f->names[i]));
}

static uint64_t child_key(const struct report_flame *f, size_t i)
{
	return hash_pair(f->nodes[i].parent, f->nodes[i].name);
}

/* The id of name[0..len), interned on first sight; negative errno. */
static int64_t intern(struct report_flame *f, const char *name, size_t len)
{
	uint64_t h = fnv1a64(FNV1A64_OFFSET, name, len);
	size_t j;
	char *copy;

	if (2 * (f->nnames + 1) > f->name_mask && rehash(&f->name_slots, &f->name_mask, 0, f->nnames, name_key, f))
		return -ENOMEM;
	for (j = h & f->name_mask; f->name_slots[j]; j = (j + 1) & f->name_mask) {
		const char *n = f->names[f->name_slots[j] - 1];

		if (!strncmp(n, name, len) && !n[len])
			return f->name_slots[j] - 1;
	}
	if (f->nnames == f->cap_names) {
		size_t cap = f->cap_names ? f->cap_names * 2 : 256;
		char **bigger = reallocarray(f->names, cap, sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		f->names = bigger;
		f->cap_names = cap;
	}
	if (!(copy = strndup(name, len)))
		return -ENOMEM;
	f->names[f->nnames] = copy;
	f->name_slots[j] = (uint32_t)++f->nnames;
	return f->nnames - 1;
}

static int64_t new_node(struct report_flame *f, uint32_t parent, uint32_t name)
{
	if (f->nnodes == f->cap_nodes) {
		size_t cap = f->cap_nodes ? f->cap_nodes * 2 : 1024;
		struct fnode *bigger = reallocarray(f->nodes, cap, sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		f->nodes = bigger;
		f->cap_nodes = cap;
	}
	f->nodes[f->nnodes] = (struct fnode){ .name = name, .parent = parent };
	if (f->nnodes) {	/* children are prepended; the writer sorts them by name */
		f->nodes[f->nnodes].next_sibling = f->nodes[parent].first_child;
		f->nodes[parent].first_child = (uint32_t)f->nnodes;
	}
	return f->nnodes++;
}

/* The child of parent named name, created on first sight; negative errno. */
static int64_t child(struct report_flame *f, uint32_t parent, uint32_t name)
{
	uint64_t h = hash_pair(parent, name);
	int64_t id;
	size_t j;

	/* The root (node 0) is nobody's child: it never enters this table. */
	if (2 * (f->nnodes + 1) > f->child_mask &&
	    rehash(&f->child_slots, &f->child_mask, 1, f->nnodes, child_key, f))
		return -ENOMEM;
	for (j = h & f->child_mask; f->child_slots[j]; j = (j + 1) & f->child_mask) {
		const struct fnode *n = &f->nodes[f->child_slots[j] - 1];

		if (n->parent == parent && n->name == name)
			return f->child_slots[j] - 1;
	}
	id = new_node(f, parent, name);
	if (id >= 0)
		f->child_slots[j] = (uint32_t)id + 1;
	return id;
}

/* "a;b;c 12": the count after the last space, frames before it. */
static int add_line(struct report_flame *f, char *line, size_t len)
{
	char *space, *end, *frame;
	unsigned long long value;
	uint32_t node = 0;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = 0;
	if (!len)
		return 0;
	space = strrchr(line, ' ');
	if (!space || space[1] < '0' || space[1] > '9')
		return -EINVAL;
	errno = 0;
	value = strtoull(space + 1, &end, 10);
	if (errno || *end || __builtin_add_overflow(f->total, value, &f->total))
		return -EINVAL;
	*space = 0;
	f->stacks++;
	f->nodes[0].value += value;
	for (frame = line; *line && frame; frame = end ? end + 1 : NULL) {
		int64_t name, id;

		end = strchr(frame, ';');
		name = intern(f, frame, end ? (size_t)(end - frame) : strlen(frame));
		if (name < 0 || (id = child(f, node, (uint32_t)name)) < 0)
			return -ENOMEM;
		node = (uint32_t)id;
		f->nodes[node].value += value;
	}
	return 0;
}

int report_flame_read(FILE *in, struct report_flame **out, char *why, size_t why_len)
{
	struct report_flame *f = calloc(1, sizeof(*f));
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int err = -ENOMEM;

	if (f && intern(f, "all", 3) == 0 && new_node(f, 0, 0) == 0)
		err = 0;
	while (!err && (n = getline(&line, &cap, in)) >= 0) {
		lineno++;
		err = add_line(f, line, (size_t)n);
		if (err == -EINVAL)
			snprintf(why, why_len, "line %zu is not a folded stack (frames;separated;by;semicolons COUNT)",
				 lineno);
	}
	free(line);
	if (!err && ferror(in))
		err = -EIO;
	if (err) {
		report_flame_free(f);
		return err;
	}
	*out = f;
	return 0;
}

void report_flame_free(struct report_flame *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nnames; i++)
		free(f->names[i]);
	free(f->names);
	free(f->nodes);
	free(f->name_slots);
	free(f->child_slots);
	free(f);
}

uint64_t report_flame_total(const struct report_flame *f)
{
	return f ? f->total : 0;
}

size_t report_flame_stacks(const struct report_flame *f)
{
	return f ? f->stacks : 0;
}

/* ---- writing ---- */

static bool visible(const struct report_flame *f, const struct fnode *n)
{
	/* In 128 bits: value * share may not fit in 64. */
	return (unsigned __int128)n->value * REPORT_FLAME_MIN_SHARE >= f->total && n->value;
}

static int by_name(const void *a, const void *b, void *ctx)
{
	const struct report_flame *f = ctx;

	return strcmp(f->names[f->nodes[*(const uint32_t *)a].name], f->names[f->nodes[*(const uint32_t *)b].name]);
}

struct walk {
	const struct report_flame *f;
	void (*visit)(struct walk *w, const struct fnode *n, int depth);
	FILE *out;
	uint32_t *name_ids;		/* output name id + 1 per name, 0 unused so far */
	size_t nout_names, frames;
	int err;
};

/* Pre-order, children by name (the flamegraph.pl order), only frames big enough to see. */
static void walk(struct walk *w, uint32_t id, int depth)
{
	const struct fnode *n = &w->f->nodes[id];
	uint32_t *kids;
	size_t nk = 0;

	if (!visible(w->f, n))
		return;
	w->visit(w, n, depth);
	for (uint32_t c = n->first_child; c; c = w->f->nodes[c].next_sibling)
		nk++;
	if (!nk)
		return;
	if (!(kids = malloc(nk * sizeof(*kids)))) {
		w->err = -ENOMEM;
		return;
	}
	nk = 0;
	for (uint32_t c = n->first_child; c; c = w->f->nodes[c].next_sibling)
		kids[nk++] = c;
	qsort_r(kids, nk, sizeof(*kids), by_name, (void *)w->f);
	for (size_t i = 0; i < nk && !w->err; i++)
		walk(w, kids[i], depth + 1);
	free(kids);
}

static void count_frame(struct walk *w, const struct fnode *n, int depth)
{
	(void)n;
	(void)depth;
	w->frames++;
}

size_t report_flame_frames(const struct report_flame *f)
{
	struct walk w = { .f = f, .visit = count_frame };

	if (f && f->total)
		walk(&w, 0, 0);
	return w.frames;
}

static void write_frame(struct walk *w, const struct fnode *n, int depth)
{
	if (!w->name_ids[n->name])
		w->name_ids[n->name] = (uint32_t)++w->nout_names;
	fprintf(w->out, "%s%d,%u,%llu", w->frames++ ? "," : "", depth, w->name_ids[n->name] - 1,
		(unsigned long long)n->value);
}

int report_flame_json(const struct report_flame *f, FILE *out)
{
	struct walk w = { .f = f, .visit = write_frame, .out = out };
	const char **order;

	/* Nodes first: they decide which names are used, and in which order (JSON keys have none). */
	fprintf(out, "{\"total\":%llu,\"stacks\":%zu,\"nodes\":[", (unsigned long long)f->total, f->stacks);
	w.name_ids = calloc(f->nnames, sizeof(*w.name_ids));
	order = calloc(f->nnames, sizeof(*order));
	if (w.name_ids && order && f->total)
		walk(&w, 0, 0);
	fputs("],\"names\":[", out);
	for (size_t i = 0; w.name_ids && order && i < f->nnames; i++)
		if (w.name_ids[i])
			order[w.name_ids[i] - 1] = f->names[i];
	for (size_t i = 0; order && i < w.nout_names; i++) {
		if (i)
			fputc(',', out);
		json_string(out, order[i]);
	}
	fputs("]}", out);
	if (!w.name_ids || !order)
		w.err = -ENOMEM;
	free(w.name_ids);
	free(order);
	return w.err;
}
