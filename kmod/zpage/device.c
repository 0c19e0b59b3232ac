// SPDX-License-Identifier: GPL-2.0
/*
 * memcompress devices: /dev/sovzN, bio-based block devices (as zram) whose
 * 4 KiB blocks live, compressed, in a sov_zstore. Devices are created and
 * destroyed over generic netlink (netlink.c) and tracked in an idr whose
 * index is the device's minor.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/cpumask.h>
#include <linux/ctype.h>
#include <linux/idr.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "../sovereign.h"
#include "zpage.h"

#define SOV_ZDEV_PREFIX		"sovz"
#define SOV_ZDEV_SECTORS	(SOV_MC_BLOCK_SIZE >> SECTOR_SHIFT)
#define SOV_ZDEV_POLICY_TICK	HZ
#define SOV_ZDEV_LIMIT_GAP	HZ	/* at most one limit event a second */

/* the wire's policies and actions are policy.h's */
static_assert((int)SOV_MC_POLICY_THRESHOLD == (int)SOV_ZPOLICY_THRESHOLD);
static_assert((int)SOV_MC_POLICY_TIME == (int)SOV_ZPOLICY_TIME);
static_assert((int)SOV_MC_POLICY_DEMAND == (int)SOV_ZPOLICY_DEMAND);
static_assert((int)__SOV_MC_POLICY_CNT == (int)__SOV_ZPOLICY_CNT);
static_assert(BIT(SOV_MC_ACTION_RECOMPRESS) == SOV_ZACT_RECOMPRESS);
static_assert(BIT(SOV_MC_ACTION_COMPACT) == SOV_ZACT_COMPACT);

/* Per CPU: bios served, by log2 of their ns (SOV_A_MC_LATENCY). */
struct sov_zdev_lat {
	u64 read[SOV_MC_LAT_BUCKETS];
	u64 write[SOV_MC_LAT_BUCKETS];
};

struct sov_zdev {
	u32 id;
	struct gendisk *disk;
	struct sov_zstore *store;
	u64 size;
	u64 mem_limit;
	enum sov_zlevel level;	/* read by I/O without the lock: new writes use it */
	bool claim;		/* being destroyed: open() fails; under disk->open_mutex */
	atomic_t inflight;	/* bios being served: recompression yields to them */
	struct sov_zrecomp *recomp;
	struct sov_zdev_lat __percpu *lat;

	/*
	 * Writes refused by mem_limit, with or without a policy: a write that
	 * fails for want of memory queues limit_work, which looks at
	 * limit_hits at most once per SOV_ZDEV_LIMIT_GAP and sends a LIMIT
	 * event if it grew. Only the work writes these two.
	 */
	struct delayed_work limit_work;
	unsigned long limit_next;	/* jiffies: the next look, not before */
	u64 last_limit_hits;

	/*
	 * The policy and what its decisions keep, under policy_lock (not the
	 * device mutex: destroy cancels the work while holding that one).
	 */
	struct mutex policy_lock;
	struct sov_zpolicy policy;
	struct sov_zpolicy_clock clock;
	struct delayed_work policy_work;	/* every tick while policy.kinds */
	u64 policy_acted;
	bool dying;		/* the work must not re-arm */
	atomic_t pressure;	/* reported since the last decision */
};

static DEFINE_MUTEX(sov_zdev_mutex);
static DEFINE_IDR(sov_zdevs);
static int sov_zdev_major;

void sov_zdev_lock(void)
{
	mutex_lock(&sov_zdev_mutex);
}

void sov_zdev_unlock(void)
{
	mutex_unlock(&sov_zdev_mutex);
}

/* ---- I/O ---- */

/*
 * One piece of a bio segment, inside the block @index from byte @off. A
 * whole block is read or written in place; a part of one (a buffer that is
 * not page aligned) goes through @bounce: read the block, merge, write back.
 */
