// SPDX-License-Identifier: GPL-2.0
/*
 * What sovctl raft elections / snapshots show: the last SOVD_HISTORY
 * elections as this node saw them, and its last snapshots.
 *
 * An election, from one node's point of view, is the time it had no leader
 * to follow: from the last message of the leader it had (or from the start)
 * to the first Ready that names a leader again. It is noticed at the first
 * Ready without a leader (a campaign, a higher term deposing it). Its
 * duration is what clients of this node waited: the failure detection (an
 * election timeout) plus the vote. A leader that changes with no leaderless
 * Ready between is recorded from the old leader's last message too. The
 * vote alone, on the node that won, runs from its first campaign (pre-vote
 * included) to its end (make bench-raft's election duration).
 */
#include <string.h>
#include <time.h>

#include "cluster.h"

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static struct sovd_election *open_election(struct sovd_history *h, uint64_t now)
{
	struct sovd_election *e = &h->elections[h->next_election];

	h->next_election = (h->next_election + 1) % SOVD_HISTORY;
	if (h->n_elections < SOVD_HISTORY)
		h->n_elections++;
	memset(e, 0, sizeof(*e));
	e->start_ns = now;
	return e;
}

static struct sovd_election *current(struct sovd_history *h)
{
	return &h->elections[(h->next_election + SOVD_HISTORY - 1) % SOVD_HISTORY];
}

/* Pre-vote then vote is one campaign; a new term as candidate is another. */
static bool campaigns(const struct sovd_history *h, enum raft_role role, uint64_t term)
{
	if (role == RAFT_PRE_CANDIDATE)
		return h->role != RAFT_PRE_CANDIDATE;
	if (role == RAFT_CANDIDATE)
		return h->role != RAFT_PRE_CANDIDATE && (h->role != RAFT_CANDIDATE || term != h->term);
	return false;
}

void sovd_history_soft(struct sovd_history *h, enum raft_role role, raft_id_t leader,
		       uint64_t term, uint64_t leader_seen_ns)
{
	uint64_t now = realtime_ns();
	struct sovd_election *e;

	if (!leader && !h->leaderless) {
		open_election(h, h->leader && leader_seen_ns && leader_seen_ns < now ?
			      leader_seen_ns : now);
		h->leaderless = true;
	}
	if (campaigns(h, role, term)) {
		e = current(h);
		if (!e->campaigns++)
			e->campaign_ns = now;
	}
	if (leader && (h->leaderless || leader != h->leader)) {
		e = h->leaderless ? current(h) : open_election(h, h->leader && leader_seen_ns &&
							      leader_seen_ns < now ? leader_seen_ns : now);
		e->end_ns = now;
		e->leader = leader;
		e->term = term;
		h->leaderless = false;
	}
	h->role = role;
	h->leader = leader;
	h->term = term;
}

void sovd_history_snapshot(struct sovd_history *h, const struct sovd_snapshot_rec *s)
{
	h->snaps[h->next_snap] = *s;
	h->next_snap = (h->next_snap + 1) % SOVD_HISTORY;
	if (h->n_snaps < SOVD_HISTORY)
		h->n_snaps++;
}

const struct sovd_election *sovd_history_election(const struct sovd_history *h, unsigned int i)
{
	return &h->elections[(h->next_election + SOVD_HISTORY - h->n_elections + i) % SOVD_HISTORY];
}

const struct sovd_snapshot_rec *sovd_history_snap(const struct sovd_history *h, unsigned int i)
{
	return &h->snaps[(h->next_snap + SOVD_HISTORY - h->n_snaps + i) % SOVD_HISTORY];
}
