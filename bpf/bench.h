/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - maps shared by the benchmark helper programs
 * (bpf/bench_restore.bpf.c, bpf/bench_veth.bpf.c) and bench/lb_bench.c.
 * Not part of any data path: nothing else includes it.
 */
#ifndef SOV_BPF_BENCH_H
#define SOV_BPF_BENCH_H

#include <linux/types.h>

#define BENCH_PKT_MAX		128	/* largest packet template */

/*
 * bench_cfg[0] of bench_restore: the packet every iteration starts from.
 * With new_flow set, each iteration first writes its flow number ctr into
 * the template (source port = ctr & 0xffff, low 16 bits of the source
 * address = ctr >> 16, both big endian) and increments ctr, so every
 * iteration is a 5-tuple never seen before (until ctr wraps at 2^32).
 */
struct bench_restore_cfg {
	__u32 len;		/* bytes of pkt[] in use, 14..BENCH_PKT_MAX */
	__u32 new_flow;		/* 0: restore only */
	__u32 sport_off;	/* offset of the L4 source port in pkt[] */
	__u32 saddr_lo_off;	/* offset of the source address's last 2 bytes */
	__u32 ctr;		/* next flow number */
	__u32 pad;
	__u8 pkt[BENCH_PKT_MAX];
};

/*
 * bench_gen_cfg[0] of bench_gen (veth traffic generator, live frames):
 * every frame is the template with source port sport_base + ctr % nflows,
 * redirected out of ifindex.
 */
struct bench_gen_cfg {
	__u32 ifindex;
	__u32 len;
	__u32 sport_off;
	__u32 sport_base;
	__u32 nflows;		/* >= 1 */
	__u32 ctr;
	__u8 pkt[BENCH_PKT_MAX];
};

/* bench_sink_stats slots (per CPU, packets) */
enum bench_sink_slot {
	BENCH_SINK_IPIP = 0,	/* IPv4 with protocol 4: what the LB sends */
	BENCH_SINK_OTHER = 1,
	BENCH_SINK_MAX
};

#endif /* SOV_BPF_BENCH_H */
