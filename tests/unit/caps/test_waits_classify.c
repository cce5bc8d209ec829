// SPDX-License-Identifier: GPL-2.0
/* The waits capability's pure parts: which runtime path a stack's function names point to (stacks shaped like
 * the ones seen at futex and epoll calls of Go 1.19 and 1.26 programs), the names of futex and epoll kinds and
 * of their results, and that the runtime functions the classifier keys on exist in every toolchain's binaries. */
#include <errno.h>
#include <string.h>

#include "gobin/go_binary.h"
#include "unit.h"
#include "caps/wait_path.h"

#define CLASSIFY(...)                                                                          \
	({                                                                                     \
		const char *const _f[] = { __VA_ARGS__ };                                      \
		wait_path_classify(_f, (int)(sizeof(_f) / sizeof(_f[0])));                     \
	})

TEST(idle_thread_parking_is_m_park)
{
	/* the frame-pointer unwinder skips runtime.futexsleep (runtime.futex has no frame of its own) */
	CHECK(CLASSIFY("runtime.futex", "runtime.notesleep", "runtime.mPark", "runtime.stopm", "runtime.findRunnable",
		       "runtime.schedule", "runtime.park_m", "runtime.mcall", "time.Sleep", "main.allocate") ==
	      WAIT_PATH_M_PARK);
	CHECK(CLASSIFY("runtime.futex", "runtime.notewakeup", "runtime.startm", "runtime.wakep", "runtime.ready") ==
	      WAIT_PATH_M_PARK);
	CHECK(CLASSIFY("runtime.futex", "runtime.notesleep", "runtime.mPark", "runtime.stoplockedm") ==
	      WAIT_PATH_M_PARK);
	/* the M parks as part of a GC stop: the innermost deciding frame is mPark */
	CHECK(CLASSIFY("runtime.futex", "runtime.notesleep", "runtime.mPark", "runtime.stopm", "runtime.gcstopm") ==
	      WAIT_PATH_M_PARK);
}

TEST(stop_the_world_and_safe_points_are_stw)
{
	CHECK(CLASSIFY("runtime.futex", "runtime.notetsleep_internal", "runtime.notetsleep",
		       "runtime.stopTheWorldWithSema", "runtime.systemstack", "runtime.mallocgc") == WAIT_PATH_STW);
	CHECK(CLASSIFY("runtime.futex", "runtime.notetsleep_internal", "runtime.notetsleep", "runtime.forEachP",
		       "runtime.gcMarkDone.func1") == WAIT_PATH_STW);
	CHECK(CLASSIFY("runtime.futex", "runtime.notetsleep", "runtime.forEachPInternal", "runtime.forEachP") ==
	      WAIT_PATH_STW);
	CHECK(CLASSIFY("runtime.futex", "runtime.notewakeup", "runtime.runSafePointFn", "runtime.findRunnable") ==
	      WAIT_PATH_STW);
	CHECK(CLASSIFY("runtime.futex", "runtime.notewakeup", "runtime.gcstopm", "runtime.findRunnable") ==
	      WAIT_PATH_STW);
}

TEST(runtime_locks_win_over_the_path_that_took_them)
{
	CHECK(CLASSIFY("runtime.futex", "runtime.lock2", "runtime.lockWithRank", "runtime.lock", "runtime.sysmon") ==
	      WAIT_PATH_RUNTIME_LOCK);
	CHECK(CLASSIFY("runtime.futex", "runtime.unlock2", "runtime.unlockWithRank", "runtime.unlock",
		       "runtime.forEachP") == WAIT_PATH_RUNTIME_LOCK);
	/* Go 1.24+: the spinbit mutex sleeps on the M's semaphore */
	CHECK(CLASSIFY("runtime.futex", "runtime.semasleep", "runtime.lock2", "runtime.findRunnable") ==
	      WAIT_PATH_RUNTIME_LOCK);
}

