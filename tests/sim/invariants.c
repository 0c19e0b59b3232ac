// SPDX-License-Identifier: GPL-2.0
/*
 * tests/sim: Raft's safety properties, checked on every Ready and every
 * message a node lets out (Raft paper, figure 3):
 *
 *   election safety     at most one leader per term
 *   log matching        two logs with an entry of the same index and term
 *                       are identical up to it (every entry ever logged
 *                       anywhere is remembered by (index, term) with the
 *                       chain hash of its log prefix)
 *   leader completeness a leader holds every entry committed in an earlier
 *                       term (highest commit seen per term; the leader's
 *                       chain hash at it must be the committed one)
 *   state machine safety no two nodes commit or apply different entries at
 *                       one index, and their state machines agree after it
 *
 * plus what the Ready protocol promises: terms and commits never go back,
 * one vote per term, and no vote or append acknowledgement leaves before
 * what it promises is durable.
 */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define U(x) ((unsigned long long)(x))

uint64_t chain_step(uint64_t prev, uint64_t term, uint8_t type, const void *data, uint32_t len)
{
	return hash_bytes(data, len, mix64(prev) ^ (term << 8) ^ type);
}

void inv_free(struct inv *v)
{
	free(v->leader_of);
	free(v->cmax);
	free(v->committed);
	free(v->chains);
	free(v->votes);
	memset(v, 0, sizeof(*v));
}

static void grow_terms(struct inv *v, uint64_t term)
{
	size_t old = v->n_terms, cap = old;

	if (term < old)
		return;
	cap = grow_cap(cap, term + 1);
	v->leader_of = xrealloc(v->leader_of, cap * sizeof(*v->leader_of));
	v->cmax = xrealloc(v->cmax, cap * sizeof(*v->cmax));
	memset(v->leader_of + old, 0, (cap - old) * sizeof(*v->leader_of));
	memset(v->cmax + old, 0, (cap - old) * sizeof(*v->cmax));
	v->n_terms = cap;
}

/* index -> what was committed there; term 0: nothing yet */
static struct inv_committed *committed(struct inv *v, uint64_t index)
{
	if (index >= v->n_committed) {
		size_t old = v->n_committed, cap = grow_cap(old, index + 1);

		v->committed = xrealloc(v->committed, cap * sizeof(*v->committed));
		memset(v->committed + old, 0, (cap - old) * sizeof(*v->committed));
		v->n_committed = cap;
	}
	return &v->committed[index];
}

static uint64_t chain_key(uint64_t index, uint64_t term)
{
	return mix64(index * 0x9e3779b97f4a7c15ULL ^ term);
}

static void chains_grow(struct inv *v)
{
	struct inv_chain *old = v->chains;
	size_t cap = v->chains_cap, i;

	v->chains_cap = cap ? 2 * cap : 4096;
	v->chains = xcalloc(v->chains_cap, sizeof(*v->chains));
	for (i = 0; i < cap; i++) {
		size_t j = chain_key(old[i].index, old[i].term) & (v->chains_cap - 1);

		if (!old[i].term)
			continue;
		while (v->chains[j].term)
			j = (j + 1) & (v->chains_cap - 1);
		v->chains[j] = old[i];
	}
	free(old);
}

void inv_logged(struct sim *w, struct sim_node *n, uint64_t index, uint64_t term, uint64_t chain)
{
	struct inv *v = &w->inv;
	size_t j;

	if (!term) {
		sim_fail(w, "n%llu: entry %llu has term 0", U(n->id), U(index));
		return;
	}
	if ((v->chains_used + 1) * 2 > v->chains_cap)
		chains_grow(v);
	for (j = chain_key(index, term) & (v->chains_cap - 1); v->chains[j].term;
	     j = (j + 1) & (v->chains_cap - 1)) {
		if (v->chains[j].index == index && v->chains[j].term == term) {
			if (v->chains[j].chain != chain)
				sim_fail(w, "log matching: n%llu's entry %llu term %llu differs "
					 "from another log's (or what precedes it does)",
					 U(n->id), U(index), U(term));
			return;
		}
	}
	v->chains[j] = (struct inv_chain){ index, term, chain };
	v->chains_used++;
}

bool inv_snapshot_chain(struct sim *w, uint64_t index, uint64_t term, uint64_t *chain)
{
	struct inv_committed *c = committed(&w->inv, index);

	if (!c->term) {
		sim_fail(w, "snapshot at %llu term %llu: nothing was committed there", U(index),
			 U(term));
		return false;
	}
	if (c->term != term) {
		sim_fail(w, "snapshot at %llu term %llu, but the entry committed there has term %llu",
			 U(index), U(term), U(c->term));
		return false;
	}
	*chain = c->chain;
	return true;
}

