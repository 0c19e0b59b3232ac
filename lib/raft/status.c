// SPDX-License-Identifier: GPL-2.0
/* lib/raft: what a node tells about itself (sovctl raft, tests). */
#include <string.h>

#include "raft_internal.h"

void raft_status(const struct raft *r, struct raft_status *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	st->id = r->cfg.id;
	st->leader = r->leader;
	st->role = r->role;
	st->hs.term = r->term;
	st->hs.vote = r->vote;
	st->hs.commit = r->log.committed;
	st->applied = r->log.applied;
	st->first_index = r->log.snap_index + 1;
	st->last_index = raft_log_last(&r->log);
	st->snapshot_index = r->log.snap_index;
	st->snapshot_term = r->log.snap_term;
	st->transferee = r->transferee;
	st->conf = r->conf;
	if (r->role != RAFT_LEADER)
		return;
	for (i = 0; i < r->n_prs && i < RAFT_MAX_NODES; i++) {
		const struct raft_progress *pr = &r->prs[i];
		struct raft_peer_status *p = &st->peers[i];

		p->id = pr->id;
		p->voter = raft_conf_is_voter(&r->conf, pr->id);
		p->match = pr->match;
		p->next = pr->next;
		p->state = pr->state;
		p->recent_active = pr->recent_active;
	}
	st->n_peers = i;
}

raft_id_t raft_leader(const struct raft *r)
{
	return r->leader;
}

enum raft_role raft_role(const struct raft *r)
{
	return r->role;
}

const char *raft_role_name(enum raft_role role)
{
	switch (role) {
	case RAFT_FOLLOWER:
		return "follower";
	case RAFT_PRE_CANDIDATE:
		return "pre-candidate";
	case RAFT_CANDIDATE:
		return "candidate";
	case RAFT_LEADER:
		return "leader";
	}
	return "unknown";
}
