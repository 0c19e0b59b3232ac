// SPDX-License-Identifier: GPL-2.0
/*
 * lib/raft: replication, commitment and the dispatch of messages; roles and
 * elections are in election.c. The shape follows the Raft paper and Ongaro's
 * thesis; the driving protocol (tick, step, ready, advance) follows
 * etcd-raft. See raft.h and Documentation/raft.rst.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "raft_internal.h"

void raft_config_default(struct raft_config *cfg, raft_id_t id, uint64_t seed)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->id = id;
	cfg->election_ticks = 15;
	cfg->heartbeat_ticks = 5;
	cfg->pre_vote = true;
	cfg->check_quorum = true;
	cfg->max_inflight = 64;
	cfg->max_msg_bytes = 1 << 20;
	cfg->snapshot_chunk = 64 << 10;
	cfg->seed = seed;
}

struct raft_progress *raft_pr_find(struct raft *r, raft_id_t id)
{
	size_t i;

	for (i = 0; i < r->n_prs; i++)
		if (r->prs[i].id == id)
			return &r->prs[i];
	return NULL;
}

/* ---- configuration -------------------------------------------------------- */

static void apply_conf_entry(struct raft *r, const struct raft_entry *e)
{
	struct raft_conf_change cc;

	if (raft_conf_decode(e->data, e->len, &cc))
		return;
	/* an invalid change (the leader would have refused it) is a no-op */
	raft_conf_apply(&r->conf, &cc);
	r->conf_index = e->index;
	r->conf_last = cc;
}

/* The configuration is the base plus every CONF entry in the log, in order. */
void raft_conf_rebuild(struct raft *r)
{
	size_t i;

	r->conf = r->base_conf;
	r->conf_index = 0;
	memset(&r->conf_last, 0, sizeof(r->conf_last));
	for (i = 0; i < r->log.n; i++)
		if (r->log.ents[i].type == RAFT_ENTRY_CONF)
			apply_conf_entry(r, &r->log.ents[i]);
}

/* The configuration as of @index: the base plus the CONF entries through it. */
void raft_conf_at(const struct raft *r, uint64_t index, struct raft_conf *c)
{
	struct raft_conf_change cc;
	size_t i;

	*c = r->base_conf;
	for (i = 0; i < r->log.n && r->log.ents[i].index <= index; i++) {
		const struct raft_entry *e = &r->log.ents[i];

		if (e->type == RAFT_ENTRY_CONF && !raft_conf_decode(e->data, e->len, &cc))
			raft_conf_apply(c, &cc);
	}
}

/* A voter of the configuration as of our commit index. */
static bool committed_voter(const struct raft *r, raft_id_t id)
{
	struct raft_conf c;

	if (r->conf_index <= r->log.committed)
		return raft_conf_is_voter(&r->conf, id);
	raft_conf_at(r, r->log.committed, &c);
	return raft_conf_is_voter(&c, id);
}

/*
 * A node campaigns if it votes in its latest configuration, or in the one
 * it committed: a node whose removal is not committed yet may be the only
 * one that can still win (thesis 4.2.2). It counts votes by the latest.
 */
bool raft_promotable(const struct raft *r)
{
	return r->base_known && (raft_conf_is_voter(&r->conf, r->cfg.id) ||
				 committed_voter(r, r->cfg.id));
}

/* A removed node keeps its progress until the removal commits, so it learns of it. */
static raft_id_t removal_pending(const struct raft *r)
{
	if (r->conf_index > r->log.committed && r->conf_last.op == RAFT_CONF_REMOVE)
		return r->conf_last.node;
	return 0;
}

static void add_progress(struct raft *r, raft_id_t id)
{
	uint64_t last = raft_log_last(&r->log);
	struct raft_progress *pr;

	if (r->n_prs == RAFT_MAX_NODES + 1)
		return;
	pr = &r->prs[r->n_prs++];
	raft_pr_init(pr, id, last + 1);
	/* a newcomer gets an election timeout before check-quorum counts it */
	pr->recent_active = true;
	if (id == r->cfg.id) {
		pr->match = last;
		raft_pr_become_replicate(pr);
	}
}

static void send_heartbeat(struct raft *r, const struct raft_progress *pr, uint64_t ctx);