static int sov_zdev_rw_block(struct sov_zdev *zd, struct bio_vec *bv, u64 index,
			     unsigned int off, bool write, void **bounce)
{
	void *mem;
	int err;

	if (bv->bv_len == PAGE_SIZE) {
		mem = bvec_kmap_local(bv);
		if (write)
			err = sov_zstore_write(zd->store, index, mem, READ_ONCE(zd->level));
		else
			err = sov_zstore_read(zd->store, index, mem);
		kunmap_local(mem);
		if (!write)
			flush_dcache_page(bv->bv_page);
		return err;
	}

	if (!*bounce) {
		/* GFP_NOIO: this may be swap-out itself */
		*bounce = kmalloc(PAGE_SIZE, GFP_NOIO);
		if (!*bounce)
			return -ENOMEM;
	}
	err = sov_zstore_read(zd->store, index, *bounce);
	if (err)
		return err;
	if (!write) {
		memcpy_to_bvec(bv, (char *)*bounce + off);
		return 0;
	}
	memcpy_from_bvec((char *)*bounce + off, bv);
	return sov_zstore_write(zd->store, index, *bounce, READ_ONCE(zd->level));
}

/*
 * A write failed for want of memory, maybe refused by mem_limit: have
 * limit_work look, now or when the last look is a gap old. Only queues the
 * work (any context will do); the work sends the event.
 */
static void sov_zdev_limit_hit(struct sov_zdev *zd)
{
	unsigned long next = READ_ONCE(zd->limit_next);
	unsigned long now = jiffies;

	/* nothing if it is pending already */
	schedule_delayed_work(&zd->limit_work, time_after(next, now) ? next - now : 0);
}

static blk_status_t sov_zdev_rw(struct sov_zdev *zd, struct bio *bio)
{
	u64 index = bio->bi_iter.bi_sector >> (PAGE_SHIFT - SECTOR_SHIFT);
	unsigned int off = (bio->bi_iter.bi_sector << SECTOR_SHIFT) & ~PAGE_MASK;
	bool write = op_is_write(bio_op(bio));
	blk_status_t status = BLK_STS_OK;
	struct bvec_iter iter;
	struct bio_vec bvec;
	void *bounce = NULL;
	int err;

	/* segments are within one page each, but may straddle two blocks */
	bio_for_each_segment(bvec, bio, iter) {
		struct bio_vec bv = bvec;
		unsigned int left = bvec.bv_len;

		while (left) {
			bv.bv_len = min_t(unsigned int, PAGE_SIZE - off, left);
			err = sov_zdev_rw_block(zd, &bv, index, off, write, &bounce);
			if (err) {
				if (write && err == -ENOMEM)
					sov_zdev_limit_hit(zd);
				status = BLK_STS_IOERR;
				goto out;
			}
			bv.bv_offset += bv.bv_len;
			left -= bv.bv_len;
			off += bv.bv_len;
			if (off == PAGE_SIZE) {
				off = 0;
				index++;
			}
		}
	}
out:
	kfree(bounce);
	return status;
}

/* Discard and write-zeroes: a forgotten block reads back as zeros. */
static void sov_zdev_discard(struct sov_zdev *zd, struct bio *bio)
{
	u64 index = bio->bi_iter.bi_sector >> (PAGE_SHIFT - SECTOR_SHIFT);
	u64 n = bio->bi_iter.bi_size >> PAGE_SHIFT;

	while (n--)
		sov_zstore_discard(zd->store, index++);
}

/* Requests must cover whole 4 KiB blocks inside the device. */
static bool sov_zdev_valid_io(struct sov_zdev *zd, struct bio *bio)
{
	sector_t start = bio->bi_iter.bi_sector;
	u64 size = bio->bi_iter.bi_size;

	if ((start & (SOV_ZDEV_SECTORS - 1)) || (size & (SOV_MC_BLOCK_SIZE - 1)))
		return false;
	return start <= zd->size >> SECTOR_SHIFT &&
	       size <= zd->size - ((u64)start << SECTOR_SHIFT);
}

