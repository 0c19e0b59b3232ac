// SPDX-License-Identifier: GPL-2.0
/* lib/lb smooth weighted round-robin: nginx's sequence, exact shares, zeros. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/lb/swrr.h"

static struct sov_swrr s;

/* nginx's example: weights a=5, b=1, c=1 pick a a b a c a a, then again */
static void test_classic_sequence(void **state)
{
	static const uint32_t w[] = { 5, 1, 1 };
	static const char want[] = "aabacaaaabacaa";
	unsigned int i;

	(void)state;
	assert_int_equal(sov_swrr_init(&s, w, 3), 0);
	for (i = 0; want[i]; i++)
		assert_int_equal(sov_swrr_next(&s), want[i] - 'a');
}

static void test_equal_weights_rotate(void **state)
{
	static const uint32_t w[] = { 4, 4, 4 };
	unsigned int i;

	(void)state;
	assert_int_equal(sov_swrr_init(&s, w, 3), 0);
	for (i = 0; i < 30; i++)
		assert_int_equal(sov_swrr_next(&s), (int)(i % 3));
}

/*
 * Every sum(weights) consecutive picks from the start give each backend
 * exactly its weight, and the state is back where it began.
 */
static void test_exact_shares(void **state)
{
	static const uint32_t w[] = { 3, 7, 0, 11, 2, 1000, 1, 999 };
	const unsigned int n = sizeof(w) / sizeof(w[0]);
	unsigned int counts[8], i, period, total = 0;

	(void)state;
	for (i = 0; i < n; i++)
		total += w[i];
	assert_int_equal(sov_swrr_init(&s, w, n), 0);
	for (period = 0; period < 5; period++) {
		memset(counts, 0, sizeof(counts));
		for (i = 0; i < total; i++) {
			int k = sov_swrr_next(&s);

			assert_true(k >= 0 && k < (int)n);
			counts[k]++;
		}
		for (i = 0; i < n; i++) {
			assert_int_equal(counts[i], w[i]);
			assert_int_equal(s.current[i], 0);
		}
	}
}

/* Smooth: with weights 1 and 1000 the light backend is not bunched up. */
static void test_smooth(void **state)
{
	static const uint32_t w[] = { 2, 1000, 2 };
	unsigned int i, last[3] = { 0 }, gap[3] = { 0 };

	(void)state;
	assert_int_equal(sov_swrr_init(&s, w, 3), 0);
	for (i = 1; i <= 3 * 1004; i++) {
		int k = sov_swrr_next(&s);

		if (last[k] && k != 1 && i - last[k] < 400)
			gap[k]++;
		last[k] = i;
	}
	/* the two light backends come about every 502 picks, never close */
	assert_int_equal(gap[0], 0);
	assert_int_equal(gap[2], 0);
}

static void test_zero_weight_skipped(void **state)
{
	static const uint32_t w[] = { 0, 2, 0, 1, 0 };
	unsigned int i, counts[5] = { 0 };

	(void)state;
	assert_int_equal(sov_swrr_init(&s, w, 5), 0);
	for (i = 0; i < 300; i++)
		counts[sov_swrr_next(&s)]++;
	assert_int_equal(counts[0], 0);
	assert_int_equal(counts[2], 0);
	assert_int_equal(counts[4], 0);
	assert_int_equal(counts[1], 200);
	assert_int_equal(counts[3], 100);
}

static void test_all_zero(void **state)
{
	static const uint32_t w[] = { 0, 0, 0 };

	(void)state;
	assert_int_equal(sov_swrr_init(&s, w, 3), 0);
	assert_int_equal(sov_swrr_next(&s), -1);
	assert_int_equal(sov_swrr_next(&s), -1);
	assert_int_equal(sov_swrr_init(&s, NULL, 0), 0);
	assert_int_equal(sov_swrr_next(&s), -1);
}

static void test_set_weight(void **state)
{
	static const uint32_t w[] = { 1, 1, 1 };
	unsigned int i, counts[3] = { 0 };

	(void)state;
	assert_int_equal(sov_swrr_init(&s, w, 3), 0);
	assert_int_equal(sov_swrr_next(&s), 0);
	assert_int_equal(sov_swrr_set_weight(&s, 1, 0), 0);	/* drained */
	for (i = 0; i < 10; i++)
		assert_true(sov_swrr_next(&s) != 1);
	assert_int_equal(sov_swrr_set_weight(&s, 1, 2), 0);	/* back, heavier */
	for (i = 0; i < 400; i++)
		counts[sov_swrr_next(&s)]++;
	/* the rejoined current value shifts the phase by at most one pick */
	assert_in_range(counts[0], 99, 101);
	assert_in_range(counts[1], 199, 201);
	assert_in_range(counts[2], 99, 101);

	assert_int_equal(sov_swrr_set_weight(&s, 3, 1), -EINVAL);
	assert_int_equal(sov_swrr_set_weight(&s, 0, SOV_LB_WEIGHT_MAX + 1), -EINVAL);
	for (i = 0; i < 3; i++)
		assert_int_equal(sov_swrr_set_weight(&s, i, 0), 0);
	assert_int_equal(sov_swrr_next(&s), -1);
}

static void test_init_validation(void **state)
{
	static uint32_t w[SOV_SWRR_MAX + 1];
	unsigned int i;

	(void)state;
	for (i = 0; i <= SOV_SWRR_MAX; i++)
		w[i] = 1;
	assert_int_equal(sov_swrr_init(&s, w, SOV_SWRR_MAX + 1), -EINVAL);
	assert_int_equal(sov_swrr_init(&s, w, SOV_SWRR_MAX), 0);
	for (i = 0; i < SOV_SWRR_MAX; i++)
		assert_int_equal(sov_swrr_next(&s), (int)i);
	w[7] = SOV_LB_WEIGHT_MAX + 1;
	assert_int_equal(sov_swrr_init(&s, w, 8), -EINVAL);
	assert_int_equal(sov_swrr_init(&s, NULL, 3), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classic_sequence),
		cmocka_unit_test(test_equal_weights_rotate),
		cmocka_unit_test(test_exact_shares),
		cmocka_unit_test(test_smooth),
		cmocka_unit_test(test_zero_weight_skipped),
		cmocka_unit_test(test_all_zero),
		cmocka_unit_test(test_set_weight),
		cmocka_unit_test(test_init_validation),
	};

	return cmocka_run_group_tests_name("lb_swrr", tests, NULL, NULL);
}
