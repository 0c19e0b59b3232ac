// SPDX-License-Identifier: GPL-2.0
/* lib/wal: segment files, group commit, recovery. The format is in wal.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "wal.h"

/* buffered appends are written (not synced) past this, to bound memory */
#define FLUSH_BYTES	(1U << 20)

static const uint8_t wal_magic[8] = { 'S', 'O', 'V', 'W', 'A', 'L', 0, 1 };

struct sov_wal {
	char *dir;
	int dirfd, fd;
	uint64_t first_seq, seq;
	uint64_t seg_bytes;	/* current segment: written + buffered */
	uint64_t seg_records;	/* records in the current segment */
	uint64_t limit;
	bool dirty;		/* written since the last fdatasync */
	uint8_t *buf;
	size_t len, cap;
	int err;		/* sticky */
	struct sov_io io;
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
	struct sov_wal_stats st;
};

uint32_t sov_wal_crc(uint8_t type, const void *data, uint32_t len)
{
	uLong c = crc32(0L, &type, 1);

	/* zlib returns its initial value for a NULL buffer, whatever @c is */
	if (len)
		c = crc32(c, data, len);
	return (uint32_t)c;
}

void sov_wal_segment_name(uint64_t seq, char *buf, size_t len)
{
	snprintf(buf, len, "%016" PRIx64 ".wal", seq);
}

#define wal_log(w, ...) sov_io_logf((w)->log, (w)->log_ctx, __VA_ARGS__)

/* The first I/O failure sticks: nothing after it may be acknowledged. */
static int fail(struct sov_wal *w, int r, const char *what)
{
	char name[32];

	if (!w->err) {
		w->err = r;
		sov_wal_segment_name(w->seq, name, sizeof(name));
		wal_log(w, "wal: %s/%s: %s failed: %s; refusing further writes",
			w->dir, name, what, strerror(-r));
	}
	return w->err;
}

/* ---- recovery -------------------------------------------------------------- */

enum rec_state {
	REC_OK,
	REC_SHORT_HDR,
	REC_SHORT,
	REC_BAD_TYPE,
	REC_TOO_LONG,
	REC_BAD_CRC,
};

static const char *const rec_reason[] = {
	[REC_OK] = "ok",
	[REC_SHORT_HDR] = "truncated record header",
	[REC_SHORT] = "record runs past the end of the file",
	[REC_BAD_TYPE] = "invalid record type 0",
	[REC_TOO_LONG] = "record length beyond the limit",
	[REC_BAD_CRC] = "checksum mismatch",
};

static enum rec_state parse_rec(const uint8_t *d, size_t n, size_t off,
				struct sov_wal_record *r)
{
	uint32_t len, crc;
	uint8_t type;

	if (n - off < SOV_WAL_REC_HDR)
		return REC_SHORT_HDR;
	len = sov_get_le32(d + off);
	crc = sov_get_le32(d + off + 4);
	type = d[off + 8];
	if (!type)
		return REC_BAD_TYPE;
	if (len > SOV_WAL_MAX_RECORD)
		return REC_TOO_LONG;
	if (n - off - SOV_WAL_REC_HDR < len)
		return REC_SHORT;
	if (sov_wal_crc(type, d + off + SOV_WAL_REC_HDR, len) != crc)
		return REC_BAD_CRC;
	r->offset = off;
	r->type = type;
	r->len = len;
	r->data = d + off + SOV_WAL_REC_HDR;
	return REC_OK;
}

/* Valid records from @off that end exactly at the end of the file. */
static bool chain_to_eof(const uint8_t *d, size_t n, size_t off)
{
	struct sov_wal_record r;

	while (off < n) {
		if (parse_rec(d, n, off, &r) != REC_OK)
			return false;
		off += SOV_WAL_REC_HDR + r.len;
	}
	return true;
}

/*
 * After a bad record at @off in the last segment: is there a run of valid
 * records after it that reaches the end of the file? Then the bad record is
 * not a torn write but damage to data that was written (and maybe
 * acknowledged) before. Requiring the run to reach the end keeps a frame
 * that happens to sit inside a torn payload from passing for one.
 */
static bool valid_after(const uint8_t *d, size_t n, size_t off)
{
	uint64_t next;
	size_t y;

	/* where the bad record says the next one is: what a flipped payload bit leaves */
	if (n - off >= SOV_WAL_REC_HDR) {
		next = (uint64_t)off + SOV_WAL_REC_HDR + sov_get_le32(d + off);
		if (next < n && chain_to_eof(d, n, next))
			return true;
	}
	/* a damaged length: look at every later offset */
	for (y = off + 1; y + SOV_WAL_REC_HDR <= n; y++)
		if (chain_to_eof(d, n, y))
			return true;
	return false;
}

static bool all_zero(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (d[i])
			return false;
	return true;
}

