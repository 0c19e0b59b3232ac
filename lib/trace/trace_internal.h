/* SPDX-License-Identifier: GPL-2.0 */
/* lib/trace: helpers shared by its files, not part of the API. */
#ifndef SOV_TRACE_INTERNAL_H
#define SOV_TRACE_INTERNAL_H

#include <stdint.h>

#include "trace.h"

/* The next value of this thread's xoshiro256** generator (may be zero). */
uint64_t trace_rand64(void);

/* 64-bit finalizer (splitmix64's): spreads ids over a hash table. */
static inline uint64_t trace_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static inline uint64_t trace_id_hash(const struct trace_id *id)
{
	return trace_mix64(id->hi ^ trace_mix64(id->lo));
}

/* FNV-1a over a NUL-ended string. */
static inline uint64_t trace_str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

#endif
