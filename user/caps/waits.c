// SPDX-License-Identifier: GPL-2.0
/* The waits capability: where the target's threads sleep in futex and epoll calls, for how long, what woke
 * them, and which runtime path waited (from the user stack at the call, symbolized through pclntab). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/attach_kind.h"
#include "tracer/link_release.h"
#include "tracer/bpf_hist.h"
#include "tracer/bpf_map_sweep.h"
#include "tracer/capability.h"
#include "lib/duration.h"
#include "lib/log.h"
#include "gobin/elf_file.h"
#include "sys/proc_maps.h"
#include "caps/wait_path.h"
#include "caps/wait_stacks.h"
#include "bpf/waits.h"
#include "caps/waits_output.h"
#include "waits.skel.h"

#define WAITS_MAX_LINKS 8
#define SLOW_FRAMES 16		/* frames in a --slow JSON record */
#define TEXT_FRAMES 4		/* frames on a --slow text line */
#define TOP_STACKS 5		/* stacks in the JSON summary */

/* Stack id -> enum wait_path, so that each stack is symbolized once: open addressing, grown at half full;
 * id 0 marks a free slot (0 is never a stack id). */
struct path_slot {
	uint64_t stack_id;
	uint8_t path;
};

struct path_cache {
	struct path_slot *slot;
	size_t cap, used;
};

/* Per session: the BPF object every traced process shares. */
struct waits_state {
	struct waits_bpf *skel;
	struct bpf_link *links[WAITS_MAX_LINKS];
	int nlinks;
	const char *attach;			/* "tp_btf" or "tracepoint" */
	bool classic;				/* per-syscall tracepoints: epoll_wait is attached on demand */
	bool epoll_wait_on;			/* its tracepoints are attached */
	struct event_bus *bus;			/* its targets map filters the programs */
	bool millis;				/* histograms in ms (targ_ms) */
	uint64_t slow_ns;			/* slow-wait events above this; 0: none */
	struct trace_ctx *ctx;			/* NULL for a bare stack source (wait_stacks_open) */
	int index;
};

/* Per traced process. */
struct waits_target_state {
	const struct target *target;
	struct bpf_hist last_hist[WAITS_KINDS];	/* BPF counters at the previous read */
	struct wait_stats last_stats[WAITS_KINDS];
	struct wait_path_totals last_paths[WAIT_PATHS];
	struct path_cache paths_of_stacks;
	uint64_t last_read_ns;
	struct waits_view interval, total;
};

/* ---- stacks ---- */

/* The function names of a stack, innermost first with inlined calls expanded; NULL for a PC outside the Go
 * function table (C code). pcs (may be NULL) gets each name's runtime PC. Returns how many were written. */
static int stack_funcs(const struct waits_state *ws, const struct target *t, uint64_t stack_id, const char **names,
		       uint64_t *pcs, int max)
{
	struct wait_stack st;
	int n = 0;

	if (!stack_id || bpf_map_lookup_elem(bpf_map__fd(ws->skel->maps.stacks), &stack_id, &st))
		return 0;
	for (int i = 0; i < WAITS_STACK_DEPTH && st.ips[i] && n < max; i++) {
		struct go_frame frames[8];
		int k = 0;

		/* a return address (and the PC after the syscall) minus one lies inside the calling instruction */
		if (!t->bin->pclntab || pclntab_frames(t->bin->pclntab, st.ips[i] - t->bias - 1, frames, 8, &k) || !k)
			frames[0].func = NULL, k = 1;
		for (int j = 0; j < k && n < max; j++, n++) {
			names[n] = frames[j].func;
			if (pcs)
				pcs[n] = st.ips[i];
		}
	}
	return n;
}

static struct path_slot *cache_slot(const struct path_cache *c, uint64_t stack_id)
{
	size_t i = (size_t)(stack_id % c->cap);

	while (c->slot[i].stack_id && c->slot[i].stack_id != stack_id)
		i = (i + 1) % c->cap;
	return &c->slot[i];
}

