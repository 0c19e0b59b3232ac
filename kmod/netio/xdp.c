// SPDX-License-Identifier: GPL-2.0
/*
 * Native XDP on a sovnet end: every frame delivered to an end with a program
 * runs it on an xdp_buff, in the end's XSK buffer when a pool is bound (its
 * rxq is MEM_TYPE_XSK_BUFF_POOL, so a redirect into the socket is zero-copy),
 * else in a page (MEM_TYPE_PAGE_SHARED); each queue has its own rxqs, pool
 * and lock. XDP_TX sends a copy back to the peer's queue of the same index;
 * ndo_xdp_xmit makes an end a redirect target (copied, off the ZC path, onto
 * the peer's queue of the current CPU). Both copies go through the sending
 * end's TX classes as skbs of priority 0 (txpath.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf.h>
#include <linux/bpf_trace.h>
#include <linux/filter.h>
#include <net/xdp_sock_drv.h>

#include "netio.h"

/* the largest frame a page takes after XDP's headroom and the skb tail */
#define SOVNET_PAGE_FRAME_MAX	(PAGE_SIZE - XDP_PACKET_HEADROOM - \
				 SKB_DATA_ALIGN(sizeof(struct skb_shared_info)))

/* XDP_TX: @xdp, received on @q, goes back to the peer's queue of @q's index. */
bool sovnet_tx_xdp_buff(struct sovnet_queue *q, struct xdp_buff *xdp)
{
	return sovnet_tx_copy(q->priv, q->qid, xdp->data,
			      xdp->data_end - xdp->data);
}

/* What an action other than XDP_REDIRECT did with @xdp: true if delivered. */
static bool sovnet_xdp_act(struct sovnet_queue *q, struct bpf_prog *prog,
			   struct xdp_buff *xdp, u32 act)
{
	switch (act) {
	case XDP_PASS:
		sovnet_rx_skb(q, xdp->data, xdp->data_end - xdp->data);
		return true;
	case XDP_TX:
		if (sovnet_tx_xdp_buff(q, xdp))
			return true;
		/* veth's too: a failed XDP_TX is an exception, not a drop */
		trace_xdp_exception(q->priv->dev, prog, act);
		return false;
	default:
		bpf_warn_invalid_xdp_action(q->priv->dev, prog, act);
		fallthrough;
	case XDP_ABORTED:
		trace_xdp_exception(q->priv->dev, prog, act);
		fallthrough;
	case XDP_DROP:
		return false;
	}
}

/*
 * Deliver one frame into queue @q: its rx_lock held, BH off, RCU read side.
 * Returns false only when @q's XSK fill ring is empty (the frame is lost).
 */
bool sovnet_deliver(struct sovnet_queue *q, const void *data, u32 len)
{
	struct net_device *dev = q->priv->dev;
	struct bpf_prog *prog = rcu_dereference(q->priv->xdp_prog);
	struct xsk_buff_pool *pool = READ_ONCE(q->pool);
	struct xdp_buff *xdp, xdpb;
	struct page *page = NULL;
	bool ok;
	u32 act;

	if (!prog) {
		sovnet_rx_skb(q, data, len);
		goto counted;
	}
	if (pool) {
		if (len > xsk_pool_get_rx_frame_size(pool))
			goto drop;
		xdp = xsk_buff_alloc(pool);
		if (!xdp) {
			sovnet_qadd(q, SOVNET_QS_RX_NOBUF, 1);
			if (xsk_uses_need_wakeup(pool))
				xsk_set_rx_need_wakeup(pool);
			return false;
		}
		if (xsk_uses_need_wakeup(pool))
			xsk_clear_rx_need_wakeup(pool);
		memcpy(xdp->data, data, len);
		xsk_buff_set_size(xdp, len);
		xsk_buff_dma_sync_for_cpu(xdp, pool);
	} else {
		if (len > SOVNET_PAGE_FRAME_MAX)
			goto drop;
		page = dev_alloc_page();
		if (!page)
			goto drop;
		xdp = &xdpb;
		xdp_init_buff(xdp, PAGE_SIZE, &q->rxq_page);
		xdp_prepare_buff(xdp, page_address(page), XDP_PACKET_HEADROOM,
				 len, true);
		memcpy(xdp->data, data, len);
	}

	act = bpf_prog_run_xdp(prog, xdp);
	if (act == XDP_REDIRECT) {
		/* on success the buffer belongs to the target */
		if (!xdp_do_redirect(dev, xdp, prog)) {
			if (pool)
				sovnet_qadd(q, SOVNET_QS_XSK_RX, 1);
			goto counted;
		}
		ok = false;
	} else {
		ok = sovnet_xdp_act(q, prog, xdp, act);
	}
	if (pool)
		xsk_buff_free(xdp);
	else
		put_page(page);
	if (ok)
		goto counted;
drop:
	sovnet_qadd(q, SOVNET_QS_RX_DROPS, 1);
	return true;
counted:
	sovnet_qadd(q, SOVNET_QS_RX_PKTS, 1);
	sovnet_qadd(q, SOVNET_QS_RX_BYTES, len);
	return true;
}

/* ndo_xdp_xmit: @frame sent out of @dev arrives at its peer, copied. */
bool sovnet_tx_xdp_frame(struct net_device *dev, struct xdp_frame *frame)
{
	u32 qid = smp_processor_id() % dev->real_num_tx_queues;

	return sovnet_tx_copy(sovnet_priv(dev), qid, frame->data, frame->len);
}

int sovnet_xdp_xmit(struct net_device *dev, int n, struct xdp_frame **frames,
		    u32 flags)
{
	struct net_device *peer;
	int i, sent = 0;

	rcu_read_lock();
	peer = rcu_dereference(sovnet_priv(dev)->peer);
	if (!peer || !netif_running(peer)) {
		rcu_read_unlock();
		return -ENETDOWN;
	}
	for (i = 0; i < n; i++) {
		if (!sovnet_tx_xdp_frame(dev, frames[i]))
			break;
		xdp_return_frame(frames[i]);
		sent++;
	}
	rcu_read_unlock();
	return sent;	/* the core frees the frames not sent */
}

int sovnet_bpf(struct net_device *dev, struct netdev_bpf *bpf)
{
	struct sovnet_priv *p = sovnet_priv(dev);
	struct bpf_prog *old;

	switch (bpf->command) {
	case XDP_SETUP_PROG:
		old = rtnl_dereference(p->xdp_prog);
		rcu_assign_pointer(p->xdp_prog, bpf->prog);
		/* the core took a reference for us on the new one */
		if (old)
			bpf_prog_put(old);
		return 0;
	case XDP_SETUP_XSK_POOL:
		return sovnet_xsk_pool_setup(dev, bpf->xsk.pool,
					     bpf->xsk.queue_id);
	default:
		return -EINVAL;
	}
}
