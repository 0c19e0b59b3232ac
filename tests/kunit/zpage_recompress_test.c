// SPDX-License-Identifier: GPL-2.0
/* KUnit: recompression runs over a real store: idle pages move up, data stays. */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../../kmod/zpage/recompress.h"

#define NPAGES	64

struct rc_ctx {
	struct sov_zstore *st;
	struct sov_zrecomp *rc;
	atomic_t inflight;
	int done_calls;
	struct sov_zrecomp_status last;
	u8 *pages;			/* what each slot must hold */
};

static void on_done(void *arg, const struct sov_zrecomp_status *st)
{
	struct rc_ctx *c = arg;

	c->done_calls++;
	c->last = *st;
}

/* Text-like pages: LZ4 leaves room that zstd at a high level takes. */
static void fill(u8 *p, u32 seed)
{
	static const char * const words[] = {
		"memory ", "compression ", "idle ", "page ", "level ", "zstd ", "lz4 ",
		"the ", "of ", "recompress ", "swap ", "device ",
	};
	size_t i = 0, n;
	const char *s;

	while (i < PAGE_SIZE) {
		seed = seed * 1103515245 + 12345;
		s = words[(seed >> 16) % ARRAY_SIZE(words)];
		n = min(strlen(s), PAGE_SIZE - i);
		memcpy(p + i, s, n);
		i += n;
	}
}

static int rc_init(struct kunit *test)
{
	struct rc_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_EQ(test, sov_zcodec_init(), 0);
	KUNIT_ASSERT_EQ(test, sov_zrecomp_init(), 0);
	c->st = sov_zstore_create("sov_rc_test", NPAGES);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c->st));
	c->rc = sov_zrecomp_new(c->st, &c->inflight, on_done, c);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c->rc));
	c->pages = kunit_kzalloc(test, NPAGES * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->pages);
	for (i = 0; i < NPAGES; i++) {
		fill(c->pages + i * PAGE_SIZE, i + 1);
		KUNIT_ASSERT_EQ(test, sov_zstore_write(c->st, i, c->pages + i * PAGE_SIZE,
						       SOV_ZLEVEL_FAST), 0);
	}
	test->priv = c;
	return 0;
}

static void rc_exit(struct kunit *test)
{
	struct rc_ctx *c = test->priv;

	if (!c)
		return;
	sov_zrecomp_free(c->rc);
	sov_zstore_destroy(c->st);
	sov_zrecomp_exit();
	sov_zcodec_exit();
}

static void expect_intact(struct kunit *test, struct rc_ctx *c)
{
	u8 *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < NPAGES; i++) {
		KUNIT_ASSERT_EQ(test, sov_zstore_read(c->st, i, buf), 0);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(buf, c->pages + i * PAGE_SIZE, PAGE_SIZE), 0,
				    "slot %u", i);
	}
}

static void recompress_idle_pages_move_up(struct kunit *test)
{
	struct rc_ctx *c = test->priv;
	struct sov_zstore_stats before, after;
	struct sov_zrecomp_status s;

	sov_zstore_stats(c->st, &before);
	KUNIT_ASSERT_EQ(test, before.level_pages[SOV_ZLEVEL_FAST], (u64)NPAGES);
	msleep(jiffies_to_msecs(2) + 1);	/* every page now idle for a tick at least */
	KUNIT_ASSERT_EQ(test, sov_zrecomp_start(c->rc, SOV_ZLEVEL_BEST, 0, 4), 0);
	sov_zrecomp_wait(c->rc);
	sov_zrecomp_status(c->rc, &s);
	KUNIT_EXPECT_FALSE(test, s.running);
	KUNIT_EXPECT_EQ(test, s.runs, 1ULL);
	KUNIT_EXPECT_EQ(test, s.scanned, (u64)NPAGES);
	KUNIT_EXPECT_EQ(test, s.errors, 0ULL);
	KUNIT_EXPECT_GT(test, s.recompressed, 0ULL);
	KUNIT_EXPECT_EQ(test, c->done_calls, 1);
	KUNIT_EXPECT_EQ(test, c->last.recompressed, s.recompressed);

	sov_zstore_stats(c->st, &after);
	kunit_info(test, "%llu of %d pages recompressed: %llu -> %llu bytes\n",
		   s.recompressed, NPAGES, before.compr_bytes, after.compr_bytes);
	KUNIT_EXPECT_EQ(test, after.level_pages[SOV_ZLEVEL_BEST], s.recompressed);
	KUNIT_EXPECT_EQ(test, after.level_pages[SOV_ZLEVEL_FAST], NPAGES - s.recompressed);
	KUNIT_EXPECT_LT(test, after.compr_bytes, before.compr_bytes);
	KUNIT_EXPECT_EQ(test, after.recompressed, s.recompressed);
	expect_intact(test, c);

	/* a second run finds nothing left below best */
	KUNIT_ASSERT_EQ(test, sov_zrecomp_start(c->rc, SOV_ZLEVEL_BEST, 0, 1), 0);
	sov_zrecomp_wait(c->rc);
	sov_zrecomp_status(c->rc, &s);
	KUNIT_EXPECT_EQ(test, s.recompressed, 0ULL);
	KUNIT_EXPECT_EQ(test, s.runs, 2ULL);
}