static void sov_zdev_lat_add(struct sov_zdev *zd, bool write, u64 ns)
{
	unsigned int b = ns ? min_t(unsigned int, ilog2(ns), SOV_MC_LAT_BUCKETS - 1) : 0;

	if (write)
		this_cpu_inc(zd->lat->write[b]);
	else
		this_cpu_inc(zd->lat->read[b]);
}

static void sov_zdev_submit_bio(struct bio *bio)
{
	struct sov_zdev *zd = bio->bi_bdev->bd_disk->private_data;
	unsigned long start;
	u64 t0;

	if (!sov_zdev_valid_io(zd, bio)) {
		bio_io_error(bio);
		return;
	}

	atomic_inc(&zd->inflight);
	switch (bio_op(bio)) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		start = bio_start_io_acct(bio);
		/*
		 * local_clock(), not ktime_get_ns(): on a clocksource like the
		 * HPET (QEMU without KVM) every ktime read is a device access.
		 * A write may sleep and move CPU: clamp what goes backwards.
		 */
		t0 = local_clock();
		bio->bi_status = sov_zdev_rw(zd, bio);
		sov_zdev_lat_add(zd, op_is_write(bio_op(bio)),
				 max_t(s64, local_clock() - t0, 0));
		bio_end_io_acct(bio, start);
		break;
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		sov_zdev_discard(zd, bio);
		break;
	case REQ_OP_FLUSH:
		/* RAM: nothing is cached on the way */
		break;
	default:
		bio->bi_status = BLK_STS_NOTSUPP;
		break;
	}
	atomic_dec(&zd->inflight);
	bio_endio(bio);
}

/* Called with disk->open_mutex held, which sov_zdev_destroy() takes too. */
static int sov_zdev_open(struct block_device *bdev, fmode_t mode)
{
	struct sov_zdev *zd = bdev->bd_disk->private_data;

	lockdep_assert_held(&bdev->bd_disk->open_mutex);
	return zd->claim ? -EBUSY : 0;
}

/*
 * A swap slot was freed: drop its page now rather than keep it until it is
 * overwritten. Runs under the swap device's spinlock; the store's discard
 * takes only the slot's bit spinlock and zs_free().
 */
static void sov_zdev_swap_slot_free(struct block_device *bdev, unsigned long index)
{
	struct sov_zdev *zd = bdev->bd_disk->private_data;

	sov_zstore_discard(zd->store, index);
}

static const struct block_device_operations sov_zdev_fops = {
	.owner		= THIS_MODULE,	/* an open device pins the module */
	.open		= sov_zdev_open,
	.submit_bio	= sov_zdev_submit_bio,
	.swap_slot_free_notify = sov_zdev_swap_slot_free,
};

/* ---- devices ---- */

struct sov_zdev *sov_zdev_find_id(u32 id)
{
	lockdep_assert_held(&sov_zdev_mutex);
	return idr_find(&sov_zdevs, id);
}

struct sov_zdev *sov_zdev_next(u32 *id)
{
	unsigned long next = *id;
	struct sov_zdev *zd;

	lockdep_assert_held(&sov_zdev_mutex);
	zd = idr_get_next_ul(&sov_zdevs, &next);
	if (zd)
		*id = next;
	return zd;
}

struct sov_zdev *sov_zdev_find_name(const char *name)
{
	struct sov_zdev *zd;
	u32 id = 0;

	for (; (zd = sov_zdev_next(&id)); id++)
		if (!strcmp(zd->disk->disk_name, name))
			return zd;
	return NULL;
}

/*
 * "sovz" and the id ("sovz3": that id, so default names never collide), or
 * "sovz" and other characters of [a-z0-9_-]. The prefix keeps us clear of
 * other drivers' disks: a duplicate name in sysfs is an error with a trace.
 */
