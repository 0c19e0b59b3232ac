// SPDX-License-Identifier: GPL-2.0
/*
 * tests/sim's linearizability checker on hand-written histories that are
 * and are not linearizable, unknown outcomes included, and on random
 * histories built from a known linearization (which must all pass).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../sim/lin.h"

#define U	(-1)	/* ret of an operation whose outcome is unknown */

static struct lin_op wr(uint8_t kind, uint32_t key, uint64_t tok, int64_t call, int64_t ret)
{
	return (struct lin_op){ .kind = kind, .key = key, .arg = tok, .call = call, .ret = ret };
}

static struct lin_op rd(uint32_t key, int64_t call, int64_t ret, const uint64_t *val, size_t n)
{
	return (struct lin_op){ .kind = LIN_GET, .key = key, .val = val, .n_val = (uint32_t)n,
				.call = call, .ret = ret };
}

#define PUT(k, t, c, r)	wr(LIN_PUT, k, t, c, r)
#define APP(k, t, c, r)	wr(LIN_APPEND, k, t, c, r)
/* GET(key, call, ret, tokens read...); the leading 0 lets the list be empty */
#define GET(k, c, r, ...)							\
	rd(k, c, r, (const uint64_t[]){ 0, ##__VA_ARGS__ } + 1,		\
	   sizeof((const uint64_t[]){ 0, ##__VA_ARGS__ }) / sizeof(uint64_t) - 1)

#define N(a) (sizeof(a) / sizeof((a)[0]))

static enum lin_verdict check(const struct lin_op *ops, size_t n, struct lin_result *res)
{
	return lin_check(ops, n, 1000000, res);
}

static void test_empty_and_sequential(void **state)
{
	const struct lin_op h[] = {
		GET(0, 0, 1),
		PUT(0, 1, 2, 3),
		GET(0, 4, 5, 1),
		APP(0, 2, 6, 7),
		APP(0, 3, 8, 9),
		GET(0, 10, 11, 1, 2, 3),
		PUT(0, 4, 12, 13),
		GET(0, 14, 15, 4),
	};
	struct lin_result res;

	(void)state;
	assert_int_equal(check(NULL, 0, &res), LIN_OK);
	assert_int_equal(check(h, N(h), &res), LIN_OK);
	assert_int_equal(res.n_keys, 1);
}

/* a read that starts after a write finished must see it */
static void test_stale_read(void **state)
{
	const struct lin_op h[] = {
		PUT(0, 1, 0, 10),
		GET(0, 20, 30),
	};
	struct lin_result res;

	(void)state;
	assert_int_equal(check(h, N(h), &res), LIN_ILLEGAL);
	assert_int_equal(res.key, 0);
}

/* overlapping with the write, a read may see it or not */
static void test_concurrent_read(void **state)
{
	const struct lin_op seen[] = { PUT(0, 1, 0, 10), GET(0, 5, 15, 1) };
	const struct lin_op unseen[] = { PUT(0, 1, 0, 10), GET(0, 5, 15) };
	/* but two reads in a row cannot go back */
	const struct lin_op back[] = { PUT(0, 1, 0, 100), GET(0, 5, 15, 1), GET(0, 20, 30) };
	struct lin_result res;

	(void)state;
	assert_int_equal(check(seen, N(seen), &res), LIN_OK);
	assert_int_equal(check(unseen, N(unseen), &res), LIN_OK);
	assert_int_equal(check(back, N(back), &res), LIN_ILLEGAL);
}

/* concurrent appends land in either order, but the order is one for everyone */
static void test_append_order(void **state)
{
	const struct lin_op either[] = {
		APP(0, 1, 0, 10), APP(0, 2, 0, 10), GET(0, 20, 30, 2, 1),
	};
	const struct lin_op disagree[] = {
		APP(0, 1, 0, 10), APP(0, 2, 0, 10), GET(0, 20, 30, 2, 1), GET(0, 20, 30, 1, 2),
	};
	/* 2 was called after 1 returned: it cannot come first */
	const struct lin_op realtime[] = {
		APP(0, 1, 0, 10), APP(0, 2, 11, 20), GET(0, 30, 40, 2, 1),
	};
	struct lin_result res;

	(void)state;
	assert_int_equal(check(either, N(either), &res), LIN_OK);
	assert_int_equal(check(disagree, N(disagree), &res), LIN_ILLEGAL);
	assert_int_equal(check(realtime, N(realtime), &res), LIN_ILLEGAL);
}

static void test_lost_and_duplicated_writes(void **state)
{
	const struct lin_op lost[] = {
		APP(0, 1, 0, 10), APP(0, 2, 20, 30), GET(0, 40, 50, 2),
	};
	const struct lin_op twice[] = {
		APP(0, 1, 0, 10), GET(0, 20, 30, 1, 1),
	};
	const struct lin_op phantom[] = {
		APP(0, 1, 0, 10), GET(0, 20, 30, 1, 7),
	};
	struct lin_result res;

	(void)state;
	assert_int_equal(check(lost, N(lost), &res), LIN_ILLEGAL);
	assert_int_equal(check(twice, N(twice), &res), LIN_ILLEGAL);
	assert_int_equal(check(phantom, N(phantom), &res), LIN_ILLEGAL);
}

/* an unknown outcome may take effect late, or never, but not before its call */
static void test_unknown_outcomes(void **state)
{
	const struct lin_op late[] = {
		APP(0, 1, 0, 10),
		APP(0, 2, 5, U),
		GET(0, 20, 30, 1),
		GET(0, 100, 110, 1, 2),		/* it happened after all, after the first read */
	};
	const struct lin_op never[] = {
		PUT(0, 1, 0, 10), PUT(0, 2, 20, U), GET(0, 100, 110, 1),
	};
	const struct lin_op early[] = {
		GET(0, 0, 10, 5), PUT(0, 5, 20, U),
	};
	const struct lin_op flicker[] = {
		PUT(0, 1, 0, 10), PUT(0, 2, 20, U), GET(0, 30, 40, 2), GET(0, 50, 60, 1),
	};
	/* an unknown read says nothing, whatever it carries */
	const struct lin_op ignored[] = {
		PUT(0, 1, 0, 10), GET(0, 20, U, 9, 9, 9),
	};
	struct lin_result res;

	(void)state;
	assert_int_equal(check(late, N(late), &res), LIN_OK);
	assert_int_equal(check(never, N(never), &res), LIN_OK);
	assert_int_equal(res.n_unseen, 1);
	assert_int_equal(check(early, N(early), &res), LIN_ILLEGAL);
	assert_int_equal(check(flicker, N(flicker), &res), LIN_ILLEGAL);
	assert_int_equal(check(ignored, N(ignored), &res), LIN_OK);
}

/* keys are checked apart; the report names the bad one */
static void test_keys_apart(void **state)
{
	const struct lin_op h[] = {
		PUT(1, 1, 0, 10), PUT(2, 2, 0, 10), PUT(3, 3, 0, 10),
		GET(1, 20, 30, 1), GET(2, 20, 30, 1), GET(3, 20, 30, 3),
	};
	struct lin_result res;

	(void)state;
	assert_int_equal(check(h, N(h), &res), LIN_ILLEGAL);
	assert_int_equal(res.key, 2);
	assert_int_equal(res.n_keys, 3);
}

/* a return and a call at the same instant overlap */
static void test_touching_intervals(void **state)
{
	const struct lin_op h[] = { PUT(0, 1, 0, 10), GET(0, 10, 20) };
	struct lin_result res;

	(void)state;
	assert_int_equal(check(h, N(h), &res), LIN_OK);
}

static void test_budget(void **state)
{
	const struct lin_op h[] = {
		APP(0, 1, 0, 100), APP(0, 2, 0, 100), APP(0, 3, 0, 100), GET(0, 200, 300, 3, 2, 1),
	};
	struct lin_result res;

	(void)state;
	assert_int_equal(lin_check(h, N(h), 2, &res), LIN_GAVE_UP);
	assert_int_equal(lin_check(h, N(h), 1000, &res), LIN_OK);
}

/*
 * Random histories from a known linearization: each operation takes effect
 * at a point inside its interval, reads return the value there. Some writes
 * lose their answer (unknown), some unknown ones never happen. All must pass;
 * then a read that also returns the token of a write called after the read
 * returned must fail: only the search can tell.
 */
struct gen_op {
	struct lin_op op;
	int64_t at;		/* when it took effect; -1: never */
	uint64_t *val;
};

static int by_at(const void *a, const void *b)
{
	const struct gen_op *x = *(struct gen_op *const *)a, *y = *(struct gen_op *const *)b;

	return x->at < y->at ? -1 : x->at > y->at;
}

static void generate(struct rng *r, struct gen_op *g, size_t n, uint32_t keys)
{
	uint64_t vals[4][256];
	size_t lens[4] = { 0 }, i, k;
	struct gen_op *order[512];
	int64_t clock[8] = { 0 };

	for (i = 0; i < n; i++) {
		uint32_t c = (uint32_t)rng_below(r, 8);
		int64_t call = clock[c] + rng_range(r, 0, 20), ret = call + rng_range(r, 1, 60);
		uint64_t kind = rng_below(r, 3);

		memset(&g[i], 0, sizeof(g[i]));
		g[i].op.kind = kind == 0 ? LIN_GET : kind == 1 ? LIN_PUT : LIN_APPEND;
		g[i].op.key = (uint32_t)rng_below(r, keys);
		g[i].op.arg = i + 1;
		g[i].op.call = call;
		g[i].op.ret = ret;
		g[i].at = rng_range(r, call, ret);
		clock[c] = ret + 1;
		if (g[i].op.kind != LIN_GET && rng_ppm(r, 150000)) {
			g[i].op.ret = U;
			if (rng_ppm(r, 500000))
				g[i].at = -1;		/* never took effect */
			else
				g[i].at += rng_range(r, 0, 200);	/* took effect late */
		}
		order[i] = &g[i];
	}
	qsort(order, n, sizeof(order[0]), by_at);
	for (i = 0; i < n; i++) {
		struct gen_op *o = order[i];

		k = o->op.key;
		if (o->at < 0)
			continue;
		if (o->op.kind == LIN_PUT)
			lens[k] = 0;
		if (o->op.kind != LIN_GET) {
			vals[k][lens[k]++] = o->op.arg;
			continue;
		}
		o->val = malloc((lens[k] + 1) * sizeof(uint64_t));
		memcpy(o->val, vals[k], lens[k] * sizeof(uint64_t));
		o->op.val = o->val;
		o->op.n_val = (uint32_t)lens[k];
	}
}

static void test_random_histories(void **state)
{
	struct gen_op g[200];
	struct lin_op ops[200];
	struct rng r;
	int round;
	size_t i;

	(void)state;
	rng_init(&r, 42);
	for (round = 0; round < 300; round++) {
		struct lin_result res;
		size_t n = 20 + rng_below(&r, 180), bad = n, future = n, j;

		generate(&r, g, n, 1 + (uint32_t)rng_below(&r, 4));
		for (i = 0; i < n; i++)
			ops[i] = g[i].op;
		assert_int_equal(check(ops, n, &res), LIN_OK);
		for (i = 0; i < n && bad == n; i++)
			for (j = 0; j < n && ops[i].kind == LIN_GET && ops[i].ret >= 0; j++)
				if (ops[j].kind != LIN_GET && ops[j].key == ops[i].key &&
				    ops[j].call > ops[i].ret) {
					bad = i;
					future = j;
					break;
				}
		if (bad < n) {
			g[bad].val[g[bad].op.n_val] = ops[future].arg;
			ops[bad].n_val++;
			assert_int_equal(check(ops, n, &res), LIN_ILLEGAL);
			assert_int_equal(res.key, ops[bad].key);
		}
		for (i = 0; i < n; i++)
			free(g[i].val);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_sequential),
		cmocka_unit_test(test_stale_read),
		cmocka_unit_test(test_concurrent_read),
		cmocka_unit_test(test_append_order),
		cmocka_unit_test(test_lost_and_duplicated_writes),
		cmocka_unit_test(test_unknown_outcomes),
		cmocka_unit_test(test_keys_apart),
		cmocka_unit_test(test_touching_intervals),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_random_histories),
	};

	return cmocka_run_group_tests_name("linearizability", tests, NULL, NULL);
}
