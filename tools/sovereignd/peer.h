/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sovereignd's peer links: Raft messages to and from the other daemons over
 * TCP, framed and encoded as on the control socket (lib/raft/wire.h).
 *
 * Each node dials every peer and sends its own messages on the link it
 * dialed; it receives on the links the peers dialed. Two links per pair,
 * one per direction, so there is never a tie to break. A link starts with
 * SOV_CMD_RAFT_HELLO both ways (cluster id, node ids); a lost outbound link
 * is dialed again after a jittered exponential backoff.
 *
 * Nothing here knows Raft's rules: sovd_peers_send() takes a message for
 * m->to and the on_message callback gets messages that decoded cleanly and
 * came from the node the link was opened by, addressed to this node.
 * Messages wait in a bounded queue per peer; when it is full the oldest
 * replication traffic goes first (Documentation/raft-transport.rst).
 */
#ifndef SOVD_PEER_H
#define SOVD_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "../../lib/raft/cluster_conf.h"
#include "../../lib/raft/raft.h"

/*
 * @m is valid during the call only. A negative return drops the link it
 * came on (raft_step() refused it as malformed, say), logging @why.
 */
typedef int (*sovd_peer_msg_cb)(void *arg, const struct raft_msg *m, char *why,
				size_t whylen);

struct sovd_peers_config {
	const char *cluster_id;
	raft_id_t self;
	const struct sockaddr *listen;	/* port 0: any free port (tests) */
	sovd_peer_msg_cb on_message;
	void *arg;
	/* 0 for the defaults */
	size_t queue_bytes;		/* per peer; default 4 MiB */
	uint32_t queue_msgs;		/* per peer; default 1024 */
	uint32_t backoff_min_ms;	/* default 50 */
	uint32_t backoff_max_ms;	/* default 2000 */
	uint32_t handshake_ms;		/* connect + HELLO; default 5000 */
};

struct sovd_peer_stats {
	raft_id_t id;
	char addr[SOV_CLUSTER_ADDR_LEN];
	bool out_up, in_up;		/* links past their handshake */
	uint64_t connects;		/* links that came up, both directions */
	uint64_t disconnects;		/* links that went down after coming up */
	uint64_t bytes_out, bytes_in;	/* frames of RAFT_MSG */
	uint64_t msgs_out, msgs_in;
	uint64_t drops;			/* queue full, or lost with their link */
	uint64_t too_big;		/* refused by send(): over the wire's limits */
	uint32_t queued_msgs;
	size_t queued_bytes;
	uint32_t backoff_ms;		/* the next reconnect delay's upper bound */
	char last_error[200];		/* why the last link went down, or "" */
};

struct sovd_peers_stats {
	uint64_t accepted;		/* inbound connections */
	uint64_t refused;		/* of which closed before their HELLO passed */
	char last_error[200];		/* why the last of those was refused */
};

struct sovd_peers;

/* Listens at once; NULL with -errno in *err (the address is taken, ...). */
struct sovd_peers *sovd_peers_new(uv_loop_t *loop, const struct sovd_peers_config *cfg,
				  int *err);
/* New, plus every other node of a checked @conf as a peer. */
struct sovd_peers *sovd_peers_from_conf(uv_loop_t *loop,
					const struct sov_cluster_conf *conf,
					sovd_peer_msg_cb on_message, void *arg, int *err);
/* Stop: close every link and free everything once libuv has closed its handles. */
void sovd_peers_close(struct sovd_peers *p);

/* Peers come and go with the Raft configuration; adding one dials it. */
int sovd_peers_add(struct sovd_peers *p, raft_id_t id, const struct sockaddr *addr);
int sovd_peers_remove(struct sovd_peers *p, raft_id_t id);

/*
 * Queue @m for m->to; the caller keeps @m. -ENOENT: not a peer;
 * -EMSGSIZE/-EINVAL: cannot be encoded (logged, counted in too_big).
 */
int sovd_peers_send(struct sovd_peers *p, const struct raft_msg *m);

/* The port actually listened on. */
uint16_t sovd_peers_port(const struct sovd_peers *p);
size_t sovd_peers_ids(const struct sovd_peers *p, raft_id_t *ids, size_t max);
int sovd_peer_stats(const struct sovd_peers *p, raft_id_t id, struct sovd_peer_stats *st);
void sovd_peers_stats(const struct sovd_peers *p, struct sovd_peers_stats *st);

#endif /* SOVD_PEER_H */