/* Leader: one progress per member, no more. */
void raft_sync_progress(struct raft *r)
{
	raft_id_t keep = removal_pending(r);
	uint32_t i;
	size_t p;

	if (r->role != RAFT_LEADER)
		return;
	for (p = 0; p < r->n_prs;) {
		struct raft_progress tmp;

		if (raft_conf_has(&r->conf, r->prs[p].id) || r->prs[p].id == keep) {
			p++;
			continue;
		}
		/* a removed node hears its removal committed, or it would stand again */
		if (r->prs[p].id != r->cfg.id)
			send_heartbeat(r, &r->prs[p], 0);
		/* swap, so that the window memory stays with a slot */
		tmp = r->prs[p];
		r->prs[p] = r->prs[r->n_prs - 1];
		r->prs[r->n_prs - 1] = tmp;
		r->n_prs--;
		if (r->transferee == tmp.id)
			r->transferee = 0;
	}
	for (i = 0; i < r->conf.n_voters; i++)
		if (!raft_pr_find(r, r->conf.voters[i]))
			add_progress(r, r->conf.voters[i]);
	for (i = 0; i < r->conf.n_learners; i++)
		if (!raft_pr_find(r, r->conf.learners[i]))
			add_progress(r, r->conf.learners[i]);
}

/* ---- roles ------------------------------------------------------------------ */

/* ---- replication -------------------------------------------------------------- */

/* Sends the next APPEND to @pr, or the snapshot. false: nothing went out. */
bool raft_send_append(struct raft *r, struct raft_progress *pr, bool send_empty)
{
	uint64_t last = raft_log_last(&r->log), prev, prev_term;
	struct raft_entry *ents;
	struct raft_msg *m;
	size_t n;

	if (raft_pr_paused(pr))
		return false;
	if (pr->next > last + 1)
		pr->next = last + 1;
	prev = pr->next - 1;
	if (!raft_log_term(&r->log, prev, &prev_term)) {
		/* the entries it needs are compacted away */
		raft_snap_send(r, pr);
		return false;
	}
	if (raft_log_slice(&r->log, pr->next, last, r->cfg.max_msg_bytes, &ents, &n))
		return false;
	if (!n && !send_empty)
		return false;
	m = raft_msg_new(r, RAFT_MSG_APPEND, pr->id);
	if (!m) {
		raft_entries_free(ents, n);
		return false;
	}
	m->index = prev;
	m->log_term = prev_term;
	m->entries = ents;
	m->n_entries = n;
	m->commit = r->log.committed;
	raft_pr_sent(pr, n ? ents[n - 1].index : prev, n);
	return true;
}

/* As many APPENDs as the window takes. */
static void send_appends(struct raft *r, struct raft_progress *pr, bool send_empty)
{
	if (!raft_send_append(r, pr, send_empty))
		return;
	while (raft_send_append(r, pr, false))
		;
}

void raft_bcast_append(struct raft *r, bool send_empty)
{
	size_t i;

	for (i = 0; i < r->n_prs; i++)
		if (r->prs[i].id != r->cfg.id)
			send_appends(r, &r->prs[i], send_empty);
}

static void send_heartbeat(struct raft *r, const struct raft_progress *pr, uint64_t ctx)
{
	struct raft_msg *m = raft_msg_new(r, RAFT_MSG_HEARTBEAT, pr->id);

	if (!m)
		return;
	/* never past what it holds: its log beyond match may still differ */
	m->commit = pr->match < r->log.committed ? pr->match : r->log.committed;
	m->ctx = ctx;
}

void raft_bcast_heartbeat(struct raft *r, uint64_t ctx)
{
	size_t i;

	for (i = 0; i < r->n_prs; i++)
		if (r->prs[i].id != r->cfg.id)
			send_heartbeat(r, &r->prs[i], ctx);
}

static void send_timeout_now(struct raft *r, raft_id_t to)
{
	raft_msg_new(r, RAFT_MSG_TIMEOUT_NOW, to);
}

/* A leader whose own removal committed hands over and leaves. */
static void step_down_removed(struct raft *r)
{
	uint64_t last = raft_log_last(&r->log);
	size_t i;

	for (i = 0; i < r->n_prs; i++) {
		struct raft_progress *pr = &r->prs[i];

		if (raft_conf_is_voter(&r->conf, pr->id) && pr->match == last) {
			send_timeout_now(r, pr->id);
			break;
		}
	}
	raft_become_follower(r, r->term, 0);
}

