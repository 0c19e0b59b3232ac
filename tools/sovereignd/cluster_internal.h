/* SPDX-License-Identifier: GPL-2.0 */
/* sovereignd's cluster node: state shared by cluster.c and cluster_ctl.c. */
#ifndef SOVD_CLUSTER_INTERNAL_H
#define SOVD_CLUSTER_INTERNAL_H

#include "../../lib/raft/storage.h"
#include "cluster.h"
#include "cluster_trace.h"
#include "peer.h"

enum sovd_wait_kind {
	SOVD_WAIT_PROPOSAL,	/* until the entry at index (of term) is applied */
	SOVD_WAIT_READ,		/* until the read state for ctx came and is applied */
	SOVD_WAIT_LEADER,	/* until the leader is target (transfer) */
};

struct sovd_wait {
	struct sovd_wait *next;
	enum sovd_wait_kind kind;
	struct sovd_client *c;		/* NULL once it closed */
	struct nlmsghdr *req;		/* a copy */
	uint64_t index, term;		/* proposal; read: the read point, once known */
	uint64_t ctx;			/* read */
	bool have_index;		/* read: its read state arrived */
	uint64_t asked;			/* read: when it was last asked, uv_now() ms */
	raft_id_t target;		/* leader */
	uint64_t deadline;		/* uv_now() ms */
	sovd_wait_fn done;
	void *arg;
	struct trace_span *span;	/* the request's, ended with the answer */
};

struct sovd_cluster {
	struct sovd *d;
	struct sovd_cluster_opts o;	/* o.conf: the checked configuration */
	char data_dir[256];
	struct sovd_ident ident;
	struct sov_raft_storage *st;
	struct raft *r;
	struct sovd_peers *peers;
	struct sov_kv_state *kv;

	uv_timer_t tick;
	uv_check_t check;		/* takes the Ready once per loop iteration */
	uv_idle_t idle;			/* keeps the poll from blocking while one waits */
	bool stopped;

	/* the Ready whose sync runs on the sync thread (cluster_sync.h) */
	struct sovd_syncer *sync;
	struct raft_ready rd;
	bool rd_open;			/* taken, not yet advanced */
	size_t rd_sent;			/* its messages already sent */

	/* storage failed: the node sends, steps and acknowledges nothing more */
	int storage_err;
	char storage_msg[256];

	uint64_t applied;		/* the last entry applied (or snapshot) */
	uint64_t snap_index;		/* the last snapshot taken or received */
	uint64_t next_ctx;		/* read-index contexts */
	raft_id_t leader;		/* as of the last Ready */
	uint64_t leader_seen_ns;	/* its last message, CLOCK_REALTIME */
	struct sovd_wait *waits;

	/* the entry being applied: what watchers reported */
	bool applying;
	int apply_err;
	char apply_msg[256];

	/* nodes removed from the configuration, unlinked once it has told them */
	struct {
		raft_id_t id;
		uint64_t at;		/* uv_now() ms */
	} retire[RAFT_MAX_NODES];
	unsigned int n_retire;

	struct sovd_history hist;
	/* counters for sovctl raft status */
	uint64_t readies, syncs, synced_entries, max_batch;
	uint64_t proposals, reads, refused_msgs;
	struct sovd_cltrace *tr;	/* cluster_trace.c; NULL: tracing off */
};

/* cluster.c, for cluster_ctl.c */
void sovd_cluster_mark(struct sovd_cluster *cl);
int sovd_cluster_snapshot_now(struct sovd_cluster *cl);
struct sovd_wait *sovd_cluster_wait(struct sovd_cluster *cl, enum sovd_wait_kind kind,
				    struct sovd_client *c, const struct nlmsghdr *req,
				    sovd_wait_fn done, void *arg);
/* "127.0.0.1:7002", or "" when unknown */
const char *sovd_cluster_addr(struct sovd_cluster *cl, raft_id_t id, char *buf, size_t len);
/* 0 if this node may propose; else why not (-EREMOTE naming the leader, -EIO, ...) */
int sovd_cluster_refuse_write(struct sovd_cluster *cl, char *msg, size_t msglen);
/* Propose without waiting: the entry's index, or -errno with @msg. */
int64_t sovd_cluster_propose_op(struct sovd_cluster *cl, const struct sov_kv_op *op,
				char *msg, size_t msglen);
/* Wait for the entry at @index (just proposed, of the current term). */
int sovd_cluster_wait_entry(struct sovd_cluster *cl, int64_t index, struct sovd_client *c,
			    const struct nlmsghdr *req, sovd_wait_fn done, void *arg,
			    char *msg, size_t msglen);

#endif /* SOVD_CLUSTER_INTERNAL_H */