static int read_file(int dirfd, const char *name, uint8_t **buf, size_t *cap, size_t *len)
{
	struct stat sb;
	size_t got = 0;
	ssize_t r;
	int fd, e;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0)
		goto err;
	if ((size_t)sb.st_size + 1 > *cap) {
		uint8_t *nb = realloc(*buf, (size_t)sb.st_size + 1);

		if (!nb) {
			close(fd);
			return -ENOMEM;
		}
		*buf = nb;
		*cap = (size_t)sb.st_size + 1;
	}
	while (got < (size_t)sb.st_size) {
		r = read(fd, *buf + got, (size_t)sb.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto err;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return 0;
err:
	e = errno;
	close(fd);
	return -e;
}

static void seg_header(uint8_t hdr[SOV_WAL_HDR], uint64_t seq)
{
	memcpy(hdr, wal_magic, sizeof(wal_magic));
	sov_put_le64(hdr + 8, seq);
}

/* Cut @name at @off (rewriting the header if it was torn) and make it durable. */
static int cut_tail(struct sov_wal *w, const char *name, uint64_t seq, size_t off)
{
	uint8_t hdr[SOV_WAL_HDR];
	int fd, r = 0;

	fd = openat(w->dirfd, name, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, off < SOV_WAL_HDR ? 0 : (off_t)off) < 0)
		r = -errno;
	if (!r && off < SOV_WAL_HDR) {
		seg_header(hdr, seq);
		r = sov_io_write_all(&w->io, fd, hdr, sizeof(hdr));
	}
	if (!r)
		r = sov_io_fsync(&w->io, fd, true);
	close(fd);
	return r;
}

struct replay {
	sov_wal_replay_fn fn;
	void *ctx;
	uint8_t *buf;
	size_t cap;
	char *err;
	size_t errlen;
};

static int replay_segment(struct sov_wal *w, struct replay *rp, uint64_t seq, bool last)
{
	struct sov_wal_record rec = { .seq = seq };
	enum rec_state s = REC_OK;
	size_t n = 0, off = SOV_WAL_HDR;
	char name[32];
	int r;

	sov_wal_segment_name(seq, name, sizeof(name));
	r = read_file(w->dirfd, name, &rp->buf, &rp->cap, &n);
	if (r) {
		sov_io_errf(rp->err, rp->errlen, "wal: %s/%s: %s", w->dir, name, strerror(-r));
		return r;
	}
	if (n < SOV_WAL_HDR || memcmp(rp->buf, wal_magic, sizeof(wal_magic)) ||
	    sov_get_le64(rp->buf + 8) != seq) {
		/* a crash while the segment was being created */
		if (last && (n < SOV_WAL_HDR || all_zero(rp->buf, n))) {
			off = 0;
			goto torn;
		}
		sov_io_errf(rp->err, rp->errlen,
			"wal: %s offset 0: bad segment header; the log is corrupt before its end, refusing to start",
			name);
		return -EBADMSG;
	}
	w->seg_records = 0;
	while (off < n) {
		s = parse_rec(rp->buf, n, off, &rec);
		if (s != REC_OK)
			break;
		w->st.replayed++;
		w->seg_records++;
		if (rp->fn) {
			r = rp->fn(rp->ctx, &rec);
			if (r) {
				sov_io_errf(rp->err, rp->errlen, "wal: %s offset %zu: replay: %s",
					name, off, strerror(-r));
				return r;
			}
		}
		off += SOV_WAL_REC_HDR + rec.len;
	}
	w->seg_bytes = off;
	if (off == n)
		return 0;
	if (!last || valid_after(rp->buf, n, off)) {
		sov_io_errf(rp->err, rp->errlen,
			"wal: %s offset %zu: %s; the log is corrupt before its end, refusing to start",
			name, off, rec_reason[s]);
		return -EBADMSG;
	}
torn:
	r = cut_tail(w, name, seq, off);
	if (r) {
		sov_io_errf(rp->err, rp->errlen, "wal: %s: cutting the torn tail at %zu: %s",
			name, off, strerror(-r));
		return r;
	}
	w->st.torn_truncations++;
	w->st.torn_bytes += n - off;
	if (off < SOV_WAL_HDR) {
		w->seg_bytes = SOV_WAL_HDR;
		w->seg_records = 0;
	}
	wal_log(w, "wal: %s offset %zu: torn tail (%s), %zu bytes truncated",
		name, off, off < SOV_WAL_HDR ? "segment header" : rec_reason[s], n - off);
	return 0;
}

/* ---- segments --------------------------------------------------------------- */