static void after_commit(struct raft *r)
{
	bool self_out = !raft_conf_is_voter(&r->conf, r->cfg.id);

	raft_read_commit_in_term(r);
	if (!r->conf_index || r->conf_index > r->log.committed)
		return;
	/* a removal committed: the removed node's progress goes, or we do */
	if (r->n_prs > r->conf.n_voters + r->conf.n_learners || self_out)
		raft_sync_progress(r);
	if (self_out)
		step_down_removed(r);
}

/* Commits the highest index a quorum of voters holds, if it is of our term. */
static bool maybe_commit(struct raft *r)
{
	uint64_t match[RAFT_MAX_NODES], idx;
	uint32_t i, j, n = 0;

	for (i = 0; i < r->conf.n_voters; i++) {
		struct raft_progress *pr = raft_pr_find(r, r->conf.voters[i]);
		uint64_t v = pr ? pr->match : 0;

		/* insertion sort, descending */
		for (j = n++; j > 0 && match[j - 1] < v; j--)
			match[j] = match[j - 1];
		match[j] = v;
	}
	if (!n)
		return false;
	idx = match[raft_conf_quorum(&r->conf) - 1];
	/* Raft 5.4.2: counting replicas commits only entries of the current term */
	if (idx <= r->log.committed || !raft_log_match(&r->log, idx, r->term))
		return false;
	raft_log_commit_to(&r->log, idx);
	r->commit_pending = true;
	after_commit(r);
	return true;
}

int64_t raft_leader_append(struct raft *r, uint8_t type, const void *data, uint32_t len)
{
	struct raft_entry e = {
		.term = r->term,
		.index = raft_log_last(&r->log) + 1,
		.type = type,
		.len = len,
	};
	struct raft_progress *pr;

	if (raft_log_reserve(&r->log, 1) || raft_blob_dup(data, len, &e.data))
		return -ENOMEM;
	raft_log_push(&r->log, &e);
	raft_blob_put(e.data);
	if (type == RAFT_ENTRY_CONF) {
		apply_conf_entry(r, &e);
		raft_sync_progress(r);
	}
	pr = raft_pr_find(r, r->cfg.id);
	if (pr)
		raft_pr_maybe_update(pr, e.index);
	/* sent from raft_ready(): every proposal until then shares the APPENDs */
	r->bcast_pending = true;
	maybe_commit(r);
	return (int64_t)e.index;
}

int64_t raft_propose(struct raft *r, const void *data, uint32_t len)
{
	if (len && !data)
		return -EINVAL;
	if (r->role != RAFT_LEADER)
		return -RAFT_ENOTLEADER;
	if (r->transferee)
		return -RAFT_EBUSY;
	return raft_leader_append(r, RAFT_ENTRY_NORMAL, data, len);
}

int64_t raft_propose_conf(struct raft *r, const struct raft_conf_change *cc)
{
	uint8_t buf[RAFT_CONF_ENCODED_LEN];
	struct raft_conf c;
	int err;

	if (!cc)
		return -EINVAL;
	if (r->role != RAFT_LEADER)
		return -RAFT_ENOTLEADER;
	/*
	 * One change at a time, and only once an entry of this term committed:
	 * otherwise a change from a previous leader may still be in flight.
	 */
	if (r->transferee || r->conf_index > r->log.committed || !raft_committed_in_term(r))
		return -RAFT_EBUSY;
	c = r->conf;
	err = raft_conf_apply(&c, cc);
	if (err)
		return err;
	raft_conf_encode(cc, buf);
	return raft_leader_append(r, RAFT_ENTRY_CONF, buf, sizeof(buf));
}

/* ---- leader: answers from followers ------------------------------------------ */

/*
 * Where the logs may agree after a refusal: the follower's entry at @index
 * has @term, so none of our entries of a later term can match there.
 */
static uint64_t backtrack(struct raft *r, uint64_t index, uint64_t term)
{
	uint64_t last = raft_log_last(&r->log), t;

	if (index > last)
		index = last;
	while (index > 0 && raft_log_term(&r->log, index, &t) && t > term)
		index--;
	return index;
}

