/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sovereignd as a member of a cluster: one lib/raft node, its storage in the
 * data dir, its TCP peer links, and the replicated key-value configuration
 * (lib/cluster/kvstate) that it applies.
 *
 * The daemon drives Raft from its libuv loop (Documentation/raft.rst,
 * "The daemon"): a timer ticks, peer messages are stepped, requests propose;
 * every input marks the node, and one uv_check callback per loop iteration
 * takes the Ready: save (one fsync for every proposal of that iteration),
 * send, apply, complete the requests that waited for it, advance.
 *
 * Requests that need the cluster (a replicated write, a linearizable read,
 * a membership change) are answered later: they wait in a list until their
 * entry is applied here, their read point is reached, or their deadline
 * passes, and are dropped silently if their client closes first.
 */
#ifndef SOVD_CLUSTER_H
#define SOVD_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "../../lib/cluster/kvstate.h"
#include "../../lib/raft/cluster_conf.h"
#include "../../lib/raft/raft.h"
#include "sovereignd.h"

#define SOVD_DATA_DIR		"/var/lib/sovereign/raft"
#define SOVD_TICK_MS		10
#define SOVD_SNAPSHOT_EVERY	10000	/* applied entries between snapshots */
#define SOVD_WAIT_MS		5000	/* a request waits this long for the cluster */

/* What the command line says about the cluster. */
struct sovd_cluster_opts {
	bool enabled;			/* any cluster option given */
	struct sov_cluster_conf conf;
	const char *data_dir;
	uint32_t tick_ms;
	uint32_t election_ticks;
	uint32_t heartbeat_ticks;
	uint32_t snapshot_every;
	bool join;			/* a new node joining a running cluster */
};

void sovd_cluster_opts_init(struct sovd_cluster_opts *o);

struct sovd_cluster;
struct sovd_wait;

/* Open the data dir, boot Raft, listen and dial; logs why on failure. */
int sovd_cluster_start(struct sovd *d, const struct sovd_cluster_opts *o);
/* Close links and handles (the loop then ends); sovd_cluster_free() after uv_run. */
void sovd_cluster_stop(struct sovd *d);
void sovd_cluster_free(struct sovd *d);

/* ---- requests that wait for the cluster ------------------------------------------ */

/*
 * Called once: @err 0 (done) or -errno with @msg. @c is NULL if the client
 * closed meanwhile; @req is the request, as it came.
 */
typedef void (*sovd_wait_fn)(struct sovd *d, struct sovd_client *c, const struct nlmsghdr *req,
			     void *arg, int err, const char *msg);

/*
 * Propose @op; @done runs once the entry is applied on this node, with the
 * result of applying it (the key-value state's, then what the watchers
 * reported through sovd_cluster_apply_error()). Returns 0, or -errno with
 * @msg: not the leader (naming it), storage failed, ...
 */
int sovd_cluster_propose(struct sovd *d, struct sovd_client *c, const struct nlmsghdr *req,
			 const struct sov_kv_op *op, sovd_wait_fn done, void *arg,
			 char *msg, size_t msglen);
/* 0 if this node takes writes now; else -EREMOTE naming the leader, -EAGAIN, -EIO. */
int sovd_cluster_writable(struct sovd *d, char *msg, size_t msglen);
/* @done runs once this node has applied everything committed when the read began. */
int sovd_cluster_read(struct sovd *d, struct sovd_client *c, const struct nlmsghdr *req,
		      sovd_wait_fn done, void *arg, char *msg, size_t msglen);
/* A sovd_wait_fn for requests answered by an ack or an error alone. */
void sovd_cluster_answer(struct sovd *d, struct sovd_client *c, const struct nlmsghdr *req,
			 void *arg, int err, const char *msg);
/* ctl_server.c: the client is gone, its waiting requests answer nobody. */
void sovd_cluster_client_closed(struct sovd *d, struct sovd_client *c);

/* Watchers report a failure to apply the entry being applied (first one wins). */
void sovd_cluster_apply_error(struct sovd *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The replicated state, for local reads. */
struct sov_kv_state *sovd_cluster_kv(struct sovd *d);
/* "not the leader: node 2 at 127.0.0.1:7002 is" or why there is none. */
void sovd_cluster_not_leader(struct sovd *d, char *msg, size_t msglen);

/* ---- the daemon socket's cluster commands (cluster_ctl.c) ------------------------ */

bool sovd_cluster_serves(uint8_t cmd);
/* As sovd_lb_request(): 0 done (ack), 1 answered or to be answered, <0 refused. */
int sovd_cluster_request(struct sovd *d, struct sovd_client *c, const struct nlmsghdr *nlh,
			 char *msg, size_t msglen);

/* ---- history (cluster_history.c) ------------------------------------------------- */

#define SOVD_HISTORY	32	/* elections and snapshots remembered */

struct sovd_election {
	uint64_t start_ns, end_ns;	/* CLOCK_REALTIME; end 0: still going on */
	uint64_t term;			/* the term the leader was found in */
	raft_id_t leader;		/* who won; 0 while going on */
	uint32_t campaigns;		/* times this node stood (pre-vote or vote) */
	uint64_t campaign_ns;		/* when it first stood; 0: it did not */
};

struct sovd_snapshot_rec {
	uint64_t at_ns;			/* CLOCK_REALTIME */
	uint64_t index, term, bytes;
	uint64_t took_ns;		/* to serialize and write, or to restore */
	bool received;			/* from the leader, not taken here */
};

struct sovd_history {
	struct sovd_election elections[SOVD_HISTORY];
	unsigned int n_elections, next_election;
	struct sovd_snapshot_rec snaps[SOVD_HISTORY];
	unsigned int n_snaps, next_snap;
	bool leaderless;		/* an election is open */
	enum raft_role role;		/* as of the last Ready */
	raft_id_t leader;
	uint64_t term;
};

/*
 * Every Ready's soft state: opens and closes elections. An election that
 * opens when a leader was known starts when it was last heard from
 * (@leader_seen_ns, CLOCK_REALTIME; 0: now): the whole time without one.
 */
void sovd_history_soft(struct sovd_history *h, enum raft_role role, raft_id_t leader,
		       uint64_t term, uint64_t leader_seen_ns);
void sovd_history_snapshot(struct sovd_history *h, const struct sovd_snapshot_rec *s);
/* Oldest first; @i < n. */
const struct sovd_election *sovd_history_election(const struct sovd_history *h, unsigned int i);
const struct sovd_snapshot_rec *sovd_history_snap(const struct sovd_history *h, unsigned int i);

/* ---- the data dir's identity (cluster_ident.c) ----------------------------------- */

/*
 * DIR/identity names the cluster, this node and the configuration the log
 * starts from (Raft's boot "initial"), written once when the data dir is
 * new: a restarted node boots from the same base whatever --peers says now,
 * and a data dir is never used by another node or cluster by mistake.
 */
struct sovd_ident {
	char cluster_id[SOV_RAFT_CLUSTER_ID_MAX + 1];
	raft_id_t node;
	struct raft_conf initial;	/* no voters: joined, waits for a snapshot */
};

/* 0, -ENOENT (none yet), or -EINVAL/-errno with @err. */
int sovd_ident_load(const char *dir, struct sovd_ident *id, char *err, size_t errlen);
int sovd_ident_save(const char *dir, const struct sovd_ident *id, char *err, size_t errlen);

#endif /* SOVD_CLUSTER_H */
