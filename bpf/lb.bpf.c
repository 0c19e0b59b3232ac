// SPDX-License-Identifier: GPL-2.0
/*
 * lb.bpf.c - Sovereign's XDP L4 load balancer.
 *
 * Packet path: parse (parse.bpf.h) -> service lookup by VIP:port/proto ->
 * connection table (5-tuple -> backend, so established flows never re-hash)
 * -> for a new flow: sticky session, else the service's policy -> then by the
 * service's forwarding mode:
 *   encap (the Katran model): IPIP or IP6IP6 encapsulation towards the
 *	backend, XDP_TX. The backend decapsulates and answers the client
 *	directly (direct server return).
 *   nat (LB_SVC_F_NAT): the destination becomes the backend's address and
 *	port, XDP_TX, and lb_nat_rev remembers the flow. The backend routes its
 *	replies through us; a packet for no service that matches lb_nat_rev is
 *	such a reply and leaves with the VIP as its source. Seeing both
 *	directions is what lets nat mode time SYN -> SYN-ACK and count resets.
 *
 * Policy custom: a new flow of a custom service leaves sov_lb by a tail call
 * into the service's program in lb_custom_progs, which answers in
 * lb_custom_ctx and tail-calls sov_lb_resume (lb_resume[0]); that re-parses
 * the unchanged packet, checks the answer and goes on as sov_lb would have.
 * The maps such a program may share are defined in lb_custom.h.
 *
 * Everything the control plane changes while packets flow is switched
 * atomically: Maglev tables and active lists are written into the idle bank,
 * then the service entry (a hash map value, replaced whole) flips its bank.
 *
 * Verdicts never depend on half-parsed data: anything malformed is passed to
 * the stack untouched and counted (LB_R_MALFORMED), never forwarded.
 */
#include "parse.bpf.h"
#include "lb.h"
#include "lb_hash.h"

/*
 * lb_backends, lb_active, lb_conn_counts, lb_backend_stats, lb_custom_ctx
 * and lb_resume: the maps a custom policy program shares with the balancer.
 * lb_resume[0] is sov_lb_resume from the moment libbpf loads the object.
 */
int sov_lb_resume(struct xdp_md *ctx);
#define LB_RESUME_INIT	{ .values = { [0] = (void *)&sov_lb_resume } }
#include "lb_custom.h"

#include <stdbool.h>

#define AF_INET		2
#define AF_INET6	10
#define IP_DF		0x4000
#define NSEC_PER_SEC	1000000000ULL

/* ICMP and ICMPv6 share this 8-byte layout (linux/icmp.h drags in libc) */
struct lb_icmp_hdr {
	__u8 type;
	__u8 code;
	__be16 checksum;
	__be32 rest;
};

#define LB_ICMP_DEST_UNREACH	3
#define LB_ICMP_FRAG_NEEDED	4
#define LB_ICMP_TIME_EXCEEDED	11
#define LB_ICMP_PARAMETERPROB	12
#define LB_ICMPV6_DEST_UNREACH	1
#define LB_ICMPV6_PKT_TOOBIG	2
#define LB_ICMPV6_PARAMPROB	4

#include "lb_maps.bpf.h"
#include "lb_policy.bpf.h"
#include "lb_encap.bpf.h"
#include "lb_nat.bpf.h"

/* The service's VIP key for the packet's flow key. */
static __always_inline void lb_vip_key_fill(struct lb_vip_key *vk, const struct lb_flow_key *fk)
{
	__builtin_memcpy(vk->addr, fk->dst, sizeof(vk->addr));
	vk->port_be = fk->dport_be;
	vk->proto = fk->proto;
	vk->family = fk->family;
}

/* No backend for this packet: the service's fallback, counted under @reason. */
static __always_inline int lb_fallback(const struct lb_service *svc, __u32 len, __u32 reason)
{
	struct lb_flow_counter *c;
	__u32 idx = svc->index;

	c = bpf_map_lookup_elem(&lb_svc_stats, &idx);
	if (c)
		c->no_backend++;
	return lb_count(reason, len, svc->flags & LB_SVC_F_FALLBACK_PASS ? XDP_PASS : XDP_DROP);
}

