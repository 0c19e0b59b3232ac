// SPDX-License-Identifier: GPL-2.0
/*
 * Weighted Maglev table population.
 *
 * Every backend has a permutation of the slots, offset + j * skip (mod size)
 * for j = 0, 1, ..., with offset and skip hashed from its key; a prime size
 * makes each permutation visit every slot once. Backends take turns, each
 * claiming the next still-empty slot of its permutation, until the table is
 * full.
 *
 * Weights decide how often a backend gets a turn. Backends go round in key
 * order; in each round a backend adds its weight to a credit and takes a turn
 * when the credit reaches the largest weight present (wmax), which it then
 * subtracts. So a backend of the largest weight takes a turn every round and
 * one of weight w takes w/wmax turns per round, at most one. After R rounds
 * it has claimed floor(R * w / wmax) slots, and since each turn claims exactly
 * one slot, its share of the table is w / sum(w) to within one slot. With
 * equal weights this is the paper's algorithm: shares differ by at most one.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "maglev.h"

/* Seeds: one per use, so the hashes of one key are unrelated. */
#define SEED_KEY	0x736f762d6b657931ULL	/* "sov-key1" */
#define SEED_OFFSET	0x736f762d6f666673ULL	/* "sov-offs" */
#define SEED_SKIP	0x736f762d736b6970ULL	/* "sov-skip" */

/* splitmix64's finalizer: a bijection with full avalanche */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t hash64(uint64_t v, uint64_t seed)
{
	return mix64(mix64(v ^ seed) + seed);
}

uint64_t sov_maglev_key(int family, const uint8_t addr[16], uint16_t port)
{
	unsigned int len = family == AF_INET ? 4 : 16, i;
	uint64_t h = hash64(((uint64_t)(uint32_t)family << 16) | port, SEED_KEY);

	/* byte by byte into words, so the key does not depend on endianness */
	for (i = 0; i < len; i += 4) {
		uint32_t w = (uint32_t)addr[i] << 24 | (uint32_t)addr[i + 1] << 16 |
			     (uint32_t)addr[i + 2] << 8 | addr[i + 3];

		h = hash64(h ^ w, SEED_KEY + i);
	}
	return h;
}

bool sov_maglev_is_prime(uint32_t v)
{
	uint32_t d;

	if (v < 2)
		return false;
	if (v % 2 == 0)
		return v == 2;
	for (d = 3; (uint64_t)d * d <= v; d += 2)
		if (v % d == 0)
			return false;
	return true;
}

uint32_t sov_maglev_pick_size(unsigned int nbackends)
{
	/* the largest prime below each power of two from 2^8 to 2^16 */
	static const uint32_t sizes[] = {
		251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521,
	};
	uint64_t need = (uint64_t)nbackends * SOV_MAGLEV_SLOTS_PER_BACKEND;
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (sizes[i] >= need)
			return sizes[i];
	return SOV_MAGLEV_SIZE_MAX;
}

struct walker {
	uint64_t key;
	uint32_t id;
	uint32_t weight;
	uint32_t credit;
	uint32_t pos;		/* next slot of the permutation to try */
	uint32_t skip;
};

static int cmp_key(const void *a, const void *b)
{
	const struct walker *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

static void fill(struct walker *w, unsigned int nw, uint32_t *table, uint32_t size)
{
	uint32_t wmax = 0, filled = 0;
	unsigned int i;

	for (i = 0; i < nw; i++)
		if (w[i].weight > wmax)
			wmax = w[i].weight;
	for (i = 0; i < size; i++)
		table[i] = SOV_MAGLEV_EMPTY;

	/* terminates: a permutation visits every slot, so a turn always finds one */
	for (;;) {
		for (i = 0; i < nw; i++) {
			struct walker *cur = &w[i];

			cur->credit += cur->weight;
			if (cur->credit < wmax)
				continue;
			cur->credit -= wmax;
			while (table[cur->pos] != SOV_MAGLEV_EMPTY)
				cur->pos = cur->pos >= size - cur->skip ?
					   cur->pos - (size - cur->skip) :
					   cur->pos + cur->skip;
			table[cur->pos] = cur->id;
			if (++filled == size)
				return;
		}
	}
}

int sov_maglev_build(const struct sov_maglev_backend *b, unsigned int n,
		     uint32_t *table, uint32_t size)
{
	unsigned int i, nw = 0;
	struct walker *w;

	if (!table || (n && !b) || n > INT_MAX || !sov_maglev_is_prime(size) ||
	    size < n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (b[i].weight > SOV_LB_WEIGHT_MAX)
			return -EINVAL;
		if (!b[i].weight)
			continue;
		if (b[i].id == SOV_MAGLEV_EMPTY)
			return -EINVAL;
		nw++;
	}
	if (!nw) {
		for (i = 0; i < size; i++)
			table[i] = SOV_MAGLEV_EMPTY;
		return 0;
	}

	w = calloc(nw, sizeof(*w));
	if (!w)
		return -ENOMEM;
	for (i = 0, nw = 0; i < n; i++) {
		if (!b[i].weight)
			continue;
		w[nw].key = b[i].key;
		w[nw].id = b[i].id;
		w[nw].weight = b[i].weight;
		w[nw].pos = hash64(b[i].key, SEED_OFFSET) % size;
		w[nw].skip = hash64(b[i].key, SEED_SKIP) % (size - 1) + 1;
		nw++;
	}
	/* turns go in key order: the table depends on the set, not the array */
	qsort(w, nw, sizeof(*w), cmp_key);
	for (i = 1; i < nw; i++) {
		if (w[i].key == w[i - 1].key) {
			free(w);
			return -EINVAL;
		}
	}

	fill(w, nw, table, size);
	free(w);
	return (int)nw;
}