int sov_zdev_name_check(const char *name, int *id)
{
	const char *rest = name + strlen(SOV_ZDEV_PREFIX);
	size_t len = strlen(name);
	unsigned int n;
	const char *c;

	*id = -1;
	if (len > SOV_MC_NAME_MAX || len <= strlen(SOV_ZDEV_PREFIX) ||
	    strncmp(name, SOV_ZDEV_PREFIX, strlen(SOV_ZDEV_PREFIX)))
		return -EINVAL;
	for (c = rest; *c; c++)
		if (!islower(*c) && !isdigit(*c) && *c != '_' && *c != '-')
			return -EINVAL;
	if (strspn(rest, "0123456789") != strlen(rest))
		return 0;
	/* numbered: exactly the id, no leading zero */
	if ((rest[0] == '0' && rest[1]) || kstrtouint(rest, 10, &n) ||
	    n >= SOV_MC_DEV_MAX)
		return -ERANGE;
	*id = n;
	return 0;
}

/* A run ended: tell the events group. zd lives until its run is stopped. */
static void sov_zdev_recomp_done(void *arg, const struct sov_zrecomp_status *st)
{
	struct sov_zdev *zd = arg;
	struct sov_mc_ev ev = {
		.kind = SOV_MC_EVENT_RECOMPRESS_DONE,
		.id = zd->id,
		.name = zd->disk->disk_name,
		.recomp = st,
	};

	sov_info("%s: recompression at %s done: %llu pages scanned, %llu rewritten, %llu errors\n",
		 zd->disk->disk_name, sov_zlevel_name(st->level), st->scanned,
		 st->recompressed, st->errors);
	sov_mc_notify_event(&ev);
}

static u32 sov_zdev_threads(void)
{
	return min_t(u32, SOV_ZRECOMP_MAX_THREADS, num_online_cpus());
}

static const char *const sov_zdev_actions[] = {
	[SOV_ZACT_RECOMPRESS]			= "recompress",
	[SOV_ZACT_COMPACT]			= "compact",
	[SOV_ZACT_RECOMPRESS | SOV_ZACT_COMPACT] = "recompress and compact",
};

/* One decision of the device's policy, and what it says to do. */
static void sov_zdev_policy_work(struct work_struct *work)
{
	struct sov_zdev *zd = container_of(to_delayed_work(work), struct sov_zdev, policy_work);
	struct sov_mc_ev ev = { .id = zd->id, .name = zd->disk->disk_name };
	struct sov_zpolicy_decision d;
	struct sov_zstore_stats st;
	bool pressure;

	mutex_lock(&zd->policy_lock);
	if (!zd->policy.kinds || zd->dying)
		goto out_unlock;
	sov_zstore_stats(zd->store, &st);
	ev.stats = &st;
	pressure = atomic_xchg(&zd->pressure, 0);

	if (sov_zpolicy_decide(&zd->policy, &zd->clock, &st, ktime_get_boottime_ns(),
			       pressure, &d)) {
		/* a run that goes on already does the job */
		if ((d.actions & SOV_ZACT_RECOMPRESS) &&
		    !sov_zrecomp_start(zd->recomp, zd->policy.level, d.idle_s, sov_zdev_threads()))
			ev.actions |= SOV_ZACT_RECOMPRESS;
		if (d.actions & SOV_ZACT_COMPACT) {
			sov_zstore_compact(zd->store);
			ev.actions |= SOV_ZACT_COMPACT;
		}
	}
	if (ev.actions) {
		zd->policy_acted++;
		sov_info("%s: %s policy: %s (pages idle %us, at %s)\n", zd->disk->disk_name,
			 sov_zpolicy_name(d.cause), sov_zdev_actions[ev.actions], d.idle_s,
			 sov_zlevel_name(zd->policy.level));
		ev.kind = SOV_MC_EVENT_POLICY;
		ev.cause = d.cause;
		sov_mc_notify_event(&ev);
	}
	schedule_delayed_work(&zd->policy_work, SOV_ZDEV_POLICY_TICK);
out_unlock:
	mutex_unlock(&zd->policy_lock);
}

/*
 * Writes failed for want of memory: if mem_limit refused any since the
 * last look, tell the events group (every device, with or without a
 * policy). Looks at most once per SOV_ZDEV_LIMIT_GAP; a look asked for
 * sooner waits for its turn.
 */