void inv_ready(struct sim *w, struct sim_node *n, const struct raft_ready *rd)
{
	struct inv *v = &w->inv;

	if (rd->hs_changed) {
		if (rd->hs.term < n->hs.term)
			sim_fail(w, "n%llu: term goes back from %llu to %llu", U(n->id), U(n->hs.term),
				 U(rd->hs.term));
		else if (rd->hs.term == n->hs.term && n->hs.vote && rd->hs.vote != n->hs.vote)
			sim_fail(w, "n%llu: changes its vote in term %llu from n%llu to n%llu",
				 U(n->id), U(n->hs.term), U(n->hs.vote), U(rd->hs.vote));
		else if (rd->hs.commit < n->hs.commit)
			sim_fail(w, "n%llu: commit goes back from %llu to %llu", U(n->id),
				 U(n->hs.commit), U(rd->hs.commit));
		n->hs = rd->hs;
	}
	if (rd->role != n->role || rd->leader != n->leader)
		sim_log(w, 1, "n%llu %s, term %llu, leader n%llu", U(n->id),
			raft_role_name(rd->role), U(n->hs.term), U(rd->leader));
	n->role = rd->role;
	n->leader = rd->leader;
	if (rd->role != RAFT_LEADER)
		return;
	grow_terms(v, n->hs.term);
	if (v->leader_of[n->hs.term] && v->leader_of[n->hs.term] != n->id) {
		sim_fail(w, "election safety: term %llu has two leaders, n%llu and n%llu",
			 U(n->hs.term), U(v->leader_of[n->hs.term]), U(n->id));
		return;
	}
	if (!v->leader_of[n->hs.term]) {
		v->leader_of[n->hs.term] = n->id;
		v->elections++;
	}
	if (n->hs.vote != n->id)
		sim_fail(w, "n%llu leads term %llu but its vote is n%llu", U(n->id), U(n->hs.term),
			 U(n->hs.vote));
}

/* every index up to the node's commit: the same entry as everyone committed */
static void record_commit(struct sim *w, struct sim_node *n)
{
	const struct disk *d = &n->disk;
	uint64_t i = n->commit_checked + 1, term, chain;
	struct inv *v = &w->inv;

	if (n->hs.commit > disk_last(d)) {
		sim_fail(w, "n%llu: commit %llu beyond its log (last %llu)", U(n->id),
			 U(n->hs.commit), U(disk_last(d)));
		return;
	}
	if (i < disk_first(d) - 1)
		i = disk_first(d) - 1;
	for (; i <= n->hs.commit; i++) {
		struct inv_committed *c;

		if (!i || !disk_at(d, i, &term, &chain))
			continue;
		c = committed(v, i);
		if (!c->term) {
			c->term = term;
			c->chain = chain;
		} else if (c->term != term || c->chain != chain) {
			sim_fail(w, "state machine safety: n%llu commits entry %llu term %llu, "
				 "another node committed term %llu there (or a different log)",
				 U(n->id), U(i), U(term), U(c->term));
			return;
		}
	}
	if (n->hs.commit > n->commit_checked)
		n->commit_checked = n->hs.commit;
	grow_terms(v, n->hs.term);
	if (v->cmax[n->hs.term] < n->hs.commit)
		v->cmax[n->hs.term] = n->hs.commit;
}

void inv_written(struct sim *w, struct sim_node *n)
{
	const struct disk *d = &n->disk;
	struct inv *v = &w->inv;
	uint64_t need = 0, idx, term, chain, t;

	record_commit(w, n);
	if (w->failed || n->role != RAFT_LEADER)
		return;
	for (t = 0; t < n->hs.term && t < v->n_terms; t++)
		if (v->cmax[t] > need)
			need = v->cmax[t];
	if (!need)
		return;
	/* below its snapshot the leader holds the committed prefix as a whole */
	idx = need < disk_first(d) - 1 ? disk_first(d) - 1 : need;
	if (!disk_at(d, idx, &term, &chain)) {
		sim_fail(w, "leader completeness: n%llu leads term %llu without entry %llu, "
			 "committed in an earlier term (its log ends at %llu)",
			 U(n->id), U(n->hs.term), U(need), U(disk_last(d)));
		return;
	}
	if (committed(v, idx)->chain != chain)
		sim_fail(w, "leader completeness: n%llu leads term %llu with a log that differs "
			 "from the committed one at %llu", U(n->id), U(n->hs.term), U(idx));
}

