/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memcompress store: the pages of one device, by index. Compressed objects
 * live in a zsmalloc pool; a page filled with one repeated word is kept in
 * its slot without any allocation; a page that does not compress below
 * the huge threshold is kept raw. Each slot remembers its level, its
 * algorithm and when it was last accessed (idle tracking, recompression).
 */
#ifndef _SOV_ZPAGE_STORE_H
#define _SOV_ZPAGE_STORE_H

#include <linux/types.h>

#include "codec.h"

struct sov_zstore;

struct sov_zstore_stats {
	u64 pages;			/* slots holding data, same-filled included */
	u64 orig_bytes;			/* pages * PAGE_SIZE */
	u64 compr_bytes;		/* sum of object sizes (raw pages: PAGE_SIZE) */
	u64 mem_used;			/* pool pages * PAGE_SIZE, allocator overhead included */
	u64 mem_limit;			/* 0: none */
	u64 mem_used_max;
	u64 same_pages;
	u64 huge_pages;			/* kept raw: did not compress (level none is not huge) */
	/* compressed or raw pages by the level that wrote them (or last tried them) */
	u64 level_pages[__SOV_ZLEVEL_CNT];
	u64 reads, writes, discards;
	u64 failed_reads, failed_writes;
	u64 limit_hits;			/* writes refused by mem_limit */
	u64 recompressed;		/* pages rewritten by sov_zstore_recompress() */
	u64 compactions, compacted_pages;
	u64 packs;			/* live packs (pack.h); their frames are in compr_bytes */
	u64 packed_pages;		/* pages read from a pack; in level_pages too */
};

/* A store of @nr_pages slots; @name names its zsmalloc pool. ERR_PTR on failure. */
struct sov_zstore *sov_zstore_create(const char *name, u64 nr_pages);
void sov_zstore_destroy(struct sov_zstore *st);

u64 sov_zstore_nr_pages(const struct sov_zstore *st);

/*
 * Store the page @src (PAGE_SIZE bytes, mapped) at @index, replacing what
 * was there. On error (-ENOMEM: allocation failed or mem_limit reached,
 * -ERANGE: @index out of range) the slot keeps its old content.
 * May sleep (a GFP_NOIO allocation when the pool is short): call it from
 * process context, with @src mapped by kmap_local_page(), not kmap_atomic().
 * Reads, writes and discards of one store may run on many CPUs at once.
 */
int sov_zstore_write(struct sov_zstore *st, u64 index, const void *src, enum sov_zlevel level);
/*
 * Read slot @index into the page @dst; a slot never written reads as zeros.
 * Does not sleep, but must not run in interrupt context (zs_map_object()).
 * -EIO if the stored object does not decode (never expected).
 */
int sov_zstore_read(struct sov_zstore *st, u64 index, void *dst);
/* Forget slot @index (discard/trim); nothing if it is empty. */
void sov_zstore_discard(struct sov_zstore *st, u64 index);

/* Bytes of pool memory the store may use; 0 lifts the limit. */
void sov_zstore_set_limit(struct sov_zstore *st, u64 bytes);

/*
 * Rewrite slot @index at @level if it holds a compressed or huge page written
 * at a lower level and was last accessed before @idle_before (jiffies).
 * 1 if rewritten, 0 if left alone, -errno (the old object stays).
 * A page that does not get smaller at @level keeps its object but counts
 * as tried at @level (it moves to level_pages[@level]; 0 is returned), so
 * scans do not retry it. A write racing with it wins. May sleep; not
 * bound by mem_limit (the new object replaces a bigger one).
 */
int sov_zstore_recompress(struct sov_zstore *st, u64 index, enum sov_zlevel level,
			  unsigned long idle_before);

struct sov_zpacker;

/*
 * Pack the run of idle pages that starts at slot @index (and ends before
 * @end, at most SOV_ZPACK_PAGES long) into one object at @level, with
 * @pk's context (pack.h). Pages of the run are compressed ones written at
 * or below @level and last accessed before @idle_before. A run of one, or
 * one that does not get smaller together, is recompressed page by page as
 * sov_zstore_recompress() does. *@scanned is set to the slots looked at
 * (at least 1); returns the pages rewritten or -errno. A write racing with
 * it wins. May sleep.
 */
int sov_zstore_pack(struct sov_zstore *st, u64 index, u64 end, enum sov_zlevel level,
		    unsigned long idle_before, struct sov_zpacker *pk, unsigned int *scanned);

/* zs_compact() the pool; returns the pages freed. */
unsigned long sov_zstore_compact(struct sov_zstore *st);

void sov_zstore_stats(struct sov_zstore *st, struct sov_zstore_stats *out);

#endif /* _SOV_ZPAGE_STORE_H */
