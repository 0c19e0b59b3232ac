// SPDX-License-Identifier: GPL-2.0
/*
 * lb.bpf.c - Sovereign's XDP L4 load balancer.
 *
 * Packet path: parse (parse.bpf.h) -> service lookup by VIP:port/proto ->
 * connection table (5-tuple -> backend, so established flows never re-hash)
 * -> for a new flow: sticky session, else the service's policy -> then by the
 * service's forwarding mode:
 *   encap (the Katran model): IPIP or IP6IP6 encapsulation towards the
 *	backend, XDP_TX. The backend decapsulates and answers the client
 *	directly (direct server return).
 *   nat (LB_SVC_F_NAT): the destination becomes the backend's address and
 *	port, XDP_TX, and lb_nat_rev remembers the flow. The backend routes its
 *	replies through us; a packet for no service that matches lb_nat_rev is
 *	such a reply and leaves with the VIP as its source. Seeing both
 *	directions is what lets nat mode time SYN -> SYN-ACK and count resets.
 *
 * Policy custom: a new flow of a custom service leaves sov_lb by a tail call
 * into the service's program in lb_custom_progs, which answers in
 * lb_custom_ctx and tail-calls sov_lb_resume (lb_resume[0]); that re-parses
 * the unchanged packet, checks the answer and goes on as sov_lb would have.
 * The maps such a program may share are defined in lb_custom.h.
 *
 * Everything the control plane changes while packets flow is switched
 * atomically: Maglev tables and active lists are written into the idle bank,
 * then the service entry (a hash map value, replaced whole) flips its bank.
 *
 * Verdicts never depend on half-parsed data: anything malformed is passed to
 * the stack untouched and counted (LB_R_MALFORMED), never forwarded.
 */
#include "parse.bpf.h"
#include "lb.h"
#include "lb_hash.h"

/*
 * lb_backends, lb_active, lb_conn_counts, lb_backend_stats, lb_custom_ctx
 * and lb_resume: the maps a custom policy program shares with the balancer.
 * lb_resume[0] is sov_lb_resume from the moment libbpf loads the object.
 */
int sov_lb_resume(struct xdp_md *ctx);
#define LB_RESUME_INIT	{ .values = { [0] = (void *)&sov_lb_resume } }
#include "lb_custom.h"

#include <stdbool.h>

#define AF_INET		2
#define AF_INET6	10
#define IP_DF		0x4000
#define NSEC_PER_SEC	1000000000ULL

/* ICMP and ICMPv6 share this 8-byte layout (linux/icmp.h drags in libc) */
struct lb_icmp_hdr {
	__u8 type;
	__u8 code;
	__be16 checksum;
	__be32 rest;
};

#define LB_ICMP_DEST_UNREACH	3
#define LB_ICMP_FRAG_NEEDED	4
#define LB_ICMP_TIME_EXCEEDED	11
#define LB_ICMP_PARAMETERPROB	12
#define LB_ICMPV6_DEST_UNREACH	1
#define LB_ICMPV6_PKT_TOOBIG	2
#define LB_ICMPV6_PARAMPROB	4

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

static __always_inline int lb_count(__u32 reason, __u32 len, int verdict)
{
	struct lb_counter *c = bpf_map_lookup_elem(&lb_stats, &reason);

	if (c) {
		c->packets++;
		c->bytes += len;
	}
	return verdict;
}

static __always_inline void lb_flow_count(void *map, __u32 idx, __u32 len,
					  bool new_flow)
{
	struct lb_flow_counter *c = bpf_map_lookup_elem(map, &idx);

	if (c) {
		c->packets++;
		c->bytes += len;
		c->new_flows += new_flow;
	}
}

static __always_inline void lb_conn_add(__u32 backend, __s64 delta)
{
	__s64 *n = bpf_map_lookup_elem(&lb_conn_counts, &backend);

	if (n)
		__sync_fetch_and_add(n, delta);
}

/* A backend may serve @svc's flows: it is the service's and it is up. */
static __always_inline bool lb_backend_ok(const struct lb_service *svc, __u32 id)
{
	struct lb_backend *be;

	if (id / LB_MAX_BACKENDS != svc->index)
		return false;
	be = bpf_map_lookup_elem(&lb_backends, &id);
	return be && (be->flags & LB_BE_F_UP);
}

static __always_inline __u32 lb_pick_maglev(const struct lb_service *svc, __u32 hash)
{
	__u32 size = svc->table_size, idx, *id;

	if (!size || size > LB_MAGLEV_SIZE)
		return LB_NO_BACKEND;
	idx = (svc->bank & 1) * (LB_MAX_SERVICES * LB_MAGLEV_SIZE) +
	      svc->index * LB_MAGLEV_SIZE + hash % size;
	id = bpf_map_lookup_elem(&lb_maglev, &idx);
	return id ? *id : LB_NO_BACKEND;
}

static __always_inline struct lb_active *lb_active_of(const struct lb_service *svc)
{
	__u32 idx = (svc->bank & 1) * LB_MAX_SERVICES + svc->index;

	return bpf_map_lookup_elem(&lb_active, &idx);
}

/*
 * Keep the compiler from folding away a bound the verifier needs to see. Use
 * it on 64-bit copies: a 32-bit value may be checked in one register and
 * used, unbounded, in another.
 */
#define lb_barrier_var(v) asm volatile("" : "+r"(v))

static __always_inline __u32 lb_pick_rr(const struct lb_service *svc)
{
	struct lb_active *act = lb_active_of(svc);
	__u32 idx = svc->index, *ctr, n;
	__u64 i;

	ctr = bpf_map_lookup_elem(&lb_rr, &idx);
	if (!act || !ctr)
		return LB_NO_BACKEND;
	n = act->count;
	if (!n || n > LB_MAX_BACKENDS)
		return LB_NO_BACKEND;
	i = *ctr % n;
	*ctr += 1;
	lb_barrier_var(i);
	if (i >= LB_MAX_BACKENDS)
		return LB_NO_BACKEND;
	return act->ids[i];
}

/*
 * The list-based policies scan up to LB_MAX_BACKENDS entries. They do it
 * through bpf_loop() so the verifier checks the body once, not once per
 * backend: with 256 backends an unrolled scan exceeds its budget.
 */
struct lb_scan {
	__u32 active_idx;	/* lb_active key */
	__u32 svc;		/* service index */
	__u32 count;
	__u32 best;		/* position in the active list, or LB_MAX_BACKENDS */
	__s64 best_val;
	__s32 total;
};

