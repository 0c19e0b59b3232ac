// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: memcompress codecs. Every level round-trips every corpus page bit
 * for bit; a short buffer gives -E2BIG; damaged input gives -EIO and never
 * writes past the page. The sizes per level and page are printed, and a
 * sweep over candidate parameters documents the level table's choices.
 */
#include <kunit/test.h>
#include <linux/lz4.h>
#include <linux/slab.h>
#include <linux/zstd.h>

#include "zpage_corpus.h"

/* Bytes past the page that a decoder must never touch. */
#define GUARD		64
#define GUARD_BYTE	0xa5

struct zc_ctx {
	void *corpus[__ZC_CNT];
	u8 *dst;		/* PAGE_SIZE + GUARD */
	u8 *copy;		/* 2 * PAGE_SIZE: a compressed page, to damage */
};

static int zc_init(struct kunit *test)
{
	struct zc_ctx *ctx;
	int k;

	KUNIT_ASSERT_EQ(test, sov_zcodec_init(), 0);
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	for (k = 0; k < __ZC_CNT; k++) {
		ctx->corpus[k] = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->corpus[k]);
		zcorpus_fill(ctx->corpus[k], k, 0);
	}
	ctx->dst = kunit_kmalloc(test, PAGE_SIZE + GUARD, GFP_KERNEL);
	ctx->copy = kunit_kmalloc(test, 2 * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->dst);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->copy);
	test->priv = ctx;
	return 0;
}

static void zc_exit(struct kunit *test)
{
	sov_zcodec_exit();
}

/* Compress @src at @level into ctx->copy; the length or -errno. */
static int zc_compress(struct zc_ctx *ctx, enum sov_zlevel level, const void *src,
		       unsigned int max_len, enum sov_zalg *alg)
{
	struct sov_zstream *zs = sov_zcodec_get();
	const void *out;
	int len;

	len = sov_zcodec_compress(zs, level, src, max_len, alg, &out);
	if (len > 0)
		memcpy(ctx->copy, out, len);
	sov_zcodec_put(zs);
	return len;
}

/* Decode @len bytes of ctx->copy into ctx->dst; checks the guard. */
static int zc_decompress(struct kunit *test, struct zc_ctx *ctx, enum sov_zalg alg,
			 unsigned int len)
{
	struct sov_zstream *zs;
	int i, err;

	memset(ctx->dst, GUARD_BYTE, PAGE_SIZE + GUARD);
	zs = sov_zcodec_get();
	err = sov_zcodec_decompress(zs, alg, ctx->copy, len, ctx->dst);
	sov_zcodec_put(zs);
	for (i = 0; i < GUARD; i++)
		if (ctx->dst[PAGE_SIZE + i] != GUARD_BYTE)
			break;
	KUNIT_EXPECT_EQ_MSG(test, i, GUARD, "decoder wrote past the page (alg %s)",
			    sov_zalg_name(alg));
	return err;
}

static void zcodec_names(struct kunit *test)
{
	int level;

	for (level = 0; level < __SOV_ZLEVEL_CNT; level++)
		KUNIT_EXPECT_EQ(test, sov_zlevel_parse(sov_zlevel_name(level)), level);
	KUNIT_EXPECT_STREQ(test, sov_zlevel_name(SOV_ZLEVEL_NONE), "none");
	KUNIT_EXPECT_STREQ(test, sov_zlevel_name(SOV_ZLEVEL_FAST), "fast");
	KUNIT_EXPECT_STREQ(test, sov_zlevel_name(SOV_ZLEVEL_BALANCED), "balanced");
	KUNIT_EXPECT_STREQ(test, sov_zlevel_name(SOV_ZLEVEL_BEST), "best");
	KUNIT_EXPECT_EQ(test, sov_zlevel_parse("best\n"), (int)SOV_ZLEVEL_BEST);
	KUNIT_EXPECT_EQ(test, sov_zlevel_parse("bestest"), -EINVAL);
	KUNIT_EXPECT_EQ(test, sov_zlevel_parse(""), -EINVAL);
	KUNIT_EXPECT_EQ(test, sov_zlevel_parse(NULL), -EINVAL);
	KUNIT_EXPECT_STREQ(test, sov_zlevel_name(__SOV_ZLEVEL_CNT), "unknown");
	KUNIT_EXPECT_STREQ(test, sov_zalg_name(SOV_ZALG_RAW), "raw");
	KUNIT_EXPECT_STREQ(test, sov_zalg_name(SOV_ZALG_LZ4), "lz4");
	KUNIT_EXPECT_STREQ(test, sov_zalg_name(SOV_ZALG_ZSTD), "zstd");
	KUNIT_EXPECT_STREQ(test, sov_zalg_name(__SOV_ZALG_CNT), "unknown");
}

