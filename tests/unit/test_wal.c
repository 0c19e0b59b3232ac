// SPDX-License-Identifier: GPL-2.0
/* lib/wal: round trip, group commit, rolls, torn tails, corruption, failed I/O. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fault_io.h"

#define MAX_RECS	512

/* What a replay saw. */
struct seen {
	size_t n;
	struct {
		uint64_t seq, offset;
		uint8_t type;
		uint32_t len;
		uint8_t data[256];
	} r[MAX_RECS];
	int fail_at;		/* return -ECANCELED at this record, 0: never */
};

static int collect(void *ctx, const struct sov_wal_record *rec)
{
	struct seen *s = ctx;

	if (s->fail_at && (int)s->n + 1 == s->fail_at)
		return -ECANCELED;
	assert_true(s->n < MAX_RECS);
	assert_true(rec->len <= sizeof(s->r[0].data));
	s->r[s->n].seq = rec->seq;
	s->r[s->n].offset = rec->offset;
	s->r[s->n].type = rec->type;
	s->r[s->n].len = rec->len;
	if (rec->len)
		memcpy(s->r[s->n].data, rec->data, rec->len);
	s->n++;
	return 0;
}

/* Record i: type 1 + i % 7, i % 50 + 1 bytes of a pattern that depends on i. */
static uint32_t rec_len(unsigned int i)
{
	return i % 50 + 1;
}

static void rec_fill(unsigned int i, uint8_t *b)
{
	for (uint32_t k = 0; k < rec_len(i); k++)
		b[k] = (uint8_t)(i * 31 + k);
}

static int append_n(struct sov_wal *w, unsigned int from, unsigned int n)
{
	uint8_t b[64];
	int r;

	for (unsigned int i = from; i < from + n; i++) {
		rec_fill(i, b);
		r = sov_wal_append(w, (uint8_t)(1 + i % 7), b, rec_len(i));
		if (r)
			return r;
	}
	return 0;
}

static void check_recs(const struct seen *s, unsigned int from, unsigned int n)
{
	uint8_t b[64];

	assert_true(s->n >= n);
	for (unsigned int i = 0; i < n; i++) {
		rec_fill(from + i, b);
		assert_int_equal(s->r[i].type, 1 + (from + i) % 7);
		assert_int_equal(s->r[i].len, rec_len(from + i));
		assert_memory_equal(s->r[i].data, b, rec_len(from + i));
	}
}

static struct sov_wal *open_ok(const char *dir, const struct sov_wal_opts *o, struct seen *s)
{
	struct sov_wal *w = NULL;
	char err[256] = "";
	int r;

	if (s)
		s->n = 0;
	r = sov_wal_open(dir, o, collect, s, &w, err, sizeof(err));
	if (r)
		print_error("sov_wal_open: %d %s\n", r, err);
	assert_int_equal(r, 0);
	assert_non_null(w);
	return w;
}

static int open_err(const char *dir, const struct sov_wal_opts *o, char *err, size_t len)
{
	struct seen *s = calloc(1, sizeof(*s));
	struct sov_wal *w = NULL;
	int r;

	r = sov_wal_open(dir, o, collect, s, &w, err, len);
	assert_null(w);
	free(s);
	return r;
}

