// SPDX-License-Identifier: GPL-2.0
/*
 * Memory profile: the kmem tracepoints. Every slab allocation in scope adds
 * its bytes to its stack (per-CPU table) and to its call site, and is
 * remembered as live (pointer -> site, size, time) until its free, so a
 * dump can name the sites whose objects stay allocated. Page allocations
 * carry no call site: they are counted by stack only.
 *
 * The site and live tables are shared by all CPUs and lock-free: a site or a
 * live slot is claimed with cmpxchg, counters are atomic. Frees are looked
 * up whatever their scope: an object allocated in scope may die elsewhere.
 */
#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "prof.h"
#include "tp.h"

#define SOV_KMEM_SITES		4096	/* a power of two */
#define SOV_KMEM_SITE_PROBES	64
#define SOV_KMEM_LIVE_BUCKETS	16384	/* a power of two */
#define SOV_KMEM_LIVE_WAYS	8

struct sov_kmem_site {
	unsigned long addr;		/* 0: free slot */
	atomic64_t allocs, frees, bytes;
};

struct sov_kmem_live {
	unsigned long ptr;		/* 0: free slot */
	u32 site;			/* index into sites */
	u32 bytes;
	u64 when;			/* jiffies; 0 while being filled */
};

struct sov_prof_kmem {
	struct sov_kmem_site sites[SOV_KMEM_SITES];
	struct sov_kmem_live live[SOV_KMEM_LIVE_BUCKETS * SOV_KMEM_LIVE_WAYS];
	atomic64_t events, untracked;
};

static struct sov_kmem_site *sov_kmem_site(struct sov_prof_kmem *km,
					   unsigned long addr)
{
	u32 h = hash_long(addr, 32), i, n;
	struct sov_kmem_site *s;
	unsigned long cur;

	for (n = 0; n < SOV_KMEM_SITE_PROBES; n++) {
		i = (h + n) & (SOV_KMEM_SITES - 1);
		s = &km->sites[i];
		cur = READ_ONCE(s->addr);
		if (cur == addr)
			return s;
		if (!cur) {
			cur = cmpxchg(&s->addr, 0, addr);
			if (!cur || cur == addr)
				return s;
		}
	}
	return NULL;
}

static void sov_kmem_track(struct sov_prof_kmem *km, const void *ptr,
			   struct sov_kmem_site *site, size_t bytes)
{
	u32 b = hash_ptr(ptr, ilog2(SOV_KMEM_LIVE_BUCKETS)), w;
	struct sov_kmem_live *l = &km->live[b * SOV_KMEM_LIVE_WAYS];

	for (w = 0; w < SOV_KMEM_LIVE_WAYS; w++, l++) {
		if (READ_ONCE(l->ptr) || cmpxchg(&l->ptr, 0, (unsigned long)ptr))
			continue;
		l->site = site - km->sites;
		l->bytes = min_t(size_t, bytes, U32_MAX);
		/* pairs with the acquire in free and in the dump: fields first */
		smp_store_release(&l->when, get_jiffies_64() ?: 1);
		return;
	}
	atomic64_inc(&km->untracked);
}

static void sov_kmem_alloc(unsigned long call_site, const void *ptr,
			   size_t bytes, bool slab)
{
	struct sov_prof_kmem *km = READ_ONCE(sov_prof.kmem);
	struct sov_kmem_site *site = NULL;
	struct sov_prof_pcpu *pc;
	struct sov_stack_key *k;
	unsigned long flags;

	if (!km || ZERO_OR_NULL_PTR(ptr) || in_nmi() ||
	    !sov_prof_in_scope(current))
		return;
	atomic64_inc(&km->events);
	if (slab) {
		site = sov_kmem_site(km, call_site);
		if (site) {
			atomic64_inc(&site->allocs);
			atomic64_add(bytes, &site->bytes);
			sov_kmem_track(km, ptr, site, bytes);
		} else {
			atomic64_inc(&km->untracked);
		}
	}

	local_irq_save(flags);
	pc = this_cpu_ptr(sov_prof.pcpu);
	if (pc->online) {
		k = &pc->key[SOV_PROF_KIND_MEM];
		sov_prof_fill_task(k);
		k->tag = slab ? call_site : 0;
		if (sov_prof.cfg.stacks & SOV_PROF_STACK_KERNEL)
			sov_prof_kernel_stack(k, 0);
		if (sov_prof.cfg.stacks & SOV_PROF_STACK_USER)
			sov_prof_user_stack(k, NULL, pc);
		sov_stackmap_add(&pc->maps[SOV_PROF_KIND_MEM], k, 1, bytes);
	}
	local_irq_restore(flags);
}

