// SPDX-License-Identifier: GPL-2.0
/* `gotrace info BINARY | -p PID [--json] [--functions]`: everything gotrace reads from a Go binary (version,
 * build settings, function table, runtime layout, probe sites), so that a user can see why a capability runs
 * exact, degraded or not at all before tracing anything. */
#include <elf.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "cmd/commands.h"
#include "lib/json.h"
#include "lib/log.h"
#include "caps/memory_runtime.h"
#include "tracer/layout_check.h"
#include "tracer/runtime_layout.h"
#include "tracer/target.h"

/* The runtime functions gotrace probes (any version); missing ones are listed as absent. */
static const char *const probe_funcs[] = {
	"runtime.startTheWorldWithSema", "runtime.stopTheWorldWithSema", "runtime.stopTheWorld.func1",
	"runtime.gcStart", "runtime.execute", "runtime.casgstatus",
};

static const char info_help[] =
	"Usage: gotrace info [--json] [--functions] BINARY\n"
	"       gotrace info [--json] [--functions] -p PID\n"
	"\n"
	"Show what gotrace reads from a Go executable: Go version and build settings (like `go version -m`), the\n"
	"function table (present even in stripped binaries), the runtime struct offsets and globals its probes\n"
	"need and where they came from (DWARF, symbol table, version table, machine code), the probe sites, and\n"
	"which capabilities will run exact, degraded, or not at all.\n"
	"\n"
	"Options:\n"
	"  -p, --pid PID     a running process (its executable, even if deleted or in another mount namespace)\n"
	"  -j, --json        one JSON object instead of text\n"
	"  -f, --functions   list every function: address, size, name (like `go tool nm`, also when stripped)\n"
	"  -h, --help        this help\n"
	"\n"
	"Examples:\n"
	"  gotrace info /usr/bin/prometheus\n"
	"  gotrace info -p 1234 --json | jq .go_version\n"
	"  gotrace info --functions ./server | grep ' main\\.'\n";

struct info_opts {
	int pid;
	const char *path;
	bool json, functions;
};

static const char *pclntab_layout(uint32_t magic)
{
	switch (magic) {
	case PCLNTAB_MAGIC_GO12:
		return "go1.2-1.15";
	case PCLNTAB_MAGIC_GO116:
		return "go1.16-1.17";
	case PCLNTAB_MAGIC_GO118:
		return "go1.18-1.19";
	case PCLNTAB_MAGIC_GO120:
		return "go1.20+";
	default:
		return "unknown";
	}
}

static const char *global_source(enum go_global_source s)
{
	return s == GO_GLOBAL_SYMTAB ? "symbol table" : s == GO_GLOBAL_CODE ? "derived from machine code" : "unknown";
}

static int list_functions(const struct go_binary *gb)
{
	struct go_func fn;

	if (!gb->pclntab) {
		log_error("%s: no readable function table: %s", gb->path, strerror(-gb->pclntab_err));
		return EXIT_FAILURE_RUN;
	}
	for (size_t i = 0; i < pclntab_func_count(gb->pclntab); i++)
		if (pclntab_func_at_index(gb->pclntab, i, &fn) == 0)
			printf("%016" PRIx64 " %8" PRIu64 " %s\n", fn.entry, fn.end - fn.entry, fn.name);
	return EXIT_OK;
}

struct probe_site {
	const char *name;
	bool found;
	struct go_func fn;
	uint64_t file_offset;
	int rets;	/* number of RETs, or a negative errno */
};

static void probe_site(const struct go_binary *gb, const char *name, struct probe_site *ps)
{
	uint64_t rets[64];

	memset(ps, 0, sizeof(*ps));
	ps->name = name;
	ps->found = go_binary_find_func(gb, name, &ps->fn) == 0;
	if (!ps->found)
		return;
	go_binary_file_offset(gb, ps->fn.entry, &ps->file_offset);
	ps->rets = go_binary_func_rets(gb, &ps->fn, rets, 64);
}

/* What gotrace's table says about the release: in it, newer (derived and verified live), or too old. */
static const char *release_note(const struct target *t)
{
	static char note[160];

	if (!runtime_release_supported(t))
		snprintf(note, sizeof(note), "  (older than Go 1.%d: Go-specific probes are off)", GO_MINOR_OLDEST);
	else if (!t->bin->version_known || runtime_release_in_table(t))
		note[0] = '\0';
	else
		snprintf(note, sizeof(note), "  (newer than gotrace's table, Go 1.%d to 1.%d: the layout is derived from "
			 "the binary and verified live)", GO_MINOR_OLDEST, go_offsets_table_newest());
	return note;
}

