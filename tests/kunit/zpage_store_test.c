// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the memcompress page store. Each kind of page (same-filled,
 * compressed, huge, level none) is written, read, replaced and discarded
 * with the counters checked to the byte; mem_limit refuses cleanly;
 * recompression keeps content and moves pages between levels; writers on
 * several kthreads keep every slot whole.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "../../kmod/zpage/pack.h"
#include "../../kmod/zpage/store.h"
#include "zpage_corpus.h"

#define NR_SLOTS	64

struct zs_ctx {
	struct sov_zstore *st;
	void *page;		/* the page to write */
	void *buf;		/* the page read back */
	void *copy;		/* a page kept for comparison */
};

static int zs_init(struct kunit *test)
{
	struct zs_ctx *ctx;

	KUNIT_ASSERT_EQ(test, sov_zcodec_init(), 0);
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	ctx->page = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	ctx->buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	ctx->copy = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->page);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->buf);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->copy);
	ctx->st = sov_zstore_create("sov-kunit", NR_SLOTS);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->st);
	test->priv = ctx;
	return 0;
}

static void zs_exit(struct kunit *test)
{
	struct zs_ctx *ctx = test->priv;

	if (ctx)
		sov_zstore_destroy(ctx->st);
	sov_zcodec_exit();
}

static struct sov_zstore_stats zs_stats(struct zs_ctx *ctx)
{
	struct sov_zstore_stats s;

	sov_zstore_stats(ctx->st, &s);
	return s;
}

/* What the codec makes of @src at @level (the store must agree). */
static unsigned int zs_len(enum sov_zlevel level, const void *src)
{
	struct sov_zstream *zs = sov_zcodec_get();
	enum sov_zalg alg;
	const void *out;
	int len;

	len = sov_zcodec_compress(zs, level, src, UINT_MAX, &alg, &out);
	sov_zcodec_put(zs);
	return len > 0 ? len : PAGE_SIZE;
}

/* Counters that must always agree with each other. */
static void zs_check_sums(struct kunit *test, struct zs_ctx *ctx)
{
	struct sov_zstore_stats s = zs_stats(ctx);
	u64 levels = 0;
	int i;

	for (i = 0; i < __SOV_ZLEVEL_CNT; i++)
		levels += s.level_pages[i];
	KUNIT_EXPECT_EQ(test, s.pages, s.same_pages + levels);
	KUNIT_EXPECT_EQ(test, s.orig_bytes, s.pages * PAGE_SIZE);
	KUNIT_EXPECT_LE(test, s.huge_pages, levels);
	KUNIT_EXPECT_GE(test, s.compr_bytes, s.huge_pages * PAGE_SIZE);
	/* a pack may outlive some of its pages: it is bounded by its own size */
	KUNIT_EXPECT_LE(test, s.compr_bytes, (levels - s.packed_pages) * PAGE_SIZE +
			s.packs * SOV_ZPACK_PAGES * PAGE_SIZE);
	KUNIT_EXPECT_LE(test, s.packs, s.packed_pages);
	KUNIT_EXPECT_GE(test, s.mem_used_max, s.mem_used);
	if (!levels) {
		KUNIT_EXPECT_EQ(test, s.compr_bytes, 0ULL);
		/* the pool's baseline: it frees empty zspages at once */
		KUNIT_EXPECT_EQ(test, s.mem_used, 0ULL);
	} else {
		KUNIT_EXPECT_GE(test, s.mem_used, s.compr_bytes);
	}
}

/* Write @kind (seeded) at @index; returns what sov_zstore_write() did. */
static int zs_put(struct zs_ctx *ctx, u64 index, enum zcorpus_kind kind, u64 seed,
		  enum sov_zlevel level)
{
	zcorpus_fill(ctx->page, kind, seed);
	return sov_zstore_write(ctx->st, index, ctx->page, level);
}

/* Slot @index reads back as @kind (seeded). */
static void zs_expect(struct kunit *test, struct zs_ctx *ctx, u64 index, enum zcorpus_kind kind,
		      u64 seed)
{
	zcorpus_fill(ctx->copy, kind, seed);
	memset(ctx->buf, 0xee, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, sov_zstore_read(ctx->st, index, ctx->buf), 0);
	KUNIT_EXPECT_EQ_MSG(test, memcmp(ctx->buf, ctx->copy, PAGE_SIZE), 0,
			    "slot %llu is not the %s page", index, zcorpus_names[kind]);
}

