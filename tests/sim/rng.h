/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tests/sim: the one source of randomness of a simulated run. Everything a
 * seed does is drawn from here, so a seed replays exactly.
 */
#ifndef SOV_SIM_RNG_H
#define SOV_SIM_RNG_H

#include <stdbool.h>
#include <stdint.h>

struct rng {
	uint64_t s;
};

/* splitmix64's finalizer: also the sim's general-purpose 64-bit mixer */
static inline uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void rng_init(struct rng *r, uint64_t seed)
{
	r->s = mix64(seed ^ 0x5eed5eed5eed5eedULL);
}

static inline uint64_t rng_next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

/* [0, n); the modulo bias is irrelevant at the sizes we draw */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

/* [lo, hi] */
static inline int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	return hi <= lo ? lo : lo + (int64_t)rng_below(r, (uint64_t)(hi - lo) + 1);
}

/* true with probability ppm / 1,000,000 */
static inline bool rng_ppm(struct rng *r, uint32_t ppm)
{
	return ppm && rng_below(r, 1000000) < ppm;
}

#endif
