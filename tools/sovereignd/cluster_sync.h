/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Raft log's fdatasync on a thread of its own, so the loop goes on
 * stepping Raft meanwhile: the leader's APPENDs are already out and its
 * followers sync in parallel with it; proposals and acknowledgements that
 * arrive during the sync form the next batch. One sync at a time.
 */
#ifndef SOVD_CLUSTER_SYNC_H
#define SOVD_CLUSTER_SYNC_H

#include <stdbool.h>
#include <sys/types.h>
#include <uv.h>

struct sov_raft_storage;
struct sovd_syncer;

/* @done runs on the loop with the sync's result, unless sovd_syncer_wait() took it. */
typedef void (*sovd_sync_done)(void *arg, int err);

int sovd_syncer_new(uv_loop_t *loop, struct sov_raft_storage *st, sovd_sync_done done,
		    void *arg, struct sovd_syncer **out);
/* Start sov_raft_storage_sync(); the previous one must be finished. */
void sovd_syncer_post(struct sovd_syncer *s);
bool sovd_syncer_busy(struct sovd_syncer *s);
/* Block until the posted sync is over and return its result; @done is not called for it. */
int sovd_syncer_wait(struct sovd_syncer *s);
/* The sync thread's kernel tid (its system calls can be traced); 0 until it runs. */
pid_t sovd_syncer_tid(struct sovd_syncer *s);
/* Wait for a posted sync, end the thread; the memory goes once the loop closes the handle. */
void sovd_syncer_free(struct sovd_syncer *s);

#endif
