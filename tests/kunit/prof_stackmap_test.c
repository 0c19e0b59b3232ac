// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the profiler's pure parts (kmod/prof/stackmap.c): stack hashing,
 * aggregation, collisions within the probe window, overflow accounting,
 * the reader's view, folded-line formatting and the lock-wait histogram's
 * buckets. UML has no perf events: the sampling itself is tested in QEMU.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "../../kmod/prof/stackmap.h"

static void key_init(struct sov_stack_key *k, u32 tgid, const char *comm,
		     u16 nk, u16 nu, u64 base)
{
	unsigned int i;

	memset(k, 0, sizeof(*k));
	k->tgid = tgid;
	k->pid = tgid;
	strscpy(k->comm, comm, sizeof(k->comm));
	k->nk = nk;
	k->nu = nu;
	for (i = 0; i < nk + nu; i++)
		k->ips[i] = base + i;
}

static struct sov_stackmap *map_new(struct kunit *test, u32 max)
{
	struct sov_stackmap *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_ASSERT_EQ(test, sov_stackmap_init(m, max), 0);
	return m;
}

static void stackmap_hash_covers_the_key(struct kunit *test)
{
	struct sov_stack_key a, b;

	key_init(&a, 10, "spin", 3, 2, 0x1000);
	b = a;
	KUNIT_EXPECT_EQ(test, sov_stack_hash(&a), sov_stack_hash(&b));
	KUNIT_EXPECT_NE(test, sov_stack_hash(&a), 0U);
	b.ips[4]++;
	KUNIT_EXPECT_NE(test, sov_stack_hash(&a), sov_stack_hash(&b));
	b = a;
	b.tgid++;
	KUNIT_EXPECT_NE(test, sov_stack_hash(&a), sov_stack_hash(&b));
	b = a;
	b.tag = 1;
	KUNIT_EXPECT_NE(test, sov_stack_hash(&a), sov_stack_hash(&b));
	b = a;
	b.comm[0] = 'S';
	KUNIT_EXPECT_NE(test, sov_stack_hash(&a), sov_stack_hash(&b));
	/* the same addresses split differently between kernel and user */
	b = a;
	b.nk = 2;
	b.nu = 3;
	KUNIT_EXPECT_NE(test, sov_stack_hash(&a), sov_stack_hash(&b));
}

static void stackmap_aggregates(struct kunit *test)
{
	struct sov_stackmap *m = map_new(test, 64);
	struct sov_stack_key a, b;
	struct sov_stack_entry *ea, *eb;
	unsigned int i;

	key_init(&a, 1, "a", 4, 0, 0xffffffff81000000ULL);
	key_init(&b, 1, "a", 4, 1, 0xffffffff81000000ULL);
	for (i = 0; i < 7; i++)
		ea = sov_stackmap_add(m, &a, 1, 1);
	eb = sov_stackmap_add(m, &b, 2, 4096);
	KUNIT_ASSERT_NOT_NULL(test, ea);
	KUNIT_ASSERT_NOT_NULL(test, eb);
	KUNIT_EXPECT_PTR_NE(test, ea, eb);
	KUNIT_EXPECT_EQ(test, ea->count, 7ULL);
	KUNIT_EXPECT_EQ(test, ea->weight, 7ULL);
	KUNIT_EXPECT_EQ(test, eb->count, 2ULL);
	KUNIT_EXPECT_EQ(test, eb->weight, 4096ULL);
	KUNIT_EXPECT_EQ(test, m->used, 2U);
	KUNIT_EXPECT_EQ(test, m->dropped, 0ULL);
	KUNIT_EXPECT_EQ(test, memcmp(ea->ips, a.ips, 4 * sizeof(u64)), 0);
	KUNIT_EXPECT_STREQ(test, ea->comm, "a");
	sov_stackmap_free(m);
}

/* Keys whose hashes land in one slot still get slots of their own. */
static void stackmap_collisions(struct kunit *test)
{
	struct sov_stackmap *m = map_new(test, 64);
	struct sov_stack_key k;
	u32 first = 0, want, found = 0;
	u64 base;

	for (base = 0; found < 5 && base < 100000; base++) {
		key_init(&k, 7, "c", 2, 0, base << 8);
		want = sov_stack_hash(&k) & m->mask;
		if (!found)
			first = want;
		if (want != first)
			continue;
		KUNIT_ASSERT_NOT_NULL(test, sov_stackmap_add(m, &k, 1, 1));
		found++;
	}
	KUNIT_ASSERT_EQ(test, found, 5U);
	KUNIT_EXPECT_EQ(test, m->used, 5U);
	/* each of them is found again, not added twice */
	for (base = 0, found = 0; found < 5; base++) {
		key_init(&k, 7, "c", 2, 0, base << 8);
		if ((sov_stack_hash(&k) & m->mask) != first)
			continue;
		KUNIT_EXPECT_EQ(test, sov_stackmap_add(m, &k, 1, 1)->count, 2ULL);
		found++;
	}
	KUNIT_EXPECT_EQ(test, m->used, 5U);
	sov_stackmap_free(m);
}

/* Past max, new stacks are dropped (and counted), old ones still count. */
static void stackmap_overflow(struct kunit *test)
{
	struct sov_stackmap *m = map_new(test, 100);	/* 128 slots */
	struct sov_stack_key k;
	unsigned int i, got = 0;

	KUNIT_EXPECT_EQ(test, m->mask, 127U);
	for (i = 0; i < 150; i++) {
		key_init(&k, i, "o", 1, 0, 0x5000 + i);
		if (sov_stackmap_add(m, &k, 3, 3))
			got++;
	}
	KUNIT_EXPECT_LE(test, got, 100U);
	KUNIT_EXPECT_EQ(test, m->used, got);
	KUNIT_EXPECT_EQ(test, m->dropped, (u64)(150 - got) * 3);
	key_init(&k, 0, "o", 1, 0, 0x5000);
	KUNIT_EXPECT_NOT_NULL(test, sov_stackmap_add(m, &k, 1, 1));
	sov_stackmap_clear(m);
	KUNIT_EXPECT_EQ(test, m->used, 0U);
	KUNIT_EXPECT_EQ(test, m->dropped, 0ULL);
	sov_stackmap_free(m);
}

