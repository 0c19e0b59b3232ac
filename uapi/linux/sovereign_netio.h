/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Sovereign netio: the SOV_CMD_NETIO_* commands of the module's family
 * (included by sovereign.h). They address one end of a sovnet pair in the
 * caller's network namespace, by SOV_A_NETIO_IFINDEX or SOV_A_NETIO_IFNAME.
 * Pairs are made and deleted with rtnetlink (RTM_NEWLINK kind "sovnet",
 * peer in IFLA_INFO_DATA/SOVNET_INFO_PEER as veth lays it out), which is
 * what `ip link add ... type sovnet` and `sovctl netio create` send.
 * Documentation/netio.rst describes the device.
 *
 * TX classes: every frame an end sends (skb or AF_XDP) joins one of
 * SOV_NETIO_CLASSES classes; class 0 goes first (strict priority), each
 * class may be shaped by a token bucket (rate, burst), and the end as a
 * whole may be (SOV_A_NETIO_RATE, its "link speed"). An skb's class is
 * priomap[skb->priority] (priorities above 15 use entry 15); an AF_XDP
 * frame's class is its queue's class, or priomap[sk_priority] when the
 * socket set SO_PRIORITY. Each end counts what it sends per flow in a
 * table of SOV_NETIO_FLOWS entries (set-associative; a flow that finds
 * its set full shares an entry, counted as a collision).
 */
#ifndef _UAPI_LINUX_SOVEREIGN_NETIO_H
#define _UAPI_LINUX_SOVEREIGN_NETIO_H

#define SOVNET_KIND		"sovnet"
#define SOV_NETIO_CLASSES	8	/* TX classes, 0 first */
#define SOV_NETIO_QUEUES_MAX	8	/* queue pairs per end */
#define SOV_NETIO_PRIOMAP_LEN	16	/* skb->priority 0..15 */
#define SOV_NETIO_FLOWS		1024	/* flow table entries per end */

/* IFLA_INFO_DATA of a sovnet link: the peer, as veth lays it out */
enum {
	SOVNET_INFO_UNSPEC,
	SOVNET_INFO_PEER,	/* struct ifinfomsg, then the peer's IFLA_* */

	__SOVNET_INFO_CNT,
	SOVNET_INFO_MAX = __SOVNET_INFO_CNT - 1
};

/**
 * enum sov_a_netio - attributes of the SOV_CMD_NETIO_* commands
 * @SOV_A_NETIO_IFINDEX: u32, the end (request) / the end described (reply)
 * @SOV_A_NETIO_IFNAME: string, the same by name (request: either one)
 * @SOV_A_NETIO_PEER_IFINDEX: u32, reply: the peer's ifindex (in the peer's
 *	namespace, which may differ: see PEER_NETNSID)
 * @SOV_A_NETIO_PEER_NETNSID: s32, reply: the peer's namespace as the
 *	caller's netns id of it; absent when the peer is in the same one
 * @SOV_A_NETIO_QUEUES: u32, reply: queue pairs (1..SOV_NETIO_QUEUES_MAX)
 * @SOV_A_NETIO_MTU: u32, reply
 * @SOV_A_NETIO_RATE: u64, bytes/s the end may send in all (0: unlimited);
 *	SET and reply
 * @SOV_A_NETIO_PRIOMAP: binary, SOV_NETIO_PRIOMAP_LEN bytes, each a class
 *	0..7; SET and reply
 * @SOV_A_NETIO_CLASS: nest, enum sov_a_netio_class; SET (ID plus what to
 *	change, repeated) and STATS_GET/GET reply (one per class)
 * @SOV_A_NETIO_QUEUE: nest, enum sov_a_netio_queue; SET (ID and CLASS,
 *	repeated) and STATS_GET/GET reply (one per queue)
 * @SOV_A_NETIO_RESET: flag, SET: zero every counter and empty the flow
 *	table (the settings stay)
 * @SOV_A_NETIO_FLOW: nest, FLOW_GET reply (dump, one per message): enum
 *	sov_a_netio_flow
 * @SOV_A_NETIO_FLOWS_USED: u32, STATS_GET reply: flow entries in use
 * @SOV_A_NETIO_COLLISIONS: u64, STATS_GET reply: frames counted in
 *	an entry that another flow holds
 * @SOV_A_NETIO_CARRIER: u8, reply: 1 while both ends are up
 * @SOV_A_NETIO_XDP_PROG_ID: u32, reply: the native XDP program, if any
 * @SOV_A_NETIO_TX_INVALID: u64, STATS_GET reply: TX frames the end refused
 *	and completed: shorter than an Ethernet header or longer than the
 *	peer's MTU plus 14 (descriptors outside the UMEM never reach the
 *	device: the core counts them in the socket's XDP_STATISTICS)
 * @SOV_A_NETIO_THROTTLED: u64, STATS_GET reply: times the end-wide
 *	bucket (RATE) held the next frame back
 */
