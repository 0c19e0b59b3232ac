// SPDX-License-Identifier: GPL-2.0
/* memcompress packs (pack.h). */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/zsmalloc.h>
#include <linux/zstd.h>

#include "pack.h"

#define SOV_ZPACK_BYTES		(SOV_ZPACK_PAGES * PAGE_SIZE)

/* Pack ids: a pack's frame never changes, so its id names its decoded pages. */
static atomic64_t sov_zpack_ids = ATOMIC64_INIT(0);

/* May sleep, may not recurse into I/O: the device may be the swap device. */
#define SOV_ZPACK_GFP		(GFP_NOIO | __GFP_NOWARN | __GFP_HIGHMEM | __GFP_MOVABLE)

struct sov_zpacker {
	zstd_parameters params;
	void *cwrk;
	zstd_cctx *cctx;
	void *in;		/* SOV_ZPACK_BYTES */
	void *out;		/* zstd_compress_bound(SOV_ZPACK_BYTES) */
	size_t out_len;
};

/* A kept frame is shorter than its pages: its length fits pack->len, its chunks pack->chunk. */
static_assert(SOV_ZPACK_BYTES <= U16_MAX);

struct sov_zpacker *sov_zpacker_new(enum sov_zlevel level)
{
	int zlevel = sov_zcodec_zstd_level(level);
	struct sov_zpacker *pk;
	size_t wrk;

	if (zlevel < 0)
		return ERR_PTR(-EINVAL);
	pk = kzalloc(sizeof(*pk), GFP_KERNEL);
	if (!pk)
		return ERR_PTR(-ENOMEM);
	/* Tables sized for a whole pack: its pages find each other. */
	pk->params = zstd_get_params(zlevel, SOV_ZPACK_BYTES);
	/* The compression parameters are zstd_parameters' first member. */
	wrk = zstd_cctx_workspace_bound((const void *)&pk->params);
	pk->out_len = zstd_compress_bound(SOV_ZPACK_BYTES);
	pk->cwrk = kvmalloc(wrk, GFP_KERNEL);
	pk->in = kvmalloc(SOV_ZPACK_BYTES, GFP_KERNEL);
	pk->out = kvmalloc(pk->out_len, GFP_KERNEL);
	if (!pk->cwrk || !pk->in || !pk->out)
		goto err;
	pk->cctx = zstd_init_cctx(pk->cwrk, wrk);
	if (!pk->cctx)
		goto err;
	return pk;

err:
	sov_zpacker_free(pk);
	return ERR_PTR(-ENOMEM);
}

void sov_zpacker_free(struct sov_zpacker *pk)
{
	if (IS_ERR_OR_NULL(pk))
		return;
	kvfree(pk->cwrk);
	kvfree(pk->in);
	kvfree(pk->out);
	kfree(pk);
}

void *sov_zpacker_page(struct sov_zpacker *pk, unsigned int i)
{
	return pk->in + (size_t)min_t(unsigned int, i, SOV_ZPACK_PAGES - 1) * PAGE_SIZE;
}

static void sov_zpack_free_chunks(struct zs_pool *pool, struct sov_zpack *pack)
{
	unsigned int i;

	for (i = 0; i < pack->nr_chunks; i++)
		zs_free(pool, pack->chunk[i]);
}

struct sov_zpack *sov_zpack_make(struct zs_pool *pool, struct sov_zpacker *pk,
				 unsigned int nr_pages, unsigned int max_len)
{
	struct sov_zpack *pack;
	unsigned int off, n;
	size_t len;
	void *dst;

	if (!nr_pages || nr_pages > SOV_ZPACK_PAGES)
		return ERR_PTR(-EINVAL);
	len = zstd_compress_cctx(pk->cctx, pk->out, pk->out_len, pk->in,
				 (size_t)nr_pages * PAGE_SIZE, &pk->params);
	if (zstd_is_error(len)) {
		pr_warn_ratelimited("memcompress: zstd: %s\n", zstd_get_error_name(len));
		return ERR_PTR(-EIO);
	}
	if (len > max_len || len >= SOV_ZPACK_BYTES)
		return ERR_PTR(-E2BIG);

	pack = kzalloc(sizeof(*pack), GFP_NOIO | __GFP_NOWARN);
	if (!pack)
		return ERR_PTR(-ENOMEM);
	refcount_set(&pack->ref, 1);
	pack->id = atomic64_inc_return(&sov_zpack_ids);
	pack->nr_pages = nr_pages;
	pack->len = len;
	/* Whole pages go to zsmalloc's one-object class, without waste; the tail to its own. */
	for (off = 0; off < len; off += n) {
		unsigned long handle;

		n = min_t(size_t, len - off, PAGE_SIZE);
		handle = zs_malloc(pool, n, SOV_ZPACK_GFP);
		if (IS_ERR_VALUE(handle)) {
			sov_zpack_free_chunks(pool, pack);
			kfree(pack);
			return ERR_PTR(-ENOMEM);
		}
		dst = zs_map_object(pool, handle, ZS_MM_WO);
		memcpy(dst, pk->out + off, n);
		zs_unmap_object(pool, handle);
		pack->chunk[pack->nr_chunks++] = handle;
	}
	return pack;
}

unsigned int sov_zpack_put(struct zs_pool *pool, struct sov_zpack *pack)
{
	unsigned int len;

	if (!refcount_dec_and_test(&pack->ref))
		return 0;
	len = pack->len;
	sov_zpack_free_chunks(pool, pack);
	kfree(pack);
	return len;
}

int sov_zpack_read(struct zs_pool *pool, const struct sov_zpack *pack, unsigned int pos,
		   void *dst)
{
	struct sov_zstream *zs;
	unsigned int i, off, n;
	void *in, *out;
	u64 *out_id;
	int err = 0;

	if (pos >= pack->nr_pages)
		return -EIO;
	zs = sov_zcodec_get();
	sov_zcodec_pack_bufs(zs, &in, &out, &out_id);
	if (*out_id == pack->id)
		goto copy;
	/* zsmalloc maps one object at a time: gather the frame first. */
	for (i = 0, off = 0; i < pack->nr_chunks; i++, off += n) {
		const void *src;

		n = min_t(unsigned int, pack->len - off, PAGE_SIZE);
		src = zs_map_object(pool, pack->chunk[i], ZS_MM_RO);
		memcpy(in + off, src, n);
		zs_unmap_object(pool, pack->chunk[i]);
	}
	*out_id = 0;
	err = sov_zcodec_zstd_decompress(zs, in, pack->len, out, pack->nr_pages * PAGE_SIZE);
	if (err)
		goto out;
	*out_id = pack->id;
copy:
	memcpy(dst, out + pos * PAGE_SIZE, PAGE_SIZE);
out:
	sov_zcodec_put(zs);
	return err;
}