static void zstore_create_bad(struct kunit *test)
{
	struct zs_ctx *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, PTR_ERR(sov_zstore_create("sov-kunit0", 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(sov_zstore_create("sov-kunit0", U64_MAX)), -EINVAL);
	KUNIT_EXPECT_EQ(test, sov_zstore_nr_pages(ctx->st), (u64)NR_SLOTS);
	sov_zstore_destroy(NULL);
}

static void zstore_empty(struct kunit *test)
{
	struct zs_ctx *ctx = test->priv;
	struct sov_zstore_stats s;

	zs_expect(test, ctx, 0, ZC_ZERO, 0);
	zs_expect(test, ctx, NR_SLOTS - 1, ZC_ZERO, 0);
	sov_zstore_discard(ctx->st, 5);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.pages, 0ULL);
	KUNIT_EXPECT_EQ(test, s.reads, 2ULL);
	KUNIT_EXPECT_EQ(test, s.discards, 0ULL);
	KUNIT_EXPECT_EQ(test, s.mem_used, 0ULL);
	KUNIT_EXPECT_EQ(test, s.mem_used_max, 0ULL);
	zs_check_sums(test, ctx);
}

static void zstore_same(struct kunit *test)
{
	struct zs_ctx *ctx = test->priv;
	struct sov_zstore_stats s;

	KUNIT_ASSERT_EQ(test, zs_put(ctx, 0, ZC_ZERO, 0, SOV_ZLEVEL_BEST), 0);
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 1, ZC_BYTE, 0, SOV_ZLEVEL_FAST), 0);
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 2, ZC_WORD, 0, SOV_ZLEVEL_NONE), 0);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.pages, 3ULL);
	KUNIT_EXPECT_EQ(test, s.same_pages, 3ULL);
	KUNIT_EXPECT_EQ(test, s.compr_bytes, 0ULL);
	KUNIT_EXPECT_EQ(test, s.mem_used, 0ULL);	/* nothing allocated */
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_NONE], 0ULL);
	zs_expect(test, ctx, 0, ZC_ZERO, 0);
	zs_expect(test, ctx, 1, ZC_BYTE, 0);
	zs_expect(test, ctx, 2, ZC_WORD, 0);
	zs_check_sums(test, ctx);

	/* equal first and last words, one byte apart in the middle: not same */
	memset(ctx->page, 0, PAGE_SIZE);
	((u8 *)ctx->page)[PAGE_SIZE / 2 + 3] = 1;
	KUNIT_ASSERT_EQ(test, sov_zstore_write(ctx->st, 4, ctx->page, SOV_ZLEVEL_FAST), 0);
	KUNIT_ASSERT_EQ(test, sov_zstore_read(ctx->st, 4, ctx->buf), 0);
	KUNIT_EXPECT_EQ(test, memcmp(ctx->buf, ctx->page, PAGE_SIZE), 0);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.same_pages, 3ULL);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_FAST], 1ULL);
	sov_zstore_discard(ctx->st, 4);

	/* replace same with same */
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 1, ZC_WORD, 9, SOV_ZLEVEL_FAST), 0);
	zs_expect(test, ctx, 1, ZC_WORD, 9);
	KUNIT_EXPECT_EQ(test, zs_stats(ctx).same_pages, 3ULL);

	sov_zstore_discard(ctx->st, 0);
	sov_zstore_discard(ctx->st, 1);
	sov_zstore_discard(ctx->st, 1);		/* already empty */
	sov_zstore_discard(ctx->st, 2);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.pages, 0ULL);
	KUNIT_EXPECT_EQ(test, s.same_pages, 0ULL);
	KUNIT_EXPECT_EQ(test, s.discards, 4ULL);
	KUNIT_EXPECT_EQ(test, s.writes, 5ULL);
	zs_expect(test, ctx, 1, ZC_ZERO, 0);
	zs_check_sums(test, ctx);
}

