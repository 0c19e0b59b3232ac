// SPDX-License-Identifier: GPL-2.0
/*
 * Resident-set sizes over time (kind mem): every rss_interval_ms, the
 * scoped process, or with a wider scope the SOV_RSS_TOP largest processes
 * in it, go into a ring of SOV_PROF_RSS_SAMPLES samples.
 */
#include <linux/cgroup.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>

#include "prof.h"

#define SOV_RSS_TOP	4

struct sov_prof_rss {
	struct delayed_work work;
	spinlock_t lock;		/* the ring */
	u32 head, len;
	struct sov_prof_rss_view ring[SOV_PROF_RSS_SAMPLES];
};

/* exit_mm() clears t->mm under task_lock: holding it keeps mm alive */
static u64 sov_rss_of(struct task_struct *t)
{
	u64 rss = 0;

	task_lock(t);
	if (t->mm)
		rss = (u64)get_mm_rss(t->mm) << PAGE_SHIFT;
	task_unlock(t);
	return rss;
}

static bool sov_rss_in_cgroup(struct task_struct *t)
{
	return !sov_prof.cgrp ||
	       cgroup_is_descendant(task_dfl_cgroup(t), sov_prof.cgrp);
}

static void sov_rss_push(struct sov_prof_rss *r, u64 now, struct task_struct *t,
			 u64 bytes)
{
	struct sov_prof_rss_view *v;

	spin_lock(&r->lock);
	v = &r->ring[(r->head + r->len) % SOV_PROF_RSS_SAMPLES];
	if (r->len < SOV_PROF_RSS_SAMPLES)
		r->len++;
	else
		r->head = (r->head + 1) % SOV_PROF_RSS_SAMPLES;
	v->time_ns = now;
	v->bytes = bytes;
	v->tgid = t->tgid;
	get_task_comm(v->comm, t);
	spin_unlock(&r->lock);
}

static void sov_rss_sample(struct work_struct *w)
{
	struct sov_prof_rss *r = container_of(to_delayed_work(w),
					      struct sov_prof_rss, work);
	struct task_struct *top[SOV_RSS_TOP] = { }, *t;
	u64 sz[SOV_RSS_TOP] = { }, now = sov_prof_now(), b;
	const struct sov_prof_cfg *c = &sov_prof.cfg;
	unsigned int i, j;
	pid_t want = c->tgid;

	rcu_read_lock();
	if (c->pid) {	/* the process of the scoped thread */
		t = pid_task(find_pid_ns(c->pid, &init_pid_ns), PIDTYPE_PID);
		want = t ? t->tgid : -1;
	}
	for_each_process(t) {
		if (t->flags & PF_KTHREAD)
			continue;
		if ((want && t->tgid != want) || !sov_rss_in_cgroup(t))
			continue;
		b = sov_rss_of(t);
		for (i = 0; i < SOV_RSS_TOP && b <= sz[i]; i++)
			;
		if (i == SOV_RSS_TOP)
			continue;
		if (top[SOV_RSS_TOP - 1])
			put_task_struct(top[SOV_RSS_TOP - 1]);
		for (j = SOV_RSS_TOP - 1; j > i; j--) {
			top[j] = top[j - 1];
			sz[j] = sz[j - 1];
		}
		get_task_struct(t);
		top[i] = t;
		sz[i] = b;
	}
	rcu_read_unlock();

	for (i = 0; i < SOV_RSS_TOP && top[i]; i++) {
		sov_rss_push(r, now, top[i], sz[i]);
		put_task_struct(top[i]);
	}
	schedule_delayed_work(&r->work,
			      msecs_to_jiffies(c->rss_interval_ms) ?: 1);
}

int sov_prof_rss_start(struct sov_prof *p)
{
	struct sov_prof_rss *r;

	r = vzalloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	spin_lock_init(&r->lock);
	INIT_DELAYED_WORK(&r->work, sov_rss_sample);
	p->rss = r;
	schedule_delayed_work(&r->work, 0);
	return 0;
}

void sov_prof_rss_stop(struct sov_prof *p)
{
	if (p->rss)
		cancel_delayed_work_sync(&p->rss->work);
}

void sov_prof_rss_free(struct sov_prof *p)
{
	sov_prof_rss_stop(p);
	vfree(p->rss);
	p->rss = NULL;
}

bool sov_prof_rss_get(struct sov_prof *p, u32 i, struct sov_prof_rss_view *v)
{
	struct sov_prof_rss *r = p->rss;
	bool ok = false;

	if (!r)
		return false;
	spin_lock(&r->lock);
	if (i < r->len) {
		*v = r->ring[(r->head + i) % SOV_PROF_RSS_SAMPLES];
		ok = true;
	}
	spin_unlock(&r->lock);
	return ok;
}