static int create_segment(struct sov_wal *w, uint64_t seq, int *fdp)
{
	uint8_t hdr[SOV_WAL_HDR];
	char name[32];
	int fd, r;

	sov_wal_segment_name(seq, name, sizeof(name));
	fd = openat(w->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	seg_header(hdr, seq);
	r = sov_io_write_all(&w->io, fd, hdr, sizeof(hdr));
	if (!r)
		r = sov_io_fsync(&w->io, fd, true);
	/* the new name must be durable before records in it are acknowledged */
	if (!r)
		r = sov_io_fsync(&w->io, w->dirfd, false);
	if (r) {
		close(fd);
		return r;
	}
	*fdp = fd;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sequence numbers of the segments in @dir, sorted. */
static int list_segments(const char *dir, uint64_t **seqs, size_t *n)
{
	size_t cap = 0;
	struct dirent *de;
	char canon[32];
	uint64_t seq;
	DIR *d;

	*seqs = NULL;
	*n = 0;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (strlen(de->d_name) != 20 || strcmp(de->d_name + 16, ".wal"))
			continue;
		seq = strtoull(de->d_name, NULL, 16);
		/* only our own spelling: no stray "0x", no capitals */
		sov_wal_segment_name(seq, canon, sizeof(canon));
		if (strcmp(canon, de->d_name) || !seq)
			continue;
		if (*n == cap) {
			uint64_t *ns = realloc(*seqs, (cap ? cap * 2 : 16) * sizeof(*ns));

			if (!ns) {
				closedir(d);
				return -ENOMEM;
			}
			*seqs = ns;
			cap = cap ? cap * 2 : 16;
		}
		(*seqs)[(*n)++] = seq;
	}
	closedir(d);
	if (*n)
		qsort(*seqs, *n, sizeof(**seqs), cmp_u64);
	return 0;
}

/* mkdir @dir if missing, making its name durable in the parent. */
static int make_dir(const struct sov_io *io, const char *dir)
{
	char *parent, *slash;
	int fd, r;

	if (mkdir(dir, 0700) == 0) {
		parent = strdup(dir);
		if (!parent)
			return -ENOMEM;
		slash = strrchr(parent, '/');
		if (slash == parent)
			slash[1] = '\0';
		else if (slash)
			*slash = '\0';
		fd = open(slash ? parent : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		free(parent);
		if (fd < 0)
			return -errno;
		r = sov_io_fsync(io, fd, false);
		close(fd);
		return r;
	}
	return errno == EEXIST ? 0 : -errno;
}

int sov_wal_open(const char *dir, const struct sov_wal_opts *opts,
		 sov_wal_replay_fn fn, void *ctx, struct sov_wal **out,
		 char *err, size_t errlen)
{
	struct replay rp = { .fn = fn, .ctx = ctx, .err = err, .errlen = errlen };
	struct sov_wal *w;
	uint64_t *seqs = NULL;
	char name[32];
	size_t n = 0, i;
	int r;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->dirfd = -1;
	w->fd = -1;
	w->limit = SOV_WAL_SEGMENT_BYTES;
	if (opts) {
		if (opts->segment_bytes)
			w->limit = opts->segment_bytes;
		if (opts->io)
			w->io = *opts->io;
		w->log = opts->log;
		w->log_ctx = opts->log_ctx;
	}
	r = -ENOMEM;
	w->dir = strdup(dir);
	if (!w->dir)
		goto fail;
	if (w->limit < SOV_WAL_HDR + SOV_WAL_REC_HDR) {
		r = -EINVAL;
		sov_io_errf(err, errlen, "wal: segment size %" PRIu64 " is too small", w->limit);
		goto fail;
	}
	r = make_dir(&w->io, dir);
	if (!r) {
		w->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = w->dirfd < 0 ? -errno : 0;
	}
	if (r) {
		sov_io_errf(err, errlen, "wal: %s: %s", dir, strerror(-r));
		goto fail;
	}
	/* two writers on one log would interleave records */
	if (flock(w->dirfd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		sov_io_errf(err, errlen, "wal: %s: %s", dir,
			r == -EBUSY ? "in use by another process" : strerror(-r));
		goto fail;
	}
	r = list_segments(dir, &seqs, &n);
	if (r) {
		sov_io_errf(err, errlen, "wal: %s: %s", dir, strerror(-r));
		goto fail;
	}
	if (!n) {
		r = create_segment(w, 1, &w->fd);
		if (r) {
			sov_io_errf(err, errlen, "wal: %s: creating the first segment: %s",
				dir, strerror(-r));
			goto fail;
		}
		w->first_seq = w->seq = 1;
		w->seg_bytes = SOV_WAL_HDR;
		goto out;
	}
	for (i = 1; i < n; i++) {
		if (seqs[i] != seqs[i - 1] + 1) {
			sov_wal_segment_name(seqs[i - 1] + 1, name, sizeof(name));
			r = -EBADMSG;
			sov_io_errf(err, errlen, "wal: %s: segment %s is missing, refusing to start",
				dir, name);
			goto fail;
		}
	}
	w->first_seq = seqs[0];
	for (i = 0; i < n; i++) {
		w->seq = seqs[i];
		r = replay_segment(w, &rp, seqs[i], i == n - 1);
		if (r)
			goto fail;
	}
	sov_wal_segment_name(w->seq, name, sizeof(name));
	w->fd = openat(w->dirfd, name, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (w->fd < 0) {
		r = -errno;
		sov_io_errf(err, errlen, "wal: %s/%s: %s", dir, name, strerror(-r));
		goto fail;
	}
out:
	free(seqs);
	free(rp.buf);
	*out = w;
	return 0;
fail:
	free(seqs);
	free(rp.buf);
	sov_wal_close(w);
	return r;
}

void sov_wal_close(struct sov_wal *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->dirfd >= 0)
		close(w->dirfd);
	free(w->buf);
	free(w->dir);
	free(w);
}

/* ---- appending ---------------------------------------------------------------- */

static int flush(struct sov_wal *w)
{
	int r;

	if (!w->len)
		return 0;
	r = sov_io_write_all(&w->io, w->fd, w->buf, w->len);
	if (r)
		return fail(w, r, "write");
	w->len = 0;
	w->dirty = true;
	return 0;
}

int sov_wal_sync(struct sov_wal *w)
{
	int r;

	if (w->err)
		return w->err;
	r = flush(w);
	if (r || !w->dirty)
		return r;
	r = sov_io_fsync(&w->io, w->fd, true);
	if (r)
		return fail(w, r, "fdatasync");
	w->dirty = false;
	w->st.syncs++;
	return 0;
}

static int roll(struct sov_wal *w)
{
	int r, fd;

	/* the old segment is complete and durable before the next one exists */
	r = sov_wal_sync(w);
	if (r)
		return r;
	close(w->fd);
	w->fd = -1;
	r = create_segment(w, w->seq + 1, &fd);
	if (r)
		return fail(w, r, "creating the next segment");
	w->fd = fd;
	w->seq++;
	w->seg_bytes = SOV_WAL_HDR;
	w->seg_records = 0;
	w->st.rolls++;
	return 0;
}

int sov_wal_roll(struct sov_wal *w)
{
	if (w->err)
		return w->err;
	if (!w->seg_records)
		return sov_wal_sync(w);
	return roll(w);
}

int sov_wal_append(struct sov_wal *w, uint8_t type, const void *data, uint32_t len)
{
	size_t rec = SOV_WAL_REC_HDR + (size_t)len;
	uint8_t *p;
	int r;

	if (w->err)
		return w->err;
	if (!type || (len && !data))
		return -EINVAL;
	if (len > SOV_WAL_MAX_RECORD)
		return -EMSGSIZE;
	/* a record larger than the limit gets a segment of its own */
	if (w->seg_records && w->seg_bytes + rec > w->limit) {
		r = roll(w);
		if (r)
			return r;
	}
	if (w->len + rec > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;

		while (cap < w->len + rec)
			cap *= 2;
		p = realloc(w->buf, cap);
		if (!p)
			return -ENOMEM;
		w->buf = p;
		w->cap = cap;
	}
	p = w->buf + w->len;
	sov_put_le32(p, len);
	sov_put_le32(p + 4, sov_wal_crc(type, data, len));
	p[8] = type;
	if (len)
		memcpy(p + SOV_WAL_REC_HDR, data, len);
	w->len += rec;
	w->seg_bytes += rec;
	w->seg_records++;
	w->st.appended++;
	return w->len >= FLUSH_BYTES ? flush(w) : 0;
}

int sov_wal_release_before(struct sov_wal *w, uint64_t seq)
{
	char name[32];
	int r;

	if (w->err)
		return w->err;
	if (seq > w->seq)
		seq = w->seq;
	/*
	 * Oldest first, each unlink made durable before the next: a crash
	 * leaves a contiguous run of segments, never one with a hole.
	 */
	while (w->first_seq < seq) {
		sov_wal_segment_name(w->first_seq, name, sizeof(name));
		if (unlinkat(w->dirfd, name, 0) < 0 && errno != ENOENT)
			return -errno;
		r = sov_io_fsync(&w->io, w->dirfd, false);
		if (r)
			return fail(w, r, "fsync of the directory");
		w->first_seq++;
	}
	return 0;
}

uint64_t sov_wal_seq(const struct sov_wal *w)
{
	return w->seq;
}

int sov_wal_error(const struct sov_wal *w)
{
	return w->err;
}

void sov_wal_stats(const struct sov_wal *w, struct sov_wal_stats *st)
{
	*st = w->st;
	st->first_seq = w->first_seq;
	st->seq = w->seq;
}

const char *sov_wal_dir(const struct sov_wal *w)
{
	return w->dir;
}

int sov_wal_dirfd(const struct sov_wal *w)
{
	return w->dirfd;
}