static void sov_zdev_limit_work(struct work_struct *work)
{
	struct sov_zdev *zd = container_of(to_delayed_work(work), struct sov_zdev, limit_work);
	struct sov_mc_ev ev = {
		.kind = SOV_MC_EVENT_LIMIT,
		.id = zd->id,
		.name = zd->disk->disk_name,
	};
	struct sov_zstore_stats st;
	unsigned long now = jiffies;

	if (time_before(now, zd->limit_next)) {
		schedule_delayed_work(&zd->limit_work, zd->limit_next - now);
		return;
	}
	WRITE_ONCE(zd->limit_next, now + SOV_ZDEV_LIMIT_GAP);
	sov_zstore_stats(zd->store, &st);
	if (st.limit_hits > zd->last_limit_hits) {
		ev.stats = &st;
		sov_mc_notify_event(&ev);
	}
	zd->last_limit_hits = st.limit_hits;
}

static void sov_zdev_setup_queue(struct request_queue *q)
{
	blk_queue_flag_set(QUEUE_FLAG_NONROT, q);
	blk_queue_flag_clear(QUEUE_FLAG_ADD_RANDOM, q);
	/* a page must not change while it is being compressed */
	blk_queue_flag_set(QUEUE_FLAG_STABLE_WRITES, q);
	blk_queue_logical_block_size(q, SOV_MC_BLOCK_SIZE);
	blk_queue_physical_block_size(q, SOV_MC_BLOCK_SIZE);
	blk_queue_io_min(q, SOV_MC_BLOCK_SIZE);
	blk_queue_io_opt(q, SOV_MC_BLOCK_SIZE);
	q->limits.discard_granularity = SOV_MC_BLOCK_SIZE;
	blk_queue_max_discard_sectors(q, UINT_MAX);
	blk_queue_max_write_zeroes_sectors(q, UINT_MAX);
}

int sov_zdev_create(const struct sov_zdev_cfg *cfg, struct sov_zdev **out)
{
	char name[DISK_NAME_LEN];
	struct sov_zdev *zd;
	int err, id, fixed;

	lockdep_assert_held(&sov_zdev_mutex);
	if (cfg->name[0]) {
		err = sov_zdev_name_check(cfg->name, &fixed);
		if (err)
			return err;
		if (sov_zdev_find_name(cfg->name))
			return -EEXIST;
	} else {
		fixed = -1;
	}

	zd = kzalloc(sizeof(*zd), GFP_KERNEL);
	if (!zd)
		return -ENOMEM;

	/* reserved with NULL: lookups skip it until the device is complete */
	if (fixed >= 0)
		id = idr_alloc(&sov_zdevs, NULL, fixed, fixed + 1, GFP_KERNEL);
	else
		id = idr_alloc(&sov_zdevs, NULL, 0, SOV_MC_DEV_MAX, GFP_KERNEL);
	if (id < 0) {
		err = id == -ENOSPC && fixed >= 0 ? -EEXIST : id;
		goto err_free;
	}
	zd->id = id;
	zd->size = cfg->size;
	zd->level = cfg->level;
	zd->mem_limit = cfg->mem_limit;
	if (cfg->name[0])
		strscpy(name, cfg->name, sizeof(name));
	else
		snprintf(name, sizeof(name), SOV_ZDEV_PREFIX "%d", id);

	zd->store = sov_zstore_create(name, cfg->size >> PAGE_SHIFT);
	if (IS_ERR(zd->store)) {
		err = PTR_ERR(zd->store);
		goto err_remove_id;
	}
	sov_zstore_set_limit(zd->store, cfg->mem_limit);

	zd->lat = alloc_percpu(struct sov_zdev_lat);
	if (!zd->lat) {
		err = -ENOMEM;
		goto err_destroy_store;
	}
	atomic_set(&zd->inflight, 0);
	atomic_set(&zd->pressure, 0);
	mutex_init(&zd->policy_lock);
	INIT_DELAYED_WORK(&zd->policy_work, sov_zdev_policy_work);
	INIT_DELAYED_WORK(&zd->limit_work, sov_zdev_limit_work);
	zd->limit_next = jiffies;
	zd->recomp = sov_zrecomp_new(zd->store, &zd->inflight, sov_zdev_recomp_done, zd);
	if (IS_ERR(zd->recomp)) {
		err = PTR_ERR(zd->recomp);
		goto err_free_lat;
	}

	zd->disk = blk_alloc_disk(NUMA_NO_NODE);
	if (!zd->disk) {
		err = -ENOMEM;
		goto err_free_recomp;
	}
	zd->disk->major = sov_zdev_major;
	zd->disk->first_minor = id;
	zd->disk->minors = 1;
	zd->disk->flags |= GENHD_FL_NO_PART;
	zd->disk->fops = &sov_zdev_fops;
	zd->disk->private_data = zd;
	strscpy(zd->disk->disk_name, name, DISK_NAME_LEN);
	set_capacity(zd->disk, cfg->size >> SECTOR_SHIFT);
	sov_zdev_setup_queue(zd->disk->queue);

	err = device_add_disk(NULL, zd->disk, NULL);
	if (err)
		goto err_put_disk;

	idr_replace(&sov_zdevs, zd, id);
	sov_info("%s: created, %llu bytes, level %s\n", name, cfg->size,
		 sov_zlevel_name(cfg->level));
	*out = zd;
	return 0;

err_put_disk:
	put_disk(zd->disk);
err_free_recomp:
	sov_zrecomp_free(zd->recomp);
err_free_lat:
	free_percpu(zd->lat);
err_destroy_store:
	sov_zstore_destroy(zd->store);
err_remove_id:
	idr_remove(&sov_zdevs, id);
err_free:
	kfree(zd);
	return err;
}

