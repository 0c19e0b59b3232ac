/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lib/raft: Raft consensus as a pure state machine (the etcd-raft design).
 *
 * Nothing in here does I/O, reads a clock or draws real randomness. The
 * caller (sovereignd, or the deterministic simulator in tests/sim) drives a
 * node with four inputs:
 *
 *   raft_tick()       time passes by one tick (sovereignd: 10 ms)
 *   raft_step()       a message from a peer arrived
 *   raft_propose()    the application wants an entry replicated (leader only)
 *   raft_read_index() the application wants a linearizable read point
 *
 * and collects the results with raft_ready() / raft_advance():
 *
 *   1. persist rd.hs (if rd.hs_changed), rd.snapshot (if any), then rd.entries
 *      (which replace any stored entries from rd.entries[0].index on), and
 *      make it durable (fsync): one fsync covers every proposal batched into
 *      this Ready (group commit);
 *   2. only then send rd.msgs (a vote or an append acknowledgement must never
 *      leave before what it promises is on disk);
 *   3. apply rd.snapshot, then rd.committed in order, to the state machine;
 *      serve the reads in rd.reads once applied >= their index;
 *   4. call raft_advance(r, &rd): everything in rd is released.
 *
 * A Ready owns what it hands out until its raft_advance(), so raft_tick() and
 * raft_step() may run between raft_ready() and raft_advance(); a second
 * raft_ready() before the first raft_advance() holds only what is new.
 * Proposals are sent from raft_ready(): every proposal since the previous
 * Ready shares the same APPENDs.
 *
 * Membership changes are one server at a time (add voter, add learner,
 * promote learner, remove), each a RAFT_ENTRY_CONF entry that takes effect
 * as soon as it is appended, not when committed (Raft thesis 4.1). A leader
 * accepts a change only when no other change is uncommitted and it has
 * committed an entry of its own term (the fix for the single-server change
 * bug Ongaro described in 2015). Single-server changes need no joint
 * configuration: any two majorities of configurations that differ by one
 * voter overlap.
 */
#ifndef SOV_RAFT_H
#define SOV_RAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t raft_id_t;	/* node id; 0 is "none" */

#define RAFT_MAX_NODES		64	/* voters + learners in one configuration */

enum raft_role {
	RAFT_FOLLOWER,
	RAFT_PRE_CANDIDATE,
	RAFT_CANDIDATE,
	RAFT_LEADER,
};

enum raft_entry_type {
	RAFT_ENTRY_NORMAL,	/* application data; empty at the start of a term */
	RAFT_ENTRY_CONF,	/* struct raft_conf_change, encoded by raft_conf_encode() */
};

struct raft_entry {
	uint64_t term;
	uint64_t index;
	uint8_t type;		/* enum raft_entry_type */
	uint32_t len;
	uint8_t *data;		/* len bytes; owned by whoever owns the entry array */
};

enum raft_conf_op {
	RAFT_CONF_ADD_VOTER,	/* a new voter, or a learner promoted */
	RAFT_CONF_ADD_LEARNER,	/* receives the log, does not vote or count */
	RAFT_CONF_REMOVE,	/* voter or learner */
};

struct raft_conf_change {
	uint8_t op;		/* enum raft_conf_op */
	raft_id_t node;
};

/* A configuration: who votes, who only learns. */
struct raft_conf {
	uint32_t n_voters, n_learners;
	raft_id_t voters[RAFT_MAX_NODES];
	raft_id_t learners[RAFT_MAX_NODES];
};

/* What must be on disk before any message that depends on it leaves. */
struct raft_hard_state {
	uint64_t term;
	raft_id_t vote;		/* voted for in term; 0: nobody */
	uint64_t commit;
};

struct raft_snapshot_meta {
	uint64_t index;		/* last entry the snapshot covers */
	uint64_t term;		/* its term */
	struct raft_conf conf;	/* the configuration as of index */
};

struct raft_snapshot {
	struct raft_snapshot_meta meta;
	size_t len;
	uint8_t *data;		/* the application's state, opaque to raft */
};