enum sov_a_netio {
	SOV_A_NETIO_UNSPEC,
	SOV_A_NETIO_PAD,
	SOV_A_NETIO_IFINDEX,
	SOV_A_NETIO_IFNAME,
	SOV_A_NETIO_PEER_IFINDEX,
	SOV_A_NETIO_PEER_NETNSID,
	SOV_A_NETIO_QUEUES,
	SOV_A_NETIO_MTU,
	SOV_A_NETIO_RATE,
	SOV_A_NETIO_PRIOMAP,
	SOV_A_NETIO_CLASS,
	SOV_A_NETIO_QUEUE,
	SOV_A_NETIO_RESET,
	SOV_A_NETIO_FLOW,
	SOV_A_NETIO_FLOWS_USED,
	SOV_A_NETIO_COLLISIONS,
	SOV_A_NETIO_CARRIER,
	SOV_A_NETIO_XDP_PROG_ID,
	SOV_A_NETIO_TX_INVALID,
	SOV_A_NETIO_THROTTLED,

	__SOV_A_NETIO_CNT,
	SOV_A_NETIO_MAX = __SOV_A_NETIO_CNT - 1
};

/**
 * enum sov_a_netio_class - one TX class of an end
 * @SOV_A_NETIO_CLASS_ID: u8, 0..7 (0 first)
 * @SOV_A_NETIO_CLASS_RATE: u64, bytes/s (0: not shaped)
 * @SOV_A_NETIO_CLASS_BURST: u32, bytes the bucket holds (at least the MTU;
 *	default 10 ms at the rate, at least 2 MTU)
 * @SOV_A_NETIO_CLASS_TX_PKTS: u64, frames sent in this class
 * @SOV_A_NETIO_CLASS_TX_BYTES: u64
 * @SOV_A_NETIO_CLASS_BACKLOG: u32, frames waiting in this class now
 * @SOV_A_NETIO_CLASS_THROTTLED: u64, times the class had frames and no
 *	tokens
 * @SOV_A_NETIO_CLASS_DROPS: u64, frames dropped in this class (queue full)
 * @SOV_A_NETIO_CLASS_TOKENS: s64, STATS_GET reply: bytes in the class's
 *	bucket now (negative: a debt); absent when not shaped
 */
enum sov_a_netio_class {
	SOV_A_NETIO_CLASS_UNSPEC,
	SOV_A_NETIO_CLASS_PAD,
	SOV_A_NETIO_CLASS_ID,
	SOV_A_NETIO_CLASS_RATE,
	SOV_A_NETIO_CLASS_BURST,
	SOV_A_NETIO_CLASS_TX_PKTS,
	SOV_A_NETIO_CLASS_TX_BYTES,
	SOV_A_NETIO_CLASS_BACKLOG,
	SOV_A_NETIO_CLASS_THROTTLED,
	SOV_A_NETIO_CLASS_DROPS,
	SOV_A_NETIO_CLASS_TOKENS,

	__SOV_A_NETIO_CLASS_CNT,
	SOV_A_NETIO_CLASS_MAX = __SOV_A_NETIO_CLASS_CNT - 1
};

/**
 * enum sov_a_netio_queue - one queue pair of an end
 * @SOV_A_NETIO_QUEUE_ID: u32
 * @SOV_A_NETIO_QUEUE_CLASS: u8, the class of AF_XDP frames sent on it
 * @SOV_A_NETIO_QUEUE_ZC: u8, reply: 1 while a zero-copy XSK pool is bound
 * @SOV_A_NETIO_QUEUE_RX_PKTS: u64
 * @SOV_A_NETIO_QUEUE_RX_BYTES: u64
 * @SOV_A_NETIO_QUEUE_TX_PKTS: u64
 * @SOV_A_NETIO_QUEUE_TX_BYTES: u64
 * @SOV_A_NETIO_QUEUE_XSK_TX: u64, frames taken from the XSK TX ring
 * @SOV_A_NETIO_QUEUE_XSK_RX: u64, frames put in the XSK RX ring (ZC)
 * @SOV_A_NETIO_QUEUE_RX_NOBUF: u64, times the fill ring was empty
 * @SOV_A_NETIO_QUEUE_RX_DROPS: u64
 * @SOV_A_NETIO_QUEUE_TX_INVALID: u64, this queue's share of TX_INVALID
 */
