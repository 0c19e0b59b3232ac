// SPDX-License-Identifier: GPL-2.0
/*
 * AF_XDP zero-copy on a sovnet end, one pool per queue pair. A pool is
 * DMA-mapped against the netio platform device when it is bound; a queue's
 * XSK TX ring is drained by the end's TX NAPI (txpath.c, in class order)
 * into the peer's queue of the same index with one copy: into a buffer of
 * the peer queue's pool (allocated from that pool, whose rxq is the peer's)
 * or into a page. Completions are posted in ring order after xdp_do_flush().
 *
 * Malformed descriptors: 6.1's xsk_tx_peek_desc() skips, without a
 * completion, those outside the UMEM, crossing a chunk (aligned mode) or
 * with options set, counting them in the socket's tx_invalid_descs
 * (XDP_STATISTICS). What it hands over has a completion slot reserved, so
 * every descriptor peeked is completed; one shorter than an Ethernet header
 * (len 0 included) or longer than the peer's MTU plus ETH_HLEN is not sent
 * and is counted in the queue's tx_invalid.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/filter.h>
#include <linux/rtnetlink.h>
#include <net/xdp_sock_drv.h>

#include "netio.h"

bool sovnet_any_pool(struct net_device *dev)
{
	struct sovnet_priv *p = sovnet_priv(dev);
	u32 i;

	for (i = 0; i < dev->num_rx_queues; i++)
		if (READ_ONCE(p->q[i].pool))
			return true;
	return false;
}

static int sovnet_xsk_enable(struct net_device *dev, struct sovnet_queue *q,
			     struct xsk_buff_pool *pool)
{
	u32 fsize = xsk_pool_get_rx_frame_size(pool);
	int err;

	if (q->pool)
		return -EBUSY;
	/* frames of the MTU would not fit: sovnet_change_mtu keeps this true */
	if (fsize < dev->mtu + ETH_HLEN) {
		netdev_err(dev, "XSK frames of %u bytes are too small for mtu %u\n",
			   fsize, dev->mtu);
		return -EINVAL;
	}
	err = xsk_pool_dma_map(pool, sovnet_dma_dev(), 0);
	if (err) {
		netdev_err(dev, "xsk_pool_dma_map: %d\n", err);
		return err;
	}
	err = xdp_rxq_info_reg(&q->rxq_xsk, dev, q->qid, q->rx_napi.napi_id);
	if (err)
		goto err_unmap;
	err = xdp_rxq_info_reg_mem_model(&q->rxq_xsk, MEM_TYPE_XSK_BUFF_POOL,
					 NULL);
	if (err)
		goto err_unreg;
	xsk_pool_set_rxq_info(pool, &q->rxq_xsk);
	WRITE_ONCE(q->pool, pool);
	netdev_info(dev, "XSK pool bound to queue %u (zero-copy)\n", q->qid);
	if (netif_running(dev))
		sovnet_tx_wake(sovnet_priv(dev));
	return 0;

err_unreg:
	xdp_rxq_info_unreg(&q->rxq_xsk);
err_unmap:
	xsk_pool_dma_unmap(pool, 0);
	return err;
}

static int sovnet_xsk_disable(struct net_device *dev, struct sovnet_queue *q)
{
	struct xsk_buff_pool *pool = q->pool;

	if (!pool)
		return -EINVAL;
	WRITE_ONCE(q->pool, NULL);
	synchronize_net();	/* no NAPI of the pair still uses it */
	sovnet_tx_unhold(q->priv, q->qid, pool);
	xdp_rxq_info_unreg(&q->rxq_xsk);
	xsk_pool_dma_unmap(pool, 0);
	netdev_info(dev, "XSK pool unbound from queue %u\n", q->qid);
	return 0;
}

int sovnet_xsk_pool_setup(struct net_device *dev, struct xsk_buff_pool *pool,
			  u16 qid)
{
	struct sovnet_queue *q;

	if (qid >= dev->real_num_rx_queues || qid >= dev->real_num_tx_queues)
		return -EINVAL;
	q = &sovnet_priv(dev)->q[qid];
	return pool ? sovnet_xsk_enable(dev, q, pool) :
		      sovnet_xsk_disable(dev, q);
}

/*
 * One descriptor of @q's XSK TX ring into the peer's queue @pq (its rx_lock
 * held). The descriptor is completed whatever happens here.
 */
void sovnet_tx_xsk(struct sovnet_queue *q, struct sovnet_queue *pq,
		   struct xsk_buff_pool *pool, const struct xdp_desc *desc)
{
	u32 max = READ_ONCE(pq->priv->dev->mtu) + ETH_HLEN;

	if (desc->len < ETH_HLEN || desc->len > max) {
		sovnet_qadd(q, SOVNET_QS_TX_INVALID, 1);
		return;
	}
	sovnet_deliver(pq, xsk_buff_raw_get_data(pool, desc->addr), desc->len);
	sovnet_qadd(q, SOVNET_QS_TX_PKTS, 1);
	sovnet_qadd(q, SOVNET_QS_TX_BYTES, desc->len);
	sovnet_qadd(q, SOVNET_QS_XSK_TX, 1);
}

/*
 * A fill ring of @dev was refilled: the peer's TX NAPI may hold a frame
 * for it.
 */
static void sovnet_wake_senders(struct net_device *dev)
{
	struct net_device *peer;

	rcu_read_lock();
	peer = rcu_dereference(sovnet_priv(dev)->peer);
	if (peer && netif_running(peer))
		napi_schedule(&sovnet_priv(peer)->tx.napi);
	rcu_read_unlock();
}

int sovnet_xsk_wakeup(struct net_device *dev, u32 qid, u32 flags)
{
	struct sovnet_queue *q;

	if (!netif_running(dev))
		return -ENETDOWN;
	if (qid >= dev->real_num_rx_queues)
		return -EINVAL;
	q = &sovnet_priv(dev)->q[qid];
	if (!READ_ONCE(q->pool))
		return -EINVAL;
	local_bh_disable();
	if (flags & XDP_WAKEUP_TX)
		napi_schedule(&sovnet_priv(dev)->tx.napi);
	if (flags & XDP_WAKEUP_RX) {
		napi_schedule(&q->rx_napi);
		sovnet_wake_senders(dev);
	}
	local_bh_enable();
	return 0;
}