TEST(sysmon_sleep_is_sysmon)
{
	CHECK(CLASSIFY("runtime.futex", "runtime.notetsleep_internal", "runtime.notetsleep", "runtime.sysmon",
		       "runtime.mstart1", "runtime.mstart0", "runtime.mstart") == WAIT_PATH_SYSMON);
}

TEST(epoll_path_is_who_polled)
{
	/* Go 1.19: runtime.epollwait is frameless assembly, so runtime.netpoll itself is skipped */
	CHECK(CLASSIFY("runtime.epollwait", "runtime.findRunnable", "runtime.schedule") == WAIT_PATH_M_PARK);
	CHECK(CLASSIFY("runtime.epollwait", "runtime.sysmon", "runtime.mstart1") == WAIT_PATH_SYSMON);
	CHECK(CLASSIFY("runtime.epollwait", "runtime.startTheWorldWithSema", "runtime.gcStart.func2") ==
	      WAIT_PATH_STW);
	/* newer Go: a Go wrapper with a frame, and netpoll in the stack */
	CHECK(CLASSIFY("internal/runtime/syscall/linux.Syscall6", "internal/runtime/syscall/linux.EpollWait",
		       "runtime.netpoll", "runtime.findRunnable") == WAIT_PATH_M_PARK);
}

TEST(go_code_outside_the_runtime_is_user_go)
{
	CHECK(CLASSIFY("syscall.Syscall6", "main.run", "main.main", "runtime.main") == WAIT_PATH_USER_GO);
	CHECK(CLASSIFY("internal/runtime/syscall/linux.Syscall6", "syscall.Syscall6", "main.rawFutexWaits") ==
	      WAIT_PATH_USER_GO);
	CHECK(CLASSIFY("runtime/internal/syscall.Syscall6", "syscall.RawSyscall6", "syscall.Syscall6",
		       "golang.org/x/sys/unix.Syscall6", "example.com/lib.(*Sem).Wait") == WAIT_PATH_USER_GO);
}

TEST(c_code_is_cgo)
{
	CHECK(CLASSIFY(NULL, NULL, "runtime.asmcgocall", "main._Cfunc_timed_waits") == WAIT_PATH_CGO);
	CHECK(CLASSIFY(NULL) == WAIT_PATH_CGO);
}

TEST(other_runtime_paths)
{
	/* os/signal's receiver is runtime code under another package's name */
	CHECK(CLASSIFY("runtime.futex", "runtime.notetsleep_internal", "runtime.notetsleepg", "os/signal.signal_recv",
		       "os/signal.loop") == WAIT_PATH_RUNTIME);
	/* a runtime function the table does not know, then user code: the runtime waited on its behalf */
	CHECK(CLASSIFY("runtime.futex", "runtime.someNewWaiter", "main.main") == WAIT_PATH_RUNTIME);
	CHECK(CLASSIFY("runtime.futex", "runtime.someNewWaiter") == WAIT_PATH_RUNTIME);
	CHECK(CLASSIFY("runtime.futex", "sync.runtime_Semacquire", "main.main") == WAIT_PATH_RUNTIME);
}

TEST(nothing_to_go_on_is_unknown)
{
	CHECK(wait_path_classify(NULL, 0) == WAIT_PATH_UNKNOWN);
	CHECK(CLASSIFY("runtime.futex", "runtime.futexsleep", "runtime.notesleep") == WAIT_PATH_UNKNOWN);
	/* past a C frame the frame-pointer chain is not trusted: what follows must not decide */
	CHECK(CLASSIFY("runtime.futex", NULL, "runtime.sysmon") == WAIT_PATH_UNKNOWN);
	CHECK(CLASSIFY("runtime.futex", "runtime.someNewWaiter", NULL, "main.main") == WAIT_PATH_RUNTIME);
}