/* The flow's backend is @id: count the packet and forward it in the service's mode. */
static __always_inline int lb_send(struct xdp_md *ctx, struct sov_pkt *p,
				   const struct lb_service *svc, const struct lb_flow_key *fk,
				   __u32 id, bool new_flow, __u32 len)
{
	struct lb_backend *be = bpf_map_lookup_elem(&lb_backends, &id);

	if (!be)
		return lb_count(LB_R_NO_BACKEND, len, XDP_DROP);
	lb_flow_count(&lb_svc_stats, svc->index, len, new_flow);
	lb_flow_count(&lb_backend_stats, id, len, new_flow);
	/*
	 * The mode is read here, not kept from above: a value live across
	 * lb_pick() would make the verifier walk every policy once per mode.
	 */
	if (svc->flags & LB_SVC_F_NAT)
		return lb_nat_in(ctx, p, svc, id, be, fk, len);
	return lb_encap(ctx, p, be, len, LB_R_FORWARDED);
}

static __always_inline int lb_forward(struct xdp_md *ctx, struct sov_pkt *p, __u32 len)
{
	struct lb_flow_key fk = {};
	struct lb_vip_key vk = {};
	struct lb_service *svc;
	bool new_flow = false;
	__u32 id;

	lb_flow_key_fill(&fk, p);
	lb_vip_key_fill(&vk, &fk);
	svc = bpf_map_lookup_elem(&lb_services, &vk);
	if (!svc)
		return lb_nat_out(ctx, p, &fk, len);
	if (svc->index >= LB_MAX_SERVICES)
		return lb_count(LB_R_NO_BACKEND, len, XDP_PASS);
	/* before any state changes: this packet is not forwarded */
	if ((svc->flags & LB_SVC_F_NAT) && lb_nat_ttl_expiring(p))
		return lb_count(LB_R_NAT_TTL, len, XDP_PASS);

	id = lb_pick(ctx, svc, &fk, p->tcp, len, &new_flow);
	if (id == LB_NO_BACKEND)
		return lb_fallback(svc, len, LB_R_NO_BACKEND);
	if (id == LB_CUSTOM_MISSING)
		return lb_fallback(svc, len, LB_R_CUSTOM_MISSING);
	return lb_send(ctx, p, svc, &fk, id, new_flow, len);
}

/* Fragments carry no ports: a VIP's fragments are dropped unless the VIP says pass. */
static __always_inline int lb_fragment(struct sov_pkt *p, __u32 len)
{
	struct lb_vip_addr va = {};
	__u32 *flags;

	if (p->ip4) {
		va.addr[0] = p->ip4->daddr;
		va.family = AF_INET;
	} else if (p->ip6) {
		__builtin_memcpy(va.addr, &p->ip6->daddr, sizeof(va.addr));
		va.family = AF_INET6;
	}
	flags = bpf_map_lookup_elem(&lb_vip_addrs, &va);
	if (!flags)
		return lb_count(LB_R_NOT_SERVICE, len, XDP_PASS);
	if (*flags & LB_SVC_F_FRAG_PASS)
		return lb_count(LB_R_FRAG_PASS, len, XDP_PASS);
	return lb_count(LB_R_FRAG_DROP, len, XDP_DROP);
}

/*
 * ICMP errors about our flows. The quoted packet, reversed, is a flow key
 * either way round:
 *
 * - "fragmentation needed" / "packet too big" about a packet a backend sent
 *   from the VIP (quoted VIP:vport -> client:cport): the key is the client's
 *   lb_conns key, and the error goes to the backend that owns the flow, which
 *   lowers its path MTU: encapsulated in encap mode, translated (VIP ->
 *   backend address:port, outside and in the quote) in nat mode.
 * - any error a nat backend sends about a client's packet (quoted client ->
 *   backend:bport): the key is the reply's lb_nat_rev key, and the error is
 *   translated back to come from the VIP. Destination unreachable (not
 *   "fragmentation needed") counts as the backend's error.
 *
 * Only flows we know are followed; anything else is the stack's.
 */