static void zstore_compressed(struct kunit *test)
{
	struct zs_ctx *ctx = test->priv;
	struct sov_zstore_stats s;
	u64 compr;

	KUNIT_ASSERT_EQ(test, zs_put(ctx, 0, ZC_TEXT, 1, SOV_ZLEVEL_FAST), 0);
	compr = zs_len(SOV_ZLEVEL_FAST, ctx->page);
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 1, ZC_CODE, 0, SOV_ZLEVEL_BALANCED), 0);
	compr += zs_len(SOV_ZLEVEL_BALANCED, ctx->page);
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 2, ZC_TEXT, 2, SOV_ZLEVEL_BEST), 0);
	compr += zs_len(SOV_ZLEVEL_BEST, ctx->page);
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 3, ZC_TEXT, 3, SOV_ZLEVEL_NONE), 0);
	compr += PAGE_SIZE;

	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.pages, 4ULL);
	KUNIT_EXPECT_EQ(test, s.same_pages, 0ULL);
	KUNIT_EXPECT_EQ(test, s.huge_pages, 0ULL);	/* level none is not "huge" */
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_NONE], 1ULL);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_FAST], 1ULL);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_BALANCED], 1ULL);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_BEST], 1ULL);
	KUNIT_EXPECT_EQ(test, s.compr_bytes, compr);
	KUNIT_EXPECT_EQ(test, s.orig_bytes, 4 * PAGE_SIZE);
	KUNIT_EXPECT_GT(test, s.mem_used, 0ULL);
	KUNIT_EXPECT_LT(test, s.compr_bytes, s.orig_bytes);
	zs_expect(test, ctx, 0, ZC_TEXT, 1);
	zs_expect(test, ctx, 1, ZC_CODE, 0);
	zs_expect(test, ctx, 2, ZC_TEXT, 2);
	zs_expect(test, ctx, 3, ZC_TEXT, 3);
	zs_check_sums(test, ctx);

	/* replace: compressed by compressed at another level, then by same */
	zcorpus_fill(ctx->copy, ZC_TEXT, 1);
	compr -= zs_len(SOV_ZLEVEL_FAST, ctx->copy);
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 0, ZC_CODE, 4, SOV_ZLEVEL_BEST), 0);
	compr += zs_len(SOV_ZLEVEL_BEST, ctx->page);
	zcorpus_fill(ctx->copy, ZC_CODE, 0);
	compr -= zs_len(SOV_ZLEVEL_BALANCED, ctx->copy);
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 1, ZC_ZERO, 0, SOV_ZLEVEL_BALANCED), 0);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.pages, 4ULL);
	KUNIT_EXPECT_EQ(test, s.same_pages, 1ULL);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_FAST], 0ULL);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_BALANCED], 0ULL);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_BEST], 2ULL);
	KUNIT_EXPECT_EQ(test, s.compr_bytes, compr);
	zs_expect(test, ctx, 0, ZC_CODE, 4);
	zs_expect(test, ctx, 1, ZC_ZERO, 0);
	zs_check_sums(test, ctx);

	/* same replaced by compressed */
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 1, ZC_TEXT, 5, SOV_ZLEVEL_FAST), 0);
	compr += zs_len(SOV_ZLEVEL_FAST, ctx->page);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.same_pages, 0ULL);
	KUNIT_EXPECT_EQ(test, s.compr_bytes, compr);
	zs_expect(test, ctx, 1, ZC_TEXT, 5);

	sov_zstore_discard(ctx->st, 0);
	sov_zstore_discard(ctx->st, 1);
	sov_zstore_discard(ctx->st, 2);
	sov_zstore_discard(ctx->st, 3);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.pages, 0ULL);
	KUNIT_EXPECT_EQ(test, s.compr_bytes, 0ULL);
	KUNIT_EXPECT_EQ(test, s.mem_used, 0ULL);
	KUNIT_EXPECT_GT(test, s.mem_used_max, 0ULL);
	KUNIT_EXPECT_EQ(test, s.writes, 7ULL);
	KUNIT_EXPECT_EQ(test, s.failed_writes, 0ULL);
	KUNIT_EXPECT_EQ(test, s.discards, 4ULL);
	zs_check_sums(test, ctx);
}

static void zstore_huge(struct kunit *test)
{
	struct zs_ctx *ctx = test->priv;
	struct sov_zstore_stats s;

	KUNIT_ASSERT_EQ(test, zs_put(ctx, 0, ZC_RANDOM, 0, SOV_ZLEVEL_FAST), 0);
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 1, ZC_RAND11, 0, SOV_ZLEVEL_BEST), 0);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.pages, 2ULL);
	KUNIT_EXPECT_EQ(test, s.huge_pages, 2ULL);
	KUNIT_EXPECT_EQ(test, s.compr_bytes, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_FAST], 1ULL);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_BEST], 1ULL);
	KUNIT_EXPECT_GE(test, s.mem_used, 2 * PAGE_SIZE);
	zs_expect(test, ctx, 0, ZC_RANDOM, 0);
	zs_expect(test, ctx, 1, ZC_RAND11, 0);
	zs_check_sums(test, ctx);

	/* huge replaced by compressed, and back */
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 0, ZC_TEXT, 0, SOV_ZLEVEL_FAST), 0);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.huge_pages, 1ULL);
	KUNIT_EXPECT_EQ(test, s.compr_bytes, PAGE_SIZE + zs_len(SOV_ZLEVEL_FAST, ctx->page));
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 0, ZC_RANDOM, 1, SOV_ZLEVEL_BALANCED), 0);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.huge_pages, 2ULL);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_BALANCED], 1ULL);
	zs_expect(test, ctx, 0, ZC_RANDOM, 1);

	sov_zstore_discard(ctx->st, 0);
	sov_zstore_discard(ctx->st, 1);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.huge_pages, 0ULL);
	KUNIT_EXPECT_EQ(test, s.mem_used, 0ULL);
	zs_check_sums(test, ctx);
}

