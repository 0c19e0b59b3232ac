// SPDX-License-Identifier: GPL-2.0
/*
 * In-process span recording in lib/trace: the span model (begin, ids,
 * parent, attributes, clock), the single-producer ring with a producer
 * thread and a consumer (order kept, nothing lost under capacity, drops
 * counted when full), and the recorder (one ring per thread, drained by one
 * consumer, rings of exited threads freed, sampled-only mode).
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../../lib/trace/trace.h"

static struct trace_span mk(uint64_t seq)
{
	struct trace_span sp;

	memset(&sp, 0, sizeof(sp));
	sp.trace_id.hi = 1;
	sp.trace_id.lo = seq + 1;
	sp.span_id = seq + 1;
	sp.name = "ring.test";
	return sp;
}

static void test_span_model(void **state)
{
	struct trace_span root, child;
	struct trace_ctx ctx;
	struct timespec rt;
	uint64_t now;
	static const char *keys[] = { "a", "b", "c", "d", "e" };
	int i;

	(void)state;
	/* no recorder installed: begin skips the clock, end records nothing */
	assert_null(trace_recorder_installed());
	trace_span_begin(&root, NULL, "op.root", TRACE_KIND_SERVER);
	assert_false(trace_id_is_zero(&root.trace_id));
	assert_true(root.span_id && !root.parent_id);
	assert_int_equal(root.flags, TRACE_FLAG_RANDOM);
	assert_false(trace_span_end(&root));

	trace_span_begin(&root, NULL, "op.root", TRACE_KIND_SERVER);
	trace_span_set_sampled(&root, true);
	trace_span_ctx(&root, &ctx);
	assert_true(trace_ctx_valid(&ctx) && trace_ctx_sampled(&ctx));
	trace_span_begin(&child, &ctx, "op.child", TRACE_KIND_CLIENT);
	assert_true(trace_id_eq(&child.trace_id, &root.trace_id));
	assert_true(child.parent_id == root.span_id && child.span_id != root.span_id);
	assert_int_equal(child.flags, TRACE_FLAG_RANDOM | TRACE_FLAG_SAMPLED);
	assert_int_equal(child.kind, TRACE_KIND_CLIENT);
	for (i = 0; i < 5; i++)
		assert_int_equal(trace_span_attr_int(&child, keys[i], i), i < TRACE_SPAN_ATTRS);
	assert_int_equal(child.nattrs, TRACE_SPAN_ATTRS);
	assert_true(child.attrs[3].v.i == 3 && child.attr_type[3] == TRACE_ATTR_INT);
	trace_span_set_status(&child, TRACE_STATUS_ERROR, "boom");
	assert_int_equal(child.status, TRACE_STATUS_ERROR);

	/* an invalid parent starts a new trace */
	memset(&ctx, 0, sizeof(ctx));
	trace_span_begin(&child, &ctx, "op.x", TRACE_KIND_INTERNAL);
	assert_false(trace_id_eq(&child.trace_id, &root.trace_id));
	assert_true(child.parent_id == 0);
	assert_true(trace_span_attr_str(&child, "s", NULL));
	assert_string_equal(child.attrs[0].v.s, "");

	/* the clock: Unix ns, within a second of CLOCK_REALTIME */
	trace_clock_sync();
	now = trace_clock_now_ns();
	clock_gettime(CLOCK_REALTIME, &rt);
	assert_true(llabs((long long)(now - ((uint64_t)rt.tv_sec * 1000000000ULL +
					     (uint64_t)rt.tv_nsec))) < 1000000000LL);
	/* interning */
	{
		char a[] = "dyn.name", b[] = "dyn.name";

		assert_ptr_equal(trace_intern(a), trace_intern(b));
		assert_ptr_not_equal(trace_intern(a), a);
		assert_string_equal(trace_intern(a), "dyn.name");
		assert_ptr_not_equal(trace_intern("other"), trace_intern(a));
	}
}

