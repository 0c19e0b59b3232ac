// SPDX-License-Identifier: GPL-2.0
/*
 * lib/raft: what a leader knows about one follower. Probe sends one APPEND at
 * a time until the follower's log matches; replicate pipelines up to the
 * window of APPENDs in flight; snapshot sends nothing but the snapshot.
 */
#include <string.h>

#include "raft_internal.h"

void raft_pr_init(struct raft_progress *pr, raft_id_t id, uint64_t next)
{
	uint64_t *ring = pr->inflight;
	uint32_t cap = pr->in_cap;

	memset(pr, 0, sizeof(*pr));
	pr->inflight = ring;
	pr->in_cap = cap;
	pr->id = id;
	pr->next = next;
	pr->state = RAFT_PROGRESS_PROBE;
}

static void reset_state(struct raft_progress *pr, uint8_t state)
{
	pr->state = state;
	pr->probe_sent = false;
	pr->in_start = 0;
	pr->in_count = 0;
}

void raft_pr_become_probe(struct raft_progress *pr)
{
	/* after a snapshot, the follower holds at least what it carried */
	uint64_t next = pr->match + 1;

	if (pr->state == RAFT_PROGRESS_SNAPSHOT && pr->snap_index + 1 > next)
		next = pr->snap_index + 1;
	reset_state(pr, RAFT_PROGRESS_PROBE);
	pr->next = next;
}

void raft_pr_become_replicate(struct raft_progress *pr)
{
	reset_state(pr, RAFT_PROGRESS_REPLICATE);
	pr->next = pr->match + 1;
}

void raft_pr_become_snapshot(struct raft_progress *pr, uint64_t index, uint64_t term)
{
	reset_state(pr, RAFT_PROGRESS_SNAPSHOT);
	pr->snap_index = index;
	pr->snap_term = term;
	pr->snap_sent = 0;
	pr->snap_acked = 0;
	/* the first heartbeat round counts as progress: chunks may be in flight */
	pr->snap_acked_hb = UINT64_MAX;
	pr->snap_inflight = 0;
	pr->snap_all_sent = false;
}

/* The follower matches through @index; false if that is old news. */
bool raft_pr_maybe_update(struct raft_progress *pr, uint64_t index)
{
	bool updated = false;

	if (pr->match < index) {
		pr->match = index;
		pr->probe_sent = false;
		updated = true;
	}
	if (pr->next < index + 1)
		pr->next = index + 1;
	return updated;
}

/*
 * The follower refused the APPEND after @rejected; @next is the leader's
 * guess of where the logs agree. false: a stale refusal, nothing changes.
 */
bool raft_pr_maybe_decr(struct raft_progress *pr, uint64_t rejected, uint64_t next)
{
	if (pr->state == RAFT_PROGRESS_REPLICATE) {
		if (rejected <= pr->match)
			return false;
		/* what the follower acknowledged is known good */
		pr->next = pr->match + 1;
		return true;
	}
	if (pr->state == RAFT_PROGRESS_SNAPSHOT || rejected + 1 != pr->next)
		return false;
	if (next > rejected)
		next = rejected;
	if (next < pr->match + 1)
		next = pr->match + 1;
	pr->next = next ? next : 1;
	pr->probe_sent = false;
	return true;
}

bool raft_pr_paused(const struct raft_progress *pr)
{
	switch (pr->state) {
	case RAFT_PROGRESS_PROBE:
		return pr->probe_sent;
	case RAFT_PROGRESS_REPLICATE:
		return pr->in_count >= pr->in_cap;
	default:
		return true;
	}
}

/* An APPEND ending at @last went out. */
void raft_pr_sent(struct raft_progress *pr, uint64_t last, size_t n_entries)
{
	if (pr->state == RAFT_PROGRESS_PROBE) {
		pr->probe_sent = true;
		return;
	}
	if (pr->state != RAFT_PROGRESS_REPLICATE || !n_entries)
		return;
	/* optimistic: the next APPEND follows this one without waiting */
	pr->next = last + 1;
	pr->inflight[(pr->in_start + pr->in_count) % pr->in_cap] = last;
	pr->in_count++;
}

/* Everything in flight through @index arrived. */
void raft_pr_acked(struct raft_progress *pr, uint64_t index)
{
	while (pr->in_count && pr->inflight[pr->in_start] <= index) {
		pr->in_start = (pr->in_start + 1) % pr->in_cap;
		pr->in_count--;
	}
}

/* A heartbeat came back from a follower with a full window: let one more go. */
void raft_pr_free_one(struct raft_progress *pr)
{
	if (!pr->in_count)
		return;
	pr->in_start = (pr->in_start + 1) % pr->in_cap;
	pr->in_count--;
}

/*
 * Heartbeat round: entries sent a whole round ago and still not acknowledged
 * were lost (replicate never resends on its own). true: probe again from the
 * match.
 */
bool raft_pr_stalled(struct raft_progress *pr)
{
	bool stalled = pr->state == RAFT_PROGRESS_REPLICATE && pr->match + 1 < pr->next &&
		       pr->match == pr->match_hb;

	pr->match_hb = pr->match;
	return stalled;
}

bool raft_quorum_has(struct raft *r, bool (*ok)(const struct raft_progress *pr, uint64_t arg),
		     uint64_t arg)
{
	uint32_t i, n = 0;

	for (i = 0; i < r->conf.n_voters; i++) {
		struct raft_progress *pr;

		if (r->conf.voters[i] == r->cfg.id) {
			n++;
			continue;
		}
		pr = raft_pr_find(r, r->conf.voters[i]);
		if (pr && ok(pr, arg))
			n++;
	}
	return n >= raft_conf_quorum(&r->conf);
}
