/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memcompress recompression: a background run over a device's slots that
 * rewrites pages idle for a while at a higher level. Up to
 * SOV_ZRECOMP_MAX_THREADS workers share the slots; each steps aside while
 * the device has foreground I/O in flight, so a run never competes with
 * the reads and writes it is meant to help.
 */
#ifndef _SOV_ZPAGE_RECOMPRESS_H
#define _SOV_ZPAGE_RECOMPRESS_H

#include <linux/atomic.h>
#include <linux/types.h>

#include "store.h"

#define SOV_ZRECOMP_MAX_THREADS		8

struct sov_zrecomp;

struct sov_zrecomp_status {
	bool running;
	enum sov_zlevel level;		/* of the current or last run */
	u32 idle_s;
	u32 threads;
	u64 scanned;			/* slots looked at, this run */
	u64 recompressed;		/* of them rewritten smaller */
	u64 errors;
	u64 runs;			/* finished runs */
	u64 started_ns, finished_ns;	/* ktime_get_boottime_ns() */
};

/* Called from a worker when a run ends (stopped or not). */
typedef void (*sov_zrecomp_done_t)(void *arg, const struct sov_zrecomp_status *st);

/* The workqueue all runs share; module init and exit. */
int sov_zrecomp_init(void);
void sov_zrecomp_exit(void);

/*
 * Recompression for the pages of @st; @inflight counts the device's
 * foreground I/O. ERR_PTR on failure.
 */
struct sov_zrecomp *sov_zrecomp_new(struct sov_zstore *st, atomic_t *inflight,
				    sov_zrecomp_done_t done, void *arg);
/* Stop a run, wait for it, free. */
void sov_zrecomp_free(struct sov_zrecomp *rc);

/*
 * Start a run: pages idle for at least @idle_s seconds, written at a level
 * below @level, are rewritten at @level by @threads workers (1 to
 * SOV_ZRECOMP_MAX_THREADS). -EBUSY while a run goes on, -EINVAL for a bad
 * level or thread count.
 */
int sov_zrecomp_start(struct sov_zrecomp *rc, enum sov_zlevel level, u32 idle_s, u32 threads);
/* Ask a run to stop and wait until its workers are done. */
void sov_zrecomp_stop(struct sov_zrecomp *rc);
/* Wait for a run to end by itself. */
void sov_zrecomp_wait(struct sov_zrecomp *rc);
void sov_zrecomp_status(struct sov_zrecomp *rc, struct sov_zrecomp_status *out);

#endif /* _SOV_ZPAGE_RECOMPRESS_H */
