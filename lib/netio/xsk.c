// SPDX-License-Identifier: GPL-2.0
/*
 * One AF_XDP socket on (ifname, queue) over a netio UMEM: bind in the mode
 * asked (zero-copy, copy, or the kernel's choice), read back what was
 * obtained (XDP_OPTIONS), fill its fill ring and prepare its TX frames.
 * A socket on a shared UMEM binds with XDP_SHARED_UMEM, which takes no
 * mode flags: it gets the first socket's mode and need_wakeup.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>

#include "engine.h"
#include "frame.h"

static const char *bind_hint(int ret, enum netio_bind b)
{
	if (ret == -EOPNOTSUPP && b == NETIO_BIND_ZC)
		return " (the driver has no AF_XDP zero-copy: use copy or auto)";
	if (ret == -EINVAL)
		return " (no such queue, or a mode the device refuses)";
	if (ret == -EBUSY)
		return " (another socket or XDP program holds this queue)";
	if (ret == -EPERM)
		return " (AF_XDP needs CAP_NET_ADMIN and CAP_NET_RAW: run as root)";
	return "";
}

int netio_sock_open(struct netio_sock *s, struct netio_err *err)
{
	const struct netio_cfg *c = &s->e->cfg;
	struct xsk_socket_config cfg = { 0 };
	struct xdp_options opt = { 0 };
	socklen_t optlen = sizeof(opt);
	uint64_t first, a;
	uint32_t n, half, idx, i;
	int ret;

	cfg.rx_size = s->u->ring;
	cfg.tx_size = s->u->ring;
	cfg.xdp_flags = XDP_FLAGS_DRV_MODE;
	cfg.bind_flags = c->need_wakeup ? XDP_USE_NEED_WAKEUP : 0;
	if (c->bind == NETIO_BIND_ZC)
		cfg.bind_flags |= XDP_ZEROCOPY;
	else if (c->bind == NETIO_BIND_COPY)
		cfg.bind_flags |= XDP_COPY;
	ret = xsk_socket__create_shared(&s->xsk, s->cfg.ifname, s->cfg.queue, s->u->umem,
					&s->rx, &s->tx, &s->fq, &s->cq, &cfg);
	if (ret) {
		s->xsk = NULL;
		netio_err_set(err, ret, "%s queue %u: %s bind failed: %s%s", s->cfg.ifname,
			      s->cfg.queue, netio_bind_name(c->bind), strerror(-ret),
			      bind_hint(ret, c->bind));
		return ret;
	}
	s->fd = xsk_socket__fd(s->xsk);
	if (getsockopt(s->fd, SOL_XDP, XDP_OPTIONS, &opt, &optlen)) {
		ret = -errno;
		netio_err_set(err, ret, "%s queue %u: XDP_OPTIONS: %s", s->cfg.ifname,
			      s->cfg.queue, strerror(-ret));
		return ret;
	}
	s->res.zerocopy = opt.flags & XDP_OPTIONS_ZEROCOPY;
	s->copy = !s->res.zerocopy;
	s->wakeup = c->need_wakeup;
	s->res.need_wakeup = s->wakeup;

	netio_umem_part(s->u, s->part, &first, &n);
	half = n / 2;
	/* the RX half: all of it into the fill ring (which holds half a share) */
	if (xsk_ring_prod__reserve(&s->fq, s->u->ring, &idx) != s->u->ring) {
		netio_err_set(err, -ENOSPC, "%s queue %u: the fill ring has no room for %u frames",
			      s->cfg.ifname, s->cfg.queue, s->u->ring);
		return -ENOSPC;
	}
	for (i = 0; i < s->u->ring; i++)
		*xsk_ring_prod__fill_addr(&s->fq, idx + i) = first + (uint64_t)i * s->u->frame_size;
	xsk_ring_prod__submit(&s->fq, s->u->ring);

	/* the TX half: pre-built frames, only their stamp changes per send */
	s->free = calloc(half, sizeof(*s->free));
	if (!s->free) {
		netio_err_set(err, -ENOMEM, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < half && i < s->u->ring; i++) {
		a = first + (uint64_t)(half + i) * s->u->frame_size;
		if (s->cfg.mode == NETIO_MODE_TXONLY)
			netio_frame_build(xsk_umem__get_data(s->u->buf, a), c->size, s->id);
		s->free[s->nfree++] = a;
	}
	return 0;
}

void netio_sock_close(struct netio_sock *s)
{
	if (s->xsk)
		xsk_socket__delete(s->xsk);
	s->xsk = NULL;
	free(s->free);
	s->free = NULL;
}

/* Copy mode sends only from sendmsg; zero-copy when the kernel asks. */
void netio_sock_kick_tx(struct netio_sock *s)
{
	if (!s->copy && s->wakeup && !xsk_ring_prod__needs_wakeup(&s->tx))
		return;
	if (sendto(s->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
		return;
	switch (errno) {
	case EAGAIN:
	case EBUSY:
	case ENOBUFS:
	case EINTR:
		return;
	default:
		if (!s->error)
			s->error = -errno;
	}
}

void netio_sock_wake_rx(struct netio_sock *s)
{
	if (s->wakeup && xsk_ring_prod__needs_wakeup(&s->fq))
		recvfrom(s->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

void netio_sock_read_stats(struct netio_sock *s)
{
	struct xdp_statistics st = { 0 };
	socklen_t len = sizeof(st);

	if (!s->xsk || getsockopt(s->fd, SOL_XDP, XDP_STATISTICS, &st, &len))
		return;
	s->res.tx_invalid = st.tx_invalid_descs;
	s->res.rx_dropped = st.rx_dropped;
	s->res.rx_fill_empty = st.rx_fill_ring_empty_descs;
}