static void leader_append_resp(struct raft *r, struct raft_progress *pr,
			       const struct raft_msg *m)
{
	if (m->reject) {
		uint64_t at = m->index < m->hint ? m->index : m->hint;

		if (raft_pr_maybe_decr(pr, m->index, backtrack(r, at, m->log_term) + 1)) {
			if (pr->state == RAFT_PROGRESS_REPLICATE)
				raft_pr_become_probe(pr);
			send_appends(r, pr, true);
		}
		return;
	}
	/* a probe answered at next - 1 found the match even if it is not news */
	if (!raft_pr_maybe_update(pr, m->index) &&
	    !(pr->state == RAFT_PROGRESS_PROBE && m->index + 1 == pr->next))
		return;
	switch (pr->state) {
	case RAFT_PROGRESS_PROBE:
		raft_pr_become_replicate(pr);
		break;
	case RAFT_PROGRESS_SNAPSHOT:
		if (pr->match >= pr->snap_index)
			raft_pr_become_probe(pr);
		break;
	default:
		raft_pr_acked(pr, m->index);
		break;
	}
	maybe_commit(r);
	if (r->role != RAFT_LEADER)
		return;
	send_appends(r, pr, false);
	if (pr->id == r->transferee && pr->match == raft_log_last(&r->log))
		send_timeout_now(r, pr->id);
}

static void leader_heartbeat_resp(struct raft *r, struct raft_progress *pr,
				  const struct raft_msg *m)
{
	pr->probe_sent = false;
	/* the follower is alive: let one APPEND through a full window */
	if (pr->state == RAFT_PROGRESS_REPLICATE && pr->in_count >= pr->in_cap)
		raft_pr_free_one(pr);
	/* a probe goes out even empty: it finds where the logs agree */
	if (pr->match < raft_log_last(&r->log))
		send_appends(r, pr, pr->state == RAFT_PROGRESS_PROBE);
	if (m->ctx)
		raft_read_ack(r, pr, m->ctx);
}

static void step_leader(struct raft *r, const struct raft_msg *m)
{
	struct raft_progress *pr = raft_pr_find(r, m->from);

	switch (m->type) {
	case RAFT_MSG_APPEND_RESP:
	case RAFT_MSG_HEARTBEAT_RESP:
	case RAFT_MSG_SNAPSHOT_RESP:
		if (!pr)
			return;
		pr->recent_active = true;
		if (m->type == RAFT_MSG_APPEND_RESP)
			leader_append_resp(r, pr, m);
		else if (m->type == RAFT_MSG_HEARTBEAT_RESP)
			leader_heartbeat_resp(r, pr, m);
		else
			raft_snap_resp(r, pr, m);
		return;
	case RAFT_MSG_READ_INDEX:
		raft_read_leader(r, m->ctx, m->from);
		return;
	default:
		/* another leader of our term cannot exist; stale answers don't matter */
		return;
	}
}

/* ---- follower ------------------------------------------------------------------ */

void raft_reply(struct raft *r, const struct raft_msg *m, uint8_t type,
		  uint64_t index, bool reject)
{
	struct raft_msg *out = raft_msg_new(r, type, m->from);

	if (!out)
		return;
	out->index = index;
	out->reject = reject;
	out->ctx = m->ctx;
}

/*
 * Acknowledgements still queued that vouch for entries from @index on are
 * false once those entries are replaced: they must not leave.
 */
void raft_drop_acks_from(struct raft *r, uint64_t index)
{
	size_t i, j;

	for (i = j = 0; i < r->n_msgs; i++) {
		struct raft_msg *m = &r->msgs[i];

		if (m->type == RAFT_MSG_APPEND_RESP && !m->reject && m->index >= index) {
			raft_msg_release(m);
			continue;
		}
		if (i != j)
			r->msgs[j] = *m;
		j++;
	}
	r->n_msgs = j;
}

