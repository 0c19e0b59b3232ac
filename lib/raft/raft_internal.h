/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lib/raft internals shared by its files: the node, its log, its peers.
 * Nothing here is API; raft.h is.
 */
#ifndef SOV_RAFT_INTERNAL_H
#define SOV_RAFT_INTERNAL_H

#include "raft.h"

#define RAFT_MAX_INFLIGHT	4096	/* bounds the per-peer window memory */

/* ---- entry payloads ------------------------------------------------------- */

/*
 * Entry data is reference counted so that the log, the APPEND messages and
 * the Ready arrays can share one copy; entries are immutable once created.
 */
int raft_blob_dup(const void *src, uint32_t len, uint8_t **out);
void raft_blob_put(uint8_t *data);
void raft_entry_share(struct raft_entry *dst, const struct raft_entry *src);
void raft_entries_free(struct raft_entry *ents, size_t n);

/* ---- the in-memory log ------------------------------------------------------ */

struct raft_log {
	uint64_t snap_index, snap_term;	/* the entry just before ents[0] */
	struct raft_entry *ents;	/* ents[i].index == snap_index + 1 + i */
	size_t n, cap;
	uint64_t committed;
	uint64_t applied;	/* confirmed by raft_advance */
	uint64_t applying;	/* handed out for applying (>= applied) */
	uint64_t unstable;	/* first index not yet handed out for persisting */
};

void raft_log_init(struct raft_log *l, uint64_t snap_index, uint64_t snap_term);
void raft_log_free(struct raft_log *l);
uint64_t raft_log_last(const struct raft_log *l);
uint64_t raft_log_last_term(const struct raft_log *l);
bool raft_log_term(const struct raft_log *l, uint64_t index, uint64_t *term);
bool raft_log_match(const struct raft_log *l, uint64_t index, uint64_t term);
bool raft_log_up_to_date(const struct raft_log *l, uint64_t index, uint64_t term);
uint64_t raft_log_find_conflict(const struct raft_log *l,
				const struct raft_entry *ents, size_t n);
int raft_log_reserve(struct raft_log *l, size_t extra);
void raft_log_push(struct raft_log *l, const struct raft_entry *e);
void raft_log_truncate(struct raft_log *l, uint64_t from);
void raft_log_commit_to(struct raft_log *l, uint64_t index);
void raft_log_compact(struct raft_log *l, uint64_t index);
void raft_log_reset(struct raft_log *l, uint64_t index, uint64_t term);
int raft_log_slice(const struct raft_log *l, uint64_t lo, uint64_t hi,
		   uint64_t max_bytes, struct raft_entry **out, size_t *n);

/* ---- configurations ----------------------------------------------------------- */

bool raft_conf_is_voter(const struct raft_conf *c, raft_id_t id);
bool raft_conf_is_learner(const struct raft_conf *c, raft_id_t id);
bool raft_conf_has(const struct raft_conf *c, raft_id_t id);
uint32_t raft_conf_quorum(const struct raft_conf *c);
int raft_conf_check(const struct raft_conf *c);
int raft_conf_apply(struct raft_conf *c, const struct raft_conf_change *cc);

/* ---- per-peer replication progress (leader only) ------------------------------ */

struct raft_progress {
	raft_id_t id;
	uint64_t match, next;
	uint8_t state;		/* enum raft_progress_state */
	bool recent_active;	/* heard from since the last check-quorum round */
	bool probe_sent;	/* probe: an APPEND is out, wait for its answer */
	/* replicate: ring of the last index of each APPEND in flight */
	uint64_t *inflight;
	uint32_t in_start, in_count, in_cap;
	/* snapshot: which one, and the chunk window over its bytes */
	uint64_t snap_index, snap_term;
	uint64_t snap_sent, snap_acked, snap_acked_hb;
	uint32_t snap_inflight;
	bool snap_all_sent;
	uint64_t read_ack;	/* highest read-index round it acknowledged */
	uint64_t match_hb;	/* match at the previous heartbeat round */
};

void raft_pr_init(struct raft_progress *pr, raft_id_t id, uint64_t next);
void raft_pr_become_probe(struct raft_progress *pr);
void raft_pr_become_replicate(struct raft_progress *pr);
void raft_pr_become_snapshot(struct raft_progress *pr, uint64_t index, uint64_t term);
bool raft_pr_maybe_update(struct raft_progress *pr, uint64_t index);
bool raft_pr_maybe_decr(struct raft_progress *pr, uint64_t rejected, uint64_t next);
bool raft_pr_paused(const struct raft_progress *pr);
void raft_pr_sent(struct raft_progress *pr, uint64_t last, size_t n_entries);
void raft_pr_acked(struct raft_progress *pr, uint64_t index);
void raft_pr_free_one(struct raft_progress *pr);
bool raft_pr_stalled(struct raft_progress *pr);

/* ---- snapshots ------------------------------------------------------------------- */

/* Shared by the node (to send to laggards) and the Ready that hands it out. */
struct raft_snap_buf {
	uint32_t ref;
	struct raft_snapshot s;
};

struct raft_snap_buf *raft_snap_new(const struct raft_snapshot_meta *meta,
				    const void *data, size_t len);
struct raft_snap_buf *raft_snap_get(struct raft_snap_buf *b);
void raft_snap_put(struct raft_snap_buf *b);

