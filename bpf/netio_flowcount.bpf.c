// SPDX-License-Identifier: GPL-2.0
/*
 * netio_flowcount.bpf.c - the reference count of tests/selftests/netio_classes.sh:
 * on the receiving end of a sovnet pair, packets and bytes per IPv4 UDP/TCP
 * 5-tuple in a hash map (read with bpftool map dump), to compare with the
 * sending end's flow table (SOV_CMD_NETIO_FLOW_GET). Every frame passes.
 */
#include "parse.bpf.h"

struct flowcount_key {
	__u32 saddr;		/* network order */
	__u32 daddr;
	__u16 sport;		/* network order */
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct flowcount_val {
	__u64 pkts;
	__u64 bytes;		/* the whole frame, as the flow table counts it */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct flowcount_key);
	__type(value, struct flowcount_val);
} flowcount SEC(".maps");

SEC("xdp")
int netio_flowcount(struct xdp_md *ctx)
{
	struct flowcount_key k = {};
	struct flowcount_val one = {}, *v;
	struct sov_pkt p;
	__u64 len = ctx->data_end - ctx->data;

	if (sov_parse_packet(ctx, &p) != SOV_PARSE_OK || !p.ip4 || p.fragment)
		return XDP_PASS;
	k.saddr = p.ip4->saddr;
	k.daddr = p.ip4->daddr;
	k.proto = p.l4_proto;
	if (p.udp) {
		k.sport = p.udp->source;
		k.dport = p.udp->dest;
	} else if (p.tcp) {
		k.sport = p.tcp->source;
		k.dport = p.tcp->dest;
	}
	v = bpf_map_lookup_elem(&flowcount, &k);
	if (v) {
		__sync_fetch_and_add(&v->pkts, 1);
		__sync_fetch_and_add(&v->bytes, len);
	} else {
		one.pkts = 1;
		one.bytes = len;
		if (bpf_map_update_elem(&flowcount, &k, &one, BPF_NOEXIST)) {
			/* another CPU made it first */
			v = bpf_map_lookup_elem(&flowcount, &k);
			if (v) {
				__sync_fetch_and_add(&v->pkts, 1);
				__sync_fetch_and_add(&v->bytes, len);
			}
		}
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
