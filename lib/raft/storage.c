// SPDX-License-Identifier: GPL-2.0
/* lib/raft/storage: hard state, entries and snapshots on lib/wal (see storage.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "storage.h"

#define HS_LEN		24
#define ENTRY_HDR	17
#define MARK_LEN	16

/* snapshot file: magic, crc over the rest, counts, index, term, data length */
#define SNAP_HDR	48
static const uint8_t snap_magic[8] = { 'S', 'O', 'V', 'S', 'N', 'A', 'P', 1 };

enum snap_state { SNAP_UNKNOWN, SNAP_VALID, SNAP_CORRUPT };

struct snapfile {
	uint64_t index, term;
	enum snap_state state;
};

/* the highest entry or snapshot index each segment mentions, for compaction */
struct segmax {
	uint64_t seq, max;
};

struct sov_raft_storage {
	struct sov_wal *wal;
	int dirfd;
	struct sov_io io;
	unsigned int keep;
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
	int err;			/* sticky */
	struct raft_hard_state hs;	/* as last persisted */
	uint64_t last_index;
	struct snapfile *snaps;		/* newest first */
	size_t n_snaps;
	struct segmax *segs;		/* by seq, ascending */
	size_t n_segs, cap_segs;
	/* what sov_raft_storage_open handed out in the raft_boot */
	struct raft_snapshot boot_snap;
	uint8_t *boot_snap_buf;
	struct raft_entry *boot_ents;
	size_t boot_n;
};

void sov_raft_snapshot_name(uint64_t term, uint64_t index, char *buf, size_t len)
{
	snprintf(buf, len, "snap-%016" PRIx64 "-%016" PRIx64 ".snap", term, index);
}

#define st_log(st, ...) sov_io_logf((st)->log, (st)->log_ctx, __VA_ARGS__)

static int fail(struct sov_raft_storage *st, int r, const char *what)
{
	if (!st->err) {
		st->err = r;
		st_log(st, "raft storage: %s failed: %s; refusing further writes",
		       what, strerror(-r));
	}
	return st->err;
}

static void free_entries(struct raft_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].data);
}

static int seg_note(struct sov_raft_storage *st, uint64_t seq, uint64_t index)
{
	struct segmax *s;

	if (!st->n_segs || st->segs[st->n_segs - 1].seq != seq) {
		if (st->n_segs == st->cap_segs) {
			size_t cap = st->cap_segs ? st->cap_segs * 2 : 16;

			s = realloc(st->segs, cap * sizeof(*s));
			if (!s)
				return -ENOMEM;
			st->segs = s;
			st->cap_segs = cap;
		}
		st->segs[st->n_segs++] = (struct segmax){ .seq = seq };
	}
	s = &st->segs[st->n_segs - 1];
	if (index > s->max)
		s->max = index;
	return 0;
}

/* A segment with no entry and no mark in it mentions index 0. */
static uint64_t seg_max(const struct sov_raft_storage *st, uint64_t seq)
{
	for (size_t i = 0; i < st->n_segs; i++)
		if (st->segs[i].seq == seq)
			return st->segs[i].max;
	return 0;
}

/* ---- snapshot files ----------------------------------------------------------- */

static size_t snap_conf_len(const struct raft_conf *c)
{
	return 8 * ((size_t)c->n_voters + c->n_learners);
}