static void test_round_trip(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	char *dir = scratch_dir();
	struct sov_wal_stats st;
	struct sov_wal *w;

	(void)state;
	w = open_ok(dir, NULL, s);
	assert_int_equal(s->n, 0);
	assert_true(file_exists(seg_path(dir, 1)));
	assert_int_equal(file_size(seg_path(dir, 1)), SOV_WAL_HDR);
	assert_int_equal(append_n(w, 0, 100), 0);
	/* an empty payload is a record too */
	assert_int_equal(sov_wal_append(w, 9, NULL, 0), 0);
	assert_int_equal(sov_wal_sync(w), 0);
	sov_wal_close(w);

	w = open_ok(dir, NULL, s);
	assert_int_equal(s->n, 101);
	check_recs(s, 0, 100);
	assert_int_equal(s->r[100].type, 9);
	assert_int_equal(s->r[100].len, 0);
	assert_int_equal(s->r[0].seq, 1);
	assert_int_equal(s->r[0].offset, SOV_WAL_HDR);
	assert_int_equal(s->r[1].offset, SOV_WAL_HDR + SOV_WAL_REC_HDR + rec_len(0));
	sov_wal_stats(w, &st);
	assert_int_equal(st.replayed, 101);
	assert_int_equal(st.torn_truncations, 0);
	/* and appending continues where it left off */
	assert_int_equal(append_n(w, 100, 5), 0);
	assert_int_equal(sov_wal_sync(w), 0);
	sov_wal_close(w);
	w = open_ok(dir, NULL, s);
	assert_int_equal(s->n, 106);
	check_recs(s, 0, 100);
	sov_wal_close(w);

	/* the callback can stop the open */
	s->fail_at = 3;
	s->n = 0;
	assert_int_equal(sov_wal_open(dir, NULL, collect, s, &w, NULL, 0), -ECANCELED);
	assert_null(w);
	free(s);
	scratch_remove(dir);
}

