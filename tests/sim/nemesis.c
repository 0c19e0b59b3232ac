// SPDX-License-Identifier: GPL-2.0
/*
 * tests/sim: the faults. Each seed draws a profile (which faults, how
 * lossy the network, raft's knobs), then the nemesis strikes at random
 * times until the fault phase ends: crashes (losing or keeping unsynced
 * writes), partitions (isolate, split, bridge, one-way, random links), slow
 * disks, message storms, membership changes (add a learner, promote it,
 * remove a voter or learner, the leader included), leadership transfers and
 * forced campaigns. Some seeds also churn leaders: crash whoever leads every
 * few ticks, so terms pile up over partly replicated logs (the ground of
 * Raft's figure 8). Then everything heals and the cluster must recover.
 */
#include <string.h>

#include "sim.h"

#define U(x) ((unsigned long long)(x))

enum {
	HEAL_PARTITION,
	HEAL_DISK,
	HEAL_STORM,
	HEAL_KILL,	/* not a heal: the churn's crash of a fresh leader */
};

static const uint32_t drops[] = { 0, 10000, 50000, 150000 };
static const uint32_t dups[] = { 0, 10000, 50000 };
static const simtime_t jitters[] = { 0, SIM_MS, 5 * SIM_MS, 20 * SIM_MS };

#define PICK(r, a) ((a)[rng_below((r), sizeof(a) / sizeof((a)[0]))])

void nemesis_profile(struct sim *w)
{
	static const uint32_t inflight[] = { 1, 4, 64 };
	static const uint32_t msg_bytes[] = { 1, 64, 1024, 1 << 20 };
	static const uint32_t chunks[] = { 64, 1024, 65536 };
	static const uint32_t compact[] = { 0, 5, 20, 100 };
	struct sim_profile *p = &w->prof;
	struct rng *r = &w->rng;
	struct raft_config *c = &p->raft;

	p->n_nodes = w->p.nodes;
	p->n_keys = 1 + (uint32_t)rng_below(r, 5);
	p->n_clients = 2 + (uint32_t)rng_below(r, 6);
	p->crashes = rng_ppm(r, 700000);
	p->partitions = rng_ppm(r, 700000);
	p->slow_disks = rng_ppm(r, 400000);
	p->membership = rng_ppm(r, 350000);
	p->transfers = rng_ppm(r, 350000);
	p->campaigns = rng_ppm(r, 200000);
	p->lossy = rng_ppm(r, 500000);
	p->pipeline = rng_ppm(r, 300000);
	p->churn = rng_ppm(r, 200000);
	p->drop_ppm = p->lossy ? PICK(r, drops) : 0;
	p->dup_ppm = p->lossy ? PICK(r, dups) : 0;
	p->jitter = PICK(r, jitters);
	p->fault_gap_min = 5 * SIM_TICK;
	p->fault_gap_max = rng_range(r, 20, 150) * SIM_TICK;
	p->client_timeout = rng_range(r, 50, 300) * SIM_TICK;
	p->compact_every = PICK(r, compact);

	raft_config_default(c, 1, 0);
	c->election_ticks = (uint32_t)rng_range(r, 10, 20);
	c->heartbeat_ticks = (uint32_t)rng_range(r, 1, c->election_ticks / 3);
	c->pre_vote = rng_ppm(r, 900000);
	/* without check-quorum a deposed leader lingers: hardest on ReadIndex */
	c->check_quorum = rng_ppm(r, 750000);
	c->max_inflight = PICK(r, inflight);
	c->max_msg_bytes = PICK(r, msg_bytes);
	c->snapshot_chunk = PICK(r, chunks);

	w->net.drop_ppm = p->drop_ppm;
	w->net.dup_ppm = p->dup_ppm;
	w->net.jitter = p->jitter;
	net_init(w, 100, rng_range(r, 500, 3000));
}

void nemesis_start(struct sim *w)
{
	const struct sim_profile *p = &w->prof;

	if (p->crashes || p->partitions || p->slow_disks || p->membership || p->transfers ||
	    p->campaigns || p->lossy)
		ev_push(w, w->now + rng_range(&w->rng, p->fault_gap_min, p->fault_gap_max),
			EV_NEMESIS, 0, 0, NULL);
	if (p->churn)
		ev_push(w, w->now + rng_range(&w->rng, 20, 60) * SIM_TICK, EV_NEMESIS, 1, 0, NULL);
}

