// SPDX-License-Identifier: GPL-2.0
/*
 * memcompress store: one slot per page of a device.
 *
 * A slot is three words: the zsmalloc handle (or the fill word of a
 * same-filled page), a flags word that holds the object size in its low
 * bits, the slot's bit spinlock and what kind of object it is, and the
 * jiffies of the last access. Compression and allocation happen before the
 * slot lock is taken; under it we only swap objects, so writes and reads
 * of different slots run in parallel and a failed write leaves the old
 * content in place.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
/* after sched.h: bit_spinlock.h needs cpu_relax() and does not include it (UML) */
#include <linux/bit_spinlock.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/zsmalloc.h>

#include "pack.h"
#include "store.h"

/* The low bits of a slot's flags hold the object size: 0..PAGE_SIZE. */
#define SOV_ZSLOT_SIZE_BITS	(PAGE_SHIFT + 1)
#define SOV_ZSLOT_SIZE_MASK	(BIT(SOV_ZSLOT_SIZE_BITS) - 1)

enum {
	SOV_ZSLOT_LOCK = SOV_ZSLOT_SIZE_BITS,
	SOV_ZSLOT_SAME,		/* handle is the fill word; nothing allocated */
	SOV_ZSLOT_HUGE,		/* kept raw: did not compress below the huge class */
	SOV_ZSLOT_RECOMP,	/* being recompressed; any write or discard clears it */
	SOV_ZSLOT_ALG,		/* enum sov_zalg, 2 bits */
	SOV_ZSLOT_LEVEL = SOV_ZSLOT_ALG + 2,	/* enum sov_zlevel, 2 bits */
	SOV_ZSLOT_PACKED = SOV_ZSLOT_LEVEL + 2,	/* handle is a struct sov_zpack */
	SOV_ZSLOT_POS,		/* the page's place in its pack, 2 bits */
	SOV_ZSLOT_NOPACK = SOV_ZSLOT_POS + 2,	/* did not pack: scans skip it */
	__SOV_ZSLOT_BITS,
};

#define SOV_ZSLOT_ALG_MASK	(3UL << SOV_ZSLOT_ALG)
#define SOV_ZSLOT_LEVEL_MASK	(3UL << SOV_ZSLOT_LEVEL)
#define SOV_ZSLOT_POS_MASK	(3UL << SOV_ZSLOT_POS)

static_assert(__SOV_ZSLOT_BITS <= BITS_PER_LONG);
static_assert(__SOV_ZALG_CNT <= 4);
static_assert(__SOV_ZLEVEL_CNT <= 4);
static_assert(SOV_ZPACK_PAGES <= 4);

struct sov_zslot {
	unsigned long handle;
	unsigned long flags;
	unsigned long atime;
};

struct sov_zstore_counters {
	atomic64_t pages;
	atomic64_t compr_bytes;
	atomic64_t mem_used_max;
	atomic64_t same_pages;
	atomic64_t huge_pages;
	atomic64_t level_pages[__SOV_ZLEVEL_CNT];
	atomic64_t reads, writes, discards;
	atomic64_t failed_reads, failed_writes;
	atomic64_t limit_hits;
	atomic64_t recompressed;
	atomic64_t compactions, compacted_pages;
	atomic64_t packs, packed_pages;
	atomic64_t pack_meta;		/* bytes of struct sov_zpack */
};

struct sov_zstore {
	struct zs_pool *pool;
	struct sov_zslot *slots;
	u64 nr_pages;
	/* Longest compressed object worth keeping: the next is a huge class. */
	unsigned int max_compr;
	atomic64_t mem_limit;
	struct sov_zstore_counters c;
};

/* A new object, made outside the slot lock, waiting to be installed. */
struct sov_zobj {
	unsigned long handle;	/* or the fill word */
	unsigned long flags;	/* size | SAME/HUGE | alg | level */
};

/* First try: no sleeping, we may hold a stream. */
#define SOV_ZGFP_ATOMIC	(__GFP_KSWAPD_RECLAIM | __GFP_NOWARN | __GFP_HIGHMEM | __GFP_MOVABLE)
/* Second try may sleep but must not recurse into I/O: we may be the swap device. */
#define SOV_ZGFP_SLEEP	(GFP_NOIO | __GFP_HIGHMEM | __GFP_MOVABLE)

