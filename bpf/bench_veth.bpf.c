// SPDX-License-Identifier: GPL-2.0
/*
 * bench_veth.bpf.c - traffic generator and sink for the load balancer's
 * veth benchmark (make bench-lb).
 *
 * bench_gen runs under BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES in
 * the benchmark's network namespace: each frame is written from the
 * template (live frames are recycled pages, so whatever the balancer wrote
 * into the last one is still there) with the next of nflows source ports,
 * and redirected out of one end of a veth pair. The balancer runs in native
 * XDP mode on the other end and sends its IPIP output back (XDP_TX);
 * bench_sink, native XDP on the first end, counts what arrives and drops it.
 */
#include "parse.bpf.h"
#include "bench.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_gen_cfg);
} bench_gen_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BENCH_SINK_MAX);
	__type(key, __u32);
	__type(value, __u64);
} bench_sink_stats SEC(".maps");

SEC("xdp")
int bench_gen(struct xdp_md *ctx)
{
	struct bench_gen_cfg *c;
	__u32 key = 0, len, off, port;

	c = bpf_map_lookup_elem(&bench_gen_cfg, &key);
	if (!c || !c->nflows)
		return XDP_ABORTED;
	len = c->len;
	off = c->sport_off;
	if (len < 14 || len > BENCH_PKT_MAX || off > BENCH_PKT_MAX - 2)
		return XDP_ABORTED;
	port = c->sport_base + c->ctr++ % c->nflows;
	c->pkt[off] = port >> 8;
	c->pkt[off + 1] = port;
	if (bpf_xdp_store_bytes(ctx, 0, c->pkt, len))
		return XDP_ABORTED;
	return bpf_redirect(c->ifindex, 0);
}

SEC("xdp")
int bench_sink(struct xdp_md *ctx)
{
	__u32 slot = BENCH_SINK_OTHER;
	struct sov_pkt p;
	__u64 *n;

	sov_parse_packet(ctx, &p);
	if (p.ip4 && p.ip4->protocol == IPPROTO_IPIP)
		slot = BENCH_SINK_IPIP;
	n = bpf_map_lookup_elem(&bench_sink_stats, &slot);
	if (n)
		*n += 1;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
