// SPDX-License-Identifier: GPL-2.0
/*
 * The log-linear latency histogram (layout: hist_layout.h).
 *
 * Why the bound holds: a value v in bucket [lo, lo + w - 1] with w >= 2 has
 * lo >= 64 w (the bucket is one of 64 in [2^e, 2^(e+1)), w = 2^(e-6)). The
 * reported m = lo + w/2 - 1 is off by at most w/2 - 1 below m (worst at
 * v = lo: (w/2 - 1)/lo < 1/128) and at most w/2 above (worst at
 * v = lo + w - 1: (w/2)/(lo + w - 1) < 1/128). Buckets below 64 are exact.
 * The nearest-rank quantile of the data lies in the bucket the cumulative
 * counts select, so the reported quantile is within 1/128 of it; clamping
 * to [min, max] only moves it closer, the exact value being inside.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trace_internal.h"

#define RLX memory_order_relaxed

void trace_hist_init(struct trace_hist *h)
{
	unsigned int b;

	for (b = 0; b < TRACE_HIST_BUCKETS; b++)
		atomic_store_explicit(&h->counts[b], 0, RLX);
	atomic_store_explicit(&h->total, 0, RLX);
	atomic_store_explicit(&h->sum, 0, RLX);
	atomic_store_explicit(&h->min, UINT64_MAX, RLX);
	atomic_store_explicit(&h->max, 0, RLX);
}

struct trace_hist *trace_hist_create(void)
{
	struct trace_hist *h = malloc(sizeof(*h));

	if (h)
		trace_hist_init(h);
	return h;
}

void trace_hist_destroy(struct trace_hist *h)
{
	free(h);
}

static void update_minmax(struct trace_hist *h, uint64_t lo, uint64_t hi)
{
	uint64_t cur = atomic_load_explicit(&h->min, RLX);

	/* rarely taken once the range has settled: a load and a compare */
	while (lo < cur && !atomic_compare_exchange_weak_explicit(&h->min, &cur, lo, RLX, RLX))
		;
	cur = atomic_load_explicit(&h->max, RLX);
	while (hi > cur && !atomic_compare_exchange_weak_explicit(&h->max, &cur, hi, RLX, RLX))
		;
}

void trace_hist_insert(struct trace_hist *h, uint64_t v)
{
	atomic_fetch_add_explicit(&h->counts[trace_hist_bucket(v)], 1, RLX);
	atomic_fetch_add_explicit(&h->total, 1, RLX);
	atomic_fetch_add_explicit(&h->sum, v, RLX);
	update_minmax(h, v, v);
}

void trace_hist_insert_n(struct trace_hist *h, uint64_t v, uint64_t n)
{
	if (!n)
		return;
	atomic_fetch_add_explicit(&h->counts[trace_hist_bucket(v)], n, RLX);
	atomic_fetch_add_explicit(&h->total, n, RLX);
	atomic_fetch_add_explicit(&h->sum, v * n, RLX);
	update_minmax(h, v, v);
}

void trace_hist_merge(struct trace_hist *dst, const struct trace_hist *src)
{
	uint64_t n = 0, c;
	unsigned int b;

	for (b = 0; b < TRACE_HIST_BUCKETS; b++) {
		c = atomic_load_explicit(&src->counts[b], RLX);
		if (c) {
			atomic_fetch_add_explicit(&dst->counts[b], c, RLX);
			n += c;
		}
	}
	if (!n)
		return;
	atomic_fetch_add_explicit(&dst->total, n, RLX);
	atomic_fetch_add_explicit(&dst->sum, atomic_load_explicit(&src->sum, RLX), RLX);
	update_minmax(dst, atomic_load_explicit(&src->min, RLX), atomic_load_explicit(&src->max, RLX));
}

void trace_hist_add_counts(struct trace_hist *dst, const uint64_t *counts, size_t n)
{
	uint64_t total = 0, sum = 0;
	unsigned int b, first = UINT32_MAX, last = 0;

	if (n > TRACE_HIST_BUCKETS)
		n = TRACE_HIST_BUCKETS;
	for (b = 0; b < n; b++) {
		if (!counts[b])
			continue;
		atomic_fetch_add_explicit(&dst->counts[b], counts[b], RLX);
		total += counts[b];
		sum += counts[b] * trace_hist_bucket_value(b);
		if (first == UINT32_MAX)
			first = b;
		last = b;
	}
	if (!total)
		return;
	atomic_fetch_add_explicit(&dst->total, total, RLX);
	atomic_fetch_add_explicit(&dst->sum, sum, RLX);	/* midpoints: an estimate */
	update_minmax(dst, trace_hist_bucket_lo(first), trace_hist_bucket_hi(last));
}

uint64_t trace_hist_count(const struct trace_hist *h)
{
	return atomic_load_explicit(&h->total, RLX);
}

uint64_t trace_hist_bucket_value(unsigned int b)
{
	uint64_t lo = trace_hist_bucket_lo(b), w = trace_hist_bucket_hi(b) - lo + 1;

	return w < 2 ? lo : lo + w / 2 - 1;
}

static uint64_t rank_of(double q, uint64_t total)
{
	double r;

	if (!(q > 0))		/* also NaN */
		return 1;
	if (q >= 1)
		return total;
	r = ceil(q * (double)total);
	if (r < 1)
		return 1;
	if (r > (double)total)
		return total;
	return (uint64_t)r;
}

void trace_hist_quantiles(const struct trace_hist *h, const double *q, uint64_t *out, size_t n)
{
	uint64_t counts[TRACE_HIST_BUCKETS], total = 0, seen, mn, mx;
	unsigned int b;
	size_t i;

	/* one snapshot, so that every quantile sees the same counts */
	for (b = 0; b < TRACE_HIST_BUCKETS; b++) {
		counts[b] = atomic_load_explicit(&h->counts[b], RLX);
		total += counts[b];
	}
	mn = atomic_load_explicit(&h->min, RLX);
	mx = atomic_load_explicit(&h->max, RLX);
	for (i = 0; i < n; i++) {
		uint64_t rank, v;

		if (!total) {
			out[i] = 0;
			continue;
		}
		rank = rank_of(q[i], total);
		for (b = 0, seen = 0; b < TRACE_HIST_BUCKETS; b++) {
			seen += counts[b];
			if (seen >= rank)
				break;
		}
		if (b >= TRACE_HIST_BUCKETS)
			b = TRACE_HIST_BUCKETS - 1;
		v = trace_hist_bucket_value(b);
		if (mn <= mx) {
			if (v < mn)
				v = mn;
			if (v > mx)
				v = mx;
		}
		out[i] = v;
	}
}

uint64_t trace_hist_quantile(const struct trace_hist *h, double q)
{
	uint64_t v;

	trace_hist_quantiles(h, &q, &v, 1);
	return v;
}

void trace_hist_summary(const struct trace_hist *h, struct trace_hist_summary *s)
{
	static const double q[] = { 0.5, 0.9, 0.99, 0.999 };
	uint64_t v[4];

	memset(s, 0, sizeof(*s));
	s->count = trace_hist_count(h);
	if (!s->count)
		return;
	s->min = atomic_load_explicit(&h->min, RLX);
	s->max = atomic_load_explicit(&h->max, RLX);
	s->mean = atomic_load_explicit(&h->sum, RLX) / s->count;
	trace_hist_quantiles(h, q, v, 4);
	s->p50 = v[0];
	s->p90 = v[1];
	s->p99 = v[2];
	s->p999 = v[3];
}
