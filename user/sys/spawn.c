// SPDX-License-Identifier: GPL-2.0
/* A traced child stops with SIGTRAP after a successful execve: at that moment /proc/PID/exe is the new program and
 * its executable is mapped, but none of its code has run. The exec error, if any, reaches the parent through a
 * close-on-exec pipe. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/spawn.h"

static void child(char *const argv[], int errpipe)
{
	int err;
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);	/* gotrace blocks SIGINT/SIGTERM for its signalfd */
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0)
		execvp(argv[0], argv);
	err = errno;
	if (write(errpipe, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

int spawn_stopped(char *const argv[], pid_t *pid)
{
	int pipefd[2], status, child_err = 0;
	ssize_t n;
	pid_t p;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	p = fork();
	if (p < 0)
		return -errno;
	if (p == 0)
		child(argv, pipefd[1]);
	close(pipefd[1]);
	n = read(pipefd[0], &child_err, sizeof(child_err));
	close(pipefd[0]);
	if (n == sizeof(child_err)) {
		waitpid(p, &status, 0);
		return -child_err;
	}
	if (waitpid(p, &status, 0) < 0)
		return -errno;
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP)
		return -ECHILD;
	*pid = p;
	return 0;
}

int spawn_release(pid_t pid)
{
	return ptrace(PTRACE_DETACH, pid, NULL, NULL) ? -errno : 0;
}

int spawn_reap(pid_t pid, int flags)
{
	int status;
	pid_t r = waitpid(pid, &status, flags);

	if (r <= 0)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}
