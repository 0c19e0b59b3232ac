// SPDX-License-Identifier: GPL-2.0
/*
 * lib/lb Maglev: sizes, validation, spread (equal and weighted), disruption
 * when a backend leaves, independence from array order, build time.
 * The measured numbers are printed as TAP comments ("# maglev ...").
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <cmocka.h>

#include "../../lib/lb/maglev.h"

#define MAX_BACKENDS	256

#ifdef __SANITIZE_ADDRESS__
#define SANITIZED	1
#else
#define SANITIZED	0
#endif

static struct sov_maglev_backend be[MAX_BACKENDS];
static uint32_t table[SOV_MAGLEV_SIZE_MAX], table2[SOV_MAGLEV_SIZE_MAX];
static unsigned int counts[MAX_BACKENDS];

/* deterministic pseudo-random numbers (xorshift32) */
static uint32_t rnd_state = 0x2545f491;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* Backend i is 10.0.i/256.i%256:8080 with id i. */
static void make_backends(unsigned int n, uint32_t weight)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint8_t addr[16] = { 10, 0, (uint8_t)(i >> 8), (uint8_t)i };

		be[i].key = sov_maglev_key(AF_INET, addr, 8080);
		be[i].id = i;
		be[i].weight = weight;
	}
}

static void count_slots(const uint32_t *t, uint32_t size, unsigned int n)
{
	uint32_t i;

	memset(counts, 0, sizeof(counts));
	for (i = 0; i < size; i++) {
		assert_true(t[i] < n);
		counts[t[i]]++;
	}
}

static double fabs_(double v)
{
	return v < 0 ? -v : v;
}

static void test_primes_and_sizes(void **state)
{
	static const uint32_t sizes[] = {
		251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521,
	};
	unsigned int i;

	(void)state;
	assert_false(sov_maglev_is_prime(0));
	assert_false(sov_maglev_is_prime(1));
	assert_true(sov_maglev_is_prime(2));
	assert_true(sov_maglev_is_prime(3));
	assert_false(sov_maglev_is_prime(4));
	assert_false(sov_maglev_is_prime(25));
	assert_false(sov_maglev_is_prime(4095));
	assert_false(sov_maglev_is_prime(65535));
	assert_false(sov_maglev_is_prime(65521UL * 65519UL));
	assert_true(sov_maglev_is_prime(4294967291U));	/* largest below 2^32 */
	assert_false(sov_maglev_is_prime(4294967295U));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		assert_true(sov_maglev_is_prime(sizes[i]));

	assert_int_equal(sov_maglev_pick_size(0), 251);
	assert_int_equal(sov_maglev_pick_size(1), 1021);
	assert_int_equal(sov_maglev_pick_size(2), 2039);
	assert_int_equal(sov_maglev_pick_size(3), 4093);
	assert_int_equal(sov_maglev_pick_size(8), 8191);
	assert_int_equal(sov_maglev_pick_size(9), 16381);
	assert_int_equal(sov_maglev_pick_size(32), 32749);
	assert_int_equal(sov_maglev_pick_size(33), 65521);
	assert_int_equal(sov_maglev_pick_size(65), 65521);
	assert_int_equal(sov_maglev_pick_size(256), SOV_MAGLEV_SIZE_MAX);
	assert_int_equal(sov_maglev_pick_size(100000), SOV_MAGLEV_SIZE_MAX);
	for (i = 0; i <= 655; i++)
		assert_true(sov_maglev_pick_size(i) >= 100 * i);
}

static void test_key(void **state)
{
	uint8_t a[16] = { 10, 0, 0, 1 }, b[16] = { 10, 0, 0, 1 };

	(void)state;
	/* IPv4 ignores bytes 4..15; the port and family are part of the key */
	b[15] = 0xff;
	assert_true(sov_maglev_key(AF_INET, a, 80) == sov_maglev_key(AF_INET, b, 80));
	assert_true(sov_maglev_key(AF_INET6, a, 80) != sov_maglev_key(AF_INET6, b, 80));
	assert_true(sov_maglev_key(AF_INET, a, 80) != sov_maglev_key(AF_INET, a, 81));
	assert_true(sov_maglev_key(AF_INET, a, 80) != sov_maglev_key(AF_INET6, a, 80));
	a[3] = 2;
	assert_true(sov_maglev_key(AF_INET, a, 80) != sov_maglev_key(AF_INET, b, 80));
}