/* Keeps the table at most half full, so that probes stay short. 0 or -ENOMEM. */
static int cache_reserve(struct path_cache *c)
{
	struct path_cache bigger;

	if (c->cap && (c->used + 1) * 2 <= c->cap)
		return 0;
	bigger.cap = c->cap ? c->cap * 2 : 256;
	bigger.used = c->used;
	bigger.slot = calloc(bigger.cap, sizeof(*bigger.slot));
	if (!bigger.slot)
		return -ENOMEM;
	for (size_t i = 0; i < c->cap; i++)
		if (c->slot[i].stack_id)
			*cache_slot(&bigger, c->slot[i].stack_id) = c->slot[i];
	free(c->slot);
	*c = bigger;
	return 0;
}

static enum wait_path stack_path(const struct waits_state *ws, struct waits_target_state *ts, uint64_t stack_id)
{
	struct path_cache *c = &ts->paths_of_stacks;
	const char *names[WAITS_STACK_DEPTH * 2];
	struct path_slot *slot;
	enum wait_path p;
	int n;

	if (!stack_id || !ts->target->bin->pclntab || cache_reserve(c))
		return WAIT_PATH_UNKNOWN;
	slot = cache_slot(c, stack_id);
	if (slot->stack_id)
		return (enum wait_path)slot->path;
	n = stack_funcs(ws, ts->target, stack_id, names, NULL, WAITS_STACK_DEPTH * 2);
	if (!n)
		return WAIT_PATH_UNKNOWN;
	p = wait_path_classify(names, n);
	*slot = (struct path_slot){ .stack_id = stack_id, .path = (uint8_t)p };
	c->used++;
	return p;
}

/* A JSON array of frame names; C code as its address ("0x7f..."). */
static void json_frames(FILE *out, const char **names, const uint64_t *pcs, int n)
{
	fputc('[', out);
	for (int i = 0; i < n; i++) {
		fputs(i ? "," : "", out);
		if (names[i])
			json_string(out, names[i]);
		else
			fprintf(out, "\"0x%llx\"", (unsigned long long)pcs[i]);
	}
	fputc(']', out);
}

/* ---- --slow ---- */

/* A --slow wait with the frames it waited in. */
struct slow_wait {
	const struct wait_event *e;
	enum wait_path path;
	const char **names;
	const uint64_t *pcs;
	int n;
};

static void text_slow(const struct output_opts *o, void *arg)
{
	const struct slow_wait *w = arg;
	const struct wait_event *e = w->e;
	const char **names = w->names;
	const uint64_t *pcs = w->pcs;
	char kind[48], dur[32];

	output_time_prefix(o);
	fprintf(o->out, "%s pid %-7u tid %-7u %-22s %10s  %-11s", wait_kind_is_futex(e->kind) ? "FUTEX" : "EPOLL",
		e->tgid, e->tid, wait_kind_name(e->kind, kind, sizeof(kind)),
		format_duration_human(e->duration_ns, dur, sizeof(dur)), wait_result_name(e->kind, e->ret));
	if (e->ret > 0)
		fprintf(o->out, " %lld", (long long)e->ret);
	fprintf(o->out, "  %s:", wait_path_label(w->path));
	for (int i = 0; i < w->n && i < TEXT_FRAMES; i++) {
		fputs(i ? " <- " : " ", o->out);
		if (names[i])
			fputs(names[i], o->out);
		else
			fprintf(o->out, "0x%llx", (unsigned long long)pcs[i]);
	}
	fputc('\n', o->out);
}

static void json_slow(struct json_obj *j, const struct output_opts *o, void *arg)
{
	const struct slow_wait *w = arg;
	const struct wait_event *e = w->e;
	bool futex = wait_kind_is_futex(e->kind);
	char kind[48];

	json_kv_u64(j, "pid", e->tgid);
	json_kv_u64(j, "tid", e->tid);
	json_kv_u64(j, "time_ns", e->start_ns);
	json_kv_u64(j, "duration_ns", e->duration_ns);
	json_kv_str(j, futex ? "op" : "syscall", wait_kind_name(e->kind, kind, sizeof(kind)));
	json_kv_i64(j, "ret", e->ret);
	json_kv_str(j, "result", wait_result_name(e->kind, e->ret));
	json_kv_u64(j, futex ? "uaddr" : "epfd", e->addr);
	if (!futex)
		json_kv_i64(j, "timeout_ms", e->timeout_ms);
	json_kv_str(j, "path", wait_path_name(w->path));
	json_kv_u64(j, "stack_id", e->stack_id);
	json_key(j, "frames");
	json_frames(o->out, w->names, w->pcs, w->n);
}

