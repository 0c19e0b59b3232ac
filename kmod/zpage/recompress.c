// SPDX-License-Identifier: GPL-2.0
/* memcompress recompression runs (recompress.h). */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "pack.h"
#include "recompress.h"

/* How long a worker waits for foreground I/O to drain before it looks again. */
#define YIELD_MIN_US	50
#define YIELD_MAX_US	200

struct sov_zrecomp;

struct recomp_worker {
	struct work_struct work;
	struct sov_zrecomp *rc;
	u64 first, end;			/* slots [first, end) */
};

struct sov_zrecomp {
	struct sov_zstore *st;
	atomic_t *inflight;
	sov_zrecomp_done_t done;
	void *arg;

	spinlock_t lock;		/* status and the counters' snapshot */
	struct sov_zrecomp_status status;
	atomic64_t scanned, recompressed, errors;
	atomic_t active;		/* workers still running */
	bool stop;
	struct completion finished;	/* done when no run goes on */
	unsigned long idle_before;	/* jiffies: the run's idle bound */
	struct recomp_worker workers[SOV_ZRECOMP_MAX_THREADS];
};

static struct workqueue_struct *sov_zrecomp_wq;
static DEFINE_MUTEX(sov_zrecomp_lock);
static unsigned int sov_zrecomp_users;	/* the module, and KUnit suites */

int sov_zrecomp_init(void)
{
	int err = 0;

	mutex_lock(&sov_zrecomp_lock);
	if (!sov_zrecomp_users) {
		/* unbound: runs may use every CPU; at most 8 workers at once */
		sov_zrecomp_wq = alloc_workqueue("sov_zrecomp", WQ_UNBOUND | WQ_FREEZABLE,
						 SOV_ZRECOMP_MAX_THREADS);
		if (!sov_zrecomp_wq)
			err = -ENOMEM;
	}
	if (!err)
		sov_zrecomp_users++;
	mutex_unlock(&sov_zrecomp_lock);
	return err;
}

void sov_zrecomp_exit(void)
{
	mutex_lock(&sov_zrecomp_lock);
	if (!--sov_zrecomp_users) {
		destroy_workqueue(sov_zrecomp_wq);
		sov_zrecomp_wq = NULL;
	}
	mutex_unlock(&sov_zrecomp_lock);
}

static void finish_run(struct sov_zrecomp *rc)
{
	struct sov_zrecomp_status st;

	spin_lock(&rc->lock);
	rc->status.running = false;
	rc->status.scanned = atomic64_read(&rc->scanned);
	rc->status.recompressed = atomic64_read(&rc->recompressed);
	rc->status.errors = atomic64_read(&rc->errors);
	rc->status.finished_ns = ktime_get_boottime_ns();
	rc->status.runs++;
	st = rc->status;
	spin_unlock(&rc->lock);
	if (rc->done)
		rc->done(rc->arg, &st);
	complete_all(&rc->finished);
}

static void recomp_work(struct work_struct *work)
{
	struct recomp_worker *w = container_of(work, struct recomp_worker, work);
	struct sov_zrecomp *rc = w->rc;
	enum sov_zlevel level = rc->status.level;
	struct sov_zpacker *pk = NULL;
	unsigned int scanned;
	u64 i;
	int ret;

	/* best packs idle neighbours; without the memory for it, page by page */
	if (level == SOV_ZLEVEL_BEST) {
		pk = sov_zpacker_new(level);
		if (IS_ERR(pk)) {
			atomic64_inc(&rc->errors);
			pk = NULL;
		}
	}
	for (i = w->first; i < w->end && !READ_ONCE(rc->stop); i += scanned) {
		/* foreground I/O first: wait while the device is busy */
		while (atomic_read(rc->inflight) > 0 && !READ_ONCE(rc->stop))
			usleep_range(YIELD_MIN_US, YIELD_MAX_US);
		scanned = 1;
		if (pk)
			ret = sov_zstore_pack(rc->st, i, w->end, level, rc->idle_before, pk,
					      &scanned);
		else
			ret = sov_zstore_recompress(rc->st, i, level, rc->idle_before);
		atomic64_add(scanned, &rc->scanned);
		if (ret > 0)
			atomic64_add(ret, &rc->recompressed);
		else if (ret < 0)
			atomic64_inc(&rc->errors);
		cond_resched();
	}
	sov_zpacker_free(pk);
	if (atomic_dec_and_test(&rc->active))
		finish_run(rc);
}