static long lb_swrr_step(__u32 index, void *data)
{
	__u64 i = index;
	struct lb_scan *sc = data;
	struct lb_swrr_state *st;
	struct lb_active *act;
	struct lb_backend *be;
	__u32 id;

	lb_barrier_var(i);
	if (i >= sc->count || i >= LB_MAX_BACKENDS)
		return 1;
	act = bpf_map_lookup_elem(&lb_active, &sc->active_idx);
	st = bpf_map_lookup_elem(&lb_swrr, &sc->svc);
	if (!act || !st)
		return 1;
	id = act->ids[i];
	be = bpf_map_lookup_elem(&lb_backends, &id);
	if (!be || !be->weight)
		return 0;
	st->current[i] += be->weight;
	sc->total += be->weight;
	if (sc->best == LB_MAX_BACKENDS || st->current[i] > sc->best_val) {
		sc->best = i;
		sc->best_val = st->current[i];
	}
	return 0;
}

/* nginx's smooth weighted round-robin, with per-CPU state. */
static __always_inline __u32 lb_pick_weighted(const struct lb_service *svc)
{
	struct lb_active *act = lb_active_of(svc);
	struct lb_scan sc = {
		.active_idx = (svc->bank & 1) * LB_MAX_SERVICES + svc->index,
		.svc = svc->index,
		.best = LB_MAX_BACKENDS,
	};
	struct lb_swrr_state *st;
	__u64 best;

	if (!act)
		return LB_NO_BACKEND;
	sc.count = act->count;
	bpf_loop(LB_MAX_BACKENDS, lb_swrr_step, &sc, 0);
	st = bpf_map_lookup_elem(&lb_swrr, &sc.svc);
	best = sc.best;
	lb_barrier_var(best);
	if (!st || best >= LB_MAX_BACKENDS)
		return LB_NO_BACKEND;
	st->current[best] -= sc.total;
	return act->ids[best];
}

static long lb_least_conn_step(__u32 index, void *data)
{
	__u64 i = index;
	struct lb_scan *sc = data;
	struct lb_active *act;
	__s64 *n;
	__u32 id;

	lb_barrier_var(i);
	if (i >= sc->count || i >= LB_MAX_BACKENDS)
		return 1;
	act = bpf_map_lookup_elem(&lb_active, &sc->active_idx);
	if (!act)
		return 1;
	id = act->ids[i];
	n = bpf_map_lookup_elem(&lb_conn_counts, &id);
	if (n && (sc->best == LB_MAX_BACKENDS || *n < sc->best_val)) {
		sc->best = i;
		sc->best_val = *n;
	}
	return 0;
}

static __always_inline __u32 lb_pick_least_conn(const struct lb_service *svc)
{
	struct lb_active *act = lb_active_of(svc);
	struct lb_scan sc = {
		.active_idx = (svc->bank & 1) * LB_MAX_SERVICES + svc->index,
		.svc = svc->index,
		.best = LB_MAX_BACKENDS,
	};
	__u64 best;

	if (!act)
		return LB_NO_BACKEND;
	sc.count = act->count;
	bpf_loop(LB_MAX_BACKENDS, lb_least_conn_step, &sc, 0);
	best = sc.best;
	lb_barrier_var(best);
	if (best >= LB_MAX_BACKENDS)
		return LB_NO_BACKEND;
	return act->ids[best];
}

/*
 * lb_pick()'s answer when a custom service has no program: lb_custom_progs'
 * slot was empty, so the tail call fell through. Not a backend id (those
 * are below LB_MAX_SERVICES * LB_MAX_BACKENDS), not LB_NO_BACKEND.
 */
#define LB_CUSTOM_MISSING	0xfffffffeU

/*
 * Policy custom: hand the new flow @fk to the service's program, which
 * answers in lb_custom_ctx and tail-calls sov_lb_resume. Returns only if
 * that program is missing: LB_CUSTOM_MISSING.
 */
static __always_inline __u32 lb_custom_call(struct xdp_md *ctx, const struct lb_service *svc,
					    const struct lb_flow_key *fk)
{
	struct lb_custom_ctx *c;
	__u32 key = 0;

	c = bpf_map_lookup_elem(&lb_custom_ctx, &key);
	if (!c)
		return LB_CUSTOM_MISSING;
	__builtin_memcpy(&c->flow, fk, sizeof(c->flow));
	c->service = svc->index;
	c->bank = svc->bank & 1;
	c->hash = lb_hash_flow(fk);
	c->svc_flags = svc->flags;
	c->result = LB_NO_BACKEND;
	c->pad = 0;
	bpf_tail_call(ctx, &lb_custom_progs, svc->index);
	return LB_CUSTOM_MISSING;
}

static __always_inline void lb_sticky_key_fill(struct lb_sticky_key *sk,
					       const struct lb_service *svc,
					       const struct lb_flow_key *fk)
{
	__builtin_memcpy(sk->addr, fk->src, sizeof(sk->addr));
	sk->service = svc->index;
	sk->family = fk->family;
}

/* A new flow's client sticks to backend @id from now on. */
static __always_inline void lb_sticky_put(const struct lb_sticky_key *sk, __u32 id, __u64 now)
{
	struct lb_sticky nst = {};

	nst.backend = id;
	nst.last_seen_ns = now;
	bpf_map_update_elem(&lb_sticky, sk, &nst, BPF_ANY);
}

/*
 * A new flow: sticky session first, then the service's policy. Policy
 * custom leaves here by a tail call and comes back in sov_lb_resume(), which
 * does what the end of this function and lb_pick() do with the answer.
 */
static __always_inline __u32 lb_pick_new(struct xdp_md *ctx, const struct lb_service *svc,
					 const struct lb_flow_key *fk, __u64 now)
{
	struct lb_sticky_key sk = {};
	struct lb_sticky *st;
	__u32 id;

	if (svc->sticky_timeout_s) {
		lb_sticky_key_fill(&sk, svc, fk);
		st = bpf_map_lookup_elem(&lb_sticky, &sk);
		if (st && now - st->last_seen_ns <
			  (__u64)svc->sticky_timeout_s * NSEC_PER_SEC &&
		    lb_backend_ok(svc, st->backend)) {
			st->last_seen_ns = now;
			return st->backend;
		}
	}

	switch (svc->policy) {
	case LB_POLICY_ROUND_ROBIN:
		id = lb_pick_rr(svc);
		break;
	case LB_POLICY_WEIGHTED:
		id = lb_pick_weighted(svc);
		break;
	case LB_POLICY_LEAST_CONN:
		id = lb_pick_least_conn(svc);
		break;
	case LB_POLICY_IP_HASH:
		id = lb_pick_maglev(svc, lb_hash_client(fk->src));
		break;
	case LB_POLICY_CUSTOM:
		return lb_custom_call(ctx, svc, fk);
	default:	/* maglev, and any policy this program does not know */
		id = lb_pick_maglev(svc, lb_hash_flow(fk));
		break;
	}
	if (id == LB_NO_BACKEND || !lb_backend_ok(svc, id))
		return LB_NO_BACKEND;

	if (svc->sticky_timeout_s)
		lb_sticky_put(&sk, id, now);
	return id;
}

