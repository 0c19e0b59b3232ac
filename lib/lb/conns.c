// SPDX-License-Identifier: GPL-2.0
/* Expiring idle entries of lb_conns and recounting open connections. */
#include <netinet/in.h>
#include <string.h>

#include "conns.h"

#define NS_PER_S 1000000000ULL

void sov_lb_conn_scan_init(struct sov_lb_conn_scan *s, uint64_t now_ns)
{
	memset(s, 0, sizeof(*s));
	s->now_ns = now_ns;
}

uint64_t sov_lb_conn_idle_ns(const struct lb_flow_key *k, const struct lb_flow *f)
{
	if (k->proto == IPPROTO_UDP)
		return SOV_LB_IDLE_UDP_S * NS_PER_S;
	if (f->flags & LB_FLOW_F_CLOSED)
		return SOV_LB_IDLE_CLOSED_S * NS_PER_S;
	return SOV_LB_IDLE_TCP_S * NS_PER_S;
}

bool sov_lb_conn_idle(const struct lb_flow_key *k, const struct lb_flow *f, uint64_t now_ns)
{
	/* stamped after our clock read (or by a coarser clock): fresh */
	return f->last_seen_ns < now_ns && now_ns - f->last_seen_ns > sov_lb_conn_idle_ns(k, f);
}

void sov_lb_conn_scan_count(struct sov_lb_conn_scan *s, const struct lb_flow *f)
{
	if (f->backend < LB_MAX_SERVICES * LB_MAX_BACKENDS && !(f->flags & LB_FLOW_F_CLOSED))
		s->open[f->backend]++;
}

bool sov_lb_conn_scan_entry(struct sov_lb_conn_scan *s, const struct lb_flow_key *k,
			    const struct lb_flow *f)
{
	s->scanned++;
	if (f->backend >= LB_MAX_SERVICES * LB_MAX_BACKENDS || sov_lb_conn_idle(k, f, s->now_ns))
		return true;
	sov_lb_conn_scan_count(s, f);
	return false;
}