static void test_ring_basic(void **state)
{
	struct trace_ring *r = trace_ring_create(5);
	struct trace_span sp, out[16];
	uint64_t i;

	(void)state;
	assert_non_null(r);
	assert_int_equal(trace_ring_capacity(r), 8);
	assert_null(trace_ring_create(0));
	for (i = 0; i < 8; i++) {
		sp = mk(i);
		assert_true(trace_ring_push(r, &sp));
	}
	/* full: refused and counted, exactly */
	for (i = 8; i < 20; i++) {
		sp = mk(i);
		assert_false(trace_ring_push(r, &sp));
	}
	assert_true(trace_ring_dropped(r) == 12);
	assert_true(trace_ring_pushed(r) == 8);
	assert_int_equal(trace_ring_pop(r, out, 3), 3);
	for (i = 0; i < 3; i++)
		assert_true(out[i].span_id == i + 1);
	for (i = 100; i < 103; i++) {	/* room again for three */
		sp = mk(i);
		assert_true(trace_ring_push(r, &sp));
	}
	sp = mk(200);
	assert_false(trace_ring_push(r, &sp));
	assert_int_equal(trace_ring_pop(r, out, 16), 8);
	for (i = 0; i < 5; i++)
		assert_true(out[i].span_id == i + 4);
	for (i = 5; i < 8; i++)
		assert_true(out[i].span_id == 100 + i - 5 + 1);
	assert_int_equal(trace_ring_pop(r, out, 16), 0);
	assert_true(trace_ring_dropped(r) == 13);
	trace_ring_destroy(r);
}

enum { SPSC_N = 300000, SPSC_CAP = 1024 };

struct spsc {
	struct trace_ring *r;
	_Atomic uint64_t consumed;
	atomic_bool finished;
	bool flow_control;	/* never push more than fits */
	bool bad;		/* a push refused under flow control */
	uint64_t refused;
};

static void *producer(void *p)
{
	struct spsc *s = p;
	uint64_t i;

	for (i = 0; i < SPSC_N; i++) {
		struct trace_span sp = mk(i);

		if (s->flow_control) {
			/* stay within capacity: wait for the consumer to make room */
			while (i - atomic_load_explicit(&s->consumed, memory_order_acquire) >= SPSC_CAP)
				sched_yield();
			if (!trace_ring_push(s->r, &sp))
				s->bad = true;
		} else if (!trace_ring_push(s->r, &sp)) {
			s->refused++;
		}
	}
	atomic_store_explicit(&s->finished, true, memory_order_release);
	return NULL;
}

/* Pop until the producer has finished and the ring is empty. */
static uint64_t consume_all(struct spsc *s, bool check_order)
{
	struct trace_span out[64];
	uint64_t got = 0, last = 0;

	for (;;) {
		bool fin = atomic_load_explicit(&s->finished, memory_order_acquire);
		size_t n = trace_ring_pop(s->r, out, 64), i;

		for (i = 0; i < n; i++) {
			if (check_order)
				assert_true(out[i].span_id == last + 1);
			assert_true(out[i].span_id > last);	/* in order, even with drops */
			assert_true(out[i].trace_id.lo == out[i].span_id);
			last = out[i].span_id;
		}
		got += n;
		atomic_store_explicit(&s->consumed, got, memory_order_release);
		if (!n) {
			if (fin)
				break;	/* finished before this empty pop: nothing more comes */
			sched_yield();
		}
	}
	return got;
}

/* A producer thread and this consumer, never over capacity: nothing lost. */
static void test_spsc_no_loss(void **state)
{
	struct spsc s = { .flow_control = true };
	pthread_t th;

	(void)state;
	s.r = trace_ring_create(SPSC_CAP);
	assert_int_equal(pthread_create(&th, NULL, producer, &s), 0);
	assert_true(consume_all(&s, true) == SPSC_N);
	pthread_join(th, NULL);
	assert_false(s.bad);
	assert_true(trace_ring_dropped(s.r) == 0);
	assert_true(trace_ring_pushed(s.r) == SPSC_N);
	trace_ring_destroy(s.r);
}