static void on_wait_slow(const void *data, size_t size, void *arg)
{
	static const struct output_writer futex = { "futex", text_slow, json_slow };
	static const struct output_writer epoll = { "epoll", text_slow, json_slow };
	const struct wait_event *e = data;
	struct waits_state *ws = arg;
	struct waits_target_state *ts;
	const char *names[SLOW_FRAMES];
	uint64_t pcs[SLOW_FRAMES];
	struct slow_wait w = { e, WAIT_PATH_UNKNOWN, names, pcs, 0 };

	if (size < sizeof(*e) || !ws->skel || !(ts = capability_tstate(ws->ctx, ws->index, e->tgid, NULL)))
		return;
	w.n = stack_funcs(ws, ts->target, e->stack_id, names, pcs, SLOW_FRAMES);
	w.path = stack_path(ws, ts, e->stack_id);
	output_event(ws->ctx->sink, wait_kind_is_futex(e->kind) ? &futex : &epoll, &w);
}

/* ---- loading ---- */

static int load_kind(struct waits_state *ws, enum attach_kind kind)
{
	struct waits_bpf *skel = waits_bpf__open();
	int err;

	if (!skel)
		return -errno;
	skel->rodata->targ_ms = ws->millis;
	skel->rodata->targ_slow_ns = ws->slow_ns;
	attach_kind_autoload(skel->obj, NULL, kind);
	err = event_bus_adopt(ws->bus, skel->obj);
	if (!err)
		err = waits_bpf__load(skel);
	if (err) {
		waits_bpf__destroy(skel);
		return err;
	}
	ws->skel = skel;
	return 0;
}

static int attach_prog(struct waits_state *ws, struct bpf_program *prog)
{
	struct bpf_link *link = bpf_program__attach(prog);

	if (!link)
		return -errno;
	ws->links[ws->nlinks++] = link;
	return 0;
}

/* Attaches a syscall's exit then its enter program (an enter without its exit would leave calls in flight). */
static int attach_pair(struct waits_state *ws, struct bpf_program *enter, struct bpf_program *exit)
{
	int err = attach_prog(ws, exit);

	if (!err && (err = attach_prog(ws, enter)) != 0)
		bpf_link__destroy(ws->links[--ws->nlinks]);
	return err;
}

/* futex and epoll_pwait are what the Go runtime calls; epoll_pwait2 (5.11+) may be missing from a kernel.
 * epoll_wait waits for a process that may call it (attach_epoll_wait): other programs on the machine (wrk,
 * nginx, most event loops) call it tens of thousands of times a second, each call then running two programs
 * (measured: 16-21 ms of BPF time per second beside an HTTP load generator, bench/overhead/README.md). */
static int attach_classic(struct waits_state *ws)
{
	struct waits_bpf *s = ws->skel;
	int err;

	if ((err = attach_pair(ws, s->progs.handle_enter_futex_tp, s->progs.handle_exit_futex_tp)) ||
	    (err = attach_pair(ws, s->progs.handle_enter_epoll_pwait_tp, s->progs.handle_exit_epoll_pwait_tp)))
		return err;
	err = attach_pair(ws, s->progs.handle_enter_epoll_pwait2_tp, s->progs.handle_exit_epoll_pwait2_tp);
	if (err)
		log_info("waits: sys_enter_epoll_pwait2: %s", strerror(-err));
	ws->classic = true;
	return 0;
}

/* Does this ELF file call epoll_wait? An executable that names it at all does (an import, or a static C
 * library's copy it linked because something calls it); a shared object only when it imports it (libc defines
 * it). A file that cannot be read counts as a caller: tracing too much costs, missing waits lies. */
static bool elf_calls_epoll_wait(const char *path, bool executable)
{
	struct elf_file *ef;
	struct elf_symbol sym;
	bool calls;

	if (elf_file_open(path, &ef))
		return true;
	calls = elf_file_find_symbol(ef, "epoll_wait", &sym) == 0 && (executable || sym.value == 0);
	elf_file_close(ef);
	return calls;
}

