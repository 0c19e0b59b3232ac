// SPDX-License-Identifier: GPL-2.0
/*
 * Per-thread single-producer single-consumer span rings, and the recorder
 * that makes one per producing thread and drains them all.
 *
 * The ring: head (next slot to write) belongs to the producer, tail (next
 * slot to read) to the consumer, each on its own cache line with a cached
 * copy of the other's index, so a push touches the consumer's line only
 * when the ring looks full. The producer publishes a slot with a release
 * store of head; the consumer frees slots with a release store of tail.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "trace_internal.h"
#include "usdt.h"

#define CACHELINE	64

struct trace_ring {
	/* producer */
	_Alignas(CACHELINE) _Atomic uint64_t head;
	uint64_t tail_cache;
	_Atomic uint64_t dropped;
	/* consumer */
	_Alignas(CACHELINE) _Atomic uint64_t tail;
	/* both, read-only */
	_Alignas(CACHELINE) uint64_t mask;
	/* recorder bookkeeping (under the recorder's lock, or the consumer's) */
	struct trace_ring *next;
	atomic_bool orphan;		/* its thread has exited */
	bool dead;			/* consumer: drained after exit, to free */
	struct trace_span slots[];
};

struct trace_ring *trace_ring_create(uint32_t capacity)
{
	struct trace_ring *r;
	uint64_t cap = 1;
	size_t size;

	if (!capacity || capacity > (1u << 24))
		return NULL;
	while (cap < capacity)
		cap <<= 1;
	size = sizeof(*r) + cap * sizeof(struct trace_span);
	size = (size + CACHELINE - 1) & ~(size_t)(CACHELINE - 1);
	r = aligned_alloc(CACHELINE, size);
	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->mask = cap - 1;
	return r;
}

void trace_ring_destroy(struct trace_ring *r)
{
	free(r);
}

uint32_t trace_ring_capacity(const struct trace_ring *r)
{
	return (uint32_t)(r->mask + 1);
}

#ifndef SOV_TRACE_NO_USDT
/* non-zero while a tracer is attached to sovereign:span_drop in this process */
volatile unsigned short sovereign_span_drop_semaphore TRACE_USDT_SEMAPHORE;
#endif

/* A refused span, for a tracer outside the process (usdt.h); kept off the push path. */
static __attribute__((cold, noinline)) bool dropped(const struct trace_span *sp, uint32_t why)
{
	if (TRACE_USDT_ENABLED(span_drop))
		TRACE_USDT_FIRE_SPAN_DROP(sp, why);
	return false;
}

bool trace_ring_push(struct trace_ring *r, const struct trace_span *sp)
{
	uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);

	if (h - r->tail_cache > r->mask) {
		r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (h - r->tail_cache > r->mask) {
			/* only this thread writes it: no read-modify-write needed */
			atomic_store_explicit(&r->dropped,
					      atomic_load_explicit(&r->dropped, memory_order_relaxed) + 1,
					      memory_order_relaxed);
			return dropped(sp, TRACE_USDT_DROP_FULL);
		}
	}
	r->slots[h & r->mask] = *sp;
	atomic_store_explicit(&r->head, h + 1, memory_order_release);
	return true;
}

/* Consumer: hand out up to @max spans to @fn in place; returns the count. */
static size_t ring_consume(struct trace_ring *r, trace_span_fn fn, void *arg,
			   struct trace_span *out, size_t max)
{
	uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t h = atomic_load_explicit(&r->head, memory_order_acquire);
	size_t n = (size_t)(h - t), i;

	if (max && n > max)
		n = max;
	for (i = 0; i < n; i++) {
		const struct trace_span *sp = &r->slots[(t + i) & r->mask];

		if (out)
			out[i] = *sp;
		else
			fn(sp, arg);
	}
	if (n)
		atomic_store_explicit(&r->tail, t + n, memory_order_release);
	return n;
}

size_t trace_ring_pop(struct trace_ring *r, struct trace_span *out, size_t max)
{
	if (!max)
		return 0;
	return ring_consume(r, NULL, NULL, out, max);
}

uint64_t trace_ring_dropped(const struct trace_ring *r)
{
	return atomic_load_explicit(&r->dropped, memory_order_relaxed);
}

uint64_t trace_ring_pushed(const struct trace_ring *r)
{
	return atomic_load_explicit(&r->head, memory_order_relaxed);
}

/* ------------------------------------------------------------------ */

struct trace_recorder {
	struct trace_recorder_conf conf;
	uint64_t id;			/* unique, keys the threads' caches */
	pthread_key_t key;		/* per thread: its ring, for the exit hook */
	pthread_mutex_t lock;		/* the list of rings */
	struct trace_ring *rings;
	uint64_t nrings;
	/* what rings freed after their thread exited had counted */
	uint64_t gone_pushed, gone_dropped;
	_Atomic uint64_t dropped_unsampled;
	_Atomic uint64_t drained;
};

static _Atomic uint64_t recorder_ids = 1;
static _Atomic(struct trace_recorder *) installed;

/* this thread's ring of one recorder: the hot path's only lookup */
static _Thread_local struct {
	uint64_t rec_id;
	struct trace_ring *ring;
} tcache;

void trace_recorder_conf_default(struct trace_recorder_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->ring_capacity = 4096;
}

static void thread_gone(void *p)
{
	struct trace_ring *r = p;

	if (tcache.ring == r) {
		tcache.ring = NULL;
		tcache.rec_id = 0;
	}
	/* after every push of this thread: the consumer drains, then frees */
	atomic_store_explicit(&r->orphan, true, memory_order_release);
}

