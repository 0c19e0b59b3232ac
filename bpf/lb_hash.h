/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lb_hash.h - the flow hash of the XDP load balancer, as plain C so that
 * userspace (tests, fixture generators, `sovctl lb` explanations) computes
 * exactly the slot the data path picks. A MurmurHash3-style mix over the
 * 32-bit words of the key: cheap in BPF, well spread for Maglev.
 */
#ifndef SOV_BPF_LB_HASH_H
#define SOV_BPF_LB_HASH_H

#include <linux/types.h>

#include "lb.h"

#define LB_HASH_SEED 0x50564f53U	/* "SOVP" */

static inline __u32 lb_rotl32(__u32 v, unsigned int r)
{
	return (v << r) | (v >> (32 - r));
}

static inline __u32 lb_hash_round(__u32 h, __u32 v)
{
	v *= 0xcc9e2d51U;
	v = lb_rotl32(v, 15);
	v *= 0x1b873593U;
	h ^= v;
	h = lb_rotl32(h, 13);
	return h * 5 + 0xe6546b64U;
}

static inline __u32 lb_hash_final(__u32 h, __u32 len)
{
	h ^= len;
	h ^= h >> 16;
	h *= 0x85ebca6bU;
	h ^= h >> 13;
	h *= 0xc2b2ae35U;
	h ^= h >> 16;
	return h;
}

/* Hash of an address (4 words) plus one extra word. */
static inline __u32 lb_hash_words(const __u32 *w, unsigned int n, __u32 extra)
{
	__u32 h = LB_HASH_SEED;
	unsigned int i;

	for (i = 0; i < n; i++)
		h = lb_hash_round(h, w[i]);
	h = lb_hash_round(h, extra);
	return lb_hash_final(h, (n + 1) * 4);
}

/* Maglev's key for a new flow: the whole 5-tuple. */
static inline __u32 lb_hash_flow(const struct lb_flow_key *k)
{
	__u32 w[9];
	unsigned int i;

	for (i = 0; i < 4; i++) {
		w[i] = (__u32)k->src[i];
		w[4 + i] = (__u32)k->dst[i];
	}
	w[8] = (__u32)k->sport_be | (__u32)k->dport_be << 16;
	return lb_hash_words(w, 9, k->proto);
}

/* ip-hash's key: the client address alone. */
static inline __u32 lb_hash_client(const __be32 *addr)
{
	return lb_hash_words((const __u32 *)addr, 4, 0);
}

#endif /* SOV_BPF_LB_HASH_H */
