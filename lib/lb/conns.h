/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Idle connections in the balancer's connection table (lb_conns): which
 * entries have expired, and how many open connections each backend really
 * has. The data path counts least-conn's connections up on a new flow and
 * down at FIN/RST; flows that simply go quiet, or that the LRU evicts, are
 * only noticed here. No I/O: sovereignd feeds in the table, tests fakes.
 */
#ifndef SOV_LB_CONNS_H
#define SOV_LB_CONNS_H

#include <stdbool.h>
#include <stdint.h>

#include "../../bpf/lb.h"

/* Idle timeouts, as IPVS's defaults: established TCP, closed TCP, UDP. */
#define SOV_LB_IDLE_TCP_S	900U
#define SOV_LB_IDLE_CLOSED_S	120U
#define SOV_LB_IDLE_UDP_S	300U

struct sov_lb_conn_scan {
	uint64_t now_ns;		/* CLOCK_MONOTONIC(_COARSE), as the data path stamps */
	uint64_t scanned;
	/* open flows per backend id, counted from the entries that stay */
	int64_t open[LB_MAX_SERVICES * LB_MAX_BACKENDS];
};

void sov_lb_conn_scan_init(struct sov_lb_conn_scan *s, uint64_t now_ns);

/* How long an entry may sit idle before it goes: by protocol and state, in ns. */
uint64_t sov_lb_conn_idle_ns(const struct lb_flow_key *k, const struct lb_flow *f);

/* The entry has been idle past its timeout at @now_ns. */
bool sov_lb_conn_idle(const struct lb_flow_key *k, const struct lb_flow *f, uint64_t now_ns);

/*
 * One entry of lb_conns. True: delete it (idle past its timeout, or naming
 * no backend this build can have). Otherwise an open flow is counted; if
 * the caller then keeps an entry after all, it counts it with
 * sov_lb_conn_scan_count().
 */
bool sov_lb_conn_scan_entry(struct sov_lb_conn_scan *s, const struct lb_flow_key *k,
			    const struct lb_flow *f);
void sov_lb_conn_scan_count(struct sov_lb_conn_scan *s, const struct lb_flow *f);

#endif