static void sov_zslot_lock(struct sov_zslot *slot)
	__acquires(slot)
{
	bit_spin_lock(SOV_ZSLOT_LOCK, &slot->flags);
}

static void sov_zslot_unlock(struct sov_zslot *slot)
	__releases(slot)
{
	bit_spin_unlock(SOV_ZSLOT_LOCK, &slot->flags);
}

static unsigned int sov_zslot_size(unsigned long flags)
{
	return flags & SOV_ZSLOT_SIZE_MASK;
}

static enum sov_zalg sov_zslot_alg(unsigned long flags)
{
	return (flags & SOV_ZSLOT_ALG_MASK) >> SOV_ZSLOT_ALG;
}

static enum sov_zlevel sov_zslot_level(unsigned long flags)
{
	return (flags & SOV_ZSLOT_LEVEL_MASK) >> SOV_ZSLOT_LEVEL;
}

/* Holds data: a same-filled word, an object or a place in a pack. */
static bool sov_zslot_held(unsigned long flags)
{
	return flags & (BIT(SOV_ZSLOT_SAME) | BIT(SOV_ZSLOT_PACKED) | SOV_ZSLOT_SIZE_MASK);
}

static struct sov_zpack *sov_zslot_pack(const struct sov_zslot *slot)
{
	return (struct sov_zpack *)slot->handle;
}

static unsigned long sov_zslot_mkflags(unsigned int size, enum sov_zalg alg,
				       enum sov_zlevel level)
{
	return size | (unsigned long)alg << SOV_ZSLOT_ALG |
		(unsigned long)level << SOV_ZSLOT_LEVEL;
}

/* Same-filled: every word equals the first (zero pages above all). */
static bool sov_zpage_same(const void *src, unsigned long *fill)
{
	const unsigned long *w = src;
	unsigned int i, n = PAGE_SIZE / sizeof(*w);

	/* Most pages that are not same-filled differ at the end already. */
	if (w[n - 1] != w[0])
		return false;
	for (i = 1; i < n - 1; i++)
		if (w[i] != w[0])
			return false;
	*fill = w[0];
	return true;
}

/* The pool's pages and the packs' descriptors */
static u64 sov_zstore_mem_used(struct sov_zstore *st)
{
	return ((u64)zs_get_total_pages(st->pool) << PAGE_SHIFT) +
		atomic64_read(&st->c.pack_meta);
}

static void sov_zstore_update_max(struct sov_zstore *st, u64 used)
{
	s64 cur = atomic64_read(&st->c.mem_used_max);

	while (used > cur) {
		s64 old = atomic64_cmpxchg(&st->c.mem_used_max, cur, used);

		if (old == cur)
			break;
		cur = old;
	}
}

struct sov_zstore *sov_zstore_create(const char *name, u64 nr_pages)
{
	struct sov_zstore *st;
	size_t bytes;