/* Takes the leader's entries after prev; the caller checked prev matches. */
static int follower_append(struct raft *r, const struct raft_msg *m)
{
	uint64_t conflict = raft_log_find_conflict(&r->log, m->entries, m->n_entries);
	struct raft_entry *tmp;
	bool rebuild;
	size_t from, k, i;

	if (!conflict)
		return 0;
	if (conflict <= r->log.committed)
		return -EINVAL;	/* a leader contradicting what committed */
	from = conflict - m->index - 1;
	k = m->n_entries - from;
	/* copy everything first: out of memory, nothing has changed */
	tmp = calloc(k, sizeof(*tmp));
	if (!tmp || raft_log_reserve(&r->log, k)) {
		free(tmp);
		return -ENOMEM;
	}
	for (i = 0; i < k; i++) {
		tmp[i] = m->entries[from + i];
		if (raft_blob_dup(m->entries[from + i].data, tmp[i].len, &tmp[i].data)) {
			raft_entries_free(tmp, i);
			return -ENOMEM;
		}
	}
	rebuild = conflict <= r->conf_index;
	if (conflict <= raft_log_last(&r->log)) {
		raft_log_truncate(&r->log, conflict);
		raft_drop_acks_from(r, conflict);
	}
	for (i = 0; i < k; i++)
		raft_log_push(&r->log, &tmp[i]);
	/* a truncated CONF entry takes its change with it */
	if (rebuild) {
		raft_conf_rebuild(r);
	} else {
		for (i = 0; i < k; i++)
			if (tmp[i].type == RAFT_ENTRY_CONF)
				apply_conf_entry(r, &tmp[i]);
	}
	raft_entries_free(tmp, k);
	return 0;
}

static int handle_append(struct raft *r, const struct raft_msg *m)
{
	uint64_t last = raft_log_last(&r->log), last_new, t = 0;
	struct raft_msg *out;
	int err;

	if (m->index < r->log.committed) {
		/* all that is committed matches: start from there */
		raft_reply(r, m, RAFT_MSG_APPEND_RESP, r->log.committed, false);
		return 0;
	}
	if (!raft_log_match(&r->log, m->index, m->log_term)) {
		uint64_t at = m->index < last ? m->index : last;

		raft_log_term(&r->log, at, &t);
		out = raft_msg_new(r, RAFT_MSG_APPEND_RESP, m->from);
		if (out) {
			out->index = m->index;
			out->reject = true;
			out->hint = last;
			out->log_term = t;
		}
		return 0;
	}
	err = follower_append(r, m);
	if (err)
		return err;
	last_new = m->index + m->n_entries;
	raft_log_commit_to(&r->log, m->commit < last_new ? m->commit : last_new);
	raft_reply(r, m, RAFT_MSG_APPEND_RESP, last_new, false);
	return 0;
}

int raft_step_follower(struct raft *r, const struct raft_msg *m)
{
	switch (m->type) {
	case RAFT_MSG_APPEND:
	case RAFT_MSG_HEARTBEAT:
	case RAFT_MSG_SNAPSHOT:
		r->election_elapsed = 0;
		r->leader = m->from;
		if (m->type == RAFT_MSG_APPEND)
			return handle_append(r, m);
		if (m->type == RAFT_MSG_SNAPSHOT)
			return raft_snap_step(r, m);
		raft_log_commit_to(&r->log, m->commit);
		raft_reply(r, m, RAFT_MSG_HEARTBEAT_RESP, 0, false);
		return 0;
	case RAFT_MSG_TIMEOUT_NOW:
		if (raft_promotable(r))
			raft_campaign_as(r, CAMPAIGN_TRANSFER);
		return 0;
	case RAFT_MSG_READ_INDEX:
		raft_reply(r, m, RAFT_MSG_READ_INDEX_RESP, 0, true);
		return 0;
	case RAFT_MSG_READ_INDEX_RESP:
		if (m->reject || !m->ctx)
			return 0;
		return raft_read_push(r, m->ctx, m->index);
	default:
		return 0;
	}
}

/* ---- any role ------------------------------------------------------------------ */

