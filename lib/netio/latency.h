/* SPDX-License-Identifier: GPL-2.0 */
/* A log-linear latency histogram: 32 linear steps per power of two. */
#ifndef SOV_NETIO_LATENCY_H
#define SOV_NETIO_LATENCY_H

#include <stdint.h>

#include "netio.h"

#define NETIO_LAT_SUB		32
#define NETIO_LAT_BUCKETS	((64 - 5 + 1) * NETIO_LAT_SUB)

struct netio_hist {
	uint64_t count, min, max;
	uint64_t bucket[NETIO_LAT_BUCKETS];
};

void netio_hist_init(struct netio_hist *h);
void netio_hist_add(struct netio_hist *h, uint64_t ns);
/* min, p50, p99, max; percentiles are bucket floors kept within [min, max] */
void netio_hist_summary(const struct netio_hist *h, struct netio_latency *out);
/* The value at fraction @q (0..1) of the samples. */
uint64_t netio_hist_quantile(const struct netio_hist *h, double q);

#endif