/*
 * As zram_remove(): under the disk's open_mutex, refuse if anyone has it
 * open, else claim it so that open() fails from now on; then it is safe to
 * tear down without the mutex.
 */
int sov_zdev_destroy(struct sov_zdev *zd)
{
	struct gendisk *disk = zd->disk;

	lockdep_assert_held(&sov_zdev_mutex);
	mutex_lock(&disk->open_mutex);
	if (disk_openers(disk)) {
		mutex_unlock(&disk->open_mutex);
		return -EBUSY;
	}
	zd->claim = true;
	mutex_unlock(&disk->open_mutex);

	/* no decision from now on: it could start a run */
	mutex_lock(&zd->policy_lock);
	zd->dying = true;
	mutex_unlock(&zd->policy_lock);
	cancel_delayed_work_sync(&zd->policy_work);

	sov_info("%s: destroyed\n", disk->disk_name);
	sync_blockdev(disk->part0);
	del_gendisk(disk);
	/* no bio from now on queues the limit work again */
	cancel_delayed_work_sync(&zd->limit_work);
	idr_remove(&sov_zdevs, zd->id);
	/* stops a run; its done callback still sees the disk's name */
	sov_zrecomp_free(zd->recomp);
	free_percpu(zd->lat);
	sov_zstore_destroy(zd->store);
	put_disk(disk);
	kfree(zd);
	return 0;
}

void sov_zdev_get_info(struct sov_zdev *zd, struct sov_zdev_info *info)
{
	unsigned int cpu, b;

	lockdep_assert_held(&sov_zdev_mutex);
	info->id = zd->id;
	strscpy(info->name, zd->disk->disk_name, sizeof(info->name));
	info->size = zd->size;
	info->level = READ_ONCE(zd->level);
	info->mem_limit = zd->mem_limit;
	info->openers = disk_openers(zd->disk);
	sov_zstore_stats(zd->store, &info->stats);
	sov_zrecomp_status(zd->recomp, &info->recomp);
	mutex_lock(&zd->policy_lock);
	info->policy = zd->policy;
	info->policy_acted = zd->policy_acted;
	mutex_unlock(&zd->policy_lock);

	memset(info->lat_read, 0, sizeof(info->lat_read));
	memset(info->lat_write, 0, sizeof(info->lat_write));
	for_each_possible_cpu(cpu) {
		const struct sov_zdev_lat *l = per_cpu_ptr(zd->lat, cpu);

		for (b = 0; b < SOV_MC_LAT_BUCKETS; b++) {
			info->lat_read[b] += READ_ONCE(l->read[b]);
			info->lat_write[b] += READ_ONCE(l->write[b]);
		}
	}
}