static __always_inline int lb_icmp(struct xdp_md *ctx, struct sov_pkt *p, __u32 len)
{
	struct lb_icmp_hdr *icmp;
	struct lb_flow_key fk = {};
	struct lb_vip_key vk = {};
	struct iphdr *in4 = NULL;
	__be32 *in_src, *in_dst, *out_src, *out_dst;
	struct lb_backend_errors *err;
	struct lb_service *svc;
	struct lb_backend *be;
	struct lb_nat_rev *rev;
	struct lb_config *cfg;
	struct lb_flow *flow;
	bool ptb, unreach;
	__u32 key = 0;
	__u16 *ports;

	if (p->ip4 && p->l4_proto == IPPROTO_ICMP) {
		struct iphdr *in;

		icmp = (void *)p->ip4 + p->ip4->ihl * 4;
		if ((void *)(icmp + 1) > p->data_end)
			return lb_count(LB_R_MALFORMED, len, XDP_PASS);
		if (icmp->type != LB_ICMP_DEST_UNREACH && icmp->type != LB_ICMP_TIME_EXCEEDED &&
		    icmp->type != LB_ICMP_PARAMETERPROB)
			return lb_count(LB_R_ICMP_PASS, len, XDP_PASS);
		ptb = icmp->type == LB_ICMP_DEST_UNREACH && icmp->code == LB_ICMP_FRAG_NEEDED;
		unreach = icmp->type == LB_ICMP_DEST_UNREACH && !ptb;
		in = (void *)(icmp + 1);
		if ((void *)(in + 1) > p->data_end || in->ihl != 5)
			return lb_count(LB_R_ICMP_PASS, len, XDP_PASS);
		ports = (void *)(in + 1);
		if ((void *)(ports + 2) > p->data_end)
			return lb_count(LB_R_ICMP_PASS, len, XDP_PASS);
		in4 = in;
		in_src = &in->saddr;
		in_dst = &in->daddr;
		out_src = &p->ip4->saddr;
		out_dst = &p->ip4->daddr;
		fk.src[0] = in->daddr;
		fk.dst[0] = in->saddr;
		fk.family = AF_INET;
		fk.proto = in->protocol;
	} else if (p->ip6 && p->l4_proto == IPPROTO_ICMPV6) {
		struct ipv6hdr *in;

		icmp = (void *)(p->ip6 + 1);
		if ((void *)(icmp + 1) > p->data_end)
			return lb_count(LB_R_MALFORMED, len, XDP_PASS);
		if (icmp->type < LB_ICMPV6_DEST_UNREACH || icmp->type > LB_ICMPV6_PARAMPROB)
			return lb_count(LB_R_ICMP_PASS, len, XDP_PASS);
		ptb = icmp->type == LB_ICMPV6_PKT_TOOBIG;
		unreach = icmp->type == LB_ICMPV6_DEST_UNREACH;
		in = (void *)(icmp + 1);
		if ((void *)(in + 1) > p->data_end)
			return lb_count(LB_R_ICMP_PASS, len, XDP_PASS);
		ports = (void *)(in + 1);
		if ((void *)(ports + 2) > p->data_end)
			return lb_count(LB_R_ICMP_PASS, len, XDP_PASS);
		in_src = (__be32 *)&in->saddr;
		in_dst = (__be32 *)&in->daddr;
		out_src = (__be32 *)&p->ip6->saddr;
		out_dst = (__be32 *)&p->ip6->daddr;
		__builtin_memcpy(fk.src, &in->daddr, sizeof(fk.src));
		__builtin_memcpy(fk.dst, &in->saddr, sizeof(fk.dst));
		fk.family = AF_INET6;
		fk.proto = in->nexthdr;
	} else {
		/* neither TCP, UDP nor ICMP(v6): not a service's */
		return lb_count(LB_R_NOT_SERVICE, len, XDP_PASS);
	}
	fk.sport_be = ports[1];
	fk.dport_be = ports[0];

	if (ptb) {
		/* the quoted packet went VIP:vport -> client:cport */
		__builtin_memcpy(vk.addr, fk.dst, sizeof(vk.addr));
		vk.port_be = fk.dport_be;
		vk.proto = fk.proto;
		vk.family = fk.family;
		svc = bpf_map_lookup_elem(&lb_services, &vk);
		flow = bpf_map_lookup_elem(&lb_conns, &fk);
		if (svc && flow && lb_backend_ok(svc, flow->backend)) {
			be = bpf_map_lookup_elem(&lb_backends, &flow->backend);
			if (!be)
				return lb_count(LB_R_ICMP_PASS, len, XDP_PASS);
			if (!(svc->flags & LB_SVC_F_NAT))
				return lb_encap(ctx, p, be, len, LB_R_ICMP_FORWARDED);
			cfg = bpf_map_lookup_elem(&lb_config, &key);
			if (!cfg || be->family != fk.family)
				return lb_count(LB_R_NAT_FAIL, len, XDP_DROP);
			if (lb_nat_ttl_expiring(p))
				return lb_count(LB_R_NAT_TTL, len, XDP_PASS);
			lb_nat_icmp_rewrite(p, icmp, out_dst, in_src, in4, &ports[0], be->addr,
					    be->port_be ? be->port_be : fk.dport_be);
			if (lb_nat_eth(ctx, p, cfg))
				return lb_count(LB_R_NAT_FAIL, len, XDP_DROP);
			return lb_count(LB_R_ICMP_FORWARDED, len, XDP_TX);
		}
	}

	/* the quoted packet went client:cport -> backend:bport */
	rev = lb_nat_is_active() ? bpf_map_lookup_elem(&lb_nat_rev, &fk) : NULL;
	if (!rev)
		return lb_count(LB_R_ICMP_PASS, len, XDP_PASS);
	if (unreach) {
		err = lb_backend_errors_of(rev->backend);
		if (err)
			err->unreach++;
	}
	cfg = bpf_map_lookup_elem(&lb_config, &key);
	if (!cfg)
		return lb_count(LB_R_NAT_FAIL, len, XDP_DROP);
	if (lb_nat_ttl_expiring(p))
		return lb_count(LB_R_NAT_TTL, len, XDP_PASS);
	lb_nat_icmp_rewrite(p, icmp, out_src, in_dst, in4, &ports[1], rev->vip, rev->vport_be);
	if (lb_nat_eth(ctx, p, cfg))
		return lb_count(LB_R_NAT_FAIL, len, XDP_DROP);
	return lb_count(LB_R_NAT_ICMP_OUT, len, XDP_TX);
}

