// SPDX-License-Identifier: GPL-2.0
/*
 * lb_custom_example.bpf.c - an example custom policy for the XDP load
 * balancer: weighted least connections (LVS's "wlc").
 *
 * A new flow goes to the live backend with the fewest open connections per
 * unit of weight, lb_conn_counts[id] / lb_backends[id].weight: what neither
 * built-in list policy does (least-conn ignores weights, weighted ignores
 * load). Ties are broken by the flow hash: the scan starts at position
 * hash % count of the active list and keeps the first best it meets, so
 * while the backends are equally loaded (after a start, say) new flows
 * spread over them instead of all going to the first.
 *
 * The contract is in Documentation/lb.rst, "The custom policy". Build
 * (mk/bpf.mk does, into build/bpf/lb_custom_example.bpf.o):
 *
 *	clang -O2 -g -target bpf -I bpf -I /usr/include/$(gcc -print-multiarch) \
 *		-c lb_custom_example.bpf.c -o lb_custom_example.bpf.o
 *
 * and use:
 *
 *	sovctl lb service add 10.0.0.100:80/tcp policy custom \
 *		program /path/to/lb_custom_example.bpf.o
 */
#include "lb_custom.h"

struct wlc_scan {
	__u32 active_key;	/* lb_active key of the service's live bank */
	__u32 count;		/* backends in the active list */
	__u32 start;		/* position looked at first: hash % count */
	__u32 best;		/* global id of the best so far, or LB_NO_BACKEND */
	__u64 best_conns;	/* its open connections ... */
	__u64 best_weight;	/* ... and its weight */
};

/* One backend of the active list, the @i-th from sc->start (bpf_loop() callback). */
static long wlc_step(__u32 i, void *data)
{
	struct wlc_scan *sc = data;
	struct lb_active *act;
	struct lb_backend *be;
	__u64 pos, conns;
	__s64 *n;
	__u32 id;

	if (i >= sc->count)
		return 1;		/* done */
	pos = (__u64)sc->start + i;
	if (pos >= sc->count)
		pos -= sc->count;
	if (pos >= LB_MAX_BACKENDS)	/* cannot happen; tells the verifier */
		return 1;
	act = bpf_map_lookup_elem(&lb_active, &sc->active_key);
	if (!act)
		return 1;
	id = act->ids[pos];
	be = bpf_map_lookup_elem(&lb_backends, &id);
	n = bpf_map_lookup_elem(&lb_conn_counts, &id);
	if (!be || !n || !(be->flags & LB_BE_F_UP) || !be->weight)
		return 0;		/* gone, down or drained: next */
	conns = *n > 0 ? *n : 0;
	/* conns / weight < best_conns / best_weight, without dividing */
	if (sc->best == LB_NO_BACKEND || conns * sc->best_weight < sc->best_conns * be->weight) {
		sc->best = id;
		sc->best_conns = conns;
		sc->best_weight = be->weight;
	}
	return 0;
}

SEC("xdp")
int sov_lb_custom(struct xdp_md *xdp)
{
	struct lb_custom_ctx *c = sov_lb_custom_ctx();
	struct wlc_scan sc = { .best = LB_NO_BACKEND };
	struct lb_active *act;

	if (!c)
		return sov_lb_custom_return(xdp, LB_NO_BACKEND);
	act = sov_lb_custom_active(c);
	if (act && act->count && act->count <= LB_MAX_BACKENDS) {
		sc.active_key = sov_lb_custom_active_key(c);
		sc.count = act->count;
		sc.start = c->hash % act->count;
		bpf_loop(LB_MAX_BACKENDS, wlc_step, &sc, 0);
	}
	/* LB_NO_BACKEND if none qualified: the service's fallback */
	return sov_lb_custom_return(xdp, sc.best);
}

char LICENSE[] SEC("license") = "GPL";