static void expect_einval_untouched(unsigned int n, uint32_t size)
{
	uint32_t i;

	for (i = 0; i < 251; i++)
		table[i] = 0x5a5a5a5a;
	assert_int_equal(sov_maglev_build(be, n, table, size), -EINVAL);
	for (i = 0; i < 251; i++)
		assert_int_equal(table[i], 0x5a5a5a5a);
}

static void test_validation(void **state)
{
	(void)state;
	make_backends(4, 1);
	expect_einval_untouched(4, 250);	/* not prime */
	expect_einval_untouched(4, 1);
	expect_einval_untouched(4, 0);
	expect_einval_untouched(4, 3);		/* prime, but fewer slots than backends */
	assert_int_equal(sov_maglev_build(be, 3, table, 3), 3);

	be[2].weight = SOV_LB_WEIGHT_MAX + 1;
	expect_einval_untouched(4, 251);
	be[2].weight = SOV_LB_WEIGHT_MAX;
	assert_int_equal(sov_maglev_build(be, 4, table, 251), 4);

	be[1].id = SOV_MAGLEV_EMPTY;
	expect_einval_untouched(4, 251);
	be[1].weight = 0;			/* absent: its id does not matter */
	assert_int_equal(sov_maglev_build(be, 4, table, 251), 3);

	make_backends(4, 1);
	be[3].key = be[0].key;			/* one backend listed twice */
	expect_einval_untouched(4, 251);
	be[3].weight = 0;
	assert_int_equal(sov_maglev_build(be, 4, table, 251), 3);

	assert_int_equal(sov_maglev_build(NULL, 4, table, 251), -EINVAL);
	assert_int_equal(sov_maglev_build(be, 4, NULL, 251), -EINVAL);
}

static void test_all_weights_zero(void **state)
{
	uint32_t i;

	(void)state;
	make_backends(8, 0);
	memset(table, 0, sizeof(table));
	assert_int_equal(sov_maglev_build(be, 8, table, 1021), 0);
	for (i = 0; i < 1021; i++)
		assert_int_equal(table[i], SOV_MAGLEV_EMPTY);
	memset(table, 0, sizeof(table));
	assert_int_equal(sov_maglev_build(NULL, 0, table, 251), 0);
	for (i = 0; i < 251; i++)
		assert_int_equal(table[i], SOV_MAGLEV_EMPTY);
}

static void test_one_backend(void **state)
{
	uint32_t i;

	(void)state;
	make_backends(1, 7);
	be[0].id = 42;
	assert_int_equal(sov_maglev_build(be, 1, table, 65521), 1);
	for (i = 0; i < 65521; i++)
		assert_int_equal(table[i], 42);
	/* also alone among absent ones */
	make_backends(5, 0);
	be[3].weight = 1;
	assert_int_equal(sov_maglev_build(be, 5, table, 251), 1);
	for (i = 0; i < 251; i++)
		assert_int_equal(table[i], 3);
}

/*
 * Equal weights, 32 backends, 4093 slots: an exact share is 127.9 slots.
 * Maglev guarantees that counts differ by at most one (every backend gets a
 * turn each round until the table is full), so each count is 127 or 128,
 * which is also within 1 % of 127.9 (the bound is 1.28 slots). Both are
 * asserted.
 */
static void test_spread_equal(void **state)
{
	const unsigned int n = 32;
	const uint32_t size = 4093;
	double share = (double)size / n, worst = 0;
	unsigned int i, lo = ~0U, hi = 0;

	(void)state;
	make_backends(n, 1);
	assert_int_equal(sov_maglev_build(be, n, table, size), (int)n);
	count_slots(table, size, n);
	for (i = 0; i < n; i++) {
		double dev = fabs_(counts[i] - share) / share;

		lo = counts[i] < lo ? counts[i] : lo;
		hi = counts[i] > hi ? counts[i] : hi;
		worst = dev > worst ? dev : worst;
		assert_true(dev <= 0.01);
	}
	assert_true(hi - lo <= 1);
	printf("# maglev spread: %u backends, equal weights, %u slots: %u-%u slots each, worst %.2f %% off the exact share\n",
	       n, size, lo, hi, worst * 100);
}