static void test_bad_arguments(void **state)
{
	char *dir = scratch_dir();
	struct sov_wal_opts o = { .segment_bytes = 8 };
	char err[256];
	struct sov_wal *w;

	(void)state;
	assert_int_equal(open_err(dir, &o, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too small"));
	w = open_ok(dir, NULL, NULL);
	assert_int_equal(sov_wal_append(w, 0, "x", 1), -EINVAL);
	assert_int_equal(sov_wal_append(w, 1, NULL, 1), -EINVAL);
	assert_int_equal(sov_wal_append(w, 1, "x", SOV_WAL_MAX_RECORD + 1), -EMSGSIZE);
	/* none of that broke it */
	assert_int_equal(sov_wal_error(w), 0);
	assert_int_equal(sov_wal_append(w, 1, "x", 1), 0);
	assert_int_equal(sov_wal_sync(w), 0);
	/* one writer per directory */
	assert_int_equal(open_err(dir, NULL, err, sizeof(err)), -EBUSY);
	assert_non_null(strstr(err, "in use"));
	sov_wal_close(w);
	scratch_remove(dir);
}

/* Many records, one fdatasync: the group commit. */
static void test_group_commit(void **state)
{
	struct sov_wal_opts o = { 0 };
	char *dir = scratch_dir();
	struct sov_wal_stats st;
	struct fault f;
	struct sov_wal *w;

	(void)state;
	fault_init(&f);
	o.io = &f.io;
	w = open_ok(dir, &o, NULL);
	/* creating the first segment: its header, then its name in the directory */
	assert_int_equal(f.datasyncs, 1);
	assert_int_equal(f.fsyncs, 1);
	f.datasyncs = f.fsyncs = f.writes = 0;

	assert_int_equal(append_n(w, 0, 500), 0);
	/* buffered: nothing written yet */
	assert_int_equal(f.writes, 0);
	assert_int_equal(sov_wal_sync(w), 0);
	assert_int_equal(f.datasyncs, 1);
	assert_int_equal(f.fsyncs, 0);
	assert_int_equal(f.writes, 1);
	/* nothing new: no fsync at all */
	assert_int_equal(sov_wal_sync(w), 0);
	assert_int_equal(f.datasyncs, 1);
	assert_int_equal(append_n(w, 500, 3), 0);
	assert_int_equal(sov_wal_sync(w), 0);
	assert_int_equal(f.datasyncs, 2);
	sov_wal_stats(w, &st);
	assert_int_equal(st.appended, 503);
	assert_int_equal(st.syncs, 2);
	sov_wal_close(w);
	scratch_remove(dir);
}

static void test_segment_roll(void **state)
{
	struct sov_wal_opts o = { .segment_bytes = 256 };
	struct seen *s = calloc(1, sizeof(*s));
	char *dir = scratch_dir();
	struct sov_wal_stats st;
	uint8_t big[200];
	struct sov_wal *w;
	uint64_t seq;

	(void)state;
	w = open_ok(dir, &o, NULL);
	assert_int_equal(append_n(w, 0, 200), 0);
	/* larger than the limit: a segment of its own */
	memset(big, 0xab, sizeof(big));
	assert_int_equal(sov_wal_append(w, 3, big, sizeof(big)), 0);
	assert_int_equal(sov_wal_append(w, 3, big, sizeof(big)), 0);
	assert_int_equal(sov_wal_sync(w), 0);
	sov_wal_stats(w, &st);
	assert_true(st.rolls > 10);
	assert_int_equal(st.first_seq, 1);
	assert_int_equal(st.seq, st.rolls + 1);
	seq = st.seq;
	sov_wal_close(w);

	for (uint64_t i = 1; i <= seq; i++) {
		long sz = file_size(seg_path(dir, i));

		assert_true(sz > SOV_WAL_HDR);
		assert_true(sz <= 256 || sz == SOV_WAL_HDR + SOV_WAL_REC_HDR + 200);
	}
	assert_false(file_exists(seg_path(dir, seq + 1)));

	w = open_ok(dir, &o, s);
	assert_int_equal(s->n, 202);
	check_recs(s, 0, 200);
	for (size_t i = 1; i < s->n; i++)
		assert_true(s->r[i].seq == s->r[i - 1].seq || s->r[i].seq == s->r[i - 1].seq + 1);
	assert_int_equal(s->r[0].seq, 1);
	assert_int_equal(s->r[201].seq, seq);
	assert_memory_equal(s->r[201].data, big, sizeof(big));
	/* an explicit roll, and one that has nothing to roll */
	assert_int_equal(sov_wal_roll(w), 0);
	assert_int_equal(sov_wal_seq(w), seq + 1);
	assert_int_equal(sov_wal_roll(w), 0);
	assert_int_equal(sov_wal_seq(w), seq + 1);
	sov_wal_close(w);
	free(s);
	scratch_remove(dir);
}

/*
 * Write 6 records, then cut the file at every byte offset inside the last
 * one: the first 5 survive, the stub is truncated, appending works.
 */
static void test_torn_tail_every_offset(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	char *dir = scratch_dir();
	struct sov_wal_opts o = { 0 };
	size_t len, last_off;
	struct sov_wal_stats st;
	struct sov_wal *w;
	struct fault f;
	uint8_t *orig;

	(void)state;
	fault_init(&f);
	o.log = fault_log;
	o.log_ctx = &f;
	w = open_ok(dir, &o, NULL);
	assert_int_equal(append_n(w, 0, 6), 0);
	assert_int_equal(sov_wal_sync(w), 0);
	sov_wal_close(w);
	orig = file_read(seg_path(dir, 1), &len);
	assert_non_null(orig);
	last_off = len - SOV_WAL_REC_HDR - rec_len(5);

	for (size_t cut = last_off; cut < len; cut++) {
		assert_int_equal(file_write(seg_path(dir, 1), orig, cut), 0);
		f.logged = 0;
		w = open_ok(dir, &o, s);
		assert_int_equal(s->n, 5);
		check_recs(s, 0, 5);
		sov_wal_stats(w, &st);
		assert_int_equal(st.torn_truncations, cut > last_off);
		assert_int_equal(st.torn_bytes, cut - last_off);
		assert_int_equal(file_size(seg_path(dir, 1)), (long)last_off);
		if (cut > last_off) {
			assert_int_equal(f.logged, 1);
			assert_non_null(strstr(f.log, "torn tail"));
		}
		/* the log goes on from the cut */
		assert_int_equal(append_n(w, 5, 2), 0);
		assert_int_equal(sov_wal_sync(w), 0);
		sov_wal_close(w);
		w = open_ok(dir, &o, s);
		assert_int_equal(s->n, 7);
		check_recs(s, 0, 7);
		sov_wal_stats(w, &st);
		assert_int_equal(st.torn_truncations, 0);
		sov_wal_close(w);
	}

	/* damage to any byte of the last record is a torn write too */
	for (size_t off = last_off; off < len; off++) {
		assert_int_equal(file_write(seg_path(dir, 1), orig, len), 0);
		assert_int_equal(file_xor(seg_path(dir, 1), (long)off, 0x10), 0);
		w = open_ok(dir, &o, s);
		assert_int_equal(s->n, 5);
		sov_wal_stats(w, &st);
		assert_int_equal(st.torn_truncations, 1);
		assert_int_equal(file_size(seg_path(dir, 1)), (long)last_off);
		sov_wal_close(w);
	}
	free(orig);
	free(s);
	scratch_remove(dir);
}

/* File systems may leave zeros, or garbage, where an unsynced write was. */
static void test_torn_tail_zeros_and_header(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	uint8_t zeros[4096] = { 0 };
	char *dir = scratch_dir();
	struct sov_wal_opts o = { .segment_bytes = 512 };
	struct sov_wal_stats st;
	struct sov_wal *w;
	uint64_t seq;
	int fd;

	(void)state;
	w = open_ok(dir, &o, NULL);
	assert_int_equal(append_n(w, 0, 40), 0);
	assert_int_equal(sov_wal_sync(w), 0);
	seq = sov_wal_seq(w);
	assert_true(seq > 1);
	sov_wal_close(w);

	fd = open(seg_path(dir, seq), O_WRONLY | O_APPEND);
	assert_true(write(fd, zeros, sizeof(zeros)) == sizeof(zeros));
	close(fd);
	w = open_ok(dir, &o, s);
	assert_int_equal(s->n, 40);
	sov_wal_stats(w, &st);
	assert_int_equal(st.torn_bytes, sizeof(zeros));
	sov_wal_close(w);

	/* a crash while creating the next segment: a header cut short, or all zeros */
	assert_int_equal(file_write(seg_path(dir, seq + 1), "SOVW", 4), 0);
	w = open_ok(dir, &o, s);
	assert_int_equal(s->n, 40);
	assert_int_equal(file_size(seg_path(dir, seq + 1)), SOV_WAL_HDR);
	assert_int_equal(append_n(w, 40, 1), 0);
	assert_int_equal(sov_wal_sync(w), 0);
	sov_wal_close(w);
	w = open_ok(dir, &o, s);
	assert_int_equal(s->n, 41);
	check_recs(s, 0, 41);
	assert_int_equal(s->r[40].seq, seq + 1);
	sov_wal_close(w);

	assert_int_equal(file_write(seg_path(dir, seq + 2), zeros, 100), 0);
	w = open_ok(dir, &o, s);
	assert_int_equal(s->n, 41);
	assert_int_equal(sov_wal_seq(w), seq + 2);
	sov_wal_close(w);
	free(s);
	scratch_remove(dir);
}

static void expect_corrupt(const char *dir, const char *name, long off, const char *why)
{
	char err[512], want[128];

	assert_int_equal(open_err(dir, NULL, err, sizeof(err)), -EBADMSG);
	snprintf(want, sizeof(want), "wal: %s offset %ld: %s", name, off, why);
	if (!strstr(err, want))
		print_error("got \"%s\", want \"%s\"\n", err, want);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "refusing to start"));
}

