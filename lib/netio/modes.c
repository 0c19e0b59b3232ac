// SPDX-License-Identifier: GPL-2.0
/*
 * The three modes, one thread per socket, busy polling its rings.
 * txonly sends until the run stops it (or its count is reached), then
 * waits for its completions; every mode receives until the run says the
 * last frames have arrived (stop_rx).
 */
#include <errno.h>
#include <sched.h>
#include <sys/socket.h>

#include "engine.h"
#include "frame.h"

static void reap_completions(struct netio_sock *s, bool to_fill)
{
	uint32_t idx, fidx, n, i;

	n = xsk_ring_cons__peek(&s->cq, s->u->ring, &idx);
	if (!n)
		return;
	if (to_fill) {
		/* l2fwd: a sent frame was a received one: back to the fill ring */
		while (xsk_ring_prod__reserve(&s->fq, n, &fidx) != n)
			sched_yield();
		for (i = 0; i < n; i++)
			*xsk_ring_prod__fill_addr(&s->fq, fidx + i) =
				xsk_umem__extract_addr(*xsk_ring_cons__comp_addr(&s->cq, idx + i));
		xsk_ring_prod__submit(&s->fq, n);
		s->res.fwd_pkts += n;
	} else {
		for (i = 0; i < n; i++)
			s->free[s->nfree++] = *xsk_ring_cons__comp_addr(&s->cq, idx + i);
		s->res.tx_pkts += n;
		s->res.tx_bytes += (uint64_t)n * s->e->cfg.size;
	}
	xsk_ring_cons__release(&s->cq, n);
	s->outstanding -= n;
}

static void account_rx(struct netio_sock *s, const uint8_t *p, uint32_t len, uint64_t now)
{
	const struct netio_stamp *st = netio_frame_parse(p, len);

	s->res.rx_pkts++;
	s->res.rx_bytes += len;
	if (!st || st->sender >= NETIO_SOCKS_MAX) {
		s->res.rx_foreign++;
		return;
	}
	if (st->seq != (uint32_t)s->next_seq[st->sender])
		s->res.rx_seq_gaps++;
	s->next_seq[st->sender] = (uint64_t)st->seq + 1;
	netio_hist_add(s->hist, now > st->tx_ns ? now - st->tx_ns : 0);
}

/* Receive a batch; l2fwd sends it back, the others refill at once. */
static uint32_t rx_batch(struct netio_sock *s, bool forward)
{
	uint32_t idx, oidx = 0, n, i, room = 0;
	uint64_t now;

	n = xsk_ring_cons__peek(&s->rx, NETIO_BATCH, &idx);
	if (!n) {
		netio_sock_wake_rx(s);
		return 0;
	}
	now = netio_now_ns();
	if (forward)
		room = xsk_ring_prod__reserve(&s->tx, n, &oidx);
	else
		while (xsk_ring_prod__reserve(&s->fq, n, &oidx) != n)
			sched_yield();
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&s->rx, idx + i);
		uint8_t *p = xsk_umem__get_data(s->u->buf, d->addr);

		account_rx(s, p, d->len, now);
		if (!forward) {
			*xsk_ring_prod__fill_addr(&s->fq, oidx + i) = xsk_umem__extract_addr(d->addr);
		} else if (i < room) {
			struct xdp_desc *o = xsk_ring_prod__tx_desc(&s->tx, oidx + i);

			netio_frame_swap_mac(p);
			o->addr = d->addr;
			o->len = d->len;
		} else {
			uint32_t f;

			/* TX ring full: drop it back to the fill ring */
			while (xsk_ring_prod__reserve(&s->fq, 1, &f) != 1)
				sched_yield();
			*xsk_ring_prod__fill_addr(&s->fq, f) = xsk_umem__extract_addr(d->addr);
			xsk_ring_prod__submit(&s->fq, 1);
		}
	}
	xsk_ring_cons__release(&s->rx, n);
	if (!forward) {
		xsk_ring_prod__submit(&s->fq, n);
	} else if (room) {
		xsk_ring_prod__submit(&s->tx, room);
		s->outstanding += room;
		netio_sock_kick_tx(s);
	}
	return n;
}

static void tx_batch(struct netio_sock *s, uint64_t limit)
{
	uint32_t idx, n, i;
	uint64_t now;

	n = s->nfree < NETIO_BATCH ? s->nfree : NETIO_BATCH;
	if (limit && s->seq + n > limit)
		n = (uint32_t)(limit - s->seq);
	if (n)
		n = xsk_ring_prod__reserve(&s->tx, n, &idx);
	if (n) {
		now = netio_now_ns();
		for (i = 0; i < n; i++) {
			struct xdp_desc *d = xsk_ring_prod__tx_desc(&s->tx, idx + i);
			uint64_t a = s->free[--s->nfree];

			netio_frame_stamp(xsk_umem__get_data(s->u->buf, a), (uint32_t)s->seq++, now);
			d->addr = a;
			d->len = s->e->cfg.size;
		}
		xsk_ring_prod__submit(&s->tx, n);
		s->outstanding += n;
	}
	netio_sock_kick_tx(s);
}

static void run_txonly(struct netio_sock *s)
{
	struct netio_engine *e = s->e;
	uint64_t limit = e->cfg.count, deadline;

	while (!atomic_load_explicit(&e->stop_tx, memory_order_relaxed) && !s->error &&
	       (!limit || s->seq < limit)) {
		reap_completions(s, false);
		tx_batch(s, limit);
		rx_batch(s, false);
	}
	s->t_stop = netio_now_ns();
	/* what was queued still completes (a second at most: a stalled device) */
	deadline = s->t_stop + 1000000000ull;
	while (s->outstanding && !s->error && netio_now_ns() < deadline) {
		netio_sock_kick_tx(s);
		reap_completions(s, false);
		rx_batch(s, false);
	}
	atomic_fetch_sub(&e->tx_running, 1);
	while (!atomic_load_explicit(&e->stop_rx, memory_order_relaxed))
		if (!rx_batch(s, false))
			reap_completions(s, false);
}

void *netio_sock_thread(void *arg)
{
	struct netio_sock *s = arg;
	struct netio_engine *e = s->e;

	switch (s->cfg.mode) {
	case NETIO_MODE_TXONLY:
		run_txonly(s);
		break;
	case NETIO_MODE_RXDROP:
		while (!atomic_load_explicit(&e->stop_rx, memory_order_relaxed))
			rx_batch(s, false);
		break;
	case NETIO_MODE_L2FWD:
		while (!atomic_load_explicit(&e->stop_rx, memory_order_relaxed)) {
			rx_batch(s, true);
			reap_completions(s, true);
			if (s->outstanding)
				netio_sock_kick_tx(s);
		}
		break;
	}
	return NULL;
}
