// SPDX-License-Identifier: GPL-2.0
/*
 * The load balancer built at its tested upper size, 64 services x 256
 * backends, so every check verifies that size too (the verifier's budget
 * and the map sizes are what a larger build would break first).
 */
#define LB_MAX_SERVICES	64
#define LB_MAX_BACKENDS	256
#define LB_MAGLEV_SIZE	65521	/* the largest prime below 2^16 */
#include "lb.bpf.c"
