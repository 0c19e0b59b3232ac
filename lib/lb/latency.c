// SPDX-License-Identifier: GPL-2.0
/* Percentiles from the data path's log-linear latency histogram. */
#include "latency.h"

uint64_t sov_lb_latency_quantile(const uint64_t *buckets, double q)
{
	uint64_t total = 0, seen = 0, rank, lo, hi;
	uint32_t b;

	for (b = 0; b < LB_LAT_BUCKETS; b++)
		total += buckets[b];
	if (!total || q <= 0)
		return 0;
	/* the smallest sample with at least q of all samples at or below it */
	rank = (uint64_t)(q * (double)total + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > total)
		rank = total;
	for (b = 0; b < LB_LAT_BUCKETS; b++) {
		seen += buckets[b];
		if (seen >= rank)
			break;
	}
	lo = lb_lat_bucket_lo(b);
	if (b >= LB_LAT_BUCKETS - 1)
		return lo * 1000;
	hi = lb_lat_bucket_lo(b + 1);
	/* midpoint, in ns; buckets are whole microseconds */
	return (lo + hi) * 1000 / 2;
}