static void zstore_range(struct kunit *test)
{
	struct zs_ctx *ctx = test->priv;
	struct sov_zstore_stats s;

	zcorpus_fill(ctx->page, ZC_TEXT, 0);
	KUNIT_EXPECT_EQ(test, sov_zstore_write(ctx->st, NR_SLOTS, ctx->page, SOV_ZLEVEL_FAST),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, sov_zstore_write(ctx->st, U64_MAX, ctx->page, SOV_ZLEVEL_FAST),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, sov_zstore_write(ctx->st, 0, ctx->page, __SOV_ZLEVEL_CNT),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, sov_zstore_read(ctx->st, NR_SLOTS, ctx->buf), -ERANGE);
	KUNIT_EXPECT_EQ(test, sov_zstore_recompress(ctx->st, NR_SLOTS, SOV_ZLEVEL_BEST,
						    jiffies + 1), -ERANGE);
	sov_zstore_discard(ctx->st, NR_SLOTS);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.writes, 3ULL);
	KUNIT_EXPECT_EQ(test, s.failed_writes, 3ULL);
	KUNIT_EXPECT_EQ(test, s.reads, 1ULL);
	KUNIT_EXPECT_EQ(test, s.failed_reads, 1ULL);
	KUNIT_EXPECT_EQ(test, s.pages, 0ULL);
	KUNIT_EXPECT_EQ(test, s.discards, 0ULL);
	/* the last slot is in range */
	KUNIT_EXPECT_EQ(test, zs_put(ctx, NR_SLOTS - 1, ZC_TEXT, 0, SOV_ZLEVEL_FAST), 0);
	zs_expect(test, ctx, NR_SLOTS - 1, ZC_TEXT, 0);
}

static void zstore_limit(struct kunit *test)
{
	struct zs_ctx *ctx = test->priv;
	struct sov_zstore_stats s, before;
	u64 i, limit;

	KUNIT_ASSERT_EQ(test, zs_put(ctx, 0, ZC_TEXT, 0, SOV_ZLEVEL_FAST), 0);
	sov_zstore_set_limit(ctx->st, 1);
	before = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, before.mem_limit, 1ULL);

	/* refused, counted, and the old page is still there */
	KUNIT_EXPECT_EQ(test, zs_put(ctx, 0, ZC_CODE, 0, SOV_ZLEVEL_BEST), -ENOMEM);
	KUNIT_EXPECT_EQ(test, zs_put(ctx, 1, ZC_RANDOM, 0, SOV_ZLEVEL_FAST), -ENOMEM);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.limit_hits, 2ULL);
	KUNIT_EXPECT_EQ(test, s.failed_writes, 2ULL);
	KUNIT_EXPECT_EQ(test, s.pages, 1ULL);
	KUNIT_EXPECT_EQ(test, s.compr_bytes, before.compr_bytes);
	KUNIT_EXPECT_EQ(test, s.mem_used, before.mem_used);
	zs_expect(test, ctx, 0, ZC_TEXT, 0);
	zs_expect(test, ctx, 1, ZC_ZERO, 0);

	/* same-filled pages need no memory: still taken */
	KUNIT_EXPECT_EQ(test, zs_put(ctx, 1, ZC_BYTE, 0, SOV_ZLEVEL_FAST), 0);
	zs_expect(test, ctx, 1, ZC_BYTE, 0);

	/* lifted */
	sov_zstore_set_limit(ctx->st, 0);
	KUNIT_EXPECT_EQ(test, zs_put(ctx, 0, ZC_CODE, 0, SOV_ZLEVEL_BEST), 0);
	zs_expect(test, ctx, 0, ZC_CODE, 0);
	zs_check_sums(test, ctx);

	/* fill up to a limit two pages above what is used now */
	limit = zs_stats(ctx).mem_used + 2 * PAGE_SIZE;
	sov_zstore_set_limit(ctx->st, limit);
	for (i = 2; i < NR_SLOTS; i++) {
		if (zs_put(ctx, i, ZC_RAND11, i, SOV_ZLEVEL_FAST))
			break;
		KUNIT_EXPECT_LE(test, zs_stats(ctx).mem_used, limit);
	}
	KUNIT_EXPECT_LT(test, i, (u64)NR_SLOTS);
	KUNIT_EXPECT_GT(test, i, 2ULL);		/* two raw pages fit */
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.limit_hits, 3ULL);
	KUNIT_EXPECT_LE(test, s.mem_used, limit);
	KUNIT_EXPECT_EQ(test, s.pages, i);
	while (--i >= 2)
		zs_expect(test, ctx, i, ZC_RAND11, i);
	zs_check_sums(test, ctx);
}