static int write_snapshot(struct sov_raft_storage *st, const struct raft_snapshot *s)
{
	const struct raft_conf *c = &s->meta.conf;
	char name[64], tmp[72];
	size_t hlen, i;
	uint8_t *hdr;
	uLong crc;
	int fd, r;

	if (c->n_voters > RAFT_MAX_NODES || c->n_learners > RAFT_MAX_NODES ||
	    (s->len && !s->data) || !s->meta.index)
		return -EINVAL;
	hlen = SNAP_HDR + snap_conf_len(c);
	hdr = calloc(1, hlen);
	if (!hdr)
		return -ENOMEM;
	memcpy(hdr, snap_magic, sizeof(snap_magic));
	sov_put_le32(hdr + 12, c->n_voters);
	sov_put_le32(hdr + 16, c->n_learners);
	sov_put_le64(hdr + 24, s->meta.index);
	sov_put_le64(hdr + 32, s->meta.term);
	sov_put_le64(hdr + 40, s->len);
	for (i = 0; i < c->n_voters; i++)
		sov_put_le64(hdr + SNAP_HDR + 8 * i, c->voters[i]);
	for (i = 0; i < c->n_learners; i++)
		sov_put_le64(hdr + SNAP_HDR + 8 * (c->n_voters + i), c->learners[i]);
	crc = crc32(0L, hdr + 12, (uInt)(hlen - 12));
	/* zlib's length is 32-bit: feed big snapshots in pieces */
	for (i = 0; i < s->len; i += 1U << 30) {
		size_t chunk = s->len - i < (1U << 30) ? s->len - i : (1U << 30);

		crc = crc32(crc, s->data + i, (uInt)chunk);
	}
	sov_put_le32(hdr + 8, (uint32_t)crc);

	sov_raft_snapshot_name(s->meta.term, s->meta.index, name, sizeof(name));
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(st->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		free(hdr);
		return r;
	}
	r = sov_io_write_all(&st->io, fd, hdr, hlen);
	free(hdr);
	if (!r && s->len)
		r = sov_io_write_all(&st->io, fd, s->data, s->len);
	if (!r)
		r = sov_io_fsync(&st->io, fd, false);
	close(fd);
	/* the name appears whole or not at all, and stays */
	if (!r)
		r = sov_io_rename(&st->io, st->dirfd, tmp, name);
	if (!r)
		r = sov_io_fsync(&st->io, st->dirfd, false);
	if (r)
		unlinkat(st->dirfd, tmp, 0);
	return r;
}

/*
 * Read and check snapshot @sf. 0 with @out filled (its data inside *bufp,
 * which the caller frees), -EBADMSG with @why, or -errno.
 */