/* The same without flow control: what is refused is exactly what is counted. */
static void test_spsc_drops_counted(void **state)
{
	struct spsc s = { .flow_control = false };
	pthread_t th;
	uint64_t got;

	(void)state;
	s.r = trace_ring_create(SPSC_CAP);
	assert_int_equal(pthread_create(&th, NULL, producer, &s), 0);
	got = consume_all(&s, false);
	pthread_join(th, NULL);
	printf("# free-running: %llu consumed, %llu dropped\n", (unsigned long long)got,
	       (unsigned long long)trace_ring_dropped(s.r));
	assert_true(trace_ring_dropped(s.r) == s.refused);
	assert_true(got + s.refused == SPSC_N);
	assert_true(trace_ring_pushed(s.r) == got);
	trace_ring_destroy(s.r);
}

enum { REC_THREADS = 4, REC_SPANS = 20000 };

struct rec_check {
	uint64_t per_thread[REC_THREADS];	/* last sequence seen */
	uint64_t total;
	uint64_t node;
	bool bad;
};

static void check_span(const struct trace_span *sp, void *arg)
{
	struct rec_check *c = arg;
	int64_t t = sp->attrs[0].v.i, seq = sp->attrs[1].v.i;

	if (sp->node_id != c->node || t < 0 || t >= REC_THREADS ||
	    (uint64_t)seq != c->per_thread[t] + 1 || sp->end_ns < sp->start_ns ||
	    strcmp(sp->name, "rec.span"))
		c->bad = true;
	else
		c->per_thread[t] = (uint64_t)seq;
	c->total++;
}

static _Atomic int recorders_done;

static void *recording_thread(void *p)
{
	int64_t t = (int64_t)(intptr_t)p, i;

	for (i = 1; i <= REC_SPANS; i++) {
		struct trace_span sp;

		trace_span_begin(&sp, NULL, "rec.span", TRACE_KIND_INTERNAL);
		trace_span_attr_int(&sp, "thread", t);
		trace_span_attr_int(&sp, "seq", i);
		/* the ring holds 256: wait for the consumer rather than drop */
		while (!trace_span_end(&sp)) {
			struct trace_recorder_stats st;

			trace_recorder_stats(trace_recorder_installed(), &st);
			if (!st.dropped_full)
				return NULL;	/* refused for another reason: fail below */
			sched_yield();
			trace_span_begin(&sp, NULL, "rec.span", TRACE_KIND_INTERNAL);
			trace_span_attr_int(&sp, "thread", t);
			trace_span_attr_int(&sp, "seq", i);
		}
	}
	atomic_fetch_add(&recorders_done, 1);
	return NULL;
}

/* Four threads record through the installed recorder; one consumer drains. */
static void test_recorder_threads(void **state)
{
	struct trace_recorder_conf conf;
	struct trace_recorder *rec;
	struct trace_recorder_stats st;
	struct rec_check c = { .node = 7 };
	pthread_t th[REC_THREADS];
	int i;

	(void)state;
	trace_recorder_conf_default(&conf);
	conf.ring_capacity = 256;
	conf.node_id = 7;
	rec = trace_recorder_create(&conf);
	assert_non_null(rec);
	trace_recorder_install(rec);
	atomic_store(&recorders_done, 0);
	for (i = 0; i < REC_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, recording_thread, (void *)(intptr_t)i), 0);
	while (atomic_load(&recorders_done) < REC_THREADS || c.total < REC_THREADS * REC_SPANS) {
		if (!trace_recorder_drain(rec, check_span, &c, 0))
			sched_yield();
		if (c.bad)
			break;
	}
	for (i = 0; i < REC_THREADS; i++)
		pthread_join(th[i], NULL);
	trace_recorder_drain(rec, check_span, &c, 0);
	assert_false(c.bad);
	assert_true(c.total == REC_THREADS * REC_SPANS);
	for (i = 0; i < REC_THREADS; i++)
		assert_true(c.per_thread[i] == REC_SPANS);
	trace_recorder_stats(rec, &st);
	printf("# 4 threads: %llu recorded, %llu refused by full rings and retried\n",
	       (unsigned long long)st.recorded, (unsigned long long)st.dropped_full);
	assert_true(st.recorded == REC_THREADS * REC_SPANS);
	assert_true(st.drained == REC_THREADS * REC_SPANS);
	/* the threads have exited: their rings were freed once drained */
	assert_true(st.rings == 0);
	trace_recorder_install(NULL);
	trace_recorder_destroy(rec);
}