	if (!nr_pages || nr_pages > SIZE_MAX / sizeof(struct sov_zslot))
		return ERR_PTR(-EINVAL);
	bytes = nr_pages * sizeof(struct sov_zslot);

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return ERR_PTR(-ENOMEM);
	/* vzalloc() without the warning: the size comes from the user. */
	st->slots = __vmalloc(bytes, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	if (!st->slots)
		goto err_free_st;
	st->pool = zs_create_pool(name);
	if (!st->pool)
		goto err_free_slots;
	st->nr_pages = nr_pages;
	st->max_compr = zs_huge_class_size(st->pool) - 1;
	return st;

err_free_slots:
	vfree(st->slots);
err_free_st:
	kfree(st);
	return ERR_PTR(-ENOMEM);
}

/* A pack counts from its making until its last reference goes. */
static void sov_zstore_count_pack(struct sov_zstore *st, struct sov_zpack *pack)
{
	atomic64_add(pack->len, &st->c.compr_bytes);
	atomic64_add(ksize(pack), &st->c.pack_meta);
	atomic64_inc(&st->c.packs);
}

static void sov_zstore_put_pack(struct sov_zstore *st, struct sov_zpack *pack)
{
	size_t meta = ksize(pack);
	unsigned int len = sov_zpack_put(st->pool, pack);

	if (len) {
		atomic64_sub(len, &st->c.compr_bytes);
		atomic64_sub(meta, &st->c.pack_meta);
		atomic64_dec(&st->c.packs);
	}
}

/* Drop what @slot holds; the slot lock is held (or the store is private). */
static void sov_zstore_free_slot(struct sov_zstore *st, struct sov_zslot *slot)
{
	unsigned long flags = slot->flags;
	unsigned int size = sov_zslot_size(flags);

	if (flags & BIT(SOV_ZSLOT_SAME)) {
		atomic64_dec(&st->c.same_pages);
		atomic64_dec(&st->c.pages);
	} else if (flags & BIT(SOV_ZSLOT_PACKED)) {
		sov_zstore_put_pack(st, sov_zslot_pack(slot));
		atomic64_dec(&st->c.packed_pages);
		atomic64_dec(&st->c.level_pages[sov_zslot_level(flags)]);
		atomic64_dec(&st->c.pages);
	} else if (size) {
		zs_free(st->pool, slot->handle);
		atomic64_sub(size, &st->c.compr_bytes);
		atomic64_dec(&st->c.level_pages[sov_zslot_level(flags)]);
		if (flags & BIT(SOV_ZSLOT_HUGE))
			atomic64_dec(&st->c.huge_pages);
		atomic64_dec(&st->c.pages);
	}
	slot->handle = 0;
	slot->flags &= BIT(SOV_ZSLOT_LOCK);
}

/* Put @obj in the (empty, locked) slot. */
static void sov_zstore_install(struct sov_zstore *st, struct sov_zslot *slot,
			       const struct sov_zobj *obj)
{
	unsigned int size = sov_zslot_size(obj->flags);

	slot->handle = obj->handle;
	slot->flags = (slot->flags & BIT(SOV_ZSLOT_LOCK)) | obj->flags;
	if (obj->flags & BIT(SOV_ZSLOT_SAME)) {
		atomic64_inc(&st->c.same_pages);
	} else {
		atomic64_add(size, &st->c.compr_bytes);
		atomic64_inc(&st->c.level_pages[sov_zslot_level(obj->flags)]);
		if (obj->flags & BIT(SOV_ZSLOT_HUGE))
			atomic64_inc(&st->c.huge_pages);
	}
	atomic64_inc(&st->c.pages);
}

void sov_zstore_destroy(struct sov_zstore *st)
{
	u64 i;

	if (IS_ERR_OR_NULL(st))
		return;
	for (i = 0; i < st->nr_pages; i++) {
		sov_zstore_free_slot(st, &st->slots[i]);
		if (!(i & 4095))
			cond_resched();
	}
	zs_destroy_pool(st->pool);
	vfree(st->slots);
	kfree(st);
}

u64 sov_zstore_nr_pages(const struct sov_zstore *st)
{
	return st->nr_pages;
}

/*
 * Encode the page @src at @level into a new pool object. A page that does
 * not compress into @max_len bytes is kept raw if @raw_ok, else -E2BIG.
 * With @limit the new object must fit under mem_limit.
 */
static int sov_zstore_encode(struct sov_zstore *st, const void *src, enum sov_zlevel level,
			     unsigned int max_len, bool raw_ok, bool limit,
			     struct sov_zobj *obj)
{
	struct sov_zstream *zs;
	unsigned long handle = 0;
	unsigned int size = 0;
	enum sov_zalg alg;
	const void *out;
	u64 lim, used;
	void *dst;
	int len;

