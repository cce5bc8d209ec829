// SPDX-License-Identifier: GPL-2.0
/* Records a live trace for `gotrace report` by running this binary (/proc/self/exe) as the trace and flame
 * commands at once, in process groups of their own: a Ctrl-C reaches them once, through us, and the command
 * started with -- (in ours) gets it as it would under `gotrace -- CMD`. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/event_loop.h"
#include "lib/log.h"
#include "report/report_live.h"
#include "sys/spawn.h"

/* The line both commands print on stderr once every probe is attached. */
#define READY_TEXT "Hit Ctrl-C to end."

struct live;

struct child {
	struct live *live;
	const char *what;		/* "trace", "flame" */
	pid_t pid;
	int errfd;			/* its stderr, -1 once it reached EOF */
	char buf[4096];
	size_t len;
	bool ready;
	int status;
};

struct live {
	const struct report_live_opts *o;
	struct child kids[2];
	int nkids;
	int pid;			/* the process recorded */
	pid_t cmd;
	bool released, failed, flame_tried;
	struct event_loop loop;
};

/* In the child: stdout to `out` (NULL: /dev/null), stderr to the pipe, signals as a fresh process has them. */
static void exec_child(char **argv, const char *out, int errfd)
{
	int fd = open(out ? out : "/dev/null", O_WRONLY | O_CLOEXEC | (out ? O_CREAT | O_TRUNC : 0), 0666);
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);	/* no tracer outlives the report command */
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(errfd, STDERR_FILENO) < 0) {
		dprintf(errfd, "gotrace: cannot open %s: %s\n", out ? out : "/dev/null", strerror(errno));
		_exit(EXIT_FAILURE_RUN);
	}
	execv("/proc/self/exe", argv);
	dprintf(STDERR_FILENO, "gotrace: cannot run /proc/self/exe: %s\n", strerror(errno));
	_exit(EXIT_FAILURE_RUN);
}

