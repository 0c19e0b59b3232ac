// SPDX-License-Identifier: GPL-2.0
/*
 * lib/raft: roles and elections: the randomized timeout, PreVote and
 * elections, counting votes, answering them, becoming follower or leader.
 * Replication and commitment stay in raft.c.
 */
#include "raft_internal.h"

enum poll_result {
	POLL_PENDING,
	POLL_WON,
	POLL_LOST,
	POLL_BEHIND,	/* lost, and enough voters' logs are ahead to lose again */
};

/* splitmix64: deterministic, and good enough to spread election timeouts */
static uint64_t rng_next(struct raft *r)
{
	uint64_t z = (r->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * In (election, 2 * election] ticks, never exactly election: the other nodes'
 * tick clocks run up to a tick out of phase with ours, and one still counting
 * election - 1 ticks since the leader's last heartbeat would ignore our
 * PreVote as a lease holder (raft_step()) and cost us a whole second timeout.
 */
static void reset_timeout(struct raft *r)
{
	r->timeout = r->cfg.election_ticks + 1 +
		     (uint32_t)(rng_next(r) % r->cfg.election_ticks);
}

/*
 * A node whose log is behind a quorum's cannot win until a leader brings it
 * up to date; standing again as often as the others (without PreVote, each
 * time voting for itself) only blocks the one that could. Twice as long.
 */
static void backoff_timeout(struct raft *r)
{
	r->timeout = 2 * r->cfg.election_ticks +
		     (uint32_t)(rng_next(r) % (2 * r->cfg.election_ticks));
}

static void reset(struct raft *r)
{
	r->election_elapsed = 0;
	r->heartbeat_elapsed = 0;
	reset_timeout(r);
	r->n_votes = 0;
	r->transferee = 0;
	r->transfer_elapsed = 0;
	r->bcast_pending = false;
	r->commit_pending = false;
	r->n_prs = 0;
	raft_read_reset(r);
}

void raft_become_follower(struct raft *r, uint64_t term, raft_id_t leader)
{
	if (term != r->term) {
		r->term = term;
		r->vote = 0;
	}
	r->role = RAFT_FOLLOWER;
	reset(r);
	r->leader = leader;
}

static void become_leader(struct raft *r)
{
	size_t i;

	r->role = RAFT_LEADER;
	reset(r);
	r->leader = r->cfg.id;
	raft_sync_progress(r);
	for (i = 0; i < r->n_prs; i++)
		r->prs[i].recent_active = r->prs[i].id == r->cfg.id;
	/*
	 * Entries of earlier terms commit only under one of ours (Raft 5.4.2):
	 * an empty one gets there at once. Out of memory, the first proposal
	 * does the same job.
	 */
	raft_leader_append(r, RAFT_ENTRY_NORMAL, NULL, 0);
}

/* Records one answer; self-votes included. Only voters count. */
static enum poll_result poll(struct raft *r, raft_id_t id, bool granted, bool ahead)
{
	uint32_t yes = 0, no = 0, behind = 0, q = raft_conf_quorum(&r->conf);
	size_t i;

	if (!raft_conf_is_voter(&r->conf, id))
		return POLL_PENDING;
	for (i = 0; i < r->n_votes; i++)
		if (r->votes[i] == id)
			break;
	if (i == r->n_votes && r->n_votes < RAFT_MAX_NODES) {
		r->votes[r->n_votes] = id;
		r->ahead[r->n_votes] = ahead;
		r->granted[r->n_votes++] = granted;
	}
	for (i = 0; i < r->n_votes; i++) {
		if (r->granted[i])
			yes++;
		else
			no++;
		behind += r->ahead[i];
	}
	if (yes >= q)
		return POLL_WON;
	if (no > r->conf.n_voters - q)
		return behind > r->conf.n_voters - q ? POLL_BEHIND : POLL_LOST;
	return POLL_PENDING;
}

void raft_campaign_as(struct raft *r, enum campaign_kind kind)
{
	uint8_t type = kind == CAMPAIGN_PRE ? RAFT_MSG_PREVOTE : RAFT_MSG_VOTE;
	uint64_t term;
	uint32_t i;

	if (kind == CAMPAIGN_PRE) {
		/* ask first whether we could win, without disturbing anyone's term */
		r->role = RAFT_PRE_CANDIDATE;
		reset(r);
		r->leader = 0;
		term = r->term + 1;
	} else {
		r->role = RAFT_CANDIDATE;
		reset(r);
		r->leader = 0;
		r->term++;
		r->vote = r->cfg.id;
		term = r->term;
	}
	if (poll(r, r->cfg.id, true, false) == POLL_WON) {
		if (kind == CAMPAIGN_PRE)
			raft_campaign_as(r, CAMPAIGN_ELECTION);
		else
			become_leader(r);
		return;
	}
	for (i = 0; i < r->conf.n_voters; i++) {
		raft_id_t v = r->conf.voters[i];
		struct raft_msg *m;

		if (v == r->cfg.id)
			continue;
		m = raft_msg_new(r, type, v);
		if (!m)
			continue;
		m->term = term;
		m->index = raft_log_last(&r->log);
		m->log_term = raft_log_last_term(&r->log);
		m->ctx = kind == CAMPAIGN_TRANSFER;
	}
}

void raft_campaign(struct raft *r)
{
	if (r->role == RAFT_LEADER || !raft_promotable(r))
		return;
	raft_campaign_as(r, r->cfg.pre_vote ? CAMPAIGN_PRE : CAMPAIGN_ELECTION);
}

/* A log ending at @index/@term is strictly ahead of ours: its owner never votes for us. */
static bool log_ahead(const struct raft *r, uint64_t index, uint64_t term)
{
	uint64_t lt = raft_log_last_term(&r->log);

	return term > lt || (term == lt && index > raft_log_last(&r->log));
}

int raft_step_candidate(struct raft *r, const struct raft_msg *m)
{
	uint8_t want = r->role == RAFT_PRE_CANDIDATE ? RAFT_MSG_PREVOTE_RESP : RAFT_MSG_VOTE_RESP;
	bool ahead;

	switch (m->type) {
	case RAFT_MSG_APPEND:
	case RAFT_MSG_HEARTBEAT:
	case RAFT_MSG_SNAPSHOT:
		/* someone won this term */
		raft_become_follower(r, m->term, m->from);
		return raft_step_follower(r, m);
	case RAFT_MSG_PREVOTE_RESP:
	case RAFT_MSG_VOTE_RESP:
		if (m->type != want)
			return 0;
		/* a refusal says where the voter's log ends */
		ahead = m->reject && log_ahead(r, m->index, m->log_term);
		switch (poll(r, m->from, !m->reject, ahead)) {
		case POLL_WON:
			if (r->role == RAFT_PRE_CANDIDATE)
				raft_campaign_as(r, CAMPAIGN_ELECTION);
			else
				become_leader(r);
			break;
		case POLL_LOST:
			raft_become_follower(r, r->term, 0);
			break;
		case POLL_BEHIND:
			raft_become_follower(r, r->term, 0);
			backoff_timeout(r);
			break;
		default:
			break;
		}
		return 0;
	case RAFT_MSG_READ_INDEX:
		raft_reply(r, m, RAFT_MSG_READ_INDEX_RESP, 0, true);
		return 0;
	default:
		return 0;
	}
}

/* ---- any role ------------------------------------------------------------------ */

/*
 * Two nodes standing at once each grant the other's PreVote, both go on to a
 * real vote, vote for themselves and split it; with two voters left of three
 * that costs a second election timeout every time. A PreVote is not binding,
 * so of two pre-candidates only one goes on: the one whose log is ahead,
 * else the lower id. The other grants it and steps back.
 */
static bool yields_to(const struct raft *r, const struct raft_msg *m)
{
	uint64_t lt = raft_log_last_term(&r->log), li = raft_log_last(&r->log);

	if (log_ahead(r, m->index, m->log_term))
		return true;
	return m->log_term == lt && m->index == li && m->from < r->cfg.id;
}

void raft_handle_vote(struct raft *r, const struct raft_msg *m)
{
	bool pre = m->type == RAFT_MSG_PREVOTE;
	struct raft_msg *out;
	bool can;

	/* a repeat, a free vote in this term, or a prevote for a later term */
	can = r->vote == m->from || (!r->vote && !r->leader) || (pre && m->term > r->term);
	if (pre && r->role == RAFT_PRE_CANDIDATE && m->term == r->term + 1) {
		can = yields_to(r, m);
		if (can)
			raft_become_follower(r, r->term, 0);
	}
	out = raft_msg_new(r, pre ? RAFT_MSG_PREVOTE_RESP : RAFT_MSG_VOTE_RESP, m->from);
	if (can && raft_log_up_to_date(&r->log, m->index, m->log_term)) {
		if (out)
			out->term = m->term;	/* the term the candidate asks for */
		if (!pre) {
			r->vote = m->from;
			r->election_elapsed = 0;
		}
	} else if (out) {
		out->reject = true;
		out->index = raft_log_last(&r->log);
		out->log_term = raft_log_last_term(&r->log);
	}
}