	for (;;) {
		zs = sov_zcodec_get();
		len = sov_zcodec_compress(zs, level, src, max_len, &alg, &out);
		if (len == -E2BIG && raw_ok) {
			/* Copied straight from @src: no stream needed. */
			sov_zcodec_put(zs);
			zs = NULL;
			alg = SOV_ZALG_RAW;
			out = src;
			len = PAGE_SIZE;
		} else if (len < 0) {
			sov_zcodec_put(zs);
			goto err_free;
		}

		if (handle) {
			/* Came back from the sleeping allocation. */
			if (len <= size)
				break;
			/* @src changed meanwhile and grew: start over. */
			zs_free(st->pool, handle);
			handle = 0;
		}
		handle = zs_malloc(st->pool, len, SOV_ZGFP_ATOMIC);
		if (!IS_ERR_VALUE(handle)) {
			size = len;
			break;
		}
		/*
		 * The stream's buffer is ours only while we hold it: let it go,
		 * sleep in the allocator, then compress again.
		 */
		if (zs)
			sov_zcodec_put(zs);
		zs = NULL;
		handle = zs_malloc(st->pool, len, SOV_ZGFP_SLEEP);
		if (IS_ERR_VALUE(handle)) {
			handle = 0;
			len = -ENOMEM;
			goto err_free;
		}
		size = len;
		if (alg == SOV_ZALG_RAW)
			break;
	}

	used = sov_zstore_mem_used(st);
	lim = atomic64_read(&st->mem_limit);
	if (limit && lim && used > lim) {
		if (zs)
			sov_zcodec_put(zs);
		atomic64_inc(&st->c.limit_hits);
		len = -ENOMEM;
		goto err_free;
	}
	sov_zstore_update_max(st, used);

	dst = zs_map_object(st->pool, handle, ZS_MM_WO);
	memcpy(dst, out, len);
	zs_unmap_object(st->pool, handle);
	if (zs)
		sov_zcodec_put(zs);

	obj->handle = handle;
	obj->flags = sov_zslot_mkflags(len, alg, level);
	if (alg == SOV_ZALG_RAW && level != SOV_ZLEVEL_NONE)
		obj->flags |= BIT(SOV_ZSLOT_HUGE);
	return 0;

err_free:
	if (handle)
		zs_free(st->pool, handle);
	return len;
}

int sov_zstore_write(struct sov_zstore *st, u64 index, const void *src, enum sov_zlevel level)
{
	struct sov_zslot *slot;
	struct sov_zobj obj;
	unsigned long fill;
	int err;

	might_sleep();
	atomic64_inc(&st->c.writes);
	if (index >= st->nr_pages) {
		err = -ERANGE;
		goto err;
	}
	if ((unsigned int)level >= __SOV_ZLEVEL_CNT) {
		err = -EINVAL;
		goto err;
	}
	slot = &st->slots[index];

	if (sov_zpage_same(src, &fill)) {
		obj.handle = fill;
		obj.flags = BIT(SOV_ZSLOT_SAME);
	} else {
		err = sov_zstore_encode(st, src, level, st->max_compr, true, true, &obj);
		if (err)
			goto err;
	}

	sov_zslot_lock(slot);
	sov_zstore_free_slot(st, slot);
	sov_zstore_install(st, slot, &obj);
	slot->atime = jiffies;
	sov_zslot_unlock(slot);
	return 0;

err:
	atomic64_inc(&st->c.failed_writes);
	return err;
}

/* Decode the object @handle of @size bytes made by @alg into @dst. */
static int sov_zstore_decode(struct sov_zstore *st, unsigned long handle, unsigned int size,
			     enum sov_zalg alg, void *dst)
{
	struct sov_zstream *zs;
	const void *src;
	int err = 0;