/* A bad record followed by good ones is damage, not a torn write. */
static void test_corrupt_middle_record(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	char *dir = scratch_dir();
	size_t len;
	uint8_t *orig;
	struct sov_wal *w;

	(void)state;
	w = open_ok(dir, NULL, NULL);
	assert_int_equal(append_n(w, 0, 6), 0);
	assert_int_equal(sov_wal_sync(w), 0);
	sov_wal_close(w);
	w = open_ok(dir, NULL, s);
	sov_wal_close(w);
	orig = file_read(seg_path(dir, 1), &len);

	/* a payload bit: checksum mismatch at record 2 */
	assert_int_equal(file_xor(seg_path(dir, 1), (long)s->r[2].offset + SOV_WAL_REC_HDR, 0x01), 0);
	expect_corrupt(dir, "0000000000000001.wal", (long)s->r[2].offset, "checksum mismatch");
	/* nothing was cut */
	assert_int_equal(file_size(seg_path(dir, 1)), (long)len);

	/* the crc itself */
	assert_int_equal(file_write(seg_path(dir, 1), orig, len), 0);
	assert_int_equal(file_xor(seg_path(dir, 1), (long)s->r[1].offset + 4, 0x80), 0);
	expect_corrupt(dir, "0000000000000001.wal", (long)s->r[1].offset, "checksum mismatch");

	/* the length: the next record is found by scanning */
	assert_int_equal(file_write(seg_path(dir, 1), orig, len), 0);
	assert_int_equal(file_xor(seg_path(dir, 1), (long)s->r[3].offset, 0x04), 0);
	expect_corrupt(dir, "0000000000000001.wal", (long)s->r[3].offset, "");

	/* the type: 0 is never valid */
	assert_int_equal(file_write(seg_path(dir, 1), orig, len), 0);
	assert_int_equal(file_xor(seg_path(dir, 1), (long)s->r[0].offset + 8, s->r[0].type), 0);
	expect_corrupt(dir, "0000000000000001.wal", (long)s->r[0].offset, "invalid record type 0");

	/* the segment header */
	assert_int_equal(file_write(seg_path(dir, 1), orig, len), 0);
	assert_int_equal(file_xor(seg_path(dir, 1), 2, 0xff), 0);
	expect_corrupt(dir, "0000000000000001.wal", 0, "bad segment header");

	/* repaired, it opens again */
	assert_int_equal(file_write(seg_path(dir, 1), orig, len), 0);
	w = open_ok(dir, NULL, s);
	assert_int_equal(s->n, 6);
	sov_wal_close(w);
	free(orig);
	free(s);
	scratch_remove(dir);
}

