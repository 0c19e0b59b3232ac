/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lib/raft/storage: Raft's durable state on a lib/wal log.
 *
 * One directory holds the log segments and the snapshot files. The log
 * records, all little-endian:
 *
 *   HARD_STATE     u64 term, u64 vote, u64 commit
 *   ENTRY          u64 term, u64 index, u8 type, data
 *   SNAPSHOT_MARK  u64 index, u64 term
 *
 * Replay applies them in order: the last HARD_STATE wins; an ENTRY whose
 * index is at or below the last one replaces the suffix from that index
 * (raft's overwrite); a SNAPSHOT_MARK applies the InstallSnapshot rule (an
 * entry at the mark's index with its term keeps what follows, anything else
 * empties the log).
 *
 * Snapshots are files snap-<term>-<index>.snap (16 hex digits each),
 * written to a .tmp, fsynced, renamed and the directory fsynced. Their
 * header carries a crc32 over the rest of the file. The newest
 * @keep_snapshots valid ones are kept, and the log reaches back to the
 * oldest of those, so a damaged newest snapshot can be survived by falling
 * back to the one before it.
 */
#ifndef SOV_RAFT_STORAGE_H
#define SOV_RAFT_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include "raft.h"
#include "../wal/wal.h"

enum sov_raft_record {
	SOV_RAFT_REC_HARD_STATE = 1,
	SOV_RAFT_REC_ENTRY = 2,
	SOV_RAFT_REC_SNAPSHOT_MARK = 3,
};

struct sov_raft_storage_opts {
	uint64_t segment_bytes;		/* 0: SOV_WAL_SEGMENT_BYTES */
	unsigned int keep_snapshots;	/* 0: 2 */
	const struct sov_io *io;	/* NULL: the real system calls */
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
};

struct sov_raft_storage;

/*
 * Open @dir (created if missing) and rebuild what raft_new() needs in
 * @boot: the last hard state, the newest valid snapshot and the entries
 * after it. @boot points into @st's memory until the first save, snapshot
 * or close (raft_new copies it). @boot->initial is left NULL for the caller.
 * 0 or -errno with a message in @err: -EBADMSG for a damaged log or one
 * that cannot be joined to any valid snapshot, -EBUSY if @dir is in use.
 */
int sov_raft_storage_open(const char *dir, const struct sov_raft_storage_opts *opts,
			  struct sov_raft_storage **stp, struct raft_boot *boot,
			  char *err, size_t errlen);
void sov_raft_storage_close(struct sov_raft_storage *st);

/*
 * Persist a Ready: its snapshot (file first), hard state and entries, then
 * one fdatasync. A negative return means it is not (known to be) durable:
 * rd->msgs must not be sent, and every later call fails the same way.
 */
int sov_raft_storage_save(struct sov_raft_storage *st, const struct raft_ready *rd);

/*
 * sov_raft_storage_save() in three steps, so the fdatasync can run on
 * another thread while the caller goes on stepping Raft: write() validates
 * and queues the records (a snapshot file is written and synced here),
 * sync() writes them out and syncs the log, done() records what is now
 * durable and compacts after a snapshot. Between write() and done() nothing
 * else may touch @st; sync() alone may run on another thread. Each returns
 * 0 or the storage's sticky error.
 */
int sov_raft_storage_write(struct sov_raft_storage *st, const struct raft_ready *rd);
int sov_raft_storage_sync(struct sov_raft_storage *st);
int sov_raft_storage_done(struct sov_raft_storage *st, const struct raft_ready *rd);

/*
 * The application saved its state through snap->meta.index: write the
 * snapshot file, record it, prune old snapshots and delete the log
 * segments no retained snapshot needs.
 */
int sov_raft_storage_snapshot(struct sov_raft_storage *st, const struct raft_snapshot *snap);

/* The sticky error, 0 if healthy. */
int sov_raft_storage_error(const struct sov_raft_storage *st);
void sov_raft_storage_wal_stats(const struct sov_raft_storage *st, struct sov_wal_stats *ws);

/* "snap-0000000000000002-0000000000000064.snap" (term 2, index 100), >= 44 bytes. */
void sov_raft_snapshot_name(uint64_t term, uint64_t index, char *buf, size_t len);

#endif
