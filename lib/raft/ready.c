// SPDX-License-Identifier: GPL-2.0
/*
 * lib/raft: the Ready/Advance cycle. A Ready owns what it hands out (arrays
 * allocated for it, entry payloads and the snapshot shared by reference) until
 * raft_advance() releases it, so the node may go on stepping in between.
 */
#include <stdlib.h>
#include <string.h>

#include "raft_internal.h"

static struct raft_hard_state hard_state(const struct raft *r)
{
	struct raft_hard_state hs = {
		.term = r->term,
		.vote = r->vote,
		.commit = r->log.committed,
	};

	return hs;
}

static bool hs_equal(const struct raft_hard_state *a, const struct raft_hard_state *b)
{
	return a->term == b->term && a->vote == b->vote && a->commit == b->commit;
}

bool raft_has_ready(const struct raft *r)
{
	struct raft_hard_state hs = hard_state(r);

	return r->bcast_pending || r->commit_pending || r->n_msgs || r->n_rs ||
	       r->snap_ready || !hs_equal(&hs, &r->hs_out) ||
	       r->role != r->role_out || r->leader != r->leader_out ||
	       r->log.unstable <= raft_log_last(&r->log) ||
	       r->log.committed > r->log.applying;
}

void raft_ready(struct raft *r, struct raft_ready *rd)
{
	uint64_t last = raft_log_last(&r->log);
	struct raft_entry *ents = NULL, *done = NULL;
	size_t n = 0, n_done = 0;

	memset(rd, 0, sizeof(*rd));
	rd->role = r->role;
	rd->leader = r->leader;
	if (r->role == RAFT_LEADER && (r->bcast_pending || r->commit_pending))
		raft_bcast_append(r, r->commit_pending);
	r->bcast_pending = false;
	r->commit_pending = false;

	/* allocate first: out of memory, hand out nothing (messages depend on entries) */
	if (r->log.unstable <= last &&
	    raft_log_slice(&r->log, r->log.unstable, last, UINT64_MAX, &ents, &n))
		return;
	if (r->log.committed > r->log.applying &&
	    raft_log_slice(&r->log, r->log.applying + 1, r->log.committed, UINT64_MAX,
			   &done, &n_done)) {
		raft_entries_free(ents, n);
		return;
	}

	rd->hs = hard_state(r);
	rd->hs_changed = !hs_equal(&rd->hs, &r->hs_out);
	r->hs_out = rd->hs;
	if (r->snap_ready) {
		rd->snapshot = &r->snap_ready->s;
		r->snap_ready = NULL;
	}
	rd->entries = ents;
	rd->n_entries = n;
	r->log.unstable = last + 1;
	rd->msgs = r->msgs;
	rd->n_msgs = r->n_msgs;
	r->msgs = NULL;
	r->n_msgs = 0;
	r->cap_msgs = 0;
	rd->committed = done;
	rd->n_committed = n_done;
	r->log.applying = r->log.committed;
	rd->reads = r->rs;
	rd->n_reads = r->n_rs;
	r->rs = NULL;
	r->n_rs = 0;
	r->cap_rs = 0;
	r->role_out = r->role;
	r->leader_out = r->leader;
}

void raft_advance(struct raft *r, struct raft_ready *rd)
{
	size_t i;

	if (rd->n_committed && rd->committed[rd->n_committed - 1].index > r->log.applied)
		r->log.applied = rd->committed[rd->n_committed - 1].index;
	if (rd->snapshot && rd->snapshot->meta.index > r->log.applied)
		r->log.applied = rd->snapshot->meta.index;

	raft_entries_free(rd->entries, rd->n_entries);
	raft_entries_free(rd->committed, rd->n_committed);
	for (i = 0; i < rd->n_msgs; i++)
		raft_msg_release(&rd->msgs[i]);
	free(rd->msgs);
	free(rd->reads);
	if (rd->snapshot)
		raft_snap_put((struct raft_snap_buf *)((char *)rd->snapshot -
						       offsetof(struct raft_snap_buf, s)));
	memset(rd, 0, sizeof(*rd));
}