/* Any damage in a segment that is not the last: even its final record. */
static void test_corrupt_middle_segment(void **state)
{
	struct sov_wal_opts o = { .segment_bytes = 300 };
	struct seen *s = calloc(1, sizeof(*s));
	char *dir = scratch_dir();
	size_t len, i, last_in_2 = 0;
	char err[512], saved[512];
	uint8_t *orig;
	struct sov_wal *w;

	(void)state;
	w = open_ok(dir, &o, NULL);
	assert_int_equal(append_n(w, 0, 30), 0);
	assert_int_equal(sov_wal_sync(w), 0);
	assert_true(sov_wal_seq(w) >= 3);
	sov_wal_close(w);
	w = open_ok(dir, &o, s);
	sov_wal_close(w);
	for (i = 0; i < s->n; i++)
		if (s->r[i].seq == 2)
			last_in_2 = i;
	orig = file_read(seg_path(dir, 2), &len);

	assert_int_equal(file_xor(seg_path(dir, 2), (long)len - 1, 0x01), 0);
	expect_corrupt(dir, "0000000000000002.wal", (long)s->r[last_in_2].offset,
		       "checksum mismatch");
	/* a cut in segment 2 is not a torn tail: segment 3 was started after it was synced */
	assert_int_equal(file_write(seg_path(dir, 2), orig, len - 3), 0);
	expect_corrupt(dir, "0000000000000002.wal", (long)s->r[last_in_2].offset,
		       "record runs past the end of the file");
	assert_int_equal(file_write(seg_path(dir, 2), orig, len), 0);

	/* a hole in the sequence */
	snprintf(saved, sizeof(saved), "%s", path_in(dir, "saved"));
	assert_int_equal(rename(seg_path(dir, 2), saved), 0);
	assert_int_equal(open_err(dir, &o, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "segment 0000000000000002.wal is missing"));
	free(orig);
	free(s);
	scratch_remove(dir);
}

