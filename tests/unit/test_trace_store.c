// SPDX-License-Identifier: GPL-2.0
/*
 * lib/trace's bounded store: spans grouped by trace id, the oldest trace
 * evicted first, every counter (created, evicted, discarded, removed,
 * spans over the per-trace cap, invalid spans), the tail decision applied
 * to a stored trace, and the span tree built for display (order, depth,
 * orphans, cycles, duplicates).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/trace/trace.h"

static struct trace_span sp_of(uint64_t trace, uint64_t id, uint64_t parent, const char *name,
			       uint64_t start, uint64_t end)
{
	struct trace_span sp;

	memset(&sp, 0, sizeof(sp));
	sp.trace_id.hi = 0xabc;
	sp.trace_id.lo = trace;
	sp.span_id = id;
	sp.parent_id = parent;
	sp.name = name;
	sp.start_ns = start;
	sp.end_ns = end;
	return sp;
}

static struct trace_store *mk_store(uint32_t traces, uint32_t spans)
{
	struct trace_store_conf conf = { traces, spans };

	return trace_store_create(&conf);
}

static int collect_seq(const struct trace_rec *rec, void *arg)
{
	uint64_t **p = arg;

	*(*p)++ = rec->id.lo;
	return 0;
}

static void expect_order(struct trace_store *st, const uint64_t *want, size_t n)
{
	uint64_t got[64], *p = got;
	size_t i;

	assert_int_equal(trace_store_foreach(st, collect_seq, &p), 0);
	assert_int_equal(p - got, n);
	for (i = 0; i < n; i++)
		assert_true(got[i] == want[i]);
}

static void test_group_and_find(void **state)
{
	struct trace_store *st = mk_store(0, 0);	/* defaults: 1024 x 256 */
	struct trace_store_stats s;
	const struct trace_rec *rec;
	struct trace_id id = { 0xabc, 2 };
	struct trace_span sp;

	(void)state;
	sp = sp_of(1, 10, 0, "a", 100, 900);
	assert_int_equal(trace_store_add(st, &sp), 0);
	sp = sp_of(2, 20, 0, "b", 50, 60);
	assert_int_equal(trace_store_add(st, &sp), 0);
	sp = sp_of(1, 11, 10, "a.child", 200, 950);
	assert_int_equal(trace_store_add(st, &sp), 0);
	sp = sp_of(1, 12, 10, "a.child", 20, 30);
	assert_int_equal(trace_store_add(st, &sp), 0);

	rec = trace_store_find(st, &id);
	assert_non_null(rec);
	assert_int_equal(rec->nspans, 1);
	id.lo = 1;
	rec = trace_store_find(st, &id);
	assert_int_equal(rec->nspans, 3);
	assert_true(rec->spans[0].span_id == 10 && rec->spans[2].span_id == 12);
	assert_true(rec->start_ns == 20 && rec->end_ns == 950);
	assert_true(rec->seq == 1 && !rec->decided);
	id.lo = 3;
	assert_null(trace_store_find(st, &id));
	id.hi = 0xabd;
	id.lo = 1;
	assert_null(trace_store_find(st, &id));

	/* zero ids refused and counted */
	sp = sp_of(0, 1, 0, "z", 0, 0);
	sp.trace_id.hi = 0;
	assert_int_equal(trace_store_add(st, &sp), -EINVAL);
	sp = sp_of(5, 0, 0, "z", 0, 0);
	assert_int_equal(trace_store_add(st, &sp), -EINVAL);

	trace_store_stats(st, &s);
	assert_true(s.traces == 2 && s.traces_created == 2 && s.spans == 4 && s.spans_added == 4);
	assert_true(s.spans_invalid == 2 && s.traces_evicted == 0);
	trace_store_destroy(st);
}

