// SPDX-License-Identifier: GPL-2.0
/*
 * lib/trace's log-linear histogram: the bucket layout covers every uint64
 * value without gaps, every bucket's reported value is within the stated
 * bound of everything the bucket holds, and quantiles read back from the
 * histogram stay within 1/128 of exact nearest-rank quantiles (the data
 * sorted) over adversarial distributions. Also merge, concurrent inserts
 * and the insert cost.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/trace/trace.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double unif(void)	/* [0, 1) */
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double rel_err(uint64_t got, uint64_t exact)
{
	if (exact == 0)
		return got == 0 ? 0 : INFINITY;
	return fabs((double)got - (double)exact) / (double)exact;
}

/*
 * The bound, checked exactly in integers: |got - exact| < exact / 128,
 * i.e. |got - exact| * 128 <= exact - 1 (doubles round at 2^53 and above).
 */
static bool within_bound(uint64_t got, uint64_t exact)
{
	uint64_t diff = got > exact ? got - exact : exact - got;

	if (exact == 0)
		return got == 0;
	return diff <= (exact - 1) / (2 * TRACE_HIST_SUB);
}

static void test_layout(void **state)
{
	unsigned int b, e;
	uint64_t v;

	(void)state;
	assert_int_equal(TRACE_HIST_SUB_BITS, 6);
	assert_int_equal(TRACE_HIST_BUCKETS, 3776);
	/* contiguous: every bucket starts one past the previous one's end */
	assert_true(trace_hist_bucket_lo(0) == 0);
	for (b = 0; b + 1 < TRACE_HIST_BUCKETS; b++) {
		assert_true(trace_hist_bucket_lo(b) <= trace_hist_bucket_hi(b));
		assert_true(trace_hist_bucket_lo(b + 1) == trace_hist_bucket_hi(b) + 1);
		/* both edges map back to the bucket */
		assert_int_equal(trace_hist_bucket(trace_hist_bucket_lo(b)), b);
		assert_int_equal(trace_hist_bucket(trace_hist_bucket_hi(b)), b);
	}
	assert_true(trace_hist_bucket_hi(TRACE_HIST_BUCKETS - 1) == UINT64_MAX);
	assert_int_equal(trace_hist_bucket(UINT64_MAX), TRACE_HIST_BUCKETS - 1);
	/* every value below 2^20, monotonic */
	for (v = 1, b = 0; v < (1u << 20); v++) {
		unsigned int nb = trace_hist_bucket(v);

		assert_true(nb >= b);
		b = nb;
		assert_true(trace_hist_bucket_lo(nb) <= v && v <= trace_hist_bucket_hi(nb));
	}
	/* powers of two and their neighbours, all 64 of them */
	for (e = 1; e < 64; e++) {
		uint64_t p = 1ULL << e, vs[3] = { p - 1, p, p + 1 };
		int i;

		for (i = 0; i < 3; i++) {
			b = trace_hist_bucket(vs[i]);
			assert_true(trace_hist_bucket_lo(b) <= vs[i] && vs[i] <= trace_hist_bucket_hi(b));
		}
	}
	/* exact below 64: width 1 */
	for (b = 0; b < 2 * TRACE_HIST_SUB; b++)
		assert_true(trace_hist_bucket_lo(b) == trace_hist_bucket_hi(b));
}

/* The bound, bucket by bucket, at the worst points (the two edges). */
static void test_bucket_value_bound(void **state)
{
	double worst = 0;
	unsigned int b;

	(void)state;
	for (b = 0; b < TRACE_HIST_BUCKETS; b++) {
		uint64_t lo = trace_hist_bucket_lo(b), hi = trace_hist_bucket_hi(b);
		uint64_t m = trace_hist_bucket_value(b);
		double e;

		assert_true(lo <= m && m <= hi);
		if (!lo)
			continue;
		e = fmax(rel_err(m, lo), rel_err(m, hi));
		assert_true(within_bound(m, lo) && within_bound(m, hi));
		worst = fmax(worst, e);
	}
	printf("# worst bucket error %.6f %% (bound %.6f %%, exclusive)\n",
	       worst * 100, TRACE_HIST_REL_ERROR * 100);
}

/*
 * Insert @n values, then compare quantiles with the exact nearest-rank
 * quantiles of the sorted data.
 */
