/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parse.bpf.h - bounds-checked header parsing for Sovereign's XDP programs.
 *
 * Shared by the XDP floor (floor.bpf.c) and, later, the XDP load balancer.
 * Everything is static __always_inline: no BPF-to-BPF calls, so the
 * verifier sees packet pointers with their ranges intact and the callers
 * pay no call overhead.
 *
 * Usage:
 *	struct sov_pkt p;
 *	int rc = sov_parse_packet(ctx, &p);
 *
 * On return the pointers in p that were reached are set (others NULL) and
 * rc says how far the parse got (enum sov_parse_rc).  Every pointer that is
 * set points at a header that lies completely inside the frame, so callers
 * may dereference p.eth, p.vlan, p.ip4/p.ip6 and p.tcp/p.udp (whichever are
 * non-NULL) up to sizeof(*ptr) without further checks.  For TCP the whole
 * header including options (doff * 4) is inside the frame.
 *
 * What counts as malformed (SOV_PARSE_MALFORMED):
 *   - Ethernet header, or the 802.1Q/802.1ad tag that follows it, truncated
 *   - IPv4: truncated fixed header, version != 4, IHL < 5, header (IHL*4)
 *     longer than the frame, tot_len < IHL*4 or tot_len longer than the
 *     frame (Ethernet padding after tot_len is fine)
 *   - IPv6: truncated fixed header, version != 6, payload_len longer than
 *     the frame
 *   - TCP/UDP header (TCP: including options) not inside the frame and the
 *     IP length, or TCP data offset < 5
 *
 * Not walked (callers see SOV_PARSE_OTHER_L4): IPv6 extension headers other
 * than the fragment header, IPv4-in-IPv4 and other tunnels.  Only one VLAN
 * tag is parsed; an inner tag of a QinQ frame ends as SOV_PARSE_NOT_IP.
 */
#ifndef SOV_PARSE_BPF_H
#define SOV_PARSE_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define SOV_IP_MF	0x2000	/* IPv4 more-fragments flag, host order */
#define SOV_IP_OFFSET	0x1fff	/* IPv4 fragment offset mask, host order */
#define SOV_NEXTHDR_FRAGMENT 44	/* IPv6 fragment extension header */

/* 802.1Q / 802.1ad tag as it follows the Ethernet addresses */
struct sov_vlan_hdr {
	__be16 tci;		/* PCP(3) DEI(1) VID(12) */
	__be16 encap_proto;	/* EtherType of what follows */
};

enum sov_parse_rc {
	SOV_PARSE_OK = 0,	/* IP + complete TCP/UDP header */
	SOV_PARSE_MALFORMED,	/* see the list above */
	SOV_PARSE_NOT_IP,	/* EtherType neither IPv4 nor IPv6 */
	SOV_PARSE_FRAGMENT,	/* IP fragment; L4 not parsed */
	SOV_PARSE_OTHER_L4,	/* IP, L4 neither TCP nor UDP */
};

struct sov_pkt {
	void *data_end;
	struct ethhdr *eth;
	struct sov_vlan_hdr *vlan;	/* NULL when untagged */
	void *l3;			/* start of the L3 header */
	struct iphdr *ip4;		/* set when l3_proto == ETH_P_IP */
	struct ipv6hdr *ip6;		/* set when l3_proto == ETH_P_IPV6 */
	struct tcphdr *tcp;		/* set when l4_proto == IPPROTO_TCP and OK */
	struct udphdr *udp;		/* set when l4_proto == IPPROTO_UDP and OK */
	__u32 l4_len;			/* bytes from the L4 header to the end of the IP packet */
	__u16 l3_proto;			/* EtherType after the VLAN tag, host order */
	__u8 l4_proto;			/* IPPROTO_*, 0 if L3 not parsed */
	__u8 fragment;			/* 1 if an IP fragment */
};

/* Ethernet plus at most one 802.1Q or 802.1ad tag. */
static __always_inline int sov_parse_eth(struct sov_pkt *p, void *data)
{
	struct ethhdr *eth = data;
	struct sov_vlan_hdr *vh;
	void *pos;
	__u16 proto;

	if ((void *)(eth + 1) > p->data_end)
		return SOV_PARSE_MALFORMED;
	p->eth = eth;
	pos = eth + 1;
	proto = bpf_ntohs(eth->h_proto);

	if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
		vh = pos;
		if ((void *)(vh + 1) > p->data_end)
			return SOV_PARSE_MALFORMED;
		p->vlan = vh;
		proto = bpf_ntohs(vh->encap_proto);
		pos = vh + 1;
	}
	p->l3 = pos;
	p->l3_proto = proto;
	return SOV_PARSE_OK;
}

