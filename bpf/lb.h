/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lb.h - the XDP load balancer's maps and their value layouts, shared by
 * bpf/lb.bpf.c and userspace (lib/lb, sovereignd, sovctl, fixtures).
 *
 * Sizes are compile-time constants that can be raised with -D (bpf/lb_big.bpf.c
 * builds 64 services x 256 backends). A backend is named everywhere by its
 * global id: service index * LB_MAX_BACKENDS + slot.
 *
 * All multi-byte fields are host order unless the name says _be. Addresses
 * are stored as 4 x __be32 words; IPv4 uses word 0, the rest zero. Numeric
 * values of the enums are ABI for fixtures and userspace: append only.
 */
#ifndef SOV_BPF_LB_H
#define SOV_BPF_LB_H

#include <linux/types.h>

#ifndef LB_MAX_SERVICES
#define LB_MAX_SERVICES		8
#endif
#ifndef LB_MAX_BACKENDS
#define LB_MAX_BACKENDS		32	/* per service */
#endif
#ifndef LB_MAGLEV_SIZE
#define LB_MAGLEV_SIZE		32749	/* largest per-service table: a prime, >= 1000 x backends */
#endif
#ifndef LB_CONN_MAX
#define LB_CONN_MAX		65536	/* connection-table entries */
#endif
#ifndef LB_STICKY_MAX
#define LB_STICKY_MAX		16384	/* sticky-session entries */
#endif

#define LB_NO_BACKEND		0xffffffffU
#define LB_TUNNEL_TTL		64

enum lb_policy {
	LB_POLICY_MAGLEV = 0,		/* consistent hash of the 5-tuple */
	LB_POLICY_ROUND_ROBIN = 1,	/* per-CPU rotation over the active list */
	LB_POLICY_WEIGHTED = 2,		/* smooth weighted round-robin, per CPU */
	LB_POLICY_LEAST_CONN = 3,	/* fewest open connections */
	LB_POLICY_IP_HASH = 4,		/* consistent hash of the client address */
	LB_POLICY_CUSTOM = 5,		/* a user program in lb_custom_progs */
	LB_POLICY_MAX
};

/* struct lb_service.flags */
#define LB_SVC_F_FALLBACK_PASS	(1U << 0)	/* no backend: XDP_PASS, else drop */
#define LB_SVC_F_FRAG_PASS	(1U << 1)	/* fragments to the VIP: pass, else drop */
#define LB_SVC_F_NAT		(1U << 2)	/* forwarding mode nat, else encap */

/* struct lb_backend.flags */
#define LB_BE_F_UP		(1U << 0)	/* healthy: may take flows */

/* Key of lb_services: what a client connects to. */
struct lb_vip_key {
	__be32 addr[4];
	__be16 port_be;
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 family;		/* AF_INET or AF_INET6 */
};

/* Key of lb_vip_addrs: VIP addresses alone, for fragments and ICMP errors. */
struct lb_vip_addr {
	__be32 addr[4];
	__u32 family;
};

struct lb_service {
	__u32 index;		/* 0 .. LB_MAX_SERVICES-1: row of every per-service map */
	__u32 policy;		/* enum lb_policy */
	__u32 flags;		/* LB_SVC_F_* */
	__u32 bank;		/* 0/1: which lb_maglev / lb_active bank is live */
	__u32 table_size;	/* prime <= LB_MAGLEV_SIZE: live Maglev table length */
	__u32 sticky_timeout_s;	/* 0: no sticky sessions */
};

struct lb_backend {
	__be32 addr[4];
	__u32 family;		/* must match the service's */
	__u32 flags;		/* LB_BE_F_* */
	__u32 weight;		/* 1..1000, for the weighted policies */
	__be16 port_be;		/* nat mode: the backend's port; 0 = the VIP's */
	__u16 pad;
};

/* The live set of backends of one service, in one bank. */
struct lb_active {
	__u32 count;
	__u32 ids[LB_MAX_BACKENDS];	/* global backend ids */
};

/* Key of lb_conns: the client's 5-tuple. */
struct lb_flow_key {
	__be32 src[4];
	__be32 dst[4];
	__be16 sport_be;
	__be16 dport_be;
	__u8 proto;
	__u8 family;
	__u16 pad;
};

/* struct lb_flow.flags */
#define LB_FLOW_F_CLOSED	(1U << 0)	/* FIN/RST seen, counted out of least-conn */

struct lb_flow {
	__u32 backend;		/* global backend id */
	__u32 flags;		/* LB_FLOW_F_* */
	__u64 last_seen_ns;
};

struct lb_sticky_key {
	__be32 addr[4];
	__u32 service;		/* service index */
	__u32 family;
};

struct lb_sticky {
	__u32 backend;
	__u32 pad;
	__u64 last_seen_ns;
};

