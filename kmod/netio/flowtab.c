// SPDX-License-Identifier: GPL-2.0
/* netio per-flow TX counters (flowtab.h). */
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/if_ether.h>
#include <linux/if_vlan.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/kernel.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "flowtab.h"

static_assert(sizeof(struct sov_flow_key) == 44);
static_assert(SOV_NETIO_FLOWS % SOV_FLOWTAB_WAYS == 0);

struct sov_flowtab *sov_flowtab_alloc(gfp_t gfp)
{
	struct sov_flowtab *t = kvzalloc(sizeof(*t), gfp);

	if (t)
		get_random_bytes(&t->seed, sizeof(t->seed));
	return t;
}

void sov_flowtab_free(struct sov_flowtab *t)
{
	kvfree(t);
}

/* A big-endian u16 at @p (frames carry no alignment promise). */
static __be16 sov_be16_at(const u8 *p)
{
	__be16 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Ports of a TCP/UDP header at @off; -EINVAL if it is cut. */
static int sov_flowtab_ports(const u8 *d, u32 len, u32 off, struct sov_flow_key *key)
{
	if (key->proto != IPPROTO_TCP && key->proto != IPPROTO_UDP)
		return 0;
	if (len < off || len - off < 4)
		return -EINVAL;
	key->sport = sov_be16_at(d + off);
	key->dport = sov_be16_at(d + off + 2);
	key->has_ports = 1;
	return 0;
}

/*
 * The IP headers write the key only once they passed their checks: a
 * header that is cut or bad leaves it as it was (-EPROTO: the caller
 * falls back to the MACs).
 */
static int sov_flowtab_ipv4(const u8 *d, u32 len, u32 off, struct sov_flow_key *key)
{
	const u8 *ip = d + off;
	u32 ihl;

	if (len - off < sizeof(struct iphdr))
		return -EPROTO;
	ihl = (ip[0] & 0x0f) * 4;
	if ((ip[0] >> 4) != 4 || ihl < sizeof(struct iphdr) || len - off < ihl)
		return -EPROTO;
	memcpy(key->src, ip + offsetof(struct iphdr, saddr), 4);
	memcpy(key->dst, ip + offsetof(struct iphdr, daddr), 4);
	key->addr_len = 4;
	key->proto = ip[offsetof(struct iphdr, protocol)];
	/* every fragment in the datagram's flow: only the first has ports */
	if (sov_be16_at(ip + offsetof(struct iphdr, frag_off)) & htons(IP_MF | IP_OFFSET))
		return 0;
	return sov_flowtab_ports(d, len, off + ihl, key);
}

static int sov_flowtab_ipv6(const u8 *d, u32 len, u32 off, struct sov_flow_key *key)
{
	const u8 *ip = d + off;
	unsigned int i;
	u8 next;

	if (len - off < sizeof(struct ipv6hdr) || (ip[0] >> 4) != 6)
		return -EPROTO;
	memcpy(key->src, ip + offsetof(struct ipv6hdr, saddr), 16);
	memcpy(key->dst, ip + offsetof(struct ipv6hdr, daddr), 16);
	key->addr_len = 16;
	next = ip[offsetof(struct ipv6hdr, nexthdr)];
	off += sizeof(struct ipv6hdr);
	for (i = 0; i < SOV_FLOWTAB_EXTHDR_MAX; i++) {
		key->proto = next;
		switch (next) {
		case NEXTHDR_HOP:
		case NEXTHDR_ROUTING:
		case NEXTHDR_DEST:
			/* next header, then length in 8-byte units beyond the first 8 */
			if (len - off < 8)
				return -EINVAL;
			next = d[off];
			off += (d[off + 1] + 1) * 8;
			if (off > len)
				return -EINVAL;
			break;
		case NEXTHDR_FRAGMENT:
			if (len - off < 8)
				return -EINVAL;
			/* the datagram's protocol, without ports (see flowtab.h) */
			key->proto = d[off];
			return 0;
		default:
			return sov_flowtab_ports(d, len, off, key);
		}
	}
	/* a chain this long is not worth walking: its last header, no ports */
	key->proto = next;
	return 0;
}

int sov_flowtab_parse(const void *data, u32 len, struct sov_flow_key *key)
{
	const u8 *d = data;
	unsigned int tags;
	int err = -EPROTO;
	__be16 type;
	u32 off;

	memset(key, 0, sizeof(*key));
	if (len < ETH_HLEN)
		return -EINVAL;
	type = sov_be16_at(d + 2 * ETH_ALEN);
	off = ETH_HLEN;
	for (tags = 0; tags < SOV_FLOWTAB_VLAN_MAX && eth_type_vlan(type); tags++) {
		if (len - off < VLAN_HLEN)
			break;
		if (!tags)
			key->vlan = be16_to_cpu(sov_be16_at(d + off)) & VLAN_VID_MASK;
		type = sov_be16_at(d + off + 2);
		off += VLAN_HLEN;
	}
	key->ethertype = type;
	if (type == htons(ETH_P_IP))
		err = sov_flowtab_ipv4(d, len, off, key);
	else if (type == htons(ETH_P_IPV6))
		err = sov_flowtab_ipv6(d, len, off, key);
	if (err != -EPROTO)
		return err;
	/* not IP, or its IP header is cut or bad: the MACs */
	key->addr_len = ETH_ALEN;
	memcpy(key->dst, d, ETH_ALEN);
	memcpy(key->src, d + ETH_ALEN, ETH_ALEN);
	if (type == htons(ETH_P_IP) || type == htons(ETH_P_IPV6))
		return -EINVAL;
	/* a tag cut short */
	return eth_type_vlan(type) && len - off < VLAN_HLEN ? -EINVAL : 0;
}

u32 sov_flowtab_hash(const struct sov_flowtab *t, const struct sov_flow_key *key)
{
	return hsiphash(key, sizeof(*key), &t->seed);
}

u32 sov_flowtab_set_base(u32 hash)
{
	return reciprocal_scale(hash, SOV_FLOWTAB_SETS) * SOV_FLOWTAB_WAYS;
}

/* Claim way @w of the set at @base for @key. */
static struct sov_flowtab_entry *sov_flowtab_claim(struct sov_flowtab *t, u32 base, u32 w,
						   const struct sov_flow_key *key, u32 hash)
{
	struct sov_flowtab_entry *e = &t->e[base + w];

	e->key = *key;
	e->hash = hash;
	e->used = 1;
	t->hash[base + w] = hash;
	t->set_used[base / SOV_FLOWTAB_WAYS] |= BIT(w);
	t->used++;
	return e;
}

u32 sov_flowtab_count(struct sov_flowtab *t, const struct sov_flow_key *key, u32 hash,
		      u32 cls, u32 len, bool *collided)
{
	u32 base = sov_flowtab_set_base(hash), w, lru = 0;
	unsigned long used = t->set_used[base / SOV_FLOWTAB_WAYS];
	struct sov_flowtab_entry *e;

	/* the set's hashes share a cache line: only a matching one is compared in full */
	for_each_set_bit(w, &used, SOV_FLOWTAB_WAYS) {
		e = &t->e[base + w];
		if (t->hash[base + w] == hash && !memcmp(&e->key, key, sizeof(*key)))
			goto own;
	}
	if (used != GENMASK(SOV_FLOWTAB_WAYS - 1, 0)) {
		w = ffz(used);
		e = sov_flowtab_claim(t, base, w, key, hash);
		goto own;
	}
	/* the set is full of other flows: its least recently used entry takes the frame */
	for (w = 1; w < SOV_FLOWTAB_WAYS; w++)
		if (t->e[base + w].last < t->e[base + lru].last)
			lru = w;
	w = lru;
	e = &t->e[base + w];
	e->collisions++;
	t->collisions++;
	if (collided)
		*collided = true;
	goto count;
own:
	e->cls = cls;
	e->last = t->tick;
	if (collided)
		*collided = false;
count:
	e->pkts++;
	e->bytes += len;
	t->tick++;
	return base + w;
}

u32 sov_flowtab_count_frame(struct sov_flowtab *t, const void *data, u32 len, u32 cls)
{
	struct sov_flow_key key;

	/* a cut frame still counts, in the flow of the key it has */
	sov_flowtab_parse(data, len, &key);
	return sov_flowtab_count(t, &key, sov_flowtab_hash(t, &key), cls, len, NULL);
}

u32 sov_flowtab_count_frame_hint(struct sov_flowtab *t, const void *data, u32 len, u32 cls,
				 u32 *hint)
{
	struct sov_flowtab_entry *e;
	struct sov_flow_key key;
	bool collided;
	u32 i;

	sov_flowtab_parse(data, len, &key);
	/* a key is in at most one entry and entries are never evicted: no lookup needed */
	if (*hint < SOV_NETIO_FLOWS) {
		e = &t->e[*hint];
		if (e->used && !memcmp(&e->key, &key, sizeof(key))) {
			e->cls = cls;
			e->last = t->tick++;
			e->pkts++;
			e->bytes += len;
			return *hint;
		}
	}
	i = sov_flowtab_count(t, &key, sov_flowtab_hash(t, &key), cls, len, &collided);
	*hint = collided ? SOV_NETIO_FLOWS : i;
	return i;
}

int sov_flowtab_get(const struct sov_flowtab *t, u32 *pos, struct sov_flowtab_entry *out)
{
	u32 i;

	for (i = *pos; i < SOV_NETIO_FLOWS; i++) {
		if (t->e[i].used) {
			*out = t->e[i];
			*pos = i + 1;
			return i;
		}
	}
	*pos = SOV_NETIO_FLOWS;
	return -ENOENT;
}

void sov_flowtab_reset(struct sov_flowtab *t)
{
	memset(t->e, 0, sizeof(t->e));
	memset(t->hash, 0, sizeof(t->hash));
	memset(t->set_used, 0, sizeof(t->set_used));
	t->tick = 0;
	t->collisions = 0;
	t->used = 0;
}
