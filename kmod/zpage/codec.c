// SPDX-License-Identifier: GPL-2.0
/*
 * memcompress codecs: the four levels and the per-CPU streams that run them.
 *
 * Every CPU owns one stream: a workspace for LZ4/LZ4HC, a zstd compression
 * and decompression context and a 2-page output buffer. A stream is taken
 * with a local_lock (preemption off on !RT), so it is only valid between
 * sov_zcodec_get() and sov_zcodec_put(). Streams exist for every possible
 * CPU from init on, so CPU hotplug needs no callbacks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/errno.h>
#include <linux/kernel.h>
/* local_lock.h uses current under lockdep but does not include sched.h */
#include <linux/sched.h>
#include <linux/local_lock.h>
#include <linux/lz4.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/zstd.h>

#include "codec.h"

/* How a level compresses; sov_zlevels[] maps each level to one. */
enum sov_zmethod {
	SOV_ZM_RAW,
	SOV_ZM_LZ4,		/* LZ4_compress_fast, param = acceleration */
	SOV_ZM_LZ4HC,		/* LZ4_compress_HC, param = level */
	SOV_ZM_ZSTD,		/* zstd_compress_cctx, param = level */
};

struct sov_zlevel_param {
	const char *name;
	enum sov_zmethod method;
	int param;
};

/*
 * The one table to retune. fast is what zram's lz4 does (acceleration 1);
 * balanced is zram's zstd level (3), so the two compare at equal ratio;
 * best is zstd 12: on 4 KiB pages levels past 12 gain under 1% for 3x the
 * time. The KUnit codec suite prints the sizes behind these choices.
 */
static const struct sov_zlevel_param sov_zlevels[__SOV_ZLEVEL_CNT] = {
	[SOV_ZLEVEL_NONE]	= { "none",	SOV_ZM_RAW,	0 },
	[SOV_ZLEVEL_FAST]	= { "fast",	SOV_ZM_LZ4,	1 },
	[SOV_ZLEVEL_BALANCED]	= { "balanced",	SOV_ZM_ZSTD,	3 },
	[SOV_ZLEVEL_BEST]	= { "best",	SOV_ZM_ZSTD,	12 },
};

static const char * const sov_zalg_names[__SOV_ZALG_CNT] = {
	[SOV_ZALG_RAW]	= "raw",
	[SOV_ZALG_LZ4]	= "lz4",
	[SOV_ZALG_ZSTD]	= "zstd",
};

/* Output room: incompressible input grows a little past a page. */
#define SOV_ZSTREAM_BUF		(2 * PAGE_SIZE)

struct sov_zstream {
	local_lock_t lock;
	void *lz4_wrk;		/* LZ4_compress_fast and LZ4_compress_HC share it */
	void *cwrk;		/* holds cctx */
	void *dwrk;		/* holds dctx */
	zstd_cctx *cctx;
	zstd_dctx *dctx;
	void *buf;		/* SOV_ZSTREAM_BUF bytes of output */
	void *pack_in;		/* a pack's compressed bytes, gathered */
	void *pack_out;		/* a pack's pages, decoded */
	u64 pack_out_id;	/* which pack's */
};

#define SOV_ZPACK_BUF		(SOV_ZPACK_PAGES * PAGE_SIZE)

static DEFINE_PER_CPU(struct sov_zstream, sov_zstreams) = {
	.lock = INIT_LOCAL_LOCK(lock),
};

/* zstd parameters per level, sized for one page (smaller tables, faster). */
static zstd_parameters sov_zstd_params[__SOV_ZLEVEL_CNT];

/* init/exit nest: the module and the KUnit suites may both hold the streams. */
static DEFINE_MUTEX(sov_zcodec_lock);
static unsigned int sov_zcodec_users;

static enum sov_zalg sov_zmethod_alg(enum sov_zmethod m)
{
	switch (m) {
	case SOV_ZM_LZ4:
	case SOV_ZM_LZ4HC:
		return SOV_ZALG_LZ4;
	case SOV_ZM_ZSTD:
		return SOV_ZALG_ZSTD;
	default:
		return SOV_ZALG_RAW;
	}
}

const char *sov_zlevel_name(enum sov_zlevel level)
{
	if ((unsigned int)level >= __SOV_ZLEVEL_CNT)
		return "unknown";
	return sov_zlevels[level].name;
}