/*
 * Weights 1-4 mixed: each backend's share of the table within 1 % (relative)
 * of weight / sum of weights. The credit scheme (maglev.c) places every
 * backend within about one slot of its exact share, so the relative error is
 * ~1 / (size * w / sum): at 65521 slots the smallest share is ~800 slots
 * and the bound is met with a wide margin. Also measured at 4093, printed,
 * not asserted.
 */
static void spread_weighted(uint32_t size, bool strict)
{
	const unsigned int n = 32;
	unsigned int i, wsum = 0;
	double worst = 0;

	make_backends(n, 1);
	rnd_state = 0x2545f491;
	for (i = 0; i < n; i++) {
		be[i].weight = rnd() % 4 + 1;
		wsum += be[i].weight;
	}
	assert_int_equal(sov_maglev_build(be, n, table, size), (int)n);
	count_slots(table, size, n);
	for (i = 0; i < n; i++) {
		double share = (double)size * be[i].weight / wsum;
		double dev = fabs_(counts[i] - share) / share;

		worst = dev > worst ? dev : worst;
		if (strict)
			assert_true(dev <= 0.01);
	}
	printf("# maglev spread: %u backends, weights 1-4 (sum %u), %u slots: worst %.3f %% off w/sum(w)\n",
	       n, wsum, size, worst * 100);
}

static void test_spread_weighted(void **state)
{
	(void)state;
	spread_weighted(65521, true);
	spread_weighted(4093, false);
}

/* Only weight ratios matter: scaling every weight gives the same table. */
static void test_weight_scale(void **state)
{
	const unsigned int n = 16;
	unsigned int i;

	(void)state;
	make_backends(n, 1);
	for (i = 0; i < n; i++)
		be[i].weight = i % 4 + 1;
	assert_int_equal(sov_maglev_build(be, n, table, 4093), (int)n);
	for (i = 0; i < n; i++)
		be[i].weight *= 250;
	assert_int_equal(sov_maglev_build(be, n, table2, 4093), (int)n);
	assert_memory_equal(table, table2, 4093 * sizeof(table[0]));
}

/*
 * Remove each backend in turn (weight 0) and compare with the full table.
 * Returns the worst fraction of slots that changed owner and, in
 * @survivors, the worst fraction of the survivors' slots that moved.
 */
static double disruption(unsigned int n, uint32_t size, double *survivors)
{
	double worst = 0, worst_surv = 0;
	unsigned int r;
	uint32_t i;

	make_backends(n, 1);
	assert_int_equal(sov_maglev_build(be, n, table, size), (int)n);
	for (r = 0; r < n; r++) {
		unsigned int changed = 0, moved = 0, owned = 0;

		be[r].weight = 0;
		assert_int_equal(sov_maglev_build(be, n, table2, size), (int)n - 1);
		be[r].weight = 1;
		for (i = 0; i < size; i++) {
			assert_true(table2[i] != r);
			if (table[i] != r)
				owned++;
			if (table[i] == table2[i])
				continue;
			changed++;
			if (table[i] != r)
				moved++;
		}
		if ((double)changed / size > worst)
			worst = (double)changed / size;
		if ((double)moved / owned > worst_surv)
			worst_surv = (double)moved / owned;
	}
	*survivors = worst_surv;
	return worst;
}

/*
 * Removing one of N backends must move the removed backend's slots (1/N)
 * and few others. Maglev is not minimally disruptive: how many other slots
 * move shrinks as slots per backend grow. At the sizes sov_maglev_pick_size()
 * returns (and the data path's defaults) the worst case over every backend is
 * within 1/N + 1 % and survivors keep more than 99 % of their slots. At the
 * paper's 100 per backend it is not (about 1.5-3 % extra, printed): there
 * only a loose regression guard of 5 % is asserted.
 */