static int start_child(struct live *l, const char *what, char **argv, const char *out)
{
	struct child *c = &l->kids[l->nkids];
	int p[2];

	*c = (struct child){ .live = l, .what = what, .errfd = -1, .status = -1 };
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	c->pid = fork();
	if (c->pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (c->pid == 0)
		exec_child(argv, out, p[1]);
	close(p[1]);
	c->errfd = p[0];
	l->nkids++;
	return 0;
}

/* Passes complete lines on (two children writing at once never mix within a line) and notes readiness. */
static void forward_lines(struct child *c, bool all)
{
	char *start = c->buf, *nl;

	while ((nl = memchr(start, '\n', c->buf + c->len - start))) {
		if (memmem(start, nl - start, READY_TEXT, strlen(READY_TEXT)))
			c->ready = true;
		fwrite(start, 1, nl + 1 - start, stderr);
		start = nl + 1;
	}
	c->len -= start - c->buf;
	memmove(c->buf, start, c->len);
	if (all || c->len == sizeof(c->buf)) {
		fwrite(c->buf, 1, c->len, stderr);
		c->len = 0;
	}
	fflush(stderr);
}

static void signal_kids(struct live *l, int sig)
{
	for (int i = 0; i < l->nkids; i++)
		if (l->kids[i].errfd >= 0)
			kill(l->kids[i].pid, sig);
}

static int start_flame(struct live *l);

/* The trace starts first and the profile once the trace is attached: when the trace cannot attach (no such
 * process, not Go), its message is the only one and nothing else runs. The command runs once both are attached,
 * or once the trace is and the profile failed: the profile is an extra. */
static void check_start(struct live *l)
{
	struct child *trace = &l->kids[0], *flame = l->nkids > 1 ? &l->kids[1] : NULL;
	int err;

	if (l->failed)
		return;
	if (trace->errfd < 0 && !trace->ready) {
		l->failed = true;
		signal_kids(l, SIGINT);
		if (l->cmd && !l->released)
			kill(l->cmd, SIGKILL);
		return;
	}
	if (!trace->ready)
		return;
	if (l->o->flame && !l->flame_tried) {
		l->flame_tried = true;
		if (!(err = start_flame(l)))
			return;	/* back here when it is attached */
		log_warn("no CPU profile: cannot start gotrace flame: %s", strerror(-err));
	}
	if (flame && flame->errfd >= 0 && !flame->ready)
		return;
	if (l->cmd && !l->released) {
		l->released = true;
		if ((err = spawn_release(l->cmd)))
			log_warn("cannot let '%s' run: %s", l->o->cmd[0], strerror(-err));
	}
}

/* A child's stderr reached EOF: it is exiting; reap it. 1 once every child has. */
static int child_done(struct live *l, struct child *c)
{
	int status;

	forward_lines(c, true);
	close(c->errfd);	/* also takes it out of the loop's epoll set */
	c->errfd = -1;
	if (waitpid(c->pid, &status, 0) == c->pid)
		c->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	check_start(l);
	for (int i = 0; i < l->nkids; i++)
		if (l->kids[i].errfd >= 0)
			return 0;
	return 1;
}

static int on_stderr(void *ctx)
{
	struct child *c = ctx;
	ssize_t n = read(c->errfd, c->buf + c->len, sizeof(c->buf) - c->len);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : child_done(c->live, c);
	if (n == 0)
		return child_done(c->live, c);
	c->len += n;
	forward_lines(c, false);
	check_start(c->live);
	return 0;
}

/* argv of `gotrace [flame] -p PID [-d DUR] ...`, in buf (strings) and args (pointers). */
struct argv_buf {
	char *args[16];
	char pid[16], dur[32];
	int n;
};

static void arg(struct argv_buf *a, char *s)
{
	a->args[a->n++] = s;
	a->args[a->n] = NULL;
}

static void common_args(struct argv_buf *a, const struct report_live_opts *o, int pid)
{
	snprintf(a->pid, sizeof(a->pid), "%d", pid);
	arg(a, "-p");
	arg(a, a->pid);
	if (o->duration_ns) {
		snprintf(a->dur, sizeof(a->dur), "%lluns", (unsigned long long)o->duration_ns);
		arg(a, "-d");
		arg(a, a->dur);
	}
	for (int i = 0; i < o->verbosity && i < 2; i++)
		arg(a, "-v");
}

static int start_watched(struct live *l, const char *what, char **argv, const char *out)
{
	int err = start_child(l, what, argv, out);

	if (!err && (err = loop_add_fd(&l->loop, l->kids[l->nkids - 1].errfd, on_stderr, &l->kids[l->nkids - 1])))
		kill(l->kids[l->nkids - 1].pid, SIGKILL);
	return err;
}

static int start_trace(struct live *l)
{
	struct argv_buf a = { .n = 0 };

	arg(&a, "gotrace");
	arg(&a, "-j");
	common_args(&a, l->o, l->pid);
	arg(&a, "1");	/* an interval object per second: the heatmaps' columns */
	return start_watched(l, "trace", a.args, l->o->trace_path);
}

static int start_flame(struct live *l)
{
	struct argv_buf a = { .n = 0 };

	arg(&a, "gotrace");
	arg(&a, "flame");
	common_args(&a, l->o, l->pid);
	arg(&a, "-o");
	arg(&a, (char *)l->o->folded_path);
	return start_watched(l, "flame", a.args, NULL);
}

/* Until every child has exited; Ctrl-C and SIGTERM are passed on: each child stops, writes what it has, exits. */
static int watch(struct live *l)
{
	enum loop_stop why;

	while ((why = loop_run(&l->loop)) != LOOP_TARGET_EXITED) {
		if (why == LOOP_SIGNAL)
			signal_kids(l, SIGINT);
		else if (why == LOOP_ERROR)
			return l->loop.last_error;
	}
	return 0;
}

static void wait_all(struct live *l, struct report_live_result *res)
{
	for (int i = 0; i < l->nkids; i++) {
		struct child *c = &l->kids[i];

		if (c->errfd >= 0) {	/* the loop failed: stop it the hard way */
			kill(c->pid, SIGKILL);
			child_done(l, c);
		}
		if (!strcmp(c->what, "trace"))
			res->trace_status = c->status;
		else
			res->flame_status = c->status;
	}
	if (l->cmd && !l->released) {
		kill(l->cmd, SIGKILL);
		spawn_reap(l->cmd, 0);
	} else if (l->cmd) {
		res->cmd_running = spawn_reap(l->cmd, WNOHANG) < 0;
	}
}

int report_live_run(const struct report_live_opts *o, struct report_live_result *res)
{
	struct live l = { .o = o, .pid = o->pid };
	int err;

	*res = (struct report_live_result){ .pid = o->pid, .trace_status = -1, .flame_status = -1 };
	if ((err = loop_init(&l.loop))) {
		log_error("cannot set up signal handling: %s", strerror(-err));
		return err;
	}
	if (o->cmd) {
		if ((err = spawn_stopped(o->cmd, &l.cmd))) {
			log_error("cannot run '%s': %s", o->cmd[0], strerror(-err));
			loop_close(&l.loop);
			return err;
		}
		l.pid = res->pid = l.cmd;
	}
	if ((err = start_trace(&l)))
		log_error("cannot start gotrace's trace command: %s", strerror(-err));
	if (!err && (err = watch(&l)))
		log_error("recording failed: %s", strerror(-err));
	wait_all(&l, res);
	loop_close(&l.loop);
	return err;
}
