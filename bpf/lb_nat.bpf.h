/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lb_nat.bpf.h - nat mode: destination NAT in, reverse translation out, latency and errors.
 * Part of lb.bpf.c, which includes it once, in order: one compilation
 * unit, as BPF programs need.
 */
#ifndef SOV_LB_NAT_BPF_H
#define SOV_LB_NAT_BPF_H

/*
 * nat mode's checksums are updated, never recomputed (RFC 1624, eqn. 3):
 * HC' = ~(~HC + ~m + m'). The changes ~m + m' are summed over 32- or 16-bit
 * words at even offsets, which one's complement arithmetic allows, in a u64
 * that cannot overflow for the few words a rewrite touches.
 */
static __always_inline __u16 lb_csum_fold(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

static __always_inline __u16 lb_csum_update(__u16 check, __u64 diff)
{
	return (__u16)~lb_csum_fold((__u16)~check + diff);
}

/* Overwrite an IPv4 (1 word) or IPv6 (4 words) address; returns ~m + m'. */
static __always_inline __u64 lb_csum_set_addr(__be32 *field, const __be32 *to, bool v6)
{
	__u64 d = (__u32)~field[0] + (__u64)to[0];

	field[0] = to[0];
	if (v6) {
		d += (__u32)~field[1] + (__u64)to[1];
		d += (__u32)~field[2] + (__u64)to[2];
		d += (__u32)~field[3] + (__u64)to[3];
		field[1] = to[1];
		field[2] = to[2];
		field[3] = to[3];
	}
	return d;
}

static __always_inline __u64 lb_csum_set_port(__be16 *field, __be16 to)
{
	__u64 d = (__u16)~*field + (__u64)to;

	*field = to;
	return d;
}

/* nat mode routes: a packet with no hop left is the stack's (it answers). */
static __always_inline bool lb_nat_ttl_expiring(const struct sov_pkt *p)
{
	if (p->ip4)
		return p->ip4->ttl <= 1;
	return p->ip6 && p->ip6->hop_limit <= 1;
}

/* One routed hop: TTL or hop limit - 1. @d: the IPv4 header's other changes. */
static __always_inline void lb_nat_hop(struct sov_pkt *p, __u64 d)
{
	if (p->ip4) {
		__u16 *ttl_proto = (__u16 *)&p->ip4->ttl;
		__u16 old = *ttl_proto;

		p->ip4->ttl--;
		p->ip4->check = lb_csum_update(p->ip4->check, d + (__u16)~old + *ttl_proto);
	} else if (p->ip6) {
		p->ip6->hop_limit--;
	}
}

/*
 * Rewrite one side of a TCP/UDP packet: @addr is the IP header's source or
 * destination, @port the L4 header's, both become @to / @to_port. The L4
 * checksum covers the address through the pseudo-header. An IPv4 UDP
 * checksum of 0 means "none" and stays 0; a computed 0 is sent as 0xffff.
 */
static __always_inline void lb_nat_rewrite(struct sov_pkt *p, __be32 *addr, __be16 *port,
					   const __be32 *to, __be16 to_port)
{
	__u64 d = lb_csum_set_addr(addr, to, !p->ip4);
	__u16 sum;

	lb_nat_hop(p, d);
	d += lb_csum_set_port(port, to_port);
	if (p->tcp) {
		p->tcp->check = lb_csum_update(p->tcp->check, d);
	} else if (p->udp && (p->udp->check || !p->ip4)) {
		sum = lb_csum_update(p->udp->check, d);
		p->udp->check = sum ? sum : 0xffff;
	}
}

/*
 * An ICMP error about a nat flow: the outer address @oaddr, the quoted
 * packet's address @iaddr and port @iport become @to / @to_port. Fixed up:
 * the outer IPv4 header checksum, the quoted IPv4 header's (@in4), and the
 * ICMP checksum, which covers the quoted bytes and, for ICMPv6, the outer
 * addresses through the pseudo-header. The quoted packet's own TCP/UDP
 * checksum is left alone: it may not even be quoted, and nobody checks it.
 */
static __always_inline void lb_nat_icmp_rewrite(struct sov_pkt *p, struct lb_icmp_hdr *icmp,
						__be32 *oaddr, __be32 *iaddr,
						struct iphdr *in4, __be16 *iport,
						const __be32 *to, __be16 to_port)
{
	__u64 od = lb_csum_set_addr(oaddr, to, !p->ip4);
	__u64 id = lb_csum_set_addr(iaddr, to, !p->ip4);
	__u16 old;

	if (in4) {
		old = in4->check;
		in4->check = lb_csum_update(old, id);
		id += (__u16)~old + (__u64)in4->check;
	}
	id += lb_csum_set_port(iport, to_port);
	lb_nat_hop(p, od);
	if (!p->ip4)
		id += od;
	icmp->checksum = lb_csum_update(icmp->checksum, id);
}

/*
 * nat mode's Ethernet, as encap mode's: untagged, from our MAC to the next
 * hop. A tag's EtherType sits where an untagged header has its own, so the
 * addresses move up over the tag and the head follows.
 */
static __always_inline int lb_nat_eth(struct xdp_md *ctx, const struct sov_pkt *p,
				      const struct lb_config *cfg)
{
	__u32 off = p->vlan ? sizeof(struct sov_vlan_hdr) : 0;
	struct ethhdr *eth = (void *)(long)ctx->data + off;

	if ((void *)(eth + 1) > (void *)(long)ctx->data_end)
		return -1;
	__builtin_memcpy(eth->h_dest, cfg->gw_mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, cfg->src_mac, ETH_ALEN);
	if (off && bpf_xdp_adjust_head(ctx, off))
		return -1;
	return 0;
}

static __always_inline void lb_latency_record(__u32 backend, __u64 syn_ns)
{
	__u64 now = bpf_ktime_get_ns(), ns, b;
	struct lb_latency *h;

	if (now < syn_ns)	/* not a time we took */
		return;
	ns = now - syn_ns;
	h = bpf_map_lookup_elem(&lb_latency, &backend);
	if (!h)
		return;
	b = lb_lat_bucket(ns / 1000);
	lb_barrier_var(b);
	if (b >= LB_LAT_BUCKETS)
		return;
	h->count++;
	h->sum_ns += ns;
	h->buckets[b]++;
}

static __always_inline struct lb_backend_errors *lb_backend_errors_of(__u32 backend)
{
	return bpf_map_lookup_elem(&lb_backend_errors, &backend);
}

/* The mapping still says what this packet's flow is: same backend, same VIP:port. */
static __always_inline bool lb_nat_rev_same(const struct lb_nat_rev *rev,
					    const struct lb_flow_key *fk, __u32 id)
{
	return rev->backend == id && rev->vport_be == fk->dport_be &&
	       rev->vip[0] == fk->dst[0] && rev->vip[1] == fk->dst[1] &&
	       rev->vip[2] == fk->dst[2] && rev->vip[3] == fk->dst[3];
}

/*
 * The nat bookkeeping that needs no packet pointer is in global functions
 * (__noinline, not static): the verifier checks those once, on their own,
 * rather than once for every path that reaches them (family, protocol,
 * VLAN, policy...). To it their pointer arguments may be NULL, and 6.1's
 * does not take them as map keys: keys are copied to the stack first.
 */

/*
 * The mapping of an inbound nat packet (@fk) going to backend @id, whose
 * replies will carry @rk: made when missing (new flow, evicted, reloaded) or
 * stale. Two services whose flows meet the same backend address:port from
 * the same client address:port would share @rk: the newer flow wins (DNAT
 * without SNAT cannot tell their replies apart). A client SYN starts a
 * latency sample, unless one is pending (a retransmission keeps the first
 * SYN's time), and a new connection, whose errors are not yet counted.
 */
__noinline int lb_nat_track_in(const struct lb_flow_key *rk, const struct lb_flow_key *fk,
			       __u32 id, __u32 syn, __u32 len)
{
	struct lb_nat_rev *rev, nr = {};
	struct lb_be_addr ba = {};
	struct lb_flow_key k;
	__u32 key = 0, *on;

	if (!rk || !fk)
		return 0;
	__builtin_memcpy(&k, rk, sizeof(k));
	rev = bpf_map_lookup_elem(&lb_nat_rev, &k);
	if (rev && lb_nat_rev_same(rev, fk, id)) {
		if (syn) {
			if (!rev->syn_ns)
				rev->syn_ns = bpf_ktime_get_ns();
			rev->flags = 0;
		}
		return 0;
	}

	__builtin_memcpy(nr.vip, fk->dst, sizeof(nr.vip));
	nr.vport_be = fk->dport_be;
	nr.service = id / LB_MAX_BACKENDS;
	nr.backend = id;
	nr.syn_ns = syn ? bpf_ktime_get_ns() : 0;
	if (bpf_map_update_elem(&lb_nat_rev, &k, &nr, BPF_ANY))
		lb_count(LB_R_NAT_REV_FULL, len, 0);	/* forwarded; replies will pass */

	__builtin_memcpy(ba.addr, k.src, sizeof(ba.addr));
	ba.family = k.family;
	if (!bpf_map_lookup_elem(&lb_nat_backends, &ba))
		bpf_map_update_elem(&lb_nat_backends, &ba, &id, BPF_ANY);
	on = bpf_map_lookup_elem(&lb_nat_active, &key);
	if (on && !*on)
		*on = 1;
	return 0;
}

static __always_inline bool lb_nat_is_active(void)
{
	__u32 key = 0, *on = bpf_map_lookup_elem(&lb_nat_active, &key);

	return on && *on;
}

/* Inbound in nat mode: client -> VIP:port becomes client -> backend:port. */
static __always_inline int lb_nat_in(struct xdp_md *ctx, struct sov_pkt *p,
				     const struct lb_service *svc, __u32 id,
				     const struct lb_backend *be,
				     const struct lb_flow_key *fk, __u32 len)
{
	__be16 port = be->port_be ? be->port_be : fk->dport_be;
	bool syn = p->tcp && p->tcp->syn && !p->tcp->ack;
	struct lb_flow_key rk = {};
	struct lb_config *cfg;
	__be16 *l4_port;
	__u32 key = 0;

	cfg = bpf_map_lookup_elem(&lb_config, &key);
	if (!cfg || be->family != fk->family)
		return lb_count(LB_R_NAT_FAIL, len, XDP_DROP);

	/* the reply's 5-tuple, as the backend will send it */
	__builtin_memcpy(rk.src, be->addr, sizeof(rk.src));
	__builtin_memcpy(rk.dst, fk->src, sizeof(rk.dst));
	rk.sport_be = port;
	rk.dport_be = fk->sport_be;
	rk.proto = fk->proto;
	rk.family = fk->family;
	lb_nat_track_in(&rk, fk, id, syn, len);

	if (p->tcp)
		l4_port = &p->tcp->dest;
	else if (p->udp)
		l4_port = &p->udp->dest;
	else
		return lb_count(LB_R_NAT_FAIL, len, XDP_DROP);
	if (p->ip4)
		lb_nat_rewrite(p, &p->ip4->daddr, l4_port, be->addr, port);
	else if (p->ip6)
		lb_nat_rewrite(p, (__be32 *)&p->ip6->daddr, l4_port, be->addr, port);
	if (lb_nat_eth(ctx, p, cfg))
		return lb_count(LB_R_NAT_FAIL, len, XDP_DROP);
	return lb_count(LB_R_NAT_IN, len, XDP_TX);
}

/* The backend ended the connection: out of least-conn's count, as a client FIN is. */
static __always_inline void lb_nat_close(const struct lb_nat_rev *rev,
					 const struct lb_flow_key *rk)
{
	struct lb_flow_key ck = {};
	struct lb_flow *flow;

	__builtin_memcpy(ck.src, rk->dst, sizeof(ck.src));
	__builtin_memcpy(ck.dst, rev->vip, sizeof(ck.dst));
	ck.sport_be = rk->dport_be;
	ck.dport_be = rev->vport_be;
	ck.proto = rk->proto;
	ck.family = rk->family;
	flow = bpf_map_lookup_elem(&lb_conns, &ck);
	if (flow && flow->backend == rev->backend && !(flow->flags & LB_FLOW_F_CLOSED)) {
		flow->flags |= LB_FLOW_F_CLOSED;
		lb_conn_add(flow->backend, -1);
	}
}

#define LB_TCP_FIN	0x01	/* TCP flag byte (offset 13) */
#define LB_TCP_SYN	0x02
#define LB_TCP_RST	0x04
#define LB_TCP_ACK	0x10

/*
 * What a backend's TCP reply (@flags: its flag byte) tells: the SYN-ACK ends
 * the latency sample, the first RST of a connection is an error, FIN or RST
 * ends the flow.
 */
__noinline int lb_nat_track_out(struct lb_nat_rev *rev, const struct lb_flow_key *rk,
				__u32 flags)
{
	struct lb_backend_errors *err;

	if (!rev || !rk)
		return 0;
	if ((flags & (LB_TCP_SYN | LB_TCP_ACK)) == (LB_TCP_SYN | LB_TCP_ACK) && rev->syn_ns) {
		lb_latency_record(rev->backend, rev->syn_ns);
		rev->syn_ns = 0;
	}
	if ((flags & LB_TCP_RST) && !(rev->flags & LB_NAT_F_RST)) {
		rev->flags |= LB_NAT_F_RST;
		err = lb_backend_errors_of(rev->backend);
		if (err)
			err->rst++;
	}
	if (flags & (LB_TCP_FIN | LB_TCP_RST))
		lb_nat_close(rev, rk);
	return 0;
}

/*
 * A TCP/UDP packet for no service: in nat mode, maybe a backend's reply,
 * whose own 5-tuple is its lb_nat_rev key. It leaves from VIP:port.
 */
static __always_inline int lb_nat_out(struct xdp_md *ctx, struct sov_pkt *p,
				      const struct lb_flow_key *fk, __u32 len)
{
	struct lb_be_addr ba = {};
	struct lb_nat_rev *rev;
	struct lb_config *cfg;
	__be16 *l4_port;
	__u32 key = 0;

	if (!lb_nat_is_active())
		return lb_count(LB_R_NOT_SERVICE, len, XDP_PASS);
	rev = bpf_map_lookup_elem(&lb_nat_rev, fk);
	if (!rev) {
		__builtin_memcpy(ba.addr, fk->src, sizeof(ba.addr));
		ba.family = fk->family;
		if (bpf_map_lookup_elem(&lb_nat_backends, &ba))
			return lb_count(LB_R_NAT_NO_MAPPING, len, XDP_PASS);
		return lb_count(LB_R_NOT_SERVICE, len, XDP_PASS);
	}
	if (lb_nat_ttl_expiring(p))
		return lb_count(LB_R_NAT_TTL, len, XDP_PASS);
	cfg = bpf_map_lookup_elem(&lb_config, &key);
	if (!cfg)
		return lb_count(LB_R_NAT_FAIL, len, XDP_DROP);

	if (p->tcp) {
		lb_nat_track_out(rev, fk, ((__u8 *)p->tcp)[13]);
		l4_port = &p->tcp->source;
	} else if (p->udp) {
		l4_port = &p->udp->source;
	} else {
		return lb_count(LB_R_NAT_FAIL, len, XDP_DROP);
	}
	if (p->ip4)
		lb_nat_rewrite(p, &p->ip4->saddr, l4_port, rev->vip, rev->vport_be);
	else if (p->ip6)
		lb_nat_rewrite(p, (__be32 *)&p->ip6->saddr, l4_port, rev->vip, rev->vport_be);
	if (lb_nat_eth(ctx, p, cfg))
		return lb_count(LB_R_NAT_FAIL, len, XDP_DROP);
	return lb_count(LB_R_NAT_OUT, len, XDP_TX);
}

#endif /* SOV_LB_NAT_BPF_H */
