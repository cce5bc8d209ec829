// SPDX-License-Identifier: GPL-2.0
/* `gotrace daemon`: every Go process on the host, always on. Processes are found by a /proc scan and by exec
 * events; each allowed Go process joins one tracing session (one BPF object per capability for all of them);
 * metrics are rendered when a scrape of /metrics asks for them, and CPU profiles are written and pushed every
 * interval and when a process exits. systemd: Type=notify with watchdog; SIGHUP reloads the configuration; SIGTERM
 * flushes and exits. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tracer/capability.h"
#include "sys/cgroup.h"
#include "cmd/commands.h"
#include "daemon/daemon_config.h"
#include "daemon/daemon_profiles.h"
#include "daemon/otlp_export.h"
#include "daemon/retained_series.h"
#include "daemon/service_counts.h"
#include "sys/kube.h"
#include "tracer/discovery.h"
#include "tracer/link_release.h"
#include "lib/http_server.h"
#include "lib/log.h"
#include "lib/prom_merge.h"
#include "sys/sd_notify.h"
#include "tracer/session.h"
#include "daemon/target_rules.h"

#define TICK_NS 250000000ull		/* housekeeping: metrics, scans, profiles, watchdog */
#define SCAN_WITHOUT_EVENTS_NS 1000000000ull	/* scans find every process when exec events are unavailable */
#define FRESH_NS 250000000ull		/* a render this recent serves a scrape as it is */
#define RENDER_WAIT_NS 2000000000ull	/* a scrape waits this long for its render, then gets the last one */
#define NOT_GO_CACHE 4096
#define SHUTDOWN_BUDGET_NS 5000000000ull

/* A traced process and the strings its labels point to. */
struct daemon_target {
	struct target_ctx *tc;
	char pid[16], service[64], exe[PATH_MAX], cgroup[PATH_MAX], container[80];
	struct kube_identity kube;		/* in a Kubernetes pod: pod_uid non-empty */
	struct prom_label labels[12];
	struct daemon_process who;
};

struct inode_key {
	dev_t dev;
	ino_t ino;
};

struct daemon {
	struct daemon_config cfg;
	struct output_opts out;
	struct output_sink sink;	/* events as log lines (an OOM kill); no records (metrics say it all) */
	struct event_loop loop;
	struct session session;
	struct discovery *discovery;
	struct daemon_profiles *profiles;
	struct otlp_exporter *otlp;		/* NULL: no otlp-endpoint */
	struct http_server *http;
	struct daemon_target **targets;
	size_t ntargets;
	struct inode_key not_go[NOT_GO_CACHE];	/* executables known not to be Go: a ring, oldest overwritten */
	size_t not_go_next, not_go_n;
	char *metrics;				/* the last rendered exposition, read by the HTTP thread */
	size_t metrics_len;
	uint64_t scrapes;			/* served, counted by the HTTP thread (under its lock) */
	struct retained_series retained;	/* series of processes that exited, until a scrape had them */
	int render_request_fd;			/* eventfd: the HTTP thread asks the main thread for a render */
	uint64_t renders, rendered_ns;		/* under the HTTP lock: how many renders, when the last */
	bool render_wanted;			/* under the HTTP lock: a scrape waits, no render since it asked */
	uint64_t next_scan, next_profiles, next_otlp, next_watchdog, watchdog_ns, start_ns;
	uint64_t discovered, attach_failed, scans, exits;
	uint64_t events_lost_at_scan;		/* discovery's dropped exec/exit events, as of the last scan */
	struct service_counts oom_kills;	/* traced processes the OOM killer ended, per service */
};

/* ---- targets ---- */

static struct daemon_target *find_target(struct daemon *d, int pid)
{
	for (size_t i = 0; i < d->ntargets; i++)
		if (d->targets[i]->tc->target.proc.pid == pid)
			return d->targets[i];
	return NULL;
}

/* The process's series as they are at its end, served beside the others' until a scrape has had them. */
static void retain_series(struct daemon *d, struct target_ctx *tc)
{
	const char *data;
	struct prom p;
	size_t len;
	char *copy;

	if (prom_init(&p))
		return;
	session_target_metrics(&d->session, tc, &p);
	data = prom_data(&p, &len);
	if (!prom_error(&p) && (copy = strndup(data, len)))
		retained_add(&d->retained, tc->target.proc.pid, copy, monotonic_ns());
	prom_free(&p);
}

