// SPDX-License-Identifier: GPL-2.0
/*
 * tests/sim: the network. Every directed link has its own latency; jitter on
 * top reorders messages; a message can be dropped or duplicated; a link can
 * be cut in one direction only. A cut is checked when the message arrives,
 * so a partition also eats what was in flight.
 */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

void net_init(struct sim *w, simtime_t lat_min, simtime_t lat_max)
{
	struct net *net = &w->net;
	uint32_t i, j;

	for (i = 0; i < SIM_MAX_NODES; i++)
		for (j = 0; j < SIM_MAX_NODES; j++)
			net->latency[i][j] = rng_range(&w->rng, lat_min, lat_max);
}

static struct net_msg *msg_copy(const struct raft_msg *m)
{
	struct net_msg *nm = xcalloc(1, sizeof(*nm));
	size_t i;

	nm->m = *m;
	nm->m.entries = NULL;
	nm->m.chunk = NULL;
	if (m->n_entries) {
		nm->m.entries = xcalloc(m->n_entries, sizeof(*m->entries));
		for (i = 0; i < m->n_entries; i++) {
			nm->m.entries[i] = m->entries[i];
			nm->m.entries[i].data = m->entries[i].len ?
				xmemdup(m->entries[i].data, m->entries[i].len) : NULL;
		}
	}
	if (m->chunk_len)
		nm->m.chunk = xmemdup(m->chunk, m->chunk_len);
	return nm;
}

void net_msg_free(struct net_msg *nm)
{
	size_t i;

	if (!nm)
		return;
	for (i = 0; i < nm->m.n_entries; i++)
		free(nm->m.entries[i].data);
	free(nm->m.entries);
	free(nm->m.chunk);
	free(nm);
}

void net_send(struct sim *w, const struct raft_msg *m)
{
	struct net *net = &w->net;
	uint32_t from = (uint32_t)m->from - 1, to = (uint32_t)m->to - 1;
	int copies = 1, i;

	if (m->from == 0 || m->to == 0 || from >= w->n_slots || to >= w->n_slots) {
		sim_fail(w, "n%llu sent %s to unknown node %llu", (unsigned long long)m->from,
			 raft_msg_name(m->type), (unsigned long long)m->to);
		return;
	}
	net->sent++;
	if (m->type == RAFT_MSG_SNAPSHOT)
		w->st.snapshots_sent++;
	if (rng_ppm(&w->rng, net->drop_ppm)) {
		sim_log(w, 3, "n%llu -> n%llu %s dropped", (unsigned long long)m->from,
			(unsigned long long)m->to, raft_msg_name(m->type));
		net->dropped++;
		return;
	}
	if (rng_ppm(&w->rng, net->dup_ppm)) {
		net->duplicated++;
		copies = 2;
	}
	for (i = 0; i < copies; i++) {
		simtime_t at = w->now + net->latency[from][to] +
			       rng_range(&w->rng, 0, net->jitter);

		ev_push(w, at, EV_DELIVER, to, 0, msg_copy(m));
	}
}

void net_deliver(struct sim *w, struct net_msg *nm)
{
	uint32_t from = (uint32_t)nm->m.from - 1, to = (uint32_t)nm->m.to - 1;
	struct sim_node *n = &w->nodes[to];

	if (w->net.cut[from][to] || n->state != NODE_UP) {
		sim_log(w, 3, "n%llu -> n%llu %s lost (%s)", (unsigned long long)nm->m.from,
			(unsigned long long)nm->m.to, raft_msg_name(nm->m.type),
			n->state != NODE_UP ? "node down" : "partition");
		w->net.dropped++;
		net_msg_free(nm);
		return;
	}
	w->net.delivered++;
	sim_log(w, 3, "n%llu -> n%llu %s term %llu index %llu log_term %llu commit %llu "
		"entries %zu reject %d hint %llu ctx %llu", (unsigned long long)nm->m.from,
		(unsigned long long)nm->m.to, raft_msg_name(nm->m.type),
		(unsigned long long)nm->m.term, (unsigned long long)nm->m.index,
		(unsigned long long)nm->m.log_term, (unsigned long long)nm->m.commit,
		nm->m.n_entries, nm->m.reject, (unsigned long long)nm->m.hint,
		(unsigned long long)nm->m.ctx);
	node_deliver(w, n, nm);
}

void net_heal(struct sim *w)
{
	memset(w->net.cut, 0, sizeof(w->net.cut));
}