SEC("xdp")
int sov_lb(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	struct sov_pkt p;

	switch (sov_parse_packet(ctx, &p)) {
	case SOV_PARSE_OK:
		return lb_forward(ctx, &p, len);
	case SOV_PARSE_FRAGMENT:
		return lb_fragment(&p, len);
	case SOV_PARSE_OTHER_L4:
		return lb_icmp(ctx, &p, len);
	case SOV_PARSE_NOT_IP:
		return lb_count(LB_R_NOT_IP, len, XDP_PASS);
	default:
		return lb_count(LB_R_MALFORMED, len, XDP_PASS);
	}
}

/* The context still describes this packet's flow, for this service. */
static __always_inline bool lb_custom_ctx_same(const struct lb_custom_ctx *c,
					       const struct lb_flow_key *fk, __u32 service)
{
	const __u32 *a = (const __u32 *)&c->flow, *b = (const __u32 *)fk;
	__u32 diff = c->service ^ service;
	int i;

#pragma unroll
	for (i = 0; i < (int)(sizeof(*fk) / 4); i++)
		diff |= a[i] ^ b[i];
	return !diff;
}

/*
 * Back from a custom policy program (lb_resume[0]): the packet is as sov_lb
 * left it, a new flow of a custom service; lb_custom_ctx[0] holds the flow
 * and the program's answer. Found again and checked -- the flow must be the
 * context's, the answer a live backend of its service -- it is recorded and
 * forwarded exactly as lb_pick() and lb_forward() do with any policy's
 * pick. Anything that does not check out: LB_R_CUSTOM_BAD and the service's
 * fallback (XDP_PASS when not even the service is found); an answer of
 * LB_NO_BACKEND is the policy's "none": LB_R_NO_BACKEND and the fallback.
 */
SEC("xdp")
int sov_lb_resume(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data, key = 0, id;
	struct lb_sticky_key sk = {};
	struct lb_flow_key fk = {};
	struct lb_vip_key vk = {};
	struct lb_custom_ctx *c;
	struct lb_service *svc;
	struct sov_pkt p;
	bool closing;
	__u64 now;

	if (sov_parse_packet(ctx, &p) != SOV_PARSE_OK)
		return lb_count(LB_R_CUSTOM_BAD, len, XDP_PASS);
	lb_flow_key_fill(&fk, &p);
	lb_vip_key_fill(&vk, &fk);
	svc = bpf_map_lookup_elem(&lb_services, &vk);
	if (!svc || svc->index >= LB_MAX_SERVICES)
		return lb_count(LB_R_CUSTOM_BAD, len, XDP_PASS);
	c = bpf_map_lookup_elem(&lb_custom_ctx, &key);
	if (!c || !lb_custom_ctx_same(c, &fk, svc->index))
		return lb_fallback(svc, len, LB_R_CUSTOM_BAD);
	id = c->result;
	if (id == LB_NO_BACKEND)
		return lb_fallback(svc, len, LB_R_NO_BACKEND);
	if (!lb_backend_ok(svc, id))
		return lb_fallback(svc, len, LB_R_CUSTOM_BAD);
	/* sov_lb checked this; the program may not have left the packet alone */
	if ((svc->flags & LB_SVC_F_NAT) && lb_nat_ttl_expiring(&p))
		return lb_count(LB_R_NAT_TTL, len, XDP_PASS);

	now = bpf_ktime_get_coarse_ns();
	if (svc->sticky_timeout_s) {
		lb_sticky_key_fill(&sk, svc, &fk);
		lb_sticky_put(&sk, id, now);
	}
	closing = p.tcp && (p.tcp->fin || p.tcp->rst);
	lb_flow_record(&fk, id, closing, now, len);
	return lb_send(ctx, &p, svc, &fk, id, true, len);
}

char LICENSE[] SEC("license") = "GPL";