/* keep_series: the process ended by itself (exit, exec), so its final figures are worth a scrape; a process
 * dropped by the configuration or at stop is simply gone. */
static void drop_target(struct daemon *d, struct daemon_target *dt, const char *why, bool keep_series)
{
	log_notice("PID %d (%s): %s", dt->tc->target.proc.pid, dt->service, why);
	session_finish(&d->session, dt->tc);	/* its last figures; an OOM kill is logged */
	if (dt->tc->facts.oom_killed && service_counts_add(&d->oom_kills, dt->service))
		log_warn("PID %d (%s): its OOM kill could not be counted: out of memory", dt->tc->target.proc.pid,
			 dt->service);
	daemon_profiles_end_process(d->profiles, (uint32_t)dt->tc->target.proc.pid);
	if (keep_series)
		retain_series(d, dt->tc);
	session_remove_target(&d->session, dt->tc);
	for (size_t i = 0; i < d->ntargets; i++)
		if (d->targets[i] == dt)
			d->targets[i] = d->targets[--d->ntargets];
	free(dt);
}

static bool known_not_go(const struct daemon *d, const struct stat *st)
{
	for (size_t i = 0; i < d->not_go_n; i++)
		if (d->not_go[i].dev == st->st_dev && d->not_go[i].ino == st->st_ino)
			return true;
	return false;
}

static void remember_not_go(struct daemon *d, const struct target *t)
{
	d->not_go[d->not_go_next] = (struct inode_key){ t->proc.exe_dev, t->proc.exe_ino };
	d->not_go_next = (d->not_go_next + 1) % NOT_GO_CACHE;
	if (d->not_go_n < NOT_GO_CACHE)
		d->not_go_n++;
}

/* What the rules look at: read from /proc before the process is opened as a Go target. */
struct facts_buf {
	char comm[32], exe[PATH_MAX], cgroup_text[4096], cgroup[PATH_MAX], container[80], environ[65536];
	size_t environ_len;
	struct process_facts facts;
};

static int read_facts(int pid, struct facts_buf *b)
{
	char path[64];
	ssize_t n;
	int fd;

	memset(&b->facts, 0, sizeof(b->facts));
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, b->exe, sizeof(b->exe) - 1);
	if (n <= 0)
		return -ESRCH;
	b->exe[n] = '\0';
	b->cgroup[0] = b->container[0] = '\0';
	/* proc_read_file drops the last newline, which the strict parser wants back */
	if (proc_read_file(pid, "cgroup", b->cgroup_text, sizeof(b->cgroup_text) - 1) == 0 &&
	    strcat(b->cgroup_text, "\n") &&
	    cgroup_parse_membership(b->cgroup_text, "cpu", b->cgroup, sizeof(b->cgroup)) > 0)
		cgroup_container_id(b->cgroup, b->container, sizeof(b->container));
	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, b->environ, sizeof(b->environ)) : -1;
	b->environ_len = n > 0 ? (size_t)n : 0;
	if (fd >= 0)
		close(fd);
	b->facts = (struct process_facts){ .pid = pid, .exe_name = strrchr(b->exe, '/') ? strrchr(b->exe, '/') + 1
											 : b->exe,
					   .exe_path = b->exe, .cgroup_path = b->cgroup,
					   .container_id = b->container[0] ? b->container : NULL,
					   .environ = b->environ, .environ_len = b->environ_len };
	return 0;
}

/* The pod's labels (at most KUBE_FIELDS in l) when the process runs in a Kubernetes pod; the names only where the node's
 * kubelet logs show them. */
static int label_pod(const struct daemon *d, struct daemon_target *dt, struct prom_label *l)
{
	struct kube_identity *k = &dt->kube;
	struct kube_field f[KUBE_FIELDS];
	int n, err;

	if (kube_identity_from_cgroup(dt->cgroup, k))
		return 0;
	if (d->cfg.pod_log_dir && (err = kube_names_from_logs(d->cfg.pod_log_dir, dt->container, k)) && err != -ENOENT)
		log_debug("PID %s: pod names not read from %s: %s", dt->pid, d->cfg.pod_log_dir, strerror(-err));
	n = kube_fields(k, f);
	for (int i = 0; i < n; i++)
		l[i] = (struct prom_label){ f[i].name, f[i].value };
	return n;
}