static struct sim_node *pick_up(struct sim *w, bool prefer_leader)
{
	struct sim_node *up[SIM_MAX_NODES], *l = node_leader(w);
	uint32_t i, k = 0;

	if (prefer_leader && l && rng_ppm(&w->rng, 400000))
		return l;
	for (i = 0; i < w->n_slots; i++)
		if (w->nodes[i].state == NODE_UP)
			up[k++] = &w->nodes[i];
	return k ? up[rng_below(&w->rng, k)] : NULL;
}

static void crash(struct sim *w)
{
	struct sim_node *n = pick_up(w, true);
	bool keep = rng_ppm(&w->rng, 500000);
	simtime_t down;

	if (!n)
		return;
	down = rng_ppm(&w->rng, 700000) ? rng_range(&w->rng, 1, 30) : rng_range(&w->rng, 30, 200);
	sim_log(w, 1, "nemesis: crash n%llu (%s unsynced writes), back in %lld ticks", U(n->id),
		keep ? "keeping" : "losing", (long long)down);
	node_crash(w, n, keep);
	w->st.crashes++;
	ev_push(w, w->now + down * SIM_TICK, EV_RESTART, n->slot, 0, NULL);
}

static void cut_both(struct sim *w, uint32_t a, uint32_t b)
{
	w->net.cut[a][b] = w->net.cut[b][a] = true;
}

static void partition(struct sim *w)
{
	uint32_t n = w->n_slots, i, j, x, k;
	struct sim_node *l = pick_up(w, true);
	bool side[SIM_MAX_NODES];
	const char *what;

	if (w->partitioned || !l)
		return;
	x = l->slot;
	switch (rng_below(&w->rng, 6)) {
	case 0:
		what = "isolate";
		for (i = 0; i < n; i++)
			if (i != x)
				cut_both(w, i, x);
		break;
	case 1:
		what = "cut inbound of";
		for (i = 0; i < n; i++)
			if (i != x)
				w->net.cut[i][x] = true;
		break;
	case 2:
		what = "cut outbound of";
		for (i = 0; i < n; i++)
			if (i != x)
				w->net.cut[x][i] = true;
		break;
	case 3:
	case 4:
		/* two sides, the chosen node in the smaller; case 4: it bridges both */
		k = 1 + (uint32_t)rng_below(&w->rng, n / 2 ? n / 2 : 1);
		memset(side, 0, sizeof(side));
		side[x] = true;
		for (i = 1; i < k; i++)
			side[rng_below(&w->rng, n)] = true;
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++)
				if (side[i] != side[j])
					w->net.cut[i][j] = true;
		what = "split off";
		if (rng_ppm(&w->rng, 500000)) {
			uint32_t b = (uint32_t)rng_below(&w->rng, n);

			what = "split, bridged by";
			for (i = 0; i < n; i++)
				w->net.cut[i][b] = w->net.cut[b][i] = false;
			x = b;
		}
		break;
	default:
		what = "random one-way links around";
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++)
				if (i != j && rng_ppm(&w->rng, 300000))
					w->net.cut[i][j] = true;
		break;
	}
	w->partitioned = true;
	w->st.partitions++;
	sim_log(w, 1, "nemesis: partition: %s n%llu", what, U(x + 1));
	ev_push(w, w->now + rng_range(&w->rng, 5, 150) * SIM_TICK, EV_HEAL, 0,
		HEAL_PARTITION | ++w->partition_gen << 8, NULL);
}

static void slow_disk(struct sim *w)
{
	struct sim_node *n = pick_up(w, true);

	if (!n)
		return;
	n->disk.fsync_min = 2 * SIM_MS;
	n->disk.fsync_max = rng_range(&w->rng, 5, 60) * SIM_MS;
	w->st.slow_disks++;
	sim_log(w, 1, "nemesis: n%llu's disk slows to %lld ms", U(n->id),
		(long long)(n->disk.fsync_max / SIM_MS));
	ev_push(w, w->now + rng_range(&w->rng, 10, 200) * SIM_TICK, EV_HEAL, n->slot, HEAL_DISK,
		NULL);
}