static void zstore_recompress(struct kunit *test)
{
	struct zs_ctx *ctx = test->priv;
	struct sov_zstore *st = ctx->st;
	struct sov_zstore_stats s, before;
	unsigned long later;
	u64 compr;

	KUNIT_ASSERT_EQ(test, zs_put(ctx, 0, ZC_TEXT, 1, SOV_ZLEVEL_FAST), 0);
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 1, ZC_CODE, 0, SOV_ZLEVEL_NONE), 0);
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 2, ZC_RANDOM, 0, SOV_ZLEVEL_FAST), 0);
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 3, ZC_ZERO, 0, SOV_ZLEVEL_FAST), 0);
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 4, ZC_TEXT, 4, SOV_ZLEVEL_BEST), 0);
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 5, ZC_RANDOM, 5, SOV_ZLEVEL_NONE), 0);
	before = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, before.level_pages[SOV_ZLEVEL_NONE], 2ULL);
	KUNIT_EXPECT_EQ(test, before.level_pages[SOV_ZLEVEL_FAST], 2ULL);
	KUNIT_EXPECT_EQ(test, before.level_pages[SOV_ZLEVEL_BEST], 1ULL);
	KUNIT_EXPECT_EQ(test, before.huge_pages, 1ULL);

	/* not idle: accessed after the cut-off */
	KUNIT_EXPECT_EQ(test, sov_zstore_recompress(st, 0, SOV_ZLEVEL_BEST, jiffies - 100 * HZ),
			0);
	KUNIT_EXPECT_EQ(test, zs_stats(ctx).recompressed, 0ULL);

	later = jiffies + 1;
	/* fast text -> best: smaller, same content, level moves */
	KUNIT_EXPECT_EQ(test, sov_zstore_recompress(st, 0, SOV_ZLEVEL_BEST, later), 1);
	zcorpus_fill(ctx->copy, ZC_TEXT, 1);
	compr = before.compr_bytes - zs_len(SOV_ZLEVEL_FAST, ctx->copy) +
		zs_len(SOV_ZLEVEL_BEST, ctx->copy);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.recompressed, 1ULL);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_FAST], 1ULL);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_BEST], 2ULL);
	KUNIT_EXPECT_EQ(test, s.compr_bytes, compr);
	zs_expect(test, ctx, 0, ZC_TEXT, 1);
	/* already there, or asked for less */
	KUNIT_EXPECT_EQ(test, sov_zstore_recompress(st, 0, SOV_ZLEVEL_BEST, jiffies + 1), 0);
	KUNIT_EXPECT_EQ(test, sov_zstore_recompress(st, 0, SOV_ZLEVEL_BALANCED, jiffies + 1), 0);
	KUNIT_EXPECT_EQ(test, sov_zstore_recompress(st, 4, SOV_ZLEVEL_BEST, later), 0);

	/* level none code -> fast: compresses now */
	KUNIT_EXPECT_EQ(test, sov_zstore_recompress(st, 1, SOV_ZLEVEL_FAST, later), 1);
	zcorpus_fill(ctx->copy, ZC_CODE, 0);
	compr += zs_len(SOV_ZLEVEL_FAST, ctx->copy) - PAGE_SIZE;
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_NONE], 1ULL);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_FAST], 2ULL);
	KUNIT_EXPECT_EQ(test, s.compr_bytes, compr);
	zs_expect(test, ctx, 1, ZC_CODE, 0);

	/* huge random at best: no smaller, kept, but marked as tried */
	KUNIT_EXPECT_EQ(test, sov_zstore_recompress(st, 2, SOV_ZLEVEL_BEST, jiffies + 1), 0);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_FAST], 1ULL);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_BEST], 3ULL);
	KUNIT_EXPECT_EQ(test, s.huge_pages, 1ULL);
	KUNIT_EXPECT_EQ(test, s.compr_bytes, compr);
	KUNIT_EXPECT_EQ(test, s.recompressed, 2ULL);
	zs_expect(test, ctx, 2, ZC_RANDOM, 0);
	KUNIT_EXPECT_EQ(test, sov_zstore_recompress(st, 2, SOV_ZLEVEL_BEST, jiffies + 1), 0);
	KUNIT_EXPECT_EQ(test, zs_stats(ctx).level_pages[SOV_ZLEVEL_BEST], 3ULL);

	/* level none random at fast: now counts as huge */
	KUNIT_EXPECT_EQ(test, sov_zstore_recompress(st, 5, SOV_ZLEVEL_FAST, jiffies + 1), 0);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_NONE], 0ULL);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_FAST], 2ULL);
	KUNIT_EXPECT_EQ(test, s.huge_pages, 2ULL);
	zs_expect(test, ctx, 5, ZC_RANDOM, 5);

	/* same-filled and empty slots have nothing to recompress */
	KUNIT_EXPECT_EQ(test, sov_zstore_recompress(st, 3, SOV_ZLEVEL_BEST, jiffies + 1), 0);
	KUNIT_EXPECT_EQ(test, sov_zstore_recompress(st, 9, SOV_ZLEVEL_BEST, jiffies + 1), 0);
	KUNIT_EXPECT_EQ(test, sov_zstore_recompress(st, 0, __SOV_ZLEVEL_CNT, jiffies + 1),
			-EINVAL);

	/* a rewrite after recompression starts from the written level */
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 0, ZC_TEXT, 7, SOV_ZLEVEL_FAST), 0);
	KUNIT_EXPECT_EQ(test, sov_zstore_recompress(st, 0, SOV_ZLEVEL_BALANCED, jiffies + 1), 1);
	zs_expect(test, ctx, 0, ZC_TEXT, 7);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.recompressed, 3ULL);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_BALANCED], 1ULL);
	KUNIT_EXPECT_EQ(test, s.pages, 6ULL);
	zs_check_sums(test, ctx);
}

