// SPDX-License-Identifier: GPL-2.0
/* The batch a stack source reads into: every stack kept as given, its PCs and names copied, and the processes
 * listed once each with the sum of their counts. */
#include <errno.h>
#include <string.h>

#include "unit.h"
#include "profile/stack_batch.h"

TEST(stacks_are_copied_and_read_back_as_given)
{
	struct stack_batch *b;
	uint64_t user[3] = { 0x401000, 0x402000, 0x403000 }, kernel[1] = { 0xffffffff81000000ull };
	char thread[] = "worker", state[] = "FUTEX_WAIT_PRIVATE";
	struct raw_stack in = { .tgid = 7, .tid = 8, .thread = thread, .user = user, .nuser = 3, .kernel = kernel,
				.nkernel = 1, .leaf_exact = true, .root = "[blocked]", .state = state, .count = 2,
				.ns = 500 };
	struct raw_stack out;

	CHECK(stack_batch_new(&b) == 0);
	CHECK(stack_batch_add(b, &in) == 0);
	/* The caller's buffers are reused at once (a BPF map walk): the batch must not point into them. */
	memset(user, 0, sizeof(user));
	memset(thread, 'x', sizeof(thread) - 1);
	memset(state, 'y', sizeof(state) - 1);
	CHECK(stack_batch_count(b) == 1);
	stack_batch_get(b, 0, &out);
	CHECK(out.tgid == 7 && out.tid == 8 && out.count == 2 && out.ns == 500 && out.leaf_exact);
	CHECK(out.nuser == 3 && out.user[0] == 0x401000 && out.user[2] == 0x403000);
	CHECK(out.nkernel == 1 && out.kernel[0] == 0xffffffff81000000ull);
	CHECK(!strcmp(out.thread, "worker") && !strcmp(out.state, "FUTEX_WAIT_PRIVATE") && !strcmp(out.root, "[blocked]"));
	stack_batch_free(b);
}

TEST(processes_are_listed_once_with_their_counts)
{
	struct stack_batch *b;
	uint64_t pc = 0x401000;
	const uint32_t pids[] = { 30, 10, 30, 20, 10, 30 };
	struct raw_stack s = { .user = &pc, .nuser = 1, .count = 1 };
	struct raw_stack out;

	CHECK(stack_batch_new(&b) == 0);
	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		s.tgid = pids[i];
		s.count = (int64_t)i + 1;
		CHECK(stack_batch_add(b, &s) == 0);
	}
	CHECK(stack_batch_count(b) == 6 && stack_batch_process_count(b) == 3);
	CHECK(stack_batch_process(b, 0) == 30 && stack_batch_process(b, 1) == 10 && stack_batch_process(b, 2) == 20);
	CHECK(stack_batch_count_of(b, 30) == 1 + 3 + 6 && stack_batch_count_of(b, 10) == 2 + 5);
	CHECK(stack_batch_count_of(b, 20) == 4 && stack_batch_count_of(b, 99) == 0);
	stack_batch_get(b, 5, &out);
	CHECK(out.tgid == 30 && out.count == 6 && out.state == NULL && !strcmp(out.thread, ""));
	stack_batch_free(b);
}

TEST(stacks_without_pcs_and_bad_counts)
{
	struct stack_batch *b;
	struct raw_stack empty = { .tgid = 1, .count = 1 }, bad = { .tgid = 1, .nuser = 2 }, out;

	CHECK(stack_batch_new(&b) == 0);
	CHECK(stack_batch_add(b, &empty) == 0);
	CHECK(stack_batch_add(b, &bad) == -EINVAL);	/* PCs announced, none given */
	CHECK(stack_batch_count(b) == 1 && stack_batch_count_of(b, 1) == 1);
	stack_batch_get(b, 0, &out);
	CHECK(out.nuser == 0 && out.nkernel == 0);
	stack_batch_free(b);
}