static void label_target(struct daemon *d, struct daemon_target *dt, const struct facts_buf *b)
{
	const struct target *t = &dt->tc->target;

	snprintf(dt->pid, sizeof(dt->pid), "%d", t->proc.pid);
	snprintf(dt->exe, sizeof(dt->exe), "%s", b->facts.exe_name);
	snprintf(dt->cgroup, sizeof(dt->cgroup), "%s", b->cgroup);
	snprintf(dt->container, sizeof(dt->container), "%s", b->container);
	if (target_rules_service(&d->cfg, &b->facts, dt->service, sizeof(dt->service)))
		snprintf(dt->service, sizeof(dt->service), "%s", "unknown");
	dt->labels[0] = (struct prom_label){ "pid", dt->pid };
	dt->labels[1] = (struct prom_label){ "comm", t->proc.comm };
	dt->labels[2] = (struct prom_label){ "executable", dt->exe };
	dt->labels[3] = (struct prom_label){ "go_version", go_binary_version_str(t->bin) };
	dt->labels[4] = (struct prom_label){ "cgroup", dt->cgroup };
	dt->labels[5] = (struct prom_label){ "container_id", dt->container };
	dt->labels[6] = (struct prom_label){ "service", dt->service };
	dt->tc->labels = dt->labels;
	dt->tc->nlabels = 7 + label_pod(d, dt, dt->labels + 7);
	dt->who = (struct daemon_process){ dt->service, t->proc.comm, dt->labels, dt->tc->nlabels };
}

static void add_target(struct daemon *d, struct target *t, struct facts_buf *b)
{
	struct daemon_target *dt = calloc(1, sizeof(*dt));
	int pid = t->proc.pid;
	char why[256];

	if (!dt) {
		target_close(t);
		return;
	}
	if (session_add_opened_target(&d->session, t, &dt->tc, why, sizeof(why))) {
		free(dt);
		return;
	}
	label_target(d, dt, b);
	if (!(d->targets = reallocarray(d->targets, d->ntargets + 1, sizeof(*d->targets)))) {
		session_remove_target(&d->session, dt->tc);
		free(dt);
		return;
	}
	d->targets[d->ntargets++] = dt;
	d->discovered++;
	retained_drop_pid(&d->retained, pid);	/* the PID's series are this process's now */
	if (daemon_profiles_add_process(d->profiles, (uint32_t)pid, &dt->who))
		log_warn("PID %d: out of memory: its profiles are dropped", pid);
	log_notice("tracing PID %d (%s, %s, service %s)", pid, dt->tc->target.proc.comm,
		   go_binary_version_str(dt->tc->target.bin), dt->service);
}

/* The executable is opened once to learn whether it is Go; non-Go executables are remembered by inode, so
 * the shell scripts a busy host runs all day cost one stat each. */
static void consider(struct daemon *d, int pid)
{
	struct facts_buf *b;
	struct target probe = { 0 };
	char path[64], why[256];
	struct stat st;
	int err;

	if (pid == getpid() || find_target(d, pid))
		return;
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	if (stat(path, &st) || known_not_go(d, &st) || !(b = malloc(sizeof(*b))))
		return;
	if (read_facts(pid, b)) {
		log_debug("PID %d: gone before it could be read", pid);
	} else if (!target_rules_allow(&d->cfg, &b->facts, why, sizeof(why))) {
		log_debug("PID %d (%s): not traced: %s", pid, b->facts.exe_name, why);
	} else if ((err = target_open(pid, &probe, why, sizeof(why))) == -ENOMSG) {
		remember_not_go(d, &probe);
	} else if (err) {
		log_debug("PID %d (%s): %s", pid, b->facts.exe_name, why);
	} else {
		add_target(d, &probe, b);
	}
	free(b);
}

/* Events are read in batches: an exec event can arrive after the process was already found (by the event of an
 * earlier exec, e.g. nice or a shell exec'ing the program, or by a scan) running this very program. */
static bool runs_same_program(const struct daemon_target *dt)
{
	const struct proc_target *p = &dt->tc->target.proc;
	struct stat st;

	return stat(p->exe_path, &st) == 0 && st.st_dev == p->exe_dev && st.st_ino == p->exe_ino;
}

