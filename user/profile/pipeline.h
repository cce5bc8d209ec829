/* SPDX-License-Identifier: GPL-2.0 */
/* The profile pipeline, the one road `gotrace flame` and the daemon both take:
 *
 *   collect   a stack source (stack_source.h) copies what its BPF side aggregated into a batch of raw stacks
 *   aggregate one process's stacks of the batch become samples of a new profile model (profile.h), merged by
 *   symbolize   stack and labels, each PC symbolized once through the caller's symbolizer (symbolize.h)
 *   write     the caller hands the profile to a writer (flame_output.h) or stores it (daemon/profile_files.h)
 *
 * Each step only calls the next: no step calls back into its caller. The caller decides between steps which
 * processes to build and with which symbolizer, so the pipeline needs no session and no process lookup. The
 * waits capability's stacks come in through its stack-source API (caps/wait_stacks.h), opened on their own. */
#ifndef GOTRACE_PIPELINE_H
#define GOTRACE_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "profile/profile.h"
#include "profile/profile_types.h"
#include "profile/stack_batch.h"
#include "profile/stack_source.h"
#include "profile/symbolizer.h"

struct profile_pipeline;

/* Starts the type's stack source. 0; -ENOTSUP: cannot run here; another negative errno; why says why. */
int pipeline_start(const struct profile_type *t, const struct stack_source_opts *o, struct profile_pipeline **out,
		   char *why, size_t why_size);
void pipeline_stop(struct profile_pipeline *pl);

/* Collect: copies every stack the source holds into a new batch (the caller frees it). With forget, the source
 * then forgets them, so that the next collect covers only what came after (the daemon's periodic profiles);
 * stacks counted between the copy and the forgetting are lost: at most a few per profile. */
int pipeline_collect(struct profile_pipeline *pl, bool forget, struct stack_batch **out);

/* Collect for a few processes only (processes that ended, whose last profile cannot wait for the next collect):
 * copies the stacks of the n processes in pids into a new batch and makes the source forget them; the other
 * processes' stacks stay for the next collect. -ENOTSUP when the source cannot pick processes. */
int pipeline_take(struct profile_pipeline *pl, const uint32_t *pids, size_t n, struct stack_batch **out);

/* Aggregate and symbolize: pid's stacks of b as a new profile of the pipeline's type, symbolized with sym (pid's
 * symbolizer), labelled pid, tid, comm, thread and state. An empty profile when pid has no stack in b. */
int pipeline_build(const struct profile_pipeline *pl, const struct stack_batch *b, uint32_t pid, const char *comm,
		   struct symbolizer *sym, struct profile **out);

void pipeline_stats(const struct profile_pipeline *pl, struct stack_source_stats *st);

#endif