/* A new flow goes to backend @id: the connection table, least-conn's count. */
static __always_inline void lb_flow_record(const struct lb_flow_key *fk, __u32 id,
					   bool closing, __u64 now, __u32 len)
{
	struct lb_flow nf = {};

	nf.backend = id;
	nf.last_seen_ns = now;
	nf.flags = closing ? LB_FLOW_F_CLOSED : 0;
	if (bpf_map_update_elem(&lb_conns, fk, &nf, BPF_ANY))
		lb_count(LB_R_CONN_FULL, len, 0);	/* forwarded statelessly */
	else if (!closing)
		lb_conn_add(id, 1);
}

/*
 * The backend of a flow: the connection table's, while that backend is up
 * (else the flow fails over like a new one), or a new pick recorded there.
 * LB_NO_BACKEND or LB_CUSTOM_MISSING: none.
 */
static __always_inline __u32 lb_pick(struct xdp_md *ctx, const struct lb_service *svc,
				     const struct lb_flow_key *fk,
				     const struct tcphdr *tcp, __u32 len, bool *new_flow)
{
	bool closing = tcp && (tcp->fin || tcp->rst);
	__u64 now = bpf_ktime_get_ns();
	struct lb_flow *flow;
	__u32 id;

	flow = bpf_map_lookup_elem(&lb_conns, fk);
	if (flow) {
		if (lb_backend_ok(svc, flow->backend)) {
			flow->last_seen_ns = now;
			if (closing && !(flow->flags & LB_FLOW_F_CLOSED)) {
				flow->flags |= LB_FLOW_F_CLOSED;
				lb_conn_add(flow->backend, -1);
			} else if (tcp && tcp->syn && !tcp->ack && !closing &&
				   (flow->flags & LB_FLOW_F_CLOSED)) {
				/* the client reuses the 5-tuple: a new connection, counted in */
				flow->flags &= ~LB_FLOW_F_CLOSED;
				lb_conn_add(flow->backend, 1);
			}
			return flow->backend;
		}
		/*
		 * Counted out once: if no new backend is recorded below (none
		 * live, or a custom program that never hands back), the next
		 * packet must not count it out again.
		 */
		if (!(flow->flags & LB_FLOW_F_CLOSED)) {
			flow->flags |= LB_FLOW_F_CLOSED;
			lb_conn_add(flow->backend, -1);
		}
	}

	id = lb_pick_new(ctx, svc, fk, now);
	if (id == LB_NO_BACKEND || id == LB_CUSTOM_MISSING)
		return id;
	*new_flow = true;
	lb_flow_record(fk, id, closing, now, len);
	return id;
}

static __always_inline __u16 lb_csum_ipv4(struct iphdr *iph)
{
	__u16 *w = (__u16 *)iph;
	__u32 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < (int)(sizeof(*iph) / 2); i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/*
 * Wrap the IP packet at p->l3 in an outer IPv4/IPv6 header to the backend
 * and send it back out (XDP_TX). A VLAN tag, if any, is dropped: the outer
 * Ethernet header goes to the configured next hop.
 */
static __always_inline int lb_encap(struct xdp_md *ctx, struct sov_pkt *p,
				    const struct lb_backend *be, __u32 len, __u32 reason)
{
	__u32 key = 0, l3_off = p->vlan ? 18 : 14, inner_len, outer;
	struct lb_config *cfg = bpf_map_lookup_elem(&lb_config, &key);
	__be32 v6_head = 0;
	__u8 tos = 0;
	__be16 df = 0;
	void *data, *data_end;
	struct ethhdr *eth;

	if (!cfg)
		return lb_count(LB_R_ENCAP_FAIL, len, XDP_DROP);
	if (p->ip4) {
		if (be->family != AF_INET)
			return lb_count(LB_R_ENCAP_FAIL, len, XDP_DROP);
		inner_len = sov_bound16(bpf_ntohs(p->ip4->tot_len));
		tos = p->ip4->tos;
		df = p->ip4->frag_off & bpf_htons(IP_DF);
		outer = sizeof(struct iphdr);
	} else if (p->ip6) {
		if (be->family != AF_INET6)
			return lb_count(LB_R_ENCAP_FAIL, len, XDP_DROP);
		inner_len = sizeof(struct ipv6hdr) +
			    sov_bound16(bpf_ntohs(p->ip6->payload_len));
		/* version, traffic class and flow label carry over */
		v6_head = *(__be32 *)p->ip6;
		outer = sizeof(struct ipv6hdr);
	} else {
		return lb_count(LB_R_ENCAP_FAIL, len, XDP_DROP);
	}

	if (bpf_xdp_adjust_head(ctx, 0 - (int)(outer + sizeof(*eth) - l3_off)))
		return lb_count(LB_R_ENCAP_FAIL, len, XDP_DROP);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) + outer > data_end)
		return lb_count(LB_R_ENCAP_FAIL, len, XDP_DROP);
	__builtin_memcpy(eth->h_dest, cfg->gw_mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, cfg->src_mac, ETH_ALEN);

	if (outer == sizeof(struct iphdr)) {
		struct iphdr *iph = (void *)(eth + 1);

		if ((void *)(iph + 1) > data_end)
			return lb_count(LB_R_ENCAP_FAIL, len, XDP_DROP);
		eth->h_proto = bpf_htons(ETH_P_IP);
		iph->version = 4;
		iph->ihl = 5;
		iph->tos = tos;
		iph->tot_len = bpf_htons(inner_len + sizeof(*iph));
		iph->id = 0;
		iph->frag_off = df;
		iph->ttl = LB_TUNNEL_TTL;
		iph->protocol = IPPROTO_IPIP;
		iph->check = 0;
		iph->saddr = cfg->src4;
		iph->daddr = be->addr[0];
		iph->check = lb_csum_ipv4(iph);
	} else {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return lb_count(LB_R_ENCAP_FAIL, len, XDP_DROP);
		eth->h_proto = bpf_htons(ETH_P_IPV6);
		*(__be32 *)ip6 = v6_head;
		ip6->payload_len = bpf_htons(inner_len);
		ip6->nexthdr = IPPROTO_IPV6;
		ip6->hop_limit = LB_TUNNEL_TTL;
		__builtin_memcpy(&ip6->saddr, cfg->src6, sizeof(ip6->saddr));
		__builtin_memcpy(&ip6->daddr, be->addr, sizeof(ip6->daddr));
	}
	return lb_count(reason, len, XDP_TX);
}