/* Every level, every corpus page: decodes bit for bit; prints the sizes. */
static void zcodec_roundtrip(struct kunit *test)
{
	struct zc_ctx *ctx = test->priv;
	unsigned int total[__SOV_ZLEVEL_CNT] = {};
	enum sov_zalg alg;
	int k, level, len;

	for (k = 0; k < __ZC_CNT; k++) {
		int sizes[__SOV_ZLEVEL_CNT];

		for (level = 0; level < __SOV_ZLEVEL_CNT; level++) {
			alg = __SOV_ZALG_CNT;
			len = zc_compress(ctx, level, ctx->corpus[k], 2 * PAGE_SIZE, &alg);
			if (level == SOV_ZLEVEL_NONE) {
				KUNIT_EXPECT_EQ(test, len, -E2BIG);
				len = PAGE_SIZE;
			} else {
				KUNIT_ASSERT_GT_MSG(test, len, 0, "%s at %s", zcorpus_names[k],
						    sov_zlevel_name(level));
				KUNIT_EXPECT_NE(test, alg, SOV_ZALG_RAW);
				KUNIT_EXPECT_EQ(test, zc_decompress(test, ctx, alg, len), 0);
				KUNIT_EXPECT_EQ_MSG(test,
						    memcmp(ctx->dst, ctx->corpus[k], PAGE_SIZE), 0,
						    "%s at %s does not round-trip",
						    zcorpus_names[k], sov_zlevel_name(level));
			}
			sizes[level] = len;
			total[level] += len;
		}
		kunit_info(test, "%-7s fast %4d  balanced %4d  best %4d bytes\n",
			   zcorpus_names[k], sizes[SOV_ZLEVEL_FAST],
			   sizes[SOV_ZLEVEL_BALANCED], sizes[SOV_ZLEVEL_BEST]);
	}
	kunit_info(test, "all %d pages: fast %u  balanced %u  best %u bytes (of %lu)\n",
		   __ZC_CNT, total[SOV_ZLEVEL_FAST], total[SOV_ZLEVEL_BALANCED],
		   total[SOV_ZLEVEL_BEST], __ZC_CNT * PAGE_SIZE);
	/* Each level must do at least as well as the one below it, overall. */
	KUNIT_EXPECT_LE(test, total[SOV_ZLEVEL_BALANCED], total[SOV_ZLEVEL_FAST]);
	KUNIT_EXPECT_LE(test, total[SOV_ZLEVEL_BEST], total[SOV_ZLEVEL_BALANCED]);
	/* Text compresses; random does not. */
	for (level = SOV_ZLEVEL_FAST; level < __SOV_ZLEVEL_CNT; level++) {
		KUNIT_EXPECT_LT(test, zc_compress(ctx, level, ctx->corpus[ZC_TEXT], PAGE_SIZE,
						  &alg), (int)PAGE_SIZE * 3 / 5);
		KUNIT_EXPECT_EQ(test, zc_compress(ctx, level, ctx->corpus[ZC_RANDOM],
						  PAGE_SIZE - 1, &alg), -E2BIG);
	}
}