	if (alg == SOV_ZALG_RAW) {
		src = zs_map_object(st->pool, handle, ZS_MM_RO);
		if (size == PAGE_SIZE)
			memcpy(dst, src, PAGE_SIZE);
		else
			err = -EIO;
		zs_unmap_object(st->pool, handle);
		return err;
	}
	/* Stream before mapping, as the write path does: one lock order. */
	zs = sov_zcodec_get();
	src = zs_map_object(st->pool, handle, ZS_MM_RO);
	err = sov_zcodec_decompress(zs, alg, src, size, dst);
	zs_unmap_object(st->pool, handle);
	sov_zcodec_put(zs);
	return err;
}

/* Read @slot into @dst; its lock is held. */
static int sov_zstore_read_locked(struct sov_zstore *st, struct sov_zslot *slot, void *dst)
{
	unsigned long flags = slot->flags;
	unsigned int size = sov_zslot_size(flags);

	if (flags & BIT(SOV_ZSLOT_SAME)) {
		memset_l(dst, slot->handle, PAGE_SIZE / sizeof(unsigned long));
		return 0;
	}
	if (flags & BIT(SOV_ZSLOT_PACKED))
		return sov_zpack_read(st->pool, sov_zslot_pack(slot),
				      (flags & SOV_ZSLOT_POS_MASK) >> SOV_ZSLOT_POS, dst);
	if (!size) {
		memset(dst, 0, PAGE_SIZE);
		return 0;
	}
	return sov_zstore_decode(st, slot->handle, size, sov_zslot_alg(flags), dst);
}

int sov_zstore_read(struct sov_zstore *st, u64 index, void *dst)
{
	struct sov_zslot *slot;
	int err;

	atomic64_inc(&st->c.reads);
	if (index >= st->nr_pages) {
		atomic64_inc(&st->c.failed_reads);
		return -ERANGE;
	}
	slot = &st->slots[index];

	sov_zslot_lock(slot);
	err = sov_zstore_read_locked(st, slot, dst);
	slot->atime = jiffies;
	sov_zslot_unlock(slot);

	if (err) {
		atomic64_inc(&st->c.failed_reads);
		pr_err_ratelimited("memcompress: page %llu does not decode\n", index);
	}
	return err;
}

void sov_zstore_discard(struct sov_zstore *st, u64 index)
{
	struct sov_zslot *slot;
	bool held;

	if (index >= st->nr_pages)
		return;
	slot = &st->slots[index];

	sov_zslot_lock(slot);
	held = sov_zslot_held(slot->flags);
	sov_zstore_free_slot(st, slot);
	sov_zslot_unlock(slot);
	if (held)
		atomic64_inc(&st->c.discards);
}

void sov_zstore_set_limit(struct sov_zstore *st, u64 bytes)
{
	atomic64_set(&st->mem_limit, bytes);
}

/* Worth recompressing at @level: holds an object written lower, and idle. */
static bool sov_zslot_stale(const struct sov_zslot *slot, enum sov_zlevel level,
			    unsigned long idle_before)
{
	unsigned long flags = slot->flags;

	if ((flags & BIT(SOV_ZSLOT_SAME)) || !sov_zslot_size(flags))
		return false;
	return sov_zslot_level(flags) < level && time_before(slot->atime, idle_before);
}

int sov_zstore_recompress(struct sov_zstore *st, u64 index, enum sov_zlevel level,
			  unsigned long idle_before)
{
	struct sov_zslot *slot;
	unsigned long handle, flags, atime;
	unsigned int size, max_len;
	struct sov_zobj obj;
	bool stale;
	void *page;
	int err;

	might_sleep();
	if (index >= st->nr_pages)
		return -ERANGE;
	if ((unsigned int)level >= __SOV_ZLEVEL_CNT)
		return -EINVAL;
	slot = &st->slots[index];

	/* Look first: most slots of a scan are not candidates. */
	sov_zslot_lock(slot);
	stale = sov_zslot_stale(slot, level, idle_before);
	sov_zslot_unlock(slot);
	if (!stale)
		return 0;

	page = (void *)__get_free_page(GFP_NOIO | __GFP_NOWARN);
	if (!page)
		return -ENOMEM;

	sov_zslot_lock(slot);
	if (!sov_zslot_stale(slot, level, idle_before)) {
		sov_zslot_unlock(slot);
		err = 0;
		goto out;
	}
	handle = slot->handle;
	flags = slot->flags;
	size = sov_zslot_size(flags);
	err = sov_zstore_read_locked(st, slot, page);
	if (!err)
		slot->flags |= BIT(SOV_ZSLOT_RECOMP);
	sov_zslot_unlock(slot);
	if (err)
		goto out;

	/*
	 * Only a smaller object is worth the swap. No mem_limit check: the
	 * new object replaces a bigger one.
	 */
	max_len = min(st->max_compr, size - 1);
	err = sov_zstore_encode(st, page, level, max_len, false, false, &obj);
	if (err && err != -E2BIG)
		goto out_clear;

	sov_zslot_lock(slot);
	if (slot->handle != handle || !(slot->flags & BIT(SOV_ZSLOT_RECOMP))) {
		/* Written, discarded or recompressed meanwhile: ours is stale. */
		sov_zslot_unlock(slot);
		if (!err)
			zs_free(st->pool, obj.handle);
		err = 0;
		goto out;
	}
	if (err == -E2BIG) {
		/*
		 * No smaller at @level: keep the object but mark the page as
		 * tried at @level, so later scans skip it.
		 */
		atomic64_dec(&st->c.level_pages[sov_zslot_level(flags)]);
		atomic64_inc(&st->c.level_pages[level]);
		if (sov_zslot_alg(flags) == SOV_ZALG_RAW && !(flags & BIT(SOV_ZSLOT_HUGE))) {
			slot->flags |= BIT(SOV_ZSLOT_HUGE);
			atomic64_inc(&st->c.huge_pages);
		}
		slot->flags &= ~(SOV_ZSLOT_LEVEL_MASK | BIT(SOV_ZSLOT_RECOMP));
		slot->flags |= (unsigned long)level << SOV_ZSLOT_LEVEL;
		err = 0;
	} else {
		/* Recompression is not an access: the page stays idle. */
		atime = slot->atime;
		sov_zstore_free_slot(st, slot);
		sov_zstore_install(st, slot, &obj);
		slot->atime = atime;
		atomic64_inc(&st->c.recompressed);
		err = 1;
	}
	sov_zslot_unlock(slot);
	goto out;

out_clear:
	sov_zslot_lock(slot);
	if (slot->handle == handle)
		slot->flags &= ~BIT(SOV_ZSLOT_RECOMP);
	sov_zslot_unlock(slot);
out:
	free_page((unsigned long)page);
	return err;
}

/* Worth packing at @level: a compressed page of its own, written at or below @level, idle. */
static bool sov_zslot_packable(const struct sov_zslot *slot, enum sov_zlevel level,
			       unsigned long idle_before)
{
	unsigned long flags = slot->flags;

	if (flags & (BIT(SOV_ZSLOT_SAME) | BIT(SOV_ZSLOT_HUGE) | BIT(SOV_ZSLOT_NOPACK) |
		     BIT(SOV_ZSLOT_RECOMP)))
		return false;
	return sov_zslot_size(flags) && sov_zslot_level(flags) <= level &&
		time_before(slot->atime, idle_before);
}

/* Put page @pos of @pack, referenced for it, in the (empty, locked) slot. */
static void sov_zstore_install_packed(struct sov_zstore *st, struct sov_zslot *slot,
				      struct sov_zpack *pack, unsigned int pos,
				      enum sov_zlevel level)
{
	slot->handle = (unsigned long)pack;
	slot->flags = (slot->flags & BIT(SOV_ZSLOT_LOCK)) | BIT(SOV_ZSLOT_PACKED) |
		(unsigned long)pos << SOV_ZSLOT_POS | sov_zslot_mkflags(0, SOV_ZALG_ZSTD, level);
	atomic64_inc(&st->c.packed_pages);
	atomic64_inc(&st->c.level_pages[level]);
	atomic64_inc(&st->c.pages);
}

/* Unmark the @n slots from @index a pack attempt marked, if they still hold what it read. */
static void sov_zstore_pack_release(struct sov_zstore *st, u64 index, unsigned int n,
				    const unsigned long *handles)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct sov_zslot *slot = &st->slots[index + i];