static void test_eviction_order(void **state)
{
	struct trace_store *st = mk_store(4, 8);
	struct trace_store_stats s;
	struct trace_id id = { 0xabc, 0 };
	struct trace_span sp;
	uint64_t t;

	(void)state;
	for (t = 1; t <= 6; t++) {
		sp = sp_of(t, t * 10, 0, "x", t, t + 1);
		assert_int_equal(trace_store_add(st, &sp), 0);
	}
	/* 1 and 2 went first, in that order */
	expect_order(st, (const uint64_t[]){ 3, 4, 5, 6 }, 4);
	trace_store_stats(st, &s);
	assert_true(s.traces == 4 && s.traces_created == 6 && s.traces_evicted == 2);
	assert_true(s.spans == 4 && s.spans_added == 6);
	/* a span for an existing trace does not make it younger */
	sp = sp_of(3, 31, 30, "x", 5, 6);
	assert_int_equal(trace_store_add(st, &sp), 0);
	sp = sp_of(7, 70, 0, "x", 7, 8);
	assert_int_equal(trace_store_add(st, &sp), 0);
	expect_order(st, (const uint64_t[]){ 4, 5, 6, 7 }, 4);
	id.lo = 3;
	assert_null(trace_store_find(st, &id));
	trace_store_stats(st, &s);
	assert_true(s.traces_evicted == 3 && s.spans == 4);

	/* removing from the middle; then the free slot is used before evicting */
	id.lo = 5;
	assert_int_equal(trace_store_remove(st, &id), 0);
	assert_int_equal(trace_store_remove(st, &id), -ENOENT);
	expect_order(st, (const uint64_t[]){ 4, 6, 7 }, 3);
	sp = sp_of(8, 80, 0, "x", 9, 10);
	assert_int_equal(trace_store_add(st, &sp), 0);
	expect_order(st, (const uint64_t[]){ 4, 6, 7, 8 }, 4);
	trace_store_stats(st, &s);
	assert_true(s.traces_evicted == 3 && s.traces_removed == 1 && s.traces == 4);
	/* remove the oldest and the newest */
	id.lo = 4;
	assert_int_equal(trace_store_remove(st, &id), 0);
	id.lo = 8;
	assert_int_equal(trace_store_remove(st, &id), 0);
	expect_order(st, (const uint64_t[]){ 6, 7 }, 2);
	for (t = 9; t <= 12; t++) {
		sp = sp_of(t, t * 10, 0, "x", t, t + 1);
		assert_int_equal(trace_store_add(st, &sp), 0);
	}
	expect_order(st, (const uint64_t[]){ 9, 10, 11, 12 }, 4);
	trace_store_destroy(st);
}

static int stop_at_two(const struct trace_rec *rec, void *arg)
{
	(*(int *)arg)++;
	return rec->seq == 2 ? 42 : 0;
}

static void test_default_capacity(void **state)
{
	struct trace_store *st = trace_store_create(NULL);
	struct trace_store_stats s;
	struct trace_span sp;
	uint64_t t;
	int calls = 0;

	(void)state;
	for (t = 1; t <= 1100; t++) {
		sp = sp_of(t, t, 0, "x", t, t + 1);
		assert_int_equal(trace_store_add(st, &sp), 0);
	}
	trace_store_stats(st, &s);
	assert_true(s.traces == 1024 && s.traces_evicted == 76);
	assert_int_equal(trace_store_foreach(st, stop_at_two, &calls), 0);	/* seq 2 is gone */
	assert_int_equal(calls, 1024);
	trace_store_destroy(st);

	st = trace_store_create(NULL);
	for (t = 1; t <= 5; t++) {
		sp = sp_of(t, t, 0, "x", t, t + 1);
		trace_store_add(st, &sp);
	}
	calls = 0;
	assert_int_equal(trace_store_foreach(st, stop_at_two, &calls), 42);
	assert_int_equal(calls, 2);
	trace_store_destroy(st);
}

static void test_span_cap(void **state)
{
	struct trace_store *st = mk_store(4, 3);
	struct trace_store_stats s;
	const struct trace_rec *rec;
	struct trace_id id = { 0xabc, 1 };
	struct trace_span sp;
	uint64_t i;

	(void)state;
	for (i = 1; i <= 5; i++) {
		sp = sp_of(1, i, i - 1, "x", i, i + 1);
		assert_int_equal(trace_store_add(st, &sp), i <= 3 ? 0 : -ENOSPC);
	}
	rec = trace_store_find(st, &id);
	assert_true(rec->nspans == 3 && rec->spans_dropped == 2);
	trace_store_stats(st, &s);
	assert_true(s.spans_dropped_cap == 2 && s.spans == 3 && s.spans_added == 3);
	trace_store_destroy(st);
}