int sov_zlevel_parse(const char *name)
{
	int i;

	if (!name)
		return -EINVAL;
	for (i = 0; i < __SOV_ZLEVEL_CNT; i++)
		if (sysfs_streq(name, sov_zlevels[i].name))
			return i;
	return -EINVAL;
}

const char *sov_zalg_name(enum sov_zalg alg)
{
	if ((unsigned int)alg >= __SOV_ZALG_CNT)
		return "unknown";
	return sov_zalg_names[alg];
}

static void sov_zstream_free(struct sov_zstream *zs)
{
	kvfree(zs->lz4_wrk);
	kvfree(zs->cwrk);
	kvfree(zs->dwrk);
	kvfree(zs->buf);
	kvfree(zs->pack_in);
	kvfree(zs->pack_out);
	zs->pack_in = NULL;
	zs->pack_out = NULL;
	zs->pack_out_id = 0;
	zs->lz4_wrk = NULL;
	zs->cwrk = NULL;
	zs->dwrk = NULL;
	zs->buf = NULL;
	zs->cctx = NULL;
	zs->dctx = NULL;
}

static int sov_zstream_alloc(struct sov_zstream *zs, size_t lz4_size, size_t cctx_size,
			     size_t dctx_size)
{
	if (lz4_size) {
		zs->lz4_wrk = kvmalloc(lz4_size, GFP_KERNEL);
		if (!zs->lz4_wrk)
			goto err;
	}
	if (cctx_size) {
		zs->cwrk = kvmalloc(cctx_size, GFP_KERNEL);
		zs->dwrk = kvmalloc(dctx_size, GFP_KERNEL);
		if (!zs->cwrk || !zs->dwrk)
			goto err;
		zs->cctx = zstd_init_cctx(zs->cwrk, cctx_size);
		zs->dctx = zstd_init_dctx(zs->dwrk, dctx_size);
		if (!zs->cctx || !zs->dctx)
			goto err;
	}
	zs->buf = kvmalloc(SOV_ZSTREAM_BUF, GFP_KERNEL);
	zs->pack_in = kvmalloc(SOV_ZPACK_BUF, GFP_KERNEL);
	zs->pack_out = kvmalloc(SOV_ZPACK_BUF, GFP_KERNEL);
	if (!zs->buf || !zs->pack_in || !zs->pack_out)
		goto err;
	return 0;

err:
	sov_zstream_free(zs);
	return -ENOMEM;
}

int sov_zcodec_init(void)
{
	size_t lz4_size = 0, cctx_size = 0, dctx_size = 0;
	int level, cpu, err = 0;

	mutex_lock(&sov_zcodec_lock);
	if (sov_zcodec_users++)
		goto out;

	/* Workspaces big enough for every level the table uses. */
	for (level = 0; level < __SOV_ZLEVEL_CNT; level++) {
		const struct sov_zlevel_param *p = &sov_zlevels[level];
		zstd_parameters *zp = &sov_zstd_params[level];

		switch (p->method) {
		case SOV_ZM_LZ4:
			lz4_size = max_t(size_t, lz4_size, LZ4_MEM_COMPRESS);
			break;
		case SOV_ZM_LZ4HC:
			lz4_size = max_t(size_t, lz4_size, LZ4HC_MEM_COMPRESS);
			break;
		case SOV_ZM_ZSTD:
			*zp = zstd_get_params(p->param, PAGE_SIZE);
			/*
			 * The compression parameters are the first member of
			 * zstd_parameters (zstd's ZSTD_parameters).
			 */
			cctx_size = max(cctx_size,
					zstd_cctx_workspace_bound((const void *)zp));
			dctx_size = zstd_dctx_workspace_bound();
			break;
		default:
			break;
		}
	}

	for_each_possible_cpu(cpu) {
		err = sov_zstream_alloc(per_cpu_ptr(&sov_zstreams, cpu), lz4_size, cctx_size,
					dctx_size);
		if (err)
			break;
	}
	if (err) {
		for_each_possible_cpu(cpu)
			sov_zstream_free(per_cpu_ptr(&sov_zstreams, cpu));
		sov_zcodec_users--;
		pr_err("memcompress: no memory for the compression streams\n");
	}
out:
	mutex_unlock(&sov_zcodec_lock);
	return err;
}