/* Messages a node outside our configuration has no business sending us. */
static bool ignored(struct raft *r, const struct raft_msg *m)
{
	switch (m->type) {
	case RAFT_MSG_PREVOTE:
	case RAFT_MSG_VOTE:
		/*
		 * Answered whoever asks: our configuration may lag the candidate's
		 * (it was added where we have not heard yet) or hold a change its
		 * log undoes, and refusing could leave no node able to win. The
		 * candidate counts only its voters; the lease and PreVote keep a
		 * removed node from disrupting.
		 */
		return false;
	case RAFT_MSG_PREVOTE_RESP:
	case RAFT_MSG_VOTE_RESP:
		return !raft_conf_is_voter(&r->conf, m->from);
	case RAFT_MSG_APPEND_RESP:
	case RAFT_MSG_HEARTBEAT_RESP:
	case RAFT_MSG_SNAPSHOT_RESP:
		return !raft_pr_find(r, m->from) && !raft_conf_has(&r->conf, m->from);
	case RAFT_MSG_TIMEOUT_NOW:
		/* also from our leader that just removed itself and hands over */
		return !raft_conf_has(&r->conf, m->from) && m->from != r->leader;
	case RAFT_MSG_READ_INDEX:
		return !raft_conf_has(&r->conf, m->from);
	default:
		/* a leader we may not know yet: a new node learns its log this way */
		return false;
	}
}

static bool from_leader(uint8_t type)
{
	return type == RAFT_MSG_APPEND || type == RAFT_MSG_HEARTBEAT ||
	       type == RAFT_MSG_SNAPSHOT || type == RAFT_MSG_TIMEOUT_NOW ||
	       type == RAFT_MSG_READ_INDEX_RESP;
}

/*
 * A later term, and no leader known for it yet. Only hearing from a leader
 * or granting a vote restarts the election timer (Raft 5.2): a candidate
 * whose log is behind, and so cannot win, must not keep the node that could
 * from ever timing out first.
 */
static void follow_term(struct raft *r, uint64_t term)
{
	uint32_t elapsed = r->election_elapsed, timeout = r->timeout;
	bool keep = r->role != RAFT_LEADER;

	raft_become_follower(r, term, 0);
	if (keep) {
		r->election_elapsed = elapsed;
		r->timeout = timeout;
	}
}

/* A message of an older term: a leader that sent it learns our term (Raft 5.1). */
static void stale(struct raft *r, const struct raft_msg *m)
{
	struct raft_msg *out;

	/*
	 * Votes alone do not do it: a node that no configuration lists anymore
	 * hears none, and with check-quorum or prevote a node stuck at a higher
	 * term after a partition may never make one count.
	 */
	if (m->type == RAFT_MSG_APPEND || m->type == RAFT_MSG_HEARTBEAT ||
	    m->type == RAFT_MSG_SNAPSHOT) {
		raft_msg_new(r, RAFT_MSG_APPEND_RESP, m->from);
	} else if (m->type == RAFT_MSG_PREVOTE || m->type == RAFT_MSG_VOTE) {
		/* a candidate behind us would otherwise never catch up on terms */
		out = raft_msg_new(r, m->type == RAFT_MSG_VOTE ? RAFT_MSG_VOTE_RESP :
				   RAFT_MSG_PREVOTE_RESP, m->from);
		if (out) {
			out->reject = true;
			out->index = raft_log_last(&r->log);
			out->log_term = raft_log_last_term(&r->log);
		}
	}
}

int raft_step(struct raft *r, const struct raft_msg *m)
{
	int err;

	if (!r)
		return -EINVAL;
	err = raft_msg_check(r, m);
	if (err)
		return err;
	if (ignored(r, m))
		return 0;
	if (m->term > r->term) {
		if (m->type == RAFT_MSG_PREVOTE || m->type == RAFT_MSG_VOTE) {
			bool force = m->type == RAFT_MSG_VOTE && m->ctx == 1;
			bool lease = r->cfg.check_quorum && r->leader &&
				     r->election_elapsed < r->cfg.election_ticks;

			/* we heard from a live leader lately: this one is cut off, not us */
			if (lease && !force)
				return 0;
		}
		if (m->type == RAFT_MSG_PREVOTE ||
		    (m->type == RAFT_MSG_PREVOTE_RESP && !m->reject))
			;	/* prevotes never move terms */
		else if (from_leader(m->type))
			raft_become_follower(r, m->term, m->from);
		else
			follow_term(r, m->term);
	} else if (m->term < r->term) {
		stale(r, m);
		return 0;
	}
	if (m->type == RAFT_MSG_PREVOTE || m->type == RAFT_MSG_VOTE) {
		raft_handle_vote(r, m);
		return 0;
	}
	switch (r->role) {
	case RAFT_LEADER:
		step_leader(r, m);
		return 0;
	case RAFT_CANDIDATE:
	case RAFT_PRE_CANDIDATE:
		return raft_step_candidate(r, m);
	default:
		return raft_step_follower(r, m);
	}
}

