// SPDX-License-Identifier: GPL-2.0
/* lib/raft/storage: replay with overwrites, snapshots, compaction, failures. */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>

#include "fault_io.h"
#include "../../lib/raft/storage.h"

#define MAX_ENTS	512

/* A Ready's worth of entries, with data that says which (index, term) it is. */
struct batch {
	struct raft_entry e[MAX_ENTS];
	char data[MAX_ENTS][24];
	size_t n;
};

static void batch_make(struct batch *b, uint64_t from, uint64_t to, uint64_t term)
{
	b->n = 0;
	for (uint64_t i = from; i <= to; i++) {
		struct raft_entry *e = &b->e[b->n];

		snprintf(b->data[b->n], sizeof(b->data[0]), "i%" PRIu64 "t%" PRIu64, i, term);
		e->index = i;
		e->term = term;
		e->type = RAFT_ENTRY_NORMAL;
		e->data = (uint8_t *)b->data[b->n];
		e->len = (uint32_t)strlen(b->data[b->n]);
		b->n++;
	}
}

static int save_entries(struct sov_raft_storage *st, uint64_t from, uint64_t to, uint64_t term)
{
	static struct batch b;
	struct raft_ready rd = { 0 };

	batch_make(&b, from, to, term);
	rd.entries = b.e;
	rd.n_entries = b.n;
	rd.hs_changed = true;
	rd.hs = (struct raft_hard_state){ .term = term, .vote = 2, .commit = from > 1 ? from - 1 : 0 };
	return sov_raft_storage_save(st, &rd);
}

static void check_entry(const struct raft_entry *e, uint64_t index, uint64_t term)
{
	char want[24];

	snprintf(want, sizeof(want), "i%" PRIu64 "t%" PRIu64, index, term);
	assert_int_equal(e->index, index);
	assert_int_equal(e->term, term);
	assert_int_equal(e->len, strlen(want));
	assert_memory_equal(e->data, want, e->len);
}

static struct sov_raft_storage *open_ok(const char *dir, const struct sov_raft_storage_opts *o,
					struct raft_boot *boot)
{
	struct sov_raft_storage *st = NULL;
	char err[512] = "";
	int r;

	r = sov_raft_storage_open(dir, o, &st, boot, err, sizeof(err));
	if (r)
		print_error("sov_raft_storage_open: %d %s\n", r, err);
	assert_int_equal(r, 0);
	assert_non_null(st);
	return st;
}

static void make_snapshot(struct raft_snapshot *s, uint64_t index, uint64_t term, char *buf)
{
	memset(s, 0, sizeof(*s));
	s->meta.index = index;
	s->meta.term = term;
	s->meta.conf.n_voters = 3;
	s->meta.conf.voters[0] = 1;
	s->meta.conf.voters[1] = 2;
	s->meta.conf.voters[2] = 3;
	s->meta.conf.n_learners = 1;
	s->meta.conf.learners[0] = 9;
	sprintf(buf, "state through %" PRIu64, index);
	s->data = (uint8_t *)buf;
	s->len = strlen(buf);
}

static char *snap_path(const char *dir, uint64_t term, uint64_t index)
{
	char name[64];

	sov_raft_snapshot_name(term, index, name, sizeof(name));
	return path_in(dir, name);
}

static void test_new_node(void **state)
{
	struct sov_raft_storage *st;
	char *base = scratch_dir(), *dir = malloc(strlen(base) + 6);
	struct raft_boot boot;

	(void)state;
	/* a directory that does not exist yet */
	sprintf(dir, "%s/node", base);
	st = open_ok(dir, NULL, &boot);
	assert_int_equal(boot.hs.term, 0);
	assert_int_equal(boot.hs.vote, 0);
	assert_null(boot.snapshot);
	assert_int_equal(boot.n_entries, 0);
	assert_null(boot.initial);
	sov_raft_storage_close(st);
	scratch_remove(dir);
	scratch_remove(base);
}

