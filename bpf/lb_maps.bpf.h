/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lb_maps.bpf.h - the load balancer's maps (layouts in lb.h; the ones a custom policy shares are in lb_custom.h).
 * Part of lb.bpf.c, which includes it once, in order: one compilation
 * unit, as BPF programs need.
 */
#ifndef SOV_LB_MAPS_BPF_H
#define SOV_LB_MAPS_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LB_MAX_SERVICES);
	__type(key, struct lb_vip_key);
	__type(value, struct lb_service);
} lb_services SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LB_MAX_SERVICES);
	__type(key, struct lb_vip_addr);
	__type(value, __u32);			/* LB_SVC_F_* of the address */
} lb_vip_addrs SEC(".maps");

/* [bank][service][slot] -> global backend id */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_RDONLY_PROG);	/* written by the control plane only */
	__uint(max_entries, 2 * LB_MAX_SERVICES * LB_MAGLEV_SIZE);
	__type(key, __u32);
	__type(value, __u32);
} lb_maglev SEC(".maps");

/* Per-CPU LRU lists over one table: no cross-CPU lock on the hot path. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LB_CONN_MAX);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, struct lb_flow_key);
	__type(value, struct lb_flow);
} lb_conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LB_STICKY_MAX);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, struct lb_sticky_key);
	__type(value, struct lb_sticky);
} lb_sticky SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LB_MAX_SERVICES);
	__type(key, __u32);
	__type(value, __u32);
} lb_rr SEC(".maps");

struct lb_swrr_state {
	__s32 current[LB_MAX_BACKENDS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LB_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct lb_swrr_state);
} lb_swrr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_RDONLY_PROG);	/* written by the control plane only */
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lb_config);
} lb_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LB_R_MAX);
	__type(key, __u32);
	__type(value, struct lb_counter);
} lb_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LB_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct lb_flow_counter);
} lb_svc_stats SEC(".maps");

/* nat mode: the reply's 5-tuple -> the VIP:port it must come from (lb.h) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LB_NAT_MAX);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, struct lb_flow_key);
	__type(value, struct lb_nat_rev);
} lb_nat_rev SEC(".maps");

/*
 * Addresses nat flows were sent to, filled when a mapping is made (value:
 * the last backend id seen there, for people), so that a backend's packet
 * without a mapping is counted as such rather than as not-for-a-service.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LB_MAX_SERVICES * LB_MAX_BACKENDS);
	__type(key, struct lb_be_addr);
	__type(value, __u32);
} lb_nat_backends SEC(".maps");

/*
 * lb_nat_active[0] != 0 once a nat mapping exists. Until then a packet for
 * no service skips the two nat lookups, which would double the cost of the
 * pass path. The data path sets it with its first mapping; the control
 * plane may set it ahead and clear it once no nat service is left.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} lb_nat_active SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LB_MAX_SERVICES * LB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct lb_latency);
} lb_latency SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LB_MAX_SERVICES * LB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct lb_backend_errors);
} lb_backend_errors SEC(".maps");

/* policy custom: service index -> the service's program (put there by the control plane) */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, LB_MAX_SERVICES);
	__type(key, __u32);
	__type(value, __u32);
} lb_custom_progs SEC(".maps");

#endif /* SOV_LB_MAPS_BPF_H */