static void storm(struct sim *w)
{
	w->net.drop_ppm = 300000;
	w->net.dup_ppm = 100000;
	w->net.jitter = 30 * SIM_MS;
	sim_log(w, 1, "nemesis: message storm");
	ev_push(w, w->now + rng_range(&w->rng, 5, 50) * SIM_TICK, EV_HEAL, 0, HEAL_STORM, NULL);
}

static uint32_t max_slots(const struct sim *w)
{
	uint32_t m = w->prof.n_nodes + 6;

	return m < SIM_MAX_NODES ? m : SIM_MAX_NODES;
}

static void membership(struct sim *w)
{
	struct sim_node *l = node_leader(w), *fresh = NULL;
	uint32_t min_voters = w->genesis.n_voters < 3 ? w->genesis.n_voters : 3, i;
	struct raft_conf_change cc = { 0 };
	struct raft_status st;
	int64_t rc;

	if (!l || !node_idle(l))
		return;
	raft_status(l->r, &st);
	if (st.conf.n_learners && rng_ppm(&w->rng, 600000)) {
		cc.node = st.conf.learners[rng_below(&w->rng, st.conf.n_learners)];
		for (i = 0; i < st.n_peers; i++)
			if (st.peers[i].id == cc.node && st.peers[i].match >= st.hs.commit)
				cc.op = RAFT_CONF_ADD_VOTER;
		if (cc.op != RAFT_CONF_ADD_VOTER)
			return;		/* not caught up yet */
	} else if (w->n_slots < max_slots(w) && st.conf.n_voters + st.conf.n_learners <
		   RAFT_MAX_NODES && rng_ppm(&w->rng, 500000)) {
		fresh = &w->nodes[w->n_slots];
		node_create(w, w->n_slots);
		node_boot(w, fresh);
		if (w->failed)
			return;
		cc.op = RAFT_CONF_ADD_LEARNER;
		cc.node = fresh->id;
	} else if (st.conf.n_voters > min_voters) {
		cc.op = RAFT_CONF_REMOVE;
		cc.node = st.conf.voters[rng_below(&w->rng, st.conf.n_voters)];
	} else if (st.conf.n_learners) {
		cc.op = RAFT_CONF_REMOVE;
		cc.node = st.conf.learners[rng_below(&w->rng, st.conf.n_learners)];
	} else {
		return;
	}
	rc = raft_propose_conf(l->r, &cc);
	sim_log(w, 1, "nemesis: n%llu proposes %s n%llu: %lld", U(l->id),
		cc.op == RAFT_CONF_ADD_VOTER ? "add voter" :
		cc.op == RAFT_CONF_ADD_LEARNER ? "add learner" : "remove", U(cc.node), (long long)rc);
	if (rc > 0)
		w->st.conf_changes++;
	else if (fresh)
		node_retire(w, fresh);	/* never joined */
	node_pump(w, l);
}

static void transfer(struct sim *w)
{
	struct sim_node *l = node_leader(w);
	struct raft_status st;
	raft_id_t to;
	int rc;

	if (!l || !node_idle(l))
		return;
	raft_status(l->r, &st);
	if (st.conf.n_voters < 2)
		return;
	do
		to = st.conf.voters[rng_below(&w->rng, st.conf.n_voters)];
	while (to == l->id);
	rc = raft_transfer_leader(l->r, to);
	sim_log(w, 1, "nemesis: n%llu transfers leadership to n%llu: %d", U(l->id), U(to), rc);
	if (!rc)
		w->st.transfers++;
	node_pump(w, l);
}

static void campaign(struct sim *w)
{
	struct sim_node *n = pick_up(w, false);

	if (!n || !node_idle(n))
		return;
	sim_log(w, 1, "nemesis: n%llu campaigns", U(n->id));
	raft_campaign(n->r);
	w->st.campaigns++;
	node_pump(w, n);
}

/* crash the leader, back soon: many short terms */
static void churn(struct sim *w)
{
	struct sim_node *l = node_leader(w);
	simtime_t down = rng_range(&w->rng, 1, 15);

	if (l) {
		sim_log(w, 1, "nemesis: churn: crash leader n%llu, back in %lld ticks", U(l->id),
			(long long)down);
		node_crash(w, l, rng_ppm(&w->rng, 500000));
		w->st.crashes++;
		ev_push(w, w->now + down * SIM_TICK, EV_RESTART, l->slot, 0, NULL);
	}
	ev_push(w, w->now + rng_range(&w->rng, 3, 30) * SIM_TICK, EV_NEMESIS, 1, 0, NULL);
}