enum raft_msg_type {
	RAFT_MSG_PREVOTE,		/* index/log_term: the candidate's last entry */
	RAFT_MSG_PREVOTE_RESP,		/* reject; index/log_term: the voter's last entry */
	RAFT_MSG_VOTE,			/* as PREVOTE; ctx = 1: leadership transfer */
	RAFT_MSG_VOTE_RESP,		/* as PREVOTE_RESP */
	RAFT_MSG_APPEND,		/* index/log_term: previous entry; entries; commit */
	/*
	 * index: last matching; reject: index = the refused prev index, hint =
	 * the follower's last index, log_term = its term at min(index, hint)
	 */
	RAFT_MSG_APPEND_RESP,
	RAFT_MSG_HEARTBEAT,		/* commit; ctx: read-index round, 0 none */
	RAFT_MSG_HEARTBEAT_RESP,	/* ctx echoed */
	RAFT_MSG_SNAPSHOT,		/* snap meta; a chunk of the snapshot's bytes */
	/*
	 * index: bytes received so far (snap_total: it has the snapshot);
	 * reject: restart from offset 0; snap.index/term: which snapshot
	 */
	RAFT_MSG_SNAPSHOT_RESP,
	RAFT_MSG_TIMEOUT_NOW,		/* leadership transfer: campaign at once */
	RAFT_MSG_READ_INDEX,		/* follower -> leader; ctx: the caller's */
	RAFT_MSG_READ_INDEX_RESP,	/* index: the read point; reject: no leader */
	RAFT_MSG_TYPES,
};

/* bytes of a message's opaque trace context (SOV_RAFT_TRACE_MAX) */
#define RAFT_TRACE_MAX	64

struct raft_msg {
	uint8_t type;		/* enum raft_msg_type */
	raft_id_t from, to;
	uint64_t term;
	uint64_t index;
	uint64_t log_term;
	uint64_t commit;
	bool reject;
	uint64_t hint;		/* APPEND_RESP reject: the follower's last index */
	uint64_t ctx;
	size_t n_entries;
	struct raft_entry *entries;
	/* SNAPSHOT: chunk [offset, offset + chunk_len) of a snapshot of total bytes */
	struct raft_snapshot_meta snap;
	uint64_t snap_offset, snap_total;
	uint32_t chunk_len;
	uint8_t *chunk;
	/*
	 * Not Raft's: the trace context of the work the message carries
	 * (sovereign_trace.h's binary form). Raft never sets or reads it; the
	 * daemon sets it on what it sends and reads it from what it receives.
	 */
	uint8_t trace_len;
	uint8_t trace[RAFT_TRACE_MAX];
};

/* A linearizable read may be served once the state machine applied index. */
struct raft_read_state {
	uint64_t ctx;
	uint64_t index;
};

struct raft_config {
	raft_id_t id;
	/* a follower that hears nothing for a random [election, 2 * election) ticks campaigns */
	uint32_t election_ticks;	/* default 15 (150 ms at 10 ms/tick) */
	uint32_t heartbeat_ticks;	/* default 5 (50 ms) */
	bool pre_vote;			/* default true */
	bool check_quorum;		/* default true */
	uint32_t max_inflight;		/* APPEND messages in flight per follower, default 64 */
	uint32_t max_msg_bytes;		/* entry bytes per APPEND, default 1 MiB */
	uint32_t snapshot_chunk;	/* bytes per SNAPSHOT message, default 64 KiB */
	uint64_t seed;			/* election-timeout randomness; deterministic */
};

/*
 * What a node comes back with after a restart; all zero for a new node.
 * The state machine restarts from the snapshot: the committed entries after
 * it come again in the first Ready's committed.
 *
 * A node joining a running cluster boots with @initial = the configuration
 * it joins, itself included (as a learner, typically): the CONF entries it
 * then receives are applied on top, and a change already in @initial is a
 * no-op. With no @initial and no snapshot the node only follows (it never
 * campaigns, and refuses raft_compact) until a snapshot gives it a
 * configuration.
 */
struct raft_boot {
	struct raft_hard_state hs;
	const struct raft_snapshot *snapshot;	/* NULL: none; copied */
	const struct raft_entry *entries;	/* after the snapshot, in order; copied */
	size_t n_entries;
	/* a new cluster's configuration: with no snapshot, the log's CONF entries apply to it */
	const struct raft_conf *initial;
};

struct raft_ready {
	bool hs_changed;
	struct raft_hard_state hs;
	struct raft_snapshot *snapshot;		/* received: persist and apply; or NULL */
	struct raft_entry *entries;		/* to persist (overwrite from entries[0].index) */
	size_t n_entries;
	struct raft_msg *msgs;			/* to send, once the above is durable */
	size_t n_msgs;
	struct raft_entry *committed;		/* to apply, in order */
	size_t n_committed;
	struct raft_read_state *reads;
	size_t n_reads;
	/* soft state, for status and for routing clients */
	enum raft_role role;
	raft_id_t leader;
};

