// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_actions.bpf.c - the netio_xdp selftest's program: one XDP action per
 * UDP destination port, so the same frames give the same verdicts on veth and
 * on sovnet. IPv4/UDP only; everything else (ARP) is passed.
 *
 *   7001 XDP_PASS    7002 XDP_TX (MACs swapped)    7003 XDP_DROP
 *   7004 XDP_REDIRECT to tx_port[0] (a devmap)
 *   7005 XDP_REDIRECT to xsks[rx queue] (an XSK map)
 *   7006 XDP_ABORTED
 *
 * seen[] counts, per action, the frames the program returned it for: the test
 * compares it with what each device and socket says it received.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define PORT_BASE	7000
/* port - PORT_BASE; not the XDP_* values (XDP_ABORTED is 0) */
#define ACT_PASS	1
#define ACT_TX		2
#define ACT_DROP	3
#define ACT_REDIR_DEV	4
#define ACT_REDIR_XSK	5
#define ACT_ABORTED	6
#define ACT_MAX		7

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} tx_port SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ACT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

static __always_inline void count(__u32 act)
{
	__u64 *n = bpf_map_lookup_elem(&seen, &act);

	if (n)
		__sync_fetch_and_add(n, 1);
}

SEC("xdp")
int xdp_actions(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 mac[ETH_ALEN];
	struct udphdr *udp;
	struct iphdr *ip;
	__u32 act;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->ihl != 5 || ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > end)
		return XDP_PASS;
	act = bpf_ntohs(udp->dest) - PORT_BASE;
	if (act == 0 || act >= ACT_MAX)
		return XDP_PASS;
	count(act);
	switch (act) {
	case ACT_PASS:
		return XDP_PASS;
	case ACT_TX:
		__builtin_memcpy(mac, eth->h_source, ETH_ALEN);
		__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
		__builtin_memcpy(eth->h_dest, mac, ETH_ALEN);
		return XDP_TX;
	case ACT_DROP:
		return XDP_DROP;
	case ACT_REDIR_DEV:
		return bpf_redirect_map(&tx_port, 0, 0);
	case ACT_REDIR_XSK:
		return bpf_redirect_map(&xsks, ctx->rx_queue_index, 0);
	default:
		return XDP_ABORTED;
	}
}

/* On the redirect target's peer: veth delivers ndo_xdp_xmit frames only to
 * a peer with NAPI on, which a program turns on; sovnet gets the same.
 */
SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