/* ---- time ------------------------------------------------------------------------ */

static bool heard_from(const struct raft_progress *pr, uint64_t unused)
{
	(void)unused;
	return pr->recent_active;
}

static bool quorum_active(struct raft *r)
{
	return raft_quorum_has(r, heard_from, 0);
}

static void tick_leader(struct raft *r)
{
	size_t i;

	r->heartbeat_elapsed++;
	r->election_elapsed++;
	if (r->transferee && ++r->transfer_elapsed >= r->cfg.election_ticks)
		r->transferee = 0;	/* it did not take over in time */
	if (r->election_elapsed >= r->cfg.election_ticks) {
		r->election_elapsed = 0;
		if (r->cfg.check_quorum && !quorum_active(r)) {
			/* cut off from a quorum: a leader elsewhere may already serve */
			raft_become_follower(r, r->term, 0);
			return;
		}
		for (i = 0; i < r->n_prs; i++)
			r->prs[i].recent_active = r->prs[i].id == r->cfg.id;
	}
	if (r->heartbeat_elapsed >= r->cfg.heartbeat_ticks) {
		r->heartbeat_elapsed = 0;
		/* a read round whose heartbeats or answers were lost is asked again */
		raft_bcast_heartbeat(r, r->n_rq ? r->read_round : 0);
		for (i = 0; i < r->n_prs; i++) {
			struct raft_progress *pr = &r->prs[i];

			if (pr->id == r->cfg.id)
				continue;
			if (raft_pr_stalled(pr)) {
				raft_pr_become_probe(pr);
				send_appends(r, pr, true);
			}
			raft_snap_retransmit(r, pr);
		}
	}
}

void raft_tick(struct raft *r)
{
	if (r->role == RAFT_LEADER) {
		tick_leader(r);
		return;
	}
	if (r->election_elapsed < UINT32_MAX)
		r->election_elapsed++;
	if (r->election_elapsed >= r->timeout && raft_promotable(r))
		raft_campaign_as(r, r->cfg.pre_vote ? CAMPAIGN_PRE : CAMPAIGN_ELECTION);
}

/* ---- requests from the application ------------------------------------------------ */

int raft_transfer_leader(struct raft *r, raft_id_t to)
{
	struct raft_progress *pr;

	if (r->role != RAFT_LEADER)
		return -RAFT_ENOTLEADER;
	if (to == r->cfg.id)
		return 0;
	pr = raft_pr_find(r, to);
	if (!pr || !raft_conf_is_voter(&r->conf, to))
		return -EINVAL;
	if (r->transferee == to)
		return 0;
	r->transferee = to;
	r->transfer_elapsed = 0;
	if (pr->match == raft_log_last(&r->log))
		send_timeout_now(r, to);
	else
		send_appends(r, pr, true);
	return 0;
}

int raft_read_index(struct raft *r, uint64_t ctx)
{
	struct raft_msg *m;

	if (!ctx)
		return -EINVAL;
	if (r->role == RAFT_LEADER) {
		raft_read_leader(r, ctx, r->cfg.id);
		return 0;
	}
	if (!r->leader)
		return -RAFT_ENOTLEADER;
	m = raft_msg_new(r, RAFT_MSG_READ_INDEX, r->leader);
	if (!m)
		return -ENOMEM;
	m->ctx = ctx;
	return 0;
}

/* ---- life cycle -------------------------------------------------------------------- */

static int check_config(const struct raft_config *c)
{
	if (!c->id || !c->heartbeat_ticks || c->election_ticks <= c->heartbeat_ticks)
		return -EINVAL;
	if (!c->max_inflight || c->max_inflight > RAFT_MAX_INFLIGHT ||
	    !c->max_msg_bytes || !c->snapshot_chunk)
		return -EINVAL;
	return 0;
}

