// SPDX-License-Identifier: GPL-2.0
/* netio per-flow TX counters (flowtab.h). */
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

static int sov_flowtab_ipv4(const u8 *d, u32 len, u32 off, struct sov_flow_key *key)
{
	struct iphdr iph;
	u32 ihl;

	if (len - off < sizeof(iph))
		return -EINVAL;
	memcpy(&iph, d + off, sizeof(iph));
	ihl = iph.ihl * 4;
	if (iph.version != 4 || ihl < sizeof(iph) || len - off < ihl)
		return -EINVAL;
	memset(key->src, 0, sizeof(key->src));
	memset(key->dst, 0, sizeof(key->dst));
	memcpy(key->src, &iph.saddr, 4);
	memcpy(key->dst, &iph.daddr, 4);
	key->addr_len = 4;
	key->proto = iph.protocol;
	/* every fragment in the datagram's flow: only the first has ports */
	if (iph.frag_off & htons(IP_MF | IP_OFFSET))
		return 0;
	return sov_flowtab_ports(d, len, off + ihl, key);
}

static int sov_flowtab_ipv6(const u8 *d, u32 len, u32 off, struct sov_flow_key *key)
{
	struct ipv6hdr ip6;
	unsigned int i;
	u8 next;

	if (len - off < sizeof(ip6))
		return -EINVAL;
	memcpy(&ip6, d + off, sizeof(ip6));
	if (ip6.version != 6)
		return -EINVAL;
	memcpy(key->src, &ip6.saddr, 16);
	memcpy(key->dst, &ip6.daddr, 16);
	key->addr_len = 16;
	next = ip6.nexthdr;
	off += sizeof(ip6);
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
	struct sov_flow_key l2;
	unsigned int tags;
	__be16 type;
	u32 off;
	int err;

	memset(key, 0, sizeof(*key));
	if (len < ETH_HLEN)
		return -EINVAL;
	key->addr_len = ETH_ALEN;
	memcpy(key->dst, d, ETH_ALEN);
	memcpy(key->src, d + ETH_ALEN, ETH_ALEN);
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
	if (eth_type_vlan(type) && len - off < VLAN_HLEN)
		return -EINVAL;		/* a tag cut short */
	if (type != htons(ETH_P_IP) && type != htons(ETH_P_IPV6))
		return 0;

	l2 = *key;
	err = type == htons(ETH_P_IP) ? sov_flowtab_ipv4(d, len, off, key) :
		sov_flowtab_ipv6(d, len, off, key);
	/* the IP header itself cut or bad: back to the MACs */
	if (err && key->addr_len == ETH_ALEN)
		*key = l2;
	return err;
}

u32 sov_flowtab_hash(const struct sov_flowtab *t, const struct sov_flow_key *key)
{
	return (u32)siphash(key, sizeof(*key), &t->seed);
}

u32 sov_flowtab_set_base(u32 hash)
{
	return reciprocal_scale(hash, SOV_FLOWTAB_SETS) * SOV_FLOWTAB_WAYS;
}

u32 sov_flowtab_count(struct sov_flowtab *t, const struct sov_flow_key *key, u32 hash,
		      u32 cls, u32 len, bool *collided)
{
	u32 base = sov_flowtab_set_base(hash), i, lru = base, empty = SOV_NETIO_FLOWS;
	struct sov_flowtab_entry *e;

	for (i = base; i < base + SOV_FLOWTAB_WAYS; i++) {
		e = &t->e[i];
		if (!e->used) {
			if (empty == SOV_NETIO_FLOWS)
				empty = i;
			continue;
		}
		if (e->hash == hash && !memcmp(&e->key, key, sizeof(*key)))
			goto own;
		if (e->last < t->e[lru].last || !t->e[lru].used)
			lru = i;
	}
	if (empty < SOV_NETIO_FLOWS) {
		i = empty;
		e = &t->e[i];
		e->key = *key;
		e->hash = hash;
		e->used = 1;
		t->used++;
		goto own;
	}
	/* the set is full of other flows: the least recently used entry takes it */
	i = lru;
	e = &t->e[i];
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
	return i;
}

u32 sov_flowtab_count_frame(struct sov_flowtab *t, const void *data, u32 len, u32 cls)
{
	struct sov_flow_key key;

	/* a cut frame still counts, in the flow of the key it has */
	sov_flowtab_parse(data, len, &key);
	return sov_flowtab_count(t, &key, sov_flowtab_hash(t, &key), cls, len, NULL);
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
	t->tick = 0;
	t->collisions = 0;
	t->used = 0;
}
