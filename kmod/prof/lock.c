// SPDX-License-Identifier: GPL-2.0
/*
 * Lock profile: lock:contention_begin/end. A waiter (task, lock) is
 * remembered from begin to end with its stack; at the end its wait goes to
 * the lock (count, total, max, histogram) and to its stack (per-CPU table,
 * weight = ns waited). A sleeping waiter may end on another CPU, so waiters
 * live in a shared lock-free table (slots claimed with cmpxchg), as do the
 * locks. A mutex reports begin twice (spinning, then sleeping): the first
 * begin's time is kept. Our probes take no lock, so they cannot recurse.
 */
#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/sched/clock.h>
#include <linux/vmalloc.h>

#include "prof.h"
#include "tp.h"

#define SOV_LOCKS		1024	/* a power of two */
#define SOV_LOCK_PROBES		64
#define SOV_WAITER_BUCKETS	256	/* a power of two */
#define SOV_WAITER_WAYS		8

struct sov_lock_stat {
	unsigned long addr;		/* 0: free slot */
	u32 flags;
	atomic64_t count, total_ns, max_ns;
	atomic64_t hist[SOV_PROF_HIST_BUCKETS];
};

struct sov_waiter {
	struct task_struct *task;	/* NULL: free slot */
	void *lock;
	u32 flags;
	u64 t0;
	struct sov_stack_key key;
};

struct sov_prof_locks {
	struct sov_lock_stat locks[SOV_LOCKS];
	struct sov_waiter waiters[SOV_WAITER_BUCKETS * SOV_WAITER_WAYS];
	atomic64_t events, untracked;
};

static struct sov_waiter *sov_waiter_bucket(struct sov_prof_locks *lk,
					    void *lock)
{
	u32 b = hash_long((unsigned long)current ^ (unsigned long)lock,
			  ilog2(SOV_WAITER_BUCKETS));

	return &lk->waiters[b * SOV_WAITER_WAYS];
}

static struct sov_waiter *sov_waiter_find(struct sov_prof_locks *lk,
					  void *lock)
{
	struct sov_waiter *w = sov_waiter_bucket(lk, lock);
	unsigned int i;

	for (i = 0; i < SOV_WAITER_WAYS; i++, w++)
		if (READ_ONCE(w->task) == current && READ_ONCE(w->lock) == lock)
			return w;
	return NULL;
}

static void sov_lock_begin(void *data, void *lock, unsigned int flags)
{
	struct sov_prof_locks *lk = READ_ONCE(sov_prof.locks);
	struct sov_prof_pcpu *pc;
	struct sov_waiter *w;
	unsigned long irq;
	unsigned int i;

	if (!lk || in_nmi() || !sov_prof_in_scope(current) ||
	    sov_waiter_find(lk, lock))
		return;
	w = sov_waiter_bucket(lk, lock);
	for (i = 0; i < SOV_WAITER_WAYS; i++, w++)
		if (!READ_ONCE(w->task) && !cmpxchg(&w->task, NULL, current))
			break;
	if (i == SOV_WAITER_WAYS) {
		atomic64_inc(&lk->untracked);
		return;
	}
	local_irq_save(irq);
	pc = this_cpu_ptr(sov_prof.pcpu);
	sov_prof_fill_task(&w->key);
	w->key.tag = (unsigned long)lock;
	if (sov_prof.cfg.stacks & SOV_PROF_STACK_KERNEL)
		sov_prof_kernel_stack(&w->key, 0);
	if (sov_prof.cfg.stacks & SOV_PROF_STACK_USER)
		sov_prof_user_stack(&w->key, NULL, pc);
	local_irq_restore(irq);
	w->flags = flags;
	w->t0 = local_clock();
	/* the lock last: it is what end() matches on */
	smp_store_release(&w->lock, lock);
}

static struct sov_lock_stat *sov_lock_stat(struct sov_prof_locks *lk,
					   void *lock, u32 flags)
{
	u32 h = hash_ptr(lock, 32), i, n;
	struct sov_lock_stat *s;
	unsigned long cur;

	for (n = 0; n < SOV_LOCK_PROBES; n++) {
		i = (h + n) & (SOV_LOCKS - 1);
		s = &lk->locks[i];
		cur = READ_ONCE(s->addr);
		if (cur == (unsigned long)lock)
			return s;
		if (!cur) {
			cur = cmpxchg(&s->addr, 0, (unsigned long)lock);
			if (!cur) {
				WRITE_ONCE(s->flags, flags);
				return s;
			}
			if (cur == (unsigned long)lock)
				return s;
		}
	}
	return NULL;
}