static __always_inline void lb_flow_key_fill(struct lb_flow_key *fk, struct sov_pkt *p)
{
	if (p->ip4) {
		fk->src[0] = p->ip4->saddr;
		fk->dst[0] = p->ip4->daddr;
		fk->family = AF_INET;
	} else if (p->ip6) {
		__builtin_memcpy(fk->src, &p->ip6->saddr, sizeof(fk->src));
		__builtin_memcpy(fk->dst, &p->ip6->daddr, sizeof(fk->dst));
		fk->family = AF_INET6;
	}
	fk->proto = p->l4_proto;
	if (p->tcp) {
		fk->sport_be = p->tcp->source;
		fk->dport_be = p->tcp->dest;
	} else if (p->udp) {
		fk->sport_be = p->udp->source;
		fk->dport_be = p->udp->dest;
	}
}

/*
 * nat mode's checksums are updated, never recomputed (RFC 1624, eqn. 3):
 * HC' = ~(~HC + ~m + m'). The changes ~m + m' are summed over 32- or 16-bit
 * words at even offsets, which one's complement arithmetic allows, in a u64
 * that cannot overflow for the few words a rewrite touches.
 */
static __always_inline __u16 lb_csum_fold(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

static __always_inline __u16 lb_csum_update(__u16 check, __u64 diff)
{
	return (__u16)~lb_csum_fold((__u16)~check + diff);
}

/* Overwrite an IPv4 (1 word) or IPv6 (4 words) address; returns ~m + m'. */
static __always_inline __u64 lb_csum_set_addr(__be32 *field, const __be32 *to, bool v6)
{
	__u64 d = (__u32)~field[0] + (__u64)to[0];

	field[0] = to[0];
	if (v6) {
		d += (__u32)~field[1] + (__u64)to[1];
		d += (__u32)~field[2] + (__u64)to[2];
		d += (__u32)~field[3] + (__u64)to[3];
		field[1] = to[1];
		field[2] = to[2];
		field[3] = to[3];
	}
	return d;
}

static __always_inline __u64 lb_csum_set_port(__be16 *field, __be16 to)
{
	__u64 d = (__u16)~*field + (__u64)to;

	*field = to;
	return d;
}

/* nat mode routes: a packet with no hop left is the stack's (it answers). */
static __always_inline bool lb_nat_ttl_expiring(const struct sov_pkt *p)
{
	if (p->ip4)
		return p->ip4->ttl <= 1;
	return p->ip6 && p->ip6->hop_limit <= 1;
}

/* One routed hop: TTL or hop limit - 1. @d: the IPv4 header's other changes. */
static __always_inline void lb_nat_hop(struct sov_pkt *p, __u64 d)
{
	if (p->ip4) {
		__u16 *ttl_proto = (__u16 *)&p->ip4->ttl;
		__u16 old = *ttl_proto;

		p->ip4->ttl--;
		p->ip4->check = lb_csum_update(p->ip4->check, d + (__u16)~old + *ttl_proto);
	} else if (p->ip6) {
		p->ip6->hop_limit--;
	}
}

/*
 * Rewrite one side of a TCP/UDP packet: @addr is the IP header's source or
 * destination, @port the L4 header's, both become @to / @to_port. The L4
 * checksum covers the address through the pseudo-header. An IPv4 UDP
 * checksum of 0 means "none" and stays 0; a computed 0 is sent as 0xffff.
 */
static __always_inline void lb_nat_rewrite(struct sov_pkt *p, __be32 *addr, __be16 *port,
					   const __be32 *to, __be16 to_port)
{
	__u64 d = lb_csum_set_addr(addr, to, !p->ip4);
	__u16 sum;

	lb_nat_hop(p, d);
	d += lb_csum_set_port(port, to_port);
	if (p->tcp) {
		p->tcp->check = lb_csum_update(p->tcp->check, d);
	} else if (p->udp && (p->udp->check || !p->ip4)) {
		sum = lb_csum_update(p->udp->check, d);
		p->udp->check = sum ? sum : 0xffff;
	}
}

/*
 * An ICMP error about a nat flow: the outer address @oaddr, the quoted
 * packet's address @iaddr and port @iport become @to / @to_port. Fixed up:
 * the outer IPv4 header checksum, the quoted IPv4 header's (@in4), and the
 * ICMP checksum, which covers the quoted bytes and, for ICMPv6, the outer
 * addresses through the pseudo-header. The quoted packet's own TCP/UDP
 * checksum is left alone: it may not even be quoted, and nobody checks it.
 */
static __always_inline void lb_nat_icmp_rewrite(struct sov_pkt *p, struct lb_icmp_hdr *icmp,
						__be32 *oaddr, __be32 *iaddr,
						struct iphdr *in4, __be16 *iport,
						const __be32 *to, __be16 to_port)
{
	__u64 od = lb_csum_set_addr(oaddr, to, !p->ip4);
	__u64 id = lb_csum_set_addr(iaddr, to, !p->ip4);
	__u16 old;

	if (in4) {
		old = in4->check;
		in4->check = lb_csum_update(old, id);
		id += (__u16)~old + (__u64)in4->check;
	}
	id += lb_csum_set_port(iport, to_port);
	lb_nat_hop(p, od);
	if (!p->ip4)
		id += od;
	icmp->checksum = lb_csum_update(icmp->checksum, id);
}

/*
 * nat mode's Ethernet, as encap mode's: untagged, from our MAC to the next
 * hop. A tag's EtherType sits where an untagged header has its own, so the
 * addresses move up over the tag and the head follows.
 */
static __always_inline int lb_nat_eth(struct xdp_md *ctx, const struct sov_pkt *p,
				      const struct lb_config *cfg)
{
	__u32 off = p->vlan ? sizeof(struct sov_vlan_hdr) : 0;
	struct ethhdr *eth = (void *)(long)ctx->data + off;

	if ((void *)(eth + 1) > (void *)(long)ctx->data_end)
		return -1;
	__builtin_memcpy(eth->h_dest, cfg->gw_mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, cfg->src_mac, ETH_ALEN);
	if (off && bpf_xdp_adjust_head(ctx, off))
		return -1;
	return 0;
}

static __always_inline void lb_latency_record(__u32 backend, __u64 syn_ns)
{
	__u64 now = bpf_ktime_get_ns(), ns, b;
	struct lb_latency *h;

	if (now < syn_ns)	/* not a time we took */
		return;
	ns = now - syn_ns;
	h = bpf_map_lookup_elem(&lb_latency, &backend);
	if (!h)
		return;
	b = lb_lat_bucket(ns / 1000);
	lb_barrier_var(b);
	if (b >= LB_LAT_BUCKETS)
		return;
	h->count++;
	h->sum_ns += ns;
	h->buckets[b]++;
}

static __always_inline struct lb_backend_errors *lb_backend_errors_of(__u32 backend)
{
	return bpf_map_lookup_elem(&lb_backend_errors, &backend);
}

/* The mapping still says what this packet's flow is: same backend, same VIP:port. */
static __always_inline bool lb_nat_rev_same(const struct lb_nat_rev *rev,
					    const struct lb_flow_key *fk, __u32 id)
{
	return rev->backend == id && rev->vport_be == fk->dport_be &&
	       rev->vip[0] == fk->dst[0] && rev->vip[1] == fk->dst[1] &&
	       rev->vip[2] == fk->dst[2] && rev->vip[3] == fk->dst[3];
}

/*
 * The nat bookkeeping that needs no packet pointer is in global functions
 * (__noinline, not static): the verifier checks those once, on their own,
 * rather than once for every path that reaches them (family, protocol,
 * VLAN, policy...). To it their pointer arguments may be NULL, and 6.1's
 * does not take them as map keys: keys are copied to the stack first.
 */

/*
 * The mapping of an inbound nat packet (@fk) going to backend @id, whose
 * replies will carry @rk: made when missing (new flow, evicted, reloaded) or
 * stale. Two services whose flows meet the same backend address:port from
 * the same client address:port would share @rk: the newer flow wins (DNAT
 * without SNAT cannot tell their replies apart). A client SYN starts a
 * latency sample, unless one is pending (a retransmission keeps the first
 * SYN's time), and a new connection, whose errors are not yet counted.
 */
__noinline int lb_nat_track_in(const struct lb_flow_key *rk, const struct lb_flow_key *fk,
			       __u32 id, __u32 syn, __u32 len)
{
	struct lb_nat_rev *rev, nr = {};
	struct lb_be_addr ba = {};
	struct lb_flow_key k;
	__u32 key = 0, *on;

	if (!rk || !fk)
		return 0;
	__builtin_memcpy(&k, rk, sizeof(k));
	rev = bpf_map_lookup_elem(&lb_nat_rev, &k);
	if (rev && lb_nat_rev_same(rev, fk, id)) {
		if (syn) {
			if (!rev->syn_ns)
				rev->syn_ns = bpf_ktime_get_ns();
			rev->flags = 0;
		}
		return 0;
	}

	__builtin_memcpy(nr.vip, fk->dst, sizeof(nr.vip));
	nr.vport_be = fk->dport_be;
	nr.service = id / LB_MAX_BACKENDS;
	nr.backend = id;
	nr.syn_ns = syn ? bpf_ktime_get_ns() : 0;
	if (bpf_map_update_elem(&lb_nat_rev, &k, &nr, BPF_ANY))
		lb_count(LB_R_NAT_REV_FULL, len, 0);	/* forwarded; replies will pass */

	__builtin_memcpy(ba.addr, k.src, sizeof(ba.addr));
	ba.family = k.family;
	if (!bpf_map_lookup_elem(&lb_nat_backends, &ba))
		bpf_map_update_elem(&lb_nat_backends, &ba, &id, BPF_ANY);
	on = bpf_map_lookup_elem(&lb_nat_active, &key);
	if (on && !*on)
		*on = 1;
	return 0;
}

static __always_inline bool lb_nat_is_active(void)
{
	__u32 key = 0, *on = bpf_map_lookup_elem(&lb_nat_active, &key);

	return on && *on;
}

/* Inbound in nat mode: client -> VIP:port becomes client -> backend:port. */
static __always_inline int lb_nat_in(struct xdp_md *ctx, struct sov_pkt *p,
				     const struct lb_service *svc, __u32 id,
				     const struct lb_backend *be,
				     const struct lb_flow_key *fk, __u32 len)
{
	__be16 port = be->port_be ? be->port_be : fk->dport_be;
	bool syn = p->tcp && p->tcp->syn && !p->tcp->ack;
	struct lb_flow_key rk = {};
	struct lb_config *cfg;
	__be16 *l4_port;
	__u32 key = 0;

	cfg = bpf_map_lookup_elem(&lb_config, &key);
	if (!cfg || be->family != fk->family)
		return lb_count(LB_R_NAT_FAIL, len, XDP_DROP);

	/* the reply's 5-tuple, as the backend will send it */
	__builtin_memcpy(rk.src, be->addr, sizeof(rk.src));
	__builtin_memcpy(rk.dst, fk->src, sizeof(rk.dst));
	rk.sport_be = port;
	rk.dport_be = fk->sport_be;
	rk.proto = fk->proto;
	rk.family = fk->family;
	lb_nat_track_in(&rk, fk, id, syn, len);

	if (p->tcp)
		l4_port = &p->tcp->dest;
	else if (p->udp)
		l4_port = &p->udp->dest;
	else
		return lb_count(LB_R_NAT_FAIL, len, XDP_DROP);
	if (p->ip4)
		lb_nat_rewrite(p, &p->ip4->daddr, l4_port, be->addr, port);
	else if (p->ip6)
		lb_nat_rewrite(p, (__be32 *)&p->ip6->daddr, l4_port, be->addr, port);
	if (lb_nat_eth(ctx, p, cfg))
		return lb_count(LB_R_NAT_FAIL, len, XDP_DROP);
	return lb_count(LB_R_NAT_IN, len, XDP_TX);
}

/* The backend ended the connection: out of least-conn's count, as a client FIN is. */
static __always_inline void lb_nat_close(const struct lb_nat_rev *rev,
					 const struct lb_flow_key *rk)
{
	struct lb_flow_key ck = {};
	struct lb_flow *flow;

	__builtin_memcpy(ck.src, rk->dst, sizeof(ck.src));
	__builtin_memcpy(ck.dst, rev->vip, sizeof(ck.dst));
	ck.sport_be = rk->dport_be;
	ck.dport_be = rev->vport_be;
	ck.proto = rk->proto;
	ck.family = rk->family;
	flow = bpf_map_lookup_elem(&lb_conns, &ck);
	if (flow && flow->backend == rev->backend && !(flow->flags & LB_FLOW_F_CLOSED)) {
		flow->flags |= LB_FLOW_F_CLOSED;
		lb_conn_add(flow->backend, -1);
	}
}

#define LB_TCP_FIN	0x01	/* TCP flag byte (offset 13) */
#define LB_TCP_SYN	0x02
#define LB_TCP_RST	0x04
#define LB_TCP_ACK	0x10

/*
 * What a backend's TCP reply (@flags: its flag byte) tells: the SYN-ACK ends
 * the latency sample, the first RST of a connection is an error, FIN or RST
 * ends the flow.
 */
__noinline int lb_nat_track_out(struct lb_nat_rev *rev, const struct lb_flow_key *rk,
				__u32 flags)
{
	struct lb_backend_errors *err;

	if (!rev || !rk)
		return 0;
	if ((flags & (LB_TCP_SYN | LB_TCP_ACK)) == (LB_TCP_SYN | LB_TCP_ACK) && rev->syn_ns) {
		lb_latency_record(rev->backend, rev->syn_ns);
		rev->syn_ns = 0;
	}
	if ((flags & LB_TCP_RST) && !(rev->flags & LB_NAT_F_RST)) {
		rev->flags |= LB_NAT_F_RST;
		err = lb_backend_errors_of(rev->backend);
		if (err)
			err->rst++;
	}
	if (flags & (LB_TCP_FIN | LB_TCP_RST))
		lb_nat_close(rev, rk);
	return 0;
}

/*
 * A TCP/UDP packet for no service: in nat mode, maybe a backend's reply,
 * whose own 5-tuple is its lb_nat_rev key. It leaves from VIP:port.
 */
static __always_inline int lb_nat_out(struct xdp_md *ctx, struct sov_pkt *p,
				      const struct lb_flow_key *fk, __u32 len)
{
	struct lb_be_addr ba = {};
	struct lb_nat_rev *rev;
	struct lb_config *cfg;
	__be16 *l4_port;
	__u32 key = 0;

	if (!lb_nat_is_active())
		return lb_count(LB_R_NOT_SERVICE, len, XDP_PASS);
	rev = bpf_map_lookup_elem(&lb_nat_rev, fk);
	if (!rev) {
		__builtin_memcpy(ba.addr, fk->src, sizeof(ba.addr));
		ba.family = fk->family;
		if (bpf_map_lookup_elem(&lb_nat_backends, &ba))
			return lb_count(LB_R_NAT_NO_MAPPING, len, XDP_PASS);
		return lb_count(LB_R_NOT_SERVICE, len, XDP_PASS);
	}
	if (lb_nat_ttl_expiring(p))
		return lb_count(LB_R_NAT_TTL, len, XDP_PASS);
	cfg = bpf_map_lookup_elem(&lb_config, &key);
	if (!cfg)
		return lb_count(LB_R_NAT_FAIL, len, XDP_DROP);

	if (p->tcp) {
		lb_nat_track_out(rev, fk, ((__u8 *)p->tcp)[13]);
		l4_port = &p->tcp->source;
	} else if (p->udp) {
		l4_port = &p->udp->source;
	} else {
		return lb_count(LB_R_NAT_FAIL, len, XDP_DROP);
	}
	if (p->ip4)
		lb_nat_rewrite(p, &p->ip4->saddr, l4_port, rev->vip, rev->vport_be);
	else if (p->ip6)
		lb_nat_rewrite(p, (__be32 *)&p->ip6->saddr, l4_port, rev->vip, rev->vport_be);
	if (lb_nat_eth(ctx, p, cfg))
		return lb_count(LB_R_NAT_FAIL, len, XDP_DROP);
	return lb_count(LB_R_NAT_OUT, len, XDP_TX);
}

/* The service's VIP key for the packet's flow key. */
static __always_inline void lb_vip_key_fill(struct lb_vip_key *vk, const struct lb_flow_key *fk)
{
	__builtin_memcpy(vk->addr, fk->dst, sizeof(vk->addr));
	vk->port_be = fk->dport_be;
	vk->proto = fk->proto;
	vk->family = fk->family;
}

/* No backend for this packet: the service's fallback, counted under @reason. */
static __always_inline int lb_fallback(const struct lb_service *svc, __u32 len, __u32 reason)
{
	struct lb_flow_counter *c;
	__u32 idx = svc->index;

	c = bpf_map_lookup_elem(&lb_svc_stats, &idx);
	if (c)
		c->no_backend++;
	return lb_count(reason, len, svc->flags & LB_SVC_F_FALLBACK_PASS ? XDP_PASS : XDP_DROP);
}

/* The flow's backend is @id: count the packet and forward it in the service's mode. */
static __always_inline int lb_send(struct xdp_md *ctx, struct sov_pkt *p,
				   const struct lb_service *svc, const struct lb_flow_key *fk,
				   __u32 id, bool new_flow, __u32 len)
{
	struct lb_backend *be = bpf_map_lookup_elem(&lb_backends, &id);

	if (!be)
		return lb_count(LB_R_NO_BACKEND, len, XDP_DROP);
	lb_flow_count(&lb_svc_stats, svc->index, len, new_flow);
	lb_flow_count(&lb_backend_stats, id, len, new_flow);
	/*
	 * The mode is read here, not kept from above: a value live across
	 * lb_pick() would make the verifier walk every policy once per mode.
	 */
	if (svc->flags & LB_SVC_F_NAT)
		return lb_nat_in(ctx, p, svc, id, be, fk, len);
	return lb_encap(ctx, p, be, len, LB_R_FORWARDED);
}

static __always_inline int lb_forward(struct xdp_md *ctx, struct sov_pkt *p, __u32 len)
{
	struct lb_flow_key fk = {};
	struct lb_vip_key vk = {};
	struct lb_service *svc;
	bool new_flow = false;
	__u32 id;

	lb_flow_key_fill(&fk, p);
	lb_vip_key_fill(&vk, &fk);
	svc = bpf_map_lookup_elem(&lb_services, &vk);
	if (!svc)
		return lb_nat_out(ctx, p, &fk, len);
	if (svc->index >= LB_MAX_SERVICES)
		return lb_count(LB_R_NO_BACKEND, len, XDP_PASS);
	/* before any state changes: this packet is not forwarded */
	if ((svc->flags & LB_SVC_F_NAT) && lb_nat_ttl_expiring(p))
		return lb_count(LB_R_NAT_TTL, len, XDP_PASS);

	id = lb_pick(ctx, svc, &fk, p->tcp, len, &new_flow);
	if (id == LB_NO_BACKEND)
		return lb_fallback(svc, len, LB_R_NO_BACKEND);
	if (id == LB_CUSTOM_MISSING)
		return lb_fallback(svc, len, LB_R_CUSTOM_MISSING);
	return lb_send(ctx, p, svc, &fk, id, new_flow, len);
}

/* Fragments carry no ports: a VIP's fragments are dropped unless the VIP says pass. */
static __always_inline int lb_fragment(struct sov_pkt *p, __u32 len)
{
	struct lb_vip_addr va = {};
	__u32 *flags;

	if (p->ip4) {
		va.addr[0] = p->ip4->daddr;
		va.family = AF_INET;
	} else if (p->ip6) {
		__builtin_memcpy(va.addr, &p->ip6->daddr, sizeof(va.addr));
		va.family = AF_INET6;
	}
	flags = bpf_map_lookup_elem(&lb_vip_addrs, &va);
	if (!flags)
		return lb_count(LB_R_NOT_SERVICE, len, XDP_PASS);
	if (*flags & LB_SVC_F_FRAG_PASS)
		return lb_count(LB_R_FRAG_PASS, len, XDP_PASS);
	return lb_count(LB_R_FRAG_DROP, len, XDP_DROP);
}

/*
 * ICMP errors about our flows. The quoted packet, reversed, is a flow key
 * either way round:
 *
 * - "fragmentation needed" / "packet too big" about a packet a backend sent
 *   from the VIP (quoted VIP:vport -> client:cport): the key is the client's
 *   lb_conns key, and the error goes to the backend that owns the flow, which
 *   lowers its path MTU: encapsulated in encap mode, translated (VIP ->
 *   backend address:port, outside and in the quote) in nat mode.
 * - any error a nat backend sends about a client's packet (quoted client ->
 *   backend:bport): the key is the reply's lb_nat_rev key, and the error is
 *   translated back to come from the VIP. Destination unreachable (not
 *   "fragmentation needed") counts as the backend's error.
 *
 * Only flows we know are followed; anything else is the stack's.
 */
static __always_inline int lb_icmp(struct xdp_md *ctx, struct sov_pkt *p, __u32 len)
{
	struct lb_icmp_hdr *icmp;
	struct lb_flow_key fk = {};
	struct lb_vip_key vk = {};
	struct iphdr *in4 = NULL;
	__be32 *in_src, *in_dst, *out_src, *out_dst;
	struct lb_backend_errors *err;
	struct lb_service *svc;
	struct lb_backend *be;
	struct lb_nat_rev *rev;
	struct lb_config *cfg;
	struct lb_flow *flow;
	bool ptb, unreach;
	__u32 key = 0;
	__u16 *ports;

	if (p->ip4 && p->l4_proto == IPPROTO_ICMP) {
		struct iphdr *in;

		icmp = (void *)p->ip4 + p->ip4->ihl * 4;
		if ((void *)(icmp + 1) > p->data_end)
			return lb_count(LB_R_MALFORMED, len, XDP_PASS);
		if (icmp->type != LB_ICMP_DEST_UNREACH && icmp->type != LB_ICMP_TIME_EXCEEDED &&
		    icmp->type != LB_ICMP_PARAMETERPROB)
			return lb_count(LB_R_ICMP_PASS, len, XDP_PASS);
		ptb = icmp->type == LB_ICMP_DEST_UNREACH && icmp->code == LB_ICMP_FRAG_NEEDED;
		unreach = icmp->type == LB_ICMP_DEST_UNREACH && !ptb;
		in = (void *)(icmp + 1);
		if ((void *)(in + 1) > p->data_end || in->ihl != 5)
			return lb_count(LB_R_ICMP_PASS, len, XDP_PASS);
		ports = (void *)(in + 1);
		if ((void *)(ports + 2) > p->data_end)
			return lb_count(LB_R_ICMP_PASS, len, XDP_PASS);
		in4 = in;
		in_src = &in->saddr;
		in_dst = &in->daddr;
		out_src = &p->ip4->saddr;
		out_dst = &p->ip4->daddr;
		fk.src[0] = in->daddr;
		fk.dst[0] = in->saddr;
		fk.family = AF_INET;
		fk.proto = in->protocol;
	} else if (p->ip6 && p->l4_proto == IPPROTO_ICMPV6) {
		struct ipv6hdr *in;

		icmp = (void *)(p->ip6 + 1);
		if ((void *)(icmp + 1) > p->data_end)
			return lb_count(LB_R_MALFORMED, len, XDP_PASS);
		if (icmp->type < LB_ICMPV6_DEST_UNREACH || icmp->type > LB_ICMPV6_PARAMPROB)
			return lb_count(LB_R_ICMP_PASS, len, XDP_PASS);
		ptb = icmp->type == LB_ICMPV6_PKT_TOOBIG;
		unreach = icmp->type == LB_ICMPV6_DEST_UNREACH;
		in = (void *)(icmp + 1);
		if ((void *)(in + 1) > p->data_end)
			return lb_count(LB_R_ICMP_PASS, len, XDP_PASS);
		ports = (void *)(in + 1);
		if ((void *)(ports + 2) > p->data_end)
			return lb_count(LB_R_ICMP_PASS, len, XDP_PASS);
		in_src = (__be32 *)&in->saddr;
		in_dst = (__be32 *)&in->daddr;
		out_src = (__be32 *)&p->ip6->saddr;
		out_dst = (__be32 *)&p->ip6->daddr;
		__builtin_memcpy(fk.src, &in->daddr, sizeof(fk.src));
		__builtin_memcpy(fk.dst, &in->saddr, sizeof(fk.dst));
		fk.family = AF_INET6;
		fk.proto = in->nexthdr;
	} else {
		/* neither TCP, UDP nor ICMP(v6): not a service's */
		return lb_count(LB_R_NOT_SERVICE, len, XDP_PASS);
	}
	fk.sport_be = ports[1];
	fk.dport_be = ports[0];

	if (ptb) {
		/* the quoted packet went VIP:vport -> client:cport */
		__builtin_memcpy(vk.addr, fk.dst, sizeof(vk.addr));
		vk.port_be = fk.dport_be;
		vk.proto = fk.proto;
		vk.family = fk.family;
		svc = bpf_map_lookup_elem(&lb_services, &vk);
		flow = bpf_map_lookup_elem(&lb_conns, &fk);
		if (svc && flow && lb_backend_ok(svc, flow->backend)) {
			be = bpf_map_lookup_elem(&lb_backends, &flow->backend);
			if (!be)
				return lb_count(LB_R_ICMP_PASS, len, XDP_PASS);
			if (!(svc->flags & LB_SVC_F_NAT))
				return lb_encap(ctx, p, be, len, LB_R_ICMP_FORWARDED);
			cfg = bpf_map_lookup_elem(&lb_config, &key);
			if (!cfg || be->family != fk.family)
				return lb_count(LB_R_NAT_FAIL, len, XDP_DROP);
			if (lb_nat_ttl_expiring(p))
				return lb_count(LB_R_NAT_TTL, len, XDP_PASS);
			lb_nat_icmp_rewrite(p, icmp, out_dst, in_src, in4, &ports[0], be->addr,
					    be->port_be ? be->port_be : fk.dport_be);
			if (lb_nat_eth(ctx, p, cfg))
				return lb_count(LB_R_NAT_FAIL, len, XDP_DROP);
			return lb_count(LB_R_ICMP_FORWARDED, len, XDP_TX);
		}
	}

	/* the quoted packet went client:cport -> backend:bport */
	rev = lb_nat_is_active() ? bpf_map_lookup_elem(&lb_nat_rev, &fk) : NULL;
	if (!rev)
		return lb_count(LB_R_ICMP_PASS, len, XDP_PASS);
	if (unreach) {
		err = lb_backend_errors_of(rev->backend);
		if (err)
			err->unreach++;
	}
	cfg = bpf_map_lookup_elem(&lb_config, &key);
	if (!cfg)
		return lb_count(LB_R_NAT_FAIL, len, XDP_DROP);
	if (lb_nat_ttl_expiring(p))
		return lb_count(LB_R_NAT_TTL, len, XDP_PASS);
	lb_nat_icmp_rewrite(p, icmp, out_src, in_dst, in4, &ports[1], rev->vip, rev->vport_be);
	if (lb_nat_eth(ctx, p, cfg))
		return lb_count(LB_R_NAT_FAIL, len, XDP_DROP);
	return lb_count(LB_R_NAT_ICMP_OUT, len, XDP_TX);
}

SEC("xdp")
int sov_lb(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	struct sov_pkt p;

	switch (sov_parse_packet(ctx, &p)) {
	case SOV_PARSE_OK:
		return lb_forward(ctx, &p, len);
	case SOV_PARSE_FRAGMENT:
		return lb_fragment(&p, len);
	case SOV_PARSE_OTHER_L4:
		return lb_icmp(ctx, &p, len);
	case SOV_PARSE_NOT_IP:
		return lb_count(LB_R_NOT_IP, len, XDP_PASS);
	default:
		return lb_count(LB_R_MALFORMED, len, XDP_PASS);
	}
}

/* The context still describes this packet's flow, for this service. */
static __always_inline bool lb_custom_ctx_same(const struct lb_custom_ctx *c,
					       const struct lb_flow_key *fk, __u32 service)
{
	const __u32 *a = (const __u32 *)&c->flow, *b = (const __u32 *)fk;
	__u32 diff = c->service ^ service;
	int i;

#pragma unroll
	for (i = 0; i < (int)(sizeof(*fk) / 4); i++)
		diff |= a[i] ^ b[i];
	return !diff;
}

/*
 * Back from a custom policy program (lb_resume[0]): the packet is as sov_lb
 * left it, a new flow of a custom service; lb_custom_ctx[0] holds the flow
 * and the program's answer. Found again and checked -- the flow must be the
 * context's, the answer a live backend of its service -- it is recorded and
 * forwarded exactly as lb_pick() and lb_forward() do with any policy's
 * pick. Anything that does not check out: LB_R_CUSTOM_BAD and the service's
 * fallback (XDP_PASS when not even the service is found); an answer of
 * LB_NO_BACKEND is the policy's "none": LB_R_NO_BACKEND and the fallback.
 */
SEC("xdp")
int sov_lb_resume(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data, key = 0, id;
	struct lb_sticky_key sk = {};
	struct lb_flow_key fk = {};
	struct lb_vip_key vk = {};
	struct lb_custom_ctx *c;
	struct lb_service *svc;
	struct sov_pkt p;
	bool closing;
	__u64 now;

	if (sov_parse_packet(ctx, &p) != SOV_PARSE_OK)
		return lb_count(LB_R_CUSTOM_BAD, len, XDP_PASS);
	lb_flow_key_fill(&fk, &p);
	lb_vip_key_fill(&vk, &fk);
	svc = bpf_map_lookup_elem(&lb_services, &vk);
	if (!svc || svc->index >= LB_MAX_SERVICES)
		return lb_count(LB_R_CUSTOM_BAD, len, XDP_PASS);
	c = bpf_map_lookup_elem(&lb_custom_ctx, &key);
	if (!c || !lb_custom_ctx_same(c, &fk, svc->index))
		return lb_fallback(svc, len, LB_R_CUSTOM_BAD);
	id = c->result;
	if (id == LB_NO_BACKEND)
		return lb_fallback(svc, len, LB_R_NO_BACKEND);
	if (!lb_backend_ok(svc, id))
		return lb_fallback(svc, len, LB_R_CUSTOM_BAD);
	/* sov_lb checked this; the program may not have left the packet alone */
	if ((svc->flags & LB_SVC_F_NAT) && lb_nat_ttl_expiring(&p))
		return lb_count(LB_R_NAT_TTL, len, XDP_PASS);

	now = bpf_ktime_get_ns();
	if (svc->sticky_timeout_s) {
		lb_sticky_key_fill(&sk, svc, &fk);
		lb_sticky_put(&sk, id, now);
	}
	closing = p.tcp && (p.tcp->fin || p.tcp->rst);
	lb_flow_record(&fk, id, closing, now, len);
	return lb_send(ctx, &p, svc, &fk, id, true, len);
}

char LICENSE[] SEC("license") = "GPL";