/* Can the process call epoll_wait? The Go runtime never does (it calls epoll_pwait on every architecture); C
 * code can: cgo, or a shared library. Its executable and each shared object it maps are asked, read through
 * /proc/PID/root (the process's own mount namespace). t NULL (any process: the daemon's stack source): yes. */
static bool may_call_epoll_wait(const struct target *t)
{
	char path[PATH_MAX + 64];
	struct proc_maps maps;
	bool calls = false;

	if (!t)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/exe", t->proc.pid);
	if (elf_calls_epoll_wait(path, true) || proc_maps_read(t->proc.pid, &maps))
		return true;
	for (size_t i = 0; i < maps.n && !calls; i++) {
		const struct proc_map *m = &maps.maps[i];

		if (m->offset != 0 || !proc_map_is_shared_object(m))
			continue;	/* each object once: the mapping of its first page */
		snprintf(path, sizeof(path), "/proc/%d/root%s", t->proc.pid, m->path);
		calls = elf_calls_epoll_wait(path, false);
	}
	proc_maps_free(&maps);
	return calls;
}

/* With the per-syscall tracepoints, epoll_wait's are attached once a process that may call it is traced. */
static void attach_epoll_wait(struct waits_state *ws, const struct target *t)
{
	int err;

	if (!ws->classic || ws->epoll_wait_on || !may_call_epoll_wait(t))
		return;
	err = attach_pair(ws, ws->skel->progs.handle_enter_epoll_wait_tp, ws->skel->progs.handle_exit_epoll_wait_tp);
	if (err)
		log_info("waits: sys_enter_epoll_wait: %s", strerror(-err));
	else if (t)
		log_info("waits: epoll_wait traced too: PID %d has C code that calls it", t->proc.pid);
	ws->epoll_wait_on = !err;
}

static void unload(struct waits_state *ws)
{
	while (ws->nlinks > 0)
		link_release(ws->links[--ws->nlinks]);
	waits_bpf__destroy(ws->skel);
	ws->skel = NULL;
	ws->classic = ws->epoll_wait_on = false;
}

static int attach_btf(struct waits_state *ws)
{
	int err = attach_prog(ws, ws->skel->progs.handle_sys_exit_btf);

	return err ? err : attach_prog(ws, ws->skel->progs.handle_sys_enter_btf);
}

static int start_kind(void *state, enum attach_kind kind, char *why, size_t why_size)
{
	struct waits_state *ws = state;
	int err = load_kind(ws, kind);

	if (!err)
		err = kind == ATTACH_TP_BTF ? attach_btf(ws) : attach_classic(ws);
	if (err) {
		unload(ws);
		snprintf(why, why_size, "cannot attach %s: %s",
			 kind == ATTACH_TP_BTF ? "tp_btf sys_enter/sys_exit" : "the syscall tracepoints",
			 strerror(-err));
		return err;
	}
	ws->attach = attach_kind_name(kind);
	return 0;
}

/* The syscall tracepoints first: measured (bench/waits/README.md), they add a third of what the tp_btf programs
 * add to every other system call on the machine. GOTRACE_TRACEPOINTS forces one (tracer/attach_kind.h). */
static int start_bpf(struct waits_state *ws, char *note, size_t note_size)
{
	char why[512];
	int err = attach_kind_start("waits", ATTACH_TRACEPOINT, start_kind, ws, why, sizeof(why));

	if (!err)
		return 0;
	snprintf(note, note_size, "futex/epoll tracing is off: %s", why);
	return -ENOTSUP;
}

static int waits_open(struct trace_ctx *ctx, int index, void **state, char *note, size_t note_size)
{
	struct waits_state *ws = calloc(1, sizeof(*ws));

	if (!ws)
		return -ENOMEM;
	*state = ws;
	ws->bus = ctx->bus;
	ws->millis = ctx->out->millis;
	ws->slow_ns = ctx->out->slow_ns;
	ws->ctx = ctx;
	ws->index = index;
	event_bus_subscribe(ctx->bus, EVENT_WAIT_SLOW, on_wait_slow, ws);
	return start_bpf(ws, note, note_size);
}