static void recompress_skips_recent_pages(struct kunit *test)
{
	struct rc_ctx *c = test->priv;
	struct sov_zrecomp_status s;

	/* idle for an hour: none of these pages, written just now */
	KUNIT_ASSERT_EQ(test, sov_zrecomp_start(c->rc, SOV_ZLEVEL_BEST, 3600, 2), 0);
	sov_zrecomp_wait(c->rc);
	sov_zrecomp_status(c->rc, &s);
	KUNIT_EXPECT_EQ(test, s.scanned, (u64)NPAGES);
	KUNIT_EXPECT_EQ(test, s.recompressed, 0ULL);
}

static void recompress_yields_to_io(struct kunit *test)
{
	struct rc_ctx *c = test->priv;
	struct sov_zrecomp_status s;

	msleep(jiffies_to_msecs(2) + 1);
	atomic_set(&c->inflight, 1);	/* the device is busy */
	KUNIT_ASSERT_EQ(test, sov_zrecomp_start(c->rc, SOV_ZLEVEL_BEST, 0, 2), 0);
	msleep(50);
	sov_zrecomp_status(c->rc, &s);
	KUNIT_EXPECT_TRUE(test, s.running);
	KUNIT_EXPECT_EQ(test, s.scanned, 0ULL);
	/* one run at a time */
	KUNIT_EXPECT_EQ(test, sov_zrecomp_start(c->rc, SOV_ZLEVEL_BEST, 0, 2), -EBUSY);
	atomic_set(&c->inflight, 0);
	sov_zrecomp_wait(c->rc);
	sov_zrecomp_status(c->rc, &s);
	KUNIT_EXPECT_EQ(test, s.scanned, (u64)NPAGES);
	expect_intact(test, c);
}

static void recompress_stop_and_refusals(struct kunit *test)
{
	struct rc_ctx *c = test->priv;
	struct sov_zrecomp_status s;

	KUNIT_EXPECT_EQ(test, sov_zrecomp_start(c->rc, SOV_ZLEVEL_NONE, 0, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, sov_zrecomp_start(c->rc, __SOV_ZLEVEL_CNT, 0, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, sov_zrecomp_start(c->rc, SOV_ZLEVEL_BEST, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, sov_zrecomp_start(c->rc, SOV_ZLEVEL_BEST, 0,
						SOV_ZRECOMP_MAX_THREADS + 1), -EINVAL);

	atomic_set(&c->inflight, 1);	/* holds the run at its first page */
	KUNIT_ASSERT_EQ(test, sov_zrecomp_start(c->rc, SOV_ZLEVEL_BEST, 0, 3), 0);
	sov_zrecomp_stop(c->rc);
	atomic_set(&c->inflight, 0);
	sov_zrecomp_status(c->rc, &s);
	KUNIT_EXPECT_FALSE(test, s.running);
	KUNIT_EXPECT_EQ(test, s.scanned, 0ULL);
	KUNIT_EXPECT_EQ(test, c->done_calls, 1);
	expect_intact(test, c);
}

static struct kunit_case zpage_recompress_cases[] = {
	KUNIT_CASE(recompress_idle_pages_move_up),
	KUNIT_CASE(recompress_skips_recent_pages),
	KUNIT_CASE(recompress_yields_to_io),
	KUNIT_CASE(recompress_stop_and_refusals),
	{}
};

static struct kunit_suite zpage_recompress_suite = {
	.name = "sov_zpage_recompress",
	.init = rc_init,
	.exit = rc_exit,
	.test_cases = zpage_recompress_cases,
};

kunit_test_suite(zpage_recompress_suite);