static void on_process(int pid, enum proc_change change, void *ctx)
{
	struct daemon *d = ctx;
	struct daemon_target *dt = find_target(d, pid);

	log_debug("PID %d: %s", pid, change == PROC_EXIT ? "exit" : "exec");
	if (change == PROC_EXIT) {
		if (dt) {
			d->exits++;
			drop_target(d, dt, "exited", true);
		}
		return;
	}
	if (dt && !runs_same_program(dt))	/* its probes sit on the old program */
		drop_target(d, dt, "started another program (exec)", true);
	consider(d, pid);
}

static void scan_cb(int pid, enum proc_change change, void *ctx)
{
	(void)change;
	consider(ctx, pid);
}

/* Drops processes that are gone (an exit event may have been lost) or whose PID was reused. */
static void prune(struct daemon *d)
{
	for (size_t i = d->ntargets; i-- > 0;) {
		struct daemon_target *dt = d->targets[i];

		if (!proc_target_alive(&dt->tc->target.proc))
			drop_target(d, dt, "exited", true);
	}
}

static uint64_t discovery_lost(const struct daemon *d)
{
	return d->discovery ? discovery_events_lost(d->discovery) : 0;
}

static void scan(struct daemon *d)
{
	prune(d);
	discovery_scan(scan_cb, d);
	d->scans++;
	d->events_lost_at_scan = discovery_lost(d);
}

/* With exec/exit events a scan is a safety net, every scan-interval and at once when the kernel dropped one of
 * those events; without them it is how processes are found, at least once a second. (A scan reads every process's
 * /proc entry: at 1 s it was 15% of the daemon's CPU with 50 programs on an idle host.) */
static uint64_t scan_period(const struct daemon *d)
{
	if (!d->discovery && d->cfg.scan_interval_ns > SCAN_WITHOUT_EVENTS_NS)
		return SCAN_WITHOUT_EVENTS_NS;
	return d->cfg.scan_interval_ns;
}

static void scan_if_due(struct daemon *d, uint64_t now)
{
	if (now < d->next_scan && discovery_lost(d) == d->events_lost_at_scan)
		return;
	scan(d);
	d->next_scan = now + scan_period(d);
}

/* ---- metrics ---- */