TEST(path_names_are_distinct)
{
	for (int a = 0; a < WAIT_PATHS; a++) {
		CHECK(wait_path_name(a)[0] && wait_path_label(a)[0]);
		for (int b = a + 1; b < WAIT_PATHS; b++) {
			CHECK(strcmp(wait_path_name(a), wait_path_name(b)) != 0);
			CHECK(strcmp(wait_path_label(a), wait_path_label(b)) != 0);
		}
	}
	CHECK_STR(wait_path_name(WAIT_PATH_M_PARK), "m_park");
	CHECK_STR(wait_path_name(WAIT_PATH_CGO), "cgo");
	CHECK_STR(wait_path_name(WAIT_PATHS), "unknown");
	CHECK_STR(wait_path_name(-1), "unknown");
}

TEST(kind_names_follow_linux_futex_h)
{
	char buf[48];

	CHECK_STR(wait_kind_name(WAITS_KIND_FUTEX(0, 1), buf, sizeof(buf)), "FUTEX_WAIT_PRIVATE");
	CHECK_STR(wait_kind_name(WAITS_KIND_FUTEX(1, 1), buf, sizeof(buf)), "FUTEX_WAKE_PRIVATE");
	CHECK_STR(wait_kind_name(WAITS_KIND_FUTEX(0, 0), buf, sizeof(buf)), "FUTEX_WAIT");
	CHECK_STR(wait_kind_name(WAITS_KIND_FUTEX(9, 1), buf, sizeof(buf)), "FUTEX_WAIT_BITSET_PRIVATE");
	CHECK_STR(wait_kind_name(WAITS_KIND_FUTEX(5, 0), buf, sizeof(buf)), "FUTEX_WAKE_OP");
	CHECK_STR(wait_kind_name(WAITS_KIND_FUTEX(13, 1), buf, sizeof(buf)), "FUTEX_LOCK_PI2_PRIVATE");
	CHECK_STR(wait_kind_name(WAITS_KIND_FUTEX(WAITS_FUTEX_CMD_OTHER, 0), buf, sizeof(buf)), "FUTEX_OTHER");
	CHECK_STR(wait_kind_name(WAITS_KIND_EPOLL(WAITS_EPOLL_PWAIT, 0), buf, sizeof(buf)), "epoll_pwait");
	CHECK_STR(wait_kind_name(WAITS_KIND_EPOLL(WAITS_EPOLL_PWAIT, 1), buf, sizeof(buf)), "epoll_pwait poll");
	CHECK_STR(wait_kind_name(WAITS_KIND_EPOLL(WAITS_EPOLL_WAIT, 0), buf, sizeof(buf)), "epoll_wait");
	CHECK_STR(wait_kind_name(WAITS_KIND_EPOLL(WAITS_EPOLL_PWAIT2, 1), buf, sizeof(buf)), "epoll_pwait2 poll");
	CHECK_STR(wait_kind_name(WAITS_KINDS, buf, sizeof(buf)), "kind 38");
}

TEST(kinds_that_sleep_and_kinds_that_block)
{
	/* FUTEX_WAIT, LOCK_PI, WAIT_BITSET, WAIT_REQUEUE_PI and LOCK_PI2 put the caller to sleep */
	static const bool sleeps[WAITS_FUTEX_CMDS] = { [0] = true, [6] = true, [9] = true, [11] = true, [13] = true };

	for (unsigned int cmd = 0; cmd < WAITS_FUTEX_CMDS; cmd++)
		for (unsigned int priv = 0; priv < 2; priv++) {
			unsigned int kind = WAITS_KIND_FUTEX(cmd, priv);

			CHECK(wait_kind_is_futex(kind));
			CHECK(wait_kind_is_futex_wait(kind) == sleeps[cmd]);
			CHECK(!wait_kind_can_block(kind));
		}
	for (unsigned int sys = 0; sys < WAITS_EPOLL_SYSCALLS; sys++) {
		CHECK(!wait_kind_is_futex(WAITS_KIND_EPOLL(sys, 0)));
		CHECK(!wait_kind_is_futex_wait(WAITS_KIND_EPOLL(sys, 0)));
		CHECK(wait_kind_can_block(WAITS_KIND_EPOLL(sys, 0)));
		CHECK(!wait_kind_can_block(WAITS_KIND_EPOLL(sys, 1)));
		CHECK(wait_kind_epoll_syscall(WAITS_KIND_EPOLL(sys, 1)) == sys);
	}
	CHECK(!wait_kind_can_block(WAITS_KINDS));
}

