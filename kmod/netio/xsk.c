// SPDX-License-Identifier: GPL-2.0
/*
 * AF_XDP zero-copy on a sovnet end (queue 0). The pool is DMA-mapped against
 * the netio platform device when it is bound; the end's XSK TX ring is
 * drained by its NAPI into the peer with one copy: into a buffer of the
 * peer's pool (allocated from the peer's pool, whose rxq is the peer's) or
 * into a page. Completions are posted in ring order after xdp_do_flush().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/filter.h>
#include <linux/rtnetlink.h>
#include <net/xdp_sock_drv.h>

#include "netio.h"

static int sovnet_xsk_enable(struct net_device *dev,
			     struct xsk_buff_pool *pool)
{
	struct sovnet_priv *p = sovnet_priv(dev);
	int err;

	if (p->pool)
		return -EBUSY;
	err = xsk_pool_dma_map(pool, sovnet_dma_dev(), 0);
	if (err) {
		netdev_err(dev, "xsk_pool_dma_map: %d\n", err);
		return err;
	}
	err = xdp_rxq_info_reg(&p->rxq_xsk, dev, 0, p->napi.napi_id);
	if (err)
		goto err_unmap;
	err = xdp_rxq_info_reg_mem_model(&p->rxq_xsk, MEM_TYPE_XSK_BUFF_POOL,
					 NULL);
	if (err)
		goto err_unreg;
	xsk_pool_set_rxq_info(pool, &p->rxq_xsk);
	WRITE_ONCE(p->pool, pool);
	netdev_info(dev, "XSK pool bound to queue 0 (zero-copy)\n");
	if (netif_running(dev)) {
		local_bh_disable();
		napi_schedule(&p->napi);
		local_bh_enable();
	}
	return 0;

err_unreg:
	xdp_rxq_info_unreg(&p->rxq_xsk);
err_unmap:
	xsk_pool_dma_unmap(pool, 0);
	return err;
}

static int sovnet_xsk_disable(struct net_device *dev)
{
	struct sovnet_priv *p = sovnet_priv(dev);
	struct xsk_buff_pool *pool = p->pool;

	if (!pool)
		return -EINVAL;
	WRITE_ONCE(p->pool, NULL);
	synchronize_net();	/* neither NAPI of the pair still uses it */
	xdp_rxq_info_unreg(&p->rxq_xsk);
	xsk_pool_dma_unmap(pool, 0);
	netdev_info(dev, "XSK pool unbound from queue 0\n");
	return 0;
}

int sovnet_xsk_pool_setup(struct net_device *dev, struct xsk_buff_pool *pool,
			  u16 qid)
{
	if (qid != 0)
		return -EINVAL;
	return pool ? sovnet_xsk_enable(dev, pool) : sovnet_xsk_disable(dev);
}

/* Drain @p's XSK TX ring into the peer (NAPI, RCU read side). */
int sovnet_xsk_tx(struct sovnet_priv *p, int budget, bool *more)
{
	struct xsk_buff_pool *pool = READ_ONCE(p->pool);
	struct xsk_buff_pool *ppool;
	struct net_device *peer;
	struct sovnet_priv *pp;
	struct xdp_desc desc;
	int n = 0;

	*more = false;
	if (!pool)
		return 0;
	peer = rcu_dereference(p->peer);
	if (!peer || !netif_running(peer)) {
		/* what the socket sends while the peer is down is lost */
		while (n < budget && xsk_tx_peek_desc(pool, &desc))
			n++;
		goto done;
	}
	pp = sovnet_priv(peer);
	spin_lock(&pp->rx_lock);
	while (n < budget) {
		ppool = READ_ONCE(pp->pool);
		/* consume a descriptor only if the peer can take the frame */
		if (ppool && rcu_access_pointer(pp->xdp_prog) &&
		    !xsk_buff_can_alloc(ppool, 1)) {
			if (xsk_uses_need_wakeup(ppool))
				xsk_set_rx_need_wakeup(ppool);
			atomic64_inc(&pp->xsk_rx_nobuf);
			break;
		}
		if (!xsk_tx_peek_desc(pool, &desc))
			break;
		sovnet_deliver(peer, xsk_buff_raw_get_data(pool, desc.addr),
			       desc.len);
		atomic64_add(desc.len, &p->tx_bytes);
		n++;
	}
	xdp_do_flush();
	spin_unlock(&pp->rx_lock);
done:
	if (n) {
		xsk_tx_release(pool);
		xsk_tx_completed(pool, n);
		atomic64_add(n, &p->tx_pkts);
		atomic64_add(n, &p->xsk_tx);
	}
	*more = n == budget;
	if (xsk_uses_need_wakeup(pool)) {
		if (*more)
			xsk_clear_tx_need_wakeup(pool);
		else
			xsk_set_tx_need_wakeup(pool);
	}
	return n;
}

int sovnet_xsk_wakeup(struct net_device *dev, u32 qid, u32 flags)
{
	struct sovnet_priv *p = sovnet_priv(dev);
	struct net_device *peer;

	if (!netif_running(dev))
		return -ENETDOWN;
	if (qid != 0 || !READ_ONCE(p->pool))
		return -EINVAL;
	local_bh_disable();
	napi_schedule(&p->napi);
	/* the fill ring was refilled: the peer's TX may wait for it */
	if (flags & XDP_WAKEUP_RX) {
		rcu_read_lock();
		peer = rcu_dereference(p->peer);
		if (peer && netif_running(peer))
			napi_schedule(&sovnet_priv(peer)->napi);
		rcu_read_unlock();
	}
	local_bh_enable();
	return 0;
}