static double check_quantiles(const char *what, uint64_t *v, size_t n)
{
	static const double qs[] = { 0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95,
				     0.99, 0.995, 0.999, 0.9999, 1 };
	struct trace_hist *h = trace_hist_create();
	struct trace_hist_summary sum;
	double worst = 0;
	size_t i, k;

	assert_non_null(h);
	for (i = 0; i < n; i++)
		trace_hist_insert(h, v[i]);
	assert_true(trace_hist_count(h) == n);
	qsort(v, n, sizeof(*v), cmp_u64);
	for (k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		double r = ceil(qs[k] * (double)n);
		size_t rank = r < 1 ? 1 : r > (double)n ? n : (size_t)r;
		uint64_t exact = v[rank - 1], got = trace_hist_quantile(h, qs[k]);
		double e = rel_err(got, exact);

		if (!within_bound(got, exact))
			printf("# %s q=%g: exact %llu got %llu (%.4f %%)\n", what, qs[k],
			       (unsigned long long)exact, (unsigned long long)got, e * 100);
		assert_true(within_bound(got, exact));
		worst = fmax(worst, e);
	}
	trace_hist_summary(h, &sum);
	assert_true(sum.count == n);
	assert_true(sum.min == v[0] && sum.max == v[n - 1]);
	assert_true(sum.p50 == trace_hist_quantile(h, 0.5));
	assert_true(sum.p999 == trace_hist_quantile(h, 0.999));
	printf("# %-22s n=%-7zu p50 %llu p99 %llu p99.9 %llu, worst error %.4f %%\n", what, n,
	       (unsigned long long)sum.p50, (unsigned long long)sum.p99,
	       (unsigned long long)sum.p999, worst * 100);
	trace_hist_destroy(h);
	return worst;
}

enum { N = 200000 };

static void test_uniform(void **state)
{
	uint64_t *v = malloc(N * sizeof(*v));
	size_t i;

	(void)state;
	rng_state = 1;
	for (i = 0; i < N; i++)
		v[i] = 1 + rnd() % 1000000000ULL;
	check_quantiles("uniform 1ns..1s", v, N);
	for (i = 0; i < N; i++)
		v[i] = rnd() % 200;	/* the exact range and the first octaves */
	check_quantiles("uniform 0..199", v, N);
	free(v);
}

static void test_exponential(void **state)
{
	uint64_t *v = malloc(N * sizeof(*v));
	size_t i;

	(void)state;
	rng_state = 2;
	for (i = 0; i < N; i++)
		v[i] = 1 + (uint64_t)(-log(1 - unif()) * 1e6);	/* mean 1 ms */
	check_quantiles("exponential 1ms", v, N);
	for (i = 0; i < N; i++)	/* log-uniform over 1 ns .. 1 h */
		v[i] = (uint64_t)exp(unif() * log(3.6e12)) + 1;
	check_quantiles("log-uniform 1ns..1h", v, N);
	free(v);
}

/* Two modes 9 decades apart; the rare mode sits right at p99 and p99.9. */
static void test_bimodal(void **state)
{
	static const double fracs[] = { 0.5, 0.99, 0.999, 0.9899, 0.98999 };
	uint64_t *v = malloc(N * sizeof(*v));
	size_t i, f;

	(void)state;
	rng_state = 3;
	for (f = 0; f < sizeof(fracs) / sizeof(fracs[0]); f++) {
		char what[40];

		for (i = 0; i < N; i++)
			v[i] = unif() < fracs[f] ? 900 + rnd() % 200		/* ~1 us */
						 : 3600000000000ULL - rnd() % 1000000;	/* ~1 h */
		snprintf(what, sizeof(what), "bimodal 1us/1h %.5g", fracs[f]);
		check_quantiles(what, v, N);
	}
	/* exactly at the p99 boundary: 99 % low, 1 % high */
	for (i = 0; i < 100000; i++)
		v[i] = i < 99000 ? 1000 : 3600000000000ULL;
	check_quantiles("bimodal exact 99/1", v, 100000);
	for (i = 0; i < 100000; i++)
		v[i] = i < 99900 ? 1 : UINT64_MAX;
	check_quantiles("bimodal 1ns/max 99.9", v, 100000);
	free(v);
}

static void test_all_equal(void **state)
{
	static const uint64_t vals[] = { 0, 1, 63, 64, 65, 12345, 999999937, 1ULL << 42,
					 UINT64_MAX };
	uint64_t *v = malloc(10000 * sizeof(*v));
	size_t i, k;

	(void)state;
	for (k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
		struct trace_hist h;

		for (i = 0; i < 10000; i++)
			v[i] = vals[k];
		assert_true(check_quantiles("all equal", v, 10000) == 0);	/* clamped: exact */
		trace_hist_init(&h);
		trace_hist_insert_n(&h, vals[k], 7);
		assert_true(trace_hist_quantile(&h, 0.5) == vals[k]);
	}
	free(v);
}

static void test_powers_of_two(void **state)
{
	uint64_t v[64 * 3 + 2];
	size_t n = 0;
	unsigned int e;

	(void)state;
	for (e = 1; e < 64; e++) {
		v[n++] = (1ULL << e) - 1;
		v[n++] = 1ULL << e;
		v[n++] = (1ULL << e) + 1;
	}
	v[n++] = 1;
	v[n++] = UINT64_MAX;
	check_quantiles("powers of two +-1", v, n);
}

