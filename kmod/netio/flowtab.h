/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netio flow table: what one sovnet end sent, counted per flow in
 * SOV_NETIO_FLOWS entries, set-associative as kmod/sched/flows.c: a flow's
 * hash picks a set of SOV_FLOWTAB_WAYS entries (by its top bits), and the
 * flow takes the entry of the set that holds its key, else an empty one
 * (it claims it). Eight ways: the first collision comes after about 400
 * random flows (direct-mapped: about 40) and 1024 random flows hold 86 %
 * of the entries (direct-mapped: 63 %), while a lookup reads at most 8
 * hashes.
 *
 * Collisions: when every entry of the set holds another flow, the frame
 * is counted (pkts, bytes) in the set's least recently used entry - the
 * one whose own flow sent least recently; frames counted as collisions
 * do not refresh it, so one colliding flow keeps landing in the same entry
 * while the owners' order stands - and that entry's collisions and the
 * table's go up by one. The entry's key, hash and class stay those of the
 * flow that claimed it (its "last claimer": an entry is claimed again only
 * after sov_flowtab_reset() empties the table; nothing is evicted).
 *
 * The flow key (sov_flowtab_parse()): IPv4 or IPv6 source and destination,
 * IP protocol, TCP/UDP ports, the outer VLAN id, the ethertype; for a frame
 * that is not IP, its MAC addresses and ethertype (protocol 0). Fragments
 * of a datagram (IPv4 MF or offset, an IPv6 fragment header) are counted
 * with ports 0, all in one flow.
 *
 * Locking: none inside; the table is counted, read and reset under the
 * end's TX lock (the one txsched.h names). A dump copies one entry out
 * at a time (sov_flowtab_get()), so the lock is not held while a netlink
 * message is built.
 */
#ifndef _SOV_NETIO_FLOWTAB_H
#define _SOV_NETIO_FLOWTAB_H

#include <linux/siphash.h>
#include <linux/types.h>

#include "../../uapi/linux/sovereign_netio.h"

#define SOV_FLOWTAB_WAYS	8
#define SOV_FLOWTAB_SETS	(SOV_NETIO_FLOWS / SOV_FLOWTAB_WAYS)
/* VLAN tags looked through (802.1Q, 802.1ad) and IPv6 extension headers walked */
#define SOV_FLOWTAB_VLAN_MAX	2
#define SOV_FLOWTAB_EXTHDR_MAX	8

/* Every byte is set (no hole), so that keys compare and hash as bytes. */
struct sov_flow_key {
	u8 src[16];		/* IPv4: 4 bytes, IPv6: 16, not IP: the MAC (6); rest 0 */
	u8 dst[16];
	__be16 sport;		/* TCP/UDP, not fragments; else 0 */
	__be16 dport;
	__be16 ethertype;	/* after the VLAN tags */
	u16 vlan;		/* the outer tag's VID; 0: none */
	u8 proto;		/* IP protocol (IPv6: after extension headers); 0: not IP */
	u8 addr_len;		/* 4, 16 or ETH_ALEN (not IP); 0: no key (runt) */
	u8 has_ports;		/* 1: sport and dport were read */
	u8 pad;
};

struct sov_flowtab_entry {
	struct sov_flow_key key;	/* of the flow that claimed it */
	u32 hash;
	u8 used;
	u8 cls;				/* the class of its flow's last frame */
	u64 pkts;			/* its own frames and collisions */
	u64 bytes;
	u64 collisions;			/* frames of other flows counted here */
	u64 last;			/* table tick when its own flow last sent: the LRU order */
};

struct sov_flowtab {
	struct sov_flowtab_entry e[SOV_NETIO_FLOWS];
	u32 hash[SOV_NETIO_FLOWS];	/* e[i].hash again: a set's 8 in one cache line */
	u8 set_used[SOV_FLOWTAB_SETS];	/* bit w: way w of the set is claimed */
	hsiphash_key_t seed;
	u64 tick;			/* frames counted since the reset */
	u64 collisions;
	u32 used;
};

/* A zeroed table with a random hash seed (kvzalloc: about 94 KiB). */
struct sov_flowtab *sov_flowtab_alloc(gfp_t gfp);
void sov_flowtab_free(struct sov_flowtab *t);

/*
 * The flow key of the Ethernet frame @data of @len bytes; reads nothing
 * at or past @len. 0: the key is complete. -EINVAL: the frame stops
 * inside a header it announces, or a header is malformed (IP version or
 * header length); the key is then the deepest layer read in full: the
 * MACs and ethertype if the IP header is cut or bad, the addresses and
 * protocol without ports if the TCP/UDP header is cut or an IPv6
 * extension header is. A frame shorter than an Ethernet header gives the
 * all-zero key (addr_len 0).
 */
int sov_flowtab_parse(const void *data, u32 len, struct sov_flow_key *key);

/* The hash of @key in @t (hsiphash, the hashtable siphash, keyed by the table's seed). */
u32 sov_flowtab_hash(const struct sov_flowtab *t, const struct sov_flow_key *key);

/* The first entry of the set that @hash picks (a multiple of SOV_FLOWTAB_WAYS). */
u32 sov_flowtab_set_base(u32 hash);

/*
 * Count a frame of @len bytes in class @cls of the flow @key with hash
 * @hash (sov_flowtab_hash() of it). Returns the index of the entry it
 * was counted in; *@collided (may be NULL) says whether that entry
 * belongs to another flow.
 */
u32 sov_flowtab_count(struct sov_flowtab *t, const struct sov_flow_key *key, u32 hash,
		      u32 cls, u32 len, bool *collided);

/* parse, hash and count in one: the datapath's call for one frame */
u32 sov_flowtab_count_frame(struct sov_flowtab *t, const void *data, u32 len, u32 cls);

/*
 * sov_flowtab_count_frame() for a sender whose frames come in runs of one
 * flow: *@hint (SOV_NETIO_FLOWS: none) is the entry its previous frame was
 * counted in as that flow's own; a frame of the same flow is counted there
 * without hashing. Counts exactly as sov_flowtab_count_frame() does.
 */
u32 sov_flowtab_count_frame_hint(struct sov_flowtab *t, const void *data, u32 len, u32 cls,
				 u32 *hint);

/*
 * The dump: copy the first used entry at index *@pos or later into @out,
 * return its index and set *@pos past it; -ENOENT when there is none.
 * Start with *@pos = 0 (a netlink dump keeps it in cb->args).
 */
int sov_flowtab_get(const struct sov_flowtab *t, u32 *pos, struct sov_flowtab_entry *out);

/* Empty every entry and zero the counters; the seed stays. */
void sov_flowtab_reset(struct sov_flowtab *t);

#endif /* _SOV_NETIO_FLOWTAB_H */
