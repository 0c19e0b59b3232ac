/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lb_policy.bpf.h - counters, and choosing a flow's backend: the connection table, sticky sessions, the policies.
 * Part of lb.bpf.c, which includes it once, in order: one compilation
 * unit, as BPF programs need.
 */
#ifndef SOV_LB_POLICY_BPF_H
#define SOV_LB_POLICY_BPF_H

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
	__u64 now = bpf_ktime_get_coarse_ns();
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

#endif /* SOV_LB_POLICY_BPF_H */
