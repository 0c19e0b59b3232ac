/* SPDX-License-Identifier: GPL-2.0 */
/*
 * floor.h - types shared between the XDP floor (bpf/floor.bpf.c) and
 * userspace (skeleton users, benchmarks, the fixture runner's fixtures).
 *
 * floor_stats is a BPF_MAP_TYPE_PERCPU_ARRAY indexed by enum
 * sov_floor_outcome; each slot holds a struct sov_floor_counter per CPU.
 * Userspace sums the per-CPU values.  The numeric values of the enum are
 * ABI for fixtures (they address slots as "key u32:N"): append only.
 */
#ifndef SOV_BPF_FLOOR_H
#define SOV_BPF_FLOOR_H

#include <linux/types.h>

enum sov_floor_outcome {
	/* IPv4/IPv6 with a complete TCP or UDP header: XDP_PASS */
	SOV_FLOOR_PASS = 0,
	/*
	 * Truncated Ethernet/802.1Q, IPv4, IPv6 or TCP/UDP header, wrong IP
	 * version, IHL < 5, IP length inconsistent with the frame, TCP data
	 * offset < 5: XDP_DROP
	 */
	SOV_FLOOR_DROP_MALFORMED = 1,
	/* EtherType is neither IPv4 nor IPv6 (ARP, LLDP, inner QinQ tag): XDP_PASS */
	SOV_FLOOR_PASS_NOT_IP = 2,
	/* IPv4 fragment (MF or offset set) or IPv6 fragment header; L4 not inspected: XDP_PASS */
	SOV_FLOOR_PASS_FRAGMENT = 3,
	/* unfragmented IP whose next protocol is not TCP/UDP (ICMP, ext. headers): XDP_PASS */
	SOV_FLOOR_PASS_OTHER_L4 = 4,
	/* sov_reflect only: UDP echo (port 7) reflected: XDP_TX */
	SOV_FLOOR_TX_REFLECT = 5,
	SOV_FLOOR_OUTCOME_MAX
};

struct sov_floor_counter {
	__u64 packets;	/* offset 0 */
	__u64 bytes;	/* offset 8: frame length, data_end - data */
};

#define SOV_ECHO_PORT 7

#endif /* SOV_BPF_FLOOR_H */