static void sov_lock_end(void *data, void *lock, int ret)
{
	struct sov_prof_locks *lk = READ_ONCE(sov_prof.locks);
	struct sov_prof_pcpu *pc;
	struct sov_lock_stat *s;
	struct sov_waiter *w;
	unsigned long irq;
	u64 wait, max;
	s64 d;

	if (!lk || in_nmi())
		return;
	w = sov_waiter_find(lk, lock);
	if (!w)
		return;
	d = local_clock() - w->t0;
	wait = d > 0 ? d : 0;	/* clocks of two CPUs may disagree a little */
	atomic64_inc(&lk->events);

	s = sov_lock_stat(lk, lock, w->flags);
	if (s) {
		atomic64_inc(&s->count);
		atomic64_add(wait, &s->total_ns);
		atomic64_inc(&s->hist[sov_prof_hist_bucket(wait)]);
		max = atomic64_read(&s->max_ns);
		while (wait > max) {
			u64 old = atomic64_cmpxchg(&s->max_ns, max, wait);

			if (old == max)
				break;
			max = old;
		}
	} else {
		atomic64_inc(&lk->untracked);
	}

	local_irq_save(irq);
	pc = this_cpu_ptr(sov_prof.pcpu);
	if (pc->online)
		sov_stackmap_add(&pc->maps[SOV_PROF_KIND_LOCK], &w->key, 1, wait);
	local_irq_restore(irq);

	WRITE_ONCE(w->lock, NULL);
	/* free the slot after it stopped matching this waiter */
	smp_store_release(&w->task, NULL);
}

static struct sov_tp sov_lock_tps[] = {
	{ .name = "contention_begin",	.probe = sov_lock_begin },
	{ .name = "contention_end",	.probe = sov_lock_end },
};

int sov_prof_locks_start(struct sov_prof *p)
{
	struct sov_prof_locks *lk;
	int err;

	lk = vzalloc(sizeof(*lk));
	if (!lk)
		return -ENOMEM;
	WRITE_ONCE(p->locks, lk);
	err = sov_tp_attach(sov_lock_tps, ARRAY_SIZE(sov_lock_tps));
	if (err)
		sov_prof_locks_free(p);
	return err;
}

void sov_prof_locks_stop(struct sov_prof *p)
{
	sov_tp_detach(sov_lock_tps, ARRAY_SIZE(sov_lock_tps));
}

void sov_prof_locks_free(struct sov_prof *p)
{
	vfree(p->locks);
	WRITE_ONCE(p->locks, NULL);
}

void sov_prof_locks_counters(struct sov_prof *p, u64 *events, u64 *untracked)
{
	*events = p->locks ? atomic64_read(&p->locks->events) : 0;
	*untracked = p->locks ? atomic64_read(&p->locks->untracked) : 0;
}

size_t sov_prof_locks_bytes(struct sov_prof *p)
{
	return p->locks ? sizeof(*p->locks) : 0;
}

/* The next used lock slot at or after *@i; advances *@i past it. */
bool sov_prof_locks_get(struct sov_prof *p, u32 *i,
			struct sov_prof_lock_view *v)
{
	struct sov_prof_locks *lk = p->locks;
	unsigned int b;

	if (!lk)
		return false;
	for (; *i < SOV_LOCKS; (*i)++) {
		struct sov_lock_stat *s = &lk->locks[*i];

		if (!READ_ONCE(s->addr) || !atomic64_read(&s->count))
			continue;
		v->addr = s->addr;
		v->flags = READ_ONCE(s->flags);
		v->count = atomic64_read(&s->count);
		v->total_ns = atomic64_read(&s->total_ns);
		v->max_ns = atomic64_read(&s->max_ns);
		for (b = 0; b < SOV_PROF_HIST_BUCKETS; b++)
			v->hist[b] = atomic64_read(&s->hist[b]);
		(*i)++;
		return true;
	}
	return false;
}