static void print_text_binary(const struct target *t)
{
	const struct go_binary *gb = t->bin;
	const struct go_buildinfo *bi = &gb->buildinfo;

	printf("binary:    %s\n", gb->path);
	printf("           ELF %s, %s, %s\n", elf_file_machine(gb->elf) == EM_AARCH64 ? "arm64" : "x86-64",
	       elf_file_is_pie(gb->elf) ? "PIE" : "not PIE", gb->has_symtab ? "symbol table" : "stripped (no .symtab)");
	printf("go:        %s%s\n", go_binary_version_str(gb), release_note(t));
	printf("module:    %s", bi->path[0] ? bi->path : "(not recorded)");
	if (bi->main_module[0])
		printf(", main module %s %s", bi->main_module, bi->main_version);
	printf("\nbuild:     %s/%s, -buildmode=%s, CGO_ENABLED=%s\n", bi->goos[0] ? bi->goos : "?",
	       bi->goarch[0] ? bi->goarch : "?", bi->buildmode[0] ? bi->buildmode : "(not recorded)",
	       bi->cgo_enabled < 0 ? "(not recorded)" : bi->cgo_enabled ? "1" : "0");
	if (gb->pclntab)
		printf("pclntab:   %s layout, %zu functions\n", pclntab_layout(pclntab_version(gb->pclntab)),
		       pclntab_func_count(gb->pclntab));
	else
		printf("pclntab:   unreadable (%s)\n", strerror(-gb->pclntab_err));
}

/* One line per fact: its value and where it came from. */
static void print_text_facts(const struct runtime_layout *rl)
{
	const struct go_offsets *o = &rl->offsets;

	for (size_t i = 0; i < go_offsets_nfields(); i++) {
		int32_t v = go_offsets_field(o, i);

		if (v >= 0)
			printf("  %-30s %6d  %s\n", go_offsets_field_name(i), v,
			       layout_source_name(go_offsets_source(o, i)));
	}
}

static void print_text_layout(const struct target *t, const struct runtime_layout *rl)
{
	bool newer = runtime_release_supported(t) && t->bin->version_known && !runtime_release_in_table(t);
	const struct go_globals *g = &rl->globals;
	const struct go_offsets *o = &rl->offsets;

	if (rl->offsets_err) {
		printf("offsets:   unknown (%s)\n", rl->gc_abi_why[0] ? rl->gc_abi_why : strerror(-rl->offsets_err));
		return;
	}
	printf("offsets:   from %s", o->from_dwarf ? "DWARF" : o->table_verified
			      ? "the version table (verified against DWARF of this version)"
			      : rl->assumed ? "the newest table entry (confirmed by the machine code and live before use)"
					    : "the version table (derived from the Go source, not verified on a binary)");
	if (o->from_dwarf && o->table_minor && newer)
		printf("; gaps left as they are (the go1.%d table is not this release's)", o->table_minor);
	else if (o->from_dwarf && o->table_minor)
		printf("; the go1.%d table %s", o->table_minor, o->table_disagreements ? "disagrees on" : "agrees");
	if (o->from_dwarf && o->table_disagreements)
		printf(" %d field%s", o->table_disagreements, o->table_disagreements == 1 ? "" : "s");
	printf("\n           g.m %d, g.goid %d, g.atomicstatus %d, m.procid %d, m.curg %d\n", o->g_m, o->g_goid,
	       o->g_atomicstatus, o->m_procid, o->m_curg);
	printf("globals:   runtime.work 0x%" PRIx64 " (%s), runtime.memstats 0x%" PRIx64 " (%s), runtime.sched 0x%"
	       PRIx64 " (%s)\n", g->work, global_source(g->work_source), g->memstats, global_source(g->memstats_source),
	       g->sched, global_source(g->sched_source));
	printf("           runtime.gcController 0x%" PRIx64 " (%s)\n", g->gc_controller,
	       global_source(g->gc_controller_source));
	if (rl->gc_abi)
		printf("shape:     runtime.startTheWorldWithSema %s (source: %s)\n",
		       rl->gc_abi == GC_ABI_STW_ARGS ? "(now int64, w worldStop)" : "() / (emitTraceEvent bool)",
		       layout_source_name(rl->gc_abi_source));
	if (rl->gc_abi == GC_ABI_STW_ARGS)
		printf("stwReason: GC mark termination %d, GC sweep termination %d (source: %s%s)\n",
		       rl->stw_reason_mark_term, rl->stw_reason_sweep_term, layout_source_name(rl->stw_reasons_source),
		       rl->stw_reasons_disagree ? "; the table says 1 and 2" : "");
	printf("facts:     (offset or size in bytes, source)\n");
	print_text_facts(rl);
}