void nemesis_fire(struct sim *w, uint32_t who)
{
	const struct sim_profile *p = &w->prof;
	bool on[7] = { p->crashes, p->partitions, p->slow_disks, p->membership, p->transfers,
		       p->campaigns, p->lossy };
	static const uint32_t weight[7] = { 4, 4, 2, 3, 2, 1, 1 };
	uint32_t total = 0, i, r;

	if (w->healed)
		return;
	if (who) {
		churn(w);
		return;
	}
	for (i = 0; i < 7; i++)
		total += on[i] ? weight[i] : 0;
	r = (uint32_t)rng_below(&w->rng, total);
	for (i = 0; i < 7; i++) {
		if (!on[i])
			continue;
		if (r < weight[i])
			break;
		r -= weight[i];
	}
	switch (i) {
	case 0:
		crash(w);
		break;
	case 1:
		partition(w);
		break;
	case 2:
		slow_disk(w);
		break;
	case 3:
		membership(w);
		break;
	case 4:
		transfer(w);
		break;
	case 5:
		campaign(w);
		break;
	default:
		storm(w);
		break;
	}
	ev_push(w, w->now + rng_range(&w->rng, p->fault_gap_min, p->fault_gap_max), EV_NEMESIS,
		0, 0, NULL);
}

void nemesis_heal(struct sim *w, uint32_t who, uint64_t what)
{
	struct sim_node *n = &w->nodes[who];

	switch (what & 0xff) {
	case HEAL_PARTITION:
		if (w->partitioned && what >> 8 == w->partition_gen) {
			net_heal(w);
			w->partitioned = false;
			sim_log(w, 1, "nemesis: partition healed");
		}
		break;
	case HEAL_DISK:
		n->disk.fsync_min = 20;
		n->disk.fsync_max = 500;
		break;
	case HEAL_KILL:
		if (n->state == NODE_UP && n->incarnation == what >> 8 && !w->healed) {
			simtime_t down = rng_range(&w->rng, 1, 30);

			sim_log(w, 1, "nemesis: churn: crash fresh leader n%llu, back in %lld ticks",
				U(n->id), (long long)down);
			node_crash(w, n, rng_ppm(&w->rng, 500000));
			w->st.crashes++;
			ev_push(w, w->now + down * SIM_TICK, EV_RESTART, n->slot, 0, NULL);
		}
		break;
	case HEAL_STORM:
		if (!w->healed) {
			w->net.drop_ppm = w->prof.drop_ppm;
			w->net.dup_ppm = w->prof.dup_ppm;
			w->net.jitter = w->prof.jitter;
		}
		break;
	}
}

/* the fault phase is over: the cluster gets a clean network and all its nodes back */
void nemesis_heal_all(struct sim *w)
{
	uint32_t i;

	w->healed = true;
	net_heal(w);
	w->partitioned = false;
	w->net.drop_ppm = 0;
	w->net.dup_ppm = 0;
	w->net.jitter = w->prof.jitter;
	sim_log(w, 1, "nemesis: heal everything");
	for (i = 0; i < w->n_slots && !w->failed; i++) {
		struct sim_node *n = &w->nodes[i];

		n->disk.fsync_min = 20;
		n->disk.fsync_max = 500;
		if (n->state == NODE_DOWN)
			node_boot(w, n);
	}
}

/*
 * Churn: a leader just elected often dies within milliseconds, its first
 * entries written locally but not yet replicated.
 */
void nemesis_new_leader(struct sim *w, struct sim_node *n)
{
	if (!w->prof.churn || w->healed || !rng_ppm(&w->rng, 500000))
		return;
	ev_push(w, w->now + rng_range(&w->rng, 0, 3 * SIM_MS), EV_HEAL, n->slot,
		HEAL_KILL | (uint64_t)n->incarnation << 8, NULL);
}

/* a removal was applied: the node leaves for good a little later */
void nemesis_removed(struct sim *w, raft_id_t id)
{
	struct sim_node *n = node_by_id(w, id);

	if (!n || n->retiring || n->state == NODE_GONE)
		return;
	n->retiring = true;
	ev_push(w, w->now + rng_range(&w->rng, 0, 100) * SIM_TICK, EV_RETIRE, n->slot, 0, NULL);
}