/*
 * TCP or UDP header at l4, with l4_room bytes of IP payload (already known
 * to be inside the frame up to p->data_end separately; both are checked).
 */
static __always_inline int sov_parse_l4(struct sov_pkt *p, void *l4, __u32 l4_room)
{
	p->l4_len = l4_room;
	if (p->l4_proto == IPPROTO_UDP) {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) > p->data_end || l4_room < sizeof(*udp))
			return SOV_PARSE_MALFORMED;
		p->udp = udp;
		return SOV_PARSE_OK;
	}
	if (p->l4_proto == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;
		__u32 thlen;

		if ((void *)(tcp + 1) > p->data_end)
			return SOV_PARSE_MALFORMED;
		thlen = tcp->doff * 4;
		if (thlen < sizeof(*tcp) || thlen > l4_room)
			return SOV_PARSE_MALFORMED;
		if (l4 + thlen > p->data_end)
			return SOV_PARSE_MALFORMED;
		p->tcp = tcp;
		return SOV_PARSE_OK;
	}
	return SOV_PARSE_OTHER_L4;
}

/*
 * 6.1's verifier does not bound the result of a byte swap, and refuses to add
 * an unbounded scalar to a packet pointer. The compiler knows a swapped u16
 * fits and would drop a plain mask, so the mask is done in asm.
 */
static __always_inline __u32 sov_bound16(__u32 v)
{
	asm volatile("%0 &= 0xffff" : "+r"(v));
	return v;
}

static __always_inline int sov_parse_ipv4(struct sov_pkt *p)
{
	struct iphdr *iph = p->l3;
	__u32 hlen, tot;

	if ((void *)(iph + 1) > p->data_end)
		return SOV_PARSE_MALFORMED;
	if (iph->version != 4)
		return SOV_PARSE_MALFORMED;
	hlen = iph->ihl * 4;
	if (hlen < sizeof(*iph))
		return SOV_PARSE_MALFORMED;
	tot = sov_bound16(bpf_ntohs(iph->tot_len));
	if (tot < hlen)
		return SOV_PARSE_MALFORMED;
	/* tot <= 65535: the pointer comparison cannot wrap */
	if ((void *)iph + tot > p->data_end)
		return SOV_PARSE_MALFORMED;
	p->ip4 = iph;
	p->l4_proto = iph->protocol;

	if (iph->frag_off & bpf_htons(SOV_IP_MF | SOV_IP_OFFSET)) {
		p->fragment = 1;
		return SOV_PARSE_FRAGMENT;
	}
	return sov_parse_l4(p, (void *)iph + hlen, tot - hlen);
}

static __always_inline int sov_parse_ipv6(struct sov_pkt *p)
{
	struct ipv6hdr *ip6 = p->l3;
	__u32 plen;

	if ((void *)(ip6 + 1) > p->data_end)
		return SOV_PARSE_MALFORMED;
	if (ip6->version != 6)
		return SOV_PARSE_MALFORMED;
	plen = sov_bound16(bpf_ntohs(ip6->payload_len));
	if ((void *)(ip6 + 1) + plen > p->data_end)
		return SOV_PARSE_MALFORMED;
	p->ip6 = ip6;
	p->l4_proto = ip6->nexthdr;

	if (ip6->nexthdr == SOV_NEXTHDR_FRAGMENT) {
		p->fragment = 1;
		return SOV_PARSE_FRAGMENT;
	}
	return sov_parse_l4(p, ip6 + 1, plen);
}

/* Parse Ethernet [+ VLAN] + IPv4/IPv6 + TCP/UDP; see the top of the file. */
static __always_inline int sov_parse_packet(struct xdp_md *ctx, struct sov_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	int rc;

	__builtin_memset(p, 0, sizeof(*p));
	p->data_end = (void *)(long)ctx->data_end;

	rc = sov_parse_eth(p, data);
	if (rc != SOV_PARSE_OK)
		return rc;
	if (p->l3_proto == ETH_P_IP)
		return sov_parse_ipv4(p);
	if (p->l3_proto == ETH_P_IPV6)
		return sov_parse_ipv6(p);
	return SOV_PARSE_NOT_IP;
}

#endif /* SOV_PARSE_BPF_H */
