/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Maglev consistent hashing (Eisenbud et al., NSDI'16), weighted.
 *
 * Fills a lookup table of prime size with backend ids so that every backend
 * owns a share of the slots proportional to its weight, and adding or
 * removing one backend moves few slots. Identity is a backend's 64-bit key,
 * never its position in the array: the same set in any order yields the same
 * table. Pure computation; the daemon writes the result into the BPF map.
 */
#ifndef SOV_LB_MAGLEV_H
#define SOV_LB_MAGLEV_H

#include <stdbool.h>
#include <stdint.h>

#include "weight.h"

#define SOV_MAGLEV_EMPTY	0xffffffffU	/* slot without a backend (= LB_NO_BACKEND) */
#define SOV_MAGLEV_SIZE_MIN	251U		/* smallest size sov_maglev_pick_size() returns */
#define SOV_MAGLEV_SIZE_MAX	65521U		/* largest prime below 2^16 */
#define SOV_MAGLEV_SLOTS_PER_BACKEND 1000U	/* pick_size aims for size >= 1000 * n */

struct sov_maglev_backend {
	uint64_t key;		/* stable identity, e.g. sov_maglev_key(); unique */
	uint32_t id;		/* written into the table; not SOV_MAGLEV_EMPTY */
	uint32_t weight;	/* 0: not in the table; else 1..SOV_LB_WEIGHT_MAX */
};

/*
 * Key of a backend from its address: @family AF_INET uses addr[0..3] (the
 * rest is ignored), anything else all 16 bytes; @port in host order (0 if
 * the service has no per-backend port).
 */
uint64_t sov_maglev_key(int family, const uint8_t addr[16], uint16_t port);

bool sov_maglev_is_prime(uint32_t v);

/*
 * Smallest size of the fixed list 251, 509, 1021, 2039, 4093, 8191, 16381,
 * 32749, 65521 that gives at least 1000 slots per backend; SOV_MAGLEV_SIZE_MAX
 * when none does (more than 65 backends). 1000, not the paper's 100: removing
 * one of N backends then moves at most 1/N + 1 % of the slots (measured from
 * 8 to 256 backends; at 100 per backend it is up to 1/N + 3 %).
 */
uint32_t sov_maglev_pick_size(unsigned int nbackends);

/*
 * Fill @table (@size slots) from @n backends. @size must be prime and >= @n.
 * Backends of weight 0 are skipped, exactly as if they were not in @b.
 *
 * Returns the number of backends placed (those of non-zero weight); 0 means
 * no backend has weight and every slot is SOV_MAGLEV_EMPTY. -EINVAL: bad
 * size, weight above SOV_LB_WEIGHT_MAX, an id equal to SOV_MAGLEV_EMPTY, or
 * two placed backends with the same key; -ENOMEM. On error @table is
 * untouched.
 */
int sov_maglev_build(const struct sov_maglev_backend *b, unsigned int n,
		     uint32_t *table, uint32_t size);

#endif