/* A full probe window drops a new stack even while the table has room. */
static void stackmap_probe_window(struct kunit *test)
{
	struct sov_stackmap *m = map_new(test, 4096);
	struct sov_stack_key k;
	u32 i;

	/* occupy the window after slot 0 directly, as other stacks would */
	for (i = 0; i < SOV_STACKMAP_PROBES; i++)
		m->slots[i].hash = 0xdead0000 | i;
	for (i = 0; i < 100000; i++) {
		key_init(&k, i, "w", 1, 0, 0x9000);
		if ((sov_stack_hash(&k) & m->mask) == 0)
			break;
	}
	KUNIT_ASSERT_LT(test, i, 100000U);
	KUNIT_EXPECT_NULL(test, sov_stackmap_add(m, &k, 1, 1));
	KUNIT_EXPECT_EQ(test, m->dropped, 1ULL);
	sov_stackmap_free(m);
}

static void stackmap_reader_view(struct kunit *test)
{
	struct sov_stackmap *m = map_new(test, 64);
	struct sov_stack_key k;
	unsigned int i, seen = 0;
	u64 sum = 0;

	for (i = 0; i < 10; i++) {
		key_init(&k, i, "r", 2, 2, 0x100 * i);
		sov_stackmap_add(m, &k, i + 1, 0);
	}
	for (i = 0; i < sov_stackmap_nslots(m); i++) {
		const struct sov_stack_entry *e = sov_stackmap_slot(m, i);

		if (!e)
			continue;
		seen++;
		sum += e->count;
	}
	KUNIT_EXPECT_EQ(test, seen, 10U);
	KUNIT_EXPECT_EQ(test, sum, 55ULL);
	sov_stackmap_free(m);
}

static int fake_sym(char *buf, size_t len, u64 addr, bool kernel)
{
	return snprintf(buf, len, "%s%llx", kernel ? "k" : "u", addr);
}

static void stackmap_fold_line(struct kunit *test)
{
	struct sov_stack_entry e = { .nk = 2, .nu = 3 };
	char buf[256];
	int n;

	strscpy(e.comm, "spin", sizeof(e.comm));
	e.ips[0] = 0xa1;	/* kernel, innermost */
	e.ips[1] = 0xa2;
	e.ips[2] = 0xb1;	/* user, innermost */
	e.ips[3] = 0xb2;
	e.ips[4] = 0xb3;
	n = sov_stack_fold(buf, sizeof(buf), &e, 42, fake_sym);
	KUNIT_EXPECT_STREQ(test, buf, "spin;ub3;ub2;ub1;ka2_[k];ka1_[k] 42\n");
	KUNIT_EXPECT_EQ(test, n, (int)strlen(buf));

	/* too small: truncated, but the needed length is reported */
	n = sov_stack_fold(buf, 10, &e, 42, fake_sym);
	KUNIT_EXPECT_EQ(test, strlen(buf), 9UL);
	KUNIT_EXPECT_EQ(test, n, 36);

	/* no name, no frames */
	memset(&e, 0, sizeof(e));
	sov_stack_fold(buf, sizeof(buf), &e, 1, fake_sym);
	KUNIT_EXPECT_STREQ(test, buf, "[unknown] 1\n");
}

static void prof_hist_buckets(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sov_prof_hist_bucket(0), 0U);
	KUNIT_EXPECT_EQ(test, sov_prof_hist_bucket(1), 0U);
	KUNIT_EXPECT_EQ(test, sov_prof_hist_bucket(2), 1U);
	KUNIT_EXPECT_EQ(test, sov_prof_hist_bucket(3), 1U);
	KUNIT_EXPECT_EQ(test, sov_prof_hist_bucket(1023), 9U);
	KUNIT_EXPECT_EQ(test, sov_prof_hist_bucket(1024), 10U);
	KUNIT_EXPECT_EQ(test, sov_prof_hist_bucket(1000000), 19U);	/* 1 ms */
	KUNIT_EXPECT_EQ(test, sov_prof_hist_bucket(1ULL << 39), 39U);
	KUNIT_EXPECT_EQ(test, sov_prof_hist_bucket(1ULL << 40),
			SOV_PROF_HIST_BUCKETS - 1);
	KUNIT_EXPECT_EQ(test, sov_prof_hist_bucket(U64_MAX),
			SOV_PROF_HIST_BUCKETS - 1);
}

static struct kunit_case prof_stackmap_cases[] = {
	KUNIT_CASE(stackmap_hash_covers_the_key),
	KUNIT_CASE(stackmap_aggregates),
	KUNIT_CASE(stackmap_collisions),
	KUNIT_CASE(stackmap_overflow),
	KUNIT_CASE(stackmap_probe_window),
	KUNIT_CASE(stackmap_reader_view),
	KUNIT_CASE(stackmap_fold_line),
	KUNIT_CASE(prof_hist_buckets),
	{}
};

static struct kunit_suite prof_stackmap_suite = {
	.name = "sovereign_prof_stackmap",
	.test_cases = prof_stackmap_cases,
};

kunit_test_suite(prof_stackmap_suite);