/* The programs already filter on the shared targets map: attaching is keeping books for the process. */
static int waits_attach(void *state, struct target_ctx *tc, void **tstate, char *note, size_t note_size)
{
	struct waits_target_state *ts = calloc(1, sizeof(*ts));

	(void)note;
	(void)note_size;
	if (!ts)
		return -ENOMEM;
	attach_epoll_wait(state, &tc->target);
	ts->target = &tc->target;
	ts->last_read_ns = monotonic_ns();
	*tstate = ts;
	return 0;
}

/* Drops the process's entries from the maps keyed by process (its stacks stay: other processes of the same
 * executable may share them), so that a long-running daemon stays small. */
static void waits_detach(void *state, struct target_ctx *tc, void *tstate)
{
	struct waits_state *ws = state;
	struct waits_target_state *ts = tstate;
	struct bpf_hist_key key = { .tgid = tc->target.proc.pid };

	for (key.kind = 0; key.kind < WAITS_KINDS; key.kind++) {
		bpf_map__delete_elem(ws->skel->maps.hists, &key, sizeof(key), 0);
		bpf_map__delete_elem(ws->skel->maps.stats, &key, sizeof(key), 0);
	}
	bpf_map_delete_where(ws->skel->maps.wait_stacks, bpf_key_tgid_is,
			     &(struct bpf_tgid_match){ offsetof(struct wait_stack_key, tgid), key.tgid });
	/* a call its threads were in when they died stays until the LRU bound: it goes now */
	bpf_map_delete_where(ws->skel->maps.inflight, bpf_value_tgid_is,
			     &(struct bpf_tgid_match){ offsetof(struct inflight, tgid), key.tgid });
	free(ts->paths_of_stacks.slot);
	free(ts);
}

/* ---- reading the maps ---- */

static void stats_delta(const struct wait_stats *now, const struct wait_stats *last, struct wait_stats *d)
{
	const uint64_t *a = (const uint64_t *)now, *b = (const uint64_t *)last;
	uint64_t *out = (uint64_t *)d;

	for (size_t i = 0; i < sizeof(*d) / sizeof(uint64_t); i++)
		out[i] = a[i] - b[i];
}

static void stats_add(struct wait_stats *dst, const struct wait_stats *src)
{
	const uint64_t *a = (const uint64_t *)src;
	uint64_t *out = (uint64_t *)dst;

	for (size_t i = 0; i < sizeof(*dst) / sizeof(uint64_t); i++)
		out[i] += a[i];
}

static void collect_kinds(const struct waits_state *ws, struct waits_target_state *ts)
{
	int hist_fd = bpf_map__fd(ws->skel->maps.hists), stats_fd = bpf_map__fd(ws->skel->maps.stats);
	uint32_t pid = ts->target->proc.pid;

	for (uint32_t kind = 0; kind < WAITS_KINDS; kind++) {
		struct bpf_hist_key key = { .tgid = pid, .kind = kind };
		struct wait_stats now, d;
		struct hist delta;

		if (bpf_hist_read_delta(hist_fd, pid, kind, &ts->last_hist[kind], &delta) == 0) {
			hist_merge(&ts->interval.hist[kind], &delta);
			hist_merge(&ts->total.hist[kind], &delta);
		}
		if (bpf_map_lookup_elem(stats_fd, &key, &now))
			continue;
		stats_delta(&now, &ts->last_stats[kind], &d);
		ts->last_stats[kind] = now;
		stats_add(&ts->interval.stats[kind], &d);
		stats_add(&ts->total.stats[kind], &d);
	}
}

static void path_add(struct wait_path_totals *dst, const struct wait_path_totals *now,
		     const struct wait_path_totals *last)
{
	dst->waits += now->waits - last->waits;
	dst->wait_ns += now->wait_ns - last->wait_ns;
	dst->timeouts += now->timeouts - last->timeouts;
}

/* The per-stack map (futex waits and blocking epoll calls, waits.h) holds totals since the start: sum the futex
 * ones by path, keep the difference to the last read. */
