// SPDX-License-Identifier: GPL-2.0
/* RLIMIT_NOFILE and open descriptors from /proc: the parser on the kernel's own layout (and broken ones), and both
 * read for this test process against what it knows of itself (getrlimit, descriptors it opens). */
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sys/proc.h"
#include "unit.h"

static const char limits[] =
	"Limit                     Soft Limit           Hard Limit           Units     \n"
	"Max cpu time              unlimited            unlimited            seconds   \n"
	"Max open files            1024                 524288               files     \n"
	"Max locked memory         8388608              8388608              bytes     \n";

TEST(parses_the_kernels_layout)
{
	uint64_t soft, hard;

	CHECK(proc_parse_nofile_limit(limits, &soft, &hard) == 0);
	CHECK_EQ_U64(soft, 1024);
	CHECK_EQ_U64(hard, 524288);
	CHECK(proc_parse_nofile_limit("Max open files            unlimited            unlimited            files\n",
				      &soft, &hard) == 0);
	CHECK(soft == UINT64_MAX && hard == UINT64_MAX);
}

TEST(refuses_what_is_not_that_line)
{
	uint64_t soft, hard;

	CHECK(proc_parse_nofile_limit("", &soft, &hard) == -EINVAL);
	CHECK(proc_parse_nofile_limit("Max open files            x  1  files\n", &soft, &hard) == -EINVAL);
	CHECK(proc_parse_nofile_limit("Max open files            12\n", &soft, &hard) == -EINVAL);
	CHECK(proc_parse_nofile_limit("XMax open files  1 2 files\n", &soft, &hard) == -EINVAL);
	CHECK(proc_parse_nofile_limit("Max open files            99999999999999999999999 1 files\n", &soft,
				      &hard) == -EINVAL);
}

TEST(reads_this_process_as_it_knows_itself)
{
	struct rlimit rl;
	uint64_t soft, hard, before, after;
	int fds[5];

	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	CHECK(proc_nofile_limit(getpid(), &soft, &hard) == 0);
	CHECK_EQ_U64(soft, rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : rl.rlim_cur);
	CHECK_EQ_U64(hard, rl.rlim_max == RLIM_INFINITY ? UINT64_MAX : rl.rlim_max);
	CHECK(proc_count_fds(getpid(), &before) == 0);
	for (int i = 0; i < 5; i++)
		CHECK((fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
	CHECK(proc_count_fds(getpid(), &after) == 0);
	CHECK_EQ_U64(after, before + 5);
	for (int i = 0; i < 5; i++)
		close(fds[i]);
	CHECK(proc_count_fds(999999999, &after) == -ENOENT);
}