void sov_zdev_set_policy(struct sov_zdev *zd, const struct sov_zpolicy *p)
{
	lockdep_assert_held(&sov_zdev_mutex);
	mutex_lock(&zd->policy_lock);
	zd->policy = *p;
	memset(&zd->clock, 0, sizeof(zd->clock));
	atomic_set(&zd->pressure, 0);
	/* without a policy the work ends at its next tick */
	if (p->kinds && !zd->dying)
		schedule_delayed_work(&zd->policy_work, SOV_ZDEV_POLICY_TICK);
	mutex_unlock(&zd->policy_lock);
}

unsigned int sov_zdev_pressure(void)
{
	struct sov_zdev *zd;
	unsigned int n = 0;
	u32 id = 0;

	lockdep_assert_held(&sov_zdev_mutex);
	for (; (zd = sov_zdev_next(&id)); id++) {
		mutex_lock(&zd->policy_lock);
		if (zd->policy.kinds & BIT(SOV_ZPOLICY_DEMAND)) {
			atomic_set(&zd->pressure, 1);
			n++;
		}
		mutex_unlock(&zd->policy_lock);
	}
	return n;
}

void sov_zdev_set_level(struct sov_zdev *zd, enum sov_zlevel level)
{
	lockdep_assert_held(&sov_zdev_mutex);
	WRITE_ONCE(zd->level, level);
}

void sov_zdev_set_limit(struct sov_zdev *zd, u64 bytes)
{
	lockdep_assert_held(&sov_zdev_mutex);
	zd->mem_limit = bytes;
	sov_zstore_set_limit(zd->store, bytes);
}

unsigned long sov_zdev_compact(struct sov_zdev *zd)
{
	lockdep_assert_held(&sov_zdev_mutex);
	return sov_zstore_compact(zd->store);
}

int sov_zdev_recompress(struct sov_zdev *zd, enum sov_zlevel level, u32 idle_s, u32 threads)
{
	int err;

	lockdep_assert_held(&sov_zdev_mutex);
	err = sov_zrecomp_start(zd->recomp, level, idle_s, threads);
	if (!err)
		sov_info("%s: recompressing pages idle for %us at %s, %u threads\n",
			 zd->disk->disk_name, idle_s, sov_zlevel_name(level), threads);
	return err;
}

/* ---- the subsystem ---- */

int sov_mc_init(void)
{
	int err;

	/* a block is a page: the store keeps pages */
	BUILD_BUG_ON(PAGE_SIZE != SOV_MC_BLOCK_SIZE);

	err = sov_zcodec_init();
	if (err)
		goto err_out;

	err = sov_zrecomp_init();
	if (err)
		goto err_codec_exit;

	sov_zdev_major = register_blkdev(0, SOV_ZDEV_PREFIX);
	if (sov_zdev_major < 0) {
		err = sov_zdev_major;
		goto err_recomp_exit;
	}
	return 0;

err_recomp_exit:
	sov_zrecomp_exit();
err_codec_exit:
	sov_zcodec_exit();
err_out:
	return err;
}

/* An open device holds a module reference: at unload none is open. */
void sov_mc_exit(void)
{
	struct sov_zdev *zd;
	u32 id = 0;

	mutex_lock(&sov_zdev_mutex);
	for (; (zd = sov_zdev_next(&id)); id++)
		WARN_ON_ONCE(sov_zdev_destroy(zd));
	mutex_unlock(&sov_zdev_mutex);
	idr_destroy(&sov_zdevs);
	unregister_blkdev(sov_zdev_major, SOV_ZDEV_PREFIX);
	sov_zrecomp_exit();
	sov_zcodec_exit();
}
