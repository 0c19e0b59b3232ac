// SPDX-License-Identifier: GPL-2.0
/*
 * The latency histogram shared by the data path and the daemon: every value
 * lands in the bucket whose bounds hold it, and percentiles read back from
 * the buckets stay within the stated 6.25 % of exact percentiles.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/lb/latency.h"

static void test_bucket_bounds(void **state)
{
	uint64_t us;
	uint32_t b, prev = 0;

	(void)state;
	assert_int_equal(LB_LAT_BUCKETS, 177);
	/* every microsecond up to 2^20, then a sparse walk to the overflow */
	for (us = 0; us < (1ULL << 26); us += us < (1ULL << 20) ? 1 : 997) {
		b = lb_lat_bucket(us);
		assert_true(b < LB_LAT_BUCKETS);
		assert_true(b >= prev);		/* monotonic */
		prev = b;
		assert_true(lb_lat_bucket_lo(b) <= us);
		if (b < LB_LAT_BUCKETS - 1)
			assert_true(us < lb_lat_bucket_lo(b + 1));
	}
	assert_int_equal(lb_lat_bucket(1ULL << 40), LB_LAT_BUCKETS - 1);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Samples drawn log-uniformly from 1 us to 2 s, like connect times spread over decades. */
static void test_percentiles_against_exact(void **state)
{
	enum { N = 100000 };
	static const double qs[] = { 0.5, 0.9, 0.99, 0.999 };
	uint64_t *samples = malloc(N * sizeof(*samples));
	uint64_t buckets[LB_LAT_BUCKETS] = { 0 };
	unsigned int i, k;

	(void)state;
	assert_non_null(samples);
	srand(42);
	for (i = 0; i < N; i++) {
		double u = (double)rand() / RAND_MAX;

		samples[i] = (uint64_t)exp(u * log(2e6)) + 1;	/* us */
		buckets[lb_lat_bucket(samples[i])]++;
	}
	qsort(samples, N, sizeof(*samples), cmp_u64);
	for (k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		uint64_t exact_ns = samples[(size_t)ceil(qs[k] * N) - 1] * 1000;
		uint64_t got = sov_lb_latency_quantile(buckets, qs[k]);
		double err = fabs((double)got - (double)exact_ns) / (double)exact_ns;

		printf("# latency p%g: exact %llu ns, histogram %llu ns, error %.2f %%\n",
		       qs[k] * 100, (unsigned long long)exact_ns, (unsigned long long)got,
		       err * 100);
		assert_true(err <= 0.0625);
	}
	free(samples);
}

static void test_empty_and_small(void **state)
{
	uint64_t buckets[LB_LAT_BUCKETS] = { 0 };

	(void)state;
	assert_int_equal(sov_lb_latency_quantile(buckets, 0.5), 0);
	buckets[lb_lat_bucket(3)] = 1;		/* 3 us: a linear bucket */
	assert_int_equal(sov_lb_latency_quantile(buckets, 0.5), 3500);
	assert_int_equal(sov_lb_latency_quantile(buckets, 1.0), 3500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_bounds),
		cmocka_unit_test(test_percentiles_against_exact),
		cmocka_unit_test(test_empty_and_small),
	};

	return cmocka_run_group_tests_name("lb_latency", tests, NULL, NULL);
}