TEST(results_from_return_values)
{
	unsigned int wait = WAITS_KIND_FUTEX(0, 1), wake = WAITS_KIND_FUTEX(1, 1);
	unsigned int epoll = WAITS_KIND_EPOLL(WAITS_EPOLL_PWAIT, 0), poll = WAITS_KIND_EPOLL(WAITS_EPOLL_PWAIT, 1);

	CHECK_STR(wait_result_name(wait, 0), "woken");
	CHECK_STR(wait_result_name(wait, -ETIMEDOUT), "timeout");
	CHECK_STR(wait_result_name(wait, -EAGAIN), "again");
	CHECK_STR(wait_result_name(wait, -EINTR), "interrupted");
	CHECK_STR(wait_result_name(wait, -512), "interrupted");	/* ERESTARTSYS */
	CHECK_STR(wait_result_name(wait, -516), "interrupted");	/* ERESTART_RESTARTBLOCK */
	CHECK_STR(wait_result_name(wait, -517), "error");
	CHECK_STR(wait_result_name(wait, -EINVAL), "error");
	CHECK_STR(wait_result_name(wake, 0), "woke");
	CHECK_STR(wait_result_name(wake, 3), "woke");
	CHECK_STR(wait_result_name(epoll, 0), "timeout");
	CHECK_STR(wait_result_name(poll, 0), "empty");
	CHECK_STR(wait_result_name(epoll, 7), "events");
	CHECK_STR(wait_result_name(poll, -EINTR), "interrupted");
	CHECK_STR(wait_result_name(epoll, -EBADF), "error");
}

/* The functions the classifier keys on are in every toolchain's runtime, stripped binaries included: a
 * renamed one would silently turn its waits into "other runtime". */
static void check_names_in_binary(const struct unit_fixture *f, void *ctx)
{
	static const char *const every_version[] = {
		"runtime.futex", "runtime.notesleep", "runtime.notetsleep", "runtime.notewakeup", "runtime.stopm",
		"runtime.startm", "runtime.wakep", "runtime.sysmon", "runtime.lock2", "runtime.unlock2",
		"runtime.stopTheWorldWithSema", "runtime.startTheWorldWithSema", "runtime.runSafePointFn",
		"runtime.gcstopm", "runtime.findRunnable", "runtime.netpoll",
	};
	struct go_binary *gb;
	struct go_func fn;
	int *checked = ctx;

	if (strcmp(f->program, "idle") || (strcmp(f->variant, "default") && strcmp(f->variant, "stripped")))
		return;
	if (go_binary_open(f->path, &gb)) {
		CHECK(!"fixture opens");
		return;
	}
	CHECK(gb->pclntab != NULL);
	for (size_t i = 0; gb->pclntab && i < sizeof(every_version) / sizeof(every_version[0]); i++) {
		int err = pclntab_find_func(gb->pclntab, every_version[i], &fn);

		if (err)
			fprintf(stderr, "    %s %s: %s missing\n", f->goversion, f->variant, every_version[i]);
		CHECK(err == 0);
	}
	/* Go 1.19 has runtime.forEachP, Go 1.26 binaries runtime.forEachPInternal */
	CHECK(gb->pclntab && (pclntab_find_func(gb->pclntab, "runtime.forEachP", &fn) == 0 ||
			      pclntab_find_func(gb->pclntab, "runtime.forEachPInternal", &fn) == 0));
	go_binary_close(gb);
	(*checked)++;
}

TEST(classifier_names_exist_in_every_toolchain)
{
	int checked = 0;

	CHECK(unit_manifest(check_names_in_binary, &checked) > 0);
	CHECK(checked >= 2);
}