void inv_applied(struct sim *w, struct sim_node *n, uint64_t index, uint64_t term)
{
	struct inv_committed *c = committed(&w->inv, index);
	uint64_t h = kv_hash(&n->kv);

	if (index > n->hs.commit) {
		sim_fail(w, "n%llu: applies %llu beyond its commit %llu", U(n->id), U(index),
			 U(n->hs.commit));
		return;
	}
	if (c->term != term || c->chain != n->applied_chain) {
		sim_fail(w, "state machine safety: n%llu applies entry %llu term %llu, "
			 "committed there: term %llu", U(n->id), U(index), U(term), U(c->term));
		return;
	}
	if (!c->has_kv) {
		c->kv = h;
		c->has_kv = true;
		sim_log(w, 4, "commit %llu term %llu by n%llu", U(index), U(term), U(n->id));
	} else if (c->kv != h) {
		sim_fail(w, "state machine safety: n%llu's state after %llu differs from others'",
			 U(n->id), U(index));
	}
}

/* after a boot or a snapshot: the state is the committed one as of applied */
void inv_restored(struct sim *w, struct sim_node *n)
{
	struct inv_committed *c;

	if (n->commit_checked < n->applied)
		n->commit_checked = n->applied;
	if (n->applied) {
		c = committed(&w->inv, n->applied);
		if (c->chain != n->applied_chain || (c->has_kv && c->kv != kv_hash(&n->kv))) {
			sim_fail(w, "n%llu: snapshot at %llu is not the committed state there",
				 U(n->id), U(n->applied));
			return;
		}
	}
	record_commit(w, n);
}

static uint64_t vote_key(uint64_t term, raft_id_t voter)
{
	return mix64(term * 0x9e3779b97f4a7c15ULL ^ voter);
}

static void votes_grow(struct inv *v)
{
	struct inv_vote *old = v->votes;
	size_t cap = v->votes_cap, i;

	v->votes_cap = cap ? 2 * cap : 1024;
	v->votes = xcalloc(v->votes_cap, sizeof(*v->votes));
	for (i = 0; i < cap; i++) {
		size_t j = vote_key(old[i].term, old[i].voter) & (v->votes_cap - 1);

		if (!old[i].term)
			continue;
		while (v->votes[j].term)
			j = (j + 1) & (v->votes_cap - 1);
		v->votes[j] = old[i];
	}
	free(old);
}

/* one granted vote per (term, voter), whatever crashes happen in between */
static void record_vote(struct sim *w, struct sim_node *n, const struct raft_msg *m)
{
	struct inv *v = &w->inv;
	size_t j;

	if ((v->votes_used + 1) * 2 > v->votes_cap)
		votes_grow(v);
	for (j = vote_key(m->term, n->id) & (v->votes_cap - 1); v->votes[j].term;
	     j = (j + 1) & (v->votes_cap - 1)) {
		if (v->votes[j].term == m->term && v->votes[j].voter == n->id) {
			if (v->votes[j].cand != m->to)
				sim_fail(w, "n%llu votes for n%llu and n%llu in term %llu", U(n->id),
					 U(v->votes[j].cand), U(m->to), U(m->term));
			return;
		}
	}
	v->votes[j] = (struct inv_vote){ m->term, n->id, m->to };
	v->votes_used++;
}

void inv_sent(struct sim *w, struct sim_node *n, const struct raft_msg *m)
{
	const struct disk *d = &n->disk;

	if (m->type == RAFT_MSG_VOTE_RESP && !m->reject) {
		/* a later term on disk also settles it: that node can never vote in m->term again */
		if (d->hs.term < m->term || (d->hs.term == m->term && d->hs.vote != m->to)) {
			sim_fail(w, "n%llu grants its vote in term %llu to n%llu before that is "
				 "durable (disk: term %llu, vote n%llu)", U(n->id), U(m->term),
				 U(m->to), U(d->hs.term), U(d->hs.vote));
			return;
		}
		record_vote(w, n, m);
	} else if (m->type == RAFT_MSG_APPEND_RESP && !m->reject && m->index > disk_last(d)) {
		sim_fail(w, "n%llu acknowledges entry %llu, its disk ends at %llu", U(n->id),
			 U(m->index), U(disk_last(d)));
	}
}
