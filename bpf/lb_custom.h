/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lb_custom.h - what a custom policy program for Sovereign's XDP load
 * balancer includes. The contract is in Documentation/lb.rst, "The custom
 * policy"; bpf/lb_custom_example.bpf.c is a complete program.
 *
 * A custom policy is an XDP program (SEC("xdp"), named sov_lb_custom) in an
 * ELF file of its own. For each new flow of its service the balancer fills
 * lb_custom_ctx[0] and tail-calls it; it picks a backend and hands the
 * packet back:
 *
 *	#include "lb_custom.h"
 *
 *	SEC("xdp")
 *	int sov_lb_custom(struct xdp_md *xdp)
 *	{
 *		struct lb_custom_ctx *c = sov_lb_custom_ctx();
 *		__u32 id = LB_NO_BACKEND;
 *
 *		if (c)
 *			id = ...;	(a global backend id of service c->service)
 *		return sov_lb_custom_return(xdp, id);
 *	}
 *
 *	char LICENSE[] SEC("license") = "GPL";
 *
 * The maps below are the balancer's. The loader (sovereignd) gives every
 * map of the program's ELF that is named like one of the balancer's the
 * balancer's map (bpf_map__reuse_fd), so these definitions only tell the
 * compiler and the verifier their layout. They are the balancer's own
 * definitions -- bpf/lb.bpf.c includes this header -- and follow the same
 * size constants: build with the balancer's -D LB_MAX_SERVICES /
 * LB_MAX_BACKENDS if it was built with other than the defaults.
 */
#ifndef SOV_BPF_LB_CUSTOM_H
#define SOV_BPF_LB_CUSTOM_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "lb.h"

/* global backend id -> address, family, LB_BE_F_UP, weight, port */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_RDONLY_PROG);	/* written by the control plane only */
	__uint(max_entries, LB_MAX_SERVICES * LB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct lb_backend);
} lb_backends SEC(".maps");

/* [bank][service] -> the live backends (sov_lb_custom_active()) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_RDONLY_PROG);	/* written by the control plane only */
	__uint(max_entries, 2 * LB_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct lb_active);
} lb_active SEC(".maps");

/* global backend id -> open connections (recorded flows, not yet FIN/RST) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LB_MAX_SERVICES * LB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, __s64);
} lb_conn_counts SEC(".maps");

/* global backend id -> packets, bytes, new flows (per CPU) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LB_MAX_SERVICES * LB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct lb_flow_counter);
} lb_backend_stats SEC(".maps");

/* [0]: the flow handed to the custom program and its answer (lb.h) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lb_custom_ctx);
} lb_custom_ctx SEC(".maps");

/*
 * [0]: sov_lb_resume, the way back into the balancer. bpf/lb.bpf.c defines
 * LB_RESUME_INIT so that libbpf puts sov_lb_resume there when it loads the
 * balancer; a custom program's copy starts empty and is replaced by the
 * balancer's when it is loaded.
 */
#ifndef LB_RESUME_INIT
#define LB_RESUME_INIT	{}
#endif
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));	/* no BTF key: the value has none */
	__array(values, int (struct xdp_md *));
} lb_resume SEC(".maps") = LB_RESUME_INIT;

/* This CPU's lb_custom_ctx[0]. Never NULL in practice; the verifier wants the check. */
static __always_inline struct lb_custom_ctx *sov_lb_custom_ctx(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&lb_custom_ctx, &zero);
}

/* The lb_active key of @c's service in its live bank. */
static __always_inline __u32 sov_lb_custom_active_key(const struct lb_custom_ctx *c)
{
	return (c->bank & 1) * LB_MAX_SERVICES + c->service;
}

/* The live backends of @c's service (lb_active), or NULL. */
static __always_inline struct lb_active *sov_lb_custom_active(const struct lb_custom_ctx *c)
{
	__u32 key = sov_lb_custom_active_key(c);

	return bpf_map_lookup_elem(&lb_active, &key);
}

/*
 * Answer @backend -- a global backend id (service * LB_MAX_BACKENDS + slot)
 * of the flow's service, or LB_NO_BACKEND -- and hand the packet back to the
 * balancer, which checks the answer, records the flow and forwards it. Use
 * it as the program's last statement:
 *
 *	return sov_lb_custom_return(xdp, id);
 *
 * It returns only if the tail call fails, i.e. lb_resume is empty (the
 * program runs without the balancer): the packet is dropped.
 */
static __always_inline int sov_lb_custom_return(struct xdp_md *xdp, __u32 backend)
{
	struct lb_custom_ctx *c = sov_lb_custom_ctx();

	if (c)
		c->result = backend;
	bpf_tail_call(xdp, &lb_resume, 0);
	return XDP_DROP;
}

#endif /* SOV_BPF_LB_CUSTOM_H */
