// SPDX-License-Identifier: GPL-2.0
/*
 * Latency histogram: values below 32 ns have a bucket each; above, each
 * power of two is cut in 32 equal steps, so a percentile is within 1/32
 * of the truth at any scale and the table stays small (1920 buckets).
 */
#include <string.h>

#include "latency.h"

static unsigned int bucket_of(uint64_t v)
{
	unsigned int e;

	if (v < NETIO_LAT_SUB)
		return (unsigned int)v;
	e = 63u - (unsigned int)__builtin_clzll(v);	/* e >= 5 */
	return (e - 4) * NETIO_LAT_SUB + (unsigned int)((v >> (e - 5)) & (NETIO_LAT_SUB - 1));
}

static uint64_t bucket_floor(unsigned int b)
{
	unsigned int e;

	if (b < NETIO_LAT_SUB)
		return b;
	e = b / NETIO_LAT_SUB + 4;
	return (uint64_t)(NETIO_LAT_SUB + b % NETIO_LAT_SUB) << (e - 5);
}

void netio_hist_init(struct netio_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void netio_hist_add(struct netio_hist *h, uint64_t ns)
{
	h->bucket[bucket_of(ns)]++;
	h->count++;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
}

uint64_t netio_hist_quantile(const struct netio_hist *h, double q)
{
	uint64_t rank, seen = 0, v;
	unsigned int b;

	if (!h->count)
		return 0;
	rank = (uint64_t)(q * (double)h->count);
	if (rank >= h->count)
		rank = h->count - 1;
	for (b = 0; b < NETIO_LAT_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen > rank)
			break;
	}
	v = bucket_floor(b < NETIO_LAT_BUCKETS ? b : NETIO_LAT_BUCKETS - 1);
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

void netio_hist_summary(const struct netio_hist *h, struct netio_latency *out)
{
	memset(out, 0, sizeof(*out));
	if (!h->count)
		return;
	out->count = h->count;
	out->min = h->min;
	out->max = h->max;
	out->p50 = netio_hist_quantile(h, 0.50);
	out->p99 = netio_hist_quantile(h, 0.99);
}
