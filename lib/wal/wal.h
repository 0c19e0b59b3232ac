/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lib/wal: a write-ahead log of typed records in a directory.
 *
 * Segments are files named by a 16-hex-digit sequence number
 * (0000000000000001.wal, ...). Each starts with a 16-byte header (magic
 * "SOVWAL\0\1", then its sequence number, little-endian) followed by
 * records:
 *
 *   u32 length   payload bytes, little-endian
 *   u32 crc      crc32 (zlib) over the type byte and the payload
 *   u8  type     1..255; 0 is never valid, so zero-filled space never parses
 *   payload
 *
 * Appends are buffered; sov_wal_sync() writes everything appended so far
 * and calls fdatasync once (group commit). A segment rolls when the next
 * record would take it past the size limit.
 *
 * Recovery (sov_wal_open) replays every record in order. A bad record at
 * the end of the last segment, with nothing valid after it, is a torn
 * write: it is truncated and counted. Anything bad elsewhere is corruption:
 * -EBADMSG, with the file and byte offset in the message.
 *
 * The first failed write or fsync (ENOSPC, EIO, ...) is sticky: every later
 * append, sync and roll returns it. After a failed fsync the kernel may have
 * dropped the dirty pages, so a retry that "succeeds" would acknowledge data
 * that is not on disk.
 */
#ifndef SOV_WAL_H
#define SOV_WAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SOV_WAL_SEGMENT_BYTES	(64ULL << 20)	/* default roll size */
#define SOV_WAL_MAX_RECORD	(1U << 30)	/* payload bytes */
#define SOV_WAL_HDR		16		/* segment header */
#define SOV_WAL_REC_HDR		9		/* record header */

/*
 * The calls through which a WAL (and lib/raft/storage) changes the disk,
 * so tests and the simulator can fail them. Each returns >= 0 or -errno.
 * A NULL member means the real system call.
 */
struct sov_io {
	ssize_t (*write)(void *ctx, int fd, const void *buf, size_t len);
	/* datasync: fdatasync (segment data), else fsync (directories, snapshots) */
	int (*fsync)(void *ctx, int fd, bool datasync);
	int (*rename)(void *ctx, int dirfd, const char *from, const char *to);
	void *ctx;
};

/* The real system calls. */
ssize_t sov_io_write(const struct sov_io *io, int fd, const void *buf, size_t len);
int sov_io_write_all(const struct sov_io *io, int fd, const void *buf, size_t len);
int sov_io_fsync(const struct sov_io *io, int fd, bool datasync);
int sov_io_rename(const struct sov_io *io, int dirfd, const char *from, const char *to);

/* Messages of the WAL and of what is built on it: to @log if set, into @err if given. */
void sov_io_logf(void (*log)(void *ctx, const char *msg), void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sov_io_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct sov_wal_opts {
	uint64_t segment_bytes;		/* 0: SOV_WAL_SEGMENT_BYTES */
	const struct sov_io *io;	/* NULL: the real system calls */
	/* torn tails, failures; NULL: silent */
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
};

struct sov_wal_record {
	uint64_t seq;		/* segment */
	uint64_t offset;	/* of the record header within the segment file */
	uint8_t type;
	uint32_t len;
	const uint8_t *data;	/* valid during the callback only */
};

/* Replay callback: non-zero (a -errno) stops sov_wal_open, which returns it. */
typedef int (*sov_wal_replay_fn)(void *ctx, const struct sov_wal_record *rec);

struct sov_wal_stats {
	uint64_t first_seq, seq;	/* oldest and current segment */
	uint64_t replayed;		/* records read at open */
	uint64_t appended;		/* records appended since open */
	uint64_t syncs;			/* fdatasyncs of segment data */
	uint64_t rolls;			/* segments started since open */
	uint64_t torn_truncations;	/* torn tails cut at open (0 or 1) */
	uint64_t torn_bytes;		/* bytes cut */
};

struct sov_wal;

/*
 * Open (creating @dir and its first segment if needed), replay every record
 * through @fn, cut a torn tail. 0, or -errno with a message in @err:
 * -EBADMSG corruption before the end, -EBUSY another process has @dir open.
 */
int sov_wal_open(const char *dir, const struct sov_wal_opts *opts,
		 sov_wal_replay_fn fn, void *ctx, struct sov_wal **out,
		 char *err, size_t errlen);
/* Records appended but not synced are lost, as in a crash. */
void sov_wal_close(struct sov_wal *w);

/* Buffer one record (type 1..255); may write (not sync) a full buffer. */
int sov_wal_append(struct sov_wal *w, uint8_t type, const void *data, uint32_t len);
/* Write and fdatasync everything appended: only then is it durable. */
int sov_wal_sync(struct sov_wal *w);
/* Sync, then start a new segment (no-op if the current one has no records). */
int sov_wal_roll(struct sov_wal *w);
/* Delete segments older than @seq (never the current one), oldest first. */
int sov_wal_release_before(struct sov_wal *w, uint64_t seq);

/* The segment the last appended record went into. */
uint64_t sov_wal_seq(const struct sov_wal *w);
/* The sticky error, 0 if healthy. */
int sov_wal_error(const struct sov_wal *w);
void sov_wal_stats(const struct sov_wal *w, struct sov_wal_stats *st);
const char *sov_wal_dir(const struct sov_wal *w);
/* The directory's fd: lib/raft/storage keeps snapshots beside the segments. */
int sov_wal_dirfd(const struct sov_wal *w);

/* "0000000000000002.wal" into @buf (at least 21 bytes). */
void sov_wal_segment_name(uint64_t seq, char *buf, size_t len);

/* Little-endian fields, for record payloads. */
static inline void sov_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void sov_put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t sov_get_le32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static inline uint64_t sov_get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* crc32 (zlib's) over a type byte and a payload: the record checksum. */
uint32_t sov_wal_crc(uint8_t type, const void *data, uint32_t len);

#endif