		sov_zslot_lock(slot);
		if (slot->handle == handles[i])
			slot->flags &= ~BIT(SOV_ZSLOT_RECOMP);
		sov_zslot_unlock(slot);
	}
}

/* These pages did not gain together: later scans leave them alone until written. */
static void sov_zstore_mark_nopack(struct sov_zstore *st, u64 index, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct sov_zslot *slot = &st->slots[index + i];

		sov_zslot_lock(slot);
		if (sov_zslot_size(slot->flags))
			slot->flags |= BIT(SOV_ZSLOT_NOPACK);
		sov_zslot_unlock(slot);
	}
}

int sov_zstore_pack(struct sov_zstore *st, u64 index, u64 end, enum sov_zlevel level,
		    unsigned long idle_before, struct sov_zpacker *pk, unsigned int *scanned)
{
	unsigned long handles[SOV_ZPACK_PAGES], atime;
	unsigned int n, i, installed = 0, old_len = 0;
	struct sov_zpack *pack;
	struct sov_zslot *slot;
	int err, ret;

	might_sleep();
	*scanned = 1;
	if (index >= st->nr_pages)
		return -ERANGE;
	end = min3(end, st->nr_pages, index + SOV_ZPACK_PAGES);

	/* The run of packable pages from @index: read, marked, their objects noted. */
	for (n = 0; index + n < end; n++) {
		slot = &st->slots[index + n];
		sov_zslot_lock(slot);
		if (!sov_zslot_packable(slot, level, idle_before) ||
		    sov_zstore_read_locked(st, slot, sov_zpacker_page(pk, n))) {
			sov_zslot_unlock(slot);
			break;
		}
		handles[n] = slot->handle;
		old_len += sov_zslot_size(slot->flags);
		slot->flags |= BIT(SOV_ZSLOT_RECOMP);
		sov_zslot_unlock(slot);
	}
	*scanned = max(n, 1U);
	if (n < 2) {
		/* Nothing to pack with: the page may still gain alone. */
		sov_zstore_pack_release(st, index, n, handles);
		return sov_zstore_recompress(st, index, level, idle_before);
	}

	pack = sov_zpack_make(st->pool, pk, n, old_len - 1);
	if (IS_ERR(pack)) {
		sov_zstore_pack_release(st, index, n, handles);
		if (PTR_ERR(pack) != -E2BIG)
			return PTR_ERR(pack);
		for (i = 0, ret = 0; i < n; i++) {
			err = sov_zstore_recompress(st, index + i, level, idle_before);
			if (err < 0)
				return err;
			ret += err;
		}
		sov_zstore_mark_nopack(st, index, n);
		return ret;
	}

	sov_zstore_count_pack(st, pack);
	for (i = 0; i < n; i++) {
		slot = &st->slots[index + i];
		sov_zslot_lock(slot);
		/* A write or discard since the read cleared the mark: it wins. */
		if (slot->handle == handles[i] && (slot->flags & BIT(SOV_ZSLOT_RECOMP))) {
			atime = slot->atime;
			sov_zstore_free_slot(st, slot);
			refcount_inc(&pack->ref);
			sov_zstore_install_packed(st, slot, pack, i, level);
			slot->atime = atime;
			installed++;
		}
		sov_zslot_unlock(slot);
	}
	/* The making's reference: the last one if no page went in. */
	sov_zstore_put_pack(st, pack);
	atomic64_add(installed, &st->c.recompressed);
	return installed;
}