/* max_len is exact: the compressed length fits, one byte less does not. */
static void zcodec_max_len(struct kunit *test)
{
	struct zc_ctx *ctx = test->priv;
	static const enum zcorpus_kind kinds[] = { ZC_TEXT, ZC_CODE, ZC_RAND11 };
	enum sov_zalg alg;
	int i, level, len;

	for (level = SOV_ZLEVEL_FAST; level < __SOV_ZLEVEL_CNT; level++) {
		for (i = 0; i < ARRAY_SIZE(kinds); i++) {
			const void *src = ctx->corpus[kinds[i]];

			len = zc_compress(ctx, level, src, 2 * PAGE_SIZE, &alg);
			KUNIT_ASSERT_GT(test, len, 0);
			KUNIT_EXPECT_EQ(test, zc_compress(ctx, level, src, len, &alg), len);
			KUNIT_EXPECT_EQ(test, zc_decompress(test, ctx, alg, len), 0);
			KUNIT_EXPECT_EQ(test, memcmp(ctx->dst, src, PAGE_SIZE), 0);
			KUNIT_EXPECT_EQ_MSG(test, zc_compress(ctx, level, src, len - 1, &alg),
					    -E2BIG, "%s at %s", zcorpus_names[kinds[i]],
					    sov_zlevel_name(level));
		}
		KUNIT_EXPECT_EQ(test, zc_compress(ctx, level, ctx->corpus[ZC_ZERO], 8, &alg),
				-E2BIG);
		KUNIT_EXPECT_EQ(test, zc_compress(ctx, level, ctx->corpus[ZC_ZERO], 0, &alg),
				-E2BIG);
	}
	KUNIT_EXPECT_EQ(test, zc_compress(ctx, SOV_ZLEVEL_NONE, ctx->corpus[ZC_ZERO],
					  UINT_MAX, &alg), -E2BIG);
	KUNIT_EXPECT_EQ(test, zc_compress(ctx, __SOV_ZLEVEL_CNT, ctx->corpus[ZC_TEXT],
					  UINT_MAX, &alg), -EINVAL);
}

