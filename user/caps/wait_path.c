// SPDX-License-Identifier: GPL-2.0
/* Names of Go runtime functions -> the path that waited. The names come from the Go runtime sources of 1.19 to
 * 1.26 (proc.go, lock_futex.go, lock_spinbit.go, netpoll_epoll.go, sigqueue.go); a name a version does not
 * have simply never matches. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "caps/wait_path.h"

/* Between the syscall and the function that decided to wait: they say nothing about why. */
static const char *const looked_through[] = {
	"runtime.futex", "runtime.futexsleep", "runtime.futexwakeup", "runtime.notesleep", "runtime.notetsleep",
	"runtime.notetsleep_internal", "runtime.notetsleepg", "runtime.notewakeup", "runtime.systemstack",
	"runtime.systemstack_switch", "runtime.mcall", "runtime.epollwait", "runtime.entersyscallblock",
	"runtime.netpoll",	/* epoll: who polled (the idle scheduler, sysmon, startTheWorld) is the path */
};

/* Package prefixes of the generic syscall wrappers (Go 1.26 has internal/runtime/syscall/linux). */
static const char *const looked_through_prefixes[] = {
	"syscall.", "runtime/internal/syscall", "internal/runtime/syscall", "golang.org/x/sys/unix.",
};

struct path_func {
	const char *name;
	enum wait_path path;
};

static const struct path_func deciding[] = {
	/* runtime locks first: a lock taken inside sysmon or the scheduler is a lock wait */
	{ "runtime.lock2", WAIT_PATH_RUNTIME_LOCK },
	{ "runtime.unlock2", WAIT_PATH_RUNTIME_LOCK },
	{ "runtime.semasleep", WAIT_PATH_RUNTIME_LOCK },
	{ "runtime.semawakeup", WAIT_PATH_RUNTIME_LOCK },
	{ "runtime.lock", WAIT_PATH_RUNTIME_LOCK },
	{ "runtime.unlock", WAIT_PATH_RUNTIME_LOCK },
	{ "runtime.lockWithRank", WAIT_PATH_RUNTIME_LOCK },
	{ "runtime.unlockWithRank", WAIT_PATH_RUNTIME_LOCK },
	{ "runtime.stopTheWorldWithSema", WAIT_PATH_STW },
	{ "runtime.startTheWorldWithSema", WAIT_PATH_STW },
	{ "runtime.stopTheWorld", WAIT_PATH_STW },
	{ "runtime.stopTheWorldGC", WAIT_PATH_STW },
	{ "runtime.startTheWorld", WAIT_PATH_STW },
	{ "runtime.startTheWorldGC", WAIT_PATH_STW },
	{ "runtime.forEachP", WAIT_PATH_STW },
	{ "runtime.forEachPInternal", WAIT_PATH_STW },
	{ "runtime.runSafePointFn", WAIT_PATH_STW },	/* the last P through forEachP's barrier wakes it */
	{ "runtime.gcstopm", WAIT_PATH_STW },
	{ "runtime.entersyscall_gcwait", WAIT_PATH_STW },
	{ "runtime.sysmon", WAIT_PATH_SYSMON },
	{ "runtime.mPark", WAIT_PATH_M_PARK },
	{ "runtime.stopm", WAIT_PATH_M_PARK },
	{ "runtime.startm", WAIT_PATH_M_PARK },
	{ "runtime.wakep", WAIT_PATH_M_PARK },
	{ "runtime.stoplockedm", WAIT_PATH_M_PARK },
	{ "runtime.startlockedm", WAIT_PATH_M_PARK },
	{ "runtime.handoffp", WAIT_PATH_M_PARK },
	{ "runtime.templateThread", WAIT_PATH_M_PARK },
	{ "runtime.startTemplateThread", WAIT_PATH_M_PARK },
	{ "runtime.newm", WAIT_PATH_M_PARK },
	{ "runtime.mexit", WAIT_PATH_M_PARK },
	{ "runtime.injectglist", WAIT_PATH_M_PARK },
	{ "runtime.exitsyscall0", WAIT_PATH_M_PARK },
	{ "runtime.findrunnable", WAIT_PATH_M_PARK },
	{ "runtime.findRunnable", WAIT_PATH_M_PARK },
	{ "runtime.schedule", WAIT_PATH_M_PARK },
};

static const char *const names[WAIT_PATHS] = {
	[WAIT_PATH_UNKNOWN] = "unknown",	   [WAIT_PATH_M_PARK] = "m_park",
	[WAIT_PATH_STW] = "stw",		   [WAIT_PATH_RUNTIME_LOCK] = "runtime_lock",
	[WAIT_PATH_SYSMON] = "sysmon",		   [WAIT_PATH_RUNTIME] = "runtime_other",	   [WAIT_PATH_USER_GO] = "user_go",
	[WAIT_PATH_CGO] = "cgo",
};

static const char *const labels[WAIT_PATHS] = {
	[WAIT_PATH_UNKNOWN] = "unknown",	   [WAIT_PATH_M_PARK] = "M parking",
	[WAIT_PATH_STW] = "STW/safe-point handshake",	   [WAIT_PATH_RUNTIME_LOCK] = "runtime lock",
	[WAIT_PATH_SYSMON] = "sysmon",		   [WAIT_PATH_RUNTIME] = "other runtime",	   [WAIT_PATH_USER_GO] = "Go code",
	[WAIT_PATH_CGO] = "cgo/C code",
};

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_looked_through(const char *f)
{
	for (size_t i = 0; i < sizeof(looked_through) / sizeof(looked_through[0]); i++)
		if (strcmp(f, looked_through[i]) == 0)
			return true;
	for (size_t i = 0; i < sizeof(looked_through_prefixes) / sizeof(looked_through_prefixes[0]); i++)
		if (starts_with(f, looked_through_prefixes[i]))
			return true;
	return false;
}

