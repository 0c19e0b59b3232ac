/* SPDX-License-Identifier: GPL-2.0 */
/* lib/netio internals: the UMEM, the sockets and the run that ties them. */
#ifndef SOV_NETIO_ENGINE_H
#define SOV_NETIO_ENGINE_H

#include <stdatomic.h>
#include <stdio.h>
#include <xdp/xsk.h>

#include "latency.h"
#include "netio.h"

#define NETIO_BATCH	64

struct netio_umem {
	void *buf;
	size_t len;
	uint32_t frames, frame_size;
	uint32_t ring;		/* fill/completion ring size of every socket */
	unsigned int parts;	/* sockets sharing it */
	struct xsk_umem *umem;
	struct xsk_ring_prod fq;	/* handed to the first socket by libxdp */
	struct xsk_ring_cons cq;
};

struct netio_engine;

struct netio_sock {
	struct netio_engine *e;
	unsigned int id;
	struct netio_sock_cfg cfg;
	struct netio_umem *u;
	unsigned int part;	/* this socket's share of the UMEM */
	struct xsk_socket *xsk;
	int fd;
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq, rx;
	bool copy, wakeup;
	uint64_t *free;		/* TX frames not in flight */
	uint32_t nfree, outstanding;
	uint64_t seq;
	uint64_t next_seq[NETIO_SOCKS_MAX];
	struct netio_hist *hist;
	struct netio_sock_result res;
	int error;		/* a kick that failed for good */
	uint64_t t_stop;	/* txonly: when it stopped sending */
};

struct netio_engine {
	struct netio_cfg cfg;
	struct netio_umem *umem[NETIO_SOCKS_MAX];
	struct netio_sock sock[NETIO_SOCKS_MAX];
	atomic_int stop_tx, stop_rx;
	atomic_int tx_running;
	unsigned int ntx;	/* txonly sockets */
	uint64_t t0;
};

void netio_err_set(struct netio_err *err, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* umem.c */
int netio_umem_create(struct netio_umem **out, uint32_t frames, uint32_t frame_size,
		      unsigned int parts, struct netio_err *err);
void netio_umem_delete(struct netio_umem *u);
/* First address and frame count of part @part: RX half then TX half. */
void netio_umem_part(const struct netio_umem *u, unsigned int part, uint64_t *first,
		     uint32_t *n);

/* xsk.c */
int netio_sock_open(struct netio_sock *s, struct netio_err *err);
void netio_sock_close(struct netio_sock *s);
void netio_sock_kick_tx(struct netio_sock *s);
void netio_sock_wake_rx(struct netio_sock *s);
void netio_sock_read_stats(struct netio_sock *s);

/* modes.c: one thread per socket */
void *netio_sock_thread(void *arg);

#endif