static const char *goroutine_verdict(const struct target *t, const struct runtime_layout *rl)
{
	const struct go_offsets *o = &rl->offsets;

	if (!runtime_release_supported(t) || rl->offsets_err)
		return "off: no runtime layout for this release";
	if (!rl->globals.sched)
		return "sampled mode off: runtime.sched not found (--goroutines=exact probes casgstatus instead)";
	if (o->sched_time_to_run < 0 || o->hist_nbuckets <= 0 ||
	    runtime_layout_timehist_scheme(rl, t) == GO_TIMEHIST_UNKNOWN)
		return "sampled mode off: sched.timeToRun or its histogram layout unknown";
	return "sampled from runtime.sched.timeToRun (no probe)";
}

/* The memory capability's runtime views: as derived from the file, and with -p checked in the live process as the
 * capability checks them before use. */
static void memory_views(const struct target *t, const struct runtime_layout *rl, struct go_memory_layout *ml)
{
	if (go_memory_layout_derive(t, rl, ml) == 0 && t->proc.pid)
		go_memory_verify(ml);
}

static void print_memory_verdict(const struct target *t, const struct runtime_layout *rl)
{
	struct go_memory_layout ml;

	memory_views(t, rl, &ml);
	if (ml.pacer)
		printf("  memory: GOGC, GOMEMLIMIT and the heap from runtime.gcController (%s%s)", ml.pacer_source,
		       t->proc.pid ? ", checked live" : "");
	else
		printf("  memory: GOGC, GOMEMLIMIT and the heap off: %s", ml.pacer_off);
	printf("; GC cycles and GC CPU %s%s\n", ml.memstats ? "from runtime.memstats" : "off: ",
	       ml.memstats ? "" : ml.memstats_off);
}

static void json_memory_views(struct json_obj *j, const struct target *t, const struct runtime_layout *rl)
{
	struct go_memory_layout ml;
	struct json_obj mj;

	memory_views(t, rl, &ml);
	json_key(j, "memory_runtime");
	json_begin(&mj, stdout);
	json_kv_bool(&mj, "pacer", ml.pacer != 0);
	json_kv_str(&mj, ml.pacer ? "pacer_source" : "pacer_off", ml.pacer ? ml.pacer_source : ml.pacer_off);
	json_kv_bool(&mj, "memstats", ml.memstats != 0);
	if (!ml.memstats)
		json_kv_str(&mj, "memstats_off", ml.memstats_off);
	json_kv_bool(&mj, "checked_live", t->proc.pid != 0);
	json_end(&mj);
}

/* -p PID: the derived layout read through in the live process, as the capabilities check it before use. */
static void print_live_checks(const struct target *t, const struct runtime_layout *rl)
{
	char why[256] = "";
	int err = -ENOENT;

	if (rl->globals.memstats)
		err = layout_check_memstats(t->proc.pid, rl->globals.memstats + t->bias, &rl->offsets, why, sizeof(why));
	printf("live:      memstats %s%s%s\n",
	       !err ? "verified (last_gc_unix = pause_end of the last cycle, pause_total_ns = sum of pause_ns)"
	       : err == -EAGAIN ? "not yet verifiable (no GC cycle so far)"
	       : err == -EBADMSG ? "FAILED verification: " : "unreadable: ",
	       err == -EBADMSG ? why : "", err && err != -EAGAIN && err != -EBADMSG ? strerror(-err) : "");
}