static void test_round_trip(void **state)
{
	struct raft_ready rd = { 0 };
	struct sov_raft_storage *st;
	char *dir = scratch_dir();
	struct raft_boot boot;
	uint8_t conf[RAFT_CONF_ENCODED_LEN] = { RAFT_CONF_ADD_VOTER, 4 };
	struct raft_entry e[3] = {
		{ .term = 1, .index = 1 },	/* empty: a new leader's first entry */
		{ .term = 1, .index = 2, .type = RAFT_ENTRY_CONF, .len = sizeof(conf), .data = conf },
		{ .term = 1, .index = 3, .len = 5, .data = (uint8_t *)"hello" },
	};

	(void)state;
	st = open_ok(dir, NULL, &boot);
	rd.hs_changed = true;
	rd.hs = (struct raft_hard_state){ .term = 1, .vote = 7, .commit = 0 };
	rd.entries = e;
	rd.n_entries = 3;
	assert_int_equal(sov_raft_storage_save(st, &rd), 0);
	/* only the hard state moves */
	memset(&rd, 0, sizeof(rd));
	rd.hs_changed = true;
	rd.hs = (struct raft_hard_state){ .term = 1, .vote = 7, .commit = 3 };
	assert_int_equal(sov_raft_storage_save(st, &rd), 0);
	/* nothing at all */
	memset(&rd, 0, sizeof(rd));
	assert_int_equal(sov_raft_storage_save(st, &rd), 0);
	sov_raft_storage_close(st);

	st = open_ok(dir, NULL, &boot);
	assert_int_equal(boot.hs.term, 1);
	assert_int_equal(boot.hs.vote, 7);
	assert_int_equal(boot.hs.commit, 3);
	assert_null(boot.snapshot);
	assert_int_equal(boot.n_entries, 3);
	assert_int_equal(boot.entries[0].len, 0);
	assert_int_equal(boot.entries[1].type, RAFT_ENTRY_CONF);
	assert_memory_equal(boot.entries[1].data, conf, sizeof(conf));
	assert_int_equal(boot.entries[2].index, 3);
	assert_memory_equal(boot.entries[2].data, "hello", 5);
	sov_raft_storage_close(st);
	scratch_remove(dir);
}

/* Entries 1-5 in term 1, then 4-6 in term 2: the boot has 1-3 t1, 4-6 t2. */
static void test_overwrite(void **state)
{
	struct sov_raft_storage_opts o = { .segment_bytes = 200 };
	struct sov_raft_storage *st;
	char *dir = scratch_dir();
	struct raft_boot boot;
	size_t i;

	(void)state;
	st = open_ok(dir, &o, &boot);
	assert_int_equal(save_entries(st, 1, 5, 1), 0);
	assert_int_equal(save_entries(st, 4, 6, 2), 0);
	sov_raft_storage_close(st);

	st = open_ok(dir, &o, &boot);
	assert_int_equal(boot.n_entries, 6);
	for (i = 0; i < 3; i++)
		check_entry(&boot.entries[i], i + 1, 1);
	for (; i < 6; i++)
		check_entry(&boot.entries[i], i + 1, 2);
	assert_int_equal(boot.hs.term, 2);

	/* again further back, across segments, and the log grows on after it */
	assert_int_equal(save_entries(st, 2, 2, 3), 0);
	assert_int_equal(save_entries(st, 3, 4, 3), 0);
	sov_raft_storage_close(st);
	st = open_ok(dir, &o, &boot);
	assert_int_equal(boot.n_entries, 4);
	check_entry(&boot.entries[0], 1, 1);
	check_entry(&boot.entries[1], 2, 3);
	check_entry(&boot.entries[3], 4, 3);
	sov_raft_storage_close(st);
	scratch_remove(dir);
}

/* One Ready, one fdatasync, whatever it holds. */
static void test_one_fsync_per_ready(void **state)
{
	struct sov_raft_storage_opts o = { 0 };
	struct sov_raft_storage *st;
	char *dir = scratch_dir();
	struct raft_boot boot;
	struct fault f;

	(void)state;
	fault_init(&f);
	o.io = &f.io;
	st = open_ok(dir, &o, &boot);
	f.datasyncs = f.fsyncs = 0;
	assert_int_equal(save_entries(st, 1, 300, 1), 0);
	assert_int_equal(f.datasyncs, 1);
	assert_int_equal(save_entries(st, 301, 301, 1), 0);
	assert_int_equal(f.datasyncs, 2);
	assert_int_equal(f.fsyncs, 0);
	sov_raft_storage_close(st);
	scratch_remove(dir);
}

struct sync_job {
	struct sov_raft_storage *st;
	int ret;
};