static void collect_paths(const struct waits_state *ws, struct waits_target_state *ts)
{
	int fd = bpf_map__fd(ws->skel->maps.wait_stacks);
	struct wait_path_totals now[WAIT_PATHS] = { 0 };
	struct wait_stack_key key, next, *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct wait_stack_value v;
		struct wait_path_totals *p;

		key = next;
		prev = &key;
		if (key.tgid != (uint32_t)ts->target->proc.pid || !wait_kind_is_futex(key.kind) ||
		    bpf_map_lookup_elem(fd, &key, &v))
			continue;
		p = &now[stack_path(ws, ts, key.stack_id)];
		p->waits += v.count;
		p->wait_ns += v.wait_ns;
		p->timeouts += v.timeouts;
	}
	for (int i = 0; i < WAIT_PATHS; i++) {
		path_add(&ts->interval.paths[i], &now[i], &ts->last_paths[i]);
		path_add(&ts->total.paths[i], &now[i], &ts->last_paths[i]);
		ts->last_paths[i] = now[i];
	}
}

static void collect(const struct waits_state *ws, struct waits_target_state *ts)
{
	uint64_t now = monotonic_ns();

	collect_kinds(ws, ts);
	collect_paths(ws, ts);
	ts->interval.window_ns += now - ts->last_read_ns;
	ts->total.window_ns += now - ts->last_read_ns;
	ts->last_read_ns = now;
}

struct stack_entry {
	struct wait_stack_key key;
	struct wait_stack_value value;
};

static int by_wait_ns_desc(const void *a, const void *b)
{
	const struct stack_entry *x = a, *y = b;

	return x->value.wait_ns < y->value.wait_ns ? 1 : x->value.wait_ns > y->value.wait_ns ? -1 : 0;
}

/* The futex stacks the process waited longest in, with their frames. Returns the number of distinct ones. */
static size_t top_stacks(const struct waits_state *ws, const struct waits_target_state *ts, struct stack_entry *top,
			 size_t max, size_t *ntop)
{
	int fd = bpf_map__fd(ws->skel->maps.wait_stacks);
	struct wait_stack_key key, next, *prev = NULL;
	size_t n = 0;

	*ntop = 0;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct stack_entry e = { .key = next };

		key = next;
		prev = &key;
		if (key.tgid != (uint32_t)ts->target->proc.pid || !wait_kind_is_futex(key.kind) ||
		    bpf_map_lookup_elem(fd, &key, &e.value))
			continue;
		n++;
		if (*ntop < max)
			top[(*ntop)++] = e;
		else if (e.value.wait_ns > top[max - 1].value.wait_ns)
			top[max - 1] = e;
		else
			continue;
		qsort(top, *ntop, sizeof(*top), by_wait_ns_desc);
	}
	return n;
}

/* One process's waits, as the interval and summary sections (and the summary's top stacks) read them. */
struct waits_section {
	const struct waits_state *ws;
	struct waits_target_state *ts;
};

/* The summary's futex object: "stacks" and "top_stacks". */
static void json_top_stacks(struct json_obj *parent, void *arg)
{
	const struct waits_state *ws = ((struct waits_section *)arg)->ws;
	struct waits_target_state *ts = ((struct waits_section *)arg)->ts;
	struct stack_entry top[TOP_STACKS];
	size_t ntop, distinct = top_stacks(ws, ts, top, TOP_STACKS, &ntop);
	FILE *out = parent->out;
	char kind[48];

	json_kv_u64(parent, "stacks", distinct);
	json_key(parent, "top_stacks");
	fputc('[', out);
	for (size_t i = 0; i < ntop; i++) {
		const char *names[SLOW_FRAMES];
		uint64_t pcs[SLOW_FRAMES];
		int n = stack_funcs(ws, ts->target, top[i].key.stack_id, names, pcs, SLOW_FRAMES);
		struct json_obj j;

		fputs(i ? "," : "", out);
		json_begin(&j, out);
		json_kv_str(&j, "op", wait_kind_name(top[i].key.kind, kind, sizeof(kind)));
		json_kv_str(&j, "path", wait_path_name(stack_path(ws, ts, top[i].key.stack_id)));
		json_kv_u64(&j, "calls", top[i].value.count);
		json_kv_u64(&j, "ns", top[i].value.wait_ns);
		json_kv_u64(&j, "stack_id", top[i].key.stack_id);
		json_key(&j, "frames");
		json_frames(out, names, pcs, n);
		json_end(&j);
	}
	fputc(']', out);
}

/* ---- the capability's calls ---- */

static void text_interval(const struct output_opts *o, void *arg)
{
	waits_print_interval(o, &((struct waits_section *)arg)->ts->interval);
}