/* Truncated, padded, garbled or foreign input: -EIO, nothing past the page. */
static void zcodec_damaged(struct kunit *test)
{
	struct zc_ctx *ctx = test->priv;
	struct rnd_state rnd;
	enum sov_zalg alg;
	int level, len, i, err;
	u8 *good;

	good = kunit_kmalloc(test, 2 * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, good);
	prandom_seed_state(&rnd, 7);
	for (level = SOV_ZLEVEL_FAST; level < __SOV_ZLEVEL_CNT; level++) {
		len = zc_compress(ctx, level, ctx->corpus[ZC_TEXT], 2 * PAGE_SIZE, &alg);
		KUNIT_ASSERT_GT(test, len, 16);
		memcpy(good, ctx->copy, len);

		KUNIT_EXPECT_EQ(test, zc_decompress(test, ctx, alg, len - 1), -EIO);
		KUNIT_EXPECT_EQ(test, zc_decompress(test, ctx, alg, len / 2), -EIO);
		KUNIT_EXPECT_EQ(test, zc_decompress(test, ctx, alg, 0), -EIO);
		ctx->copy[len] = 0x42;
		KUNIT_EXPECT_EQ(test, zc_decompress(test, ctx, alg, len + 1), -EIO);

		/* Every single-byte flip: either still a page, or -EIO. */
		for (i = 0; i < len; i++) {
			memcpy(ctx->copy, good, len);
			ctx->copy[i] ^= 1 << (prandom_u32_state(&rnd) & 7);
			err = zc_decompress(test, ctx, alg, len);
			KUNIT_EXPECT_TRUE(test, err == 0 || err == -EIO);
		}

		/* Random bytes are not a stream of either format. */
		prandom_bytes_state(&rnd, ctx->copy, PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, zc_decompress(test, ctx, alg, 512), -EIO);
	}

	/* A header that is not zstd's; a stream of the other algorithm. */
	len = zc_compress(ctx, SOV_ZLEVEL_BEST, ctx->corpus[ZC_TEXT], 2 * PAGE_SIZE, &alg);
	KUNIT_ASSERT_EQ(test, alg, SOV_ZALG_ZSTD);
	ctx->copy[0] ^= 0xff;
	KUNIT_EXPECT_EQ(test, zc_decompress(test, ctx, SOV_ZALG_ZSTD, len), -EIO);
	len = zc_compress(ctx, SOV_ZLEVEL_FAST, ctx->corpus[ZC_TEXT], 2 * PAGE_SIZE, &alg);
	KUNIT_ASSERT_EQ(test, alg, SOV_ZALG_LZ4);
	KUNIT_EXPECT_EQ(test, zc_decompress(test, ctx, SOV_ZALG_ZSTD, len), -EIO);

	/* Raw is exactly a page; unknown algorithms do not decode. */
	memcpy(ctx->copy, ctx->corpus[ZC_TEXT], PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, zc_decompress(test, ctx, SOV_ZALG_RAW, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, memcmp(ctx->dst, ctx->corpus[ZC_TEXT], PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, zc_decompress(test, ctx, SOV_ZALG_RAW, PAGE_SIZE - 1), -EIO);
	KUNIT_EXPECT_EQ(test, zc_decompress(test, ctx, __SOV_ZALG_CNT, PAGE_SIZE), -EIO);
}

/* A zero page at a fresh stream after init/exit nest: refcounted streams. */
static void zcodec_init_nests(struct kunit *test)
{
	struct zc_ctx *ctx = test->priv;
	enum sov_zalg alg;

	KUNIT_ASSERT_EQ(test, sov_zcodec_init(), 0);
	sov_zcodec_exit();
	/* zc_init's reference still holds the streams. */
	KUNIT_EXPECT_GT(test, zc_compress(ctx, SOV_ZLEVEL_BEST, ctx->corpus[ZC_TEXT],
					  PAGE_SIZE, &alg), 0);
}

/*
 * Not a check but a measurement: sizes over the compressible corpus pages
 * for parameters the level table could use. Prints one line per candidate.
 */
static void zcodec_sweep(struct kunit *test)
{
	static const enum zcorpus_kind kinds[] = { ZC_TEXT, ZC_CODE, ZC_RAND11 };
	static const int lz4_accel[] = { 1, 2, 4, 8 };
	static const int lz4hc_level[] = { 4, 9, 12, 16 };
	static const int zstd_level[] = { 1, 3, 6, 9, 12, 15, 19 };
	struct zc_ctx *ctx = test->priv;
	unsigned int sz[ARRAY_SIZE(kinds)];
	void *wrk, *out;
	int i, j;

	out = kunit_kmalloc(test, 2 * PAGE_SIZE, GFP_KERNEL);
	wrk = kunit_kmalloc(test, LZ4HC_MEM_COMPRESS, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, out);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, wrk);

	for (i = 0; i < ARRAY_SIZE(lz4_accel); i++) {
		for (j = 0; j < ARRAY_SIZE(kinds); j++)
			sz[j] = LZ4_compress_fast(ctx->corpus[kinds[j]], out, PAGE_SIZE,
						  2 * PAGE_SIZE, lz4_accel[i], wrk);
		kunit_info(test, "lz4 accel %-2d  text %4u code %4u rand11 %4u\n",
			   lz4_accel[i], sz[0], sz[1], sz[2]);
	}
	for (i = 0; i < ARRAY_SIZE(lz4hc_level); i++) {
		for (j = 0; j < ARRAY_SIZE(kinds); j++)
			sz[j] = LZ4_compress_HC(ctx->corpus[kinds[j]], out, PAGE_SIZE,
						2 * PAGE_SIZE, lz4hc_level[i], wrk);
		kunit_info(test, "lz4hc %-2d      text %4u code %4u rand11 %4u\n",
			   lz4hc_level[i], sz[0], sz[1], sz[2]);
	}
	for (i = 0; i < ARRAY_SIZE(zstd_level); i++) {
		zstd_parameters p = zstd_get_params(zstd_level[i], PAGE_SIZE);
		size_t wsize = zstd_cctx_workspace_bound((const void *)&p);
		void *ws = kvmalloc(wsize, GFP_KERNEL);
		zstd_cctx *cctx;

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ws);
		cctx = zstd_init_cctx(ws, wsize);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, cctx);
		for (j = 0; j < ARRAY_SIZE(kinds); j++) {
			size_t r = zstd_compress_cctx(cctx, out, 2 * PAGE_SIZE,
						      ctx->corpus[kinds[j]], PAGE_SIZE, &p);

			sz[j] = zstd_is_error(r) ? 0 : r;
		}
		kvfree(ws);
		kunit_info(test, "zstd %-2d       text %4u code %4u rand11 %4u  (workspace %zu KiB)\n",
			   zstd_level[i], sz[0], sz[1], sz[2], wsize >> 10);
	}
}

static struct kunit_case zcodec_cases[] = {
	KUNIT_CASE(zcodec_names),
	KUNIT_CASE(zcodec_roundtrip),
	KUNIT_CASE(zcodec_max_len),
	KUNIT_CASE(zcodec_damaged),
	KUNIT_CASE(zcodec_init_nests),
	KUNIT_CASE(zcodec_sweep),
	{}
};

static struct kunit_suite zcodec_suite = {
	.name = "sov_zpage_codec",
	.init = zc_init,
	.exit = zc_exit,
	.test_cases = zcodec_cases,
};

kunit_test_suite(zcodec_suite);
