// SPDX-License-Identifier: GPL-2.0
/*
 * bench_restore.bpf.c - the wrapper that lets BPF_PROG_TEST_RUN time a
 * program that rewrites its packet (make bench-lb).
 *
 * With repeat > 1 the kernel runs the program again on the same buffer, so
 * the load balancer's second iteration would see its own IPIP output and
 * take another path. bench_restore runs first in every iteration: it moves
 * the packet start back to where the template starts (undoing the
 * balancer's bpf_xdp_adjust_head), writes the template over the packet and,
 * for new-flow runs, first gives the template a 5-tuple never seen before
 * (bench.h). Then it tail-calls bench_jmp[0]: the balancer, or bench_nop to
 * measure the wrapper's own cost, which the benchmark subtracts.
 *
 * Both steps run in every iteration, needed or not, so the wrapper costs the
 * same in front of bench_nop as in front of the balancer.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bench.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_restore_cfg);
} bench_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_jmp SEC(".maps");

SEC("xdp")
int bench_restore(struct xdp_md *ctx)
{
	struct bench_restore_cfg *c;
	__u32 key = 0, len, cur, off;

	c = bpf_map_lookup_elem(&bench_cfg, &key);
	if (!c)
		return XDP_ABORTED;
	len = c->len;
	if (len < 14 || len > BENCH_PKT_MAX)
		return XDP_ABORTED;
	cur = bpf_xdp_get_buff_len(ctx);
	if (bpf_xdp_adjust_head(ctx, (int)(cur - len)))
		return XDP_ABORTED;
	if (c->new_flow) {
		__u32 n = c->ctr++;

		off = c->sport_off;
		if (off > BENCH_PKT_MAX - 2)
			return XDP_ABORTED;
		c->pkt[off] = n >> 8;
		c->pkt[off + 1] = n;
		off = c->saddr_lo_off;
		if (off > BENCH_PKT_MAX - 2)
			return XDP_ABORTED;
		c->pkt[off] = n >> 24;
		c->pkt[off + 1] = n >> 16;
	}
	if (bpf_xdp_store_bytes(ctx, 0, c->pkt, len))
		return XDP_ABORTED;
	bpf_tail_call(ctx, &bench_jmp, 0);
	return XDP_ABORTED;
}

/* The empty program: what BPF_PROG_TEST_RUN itself costs per iteration. */
SEC("xdp")
int bench_nop(struct xdp_md *ctx)
{
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
