/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memcompress packs: up to SOV_ZPACK_PAGES neighbouring idle pages
 * compressed as one zstd frame. A 4 KiB page is too short for zstd's
 * higher levels to find much; four of them together compress about 13 %
 * better (Documentation/memcompress.rst has the measurements). Reading one
 * page decodes the whole frame, so only idle pages are packed, by the
 * recompression workers at level best.
 *
 * A zsmalloc object holds at most a page, so the frame is stored in
 * PAGE_SIZE chunks and a tail. A pack is shared by the slots of its pages
 * and counted: a write or discard of one page drops that page's reference,
 * and the last one frees the pack.
 */
#ifndef _SOV_ZPAGE_PACK_H
#define _SOV_ZPAGE_PACK_H

#include <linux/refcount.h>
#include <linux/types.h>

#include "codec.h"

struct zs_pool;

struct sov_zpack {
	u64 id;				/* unique for the module's life: names the decoded copy */
	refcount_t ref;
	u8 nr_pages;
	u8 nr_chunks;
	u16 len;			/* the frame's bytes */
	unsigned long chunk[SOV_ZPACK_PAGES];	/* zsmalloc handles */
};

/* What one recompression worker packs with: a zstd context and buffers. */
struct sov_zpacker;

/* A packer at @level; ERR_PTR(-EINVAL) if @level does not use zstd. May sleep. */
struct sov_zpacker *sov_zpacker_new(enum sov_zlevel level);
void sov_zpacker_free(struct sov_zpacker *pk);
/* Where page @i of the next pack goes (PAGE_SIZE bytes), 0 <= @i < SOV_ZPACK_PAGES. */
void *sov_zpacker_page(struct sov_zpacker *pk, unsigned int i);

/*
 * Compress the packer's first @nr_pages pages into a new pack in @pool,
 * holding one reference. -E2BIG if the frame is longer than @max_len,
 * -ENOMEM, -EIO. May sleep (GFP_NOIO).
 */
struct sov_zpack *sov_zpack_make(struct zs_pool *pool, struct sov_zpacker *pk,
				 unsigned int nr_pages, unsigned int max_len);
/* Drop a reference; on the last, free the pack and return its frame's length. */
unsigned int sov_zpack_put(struct zs_pool *pool, struct sov_zpack *pack);
/*
 * Decode page @pos of @pack into @dst. The CPU keeps the last pack it
 * decoded, so reading a pack's pages in a row decodes it once. Does not
 * sleep; not in interrupt context.
 */
int sov_zpack_read(struct zs_pool *pool, const struct sov_zpack *pack, unsigned int pos,
		   void *dst);

#endif /* _SOV_ZPAGE_PACK_H */
