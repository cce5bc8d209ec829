/* SPDX-License-Identifier: GPL-2.0 */
/* Seeded generator of Go-like profiles for the profile and writer tests. It keeps its own description of every
 * mapping, function and location, so tests can compute what a consumer must show without asking the model. */
#ifndef GOTRACE_PROFILE_GEN_H
#define GOTRACE_PROFILE_GEN_H

#include <stdio.h>
#include <string.h>

#include "profile/profile.h"

#define GEN_MODULES 3		/* the Go binary, libc (unresolved), the kernel */
#define GEN_FUNCS 96
#define GEN_LOCS 160
#define GEN_MAX_LINES 3
#define GEN_MAX_DEPTH 40
#define GEN_MAX_LABELS 3

enum { GEN_MAIN, GEN_LIBC, GEN_KERNEL };

struct gen_module {
	const char *file, *build_id;
	uint64_t start, limit, offset;
	unsigned flags;
	uint32_t id;
};

struct gen_func {
	char name[96], file[96];
	int64_t start_line;
	uint32_t id;
};

struct gen_loc {
	int module;
	uint64_t address;
	int nlines;			/* inlined frames; 0 for an unresolved libc address */
	int func[GEN_MAX_LINES];	/* innermost first */
	int64_t line[GEN_MAX_LINES];
	uint32_t id;
};

struct gen_sample {
	int nlocs;
	int locs[GEN_MAX_DEPTH];	/* gen_loc indexes, leaf first */
	uint32_t ids[GEN_MAX_DEPTH];
	int64_t values[2];		/* count, nanoseconds */
	int nlabels;
	struct profile_label labels[GEN_MAX_LABELS];
	char label_buf[GEN_MAX_LABELS][32];
};

struct gen {
	uint64_t rng;
	struct gen_module modules[GEN_MODULES];
	struct gen_func funcs[GEN_FUNCS];
	struct gen_loc locs[GEN_LOCS];
	int nfuncs[GEN_MODULES], first_func[GEN_MODULES], nlocs[GEN_MODULES], first_loc[GEN_MODULES];
};

static const struct profile_value_type gen_cpu_types[2] = { { "samples", "count" }, { "cpu", "nanoseconds" } };

static inline uint64_t gen_next(struct gen *g)
{
	/* xorshift64*: deterministic for a seed, independent of libc's rand(). */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 0x2545f4914f6cdd1dULL;
}

static inline int gen_below(struct gen *g, int n)
{
	return (int)(gen_next(g) % (uint64_t)n);
}

static inline void gen_func_name(struct gen *g, int module, int i, struct gen_func *f)
{
	static const char *const pkgs[] = { "main", "net/http", "runtime", "encoding/json",
					    "github.com/acme/svc/internal/db" };
	const char *pkg = pkgs[i % 5];

	if (module == GEN_KERNEL) {
		snprintf(f->name, sizeof(f->name), "ksys_fn%d_[k]", i);
		f->file[0] = 0;
		return;
	}
	if (module == GEN_LIBC) {
		snprintf(f->name, sizeof(f->name), "libc_fn%d", i);
		f->file[0] = 0;
		return;
	}
	switch (gen_below(g, 4)) {
	case 0: snprintf(f->name, sizeof(f->name), "%s.(*Server%d).Handle", pkg, i); break;
	case 1: snprintf(f->name, sizeof(f->name), "%s.work%d.func%d", pkg, i, i % 3 + 1); break;
	case 2: snprintf(f->name, sizeof(f->name), "%s.Map[...].Get%d", pkg, i); break;
	default: snprintf(f->name, sizeof(f->name), "%s.fn%d", pkg, i); break;
	}
	snprintf(f->file, sizeof(f->file), "/src/%s/file%d.go", pkg, i % 7);
	f->start_line = 10 + gen_below(g, 500);
}

static inline void gen_init_module(struct gen *g, struct profile *p, int m)
{
	static const struct gen_module defs[GEN_MODULES] = {
		{ "/usr/local/bin/svc", "5f0c7c1e2b3a4d5e6f708192a3b4c5d6e7f80912", 0x400000, 0x900000, 0,
		  PROFILE_SYMBOLIZED, 0 },
		{ "/usr/lib/x86_64-linux-gnu/libc.so.6", "", 0x7f0000028000, 0x7f00001bd000, 0x28000,
		  PROFILE_HAS_FUNCTIONS, 0 },
		{ "[kernel.kallsyms]", "", 0xffffffff81000000, 0xffffffff82000000, 0, PROFILE_HAS_FUNCTIONS, 0 },
	};

	g->modules[m] = defs[m];
	g->modules[m].id = profile_mapping(p, defs[m].start, defs[m].limit, defs[m].offset, defs[m].file,
					   defs[m].build_id, defs[m].flags);
}

static inline void gen_init_loc(struct gen *g, struct profile *p, int m, int i)
{
	struct gen_loc *l = &g->locs[i];
	struct profile_line lines[GEN_MAX_LINES];
	int k;

	l->module = m;
	l->address = g->modules[m].start + 0x40 * (uint64_t)(i + 1) + gen_below(g, 0x30);
	/* libc is left unresolved, Go code has inlined frames now and then, the kernel has plain symbols. */
	l->nlines = m == GEN_LIBC ? 0 : m == GEN_MAIN ? 1 + (gen_below(g, 4) == 0) + (gen_below(g, 8) == 0) : 1;
	for (k = 0; k < l->nlines; k++) {
		l->func[k] = g->first_func[m] + gen_below(g, g->nfuncs[m]);
		l->line[k] = m == GEN_KERNEL ? 0 : g->funcs[l->func[k]].start_line + gen_below(g, 80);
		lines[k] = (struct profile_line){ g->funcs[l->func[k]].id, l->line[k] };
	}
	l->id = profile_location(p, g->modules[m].id, l->address, lines, l->nlines);
}

