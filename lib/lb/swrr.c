// SPDX-License-Identifier: GPL-2.0
/* Smooth weighted round-robin: see swrr.h. */
#include <errno.h>
#include <string.h>

#include "swrr.h"

int sov_swrr_init(struct sov_swrr *s, const uint32_t *weights, unsigned int n)
{
	unsigned int i;

	if (!s || n > SOV_SWRR_MAX || (n && !weights))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (weights[i] > SOV_LB_WEIGHT_MAX)
			return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->n = n;
	for (i = 0; i < n; i++)
		s->weight[i] = weights[i];
	return 0;
}

int sov_swrr_set_weight(struct sov_swrr *s, unsigned int i, uint32_t weight)
{
	if (!s || i >= s->n || weight > SOV_LB_WEIGHT_MAX)
		return -EINVAL;
	s->weight[i] = weight;
	s->current[i] = 0;
	return 0;
}

int sov_swrr_next(struct sov_swrr *s)
{
	int64_t total = 0;
	int best = -1;
	unsigned int i;

	for (i = 0; i < s->n; i++) {
		/* weight 0 neither competes nor accumulates */
		if (!s->weight[i])
			continue;
		s->current[i] += s->weight[i];
		total += s->weight[i];
		if (best < 0 || s->current[i] > s->current[best])
			best = (int)i;
	}
	if (best >= 0)
		s->current[best] -= total;
	return best;
}
