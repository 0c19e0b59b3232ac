/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Percentiles from the data path's log-linear latency histogram (struct
 * lb_latency in bpf/lb.h). A percentile is reported as the midpoint of the
 * bucket it falls in: within 6.25 % of the true value (0.5 us below 8 us).
 */
#ifndef SOV_LB_LATENCY_H
#define SOV_LB_LATENCY_H

#include <stdint.h>

#include "../../bpf/lb.h"

/*
 * The @q quantile (0 < q <= 1) of the samples in @buckets (LB_LAT_BUCKETS
 * counts, summed over CPUs), in nanoseconds; 0 when there are no samples.
 * The overflow bucket reports its lower bound.
 */
uint64_t sov_lb_latency_quantile(const uint64_t *buckets, double q);

#endif