static double rss_bytes(void)
{
	long size = 0, pages = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (f) {
		if (fscanf(f, "%ld %ld", &size, &pages) != 2)
			pages = 0;
		fclose(f);
	}
	return (double)pages * (double)sysconf(_SC_PAGESIZE);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double bpf_cpu_seconds(const struct daemon *d)
{
	uint64_t ns = 0, runs;

	return bpf_cost_read(&d->session.cost, &ns, &runs) ? ns / 1e9 : -1;
}

static void own_metrics(struct daemon *d, struct prom *p)
{
	const struct { const char *name, *type, *help; double value; } m[] = {
		{ "gotrace_daemon_targets", "gauge", "Go processes traced now.", (double)d->ntargets },
		{ "gotrace_daemon_processes_traced_total", "counter", "Go processes that started being traced.",
		  (double)d->discovered },
		{ "gotrace_daemon_process_exits_total", "counter", "Traced processes that exited.", (double)d->exits },
		{ "gotrace_daemon_scans_total", "counter", "/proc scans.", (double)d->scans },
		{ "gotrace_daemon_probes", "gauge", "Probes attached: uprobes and tracepoint links.",
		  session_probe_count(&d->session) },
		{ "gotrace_daemon_probe_hits_total", "counter",
		  "Uprobe hits in traced processes (each costs the process microseconds).",
		  (double)session_probe_hits(&d->session) },
		{ "gotrace_daemon_events_lost_total", "counter",
		  "Events the BPF programs dropped because the ring buffer was full.",
		  (double)(session_events_lost(&d->session) + discovery_lost(d)) },
		{ "gotrace_daemon_resident_memory_bytes", "gauge", "The daemon's resident memory.", rss_bytes() },
		{ "gotrace_daemon_cpu_seconds_total", "counter", "CPU time the daemon used (user + system).",
		  cpu_seconds() },
		{ "gotrace_daemon_bpf_cpu_seconds_total", "counter",
		  "CPU time gotrace's BPF programs ran in the kernel (-1: kernel BPF statistics unavailable).",
		  bpf_cpu_seconds(d) },
		{ "gotrace_daemon_metrics_renders_total", "counter",
		  "Renders of these metrics: one per scrape (two scrapes within 250 ms share one).",
		  (double)(d->renders + 1) },	/* this one included */
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		prom_family(p, m[i].name, m[i].type, m[i].help);
		prom_sample(p, m[i].name, NULL, 0, m[i].value);
	}
	service_counts_metric(&d->oom_kills, p, "gotrace_oom_kills_total",
			      "Traced processes of the service that the OOM killer ended, since the daemon started.");
	otlp_exporter_metrics(d->otlp, p);
}

/* What /metrics serves: the living processes' series and the kept series of exited ones, family by family. */
static char *exposition(const struct daemon *d, const char *living, size_t *len)
{
	const char **extras = calloc(d->retained.n + 1, sizeof(*extras));
	char *out = NULL;

	if (extras) {
		retained_expositions(&d->retained, extras);
		if (prom_merge(living, extras, d->retained.n, &out, len))
			out = NULL;
	}
	free(extras);
	return out;
}

/* Everything the daemon's metrics say now, as /metrics serves it; NULL when out of memory. */
static char *render_exposition(struct daemon *d, size_t *len)
{
	struct prom p;
	char *text = NULL;

	if (prom_init(&p))
		return NULL;
	session_metrics(&d->session, &p);
	own_metrics(d, &p);
	if (d->profiles)
		daemon_profiles_metrics(d->profiles, &p);
	text = exposition(d, prom_data(&p, len), len);
	prom_free(&p);
	return text;
}

/* Rendered here, in the main thread that owns the session, when a scrape asks (serve_metrics); the HTTP thread
 * copies the result. Nothing is rendered while nobody scrapes. */
static void render_metrics(struct daemon *d)
{
	size_t len;
	char *copy = render_exposition(d, &len);

	if (!copy)
		return;
	http_server_lock(d->http);
	free(d->metrics);
	d->metrics = copy;
	d->metrics_len = len;
	retained_published(&d->retained, d->scrapes);
	d->renders++;
	d->render_wanted = false;
	d->rendered_ns = monotonic_ns();
	http_server_notify(d->http);
	http_server_unlock(d->http);
}

/* The same exposition sent over OTLP, with the series of exited processes it carries marked as sent. */
static void export_metrics(struct daemon *d)
{
	size_t len;
	char *text;

	if (!d->otlp || !(d->cfg.otlp_signals & DAEMON_OTLP_METRICS) || !(text = render_exposition(d, &len)))
		return;
	otlp_export_metrics(d->otlp, text, len);
	retained_exported(&d->retained);
	free(text);
}

/* An exited process's series go once a scrape has served them, or after one profile interval without any. */
static void expire_retained(struct daemon *d, uint64_t now)
{
	uint64_t scrapes;

	http_server_lock(d->http);
	scrapes = d->scrapes;
	http_server_unlock(d->http);
	retained_expire(&d->retained, scrapes, d->cfg.profile_interval_ns, now);
}

/* A request that a render already answered (the one at start-up, say) is dropped: a render per scrape, not two. */
static int on_render_request(void *ctx)
{
	struct daemon *d = ctx;
	bool wanted;
	uint64_t n;

	if (read(d->render_request_fd, &n, sizeof(n)) != (ssize_t)sizeof(n))
		return 0;
	http_server_lock(d->http);
	wanted = d->render_wanted;
	d->render_wanted = false;	/* taken: a failed render does not leave later scrapes without one */
	http_server_unlock(d->http);
	if (wanted)
		render_metrics(d);
	return 0;
}

/* In the HTTP thread, its lock held: asks the main thread for a render and waits for it (the lock released). */
static void wait_for_render(struct daemon *d)
{
	uint64_t asked = d->renders, one = 1, start = monotonic_ns(), waited;

	if (!d->render_wanted && write(d->render_request_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		return;
	d->render_wanted = true;
	while (d->renders == asked && (waited = monotonic_ns() - start) < RENDER_WAIT_NS)
		if (http_server_wait(RENDER_WAIT_NS - waited) == -ETIMEDOUT)
			break;
}

static int serve_metrics(void *ctx, struct http_response *resp)
{
	struct daemon *d = ctx;

	if (!d->metrics || monotonic_ns() - d->rendered_ns > FRESH_NS)
		wait_for_render(d);
	d->scrapes++;
	resp->content_type = PROM_CONTENT_TYPE;
	resp->body = d->metrics ? malloc(d->metrics_len) : NULL;
	if (d->metrics && !resp->body)
		return -ENOMEM;
	if (resp->body)
		memcpy(resp->body, d->metrics, d->metrics_len);
	resp->body_len = d->metrics ? d->metrics_len : 0;
	return 0;
}

static int serve_health(void *ctx, struct http_response *resp)
{
	struct daemon *d = ctx;

	resp->body = NULL;
	if (asprintf(&resp->body, "ok: %zu Go processes traced\n", d->ntargets) < 0)
		return -ENOMEM;
	resp->body_len = strlen(resp->body);
	return 0;
}

/* ---- lifecycle ---- */

/* Serves /metrics and /healthz on listen; why says what failed. */
static int start_http(struct daemon *d, const char *listen, struct http_server **out, char *why, size_t size)
{
	static struct http_route routes[2];

	routes[0] = (struct http_route){ "/metrics", serve_metrics, d };
	routes[1] = (struct http_route){ "/healthz", serve_health, d };
	if (http_server_start(listen, routes, 2, out, why, size))
		return -EADDRNOTAVAIL;
	log_notice("serving /metrics and /healthz on %s", listen);
	return 0;
}

/* A reload to another listen address: the new server is up before the old one goes, so that a reload that
 * cannot serve where it is told is refused whole and the old server never stopped. An address that overlaps the
 * old one (":9465" after "127.0.0.1:9465") can only be bound once the old is closed: then the old is reopened if
 * the new one still fails. */
static int move_http(struct daemon *d, const char *listen, char *why, size_t size)
{
	struct http_server *next = NULL;
	char again[256];

	if (start_http(d, listen, &next, why, size) == 0) {
		http_server_stop(d->http);
		d->http = next;
		return 0;
	}
	http_server_stop(d->http);
	d->http = NULL;
	if (start_http(d, listen, &d->http, why, size) == 0)
		return 0;
	if (start_http(d, d->cfg.listen, &d->http, again, sizeof(again)))
		log_error("the previous address cannot be served again either, /metrics is off: %s", again);
	return -EADDRNOTAVAIL;
}

/* Outputs not running are started (the HTTP server may have been kept across a reload); each on its own, so that
 * one that cannot start leaves the others on. */
static int start_outputs(struct daemon *d)
{
	char why[512];
	int err = d->http ? 0 : start_http(d, d->cfg.listen, &d->http, why, sizeof(why));

	if (err)
		log_error("%s", why);
	if (d->cfg.otlp_endpoint && !d->otlp && otlp_exporter_open(d->cfg.otlp_endpoint, &d->otlp)) {
		log_error("OTLP export is off: out of memory");
		err = err ?: -ENOMEM;
	}
	d->retained.wait_for_export = d->otlp && (d->cfg.otlp_signals & DAEMON_OTLP_METRICS);
	d->next_otlp = monotonic_ns() + d->cfg.otlp_interval_ns;
	if (daemon_profiles_open(&d->cfg, d->session.bus,
				 d->cfg.otlp_signals & DAEMON_OTLP_PROFILES ? d->otlp : NULL, &d->profiles, why,
				 sizeof(why))) {
		log_error("%s", why);
		err = err ?: -EIO;
	}
	for (size_t i = 0; d->profiles && i < d->ntargets; i++)	/* after a reload: the processes traced all along */
		daemon_profiles_add_process(d->profiles, (uint32_t)d->targets[i]->tc->target.proc.pid,
					    &d->targets[i]->who);
	return err;
}

/* keep_http: a reload; the OTLP exporter is kept too unless the endpoint changes (its series' start times stay). */
static void stop_outputs(struct daemon *d, bool keep_http)
{
	daemon_profiles_close(d->profiles);
	d->profiles = NULL;
	if (keep_http)
		return;
	otlp_exporter_close(d->otlp);
	d->otlp = NULL;
	http_server_stop(d->http);
	d->http = NULL;
}

static int on_tick(void *ctx)
{
	struct daemon *d = ctx;
	uint64_t now = monotonic_ns();

	session_consume(&d->session);
	scan_if_due(d, now);
	if (now >= d->next_profiles) {
		daemon_profiles_flush(d->profiles);
		d->next_profiles = now + d->cfg.profile_interval_ns;
	}
	if (d->otlp && now >= d->next_otlp) {
		export_metrics(d);
		d->next_otlp = now + d->cfg.otlp_interval_ns;
	}
	daemon_profiles_flush_ended(d->profiles);
	expire_retained(d, now);
	if (d->watchdog_ns && now >= d->next_watchdog) {
		sd_notify_send("WATCHDOG=1");
		d->next_watchdog = now + d->watchdog_ns / 2;
	}
	return 0;
}

/* SIGHUP: the new configuration replaces the old one whole; a bad file keeps the old one running. */
static void reload(struct daemon *d, int argc, char **argv)
{
	struct daemon_config cfg = { 0 };
	char err[512];

	sd_notify_send("RELOADING=1");
	if (daemon_config_load(&cfg, argc, argv, true, err, sizeof(err))) {
		log_error("reload refused, the running configuration stays: %s", err);
		daemon_config_free(&cfg);
		sd_notify_send("READY=1");
		return;
	}
	/* Same address: keep serving, so that a scrape during the reload does not find the port closed. */
	if (strcmp(cfg.listen, d->cfg.listen) && move_http(d, cfg.listen, err, sizeof(err))) {
		log_error("reload refused, the running configuration stays: %s", err);
		daemon_config_free(&cfg);
		sd_notify_send("READY=1");
		return;
	}
	if (cfg.gc_from_probes != d->cfg.gc_from_probes || cfg.capabilities != d->cfg.capabilities) {
		log_warn("gc-source and capabilities take effect when the daemon restarts; until then what runs stays");
		cfg.gc_from_probes = d->cfg.gc_from_probes;	/* what runs, as the effective configuration says */
		cfg.capabilities = d->cfg.capabilities;
	}
	daemon_profiles_flush(d->profiles);
	stop_outputs(d, true);
	if (!cfg.otlp_endpoint || !d->cfg.otlp_endpoint || strcmp(cfg.otlp_endpoint, d->cfg.otlp_endpoint)) {
		export_metrics(d);	/* the last figures to the receiver that is left */
		otlp_exporter_close(d->otlp);
		d->otlp = NULL;
	}
	daemon_config_free(&d->cfg);
	d->cfg = cfg;
	log_verbosity = d->cfg.verbosity;
	if (start_outputs(d))
		log_error("after the reload some outputs are off (see above)");
	/* Rules may now exclude traced processes or admit new ones. */
	for (size_t i = d->ntargets; i-- > 0;) {
		struct facts_buf *b = malloc(sizeof(*b));
		char why[256];

		if (b && read_facts(d->targets[i]->tc->target.proc.pid, b) == 0 &&
		    !target_rules_allow(&d->cfg, &b->facts, why, sizeof(why)))
			drop_target(d, d->targets[i], "no longer allowed by the configuration", false);
		free(b);
	}
	d->next_scan = d->next_profiles = 0;
	log_notice("configuration reloaded%s%s", d->cfg.config_path ? " from " : "",
		   d->cfg.config_path ? d->cfg.config_path : "");
	sd_notify_send("READY=1");
}

static int load_config(struct daemon *d, int argc, char **argv)
{
	char err[512];

	if (daemon_config_load(&d->cfg, argc, argv, true, err, sizeof(err))) {
		log_error("%s", err);
		return EXIT_USAGE;
	}
	if (d->cfg.help) {
		fputs(daemon_config_help(), stdout);
		exit(EXIT_OK);
	}
	log_verbosity = d->cfg.verbosity;
	return 0;
}

static int start(struct daemon *d)
{
	struct capability_options opts = { .share_uprobes = true, .totals_only = true, .relaxed_polls = true,
					   .gc_source = d->cfg.gc_from_probes ? GC_FROM_PROBES : GC_FROM_MEMSTATS };
	char note[256];
	bool enabled[MAX_CAPS];
	int err;

	for (size_t i = 0; i < all_capabilities_count; i++)
		enabled[i] = d->cfg.capabilities & (1u << i);
	if ((err = loop_init(&d->loop)) || (err = session_open(&d->session, all_capabilities, enabled,
							     (int)all_capabilities_count, &d->loop, &d->sink, &opts)))
		return err;
	if (discovery_open(d->session.bus, on_process, d, &d->discovery, note, sizeof(note)))
		log_warn("%s", note);
	d->render_request_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->render_request_fd < 0)
		return -errno;
	if ((err = loop_add_fd(&d->loop, d->render_request_fd, on_render_request, d)) || (err = start_outputs(d)) ||
	    (err = loop_add_timer(&d->loop, TICK_NS, on_tick, d)))
		return err;
	d->watchdog_ns = sd_watchdog_ns();
	d->start_ns = monotonic_ns();
	d->next_profiles = d->start_ns + d->cfg.profile_interval_ns;
	scan(d);
	d->next_scan = d->start_ns + scan_period(d);
	render_metrics(d);
	sd_notify_send("READY=1");
	log_notice("gotrace daemon %s started: %zu Go processes traced", GOTRACE_VERSION, d->ntargets);
	return 0;
}

/* SIGTERM/SIGINT: the current profiles are flushed (what was gathered since the last interval), within the
 * budget systemd's stop timeout leaves: every process's, also of those that exited unnoticed (each symbolizer
 * read its process's map while it lived). */
static void shutdown_daemon(struct daemon *d)
{
	uint64_t t0 = monotonic_ns();

	sd_notify_send("STOPPING=1");
	daemon_profiles_flush(d->profiles);
	export_metrics(d);
	log_notice("stopping: profiles flushed and metrics queued in %.0f ms%s", (monotonic_ns() - t0) / 1e6,
		   monotonic_ns() - t0 > SHUTDOWN_BUDGET_NS ? " (over the 5 s budget)" : "");
}

/* Every link is released in one batch (their kernel-side waits overlap): nothing runs on after this, unlike the
 * detach of one process that exited, which stays synchronous. */
static void cleanup(struct daemon *d)
{
	struct link_release_stats st;

	link_release_begin();
	session_tearing_down(&d->session);
	while (d->ntargets)
		drop_target(d, d->targets[d->ntargets - 1], "tracing stopped", false);
	free(d->targets);
	stop_outputs(d, false);	/* no handler waits for a render after this */
	if (d->render_request_fd > 0)
		close(d->render_request_fd);
	discovery_close(d->discovery);
	session_close(&d->session);
	link_release_end(&st);
	log_info("detached %zu links in %.1f ms (the slowest alone %.1f ms)", st.links, st.elapsed_ns / 1e6,
		 st.slowest_ns / 1e6);
	loop_close(&d->loop);
	free(d->metrics);
	retained_free(&d->retained);
	service_counts_free(&d->oom_kills);
	daemon_config_free(&d->cfg);
}

int cmd_daemon(int argc, char **argv)
{
	struct daemon *d = calloc(1, sizeof(*d));
	enum loop_stop why;
	int err;

	if (!d)
		return EXIT_FAILURE_RUN;
	/* A fixed threshold: glibc otherwise raises it to the size of every large block freed (the kernel's symbol
	 * table being parsed, a profile flush), after which such blocks come from the heap, whose freed middle it
	 * never returns: a daemon that lives for months keeps its peak. Blocks of 1 MiB and more are mapped and
	 * returned on free; smaller ones (a scrape's text) are reused from the heap. Measured (bench/daemon): 2 MiB
	 * less at 50 processes and no more CPU (128 KiB: as little memory, a little more CPU faulting pages in). */
	mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
	log_json = true;
	d->out.out = stdout;
	d->sink = (struct output_sink){ .format = &output_log, .opts = &d->out, .out = d->out.out };
	err = load_config(d, argc, argv);
	if (err) {
		daemon_config_free(&d->cfg);
		free(d);
		return err;
	}
	log_setup_libbpf();
	err = start(d);
	while (!err) {
		why = loop_run(&d->loop);
		if (why == LOOP_SIGNAL && d->loop.last_signal == SIGHUP) {
			reload(d, argc, argv);
			continue;
		}
		if (why == LOOP_ERROR) {
			log_error("daemon failed: %s", strerror(-d->loop.last_error));
			err = d->loop.last_error;
		}
		break;
	}
	if (!err)
		shutdown_daemon(d);
	cleanup(d);
	free(d);
	return err ? EXIT_FAILURE_RUN : EXIT_OK;
}