static void json_interval(struct json_obj *j, const struct output_opts *o, void *arg)
{
	const struct waits_section *a = arg;

	waits_json(j, o, a->ws->attach, &a->ts->interval, NULL, NULL);
}

static void text_summary(const struct output_opts *o, void *arg)
{
	waits_print_summary(o, &((struct waits_section *)arg)->ts->total);
}

static void json_summary(struct json_obj *j, const struct output_opts *o, void *arg)
{
	struct waits_section *a = arg;

	waits_json(j, o, a->ws->attach, &a->ts->total, json_top_stacks, a);
}

static void waits_interval(void *state, struct target_ctx *tc, void *tstate, struct output_sink *out)
{
	static const struct output_writer interval = { NULL, text_interval, json_interval };
	struct waits_target_state *ts = tstate;

	(void)tc;
	collect(state, ts);
	output_section(out, &interval, &(struct waits_section){ state, ts });
	memset(&ts->interval, 0, sizeof(ts->interval));
}

static void waits_finish(void *state, struct target_ctx *tc, void *tstate)
{
	(void)tc;
	collect(state, tstate);
}

static void waits_summary(void *state, struct target_ctx *tc, void *tstate, struct output_sink *out)
{
	static const struct output_writer summary = { NULL, text_summary, json_summary };

	(void)tc;
	output_section(out, &summary, &(struct waits_section){ state, tstate });
}

/* ---- costs and teardown ---- */

CAPABILITY_BSS_COUNTER(waits_events_lost, struct waits_state, events_lost)

static int waits_probe_count(void *state)
{
	return ((struct waits_state *)state)->nlinks;
}

static void waits_close(void *state)
{
	struct waits_state *ws = state;

	unload(ws);
	free(ws);
}

const struct capability waits_capability = {
	.name = "waits",
	.description = "futex and epoll waits: time, wakeups, timeouts, and the runtime path that waited",
	.default_on = true,
	.open = waits_open,
	.attach = waits_attach,
	.detach = waits_detach,
	.interval = waits_interval,
	.finish = waits_finish,
	.summary = waits_summary,
	.probe_count = waits_probe_count,
	.events_lost = waits_events_lost,
	.close = waits_close,
};

/* ---- the stack source: the same BPF side without a session ---- */

/* No slow-wait events (slow_ns 0) and no subscription: nothing here needs a session or an output. */
int wait_stacks_open(struct event_bus *bus, const struct target *target, struct waits_state **out, char *why,
		     size_t why_size)
{
	struct waits_state *ws = calloc(1, sizeof(*ws));
	int err;

	if (!ws)
		return -ENOMEM;
	ws->bus = bus;
	if ((err = start_bpf(ws, why, why_size))) {
		waits_close(ws);
		return err;
	}
	attach_epoll_wait(ws, target);
	*out = ws;
	return 0;
}

void wait_stacks_close(struct waits_state *ws)
{
	waits_close(ws);
}

int wait_stacks_read(const struct waits_state *ws, uint32_t tgid, wait_stack_fn fn, void *ctx)
{
	int fd = bpf_map__fd(ws->skel->maps.wait_stacks), stacks = bpf_map__fd(ws->skel->maps.stacks), err = 0;
	struct wait_stack_key key, next;
	struct wait_stack_value v;
	bool first = true;

	while (!err && bpf_map_get_next_key(fd, first ? NULL : &key, &next) == 0) {
		struct wait_stack st = { 0 };
		int n = 0;

		first = false;
		key = next;
		if ((tgid && key.tgid != tgid) || bpf_map_lookup_elem(fd, &key, &v))
			continue;
		if (key.stack_id && bpf_map_lookup_elem(stacks, &key.stack_id, &st) == 0)
			while (n < WAITS_STACK_DEPTH && st.ips[n])
				n++;
		err = fn(key.tgid, key.kind, (const uint64_t *)st.ips, n, v.count, v.wait_ns, ctx);
	}
	return err;
}

uint64_t wait_stacks_dropped(void *state)
{
	struct waits_state *ws = state;

	return ws->skel ? ws->skel->bss->stacks_dropped : 0;
}

const char *wait_stacks_attach(void *state)
{
	return ((struct waits_state *)state)->attach;
}
