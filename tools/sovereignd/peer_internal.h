/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The peer transport's insides, shared by peer.c (links, reading, the API)
 * and peer_queue.c (the bounded send queue and writing).
 */
#ifndef SOVD_PEER_INTERNAL_H
#define SOVD_PEER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "../../lib/raft/wire.h"
#include "peer.h"

#define DEF_QUEUE_BYTES		(4 << 20)
#define DEF_QUEUE_MSGS		1024
#define DEF_BACKOFF_MIN_MS	50
#define DEF_BACKOFF_MAX_MS	2000
#define DEF_HANDSHAKE_MS	5000
#define SWEEP_MS		100	/* how often handshake deadlines are checked */
#define BATCH_MSGS		64	/* frames per write */
#define BATCH_BYTES		(1 << 20)
#define RX_SIZE			(64 << 10)	/* receive buffer; grows for larger frames */
#define MAX_PENDING		32	/* inbound links before their HELLO */

struct frame {
	struct frame *next;
	uint8_t type;			/* enum raft_msg_type, for the drop policy */
	size_t len;
	uint8_t data[];
};

struct fifo {
	struct frame *head, *tail;
	uint32_t n;
	size_t bytes;
};

enum conn_state { C_CONNECTING, C_HELLO, C_UP, C_CLOSING };

struct conn {
	uv_tcp_t tcp;
	struct sovd_peers *p;
	struct peer *peer;		/* holds a reference; NULL: inbound, no HELLO yet */
	struct conn *prev, *next;	/* p->conns: links not closing */
	bool outbound;
	enum conn_state state;
	uint64_t deadline;		/* uv_now() by which the handshake must be done */
	uint64_t up_since;
	uv_connect_t creq;
	uint32_t seq;			/* frames sent */
	bool writing;			/* a batch is in flight */
	char addr[SOV_CLUSTER_ADDR_LEN];	/* the other end, for logs */
	uint8_t *rx;
	size_t rxlen, rxcap;
};

struct peer {
	struct sovd_peers *p;
	struct peer *next;		/* p->peers */
	unsigned int refs;		/* the retry timer and each conn */
	bool removed;
	raft_id_t id;
	struct sockaddr_storage addr;
	struct conn *out, *in;
	uv_timer_t retry;
	uint32_t backoff_ms;
	struct fifo q;
	struct sovd_peer_stats st;
};

struct sovd_peers {
	uv_loop_t *loop;
	struct sovd_peers_config cfg;
	char cluster_id[SOV_RAFT_CLUSTER_ID_MAX + 1];
	uv_tcp_t server;
	uv_timer_t sweep;
	struct peer *peers;
	struct conn *conns;
	unsigned int pending;		/* inbound links before their HELLO */
	unsigned int handles;		/* open; the transport goes with the last */
	bool closing;
	uint64_t rng;
	struct sovd_peers_stats st;
};

struct wbatch {
	uv_write_t req;			/* first: the callback gets &req */
	struct conn *c;
	struct frame *frames;
	uint32_t n;
	size_t bytes;
	uv_buf_t bufs[BATCH_MSGS];
};

struct hello_write {
	uv_write_t req;
	struct conn *c;
	uint8_t buf[128];
};

#define WHY_LEN			200

/* peer.c */
struct peer *peer_find(const struct sovd_peers *p, raft_id_t id);
void peer_conn_closef(struct conn *c, int level, bool bad, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* peer_queue.c */
void peer_enqueue(struct peer *pe, struct frame *f);
void peer_fifo_free(struct fifo *q);
void peer_flush(struct peer *pe);

#endif