static void *sync_on_thread(void *arg)
{
	struct sync_job *j = arg;

	j->ret = sov_raft_storage_sync(j->st);
	return NULL;
}

/*
 * The save in three steps, as sovereignd runs it: write() only queues the
 * log records, sync() on another thread writes and syncs them, done()
 * records them; after a failed sync the error sticks.
 */
static void test_split_save(void **state)
{
	struct sov_raft_storage_opts o = { 0 };
	struct raft_ready rd = { 0 };
	struct sov_raft_storage *st;
	char *dir = scratch_dir();
	struct sync_job job;
	struct raft_boot boot;
	static struct batch b;
	struct fault f;
	pthread_t t;

	(void)state;
	fault_init(&f);
	o.io = &f.io;
	st = open_ok(dir, &o, &boot);
	batch_make(&b, 1, 40, 1);
	rd.entries = b.e;
	rd.n_entries = b.n;
	rd.hs_changed = true;
	rd.hs = (struct raft_hard_state){ .term = 1, .vote = 1 };
	f.writes = f.datasyncs = 0;
	assert_int_equal(sov_raft_storage_write(st, &rd), 0);
	assert_int_equal(f.writes, 0);
	assert_int_equal(f.datasyncs, 0);
	job.st = st;
	assert_int_equal(pthread_create(&t, NULL, sync_on_thread, &job), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(job.ret, 0);
	assert_int_equal(f.writes, 1);
	assert_int_equal(f.datasyncs, 1);
	assert_int_equal(sov_raft_storage_done(st, &rd), 0);
	/* the next Ready must follow on from what done() recorded */
	batch_make(&b, 42, 42, 1);
	rd.n_entries = b.n;
	assert_int_equal(sov_raft_storage_write(st, &rd), -EINVAL);
	sov_raft_storage_close(st);

	st = open_ok(dir, &o, &boot);
	assert_int_equal(boot.n_entries, 40);
	check_entry(&boot.entries[39], 40, 1);
	batch_make(&b, 41, 41, 1);
	rd.n_entries = b.n;
	assert_int_equal(sov_raft_storage_write(st, &rd), 0);
	f.fsync_err = -EIO;
	assert_int_equal(sov_raft_storage_sync(st), -EIO);
	assert_int_equal(sov_raft_storage_done(st, &rd), -EIO);
	assert_int_equal(sov_raft_storage_write(st, &rd), -EIO);
	sov_raft_storage_close(st);
	scratch_remove(dir);
}

/* A Ready that would leave a hole is refused before anything is written. */
static void test_invalid_ready(void **state)
{
	struct sov_raft_storage *st;
	char *dir = scratch_dir();
	struct raft_boot boot;
	struct batch *b = calloc(1, sizeof(*b));
	struct raft_ready rd = { 0 };

	(void)state;
	st = open_ok(dir, NULL, &boot);
	assert_int_equal(save_entries(st, 1, 3, 1), 0);
	assert_int_equal(save_entries(st, 5, 6, 1), -EINVAL);
	batch_make(b, 4, 6, 1);
	b->e[1].index = 9;
	rd.entries = b->e;
	rd.n_entries = b->n;
	assert_int_equal(sov_raft_storage_save(st, &rd), -EINVAL);
	/* not sticky: the storage is fine */
	assert_int_equal(sov_raft_storage_error(st), 0);
	assert_int_equal(save_entries(st, 4, 4, 1), 0);
	sov_raft_storage_close(st);
	st = open_ok(dir, NULL, &boot);
	assert_int_equal(boot.n_entries, 4);
	sov_raft_storage_close(st);
	free(b);
	scratch_remove(dir);
}

/* ENOSPC or EIO: the Ready is not acknowledged, nor is anything after it. */
static void test_io_failure_is_sticky(void **state)
{
	struct sov_raft_storage_opts o = { 0 };
	struct raft_snapshot snap;
	struct sov_raft_storage *st;
	char *dir = scratch_dir();
	struct raft_boot boot;
	char sbuf[64];
	struct fault f;

	(void)state;
	fault_init(&f);
	o.io = &f.io;
	o.log = fault_log;
	o.log_ctx = &f;
	st = open_ok(dir, &o, &boot);
	assert_int_equal(save_entries(st, 1, 3, 1), 0);
	f.write_err = -ENOSPC;
	assert_int_equal(save_entries(st, 4, 5, 1), -ENOSPC);
	assert_non_null(strstr(f.log, "refusing further writes"));
	f.write_err = 0;
	assert_int_equal(save_entries(st, 4, 5, 1), -ENOSPC);
	make_snapshot(&snap, 2, 1, sbuf);
	assert_int_equal(sov_raft_storage_snapshot(st, &snap), -ENOSPC);
	assert_int_equal(sov_raft_storage_error(st), -ENOSPC);
	sov_raft_storage_close(st);

	st = open_ok(dir, &o, &boot);
	assert_int_equal(boot.n_entries, 3);
	f.fsync_err = -EIO;
	assert_int_equal(save_entries(st, 4, 5, 1), -EIO);
	f.fsync_err = 0;
	f.datasyncs = 0;
	assert_int_equal(save_entries(st, 4, 5, 1), -EIO);
	assert_int_equal(f.datasyncs, 0);
	sov_raft_storage_close(st);
	scratch_remove(dir);
}

/* A snapshot, the log segments it makes useless deleted, a restart. */
static void test_snapshot_compaction_restart(void **state)
{
	struct sov_raft_storage_opts o = { .segment_bytes = 512, .keep_snapshots = 1 };
	struct sov_raft_storage *st;
	struct raft_snapshot snap;
	char *dir = scratch_dir();
	struct sov_wal_stats ws;
	struct raft_boot boot;
	char sbuf[64];
	uint64_t segs_before;

	(void)state;
	st = open_ok(dir, &o, &boot);
	for (uint64_t i = 1; i <= 100; i += 10)
		assert_int_equal(save_entries(st, i, i + 9, 1), 0);
	sov_raft_storage_wal_stats(st, &ws);
	segs_before = ws.seq - ws.first_seq + 1;
	assert_true(segs_before > 5);

	make_snapshot(&snap, 60, 1, sbuf);
	assert_int_equal(sov_raft_storage_snapshot(st, &snap), 0);
	assert_true(file_exists(snap_path(dir, 1, 60)));
	assert_int_equal(count_files(dir, ".tmp"), 0);
	sov_raft_storage_wal_stats(st, &ws);
	assert_true(ws.first_seq > 1);
	assert_true(ws.seq - ws.first_seq + 1 < segs_before);
	assert_false(file_exists(seg_path(dir, 1)));
	sov_raft_storage_close(st);

	st = open_ok(dir, &o, &boot);
	assert_non_null(boot.snapshot);
	assert_int_equal(boot.snapshot->meta.index, 60);
	assert_int_equal(boot.snapshot->meta.term, 1);
	assert_int_equal(boot.snapshot->meta.conf.n_voters, 3);
	assert_int_equal(boot.snapshot->meta.conf.voters[2], 3);
	assert_int_equal(boot.snapshot->meta.conf.n_learners, 1);
	assert_int_equal(boot.snapshot->meta.conf.learners[0], 9);
	assert_int_equal(boot.snapshot->len, strlen(sbuf));
	assert_memory_equal(boot.snapshot->data, sbuf, strlen(sbuf));
	/* the hard state survived the deletion of the segments it was in */
	assert_int_equal(boot.hs.term, 1);
	assert_int_equal(boot.hs.vote, 2);
	assert_int_equal(boot.hs.commit, 90);
	assert_int_equal(boot.n_entries, 40);
	check_entry(&boot.entries[0], 61, 1);
	check_entry(&boot.entries[39], 100, 1);

	/* a second snapshot replaces the first (keep 1) and compacts further */
	assert_int_equal(save_entries(st, 101, 120, 1), 0);
	make_snapshot(&snap, 110, 1, sbuf);
	assert_int_equal(sov_raft_storage_snapshot(st, &snap), 0);
	assert_false(file_exists(snap_path(dir, 1, 60)));
	assert_int_equal(count_files(dir, ".snap"), 1);
	sov_raft_storage_close(st);
	st = open_ok(dir, &o, &boot);
	assert_int_equal(boot.snapshot->meta.index, 110);
	assert_int_equal(boot.n_entries, 10);
	check_entry(&boot.entries[0], 111, 1);
	sov_raft_storage_close(st);
	scratch_remove(dir);
}

/* A follower that receives a snapshot: its old log goes, what follows stays. */
static void test_received_snapshot(void **state)
{
	struct sov_raft_storage *st;
	struct raft_snapshot snap;
	char *dir = scratch_dir();
	struct raft_boot boot;
	struct batch *b = calloc(1, sizeof(*b));
	struct raft_ready rd = { 0 };
	char sbuf[64];

	(void)state;
	st = open_ok(dir, NULL, &boot);
	assert_int_equal(save_entries(st, 1, 10, 1), 0);
	make_snapshot(&snap, 50, 3, sbuf);
	batch_make(b, 51, 52, 3);
	rd.snapshot = &snap;
	rd.hs_changed = true;
	rd.hs = (struct raft_hard_state){ .term = 3, .commit = 50 };
	rd.entries = b->e;
	rd.n_entries = b->n;
	assert_int_equal(sov_raft_storage_save(st, &rd), 0);
	sov_raft_storage_close(st);

	st = open_ok(dir, NULL, &boot);
	assert_non_null(boot.snapshot);
	assert_int_equal(boot.snapshot->meta.index, 50);
	assert_int_equal(boot.hs.term, 3);
	assert_int_equal(boot.n_entries, 2);
	check_entry(&boot.entries[0], 51, 3);
	check_entry(&boot.entries[1], 52, 3);
	sov_raft_storage_close(st);
	free(b);
	scratch_remove(dir);
}

/* The rename fails: no snapshot under its real name, no leftover .tmp, sticky. */
static void test_snapshot_write_is_atomic(void **state)
{
	struct sov_raft_storage_opts o = { 0 };
	struct sov_raft_storage *st;
	struct raft_snapshot snap;
	char *dir = scratch_dir();
	struct raft_boot boot;
	char sbuf[64];
	struct fault f;

	(void)state;
	fault_init(&f);
	o.io = &f.io;
	st = open_ok(dir, &o, &boot);
	assert_int_equal(save_entries(st, 1, 10, 1), 0);
	make_snapshot(&snap, 5, 1, sbuf);
	f.rename_err = -EIO;
	assert_int_equal(sov_raft_storage_snapshot(st, &snap), -EIO);
	assert_false(file_exists(snap_path(dir, 1, 5)));
	assert_int_equal(count_files(dir, ".tmp"), 0);
	assert_int_equal(save_entries(st, 11, 11, 1), -EIO);
	sov_raft_storage_close(st);

	/* a crash between write and rename leaves a .tmp: ignored and removed */
	assert_int_equal(file_write(path_in(dir, "snap-0000000000000001-0000000000000007.snap.tmp"),
				    "partial", 7), 0);
	f.rename_err = 0;
	st = open_ok(dir, &o, &boot);
	assert_null(boot.snapshot);
	assert_int_equal(boot.n_entries, 10);
	assert_int_equal(count_files(dir, ".tmp"), 0);
	/* and a snapshot's fsync comes before its rename */
	f.fsyncs = f.renames = 0;
	assert_int_equal(sov_raft_storage_snapshot(st, &snap), 0);
	assert_int_equal(f.renames, 1);
	assert_true(f.fsyncs >= 2);	/* the file, then the directory */
	sov_raft_storage_close(st);
	scratch_remove(dir);
}

/* keep 2: a damaged newest snapshot falls back to the older one and the log. */
static void test_corrupt_snapshot_fallback(void **state)
{
	struct sov_raft_storage_opts o = { .segment_bytes = 512 };
	struct sov_raft_storage *st;
	struct raft_snapshot snap;
	char *dir = scratch_dir();
	struct sov_wal_stats ws;
	struct raft_boot boot;
	char sbuf[64];
	struct fault f;

	(void)state;
	fault_init(&f);
	o.log = fault_log;
	o.log_ctx = &f;
	st = open_ok(dir, &o, &boot);
	assert_int_equal(save_entries(st, 1, 100, 1), 0);
	make_snapshot(&snap, 40, 1, sbuf);
	assert_int_equal(sov_raft_storage_snapshot(st, &snap), 0);
	/* one snapshot of two: nothing is deleted yet */
	assert_true(file_exists(seg_path(dir, 1)));
	make_snapshot(&snap, 70, 1, sbuf);
	assert_int_equal(sov_raft_storage_snapshot(st, &snap), 0);
	sov_raft_storage_wal_stats(st, &ws);
	assert_true(ws.first_seq > 1);
	assert_int_equal(count_files(dir, ".snap"), 2);
	sov_raft_storage_close(st);

	/* a flipped bit in the newest snapshot's data */
	assert_int_equal(file_xor(snap_path(dir, 1, 70), file_size(snap_path(dir, 1, 70)) - 1, 4), 0);
	st = open_ok(dir, &o, &boot);
	assert_non_null(strstr(f.log, "snap-0000000000000001-0000000000000046.snap: checksum mismatch"));
	assert_non_null(boot.snapshot);
	assert_int_equal(boot.snapshot->meta.index, 40);
	assert_memory_equal(boot.snapshot->data, "state through 40", 16);
	assert_int_equal(boot.n_entries, 60);
	check_entry(&boot.entries[0], 41, 1);
	check_entry(&boot.entries[59], 100, 1);

	/* the next snapshot prunes the damaged one */
	make_snapshot(&snap, 90, 1, sbuf);
	assert_int_equal(sov_raft_storage_snapshot(st, &snap), 0);
	assert_false(file_exists(snap_path(dir, 1, 70)));
	assert_true(file_exists(snap_path(dir, 1, 40)));
	assert_true(file_exists(snap_path(dir, 1, 90)));
	sov_raft_storage_close(st);
	scratch_remove(dir);
}

/* keep 1: with the only snapshot damaged the log cannot be rebuilt: refuse. */
static void test_corrupt_snapshot_refuses(void **state)
{
	struct sov_raft_storage_opts o = { .segment_bytes = 512, .keep_snapshots = 1 };
	struct sov_raft_storage *st = NULL;
	struct raft_snapshot snap;
	char *dir = scratch_dir();
	struct raft_boot boot;
	char sbuf[64], err[512];

	(void)state;
	st = open_ok(dir, &o, &boot);
	assert_int_equal(save_entries(st, 1, 100, 1), 0);
	make_snapshot(&snap, 70, 1, sbuf);
	assert_int_equal(sov_raft_storage_snapshot(st, &snap), 0);
	sov_raft_storage_close(st);

	/* a header field: the length no longer matches */
	assert_int_equal(file_xor(snap_path(dir, 1, 70), 40, 1), 0);
	st = NULL;
	assert_int_equal(sov_raft_storage_open(dir, &o, &st, &boot, err, sizeof(err)), -EBADMSG);
	assert_null(st);
	assert_non_null(strstr(err, "there is no usable snapshot"));
	assert_non_null(strstr(err, "snap-0000000000000001-0000000000000046.snap is damaged"));
	assert_non_null(strstr(err, "refusing to start"));
	scratch_remove(dir);
}

/*
 * A crash after a snapshot file was renamed into place but before the log
 * recorded it: the file wins, joined to the log by the InstallSnapshot rule.
 */
static void test_snapshot_newer_than_log(void **state)
{
	char *dir = scratch_dir(), *other = scratch_dir();
	struct sov_raft_storage *st;
	struct raft_snapshot snap;
	struct raft_boot boot;
	char sbuf[64], from[512];
	uint8_t *b;
	size_t len;

	(void)state;
	st = open_ok(dir, NULL, &boot);
	assert_int_equal(save_entries(st, 1, 10, 1), 0);
	sov_raft_storage_close(st);
	/* the same log elsewhere makes the file */
	st = open_ok(other, NULL, &boot);
	assert_int_equal(save_entries(st, 1, 10, 1), 0);
	make_snapshot(&snap, 8, 1, sbuf);
	assert_int_equal(sov_raft_storage_snapshot(st, &snap), 0);
	sov_raft_storage_close(st);
	snprintf(from, sizeof(from), "%s", snap_path(other, 1, 8));
	b = file_read(from, &len);
	assert_non_null(b);
	assert_int_equal(file_write(snap_path(dir, 1, 8), b, len), 0);
	free(b);

	st = open_ok(dir, NULL, &boot);
	assert_int_equal(boot.snapshot->meta.index, 8);
	assert_int_equal(boot.n_entries, 2);
	check_entry(&boot.entries[0], 9, 1);
	/* a snapshot is committed state */
	assert_int_equal(boot.hs.commit, 8);
	assert_int_equal(boot.hs.vote, 2);
	sov_raft_storage_close(st);

	/* one from a later term that this log never had: the log goes */
	make_snapshot(&snap, 30, 4, sbuf);
	st = open_ok(other, NULL, &boot);
	assert_int_equal(save_entries(st, 11, 30, 4), 0);
	assert_int_equal(sov_raft_storage_snapshot(st, &snap), 0);
	sov_raft_storage_close(st);
	snprintf(from, sizeof(from), "%s", snap_path(other, 4, 30));
	b = file_read(from, &len);
	assert_non_null(b);
	assert_int_equal(file_write(snap_path(dir, 4, 30), b, len), 0);
	free(b);
	st = open_ok(dir, NULL, &boot);
	assert_int_equal(boot.snapshot->meta.index, 30);
	assert_int_equal(boot.n_entries, 0);
	assert_int_equal(boot.hs.term, 4);
	/* no vote in term 4 was ever on disk here, so none was cast */
	assert_int_equal(boot.hs.vote, 0);
	assert_int_equal(boot.hs.commit, 30);
	sov_raft_storage_close(st);
	scratch_remove(other);
	scratch_remove(dir);
}

/* A received snapshot replaced the log; without its file the rest means nothing. */
static void test_missing_received_snapshot_refuses(void **state)
{
	struct sov_raft_storage *st = NULL;
	struct raft_snapshot snap;
	char *dir = scratch_dir();
	struct raft_boot boot;
	struct batch *b = calloc(1, sizeof(*b));
	struct raft_ready rd = { 0 };
	char sbuf[64], err[512];

	(void)state;
	st = open_ok(dir, NULL, &boot);
	assert_int_equal(save_entries(st, 1, 10, 1), 0);
	make_snapshot(&snap, 5, 1, sbuf);
	assert_int_equal(sov_raft_storage_snapshot(st, &snap), 0);
	make_snapshot(&snap, 50, 3, sbuf);
	batch_make(b, 51, 52, 3);
	rd.snapshot = &snap;
	rd.entries = b->e;
	rd.n_entries = b->n;
	assert_int_equal(sov_raft_storage_save(st, &rd), 0);
	sov_raft_storage_close(st);

	assert_int_equal(file_write(snap_path(dir, 3, 50), "garbage", 7), 0);
	st = NULL;
	assert_int_equal(sov_raft_storage_open(dir, NULL, &st, &boot, err, sizeof(err)), -EBADMSG);
	assert_null(st);
	assert_non_null(strstr(err, "snapshot at index 50 term 3 that is damaged or missing"));
	free(b);
	scratch_remove(dir);
}

/* Damage inside the log is the WAL's verdict, passed on. */
static void test_corrupt_log_refuses(void **state)
{
	struct sov_raft_storage *st = NULL;
	char *dir = scratch_dir();
	struct raft_boot boot;
	char err[512];

	(void)state;
	st = open_ok(dir, NULL, &boot);
	assert_int_equal(save_entries(st, 1, 10, 1), 0);
	assert_int_equal(save_entries(st, 11, 20, 1), 0);
	sov_raft_storage_close(st);
	assert_int_equal(file_xor(seg_path(dir, 1), 60, 0x20), 0);
	st = NULL;
	assert_int_equal(sov_raft_storage_open(dir, NULL, &st, &boot, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "wal: 0000000000000001.wal offset"));
	assert_non_null(strstr(err, "refusing to start"));
	scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_node),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_overwrite),
		cmocka_unit_test(test_one_fsync_per_ready),
		cmocka_unit_test(test_split_save),
		cmocka_unit_test(test_invalid_ready),
		cmocka_unit_test(test_io_failure_is_sticky),
		cmocka_unit_test(test_snapshot_compaction_restart),
		cmocka_unit_test(test_received_snapshot),
		cmocka_unit_test(test_snapshot_write_is_atomic),
		cmocka_unit_test(test_snapshot_newer_than_log),
		cmocka_unit_test(test_corrupt_snapshot_fallback),
		cmocka_unit_test(test_corrupt_snapshot_refuses),
		cmocka_unit_test(test_missing_received_snapshot_refuses),
		cmocka_unit_test(test_corrupt_log_refuses),
	};

	return cmocka_run_group_tests_name("raft_storage", tests, NULL, NULL);
}