enum sov_a_netio_queue {
	SOV_A_NETIO_QUEUE_UNSPEC,
	SOV_A_NETIO_QUEUE_PAD,
	SOV_A_NETIO_QUEUE_ID,
	SOV_A_NETIO_QUEUE_CLASS,
	SOV_A_NETIO_QUEUE_ZC,
	SOV_A_NETIO_QUEUE_RX_PKTS,
	SOV_A_NETIO_QUEUE_RX_BYTES,
	SOV_A_NETIO_QUEUE_TX_PKTS,
	SOV_A_NETIO_QUEUE_TX_BYTES,
	SOV_A_NETIO_QUEUE_XSK_TX,
	SOV_A_NETIO_QUEUE_XSK_RX,
	SOV_A_NETIO_QUEUE_RX_NOBUF,
	SOV_A_NETIO_QUEUE_RX_DROPS,
	SOV_A_NETIO_QUEUE_TX_INVALID,

	__SOV_A_NETIO_QUEUE_CNT,
	SOV_A_NETIO_QUEUE_MAX = __SOV_A_NETIO_QUEUE_CNT - 1
};

/**
 * enum sov_a_netio_flow - one entry of an end's flow table
 * @SOV_A_NETIO_FLOW_INDEX: u32, the entry (0..SOV_NETIO_FLOWS-1)
 * @SOV_A_NETIO_FLOW_HASH: u32, the flow that holds it (the last to claim)
 * @SOV_A_NETIO_FLOW_PROTO: u8, IP protocol (0: not IP, or an IPv6 frame
 *	cut inside its extension headers)
 * @SOV_A_NETIO_FLOW_SRC: binary, network order: 4 bytes (IPv4), 16 (IPv6)
 *	or 6 (not IP: the source MAC)
 * @SOV_A_NETIO_FLOW_DST: binary, the same for the destination
 * @SOV_A_NETIO_FLOW_ETHERTYPE: u16, host order, after any VLAN tags
 * @SOV_A_NETIO_FLOW_VLAN: u16, the outer VLAN id (absent: untagged)
 * @SOV_A_NETIO_FLOW_SPORT: u16, host order (TCP/UDP; else absent)
 * @SOV_A_NETIO_FLOW_DPORT: u16, host order
 * @SOV_A_NETIO_FLOW_CLASS: u8, the class of its last frame
 * @SOV_A_NETIO_FLOW_PKTS: u64
 * @SOV_A_NETIO_FLOW_BYTES: u64
 * @SOV_A_NETIO_FLOW_COLLISIONS: u64, frames of other flows counted here
 */
enum sov_a_netio_flow {
	SOV_A_NETIO_FLOW_UNSPEC,
	SOV_A_NETIO_FLOW_PAD,
	SOV_A_NETIO_FLOW_INDEX,
	SOV_A_NETIO_FLOW_HASH,
	SOV_A_NETIO_FLOW_PROTO,
	SOV_A_NETIO_FLOW_SRC,
	SOV_A_NETIO_FLOW_DST,
	SOV_A_NETIO_FLOW_SPORT,
	SOV_A_NETIO_FLOW_DPORT,
	SOV_A_NETIO_FLOW_CLASS,
	SOV_A_NETIO_FLOW_PKTS,
	SOV_A_NETIO_FLOW_BYTES,
	SOV_A_NETIO_FLOW_COLLISIONS,
	SOV_A_NETIO_FLOW_ETHERTYPE,
	SOV_A_NETIO_FLOW_VLAN,

	__SOV_A_NETIO_FLOW_CNT,
	SOV_A_NETIO_FLOW_MAX = __SOV_A_NETIO_FLOW_CNT - 1
};

#endif /* _UAPI_LINUX_SOVEREIGN_NETIO_H */