/* Pack slots [@index, @end) at best; expect @ret pages packed of @scanned looked at. */
static void zs_pack(struct kunit *test, struct zs_ctx *ctx, struct sov_zpacker *pk, u64 index,
		    u64 end, unsigned long idle_before, int ret, unsigned int scanned)
{
	unsigned int n = 0;

	KUNIT_EXPECT_EQ_MSG(test, sov_zstore_pack(ctx->st, index, end, SOV_ZLEVEL_BEST,
						  idle_before, pk, &n), ret,
			    "packing from slot %llu", index);
	KUNIT_EXPECT_EQ_MSG(test, n, scanned, "slots looked at from %llu", index);
}

static void zstore_pack(struct kunit *test)
{
	struct zs_ctx *ctx = test->priv;
	struct sov_zstore_stats s, before;
	struct sov_zpacker *pk;
	unsigned long later;
	u64 i, alone = 0, written = 0;
	unsigned int n;

	KUNIT_EXPECT_EQ(test, PTR_ERR(sov_zpacker_new(SOV_ZLEVEL_FAST)), -EINVAL);
	pk = sov_zpacker_new(SOV_ZLEVEL_BEST);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pk);

	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test, zs_put(ctx, i, ZC_TEXT, 10 + i, SOV_ZLEVEL_BALANCED), 0);
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 4, ZC_RANDOM, 4, SOV_ZLEVEL_FAST), 0);
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 5, ZC_CODE, 5, SOV_ZLEVEL_NONE), 0);
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 6, ZC_TEXT, 6, SOV_ZLEVEL_FAST), 0);
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 7, ZC_ZERO, 0, SOV_ZLEVEL_FAST), 0);
	for (i = 8; i < 12; i++)
		KUNIT_ASSERT_EQ(test, zs_put(ctx, i, ZC_TEXT, i, SOV_ZLEVEL_BEST), 0);
	before = zs_stats(ctx);
	for (i = 0; i < 4; i++) {
		zcorpus_fill(ctx->copy, ZC_TEXT, 10 + i);
		alone += zs_len(SOV_ZLEVEL_BEST, ctx->copy);
		written += zs_len(SOV_ZLEVEL_BALANCED, ctx->copy);
	}

	/* not idle: nothing happens */
	zs_pack(test, ctx, pk, 0, NR_SLOTS, jiffies - 100 * HZ, 0, 1);
	KUNIT_EXPECT_EQ(test, zs_stats(ctx).packs, 0ULL);

	/* four text pages: one object, smaller than the four at best alone */
	later = jiffies + 1;
	zs_pack(test, ctx, pk, 0, NR_SLOTS, later, 4, 4);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.packs, 1ULL);
	KUNIT_EXPECT_EQ(test, s.packed_pages, 4ULL);
	KUNIT_EXPECT_EQ(test, s.recompressed, 4ULL);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_BALANCED], 0ULL);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_BEST], 8ULL);
	KUNIT_EXPECT_EQ(test, s.pages, before.pages);
	/* the frame is shorter than the four pages at best, each on its own */
	KUNIT_EXPECT_LT(test, s.compr_bytes, before.compr_bytes - written + alone);
	for (i = 0; i < 4; i++)
		zs_expect(test, ctx, i, ZC_TEXT, 10 + i);
	zs_check_sums(test, ctx);
	/* packed pages are done */
	zs_pack(test, ctx, pk, 0, NR_SLOTS, jiffies + 1, 0, 1);
	zs_pack(test, ctx, pk, 3, NR_SLOTS, jiffies + 1, 0, 1);

	/* huge random: not packed, tried alone at best */
	zs_pack(test, ctx, pk, 4, NR_SLOTS, later, 0, 1);
	KUNIT_EXPECT_EQ(test, zs_stats(ctx).huge_pages, 1ULL);
	/* none code + fast text: a run of two, ended by the zero page */
	zs_pack(test, ctx, pk, 5, NR_SLOTS, later, 2, 2);
	zs_expect(test, ctx, 5, ZC_CODE, 5);
	zs_expect(test, ctx, 6, ZC_TEXT, 6);
	/* a run ends at @end; pages written at best are packed too */
	zs_pack(test, ctx, pk, 8, 10, later, 2, 2);
	/* a run of one is recompressed alone: already at best */
	zs_pack(test, ctx, pk, 10, 11, later, 0, 1);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.packs, 3ULL);
	KUNIT_EXPECT_EQ(test, s.packed_pages, 8ULL);
	KUNIT_EXPECT_EQ(test, s.level_pages[SOV_ZLEVEL_NONE], 0ULL);
	zs_check_sums(test, ctx);

	/* a write takes its page out of the pack; the others still read */
	KUNIT_ASSERT_EQ(test, zs_put(ctx, 1, ZC_CODE, 1, SOV_ZLEVEL_FAST), 0);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.packs, 3ULL);
	KUNIT_EXPECT_EQ(test, s.packed_pages, 7ULL);
	zs_expect(test, ctx, 0, ZC_TEXT, 10);
	zs_expect(test, ctx, 1, ZC_CODE, 1);
	zs_expect(test, ctx, 3, ZC_TEXT, 13);
	zs_check_sums(test, ctx);
	/* the last page out frees the pack */
	sov_zstore_discard(ctx->st, 0);
	sov_zstore_discard(ctx->st, 2);
	KUNIT_EXPECT_EQ(test, zs_stats(ctx).packs, 3ULL);
	sov_zstore_discard(ctx->st, 3);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.packs, 2ULL);
	KUNIT_EXPECT_EQ(test, s.packed_pages, 4ULL);
	zs_check_sums(test, ctx);

	/* everything gone: no byte, no pool page, no descriptor left */
	for (i = 0; i < NR_SLOTS; i++)
		sov_zstore_discard(ctx->st, i);
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.packs, 0ULL);
	KUNIT_EXPECT_EQ(test, s.packed_pages, 0ULL);
	KUNIT_EXPECT_EQ(test, s.compr_bytes, 0ULL);
	KUNIT_EXPECT_EQ(test, s.mem_used, 0ULL);
	KUNIT_EXPECT_EQ(test, sov_zstore_pack(ctx->st, NR_SLOTS, NR_SLOTS + 4, SOV_ZLEVEL_BEST,
					      later, pk, &n), -ERANGE);
	sov_zpacker_free(pk);
}

