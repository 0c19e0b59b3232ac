/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Smooth weighted round-robin (nginx's algorithm).
 *
 * Each pick adds every backend's weight to its current value, takes the
 * backend with the largest current value (the first on a tie) and subtracts
 * the total weight from it. Over any sum(weights) consecutive picks from the
 * initial state each backend is picked exactly weight times, and picks of one
 * backend are spread out rather than bunched: {5, 1, 1} gives a a b a c a a.
 */
#ifndef SOV_LB_SWRR_H
#define SOV_LB_SWRR_H

#include <stdint.h>

#include "weight.h"

#define SOV_SWRR_MAX	256U	/* backends per state */

struct sov_swrr {
	unsigned int n;
	uint32_t weight[SOV_SWRR_MAX];	/* 0: skipped */
	int64_t current[SOV_SWRR_MAX];
};

/* -EINVAL if @n > SOV_SWRR_MAX or a weight is above SOV_LB_WEIGHT_MAX. */
int sov_swrr_init(struct sov_swrr *s, const uint32_t *weights, unsigned int n);

/*
 * Change one weight (0 takes the backend out) and restart its current value
 * at 0, so a backend coming back neither owes nor is owed picks; the others
 * keep their place in the rotation. -EINVAL for a bad index or weight.
 */
int sov_swrr_set_weight(struct sov_swrr *s, unsigned int i, uint32_t weight);

/* Index of the next backend, or -1 if every weight is 0. */
int sov_swrr_next(struct sov_swrr *s);

#endif