static void print_text_probes(const struct target *t, const struct runtime_layout *rl)
{
	struct probe_site ps;
	struct gc_target cfg;
	char note[512] = "";
	int err;

	printf("probes:\n");
	for (size_t i = 0; i < sizeof(probe_funcs) / sizeof(probe_funcs[0]); i++) {
		probe_site(t->bin, probe_funcs[i], &ps);
		if (!ps.found) {
			printf("  %-32s absent\n", ps.name);
			continue;
		}
		printf("  %-32s 0x%" PRIx64 " (file offset 0x%" PRIx64 "), ", ps.name, ps.fn.entry, ps.file_offset);
		if (ps.rets >= 0)
			printf("%d RET%s\n", ps.rets, ps.rets == 1 ? "" : "s");
		else
			printf("RETs undecodable (%s)\n", strerror(-ps.rets));
	}
	err = runtime_layout_gc(t, rl, &cfg, note, sizeof(note));
	probe_site(t->bin, "runtime.startTheWorldWithSema", &ps);
	if (!err && (!ps.found || ps.rets <= 0)) {
		err = -ENOENT;
		snprintf(note, sizeof(note), "runtime.startTheWorldWithSema %s",
			 !ps.found ? "not found (function table unreadable?)" : "has no decodable RET");
	}
	printf("capabilities:\n  GC pauses: %s%s%s\n",
	       err ? "off" : cfg.abi == GC_ABI_STW_ARGS ? "exact (worldStop arguments, Go 1.22+)"
		     : cfg.work_addr			? "exact (runtime.work timestamps)"
							: "approximate",
	       note[0] ? ": " : "", note);
	printf("  goroutine delay: %s\n", goroutine_verdict(t, rl));
	print_memory_verdict(t, rl);
	printf("  thread scheduling, futex/epoll waits, cgroup CPU and memory: on (kernel tracepoints and files, no "
	       "runtime layout)\n");
	if (t->proc.pid)
		print_live_checks(t, rl);
}

static void json_probes(struct json_obj *j, const struct target *t)
{
	struct json_obj pj;
	struct probe_site ps;

	json_key(j, "probes");
	fputc('[', stdout);
	for (size_t i = 0; i < sizeof(probe_funcs) / sizeof(probe_funcs[0]); i++) {
		probe_site(t->bin, probe_funcs[i], &ps);
		if (i)
			fputc(',', stdout);
		json_begin(&pj, stdout);
		json_kv_str(&pj, "function", ps.name);
		json_kv_bool(&pj, "found", ps.found);
		if (ps.found) {
			json_kv_u64(&pj, "address", ps.fn.entry);
			json_kv_u64(&pj, "size", ps.fn.end - ps.fn.entry);
			json_kv_u64(&pj, "file_offset", ps.file_offset);
			json_kv_i64(&pj, "rets", ps.rets);
		}
		json_end(&pj);
	}
	fputc(']', stdout);
}

static void json_layout(struct json_obj *j, const struct runtime_layout *rl)
{
	struct json_obj oj;

	json_key(j, "offsets");
	json_begin(&oj, stdout);
	json_kv_str(&oj, "source", rl->offsets_err ? "unknown" : rl->offsets.from_dwarf ? "dwarf" : "table");
	json_kv_bool(&oj, "table_verified", rl->offsets.table_verified);
	for (size_t i = 0; !rl->offsets_err && i < go_offsets_nfields(); i++)
		if (go_offsets_field(&rl->offsets, i) >= 0)
			json_kv_i64(&oj, go_offsets_field_name(i), go_offsets_field(&rl->offsets, i));
	json_end(&oj);
	json_key(j, "offset_sources");
	json_begin(&oj, stdout);
	for (size_t i = 0; !rl->offsets_err && i < go_offsets_nfields(); i++)
		if (go_offsets_field(&rl->offsets, i) >= 0)
			json_kv_str(&oj, go_offsets_field_name(i), layout_source_name(go_offsets_source(&rl->offsets, i)));
	json_end(&oj);
	json_kv_str(j, "gc_shape", rl->gc_abi == GC_ABI_STW_ARGS ? "worldstop_args" : rl->gc_abi ? "work_globals" : "unknown");
	json_kv_str(j, "gc_shape_source", rl->gc_abi ? layout_source_name(rl->gc_abi_source) : rl->gc_abi_why);
	if (rl->gc_abi == GC_ABI_STW_ARGS) {
		json_kv_i64(j, "stw_reason_mark_term", rl->stw_reason_mark_term);
		json_kv_i64(j, "stw_reason_sweep_term", rl->stw_reason_sweep_term);
		json_kv_str(j, "stw_reasons_source", layout_source_name(rl->stw_reasons_source));
	}
	json_key(j, "globals");
	json_begin(&oj, stdout);
	json_kv_u64(&oj, "runtime.work", rl->globals.work);
	json_kv_str(&oj, "runtime.work_source", global_source(rl->globals.work_source));
	json_kv_u64(&oj, "runtime.memstats", rl->globals.memstats);
	json_kv_str(&oj, "runtime.memstats_source", global_source(rl->globals.memstats_source));
	json_kv_u64(&oj, "runtime.sched", rl->globals.sched);
	json_kv_str(&oj, "runtime.sched_source", global_source(rl->globals.sched_source));
	json_kv_u64(&oj, "runtime.gcController", rl->globals.gc_controller);
	json_kv_str(&oj, "runtime.gcController_source", global_source(rl->globals.gc_controller_source));
	json_end(&oj);
}