static void zstore_compact(struct kunit *test)
{
	struct zs_ctx *ctx = test->priv;
	struct sov_zstore_stats s;
	unsigned long freed;
	u64 i;

	for (i = 0; i < NR_SLOTS; i++)
		KUNIT_ASSERT_EQ(test, zs_put(ctx, i, ZC_TEXT, i, SOV_ZLEVEL_FAST), 0);
	for (i = 0; i < NR_SLOTS; i += 2)
		sov_zstore_discard(ctx->st, i);
	freed = sov_zstore_compact(ctx->st);
	s = zs_stats(ctx);
	kunit_info(test, "compaction freed %lu of %llu pool pages\n", freed,
		   s.mem_used_max >> PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, s.compactions, 1ULL);
	KUNIT_EXPECT_EQ(test, s.compacted_pages, (u64)freed);
	KUNIT_EXPECT_EQ(test, s.pages, NR_SLOTS / 2ULL);
	for (i = 1; i < NR_SLOTS; i += 2)
		zs_expect(test, ctx, i, ZC_TEXT, i);
	zs_check_sums(test, ctx);
}

/*
 * Writers on kthreads. Each owns some slots and shares a few with the
 * others; every page carries its writer and round in its first word, so
 * any read can be checked: own slots exactly, shared slots for being
 * some writer's whole page.
 */
#define NR_WRITERS	4
#define OWN_SLOTS	8
#define SHARED_SLOTS	4
#define ROUNDS		150

struct zs_writer {
	struct sov_zstore *st;
	struct completion done;
	unsigned int id;
	u8 *page, *buf, *want;
	atomic_t *errors;
	unsigned int last_round[OWN_SLOTS];
};

static const enum zcorpus_kind zs_writer_kinds[] = { ZC_TEXT, ZC_WORD, ZC_RANDOM, ZC_CODE };

/* The page writer @id writes in round @r; its tag is its first word. */
static void zs_writer_page(void *page, unsigned int id, unsigned int r)
{
	u64 tag = 0x5a5a000000000000ULL | (u64)id << 32 | r;
	enum zcorpus_kind kind = zs_writer_kinds[r % ARRAY_SIZE(zs_writer_kinds)];

	if (kind == ZC_WORD) {
		memset64(page, tag, PAGE_SIZE / 8);
		return;
	}
	zcorpus_fill(page, kind, (u64)id << 16 | r);
	*(u64 *)page = tag;
}

/* @page is some writer's whole page. */
static bool zs_writer_valid(const void *page, void *scratch)
{
	u64 tag = *(const u64 *)page;

	if (!tag)	/* never written */
		return !memchr_inv(page, 0, PAGE_SIZE);
	if ((tag >> 48) != 0x5a5a)
		return false;
	zs_writer_page(scratch, (tag >> 32) & 0xffff, tag & 0xffffffff);
	return !memcmp(page, scratch, PAGE_SIZE);
}

