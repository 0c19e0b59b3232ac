// SPDX-License-Identifier: GPL-2.0
/*
 * floor.bpf.c - the XDP floor.
 *
 * sov_floor is the cheapest program that still does what every Sovereign
 * XDP program must do: a bounds-checked parse of Ethernet (+ one VLAN tag),
 * IPv4/IPv6 and the TCP/UDP header, a per-CPU counter update, and a
 * verdict.  It is the benchmark floor for the XDP load balancer (anything
 * the balancer costs above this is the balancer's own work) and the proof
 * program for the BPF fixture runner (tests/bpf/).
 *
 * sov_reflect answers UDP echo (port 7) in place with XDP_TX; it exists so
 * the fixture runner has a program that rewrites packet bytes.
 */
#include "parse.bpf.h"
#include "floor.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SOV_FLOOR_OUTCOME_MAX);
	__type(key, __u32);
	__type(value, struct sov_floor_counter);
} floor_stats SEC(".maps");

static __always_inline void floor_count(struct xdp_md *ctx, __u32 outcome)
{
	struct sov_floor_counter *c;

	c = bpf_map_lookup_elem(&floor_stats, &outcome);
	if (!c)
		return;
	/*
	 * Per-CPU slot: no other CPU writes it, no atomics needed.  The
	 * length is a packet-pointer difference, which the verifier allows
	 * only with CAP_PERFMON (or root); bpf_xdp_get_buff_len() would avoid
	 * that at the price of a helper call on the fast path.
	 */
	c->packets++;
	c->bytes += ctx->data_end - ctx->data;
}

SEC("xdp")
int sov_floor(struct xdp_md *ctx)
{
	struct sov_pkt p;

	switch (sov_parse_packet(ctx, &p)) {
	case SOV_PARSE_OK:
		floor_count(ctx, SOV_FLOOR_PASS);
		return XDP_PASS;
	case SOV_PARSE_NOT_IP:
		floor_count(ctx, SOV_FLOOR_PASS_NOT_IP);
		return XDP_PASS;
	case SOV_PARSE_FRAGMENT:
		floor_count(ctx, SOV_FLOOR_PASS_FRAGMENT);
		return XDP_PASS;
	case SOV_PARSE_OTHER_L4:
		floor_count(ctx, SOV_FLOOR_PASS_OTHER_L4);
		return XDP_PASS;
	default:
		floor_count(ctx, SOV_FLOOR_DROP_MALFORMED);
		return XDP_DROP;
	}
}

static __always_inline void swap_mac(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

/*
 * Reflect UDP echo requests (destination port 7) back where they came from.
 *
 * No checksum is touched, and none needs to be:
 *  - The IPv4 header checksum is the one's complement of the one's
 *    complement sum of the header's 16-bit words.  That sum is commutative,
 *    so exchanging saddr and daddr only reorders the words being added and
 *    the sum, hence the checksum, is unchanged.  Nothing else in the header
 *    (TTL included) is modified.
 *  - The UDP checksum covers the pseudo-header (source and destination
 *    address, protocol, UDP length) plus the UDP header and payload.
 *    Swapping the two addresses and swapping the two ports again only
 *    reorders words within the sum; length and payload are untouched.  The
 *    same holds for IPv6, whose pseudo-header also holds both addresses.
 *    A zero (absent) IPv4 UDP checksum stays zero, which is still valid.
 *
 * Not reflected (XDP_PASS, packet unchanged): anything that does not parse
 * as IPv4/IPv6 + UDP, IP fragments, source port 7 (two reflectors would
 * bounce the packet between each other forever), and frames whose source
 * or destination MAC is a group (multicast/broadcast) address, because the
 * reply would carry a group address as its source.
 */
SEC("xdp")
int sov_reflect(struct xdp_md *ctx)
{
	struct sov_pkt p;
	struct udphdr *udp;

	if (sov_parse_packet(ctx, &p) != SOV_PARSE_OK || !p.udp)
		return XDP_PASS;
	udp = p.udp;
	if (udp->dest != bpf_htons(SOV_ECHO_PORT) ||
	    udp->source == bpf_htons(SOV_ECHO_PORT))
		return XDP_PASS;
	if ((p.eth->h_dest[0] | p.eth->h_source[0]) & 1)
		return XDP_PASS;

	swap_mac(p.eth);

	if (p.ip4) {
		__be32 addr = p.ip4->saddr;

		p.ip4->saddr = p.ip4->daddr;
		p.ip4->daddr = addr;
	} else if (p.ip6) {
		struct in6_addr addr = p.ip6->saddr;

		p.ip6->saddr = p.ip6->daddr;
		p.ip6->daddr = addr;
	} else {
		return XDP_PASS;
	}

	udp->dest = udp->source;
	udp->source = bpf_htons(SOV_ECHO_PORT);

	floor_count(ctx, SOV_FLOOR_TX_REFLECT);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