/* Fills p with the generator's mappings, functions and locations. */
static inline void gen_init(struct gen *g, struct profile *p, uint64_t seed)
{
	static const int funcs[GEN_MODULES] = { 64, 8, 24 }, locs[GEN_MODULES] = { 110, 20, 30 };
	int m, i, f = 0, l = 0;

	memset(g, 0, sizeof(*g));
	g->rng = seed * 2654435761u + 1;
	for (m = 0; m < GEN_MODULES; m++) {
		gen_init_module(g, p, m);
		g->first_func[m] = f;
		g->nfuncs[m] = funcs[m];
		for (i = 0; i < funcs[m]; i++, f++) {
			gen_func_name(g, m, f, &g->funcs[f]);
			g->funcs[f].id = profile_function(p, g->funcs[f].name, g->funcs[f].file,
							  g->funcs[f].start_line);
		}
	}
	for (m = 0; m < GEN_MODULES; m++) {
		g->first_loc[m] = l;
		g->nlocs[m] = locs[m];
		for (i = 0; i < locs[m]; i++, l++)
			gen_init_loc(g, p, m, l);
	}
}

/* A child of a frame is one of three fixed ones: stacks share prefixes the way real call trees do. */
static inline int gen_child(struct gen *g, int module, int parent, int depth)
{
	int choice = gen_below(g, 3);

	return g->first_loc[module] + (parent * 7 + choice * 13 + depth * 5) % g->nlocs[module];
}

static inline void gen_labels(struct gen *g, struct gen_sample *s)
{
	int i, n = 0, first = gen_below(g, 3);

	s->nlabels = gen_below(g, GEN_MAX_LABELS + 1);
	for (i = 0; i < s->nlabels; i++) {
		struct profile_label *l = &s->labels[n++];
		/* Rotating the start shuffles the order the labels are given in. */
		switch ((first + i) % 3) {
		case 0:
			snprintf(s->label_buf[i], sizeof(s->label_buf[i]), "worker-%d", gen_below(g, 3));
			*l = (struct profile_label){ "thread", s->label_buf[i], 0, NULL };
			break;
		case 1:
			*l = (struct profile_label){ "tid", NULL, 1000 + gen_below(g, 2), NULL };
			break;
		default:
			*l = (struct profile_label){ "bytes", NULL, 4096 * gen_below(g, 2), "bytes" };
			break;
		}
	}
}

/* Draws one sample: a Go call chain of go_depth frames, sometimes into libc and then the kernel. */
static inline void gen_sample_depth(struct gen *g, struct gen_sample *s, int go_depth)
{
	int root_first[GEN_MAX_DEPTH], n = 0, i, k;

	root_first[n++] = g->first_loc[GEN_MAIN] + gen_below(g, 2);
	while (n < go_depth)
		root_first[n] = gen_child(g, GEN_MAIN, root_first[n - 1], n), n++;
	if (gen_below(g, 4) == 0)
		for (k = 1 + gen_below(g, 2); k > 0 && n < GEN_MAX_DEPTH; k--)
			root_first[n] = gen_child(g, GEN_LIBC, root_first[n - 1], n), n++;
	if (gen_below(g, 3) == 0)
		for (k = 1 + gen_below(g, 3); k > 0 && n < GEN_MAX_DEPTH; k--)
			root_first[n] = gen_child(g, GEN_KERNEL, root_first[n - 1], n), n++;
	s->nlocs = n;
	for (i = 0; i < n; i++) {
		s->locs[i] = root_first[n - 1 - i];
		s->ids[i] = g->locs[s->locs[i]].id;
	}
	s->values[0] = 1 + gen_below(g, 3);
	s->values[1] = s->values[0] * 10101010;
	gen_labels(g, s);
}

/* The same with a Go depth of 1..max_go. */
static inline void gen_sample(struct gen *g, struct gen_sample *s, int max_go)
{
	gen_sample_depth(g, s, 1 + gen_below(g, max_go));
}

/* The frames a flamegraph must show for s, root first, as "a;b;c" (inlined callers before their callees;
 * unresolved addresses as "[unknown] module+0xoffset"). */
static inline void gen_folded_stack(const struct gen *g, const struct gen_sample *s, char *out, size_t size)
{
	size_t len = 0;
	int i, k;

	out[0] = 0;
	for (i = s->nlocs - 1; i >= 0; i--) {
		const struct gen_loc *l = &g->locs[s->locs[i]];
		const struct gen_module *m = &g->modules[l->module];
		const char *base = strrchr(m->file, '/') ? strrchr(m->file, '/') + 1 : m->file;

		if (!l->nlines)
			len += snprintf(out + len, size - len, "%s[unknown] %s+0x%llx", len ? ";" : "", base,
					(unsigned long long)(l->address - m->start + m->offset));
		for (k = l->nlines - 1; k >= 0; k--)
			len += snprintf(out + len, size - len, "%s%s", len ? ";" : "", g->funcs[l->func[k]].name);
	}
}

#endif