/* ENOSPC from write: the error now and from every later call. */
static void test_write_enospc_is_sticky(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	struct sov_wal_opts o = { 0 };
	char *dir = scratch_dir();
	struct sov_wal *w;
	struct fault f;

	(void)state;
	fault_init(&f);
	o.io = &f.io;
	o.log = fault_log;
	o.log_ctx = &f;
	w = open_ok(dir, &o, NULL);
	assert_int_equal(append_n(w, 0, 10), 0);
	assert_int_equal(sov_wal_sync(w), 0);

	assert_int_equal(append_n(w, 10, 10), 0);
	f.write_err = -ENOSPC;
	f.write_partial = 15;	/* part of a record reached the file */
	f.datasyncs = 0;
	assert_int_equal(sov_wal_sync(w), -ENOSPC);
	assert_int_equal(f.datasyncs, 0);
	assert_int_equal(sov_wal_error(w), -ENOSPC);
	assert_non_null(strstr(f.log, "write failed"));
	/* space comes back: still nothing is acknowledged */
	f.write_err = 0;
	assert_int_equal(sov_wal_append(w, 1, "x", 1), -ENOSPC);
	assert_int_equal(sov_wal_sync(w), -ENOSPC);
	assert_int_equal(sov_wal_roll(w), -ENOSPC);
	assert_int_equal(f.datasyncs, 0);
	sov_wal_close(w);

	/* after a restart, the half-written batch is a torn tail */
	w = open_ok(dir, NULL, s);
	assert_int_equal(s->n, 10);
	check_recs(s, 0, 10);
	sov_wal_close(w);
	free(s);
	scratch_remove(dir);
}

/* EIO from fdatasync: never retried, never acknowledged ("fsyncgate"). */
static void test_fsync_eio_is_sticky(void **state)
{
	struct sov_wal_opts o = { 0 };
	char *dir = scratch_dir();
	struct sov_wal *w;
	struct fault f;

	(void)state;
	fault_init(&f);
	o.io = &f.io;
	w = open_ok(dir, &o, NULL);
	assert_int_equal(append_n(w, 0, 3), 0);
	f.fsync_err = -EIO;
	f.datasyncs = 0;
	assert_int_equal(sov_wal_sync(w), -EIO);
	assert_int_equal(f.datasyncs, 1);
	f.fsync_err = 0;
	/* a second fdatasync could succeed on pages the kernel already dropped */
	assert_int_equal(sov_wal_sync(w), -EIO);
	assert_int_equal(sov_wal_append(w, 1, "x", 1), -EIO);
	assert_int_equal(f.datasyncs, 1);
	sov_wal_close(w);
	scratch_remove(dir);
}

/* A failure while rolling (creating the next segment) is as sticky. */
static void test_roll_failure(void **state)
{
	struct sov_wal_opts o = { .segment_bytes = 200 };
	struct seen *s = calloc(1, sizeof(*s));
	char *dir = scratch_dir();
	struct sov_wal *w;
	struct fault f;
	int r = 0;
	unsigned int i;

	(void)state;
	fault_init(&f);
	o.io = &f.io;
	w = open_ok(dir, &o, NULL);
	assert_int_equal(append_n(w, 0, 3), 0);
	assert_int_equal(sov_wal_sync(w), 0);
	/* fsyncs fail from here on: the roll's sync of the old segment */
	f.fsync_err = -EIO;
	for (i = 3; i < 30 && !r; i++)
		r = append_n(w, i, 1);
	assert_int_equal(r, -EIO);
	assert_int_equal(sov_wal_error(w), -EIO);
	f.fsync_err = 0;
	assert_int_equal(sov_wal_sync(w), -EIO);
	sov_wal_close(w);
	w = open_ok(dir, NULL, s);
	check_recs(s, 0, 3);
	sov_wal_close(w);
	free(s);
	scratch_remove(dir);
}