static int read_snapshot(int dirfd, const struct snapfile *sf, struct raft_snapshot *out,
			 uint8_t **bufp, const char **why)
{
	struct raft_conf *c = &out->meta.conf;
	uint64_t dlen, expect;
	struct stat sb;
	char name[64];
	uint8_t *b;
	size_t n = 0, i, clen;
	ssize_t r;
	uLong crc;
	int fd, e;

	*bufp = NULL;
	sov_raft_snapshot_name(sf->term, sf->index, name, sizeof(name));
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0) {
		e = errno;
		close(fd);
		return -e;
	}
	b = malloc((size_t)sb.st_size + 1);
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	while (n < (size_t)sb.st_size) {
		r = read(fd, b + n, (size_t)sb.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			close(fd);
			free(b);
			return -e;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	close(fd);
	*bufp = b;
	*why = "shorter than its header";
	if (n < SNAP_HDR)
		return -EBADMSG;
	*why = "bad magic";
	if (memcmp(b, snap_magic, sizeof(snap_magic)))
		return -EBADMSG;
	memset(out, 0, sizeof(*out));
	c->n_voters = sov_get_le32(b + 12);
	c->n_learners = sov_get_le32(b + 16);
	out->meta.index = sov_get_le64(b + 24);
	out->meta.term = sov_get_le64(b + 32);
	dlen = sov_get_le64(b + 40);
	*why = "bad configuration";
	if (c->n_voters > RAFT_MAX_NODES || c->n_learners > RAFT_MAX_NODES)
		return -EBADMSG;
	clen = snap_conf_len(c);
	expect = SNAP_HDR + clen + dlen;
	*why = "length does not match its header";
	if (dlen > n || expect != n)
		return -EBADMSG;
	crc = crc32(0L, b + 12, (uInt)(SNAP_HDR - 12 + clen));
	for (i = SNAP_HDR + clen; i < n; i += 1U << 30) {
		size_t chunk = n - i < (1U << 30) ? n - i : (1U << 30);

		crc = crc32(crc, b + i, (uInt)chunk);
	}
	*why = "checksum mismatch";
	if ((uint32_t)crc != sov_get_le32(b + 8))
		return -EBADMSG;
	*why = "index or term differ from its name";
	if (out->meta.index != sf->index || out->meta.term != sf->term)
		return -EBADMSG;
	for (i = 0; i < c->n_voters; i++)
		c->voters[i] = sov_get_le64(b + SNAP_HDR + 8 * i);
	for (i = 0; i < c->n_learners; i++)
		c->learners[i] = sov_get_le64(b + SNAP_HDR + 8 * (c->n_voters + i));
	out->len = (size_t)dlen;
	out->data = dlen ? b + SNAP_HDR + clen : NULL;
	return 0;
}

static int cmp_snap_desc(const void *a, const void *b)
{
	const struct snapfile *x = a, *y = b;

	if (x->index != y->index)
		return x->index < y->index ? 1 : -1;
	return x->term < y->term ? 1 : x->term > y->term ? -1 : 0;
}

/* snap-*.snap in @dir, newest first; with @tmp, remove leftover .tmp files instead. */
static int list_snapshots(struct sov_raft_storage *st, const char *dir, bool tmp)
{
	uint64_t term, index;
	struct dirent *de;
	char canon[64];
	size_t cap = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		const char *nm = de->d_name;
		size_t l = strlen(nm);

		if (strncmp(nm, "snap-", 5))
			continue;
		if (tmp) {
			/* a crash between write and rename */
			if (l > 9 && !strcmp(nm + l - 9, ".snap.tmp")) {
				unlinkat(st->dirfd, nm, 0);
				st_log(st, "raft storage: removed the unfinished %s", nm);
			}
			continue;
		}
		if (l != 43 || nm[21] != '-')
			continue;
		term = strtoull(nm + 5, NULL, 16);
		index = strtoull(nm + 22, NULL, 16);
		sov_raft_snapshot_name(term, index, canon, sizeof(canon));
		if (strcmp(canon, nm))
			continue;
		if (st->n_snaps == cap) {
			struct snapfile *ns;

			cap = cap ? cap * 2 : 8;
			ns = realloc(st->snaps, cap * sizeof(*ns));
			if (!ns) {
				closedir(d);
				return -ENOMEM;
			}
			st->snaps = ns;
		}
		st->snaps[st->n_snaps++] = (struct snapfile){ .index = index, .term = term };
	}
	closedir(d);
	if (st->n_snaps)
		qsort(st->snaps, st->n_snaps, sizeof(*st->snaps), cmp_snap_desc);
	return 0;
}

/* ---- replay ------------------------------------------------------------------- */

struct rebuild {
	struct sov_raft_storage *st;
	uint64_t ci, ct;		/* the snapshot chosen to boot from */
	struct raft_entry *ents;	/* contiguous: ents[k].index == ents[0].index + k */
	size_t n, cap;
	uint64_t base;			/* after a mark emptied the log: the next is base + 1 */
	uint64_t missing_index, missing_term;
	struct raft_hard_state hs;
	char damaged[64];		/* the newest snapshot file, if it failed its check */
	char msg[256];
};

static void rb_truncate(struct rebuild *rb, size_t keep)
{
	free_entries(rb->ents + keep, rb->n - keep);
	rb->n = keep;
}

/* Drop entries up to and including @index (the front of the array). */
static void rb_drop_through(struct rebuild *rb, uint64_t index)
{
	size_t k = (size_t)(index - rb->ents[0].index + 1);

	free_entries(rb->ents, k);
	memmove(rb->ents, rb->ents + k, (rb->n - k) * sizeof(*rb->ents));
	rb->n -= k;
}

static bool rb_has(const struct rebuild *rb, uint64_t index, uint64_t term)
{
	uint64_t first;

	if (!rb->n)
		return false;
	first = rb->ents[0].index;
	return index >= first && index < first + rb->n && rb->ents[index - first].term == term;
}