static void print_json(const struct target *t, const struct runtime_layout *rl)
{
	const struct go_binary *gb = t->bin;
	const struct go_buildinfo *bi = &gb->buildinfo;
	struct json_obj j;

	json_begin(&j, stdout);
	json_kv_str(&j, "path", gb->path);
	if (t->proc.pid) {
		json_kv_u64(&j, "pid", t->proc.pid);
		json_kv_str(&j, "comm", t->proc.comm);
		json_kv_str(&j, "exe", t->proc.exe_name);
		json_kv_u64(&j, "load_bias", t->bias);
	}
	json_kv_str(&j, "go_version", bi->version);
	json_kv_bool(&j, "layout_known", runtime_release_supported(t) && !rl->offsets_err);
	json_kv_bool(&j, "release_in_table", runtime_release_in_table(t));
	json_kv_str(&j, "module_path", bi->path);
	json_kv_str(&j, "main_module", bi->main_module);
	json_kv_str(&j, "main_version", bi->main_version);
	json_kv_str(&j, "goos", bi->goos);
	json_kv_str(&j, "goarch", bi->goarch);
	json_kv_str(&j, "buildmode", bi->buildmode);
	json_kv_i64(&j, "cgo_enabled", bi->cgo_enabled);
	json_kv_str(&j, "modinfo", bi->modinfo ? bi->modinfo : "");
	json_kv_bool(&j, "pie", elf_file_is_pie(gb->elf));
	json_kv_bool(&j, "stripped", !gb->has_symtab);
	json_kv_str(&j, "pclntab_layout", gb->pclntab ? pclntab_layout(pclntab_version(gb->pclntab)) : "unreadable");
	json_kv_u64(&j, "functions", gb->pclntab ? pclntab_func_count(gb->pclntab) : 0);
	json_layout(&j, rl);
	json_memory_views(&j, t, rl);
	json_probes(&j, t);
	json_end(&j);
	fputc('\n', stdout);
}

static int parse_opts(struct info_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },     { "json", no_argument, NULL, 'j' },
		{ "functions", no_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:jfh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (cli_option_pid(optarg, &o->pid))
				return EXIT_USAGE;
			break;
		case 'j':
			o->json = true;
			break;
		case 'f':
			o->functions = true;
			break;
		case 'h':
			fputs(info_help, stdout);
			exit(EXIT_OK);
		default:
			fprintf(stderr, "Try 'gotrace info --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		o->path = argv[optind++];
	if (optind < argc || !o->pid == !o->path) {
		log_error("info: give either a BINARY or -p PID (see gotrace info --help)");
		return EXIT_USAGE;
	}
	return 0;
}

static int open_binary(const char *path, struct target *t)
{
	int err;

	memset(t, 0, sizeof(*t));
	err = go_binary_open(path, &t->bin);
	if (err)
		log_error("%s: %s", path, go_binary_strerror(err));
	return err;
}

int cmd_info(int argc, char **argv)
{
	struct info_opts o = { 0 };
	struct runtime_layout rl;
	struct target t;
	char why[256];
	int err = parse_opts(&o, argc, argv);

	if (err)
		return err;
	if (o.pid) {
		err = target_open(o.pid, &t, why, sizeof(why));
		if (err)
			log_error("PID %d: %s", o.pid, why);
	} else {
		err = open_binary(o.path, &t);
	}
	if (err)
		return EXIT_FAILURE_RUN;
	if (o.functions) {
		err = list_functions(t.bin);
	} else {
		runtime_layout_resolve(&t, &rl);
		if (o.json) {
			print_json(&t, &rl);
		} else {
			if (o.pid)
				printf("process:   PID %d (%s), %s, load bias 0x%" PRIx64 "\n", t.proc.pid, t.proc.comm,
				       t.proc.exe_name, t.bias);
			print_text_binary(&t);
			print_text_layout(&t, &rl);
			print_text_probes(&t, &rl);
		}
	}
	target_close(&t);
	return err;
}