static enum wait_path deciding_path(const char *f)
{
	for (size_t i = 0; i < sizeof(deciding) / sizeof(deciding[0]); i++)
		if (strcmp(f, deciding[i].name) == 0)
			return deciding[i].path;
	return WAIT_PATH_UNKNOWN;
}

/* Runtime code, including the functions it defines for other packages under their names (go:linkname):
 * sync.runtime_Semacquire, os/signal.signal_recv. */
static bool is_runtime(const char *f)
{
	return starts_with(f, "runtime.") || starts_with(f, "runtime/") || starts_with(f, "internal/runtime/") ||
	       strstr(f, ".runtime_") || strcmp(f, "os/signal.signal_recv") == 0;
}

enum wait_path wait_path_classify(const char *const *funcs, int n)
{
	bool saw_runtime = false;

	for (int i = 0; i < n; i++) {
		const char *f = funcs[i];
		enum wait_path p;

		if (!f) {
			if (i == 0)
				return WAIT_PATH_CGO;
			break;	/* past C code the frame-pointer chain cannot be trusted */
		}
		if (is_looked_through(f))
			continue;
		p = deciding_path(f);
		if (p != WAIT_PATH_UNKNOWN)
			return p;
		if (!is_runtime(f))
			return saw_runtime ? WAIT_PATH_RUNTIME : WAIT_PATH_USER_GO;
		saw_runtime = true;
	}
	return saw_runtime ? WAIT_PATH_RUNTIME : WAIT_PATH_UNKNOWN;
}

const char *wait_path_name(enum wait_path p)
{
	return (unsigned int)p < WAIT_PATHS ? names[p] : "unknown";
}

const char *wait_path_label(enum wait_path p)
{
	return (unsigned int)p < WAIT_PATHS ? labels[p] : "unknown";
}

/* linux/futex.h, by command number. */
static const char *const futex_cmds[WAITS_FUTEX_CMDS] = {
	"FUTEX_WAIT",	     "FUTEX_WAKE",	  "FUTEX_FD",		   "FUTEX_REQUEUE",
	"FUTEX_CMP_REQUEUE", "FUTEX_WAKE_OP",	  "FUTEX_LOCK_PI",	   "FUTEX_UNLOCK_PI",
	"FUTEX_TRYLOCK_PI",  "FUTEX_WAIT_BITSET", "FUTEX_WAKE_BITSET",	   "FUTEX_WAIT_REQUEUE_PI",
	"FUTEX_CMP_REQUEUE_PI", "FUTEX_LOCK_PI2", "FUTEX_14",		   "FUTEX_OTHER",
};

static const char *const epoll_syscalls[WAITS_EPOLL_SYSCALLS] = { "epoll_wait", "epoll_pwait", "epoll_pwait2" };

bool wait_kind_is_futex(unsigned int kind)
{
	return kind < WAITS_KIND_EPOLL_BASE;
}

bool wait_kind_is_futex_wait(unsigned int kind)
{
	unsigned int cmd = kind / 2;

	/* FUTEX_WAIT, FUTEX_LOCK_PI, FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_LOCK_PI2 */
	return wait_kind_is_futex(kind) && (cmd == 0 || cmd == 6 || cmd == 9 || cmd == 11 || cmd == 13);
}

bool wait_kind_can_block(unsigned int kind)
{
	return !wait_kind_is_futex(kind) && kind < WAITS_KINDS && (kind - WAITS_KIND_EPOLL_BASE) % 2 == 0;
}

enum waits_epoll_syscall wait_kind_epoll_syscall(unsigned int kind)
{
	return (enum waits_epoll_syscall)((kind - WAITS_KIND_EPOLL_BASE) / 2);
}

const char *wait_epoll_syscall_name(enum waits_epoll_syscall sys)
{
	return (unsigned int)sys < WAITS_EPOLL_SYSCALLS ? epoll_syscalls[sys] : "epoll_unknown";
}

const char *wait_kind_name(unsigned int kind, char *buf, size_t size)
{
	if (kind >= WAITS_KINDS)
		snprintf(buf, size, "kind %u", kind);
	else if (wait_kind_is_futex(kind))
		snprintf(buf, size, "%s%s", futex_cmds[kind / 2], kind % 2 ? "_PRIVATE" : "");
	else
		snprintf(buf, size, "%s%s", wait_epoll_syscall_name(wait_kind_epoll_syscall(kind)),
			 wait_kind_can_block(kind) ? "" : " poll");
	return buf;
}

/* The kernel's restart codes (ERESTARTSYS 512 .. ERESTART_RESTARTBLOCK 516) reach sys_exit before the signal
 * handler runs; the call is then restarted. */
static bool is_interrupted(int64_t ret)
{
	return ret == -EINTR || (ret <= -512 && ret >= -516);
}

const char *wait_result_name(unsigned int kind, int64_t ret)
{
	if (ret < 0)
		return ret == -ETIMEDOUT ? "timeout" : ret == -EAGAIN ? "again" : is_interrupted(ret) ? "interrupted"
											    : "error";
	if (wait_kind_is_futex(kind))
		return wait_kind_is_futex_wait(kind) ? "woken" : "woke";
	if (ret > 0)
		return "events";
	return wait_kind_can_block(kind) ? "timeout" : "empty";
}
