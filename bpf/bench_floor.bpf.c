// SPDX-License-Identifier: GPL-2.0
/*
 * bench_floor.bpf.c - the floor of the load balancer benchmark (make bench-lb).
 *
 * The least an XDP forwarder does: the same bounds-checked parse of Ethernet
 * (+ VLAN), IPv4/IPv6 and TCP/UDP as the balancer (parse.bpf.h), swap the
 * MAC addresses and send the frame back out (XDP_TX). No map, no helper.
 * Anything the balancer costs above this is its own work. Not a data path:
 * only bench/lb_bench.c loads it.
 */
#include "parse.bpf.h"

SEC("xdp")
int bench_floor(struct xdp_md *ctx)
{
	__u8 tmp[ETH_ALEN];
	struct sov_pkt p;

	if (sov_parse_packet(ctx, &p) != SOV_PARSE_OK)
		return XDP_PASS;
	__builtin_memcpy(tmp, p.eth->h_source, ETH_ALEN);
	__builtin_memcpy(p.eth->h_source, p.eth->h_dest, ETH_ALEN);
	__builtin_memcpy(p.eth->h_dest, tmp, ETH_ALEN);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