/* A snapshot arriving in chunks. */
struct raft_snap_rcv {
	bool active;
	bool done;		/* installed (or found redundant): answer repeats */
	struct raft_snapshot_meta meta;
	uint64_t total, got;
	uint8_t *buf;
	size_t cap;
};

/* ---- the node -------------------------------------------------------------------- */

struct raft_read_req {
	uint64_t ctx, index, round;
	raft_id_t from;		/* who asked: this node or a follower */
};

struct raft {
	struct raft_config cfg;
	uint64_t term;
	raft_id_t vote;
	enum raft_role role;
	raft_id_t leader;
	struct raft_log log;

	/* configuration: base (as of log.snap_index) plus the CONF entries in the log */
	struct raft_conf base_conf, conf;
	bool base_known;		/* base came from a snapshot or boot->initial */
	uint64_t conf_index;		/* latest CONF entry in the log, 0: none */
	struct raft_conf_change conf_last;

	/* leader: one per voter and learner, plus a node whose removal is uncommitted */
	struct raft_progress prs[RAFT_MAX_NODES + 1];
	size_t n_prs;
	uint64_t *inflight_mem;

	/* elections */
	raft_id_t votes[RAFT_MAX_NODES];
	bool granted[RAFT_MAX_NODES];
	bool ahead[RAFT_MAX_NODES];	/* refused by a log ahead of ours */
	size_t n_votes;
	uint32_t election_elapsed, heartbeat_elapsed, timeout;
	uint64_t rng;

	raft_id_t transferee;
	uint32_t transfer_elapsed;
	/* sends wait for raft_ready: one APPEND carries a whole batch */
	bool bcast_pending;		/* new entries */
	bool commit_pending;		/* a new commit index, even with no entries */

	/* ReadIndex: confirmed rounds (leader), waiting for a commit in term, answered */
	struct raft_read_req *rq, *rwait;
	size_t n_rq, cap_rq, n_rwait, cap_rwait;
	uint64_t read_round;
	struct raft_read_state *rs;
	size_t n_rs, cap_rs;

	struct raft_msg *msgs;
	size_t n_msgs, cap_msgs;
	uint64_t dropped;		/* messages lost to -ENOMEM, as the network might */

	struct raft_snap_buf *snap;	/* the latest snapshot, sent to laggards */
	struct raft_snap_buf *snap_ready;	/* installed, not yet in a Ready */
	struct raft_snap_rcv rcv;

	/* what the last Ready said, to tell what changed */
	struct raft_hard_state hs_out;
	enum raft_role role_out;
	raft_id_t leader_out;
};

/* raft.c */
struct raft_progress *raft_pr_find(struct raft *r, raft_id_t id);
/* Do a quorum of voters (this node counting as one) satisfy @ok? */
bool raft_quorum_has(struct raft *r, bool (*ok)(const struct raft_progress *pr, uint64_t arg),
		     uint64_t arg);
bool raft_promotable(const struct raft *r);
void raft_sync_progress(struct raft *r);
int64_t raft_leader_append(struct raft *r, uint8_t type, const void *data, uint32_t len);
int raft_step_follower(struct raft *r, const struct raft_msg *m);
void raft_reply(struct raft *r, const struct raft_msg *m, uint8_t type, uint64_t index,
		bool reject);

/* election.c */
enum campaign_kind {
	CAMPAIGN_PRE,		/* PREVOTE at term + 1, own term untouched */
	CAMPAIGN_ELECTION,
	CAMPAIGN_TRANSFER,	/* VOTE with ctx 1: voters skip the lease check */
};
void raft_become_follower(struct raft *r, uint64_t term, raft_id_t leader);
void raft_campaign_as(struct raft *r, enum campaign_kind kind);
int raft_step_candidate(struct raft *r, const struct raft_msg *m);
void raft_handle_vote(struct raft *r, const struct raft_msg *m);
bool raft_send_append(struct raft *r, struct raft_progress *pr, bool send_empty);
void raft_bcast_append(struct raft *r, bool send_empty);
void raft_bcast_heartbeat(struct raft *r, uint64_t ctx);
void raft_conf_rebuild(struct raft *r);
void raft_conf_at(const struct raft *r, uint64_t index, struct raft_conf *c);
void raft_drop_acks_from(struct raft *r, uint64_t index);

/* msg.c */
int raft_msg_check(const struct raft *r, const struct raft_msg *m);
void raft_msg_release(struct raft_msg *m);
struct raft_msg *raft_msg_new(struct raft *r, uint8_t type, raft_id_t to);

/* snapshot.c */
void raft_snap_send(struct raft *r, struct raft_progress *pr);
void raft_snap_retransmit(struct raft *r, struct raft_progress *pr);
int raft_snap_step(struct raft *r, const struct raft_msg *m);
void raft_snap_resp(struct raft *r, struct raft_progress *pr, const struct raft_msg *m);

/* read_index.c */
void raft_read_leader(struct raft *r, uint64_t ctx, raft_id_t from);
void raft_read_ack(struct raft *r, struct raft_progress *pr, uint64_t round);
void raft_read_commit_in_term(struct raft *r);
int raft_read_push(struct raft *r, uint64_t ctx, uint64_t index);
void raft_read_reset(struct raft *r);
bool raft_committed_in_term(const struct raft *r);

#endif