unsigned long sov_zstore_compact(struct sov_zstore *st)
{
	unsigned long freed = zs_compact(st->pool);

	atomic64_inc(&st->c.compactions);
	atomic64_add(freed, &st->c.compacted_pages);
	return freed;
}

void sov_zstore_stats(struct sov_zstore *st, struct sov_zstore_stats *out)
{
	const struct sov_zstore_counters *c = &st->c;
	int i;

	memset(out, 0, sizeof(*out));
	out->pages = atomic64_read(&c->pages);
	out->orig_bytes = out->pages << PAGE_SHIFT;
	out->compr_bytes = atomic64_read(&c->compr_bytes);
	out->mem_used = sov_zstore_mem_used(st);
	out->mem_limit = atomic64_read(&st->mem_limit);
	out->mem_used_max = max_t(u64, atomic64_read(&c->mem_used_max), out->mem_used);
	out->same_pages = atomic64_read(&c->same_pages);
	out->huge_pages = atomic64_read(&c->huge_pages);
	for (i = 0; i < __SOV_ZLEVEL_CNT; i++)
		out->level_pages[i] = atomic64_read(&c->level_pages[i]);
	out->reads = atomic64_read(&c->reads);
	out->writes = atomic64_read(&c->writes);
	out->discards = atomic64_read(&c->discards);
	out->failed_reads = atomic64_read(&c->failed_reads);
	out->failed_writes = atomic64_read(&c->failed_writes);
	out->limit_hits = atomic64_read(&c->limit_hits);
	out->recompressed = atomic64_read(&c->recompressed);
	out->compactions = atomic64_read(&c->compactions);
	out->compacted_pages = atomic64_read(&c->compacted_pages);
	out->packs = atomic64_read(&c->packs);
	out->packed_pages = atomic64_read(&c->packed_pages);
}