static int zs_writer_fn(void *arg)
{
	struct zs_writer *w = arg;
	unsigned int r, base = SHARED_SLOTS + w->id * OWN_SLOTS;

	for (r = 0; r < ROUNDS; r++) {
		unsigned int own = r % OWN_SLOTS;
		enum sov_zlevel level = (r + w->id) % __SOV_ZLEVEL_CNT;

		zs_writer_page(w->page, w->id, r);
		if (sov_zstore_write(w->st, base + own, w->page, level))
			atomic_inc(w->errors);
		w->last_round[own] = r;
		if (sov_zstore_read(w->st, base + own, w->buf) ||
		    memcmp(w->buf, w->page, PAGE_SIZE))
			atomic_inc(w->errors);

		if (sov_zstore_write(w->st, r % SHARED_SLOTS, w->page, level))
			atomic_inc(w->errors);
		if (sov_zstore_read(w->st, (r + 1) % SHARED_SLOTS, w->buf) ||
		    !zs_writer_valid(w->buf, w->want))
			atomic_inc(w->errors);
		if (r % 3 == 0 &&
		    sov_zstore_recompress(w->st, (r + 2) % SHARED_SLOTS, SOV_ZLEVEL_BEST,
					  jiffies + 1) < 0)
			atomic_inc(w->errors);
		/* one CPU under UML: make the writers take turns */
		if (r % 8 == 7)
			schedule_timeout_uninterruptible(1);
		else
			cond_resched();
	}
	complete(&w->done);
	return 0;
}

static void zstore_concurrent(struct kunit *test)
{
	struct zs_ctx *ctx = test->priv;
	struct zs_writer *w;
	struct sov_zstore_stats s;
	atomic_t errors = ATOMIC_INIT(0);
	unsigned int i, j;

	KUNIT_ASSERT_LE(test, SHARED_SLOTS + NR_WRITERS * OWN_SLOTS, NR_SLOTS);
	w = kunit_kcalloc(test, NR_WRITERS, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, w);
	for (i = 0; i < NR_WRITERS; i++) {
		struct task_struct *t;

		w[i].st = ctx->st;
		w[i].id = i;
		w[i].errors = &errors;
		init_completion(&w[i].done);
		w[i].page = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
		w[i].buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
		w[i].want = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
		KUNIT_ASSERT_TRUE(test, w[i].page && w[i].buf && w[i].want);
		t = kthread_run(zs_writer_fn, &w[i], "sov-kunit-w%u", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	}
	for (i = 0; i < NR_WRITERS; i++)
		KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&w[i].done, 120 * HZ), 0UL);

	KUNIT_EXPECT_EQ(test, atomic_read(&errors), 0);
	for (i = 0; i < NR_WRITERS; i++) {
		for (j = 0; j < OWN_SLOTS; j++) {
			zs_writer_page(ctx->copy, i, w[i].last_round[j]);
			KUNIT_ASSERT_EQ(test, sov_zstore_read(ctx->st,
							      SHARED_SLOTS + i * OWN_SLOTS + j,
							      ctx->buf), 0);
			KUNIT_EXPECT_EQ(test, memcmp(ctx->buf, ctx->copy, PAGE_SIZE), 0);
		}
	}
	for (j = 0; j < SHARED_SLOTS; j++) {
		KUNIT_ASSERT_EQ(test, sov_zstore_read(ctx->st, j, ctx->buf), 0);
		KUNIT_EXPECT_TRUE(test, zs_writer_valid(ctx->buf, ctx->copy));
	}
	s = zs_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.writes, 2ULL * NR_WRITERS * ROUNDS);
	KUNIT_EXPECT_EQ(test, s.failed_writes, 0ULL);
	KUNIT_EXPECT_EQ(test, s.pages, (u64)SHARED_SLOTS + NR_WRITERS * OWN_SLOTS);
	kunit_info(test, "%u writers x %u rounds: %llu recompressed, %llu same, %llu huge\n",
		   NR_WRITERS, ROUNDS, s.recompressed, s.same_pages, s.huge_pages);
	zs_check_sums(test, ctx);
}

static struct kunit_case zstore_cases[] = {
	KUNIT_CASE(zstore_create_bad),
	KUNIT_CASE(zstore_empty),
	KUNIT_CASE(zstore_same),
	KUNIT_CASE(zstore_compressed),
	KUNIT_CASE(zstore_huge),
	KUNIT_CASE(zstore_range),
	KUNIT_CASE(zstore_limit),
	KUNIT_CASE(zstore_recompress),
	KUNIT_CASE(zstore_pack),
	KUNIT_CASE(zstore_compact),
	KUNIT_CASE(zstore_concurrent),
	{}
};

static struct kunit_suite zstore_suite = {
	.name = "sov_zpage_store",
	.init = zs_init,
	.exit = zs_exit,
	.test_cases = zstore_cases,
};

kunit_test_suite(zstore_suite);