/* Errors (negative returns) beyond -errno values. */
#define RAFT_ENOTLEADER		1001	/* raft_leader() tells where to go */
#define RAFT_EBUSY		1002	/* a transfer or a membership change is in progress */

struct raft;

void raft_config_default(struct raft_config *cfg, raft_id_t id, uint64_t seed);
/* NULL on -EINVAL (bad config, boot state that contradicts itself) or -ENOMEM, in *err. */
struct raft *raft_new(const struct raft_config *cfg, const struct raft_boot *boot, int *err);
void raft_free(struct raft *r);

void raft_tick(struct raft *r);
/* -EINVAL: malformed (e.g. entries out of order); the caller should drop the peer. */
int raft_step(struct raft *r, const struct raft_msg *m);
/* The new entry's index (> 0), or -RAFT_ENOTLEADER / -RAFT_EBUSY / -ENOMEM. */
int64_t raft_propose(struct raft *r, const void *data, uint32_t len);
/* Also -EEXIST, -ENOENT, -ENOSPC, -EINVAL (removing the last voter, demoting a voter). */
int64_t raft_propose_conf(struct raft *r, const struct raft_conf_change *cc);
/*
 * The answer arrives as a raft_read_state with @ctx (!= 0), or never if
 * leadership is lost. -EINVAL: ctx 0; -RAFT_ENOTLEADER: no leader known.
 */
int raft_read_index(struct raft *r, uint64_t ctx);
/* 0 (also when @to leads already), -RAFT_ENOTLEADER, -EINVAL: @to is no voter. */
int raft_transfer_leader(struct raft *r, raft_id_t to);
/* Campaign now (tests, operators): as if the election timeout had elapsed. */
void raft_campaign(struct raft *r);
/*
 * The application saved a snapshot of its state through @index (applied):
 * raft keeps a copy to send to followers that fell behind, and drops the
 * entries it covers from memory. -EINVAL: @index not in (snapshot, applied];
 * -EAGAIN: the node has no configuration of its own yet (see raft_boot).
 */
int raft_compact(struct raft *r, uint64_t index, const void *data, size_t len);
/* The snapshot raft holds (raft_compact, or one received): persist this meta with it. */
void raft_snapshot_meta(const struct raft *r, struct raft_snapshot_meta *meta);

bool raft_has_ready(const struct raft *r);
void raft_ready(struct raft *r, struct raft_ready *rd);
void raft_advance(struct raft *r, struct raft_ready *rd);

/* RAFT_CONF_* entry payloads: 9 bytes, op then node id little-endian. */
#define RAFT_CONF_ENCODED_LEN	9
void raft_conf_encode(const struct raft_conf_change *cc, uint8_t out[RAFT_CONF_ENCODED_LEN]);
int raft_conf_decode(const uint8_t *in, uint32_t len, struct raft_conf_change *cc);

/* ---- status (sovctl raft, tests) ------------------------------------------ */

enum raft_progress_state {
	RAFT_PROGRESS_PROBE,		/* one APPEND at a time until the match is found */
	RAFT_PROGRESS_REPLICATE,	/* pipelined, up to max_inflight */
	RAFT_PROGRESS_SNAPSHOT,		/* a snapshot is being sent */
};

struct raft_peer_status {
	raft_id_t id;
	bool voter;
	uint64_t match, next;
	uint8_t state;			/* enum raft_progress_state */
	bool recent_active;		/* heard from within the election timeout */
};

struct raft_status {
	raft_id_t id, leader;
	enum raft_role role;
	struct raft_hard_state hs;
	uint64_t applied;		/* what the caller confirmed via raft_advance */
	uint64_t first_index, last_index;	/* entries held in memory */
	uint64_t snapshot_index, snapshot_term;
	raft_id_t transferee;		/* leadership transfer in progress to, or 0 */
	struct raft_conf conf;
	size_t n_peers;			/* leader only */
	struct raft_peer_status peers[RAFT_MAX_NODES];
};

void raft_status(const struct raft *r, struct raft_status *st);
raft_id_t raft_leader(const struct raft *r);
enum raft_role raft_role(const struct raft *r);
const char *raft_role_name(enum raft_role role);
const char *raft_msg_name(uint8_t type);

#endif