/* Values on bucket edges (lo and hi of random buckets): the worst case. */
static void test_bucket_edges(void **state)
{
	uint64_t *v = malloc(N * sizeof(*v));
	size_t i;

	(void)state;
	rng_state = 5;
	for (i = 0; i < N; i++) {
		unsigned int b = (unsigned int)(rnd() % TRACE_HIST_BUCKETS);

		v[i] = rnd() & 1 ? trace_hist_bucket_lo(b) : trace_hist_bucket_hi(b);
	}
	check_quantiles("bucket edges", v, N);
	/* lower edges only, in one octave: every sample reported w/2 - 1 above */
	for (i = 0; i < N; i++)
		v[i] = trace_hist_bucket_lo(TRACE_HIST_SUB * 30 + (unsigned int)(rnd() % 64));
	check_quantiles("lower edges 2^29", v, N);
	for (i = 0; i < N; i++)
		v[i] = trace_hist_bucket_hi(TRACE_HIST_SUB * 30 + (unsigned int)(rnd() % 64));
	check_quantiles("upper edges 2^29", v, N);
	free(v);
}

static void test_extremes_and_small(void **state)
{
	uint64_t v[3];
	struct trace_hist h;

	(void)state;
	trace_hist_init(&h);
	assert_true(trace_hist_quantile(&h, 0.5) == 0);	/* empty */
	v[0] = 1;
	check_quantiles("one value 1", v, 1);
	v[0] = UINT64_MAX;
	check_quantiles("one value max", v, 1);
	v[0] = 1;
	v[1] = UINT64_MAX;
	check_quantiles("1 and max", v, 2);
	v[0] = 5;
	v[1] = 1000000;
	v[2] = 1;
	check_quantiles("three", v, 3);
	/* q outside [0, 1] clamps to the extremes */
	trace_hist_insert(&h, 10);
	trace_hist_insert(&h, 1000);
	assert_true(trace_hist_quantile(&h, -1) == 10);
	assert_true(trace_hist_quantile(&h, 2) == 1000);
	assert_true(trace_hist_quantile(&h, NAN) == 10);
}

static void test_merge(void **state)
{
	struct trace_hist *a = trace_hist_create(), *b = trace_hist_create();
	struct trace_hist *all = trace_hist_create(), *raw = trace_hist_create();
	uint64_t counts[TRACE_HIST_BUCKETS] = { 0 };
	static const double qs[] = { 0.5, 0.9, 0.99, 0.999 };
	size_t i;

	(void)state;
	rng_state = 7;
	for (i = 0; i < 50000; i++) {
		uint64_t v = (uint64_t)exp(unif() * log(1e10)) + 1;

		trace_hist_insert(i & 1 ? a : b, v);
		trace_hist_insert(all, v);
		counts[trace_hist_bucket(v)]++;
	}
	trace_hist_merge(a, b);
	trace_hist_add_counts(raw, counts, TRACE_HIST_BUCKETS);
	assert_true(trace_hist_count(a) == 50000 && trace_hist_count(raw) == 50000);
	for (i = 0; i < 4; i++) {
		assert_true(trace_hist_quantile(a, qs[i]) == trace_hist_quantile(all, qs[i]));
		/* raw counts know the buckets only: same answer unless clamped */
		assert_true(rel_err(trace_hist_quantile(raw, qs[i]),
				    trace_hist_quantile(all, qs[i])) < 2 * TRACE_HIST_REL_ERROR);
	}
	trace_hist_merge(a, b);		/* b again: counts double, quantiles hold */
	assert_true(trace_hist_count(a) == 75000);
	trace_hist_destroy(a);
	trace_hist_destroy(b);
	trace_hist_destroy(all);
	trace_hist_destroy(raw);
}

struct ins_arg {
	struct trace_hist *h;
	uint64_t seed;
};

static void *inserter(void *p)
{
	struct ins_arg *a = p;
	uint64_t x = a->seed;
	int i;

	for (i = 0; i < 100000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		trace_hist_insert(a->h, (x >> 20) % 1000000 + 1);
	}
	return NULL;
}

/* Lock-free inserts from four threads: nothing lost. */
static void test_concurrent(void **state)
{
	struct trace_hist *h = trace_hist_create();
	struct ins_arg args[4];
	pthread_t th[4];
	uint64_t sum = 0;
	unsigned int b;
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		args[i].h = h;
		args[i].seed = (uint64_t)i + 1;
		assert_int_equal(pthread_create(&th[i], NULL, inserter, &args[i]), 0);
	}
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (b = 0; b < TRACE_HIST_BUCKETS; b++)
		sum += atomic_load(&h->counts[b]);
	assert_true(sum == 400000);
	assert_true(trace_hist_count(h) == 400000);
	trace_hist_destroy(h);
}

static void test_bench(void **state)
{
	double ns = trace_bench_hist_ns(1000000, 3);

	(void)state;
	printf("# histogram insert: %.1f ns (ASan+UBSan build)\n", ns);
	assert_true(ns > 0 && ns < 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_bucket_value_bound),
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_exponential),
		cmocka_unit_test(test_bimodal),
		cmocka_unit_test(test_all_equal),
		cmocka_unit_test(test_powers_of_two),
		cmocka_unit_test(test_bucket_edges),
		cmocka_unit_test(test_extremes_and_small),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_bench),
	};

	return cmocka_run_group_tests_name("trace_hist", tests, NULL, NULL);
}
