/* SPDX-License-Identifier: GPL-2.0 */
/* The stacks of one read of a stack source, copied out of its BPF maps: raw PCs with their counts, not yet
 * symbolized, grouped by the process they came from. */
#ifndef GOTRACE_STACK_BATCH_H
#define GOTRACE_STACK_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One aggregated stack, as a source's BPF side counted it. */
struct raw_stack {
	uint32_t tgid, tid;
	const char *thread;		/* the thread's name (comm); "" for per-process stacks */
	const uint64_t *user;		/* PCs, leaf first */
	int nuser;
	const uint64_t *kernel;
	int nkernel;
	bool leaf_exact;		/* the first PC is where the thread was, not a return address */
	bool kernel_from_tracepoint;	/* the kernel stack starts in the tracing machinery (symbolize.h) */
	const char *root;		/* a synthetic root frame that keeps kinds apart ("[blocked]"), or NULL */
	const char *state;		/* the same as a label value ("blocked"), or NULL */
	int64_t count, ns;		/* ns: time for off-CPU and wait kinds, 0 for the others */
};

struct stack_batch;

int stack_batch_new(struct stack_batch **out);
void stack_batch_free(struct stack_batch *b);

/* Copies s: its thread name, state (up to 63 bytes) and PCs; root must be a static string. 0 or -ENOMEM. */
int stack_batch_add(struct stack_batch *b, const struct raw_stack *s);

size_t stack_batch_count(const struct stack_batch *b);
/* The i-th stack added; its pointers stay valid until the batch is freed. */
void stack_batch_get(const struct stack_batch *b, size_t i, struct raw_stack *out);

/* The processes that have stacks in b, each once, in order of first appearance. */
size_t stack_batch_process_count(const struct stack_batch *b);
uint32_t stack_batch_process(const struct stack_batch *b, size_t i);
/* The sum of the counts of pid's stacks (what is lost when its profile cannot be made). */
int64_t stack_batch_count_of(const struct stack_batch *b, uint32_t pid);

#endif