static int rb_entry(struct rebuild *rb, const struct sov_wal_record *rec, char *where)
{
	struct raft_entry e = {
		.term = sov_get_le64(rec->data),
		.index = sov_get_le64(rec->data + 8),
		.type = rec->data[16],
		.len = rec->len - ENTRY_HDR,
	};
	uint64_t first, last;

	if (!e.index) {
		snprintf(rb->msg, sizeof(rb->msg), "%s: entry with index 0", where);
		return -EBADMSG;
	}
	if (rb->n) {
		first = rb->ents[0].index;
		last = first + rb->n - 1;
		if (e.index > last + 1) {
			snprintf(rb->msg, sizeof(rb->msg), "%s: entry %" PRIu64 " follows %" PRIu64,
				 where, e.index, last);
			return -EBADMSG;
		}
		/* raft's overwrite: a conflicting entry replaces the suffix from its index */
		rb_truncate(rb, e.index < first ? 0 : (size_t)(e.index - first));
	} else if (rb->base && e.index != rb->base + 1) {
		snprintf(rb->msg, sizeof(rb->msg), "%s: entry %" PRIu64 " after a snapshot at %" PRIu64,
			 where, e.index, rb->base);
		return -EBADMSG;
	}
	if (rb->n == rb->cap) {
		size_t cap = rb->cap ? rb->cap * 2 : 64;
		struct raft_entry *ne = realloc(rb->ents, cap * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		rb->ents = ne;
		rb->cap = cap;
	}
	if (e.len) {
		e.data = malloc(e.len);
		if (!e.data)
			return -ENOMEM;
		memcpy(e.data, rec->data + ENTRY_HDR, e.len);
	}
	rb->ents[rb->n++] = e;
	return seg_note(rb->st, rec->seq, e.index);
}

static void rb_mark(struct rebuild *rb, uint64_t index, uint64_t term)
{
	bool has = rb_has(rb, index, term);

	if (index <= rb->ci) {
		/* InstallSnapshot: keep what follows a matching entry, else everything goes */
		if (has)
			rb_drop_through(rb, index);
		else
			rb_truncate(rb, 0);
		rb->base = index;
		return;
	}
	/*
	 * A snapshot newer than the one we boot from (its file is damaged or
	 * gone): keep the entries it covered, an older snapshot needs them.
	 * If it replaced the log, what follows rests on a snapshot we lack.
	 */
	if (has)
		return;
	rb_truncate(rb, 0);
	rb->base = index;
	rb->missing_index = index;
	rb->missing_term = term;
}

static int rb_record(void *ctx, const struct sov_wal_record *rec)
{
	struct rebuild *rb = ctx;
	char seg[32], where[64];
	uint64_t index, term;

	sov_wal_segment_name(rec->seq, seg, sizeof(seg));
	snprintf(where, sizeof(where), "%s offset %" PRIu64, seg, rec->offset);
	switch (rec->type) {
	case SOV_RAFT_REC_HARD_STATE:
		if (rec->len != HS_LEN)
			break;
		rb->hs.term = sov_get_le64(rec->data);
		rb->hs.vote = sov_get_le64(rec->data + 8);
		rb->hs.commit = sov_get_le64(rec->data + 16);
		return seg_note(rb->st, rec->seq, 0);
	case SOV_RAFT_REC_ENTRY:
		if (rec->len < ENTRY_HDR)
			break;
		return rb_entry(rb, rec, where);
	case SOV_RAFT_REC_SNAPSHOT_MARK:
		if (rec->len != MARK_LEN)
			break;
		index = sov_get_le64(rec->data);
		term = sov_get_le64(rec->data + 8);
		rb_mark(rb, index, term);
		return seg_note(rb->st, rec->seq, index);
	}
	snprintf(rb->msg, sizeof(rb->msg), "%s: unknown record (type %u, %u bytes)",
		 where, rec->type, rec->len);
	return -EBADMSG;
}

/* Join the replayed log to the chosen snapshot; -EBADMSG if they cannot meet. */
static int rb_finish(struct rebuild *rb)
{
	char snap[64] = "no snapshot", why[160] = "";
	uint64_t first;

	if (rb->ci)
		sov_raft_snapshot_name(rb->ct, rb->ci, snap, sizeof(snap));
	if (rb->damaged[0])
		snprintf(why, sizeof(why), " (the newer %s is damaged)", rb->damaged);
	if (rb->missing_index) {
		snprintf(rb->msg, sizeof(rb->msg),
			 "the log continues from a snapshot at index %" PRIu64 " term %" PRIu64
			 " that is damaged or missing; the newest usable is %s%s",
			 rb->missing_index, rb->missing_term, snap, why);
		return -EBADMSG;
	}
	if (!rb->n)
		return 0;
	first = rb->ents[0].index;
	if (first > rb->ci + 1) {
		if (rb->ci)
			snprintf(rb->msg, sizeof(rb->msg),
				 "the log starts at entry %" PRIu64 " but %s ends at %" PRIu64 "%s",
				 first, snap, rb->ci, why);
		else
			snprintf(rb->msg, sizeof(rb->msg),
				 "the log starts at entry %" PRIu64 " and there is no usable snapshot%s",
				 first, why);
		return -EBADMSG;
	}
	if (first <= rb->ci) {
		if (rb_has(rb, rb->ci, rb->ct))
			rb_drop_through(rb, rb->ci);
		else
			rb_truncate(rb, 0);
	}
	return 0;
}

/* Choose the newest valid snapshot; check up to @keep of them. */
static int choose_snapshot(struct sov_raft_storage *st, struct rebuild *rb,
			   char *err, size_t errlen)
{
	unsigned int valid = 0;
	struct raft_snapshot s;
	const char *why = NULL;
	char name[64];
	uint8_t *buf;
	int r;

	for (size_t i = 0; i < st->n_snaps && valid < st->keep; i++) {
		struct snapfile *sf = &st->snaps[i];

		sov_raft_snapshot_name(sf->term, sf->index, name, sizeof(name));
		r = read_snapshot(st->dirfd, sf, &s, &buf, &why);
		if (r == -EBADMSG) {
			free(buf);
			sf->state = SNAP_CORRUPT;
			st_log(st, "raft storage: %s: %s; trying an older snapshot", name, why);
			if (!valid && !rb->damaged[0])
				snprintf(rb->damaged, sizeof(rb->damaged), "%s", name);
			continue;
		}
		if (r) {
			free(buf);
			sov_io_errf(err, errlen, "raft storage: %s: %s", name, strerror(-r));
			return r;
		}
		sf->state = SNAP_VALID;
		if (!valid++) {
			st->boot_snap = s;
			st->boot_snap_buf = buf;
			rb->ci = sf->index;
			rb->ct = sf->term;
		} else {
			free(buf);
		}
	}
	return 0;
}

static void release_boot(struct sov_raft_storage *st)
{
	free(st->boot_snap_buf);
	st->boot_snap_buf = NULL;
	memset(&st->boot_snap, 0, sizeof(st->boot_snap));
	if (st->boot_ents) {
		free_entries(st->boot_ents, st->boot_n);
		free(st->boot_ents);
		st->boot_ents = NULL;
		st->boot_n = 0;
	}
}

int sov_raft_storage_open(const char *dir, const struct sov_raft_storage_opts *opts,
			  struct sov_raft_storage **stp, struct raft_boot *boot,
			  char *err, size_t errlen)
{
	struct sov_wal_opts wo = { 0 };
	struct sov_raft_storage *st;
	struct rebuild rb = { 0 };
	int r;

	*stp = NULL;
	memset(boot, 0, sizeof(*boot));
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->dirfd = -1;
	st->keep = 2;
	if (opts) {
		if (opts->keep_snapshots)
			st->keep = opts->keep_snapshots;
		if (opts->io)
			st->io = *opts->io;
		st->log = opts->log;
		st->log_ctx = opts->log_ctx;
		wo.segment_bytes = opts->segment_bytes;
	}
	wo.io = &st->io;
	wo.log = st->log;
	wo.log_ctx = st->log_ctx;
	rb.st = st;

	/* the snapshot first: replay needs to know which one it joins the log to */
	r = list_snapshots(st, dir, false);
	if (!r && st->n_snaps) {
		st->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = st->dirfd < 0 ? -errno : 0;
	}
	if (r) {
		sov_io_errf(err, errlen, "raft storage: %s: %s", dir, strerror(-r));
		goto fail;
	}
	r = choose_snapshot(st, &rb, err, errlen);
	if (r)
		goto fail;
	if (st->dirfd >= 0)
		close(st->dirfd);
	st->dirfd = -1;

	r = sov_wal_open(dir, &wo, rb_record, &rb, &st->wal, err, errlen);
	if (r == -EBADMSG && rb.msg[0])
		sov_io_errf(err, errlen, "raft storage: %s: %s; refusing to start", dir, rb.msg);
	if (r)
		goto fail;
	st->dirfd = sov_wal_dirfd(st->wal);
	r = rb_finish(&rb);
	if (r) {
		sov_io_errf(err, errlen, "raft storage: %s: %s; refusing to start", dir, rb.msg);
		goto fail;
	}
	list_snapshots(st, dir, true);

	/* a snapshot outruns the hard state only across a crash mid-Ready */
	if (rb.ci > rb.hs.commit)
		rb.hs.commit = rb.ci;
	if (rb.ct > rb.hs.term) {
		/* no vote in that term can have left: it would be on disk */
		rb.hs.term = rb.ct;
		rb.hs.vote = 0;
	}
	st->hs = rb.hs;
	st->last_index = rb.n ? rb.ents[rb.n - 1].index : rb.ci;
	st->boot_ents = rb.ents;
	st->boot_n = rb.n;
	boot->hs = rb.hs;
	boot->snapshot = rb.ci ? &st->boot_snap : NULL;
	boot->entries = rb.ents;
	boot->n_entries = rb.n;
	*stp = st;
	return 0;
fail:
	free_entries(rb.ents, rb.n);
	free(rb.ents);
	if (!st->wal && st->dirfd >= 0)
		close(st->dirfd);
	st->dirfd = -1;
	sov_raft_storage_close(st);
	return r;
}

void sov_raft_storage_close(struct sov_raft_storage *st)
{
	if (!st)
		return;
	release_boot(st);
	sov_wal_close(st->wal);
	free(st->snaps);
	free(st->segs);
	free(st);
}

/* ---- writing ------------------------------------------------------------------ */

static int append_hs(struct sov_raft_storage *st, const struct raft_hard_state *hs)
{
	uint8_t b[HS_LEN];

	sov_put_le64(b, hs->term);
	sov_put_le64(b + 8, hs->vote);
	sov_put_le64(b + 16, hs->commit);
	return sov_wal_append(st->wal, SOV_RAFT_REC_HARD_STATE, b, sizeof(b));
}

static int append_mark(struct sov_raft_storage *st, const struct raft_snapshot_meta *m)
{
	uint8_t b[MARK_LEN];
	int r;

	sov_put_le64(b, m->index);
	sov_put_le64(b + 8, m->term);
	r = sov_wal_append(st->wal, SOV_RAFT_REC_SNAPSHOT_MARK, b, sizeof(b));
	return r ? r : seg_note(st, sov_wal_seq(st->wal), m->index);
}

static int append_entry(struct sov_raft_storage *st, const struct raft_entry *e)
{
	uint8_t stack[256], *b = stack;
	size_t len = ENTRY_HDR + (size_t)e->len;
	int r;

	if (len > sizeof(stack)) {
		b = malloc(len);
		if (!b)
			return -ENOMEM;
	}
	sov_put_le64(b, e->term);
	sov_put_le64(b + 8, e->index);
	b[16] = e->type;
	if (e->len)
		memcpy(b + ENTRY_HDR, e->data, e->len);
	r = sov_wal_append(st->wal, SOV_RAFT_REC_ENTRY, b, (uint32_t)len);
	if (b != stack)
		free(b);
	return r ? r : seg_note(st, sov_wal_seq(st->wal), e->index);
}

/* Keep the newest @keep valid snapshots; delete the rest. */
static void prune_snapshots(struct sov_raft_storage *st)
{
	unsigned int valid = 0;
	bool removed = false;
	char name[64];
	size_t i, j;
	int r;

	for (i = 0, j = 0; i < st->n_snaps; i++) {
		struct snapfile *sf = &st->snaps[i];

		if (sf->state == SNAP_VALID && valid < st->keep) {
			valid++;
			st->snaps[j++] = *sf;
			continue;
		}
		sov_raft_snapshot_name(sf->term, sf->index, name, sizeof(name));
		if (unlinkat(st->dirfd, name, 0) < 0 && errno != ENOENT) {
			st_log(st, "raft storage: removing %s: %s", name, strerror(errno));
			st->snaps[j++] = *sf;
			continue;
		}
		removed = true;
	}
	st->n_snaps = j;
	/* an old snapshot that comes back after a crash does no harm: no fsync error is fatal here */
	if (removed) {
		r = sov_io_fsync(&st->io, st->dirfd, false);
		if (r)
			st_log(st, "raft storage: fsync of the directory: %s", strerror(-r));
	}
}

static int add_snapshot(struct sov_raft_storage *st, const struct raft_snapshot_meta *m)
{
	struct snapfile *ns;
	size_t i;

	for (i = 0; i < st->n_snaps; i++) {
		if (st->snaps[i].index == m->index && st->snaps[i].term == m->term) {
			st->snaps[i].state = SNAP_VALID;
			return 0;
		}
	}
	ns = realloc(st->snaps, (st->n_snaps + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	st->snaps = ns;
	ns[st->n_snaps++] = (struct snapfile){ m->index, m->term, SNAP_VALID };
	qsort(st->snaps, st->n_snaps, sizeof(*ns), cmp_snap_desc);
	return 0;
}

/*
 * Delete the oldest segments that mention nothing past @index. The current
 * hard state goes into a fresh segment first, so that nothing replay needs
 * lives only in a deleted one.
 */
static int compact(struct sov_raft_storage *st, uint64_t index)
{
	struct sov_wal_stats ws;
	uint64_t s;
	size_t i;
	int r;

	sov_wal_stats(st->wal, &ws);
	if (!index || seg_max(st, ws.first_seq) > index)
		return 0;
	r = sov_wal_roll(st->wal);
	if (!r)
		r = append_hs(st, &st->hs);
	if (!r)
		r = sov_wal_sync(st->wal);
	if (r)
		return r;
	for (s = ws.first_seq; s < sov_wal_seq(st->wal) && seg_max(st, s) <= index; s++)
		;
	r = sov_wal_release_before(st->wal, s);
	if (r)
		return r;
	for (i = 0; i < st->n_segs && st->segs[i].seq < s; i++)
		;
	memmove(st->segs, st->segs + i, (st->n_segs - i) * sizeof(*st->segs));
	st->n_segs -= i;
	return 0;
}

/* After a snapshot is durable and recorded: prune, then compact to the oldest kept. */
static int after_snapshot(struct sov_raft_storage *st, const struct raft_snapshot_meta *m)
{
	unsigned int valid = 0;
	uint64_t oldest = 0;
	int r;

	r = add_snapshot(st, m);
	if (r)
		return r;
	prune_snapshots(st);
	for (size_t i = 0; i < st->n_snaps; i++) {
		if (st->snaps[i].state == SNAP_VALID && ++valid == st->keep)
			oldest = st->snaps[i].index;
	}
	/* fewer than @keep snapshots: the log still reaches back to the start */
	return compact(st, oldest);
}

int sov_raft_storage_write(struct sov_raft_storage *st, const struct raft_ready *rd)
{
	const struct raft_snapshot *snap = rd->snapshot;
	uint64_t last = st->last_index;
	size_t i;
	int r;

	if (st->err)
		return st->err;
	/* check everything before writing anything: a bad Ready leaves no trace */
	if (snap && (!snap->meta.index || (snap->len && !snap->data)))
		return -EINVAL;
	if (snap && snap->meta.index > last)
		last = snap->meta.index;
	for (i = 0; i < rd->n_entries; i++) {
		const struct raft_entry *e = &rd->entries[i];

		if (!e->index || e->index != rd->entries[0].index + i ||
		    (e->len && !e->data) || e->len > SOV_WAL_MAX_RECORD - ENTRY_HDR)
			return -EINVAL;
	}
	if (rd->n_entries && rd->entries[0].index > last + 1)
		return -EINVAL;
	/* a received snapshot replaces the log: what follows it starts after it */
	if (snap && rd->n_entries && rd->entries[0].index <= snap->meta.index)
		return -EINVAL;
	release_boot(st);

	if (snap) {
		/* the file before the mark: a durable mark must find its snapshot */
		r = write_snapshot(st, snap);
		if (r)
			return fail(st, r, "writing the snapshot");
		r = append_mark(st, &snap->meta);
		if (r)
			return fail(st, r, "appending the snapshot mark");
	}
	if (rd->hs_changed) {
		r = append_hs(st, &rd->hs);
		if (r)
			return fail(st, r, "appending the hard state");
	}
	for (i = 0; i < rd->n_entries; i++) {
		r = append_entry(st, &rd->entries[i]);
		if (r)
			return fail(st, r, "appending entries");
	}
	return 0;
}

int sov_raft_storage_sync(struct sov_raft_storage *st)
{
	int r;

	if (st->err)
		return st->err;
	r = sov_wal_sync(st->wal);
	if (r)
		return fail(st, r, "syncing the log");
	return 0;
}

int sov_raft_storage_done(struct sov_raft_storage *st, const struct raft_ready *rd)
{
	uint64_t last = st->last_index;
	int r;

	if (st->err)
		return st->err;
	if (rd->hs_changed)
		st->hs = rd->hs;
	if (rd->snapshot && rd->snapshot->meta.index > last)
		last = rd->snapshot->meta.index;
	if (rd->n_entries)
		last = rd->entries[rd->n_entries - 1].index;
	st->last_index = last;
	if (rd->snapshot) {
		r = after_snapshot(st, &rd->snapshot->meta);
		if (r)
			return fail(st, r, "compacting the log");
	}
	return 0;
}

int sov_raft_storage_save(struct sov_raft_storage *st, const struct raft_ready *rd)
{
	int r = sov_raft_storage_write(st, rd);

	if (!r)
		r = sov_raft_storage_sync(st);
	if (!r)
		r = sov_raft_storage_done(st, rd);
	return r;
}

int sov_raft_storage_snapshot(struct sov_raft_storage *st, const struct raft_snapshot *snap)
{
	int r;

	if (st->err)
		return st->err;
	if (!snap->meta.index || snap->meta.index > st->last_index ||
	    (snap->len && !snap->data))
		return -EINVAL;
	release_boot(st);
	r = write_snapshot(st, snap);
	if (r)
		return fail(st, r, "writing the snapshot");
	r = append_mark(st, &snap->meta);
	if (!r)
		r = sov_wal_sync(st->wal);
	if (r)
		return fail(st, r, "recording the snapshot");
	r = after_snapshot(st, &snap->meta);
	if (r)
		return fail(st, r, "compacting the log");
	return 0;
}

int sov_raft_storage_error(const struct sov_raft_storage *st)
{
	return st->err ? st->err : sov_wal_error(st->wal);
}

void sov_raft_storage_wal_stats(const struct sov_raft_storage *st, struct sov_wal_stats *ws)
{
	sov_wal_stats(st->wal, ws);
}
