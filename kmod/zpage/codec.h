/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memcompress codecs: one 4 KiB page in, one compressed object out, at a
 * level. Levels call the compression libraries directly (LZ4_compress_fast,
 * LZ4_compress_HC, zstd_compress_cctx): 6.1's crypto API has no level knob.
 * Every stored object records the algorithm that made it, so a page written
 * at one level reads back after the device's level changed.
 */
#ifndef _SOV_ZPAGE_CODEC_H
#define _SOV_ZPAGE_CODEC_H

#include <linux/types.h>

enum sov_zlevel {
	SOV_ZLEVEL_NONE,	/* stored as is: the baseline */
	SOV_ZLEVEL_FAST,	/* LZ4 with an acceleration factor */
	SOV_ZLEVEL_BALANCED,
	SOV_ZLEVEL_BEST,
	__SOV_ZLEVEL_CNT
};

/* How an object is encoded; all decoding needs. Kept in 2 bits of a slot. */
enum sov_zalg {
	SOV_ZALG_RAW,
	SOV_ZALG_LZ4,		/* LZ4_compress_fast and LZ4_compress_HC both */
	SOV_ZALG_ZSTD,
	__SOV_ZALG_CNT
};

const char *sov_zlevel_name(enum sov_zlevel level);
/* "none", "fast", "balanced", "best" -> level; -EINVAL otherwise */
int sov_zlevel_parse(const char *name);
const char *sov_zalg_name(enum sov_zalg alg);

/*
 * Per-CPU workspaces for every level; module init and exit. Calls nest
 * (a count): the streams live until the last sov_zcodec_exit().
 */
int sov_zcodec_init(void);
void sov_zcodec_exit(void);

/* A CPU's workspace; held with preemption off (a local_lock), as briefly as one page. */
struct sov_zstream;
struct sov_zstream *sov_zcodec_get(void);
void sov_zcodec_put(struct sov_zstream *zs);

/*
 * Compress the page @src at @level into @zs's buffer. Returns the length
 * and sets *@alg and *@out (valid until sov_zcodec_put()); -E2BIG when the
 * result is longer than @max_len (store the page raw). SOV_ZLEVEL_NONE
 * always returns -E2BIG.
 */
int sov_zcodec_compress(struct sov_zstream *zs, enum sov_zlevel level, const void *src,
			unsigned int max_len, enum sov_zalg *alg, const void **out);
/*
 * Decode @len bytes of @src made by @alg into the page @dst; -EIO unless
 * they decode to exactly one page.
 */
int sov_zcodec_decompress(struct sov_zstream *zs, enum sov_zalg alg, const void *src,
			  unsigned int len, void *dst);

/* Most pages one object holds: a pack of idle pages (pack.h). */
#define SOV_ZPACK_PAGES		4

/*
 * A pack's scratch in @zs: @in for its compressed bytes, @out for its
 * decoded pages, SOV_ZPACK_PAGES * PAGE_SIZE bytes each, and the id of
 * the pack @out holds (0: none). Only pack.c writes them.
 */
void sov_zcodec_pack_bufs(struct sov_zstream *zs, void **in, void **out, u64 **out_id);
/* zstd: decode @len bytes of @src into exactly @dst_len bytes at @dst, else -EIO. */
int sov_zcodec_zstd_decompress(struct sov_zstream *zs, const void *src, unsigned int len,
			       void *dst, unsigned int dst_len);
/* The zstd level @level compresses at, or -EINVAL when it does not use zstd. */
int sov_zcodec_zstd_level(enum sov_zlevel level);

#endif /* _SOV_ZPAGE_CODEC_H */