struct sov_zrecomp *sov_zrecomp_new(struct sov_zstore *st, atomic_t *inflight,
				    sov_zrecomp_done_t done, void *arg)
{
	struct sov_zrecomp *rc = kzalloc(sizeof(*rc), GFP_KERNEL);
	unsigned int i;

	if (!rc)
		return ERR_PTR(-ENOMEM);
	rc->st = st;
	rc->inflight = inflight;
	rc->done = done;
	rc->arg = arg;
	spin_lock_init(&rc->lock);
	init_completion(&rc->finished);
	complete_all(&rc->finished);	/* no run yet: nothing to wait for */
	for (i = 0; i < SOV_ZRECOMP_MAX_THREADS; i++) {
		INIT_WORK(&rc->workers[i].work, recomp_work);
		rc->workers[i].rc = rc;
	}
	return rc;
}

void sov_zrecomp_free(struct sov_zrecomp *rc)
{
	unsigned int i;

	if (IS_ERR_OR_NULL(rc))
		return;
	sov_zrecomp_stop(rc);
	/* the last worker may still be returning from finish_run() */
	for (i = 0; i < SOV_ZRECOMP_MAX_THREADS; i++)
		flush_work(&rc->workers[i].work);
	kfree(rc);
}

int sov_zrecomp_start(struct sov_zrecomp *rc, enum sov_zlevel level, u32 idle_s, u32 threads)
{
	u64 n = sov_zstore_nr_pages(rc->st), per;
	unsigned int i;

	if ((unsigned int)level >= __SOV_ZLEVEL_CNT || level == SOV_ZLEVEL_NONE)
		return -EINVAL;
	if (!threads || threads > SOV_ZRECOMP_MAX_THREADS)
		return -EINVAL;
	spin_lock(&rc->lock);
	if (rc->status.running) {
		spin_unlock(&rc->lock);
		return -EBUSY;
	}
	rc->status.running = true;
	rc->status.level = level;
	rc->status.idle_s = idle_s;
	rc->status.threads = threads;
	rc->status.started_ns = ktime_get_boottime_ns();
	rc->status.finished_ns = 0;
	spin_unlock(&rc->lock);

	atomic64_set(&rc->scanned, 0);
	atomic64_set(&rc->recompressed, 0);
	atomic64_set(&rc->errors, 0);
	WRITE_ONCE(rc->stop, false);
	reinit_completion(&rc->finished);
	rc->idle_before = jiffies - (unsigned long)idle_s * HZ;
	atomic_set(&rc->active, threads);
	per = div64_u64(n + threads - 1, threads);
	for (i = 0; i < threads; i++) {
		rc->workers[i].first = min_t(u64, (u64)i * per, n);
		rc->workers[i].end = min_t(u64, (u64)(i + 1) * per, n);
		queue_work(sov_zrecomp_wq, &rc->workers[i].work);
	}
	return 0;
}

void sov_zrecomp_stop(struct sov_zrecomp *rc)
{
	WRITE_ONCE(rc->stop, true);
	wait_for_completion(&rc->finished);
}

void sov_zrecomp_wait(struct sov_zrecomp *rc)
{
	wait_for_completion(&rc->finished);
}

void sov_zrecomp_status(struct sov_zrecomp *rc, struct sov_zrecomp_status *out)
{
	spin_lock(&rc->lock);
	*out = rc->status;
	spin_unlock(&rc->lock);
	if (out->running) {
		out->scanned = atomic64_read(&rc->scanned);
		out->recompressed = atomic64_read(&rc->recompressed);
		out->errors = atomic64_read(&rc->errors);
	}
}