static int check_boot_entries(const struct raft_boot *b, uint64_t snap_index, uint64_t snap_term)
{
	uint64_t prev = snap_term;
	struct raft_conf_change cc;
	size_t i;

	if (b->n_entries && !b->entries)
		return -EINVAL;
	for (i = 0; i < b->n_entries; i++) {
		const struct raft_entry *e = &b->entries[i];

		if (e->index != snap_index + 1 + i || e->term < prev || !e->term ||
		    e->type > RAFT_ENTRY_CONF || (e->len && !e->data))
			return -EINVAL;
		if (e->type == RAFT_ENTRY_CONF && raft_conf_decode(e->data, e->len, &cc))
			return -EINVAL;
		prev = e->term;
	}
	if (b->hs.term < prev || b->hs.commit > snap_index + b->n_entries)
		return -EINVAL;
	return 0;
}

static int boot(struct raft *r, const struct raft_boot *b)
{
	const struct raft_snapshot *s = b->snapshot;
	uint64_t snap_index = 0, snap_term = 0;
	size_t i;
	int err;

	if (s) {
		if (!s->meta.index || !s->meta.term || (s->len && !s->data) ||
		    raft_conf_check(&s->meta.conf))
			return -EINVAL;
		snap_index = s->meta.index;
		snap_term = s->meta.term;
		r->base_conf = s->meta.conf;
	} else if (b->initial) {
		if (raft_conf_check(b->initial))
			return -EINVAL;
		r->base_conf = *b->initial;
	}
	/* with neither, a joining node learns its configuration from a snapshot */
	r->base_known = r->base_conf.n_voters > 0;
	err = check_boot_entries(b, snap_index, snap_term);
	if (err)
		return err;
	if (s) {
		r->snap = raft_snap_new(&s->meta, s->data, s->len);
		if (!r->snap)
			return -ENOMEM;
	}
	raft_log_init(&r->log, snap_index, snap_term);
	if (raft_log_reserve(&r->log, b->n_entries))
		return -ENOMEM;
	for (i = 0; i < b->n_entries; i++) {
		struct raft_entry e = b->entries[i];

		if (raft_blob_dup(b->entries[i].data, e.len, &e.data))
			return -ENOMEM;
		raft_log_push(&r->log, &e);
		raft_blob_put(e.data);
	}
	/* what the caller gave us is on its disk already */
	r->log.unstable = raft_log_last(&r->log) + 1;
	if (b->hs.commit > r->log.committed)
		r->log.committed = b->hs.commit;
	r->term = b->hs.term;
	r->vote = b->hs.vote;
	r->hs_out = b->hs;
	raft_conf_rebuild(r);
	return 0;
}

struct raft *raft_new(const struct raft_config *cfg, const struct raft_boot *b, int *err)
{
	static const struct raft_boot none;
	struct raft *r = NULL;
	int rc = -EINVAL;
	size_t i;

	if (!cfg || check_config(cfg))
		goto fail;
	rc = -ENOMEM;
	r = calloc(1, sizeof(*r));
	if (!r)
		goto fail;
	r->cfg = *cfg;
	/* the same seed on every node must still give different timeouts */
	r->rng = cfg->seed ^ (cfg->id * 0xd6e8feb86659fd93ULL);
	r->inflight_mem = calloc((size_t)(RAFT_MAX_NODES + 1) * cfg->max_inflight,
				 sizeof(*r->inflight_mem));
	if (!r->inflight_mem)
		goto fail;
	for (i = 0; i < RAFT_MAX_NODES + 1; i++) {
		r->prs[i].inflight = r->inflight_mem + i * cfg->max_inflight;
		r->prs[i].in_cap = cfg->max_inflight;
	}
	rc = boot(r, b ? b : &none);
	if (rc)
		goto fail;
	raft_become_follower(r, r->term, 0);
	r->role_out = RAFT_FOLLOWER;
	r->leader_out = 0;
	if (err)
		*err = 0;
	return r;
fail:
	raft_free(r);
	if (err)
		*err = rc;
	return NULL;
}

void raft_free(struct raft *r)
{
	size_t i;

	if (!r)
		return;
	raft_log_free(&r->log);
	for (i = 0; i < r->n_msgs; i++)
		raft_msg_release(&r->msgs[i]);
	free(r->msgs);
	free(r->rq);
	free(r->rwait);
	free(r->rs);
	free(r->inflight_mem);
	raft_snap_put(r->snap);
	raft_snap_put(r->snap_ready);
	free(r->rcv.buf);
	free(r);
}