/* The tail decision on stored traces: clean ones discarded, erred ones kept. */
static void test_decide(void **state)
{
	struct trace_sampler *smp = trace_sampler_create(NULL);
	struct trace_store *st = mk_store(8, 8);
	struct trace_store_stats s;
	const struct trace_rec *rec;
	struct trace_id clean = { 0xabc, 1 }, bad = { 0xabc, 2 }, head = { 0xabc, 3 };
	struct trace_span sp;

	(void)state;
	sp = sp_of(1, 1, 0, "req", 0, 10);
	trace_store_add(st, &sp);
	sp = sp_of(2, 2, 0, "req", 0, 10);
	trace_store_add(st, &sp);
	sp = sp_of(2, 3, 2, "raft.propose", 1, 9);
	sp.status = TRACE_STATUS_ERROR;
	sp.status_msg = "no leader";
	trace_store_add(st, &sp);
	sp = sp_of(3, 4, 0, "req", 0, 10);
	sp.flags = TRACE_FLAG_SAMPLED;
	trace_store_add(st, &sp);

	assert_int_equal(trace_store_decide(st, &clean, smp), 0);
	assert_null(trace_store_find(st, &clean));
	assert_int_equal(trace_store_decide(st, &bad, smp), TRACE_KEEP_ERROR);
	rec = trace_store_find(st, &bad);
	assert_true(rec && rec->decided && rec->keep == TRACE_KEEP_ERROR);
	assert_int_equal(trace_store_decide(st, &head, smp), TRACE_KEEP_SAMPLED);
	assert_int_equal(trace_store_decide(st, &clean, smp), -ENOENT);
	trace_store_stats(st, &s);
	assert_true(s.traces == 2 && s.traces_discarded == 1 && s.spans == 3);
	trace_store_destroy(st);
	trace_sampler_destroy(smp);
}

static void test_tree(void **state)
{
	/*
	 * root(1) at 0
	 *   b(3) at 20          (arrives before a)
	 *     b1(5) at 25
	 *   a(2) at 10
	 *     a1(4) at 15
	 * orphan(6), parent 99 unknown, at 5
	 * cycle: 7 -> 8 -> 7, at 30 and 31
	 * self-parented 9, at 40
	 * duplicate id 3 as a second span at 50, parent 1
	 */
	struct trace_span s[] = {
		sp_of(1, 1, 0, "root", 0, 100),
		sp_of(1, 3, 1, "b", 20, 30),
		sp_of(1, 5, 3, "b1", 25, 26),
		sp_of(1, 2, 1, "a", 10, 40),
		sp_of(1, 4, 2, "a1", 15, 16),
		sp_of(1, 6, 99, "orphan", 5, 6),
		sp_of(1, 7, 8, "cyc7", 30, 31),
		sp_of(1, 8, 7, "cyc8", 31, 32),
		sp_of(1, 9, 9, "self", 40, 41),
		sp_of(1, 3, 1, "dup3", 50, 51),
	};
	static const struct {
		const char *name;
		uint32_t depth;
		bool orphan;
	} want[] = {
		{ "root", 0, false }, { "a", 1, false }, { "a1", 2, false }, { "b", 1, false },
		{ "b1", 2, false }, { "dup3", 1, false }, { "orphan", 0, true },
		{ "self", 0, true }, { "cyc7", 0, true }, { "cyc8", 1, false },
	};
	struct trace_tree_node out[10];
	size_t i, n = sizeof(s) / sizeof(s[0]);

	(void)state;
	assert_int_equal(trace_tree_build(s, n, out), 0);
	for (i = 0; i < n; i++) {
		if (strcmp(out[i].span->name, want[i].name) || out[i].depth != want[i].depth ||
		    out[i].orphan != want[i].orphan)
			fail_msg("node %zu: %s depth %u orphan %d, expected %s %u %d", i,
				 out[i].span->name, out[i].depth, out[i].orphan, want[i].name,
				 want[i].depth, want[i].orphan);
	}
	assert_int_equal(trace_tree_build(s, 0, out), 0);
	/* one span */
	assert_int_equal(trace_tree_build(s + 4, 1, out), 0);
	assert_true(out[0].depth == 0 && out[0].orphan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_and_find),
		cmocka_unit_test(test_eviction_order),
		cmocka_unit_test(test_default_capacity),
		cmocka_unit_test(test_span_cap),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_tree),
	};

	return cmocka_run_group_tests_name("trace_store", tests, NULL, NULL);
}