static void count_span(const struct trace_span *sp, void *arg)
{
	(void)sp;
	(*(uint64_t *)arg)++;
}

static void test_recorder_modes(void **state)
{
	struct trace_recorder_conf conf;
	struct trace_recorder *rec;
	struct trace_recorder_stats st;
	struct trace_span sp;
	uint64_t n = 0;
	int i;

	(void)state;
	trace_recorder_conf_default(&conf);
	conf.ring_capacity = 4;
	conf.sampled_only = true;
	rec = trace_recorder_create(&conf);
	trace_recorder_install(rec);
	for (i = 0; i < 10; i++) {
		trace_span_begin(&sp, NULL, "m", TRACE_KIND_INTERNAL);
		trace_span_set_sampled(&sp, i & 1);
		sp.node_id = 99;	/* kept: only 0 is filled in */
		assert_int_equal(trace_span_end(&sp), (i & 1) && i < 8);
	}
	trace_recorder_stats(rec, &st);
	assert_true(st.dropped_unsampled == 5 && st.dropped_full == 1 && st.recorded == 4);
	assert_true(st.rings == 1);
	/* max bounds a drain */
	assert_int_equal(trace_recorder_drain(rec, count_span, &n, 3), 3);
	assert_int_equal(trace_recorder_drain(rec, count_span, &n, 0), 1);
	assert_true(n == 4);
	trace_recorder_destroy(rec);	/* uninstalls itself */
	assert_null(trace_recorder_installed());
}

struct reentrant {
	struct trace_recorder *rec;
	uint64_t seen;
};

/* The consumer records from its callback: its own first ring is made then. */
static void record_from_drain(const struct trace_span *sp, void *arg)
{
	struct reentrant *r = arg;
	struct trace_recorder_stats st;
	struct trace_span child;
	struct trace_ctx ctx;

	r->seen++;
	if (strcmp(sp->name, "outer"))
		return;
	trace_span_ctx(sp, &ctx);
	trace_span_begin(&child, &ctx, "store.add", TRACE_KIND_INTERNAL);
	assert_true(trace_span_end_to(r->rec, &child));
	trace_recorder_stats(r->rec, &st);
	assert_true(st.rings == 2);
}

static void *record_outer(void *p)
{
	struct trace_span sp;

	trace_span_begin(&sp, NULL, "outer", TRACE_KIND_SERVER);
	trace_span_end_to(p, &sp);
	return NULL;
}

static void test_drain_reentrant(void **state)
{
	struct trace_recorder *rec = trace_recorder_create(NULL);
	struct trace_recorder_stats st;
	struct reentrant r = { rec, 0 };
	pthread_t th;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, record_outer, rec), 0);
	pthread_join(th, NULL);
	assert_int_equal(trace_recorder_drain(rec, record_from_drain, &r, 0), 1);
	assert_int_equal(trace_recorder_drain(rec, record_from_drain, &r, 0), 1);
	assert_true(r.seen == 2);
	trace_recorder_stats(rec, &st);
	assert_true(st.rings == 1 && st.recorded == 2 && st.drained == 2);
	trace_recorder_destroy(rec);
}

static void test_bench(void **state)
{
	double ns = trace_bench_span_ns(100000, 3);

	(void)state;
	printf("# span recorded: %.1f ns (ASan+UBSan build)\n", ns);
	assert_true(ns > 0 && ns < 5000);
	assert_null(trace_recorder_installed());	/* the bench restored it */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_span_model),
		cmocka_unit_test(test_ring_basic),
		cmocka_unit_test(test_spsc_no_loss),
		cmocka_unit_test(test_spsc_drops_counted),
		cmocka_unit_test(test_recorder_threads),
		cmocka_unit_test(test_recorder_modes),
		cmocka_unit_test(test_drain_reentrant),
		cmocka_unit_test(test_bench),
	};

	return cmocka_run_group_tests_name("trace_ring", tests, NULL, NULL);
}