static void sov_kmem_free(const void *ptr)
{
	struct sov_prof_kmem *km = READ_ONCE(sov_prof.kmem);
	struct sov_kmem_live *l;
	u32 b, w;

	if (!km || ZERO_OR_NULL_PTR(ptr) || in_nmi())
		return;
	atomic64_inc(&km->events);
	b = hash_ptr(ptr, ilog2(SOV_KMEM_LIVE_BUCKETS));
	l = &km->live[b * SOV_KMEM_LIVE_WAYS];
	for (w = 0; w < SOV_KMEM_LIVE_WAYS; w++, l++) {
		if (READ_ONCE(l->ptr) != (unsigned long)ptr ||
		    !smp_load_acquire(&l->when))	/* site is set */
			continue;
		atomic64_inc(&km->sites[l->site].frees);
		WRITE_ONCE(l->when, 0);
		/* the slot is free only once it no longer looks live */
		smp_store_release(&l->ptr, 0);
		return;
	}
}

static void sov_kmem_kmalloc(void *data, unsigned long call_site,
			     const void *ptr, size_t bytes_req,
			     size_t bytes_alloc, gfp_t gfp, int node)
{
	sov_kmem_alloc(call_site, ptr, bytes_alloc, true);
}

static void sov_kmem_cache_alloc(void *data, unsigned long call_site,
				 const void *ptr, struct kmem_cache *s,
				 gfp_t gfp, int node)
{
	if (!ZERO_OR_NULL_PTR(ptr))
		sov_kmem_alloc(call_site, ptr, kmem_cache_size(s), true);
}

static void sov_kmem_kfree(void *data, unsigned long call_site,
			   const void *ptr)
{
	sov_kmem_free(ptr);
}

static void sov_kmem_cache_free(void *data, unsigned long call_site,
				const void *ptr, const struct kmem_cache *s)
{
	sov_kmem_free(ptr);
}

static void sov_kmem_page_alloc(void *data, struct page *page,
				unsigned int order, gfp_t gfp, int migratetype)
{
	if (page)
		sov_kmem_alloc(0, page, PAGE_SIZE << order, false);
}

static struct sov_tp sov_kmem_tps[] = {
	{ .name = "kmalloc",		.probe = sov_kmem_kmalloc },
	{ .name = "kmem_cache_alloc",	.probe = sov_kmem_cache_alloc },
	{ .name = "kfree",		.probe = sov_kmem_kfree },
	{ .name = "kmem_cache_free",	.probe = sov_kmem_cache_free },
	{ .name = "mm_page_alloc",	.probe = sov_kmem_page_alloc },
};

int sov_prof_kmem_start(struct sov_prof *p)
{
	struct sov_prof_kmem *km;
	int err;

	km = vzalloc(sizeof(*km));
	if (!km)
		return -ENOMEM;
	WRITE_ONCE(p->kmem, km);
	err = sov_tp_attach(sov_kmem_tps, ARRAY_SIZE(sov_kmem_tps));
	if (err)
		sov_prof_kmem_free(p);
	return err;
}

void sov_prof_kmem_stop(struct sov_prof *p)
{
	sov_tp_detach(sov_kmem_tps, ARRAY_SIZE(sov_kmem_tps));
}

/* Only once the probes are detached. */
void sov_prof_kmem_free(struct sov_prof *p)
{
	vfree(p->kmem);
	WRITE_ONCE(p->kmem, NULL);
}

void sov_prof_kmem_counters(struct sov_prof *p, u64 *events, u64 *untracked)
{
	*events = p->kmem ? atomic64_read(&p->kmem->events) : 0;
	*untracked = p->kmem ? atomic64_read(&p->kmem->untracked) : 0;
}

size_t sov_prof_kmem_bytes(struct sov_prof *p)
{
	return p->kmem ? sizeof(*p->kmem) : 0;
}

/*
 * A snapshot of every used site with its live objects counted (those born
 * before @old_before, in jiffies, also as leak candidates). vmalloc'd.
 */
int sov_prof_kmem_sites(struct sov_prof *p, u64 old_before,
			struct sov_prof_site_view **out, u32 *n)
{
	struct sov_prof_kmem *km = p->kmem;
	struct sov_prof_site_view *v;
	u32 i, cnt = 0;

	*out = NULL;
	*n = 0;
	if (!km)
		return 0;
	/* indexed like the site table first, compacted at the end */
	v = vzalloc(array_size(SOV_KMEM_SITES, sizeof(*v)));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < SOV_KMEM_SITES; i++) {
		struct sov_kmem_site *s = &km->sites[i];

		v[i].site = READ_ONCE(s->addr);
		v[i].allocs = atomic64_read(&s->allocs);
		v[i].frees = atomic64_read(&s->frees);
		v[i].bytes = atomic64_read(&s->bytes);
	}
	for (i = 0; i < ARRAY_SIZE(km->live); i++) {
		struct sov_kmem_live *l = &km->live[i];
		u64 when = smp_load_acquire(&l->when);	/* then site, bytes */
		struct sov_prof_site_view *sv = &v[l->site];

		if (!when || !sv->site)
			continue;
		sv->live_objs++;
		sv->live_bytes += l->bytes;
		if (time_before64(when, old_before)) {
			sv->old_objs++;
			sv->old_bytes += l->bytes;
		}
	}
	for (i = 0; i < SOV_KMEM_SITES; i++)
		if (v[i].site)
			v[cnt++] = v[i];
	*out = v;
	*n = cnt;
	return 0;
}