static void test_disruption(void **state)
{
	static const struct {
		unsigned int n;
		uint32_t size;
		bool strict;
	} cases[] = {
		{ 8, 8191, true }, { 32, 32749, true }, { 64, 65521, true },
		{ 256, 65521, true },
		{ 8, 1021, false }, { 32, 4093, false }, { 256, 32749, false },
	};
	unsigned int c;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		unsigned int n = cases[c].n;
		double surv, worst = disruption(n, cases[c].size, &surv);

		if (cases[c].strict)	/* the strict cases are what pick_size gives */
			assert_true(cases[c].size == sov_maglev_pick_size(n) ||
				    cases[c].size == SOV_MAGLEV_SIZE_MAX);

		printf("# maglev disruption: remove 1 of %u, %u slots: worst %.2f %% of slots changed (1/N = %.2f %%), survivors lost at most %.2f %% of theirs\n",
		       n, cases[c].size, worst * 100, 100.0 / n, surv * 100);
		if (cases[c].strict) {
			assert_true(worst <= 1.0 / n + 0.01);
			assert_true(surv <= 0.01);
		} else {
			assert_true(worst <= 1.0 / n + 0.05);
			assert_true(surv <= 0.05);
		}
	}
}

/* Weight 0 means absent: same table as leaving the backend out. */
static void test_zero_weight_is_absent(void **state)
{
	(void)state;
	make_backends(32, 1);
	be[5].weight = 0;
	assert_int_equal(sov_maglev_build(be, 32, table, 4093), 31);
	make_backends(32, 1);
	be[5] = be[31];		/* the same 31 backends, 5 left out */
	assert_int_equal(sov_maglev_build(be, 31, table2, 4093), 31);
	assert_memory_equal(table, table2, 4093 * sizeof(table[0]));
}

/* The same set in any order builds the same table: identity is the key. */
static void test_order_independent(void **state)
{
	const unsigned int n = 64;
	unsigned int round, i, placed = 0;

	(void)state;
	make_backends(n, 1);
	for (i = 0; i < n; i++) {
		be[i].weight = i % 5 ? i % 7 + 1 : 0;
		placed += !!be[i].weight;
	}
	assert_int_equal(sov_maglev_build(be, n, table, 8191), (int)placed);
	for (round = 0; round < 10; round++) {
		for (i = n - 1; i > 0; i--) {
			unsigned int j = rnd() % (i + 1);
			struct sov_maglev_backend t = be[i];

			be[i] = be[j];
			be[j] = t;
		}
		assert_int_equal(sov_maglev_build(be, n, table2, 8191), (int)placed);
		assert_memory_equal(table, table2, 8191 * sizeof(table[0]));
	}
}

static double build_ms(unsigned int n, uint32_t size)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(sov_maglev_build(be, n, table, size), (int)n);
	clock_gettime(CLOCK_MONOTONIC, &b);
	count_slots(table, size, n);
	return (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
}

/* Not a benchmark: the largest table builds, and how long it took. */
static void test_build_time(void **state)
{
	double equal, skewed;

	(void)state;
	make_backends(256, 1);
	equal = build_ms(256, 65521);
	/* the most rounds: one backend of weight 1000, the rest 1 */
	be[0].weight = SOV_LB_WEIGHT_MAX;
	skewed = build_ms(256, 65521);
	printf("# maglev build: 256 backends x 65521 slots: %.1f ms equal weights, %.1f ms weights 1000/1 (%s)\n",
	       equal, skewed, SANITIZED ? "ASan+UBSan build" : "plain build");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_primes_and_sizes),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_all_weights_zero),
		cmocka_unit_test(test_one_backend),
		cmocka_unit_test(test_spread_equal),
		cmocka_unit_test(test_spread_weighted),
		cmocka_unit_test(test_weight_scale),
		cmocka_unit_test(test_disruption),
		cmocka_unit_test(test_zero_weight_is_absent),
		cmocka_unit_test(test_order_independent),
		cmocka_unit_test(test_build_time),
	};

	return cmocka_run_group_tests_name("lb_maglev", tests, NULL, NULL);
}