/* lb_config[0]: how encapsulated packets leave. */
struct lb_config {
	__u8 src_mac[6];	/* our interface */
	__u8 gw_mac[6];		/* next hop towards the backends */
	__be32 src4;		/* outer IPv4 source */
	__be32 src6[4];		/* outer IPv6 source */
};

/* lb_stats: why a packet got its verdict (per CPU; userspace sums). */
enum lb_reason {
	LB_R_FORWARDED = 0,	/* encapsulated to a backend: XDP_TX */
	LB_R_NOT_SERVICE = 1,	/* IP traffic for no service: XDP_PASS */
	LB_R_NOT_IP = 2,	/* XDP_PASS */
	LB_R_MALFORMED = 3,	/* truncated/inconsistent headers: XDP_PASS, never forwarded */
	LB_R_FRAG_DROP = 4,	/* fragment for a VIP: XDP_DROP (LB_SVC_F_FRAG_PASS: pass) */
	LB_R_FRAG_PASS = 5,
	LB_R_NO_BACKEND = 6,	/* service without a live backend: fallback */
	LB_R_ICMP_FORWARDED = 7,/* frag-needed / packet-too-big sent to the flow's backend */
	LB_R_ICMP_PASS = 8,	/* other ICMP, or one whose flow is unknown */
	LB_R_CONN_FULL = 9,	/* connection table insert failed: forwarded statelessly */
	LB_R_ENCAP_FAIL = 10,	/* could not grow the packet: XDP_DROP */
	/* nat mode (LB_SVC_F_NAT), see Documentation/lb.rst */
	LB_R_NAT_IN = 11,	/* destination rewritten to the backend: XDP_TX */
	LB_R_NAT_OUT = 12,	/* a backend's reply rewritten back to the VIP: XDP_TX */
	LB_R_NAT_NO_MAPPING = 13,/* from a nat backend's address, no lb_nat_rev entry: XDP_PASS */
	LB_R_NAT_TTL = 14,	/* TTL / hop limit <= 1, not ours to forward: XDP_PASS untouched */
	LB_R_NAT_FAIL = 15,	/* backend of the other family, or no lb_config: XDP_DROP */
	LB_R_NAT_ICMP_OUT = 16,	/* a backend's ICMP error about a nat flow, to the client: XDP_TX */
	LB_R_NAT_REV_FULL = 17,	/* lb_nat_rev insert failed: forwarded, replies will pass */
	/* policy custom, see struct lb_custom_ctx */
	LB_R_CUSTOM_MISSING = 18,/* no program in the service's lb_custom_progs slot: fallback */
	LB_R_CUSTOM_BAD = 19,	/* the program's answer is no live backend of the service: fallback */
	LB_R_MAX
};

struct lb_counter {
	__u64 packets;
	__u64 bytes;
};

/* lb_svc_stats[service], lb_backend_stats[backend id] (per CPU) */
struct lb_flow_counter {
	__u64 packets;
	__u64 bytes;
	__u64 new_flows;
	__u64 no_backend;	/* services only */
};

/*
 * nat mode. lb_nat_rev is keyed by the reply's 5-tuple as the backend sends
 * it, a struct lb_flow_key with src = backend address:port and dst = client
 * address:port (so a reply's own flow key finds it without any shuffling).
 * Its value says what the reply must look like it comes from.
 */

#ifndef LB_NAT_MAX
#define LB_NAT_MAX		LB_CONN_MAX	/* lb_nat_rev entries */
#endif

/* struct lb_nat_rev.flags */
#define LB_NAT_F_RST		(1U << 0)	/* backend RST counted (once per connection) */

struct lb_nat_rev {
	__be32 vip[4];		/* 0: the address the client connected to */
	__be16 vport_be;	/* 16: and its port */
	__u16 pad;		/* 18 */
	__u32 service;		/* 20: service index */
	__u32 backend;		/* 24: global backend id */
	__u32 flags;		/* 28: LB_NAT_F_* */
	__u64 syn_ns;		/* 32: client SYN time (bpf_ktime_get_ns), 0 = none pending */
};				/* 40 bytes */

/* Key of lb_nat_backends: an address that nat flows were sent to. */
struct lb_be_addr {
	__be32 addr[4];
	__u32 family;
};

/*
 * lb_latency[backend id] (per CPU): SYN -> SYN-ACK through the balancer in
 * nat mode, in a log-linear histogram over microseconds (us = ns / 1000):
 *
 *   bucket b < 8:        [b, b + 1) us
 *   bucket b in 8..175:  e = b / 8 + 2, s = b % 8:
 *                        [2^e + s * 2^(e-3), 2^e + (s+1) * 2^(e-3)) us
 *   bucket 176:          >= 2^24 us (16.78 s)
 *
 * i.e. 8 sub-buckets per power of two from 8 us to 2^24 us, edges on whole
 * microseconds (so truncating ns to us moves no sample across one). A
 * bucket is at most 1/8 of its lower edge wide: a percentile read as its
 * bucket's midpoint is within 1/16 (6.25 %) of the true value, 0.5 us below
 * 8 us. count and sum_ns are exact.
 */