void sov_zcodec_exit(void)
{
	int cpu;

	mutex_lock(&sov_zcodec_lock);
	if (!WARN_ON_ONCE(!sov_zcodec_users) && !--sov_zcodec_users) {
		for_each_possible_cpu(cpu)
			sov_zstream_free(per_cpu_ptr(&sov_zstreams, cpu));
	}
	mutex_unlock(&sov_zcodec_lock);
}

struct sov_zstream *sov_zcodec_get(void)
{
	local_lock(&sov_zstreams.lock);
	return this_cpu_ptr(&sov_zstreams);
}

void sov_zcodec_put(struct sov_zstream *zs)
{
	local_unlock(&sov_zstreams.lock);
}

int sov_zcodec_compress(struct sov_zstream *zs, enum sov_zlevel level, const void *src,
			unsigned int max_len, enum sov_zalg *alg, const void **out)
{
	const struct sov_zlevel_param *p;
	size_t ret;
	int len;

	if ((unsigned int)level >= __SOV_ZLEVEL_CNT)
		return -EINVAL;
	p = &sov_zlevels[level];

	/*
	 * Always into the whole buffer, more than either bound for a page:
	 * LZ4's limited-output mode gives up with room to spare, so @max_len
	 * is checked on the result, exactly.
	 */
	switch (p->method) {
	case SOV_ZM_LZ4:
		len = LZ4_compress_fast(src, zs->buf, PAGE_SIZE, SOV_ZSTREAM_BUF, p->param,
					zs->lz4_wrk);
		break;
	case SOV_ZM_LZ4HC:
		len = LZ4_compress_HC(src, zs->buf, PAGE_SIZE, SOV_ZSTREAM_BUF, p->param,
				      zs->lz4_wrk);
		break;
	case SOV_ZM_ZSTD:
		ret = zstd_compress_cctx(zs->cctx, zs->buf, SOV_ZSTREAM_BUF, src, PAGE_SIZE,
					 &sov_zstd_params[level]);
		if (zstd_is_error(ret)) {
			pr_warn_ratelimited("memcompress: zstd: %s\n", zstd_get_error_name(ret));
			return -EIO;
		}
		len = ret;
		break;
	default:
		return -E2BIG;
	}
	if (len <= 0) {
		pr_warn_ratelimited("memcompress: lz4 failed on a page\n");
		return -EIO;
	}
	if (len > max_len)
		return -E2BIG;

	*alg = sov_zmethod_alg(p->method);
	*out = zs->buf;
	return len;
}

int sov_zcodec_decompress(struct sov_zstream *zs, enum sov_zalg alg, const void *src,
			  unsigned int len, void *dst)
{
	switch (alg) {
	case SOV_ZALG_RAW:
		if (len != PAGE_SIZE)
			return -EIO;
		memcpy(dst, src, PAGE_SIZE);
		return 0;
	case SOV_ZALG_LZ4:
		if (len > INT_MAX)
			return -EIO;
		return LZ4_decompress_safe(src, dst, len, PAGE_SIZE) == PAGE_SIZE ? 0 : -EIO;
	case SOV_ZALG_ZSTD:
		return sov_zcodec_zstd_decompress(zs, src, len, dst, PAGE_SIZE);
	default:
		return -EIO;
	}
}

int sov_zcodec_zstd_decompress(struct sov_zstream *zs, const void *src, unsigned int len,
			       void *dst, unsigned int dst_len)
{
	size_t ret = zstd_decompress_dctx(zs->dctx, dst, dst_len, src, len);

	return !zstd_is_error(ret) && ret == dst_len ? 0 : -EIO;
}

void sov_zcodec_pack_bufs(struct sov_zstream *zs, void **in, void **out, u64 **out_id)
{
	*in = zs->pack_in;
	*out = zs->pack_out;
	*out_id = &zs->pack_out_id;
}

int sov_zcodec_zstd_level(enum sov_zlevel level)
{
	if ((unsigned int)level >= __SOV_ZLEVEL_CNT || sov_zlevels[level].method != SOV_ZM_ZSTD)
		return -EINVAL;
	return sov_zlevels[level].param;
}
