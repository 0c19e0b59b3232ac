// SPDX-License-Identifier: GPL-2.0
/*
 * Spans: the clock they are measured with, begin/attributes/end, and the
 * string interner that lets run-time names be recorded by pointer.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trace_internal.h"
#include "usdt.h"

_Static_assert(sizeof(struct trace_span) == 144, "a span is 144 bytes");

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ULL + (uint64_t)ts->tv_nsec;
}

uint64_t trace_clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts_ns(&ts);
}

/* realtime - monotonic, ns; 0 until the first sync */
static _Atomic int64_t mono_offset;
static atomic_bool offset_set;

void trace_clock_sync(void)
{
	struct timespec m1, r, m2;
	uint64_t m;

	/* the realtime reading bracketed by two monotonic ones */
	clock_gettime(CLOCK_MONOTONIC, &m1);
	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m2);
	m = ts_ns(&m1) + (ts_ns(&m2) - ts_ns(&m1)) / 2;
	atomic_store_explicit(&mono_offset, (int64_t)(ts_ns(&r) - m), memory_order_relaxed);
	atomic_store_explicit(&offset_set, true, memory_order_release);
}

uint64_t trace_clock_mono_to_unix(uint64_t mono_ns)
{
	if (!atomic_load_explicit(&offset_set, memory_order_acquire))
		trace_clock_sync();
	return mono_ns + (uint64_t)atomic_load_explicit(&mono_offset, memory_order_relaxed);
}

uint64_t trace_clock_now_ns(void)
{
	return trace_clock_mono_to_unix(trace_clock_mono_ns());
}

void trace_span_begin(struct trace_span *sp, const struct trace_ctx *parent,
		      const char *name, enum trace_kind kind)
{
	memset(sp, 0, sizeof(*sp));
	if (parent && trace_ctx_valid(parent)) {
		sp->trace_id = parent->trace_id;
		sp->parent_id = parent->span_id;
		sp->flags = parent->flags & TRACE_FLAGS_KNOWN;
	} else {
		trace_id_random(&sp->trace_id);
		sp->flags = TRACE_FLAG_RANDOM;
	}
	sp->span_id = trace_span_id_random();
	sp->name = name;
	sp->kind = (uint8_t)kind;
	/* nothing to measure for when neither a recorder nor a tracer listens */
	if (trace_recorder_installed() || TRACE_USDT_ENABLED(span_end))
		sp->start_ns = trace_clock_mono_ns();
}

static bool attr_slot(struct trace_span *sp, const char *key, uint8_t type, unsigned int *slot)
{
	if (!sp || !key || sp->nattrs >= TRACE_SPAN_ATTRS)
		return false;
	*slot = sp->nattrs++;
	sp->attr_type[*slot] = type;
	sp->attrs[*slot].key = key;
	return true;
}

bool trace_span_attr_int(struct trace_span *sp, const char *key, int64_t v)
{
	unsigned int i;

	if (!attr_slot(sp, key, TRACE_ATTR_INT, &i))
		return false;
	sp->attrs[i].v.i = v;
	return true;
}

bool trace_span_attr_str(struct trace_span *sp, const char *key, const char *v)
{
	unsigned int i;

	if (!attr_slot(sp, key, TRACE_ATTR_STR, &i))
		return false;
	sp->attrs[i].v.s = v ? v : "";
	return true;
}

void trace_span_set_status(struct trace_span *sp, enum trace_status st, const char *msg)
{
	sp->status = (uint8_t)st;
	sp->status_msg = msg;
}

void trace_span_set_sampled(struct trace_span *sp, bool sampled)
{
	sp->flags = (uint8_t)(sampled ? sp->flags | TRACE_FLAG_SAMPLED
				      : sp->flags & ~TRACE_FLAG_SAMPLED);
}

void trace_span_ctx(const struct trace_span *sp, struct trace_ctx *ctx)
{
	ctx->trace_id = sp->trace_id;
	ctx->span_id = sp->span_id;
	ctx->flags = sp->flags;
	ctx->version = 0;
}

#ifndef SOV_TRACE_NO_USDT
/* non-zero while a tracer is attached to sovereign:span_end in this process */
volatile unsigned short sovereign_span_end_semaphore TRACE_USDT_SEMAPHORE;
#endif

/*
 * While a tracer is attached (cold, out of line: the hot path only tests the
 * semaphore). It reads the name with a BPF helper, which cannot fault a page
 * in: touch it first, so that a literal this process never read is mapped.
 */
static __attribute__((cold, noinline)) void span_end_fire(const struct trace_span *sp)
{
	volatile char c = 0;
	size_t i;

	for (i = 0; i < TRACE_USDT_NAME_MAX && sp->name[i]; i++)
		c = sp->name[i];
	(void)c;
	TRACE_USDT_FIRE_SPAN_END(sp);
}

bool trace_span_end_to(struct trace_recorder *rec, struct trace_span *sp)
{
	uint64_t end, off;

	if ((!rec && !TRACE_USDT_ENABLED(span_end)) || !sp->name)
		return false;
	end = trace_clock_mono_ns();
	if (!sp->start_ns)	/* begun while nothing listened */
		sp->start_ns = end;
	off = trace_clock_mono_to_unix(0);
	sp->start_ns += off;
	sp->end_ns = end + off;
	if (TRACE_USDT_ENABLED(span_end))
		span_end_fire(sp);
	return rec && trace_recorder_record(rec, sp);
}

bool trace_span_end(struct trace_span *sp)
{
	return trace_span_end_to(trace_recorder_installed(), sp);
}

/*
 * The interner: an open-addressing set of copies, grown at 50 % load.
 * Strings are never freed (their pointers live in spans anywhere).
 */
static pthread_mutex_t intern_lock = PTHREAD_MUTEX_INITIALIZER;
static char **intern_tab;
static size_t intern_cap, intern_n;

static bool intern_grow(void)
{
	size_t ncap = intern_cap ? intern_cap * 2 : 64, i, j;
	char **nt = calloc(ncap, sizeof(*nt));

	if (!nt)
		return false;
	for (i = 0; i < intern_cap; i++) {
		if (!intern_tab[i])
			continue;
		for (j = trace_str_hash(intern_tab[i]) & (ncap - 1); nt[j]; j = (j + 1) & (ncap - 1))
			;
		nt[j] = intern_tab[i];
	}
	free(intern_tab);
	intern_tab = nt;
	intern_cap = ncap;
	return true;
}

const char *trace_intern(const char *s)
{
	const char *ret = NULL;
	size_t j;

	if (!s)
		return NULL;
	pthread_mutex_lock(&intern_lock);
	if ((intern_n + 1) * 2 > intern_cap && !intern_grow())
		goto out;
	for (j = trace_str_hash(s) & (intern_cap - 1); intern_tab[j]; j = (j + 1) & (intern_cap - 1)) {
		if (!strcmp(intern_tab[j], s)) {
			ret = intern_tab[j];
			goto out;
		}
	}
	intern_tab[j] = strdup(s);
	if (intern_tab[j]) {
		ret = intern_tab[j];
		intern_n++;
	}
out:
	pthread_mutex_unlock(&intern_lock);
	return ret;
}