#ifndef LB_LAT_SUB_BITS
#define LB_LAT_SUB_BITS		3	/* 1..LB_LAT_MAX_LOG2 - 1 */
#endif
#ifndef LB_LAT_MAX_LOG2
#define LB_LAT_MAX_LOG2		24	/* 2^24 us starts the overflow bucket; <= 32 */
#endif
#define LB_LAT_SUB		(1U << LB_LAT_SUB_BITS)	/* sub-buckets per power of two */
/* 177 by default: 8 linear, 8 per power of two from 2^3 to 2^23 us, overflow */
#define LB_LAT_BUCKETS		((LB_LAT_MAX_LOG2 - LB_LAT_SUB_BITS + 1) * LB_LAT_SUB + 1)

struct lb_latency {
	__u64 count;		/* 0: samples */
	__u64 sum_ns;		/* 8: their sum */
	__u64 buckets[LB_LAT_BUCKETS];	/* 16: bucket b at 16 + 8 * b */
};

/*
 * The bucket of a latency of @us microseconds (shared with userspace).
 * floor(log2(us)) without branches: each would double the paths the BPF
 * verifier walks. (c - v) >> 63 is 1 exactly when v > c (v < 2^32).
 */
static inline __u32 lb_lat_bucket(__u64 us)
{
	__u64 v = us, e, t;

	if (us < LB_LAT_SUB)
		return (__u32)us;
	if (us >= 1ULL << LB_LAT_MAX_LOG2)
		return LB_LAT_BUCKETS - 1;
	t = (0xffffULL - v) >> 63 << 4;
	v >>= t;
	e = t;
	t = (0xffULL - v) >> 63 << 3;
	v >>= t;
	e += t;
	t = (0xfULL - v) >> 63 << 2;
	v >>= t;
	e += t;
	t = (0x3ULL - v) >> 63 << 1;
	v >>= t;
	e += t;
	e += (0x1ULL - v) >> 63;
	return (__u32)((e - LB_LAT_SUB_BITS + 1) * LB_LAT_SUB +
		       ((us >> (e - LB_LAT_SUB_BITS)) & (LB_LAT_SUB - 1)));
}

/* The lowest latency in us that falls into bucket @b (b < LB_LAT_BUCKETS). */
static inline __u64 lb_lat_bucket_lo(__u32 b)
{
	__u32 e = b / LB_LAT_SUB + LB_LAT_SUB_BITS - 1;

	if (b < LB_LAT_SUB)
		return b;
	if (b >= LB_LAT_BUCKETS - 1)
		return 1ULL << LB_LAT_MAX_LOG2;
	return (1ULL << e) + (__u64)(b % LB_LAT_SUB) * (1ULL << (e - LB_LAT_SUB_BITS));
}

/* lb_backend_errors[backend id] (per CPU): what nat mode sees go wrong */
struct lb_backend_errors {
	__u64 rst;		/* 0: TCP connections the backend reset */
	__u64 unreach;		/* 8: ICMP(v6) destination unreachable about a flow */
};

/*
 * Policy custom (LB_POLICY_CUSTOM): for a new flow of such a service -- one
 * that neither the connection table nor a sticky session answers -- sov_lb
 * fills lb_custom_ctx[0] and tail-calls lb_custom_progs[service index], the
 * user's program (loaded from its own ELF, see bpf/lb_custom.h). That
 * program writes @result and tail-calls lb_resume[0], the balancer's
 * sov_lb_resume, which checks the answer, records the flow as for any other
 * policy and forwards the packet. lb_custom_ctx is a per-CPU array: a
 * packet's tail calls all run on its CPU, so the value is the packet's.
 * Documentation/lb.rst, "The custom policy", has the whole contract.
 */
struct lb_custom_ctx {
	struct lb_flow_key flow;	/* 0: the new flow's 5-tuple (40 bytes); read only */
	__u32 service;		/* 40: service index; read only */
	__u32 bank;		/* 44: live bank, 0/1: lb_active[bank * LB_MAX_SERVICES + service] */
	__u32 hash;		/* 48: lb_hash_flow(&flow), what maglev would hash */
	__u32 svc_flags;	/* 52: the service's LB_SVC_F_* */
	__u32 result;		/* 56: out: a backend id of the service, or LB_NO_BACKEND (preset) */
	__u32 pad;		/* 60 */
};				/* 64 bytes */

#endif /* SOV_BPF_LB_H */