struct trace_recorder *trace_recorder_create(const struct trace_recorder_conf *conf)
{
	struct trace_recorder *rec = calloc(1, sizeof(*rec));

	if (!rec)
		return NULL;
	if (conf)
		rec->conf = *conf;
	else
		trace_recorder_conf_default(&rec->conf);
	if (!rec->conf.ring_capacity)
		rec->conf.ring_capacity = 4096;
	if (pthread_key_create(&rec->key, thread_gone)) {
		free(rec);
		return NULL;
	}
	pthread_mutex_init(&rec->lock, NULL);
	rec->id = atomic_fetch_add(&recorder_ids, 1);
	return rec;
}

void trace_recorder_destroy(struct trace_recorder *rec)
{
	struct trace_ring *r, *next;

	if (!rec)
		return;
	if (atomic_load(&installed) == rec)
		atomic_store(&installed, NULL);
	pthread_key_delete(rec->key);
	for (r = rec->rings; r; r = next) {
		next = r->next;
		trace_ring_destroy(r);
	}
	if (tcache.rec_id == rec->id) {
		tcache.rec_id = 0;
		tcache.ring = NULL;
	}
	pthread_mutex_destroy(&rec->lock);
	free(rec);
}

/* The calling thread's ring in @rec, made on first use. */
static struct trace_ring *thread_ring(struct trace_recorder *rec)
{
	struct trace_ring *r;

	if (tcache.rec_id == rec->id)
		return tcache.ring;
	r = pthread_getspecific(rec->key);
	if (!r) {
		r = trace_ring_create(rec->conf.ring_capacity);
		if (!r)
			return NULL;
		if (pthread_setspecific(rec->key, r)) {
			trace_ring_destroy(r);
			return NULL;
		}
		pthread_mutex_lock(&rec->lock);
		r->next = rec->rings;
		rec->rings = r;
		rec->nrings++;
		pthread_mutex_unlock(&rec->lock);
	}
	tcache.rec_id = rec->id;
	tcache.ring = r;
	return r;
}

bool trace_recorder_record(struct trace_recorder *rec, const struct trace_span *sp)
{
	struct trace_ring *r;

	if (!rec)
		return false;
	if (rec->conf.sampled_only && !(sp->flags & TRACE_FLAG_SAMPLED)) {
		atomic_fetch_add_explicit(&rec->dropped_unsampled, 1, memory_order_relaxed);
		return dropped(sp, TRACE_USDT_DROP_UNSAMPLED);
	}
	r = thread_ring(rec);
	if (!r)
		return dropped(sp, TRACE_USDT_DROP_NORING);
	return trace_ring_push(r, sp);
}

struct drain_arg {
	trace_span_fn fn;
	void *arg;
	uint64_t node_id;
};

static void drain_one(const struct trace_span *sp, void *p)
{
	struct drain_arg *d = p;
	struct trace_span copy;

	if (sp->node_id || !d->node_id) {
		d->fn(sp, d->arg);
		return;
	}
	copy = *sp;
	copy.node_id = d->node_id;
	d->fn(&copy, d->arg);
}

/*
 * The consumer walks the list without the lock (a callback may record, and
 * so register this thread's first ring, or read the stats): rings are only
 * ever added at the head, and only the consumer unlinks, under the lock,
 * after the walk.
 */
size_t trace_recorder_drain(struct trace_recorder *rec, trace_span_fn fn, void *arg, size_t max)
{
	struct drain_arg d = { fn, arg, rec->conf.node_id };
	struct trace_ring **pp, *r, *head;
	size_t total = 0, dead = 0;

	pthread_mutex_lock(&rec->lock);
	head = rec->rings;
	pthread_mutex_unlock(&rec->lock);
	for (r = head; r; r = r->next) {
		bool gone = atomic_load_explicit(&r->orphan, memory_order_acquire);

		if (!max || total < max)
			total += ring_consume(r, drain_one, &d, NULL, max ? max - total : 0);
		/* an exited thread's ring, now empty: to be freed */
		if (gone && atomic_load_explicit(&r->tail, memory_order_relaxed) ==
			    atomic_load_explicit(&r->head, memory_order_acquire)) {
			r->dead = true;
			dead++;
		}
	}
	atomic_fetch_add_explicit(&rec->drained, total, memory_order_relaxed);
	if (!dead)
		return total;
	pthread_mutex_lock(&rec->lock);
	for (pp = &rec->rings; (r = *pp);) {
		if (!r->dead) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		rec->gone_pushed += trace_ring_pushed(r);
		rec->gone_dropped += trace_ring_dropped(r);
		rec->nrings--;
		trace_ring_destroy(r);
	}
	pthread_mutex_unlock(&rec->lock);
	return total;
}

void trace_recorder_stats(struct trace_recorder *rec, struct trace_recorder_stats *st)
{
	struct trace_ring *r;

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&rec->lock);
	st->rings = rec->nrings;
	st->recorded = rec->gone_pushed;
	st->dropped_full = rec->gone_dropped;
	for (r = rec->rings; r; r = r->next) {
		st->recorded += trace_ring_pushed(r);
		st->dropped_full += trace_ring_dropped(r);
	}
	pthread_mutex_unlock(&rec->lock);
	st->drained = atomic_load_explicit(&rec->drained, memory_order_relaxed);
	st->dropped_unsampled = atomic_load_explicit(&rec->dropped_unsampled, memory_order_relaxed);
}

void trace_recorder_install(struct trace_recorder *rec)
{
	atomic_store_explicit(&installed, rec, memory_order_release);
}

struct trace_recorder *trace_recorder_installed(void)
{
	return atomic_load_explicit(&installed, memory_order_acquire);
}