static void test_release_before(void **state)
{
	struct sov_wal_opts o = { .segment_bytes = 256 };
	struct seen *s = calloc(1, sizeof(*s));
	char *dir = scratch_dir();
	struct sov_wal_stats st;
	struct sov_wal *w;
	struct fault f;
	uint64_t seq;

	(void)state;
	fault_init(&f);
	o.io = &f.io;
	w = open_ok(dir, &o, NULL);
	assert_int_equal(append_n(w, 0, 60), 0);
	assert_int_equal(sov_wal_sync(w), 0);
	seq = sov_wal_seq(w);
	assert_true(seq > 4);
	f.fsyncs = 0;
	assert_int_equal(sov_wal_release_before(w, 4), 0);
	/* one directory fsync per removed segment, oldest first */
	assert_int_equal(f.fsyncs, 3);
	assert_false(file_exists(seg_path(dir, 1)));
	assert_false(file_exists(seg_path(dir, 3)));
	assert_true(file_exists(seg_path(dir, 4)));
	/* never the current segment */
	assert_int_equal(sov_wal_release_before(w, UINT64_MAX), 0);
	assert_true(file_exists(seg_path(dir, seq)));
	assert_false(file_exists(seg_path(dir, seq - 1)));
	sov_wal_stats(w, &st);
	assert_int_equal(st.first_seq, seq);
	sov_wal_close(w);

	w = open_ok(dir, &o, s);
	assert_true(s->n > 0);
	assert_int_equal(s->r[0].seq, seq);
	sov_wal_stats(w, &st);
	assert_int_equal(st.first_seq, seq);
	sov_wal_close(w);
	free(s);
	scratch_remove(dir);
}

/* Appends past the buffer limit go to the file before any sync. */
static void test_large_batch(void **state)
{
	static uint8_t chunk[200000];
	char *dir = scratch_dir();
	struct sov_wal_stats st;
	struct sov_wal *w;

	(void)state;
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (uint8_t)(i * 7);
	w = open_ok(dir, NULL, NULL);
	for (int i = 0; i < 8; i++)
		assert_int_equal(sov_wal_append(w, 2, chunk, sizeof(chunk)), 0);
	assert_true(file_size(seg_path(dir, 1)) > SOV_WAL_HDR);
	assert_int_equal(sov_wal_sync(w), 0);
	sov_wal_close(w);
	/* too big for struct seen: count them with no callback */
	assert_int_equal(sov_wal_open(dir, NULL, NULL, NULL, &w, NULL, 0), 0);
	sov_wal_stats(w, &st);
	assert_int_equal(st.replayed, 8);
	sov_wal_close(w);
	scratch_remove(dir);
}

/*
 * Flip one bit anywhere in a segment: the open either refuses (-EBADMSG) or
 * returns an exact prefix of what was written, short by at most the last
 * record (a torn tail). A damaged record is never handed to the caller.
 */
static void test_any_flip_is_caught(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	char *dir = scratch_dir();
	struct sov_wal *w;
	size_t len, off;
	uint8_t *orig;
	int r, refused = 0, torn = 0;

	(void)state;
	w = open_ok(dir, NULL, NULL);
	assert_int_equal(append_n(w, 0, 10), 0);
	assert_int_equal(sov_wal_sync(w), 0);
	sov_wal_close(w);
	orig = file_read(seg_path(dir, 1), &len);
	for (off = 0; off < len; off++) {
		for (int bit = 0; bit < 8; bit += 3) {
			assert_int_equal(file_write(seg_path(dir, 1), orig, len), 0);
			assert_int_equal(file_xor(seg_path(dir, 1), (long)off, (uint8_t)(1 << bit)), 0);
			s->n = 0;
			w = NULL;
			r = sov_wal_open(dir, NULL, collect, s, &w, NULL, 0);
			if (r) {
				assert_int_equal(r, -EBADMSG);
				refused++;
				continue;
			}
			assert_true(s->n == 10 || s->n == 9);
			check_recs(s, 0, s->n);
			torn += s->n == 9;
			sov_wal_close(w);
		}
	}
	assert_true(refused > 0 && torn > 0);
	free(orig);
	free(s);
	scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_group_commit),
		cmocka_unit_test(test_segment_roll),
		cmocka_unit_test(test_torn_tail_every_offset),
		cmocka_unit_test(test_torn_tail_zeros_and_header),
		cmocka_unit_test(test_corrupt_middle_record),
		cmocka_unit_test(test_corrupt_middle_segment),
		cmocka_unit_test(test_any_flip_is_caught),
		cmocka_unit_test(test_write_enospc_is_sticky),
		cmocka_unit_test(test_fsync_eio_is_sticky),
		cmocka_unit_test(test_roll_failure),
		cmocka_unit_test(test_release_before),
		cmocka_unit_test(test_large_batch),
	};

	return cmocka_run_group_tests_name("wal", tests, NULL, NULL);
}
