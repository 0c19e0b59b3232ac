/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lb_encap.bpf.h - encap mode: IPIP / IP6IP6 towards the backend.
 * Part of lb.bpf.c, which includes it once, in order: one compilation
 * unit, as BPF programs need.
 */
#ifndef SOV_LB_ENCAP_BPF_H
#define SOV_LB_ENCAP_BPF_H

/*
 * The outer IPv4 header's checksum, from the values it is written from:
 * summing the header back out of the packet would load 16-bit words that
 * narrower stores just wrote, and each such load stalls on store forwarding.
 * Words are taken in memory order read as host u16s, as the stored result is.
 */
static __always_inline __u16 lb_csum_outer4(__u8 tos, __be16 tot_len, __be16 frag_off,
					    __be32 saddr, __be32 daddr)
{
	const union { __u8 b[2]; __u16 w; } vt = { .b = { 0x45, tos } },
		tp = { .b = { LB_TUNNEL_TTL, IPPROTO_IPIP } };
	__u32 sum = vt.w + tp.w;

	sum += (__u16)tot_len + (__u16)frag_off;
	sum += (saddr & 0xffff) + (saddr >> 16);
	sum += (daddr & 0xffff) + (daddr >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/*
 * Wrap the IP packet at p->l3 in an outer IPv4/IPv6 header to the backend
 * and send it back out (XDP_TX). A VLAN tag, if any, is dropped: the outer
 * Ethernet header goes to the configured next hop.
 */
static __always_inline int lb_encap(struct xdp_md *ctx, struct sov_pkt *p,
				    const struct lb_backend *be, __u32 len, __u32 reason)
{
	__u32 key = 0, l3_off = p->vlan ? 18 : 14, inner_len, outer;
	struct lb_config *cfg = bpf_map_lookup_elem(&lb_config, &key);
	__be32 v6_head = 0;
	__u8 tos = 0;
	__be16 df = 0, tot_len;
	void *data, *data_end;
	struct ethhdr *eth;

	if (!cfg)
		return lb_count(LB_R_ENCAP_FAIL, len, XDP_DROP);
	if (p->ip4) {
		if (be->family != AF_INET)
			return lb_count(LB_R_ENCAP_FAIL, len, XDP_DROP);
		inner_len = sov_bound16(bpf_ntohs(p->ip4->tot_len));
		tos = p->ip4->tos;
		df = p->ip4->frag_off & bpf_htons(IP_DF);
		outer = sizeof(struct iphdr);
	} else if (p->ip6) {
		if (be->family != AF_INET6)
			return lb_count(LB_R_ENCAP_FAIL, len, XDP_DROP);
		inner_len = sizeof(struct ipv6hdr) +
			    sov_bound16(bpf_ntohs(p->ip6->payload_len));
		/* version, traffic class and flow label carry over */
		v6_head = *(__be32 *)p->ip6;
		outer = sizeof(struct ipv6hdr);
	} else {
		return lb_count(LB_R_ENCAP_FAIL, len, XDP_DROP);
	}

	if (bpf_xdp_adjust_head(ctx, 0 - (int)(outer + sizeof(*eth) - l3_off)))
		return lb_count(LB_R_ENCAP_FAIL, len, XDP_DROP);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) + outer > data_end)
		return lb_count(LB_R_ENCAP_FAIL, len, XDP_DROP);
	__builtin_memcpy(eth->h_dest, cfg->gw_mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, cfg->src_mac, ETH_ALEN);

	if (outer == sizeof(struct iphdr)) {
		struct iphdr *iph = (void *)(eth + 1);

		if ((void *)(iph + 1) > data_end)
			return lb_count(LB_R_ENCAP_FAIL, len, XDP_DROP);
		eth->h_proto = bpf_htons(ETH_P_IP);
		iph->version = 4;
		iph->ihl = 5;
		iph->tos = tos;
		tot_len = bpf_htons(inner_len + sizeof(*iph));
		iph->tot_len = tot_len;
		iph->id = 0;
		iph->frag_off = df;
		iph->ttl = LB_TUNNEL_TTL;
		iph->protocol = IPPROTO_IPIP;
		iph->saddr = cfg->src4;
		iph->daddr = be->addr[0];
		iph->check = lb_csum_outer4(tos, tot_len, df, cfg->src4, be->addr[0]);
	} else {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return lb_count(LB_R_ENCAP_FAIL, len, XDP_DROP);
		eth->h_proto = bpf_htons(ETH_P_IPV6);
		*(__be32 *)ip6 = v6_head;
		ip6->payload_len = bpf_htons(inner_len);
		ip6->nexthdr = IPPROTO_IPV6;
		ip6->hop_limit = LB_TUNNEL_TTL;
		__builtin_memcpy(&ip6->saddr, cfg->src6, sizeof(ip6->saddr));
		__builtin_memcpy(&ip6->daddr, be->addr, sizeof(ip6->daddr));
	}
	return lb_count(reason, len, XDP_TX);
}

static __always_inline void lb_flow_key_fill(struct lb_flow_key *fk, struct sov_pkt *p)
{
	if (p->ip4) {
		fk->src[0] = p->ip4->saddr;
		fk->dst[0] = p->ip4->daddr;
		fk->family = AF_INET;
	} else if (p->ip6) {
		__builtin_memcpy(fk->src, &p->ip6->saddr, sizeof(fk->src));
		__builtin_memcpy(fk->dst, &p->ip6->daddr, sizeof(fk->dst));
		fk->family = AF_INET6;
	}
	fk->proto = p->l4_proto;
	if (p->tcp) {
		fk->sport_be = p->tcp->source;
		fk->dport_be = p->tcp->dest;
	} else if (p->udp) {
		fk->sport_be = p->udp->source;
		fk->dport_be = p->udp->dest;
	}
}

#endif /* SOV_LB_ENCAP_BPF_H */
