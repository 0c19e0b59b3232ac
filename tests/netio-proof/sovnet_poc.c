// SPDX-License-Identifier: GPL-2.0
/*
 * sovnet_poc: proof that AF_XDP zero-copy works on a virtual netdev pair on 6.1.
 * Two netdevs sp0 <-> sp1, one queue each, one NAPI per device.
 *   - each device's NAPI: (a) drains skbs queued to it by the peer's ndo_start_xmit /
 *     ndo_xdp_xmit and delivers them to itself; (b) drains its own XSK TX ring (ZC) and
 *     delivers every frame into the peer (single copy into the peer's XSK buffer when
 *     the peer has a pool bound, else into a page), running the peer's XDP program.
 *   - pools are DMA-mapped against a platform device with a 64-bit DMA mask.
 */
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/platform_device.h>
#include <linux/dma-mapping.h>
#include <linux/filter.h>
#include <linux/bpf.h>
#include <net/xdp.h>
#include <net/xdp_sock_drv.h>

#define SP_RXQ_MAX 4096

struct sp_priv {
	struct net_device *dev;
	struct net_device __rcu *peer;
	struct napi_struct napi;
	struct bpf_prog __rcu *xdp_prog;
	struct xsk_buff_pool *pool;	/* READ_ONCE; rcu-protected by synchronize_net */
	struct xdp_rxq_info rxq_xsk;	/* MEM_TYPE_XSK_BUFF_POOL while a pool is bound */
	struct xdp_rxq_info rxq_page;	/* MEM_TYPE_PAGE_SHARED */
	spinlock_t rx_lock;		/* serialises delivery into this device */
	struct sk_buff_head rxskbs;
	atomic64_t rx_pkts, rx_bytes, rx_drops, tx_pkts, tx_bytes, xsk_tx, xsk_rx_nobuf;
};

static struct platform_device *sp_pdev;
static int dmamode;
module_param(dmamode, int, 0444);
MODULE_PARM_DESC(dmamode, "experiment: 0 = 64-bit DMA mask, 1 = platform default (32-bit), 2 = no dma_mask");
static struct net_device *sp_devs[2];

static struct net_device *sp_peer(struct sp_priv *p)
{
	return rcu_dereference(p->peer);
}

static void sp_rx_skb_copy(struct net_device *dev, const void *data, u32 len)
{
	struct sp_priv *p = netdev_priv(dev);
	struct sk_buff *skb = netdev_alloc_skb(dev, len + NET_IP_ALIGN);

	if (!skb) {
		atomic64_inc(&p->rx_drops);
		return;
	}
	skb_reserve(skb, NET_IP_ALIGN);
	skb_put_data(skb, data, len);
	skb->protocol = eth_type_trans(skb, dev);
	netif_receive_skb(skb);
}

/* Deliver one frame into device r (r->rx_lock held, BH off, RCU read).
 * Returns false when r's XSK fill ring is empty (caller should stop and retry later). */
static bool sp_deliver(struct net_device *r, const void *data, u32 len)
{
	struct sp_priv *rp = netdev_priv(r);
	struct bpf_prog *prog = rcu_dereference(rp->xdp_prog);
	struct xsk_buff_pool *pool = READ_ONCE(rp->pool);
	struct xdp_buff *xdp, xdpb;
	struct page *page = NULL;
	u32 act;

	if (!prog) {
		sp_rx_skb_copy(r, data, len);
		goto counted;
	}
	if (pool) {
		if (len > xsk_pool_get_rx_frame_size(pool)) {
			atomic64_inc(&rp->rx_drops);
			return true;
		}
		xdp = xsk_buff_alloc(pool);
		if (!xdp) {
			atomic64_inc(&rp->xsk_rx_nobuf);
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
		page = dev_alloc_page();
		if (!page) {
			atomic64_inc(&rp->rx_drops);
			return true;
		}
		xdp = &xdpb;
		xdp_init_buff(xdp, PAGE_SIZE, &rp->rxq_page);
		xdp_prepare_buff(xdp, page_address(page), XDP_PACKET_HEADROOM, len, true);
		memcpy(xdp->data, data, len);
	}

	act = bpf_prog_run_xdp(prog, xdp);
	switch (act) {
	case XDP_REDIRECT:
		if (xdp_do_redirect(r, xdp, prog) == 0)
			goto counted;	/* buffer now owned by the target */
		atomic64_inc(&rp->rx_drops);
		break;
	case XDP_PASS:
		sp_rx_skb_copy(r, xdp->data, xdp->data_end - xdp->data);
		break;
	case XDP_TX:	/* not needed for the proof: treated as drop */
	default:
		if (act != XDP_TX && act != XDP_DROP && act != XDP_PASS)
			bpf_warn_invalid_xdp_action(r, prog, act);
		fallthrough;
	case XDP_ABORTED:
	case XDP_DROP:
		atomic64_inc(&rp->rx_drops);
		break;
	}
	if (pool)
		xsk_buff_free(xdp);
	else
		put_page(page);
	if (act != XDP_PASS)
		return true;
counted:
	atomic64_inc(&rp->rx_pkts);
	atomic64_add(len, &rp->rx_bytes);
	return true;
}

/* Drain our XSK TX ring into the peer. */
static int sp_xsk_tx(struct sp_priv *p, int budget, bool *more)
{
	struct xsk_buff_pool *pool = READ_ONCE(p->pool);
	struct net_device *peer;
	struct sp_priv *pp;
	struct xdp_desc desc;
	int n = 0;
	bool stalled = false;

	*more = false;
	if (!pool)
		return 0;
	peer = sp_peer(p);
	if (!peer || !netif_running(peer)) {
		/* drop everything the socket sends while the peer is down */
		while (n < budget && xsk_tx_peek_desc(pool, &desc))
			n++;
		goto done;
	}
	pp = netdev_priv(peer);
	spin_lock(&pp->rx_lock);
	while (n < budget) {
		struct xsk_buff_pool *ppool = READ_ONCE(pp->pool);

		/* backpressure: don't consume a TX desc unless the peer can take it */
		if (ppool && rcu_access_pointer(pp->xdp_prog) && !xsk_buff_can_alloc(ppool, 1)) {
			if (xsk_uses_need_wakeup(ppool))
				xsk_set_rx_need_wakeup(ppool);
			atomic64_inc(&pp->xsk_rx_nobuf);
			stalled = true;
			break;
		}
		if (!xsk_tx_peek_desc(pool, &desc))
			break;
		sp_deliver(peer, xsk_buff_raw_get_data(pool, desc.addr), desc.len);
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
	*more = (n == budget);
	if (xsk_uses_need_wakeup(pool)) {
		if (*more)
			xsk_clear_tx_need_wakeup(pool);
		else
			xsk_set_tx_need_wakeup(pool);
	}
	(void)stalled;
	return n;
}

static int sp_poll(struct napi_struct *napi, int budget)
{
	struct sp_priv *p = container_of(napi, struct sp_priv, napi);
	struct sk_buff *skb;
	int done = 0, txn = 0;
	bool more = false;

	rcu_read_lock();
	/* (a) skbs sent to us by the peer (copy mode TX, stack traffic, ndo_xdp_xmit) */
	if (!skb_queue_empty(&p->rxskbs)) {
		spin_lock(&p->rx_lock);
		while (done < budget && (skb = skb_dequeue(&p->rxskbs))) {
			if (skb_linearize(skb) == 0)
				sp_deliver(p->dev, skb->data, skb->len);
			else
				atomic64_inc(&p->rx_drops);
			consume_skb(skb);
			done++;
		}
		xdp_do_flush();
		spin_unlock(&p->rx_lock);
	}
	/* (b) our own XSK TX ring, into the peer */
	if (done < budget)
		txn = sp_xsk_tx(p, budget - done, &more);
	rcu_read_unlock();
	done += txn;
	if (more || done >= budget)
		return budget;
	if (napi_complete_done(napi, done) && !skb_queue_empty(&p->rxskbs))
		napi_schedule(napi);
	return done;
}

static netdev_tx_t sp_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct sp_priv *p = netdev_priv(dev);
	struct net_device *peer;
	struct sp_priv *pp;

	rcu_read_lock();
	peer = sp_peer(p);
	if (!peer || !netif_running(peer)) {
		atomic64_inc(&p->rx_drops);
		kfree_skb(skb);
		goto out;
	}
	pp = netdev_priv(peer);
	if (skb_queue_len(&pp->rxskbs) >= SP_RXQ_MAX) {
		atomic64_inc(&pp->rx_drops);
		kfree_skb(skb);
		goto out;
	}
	atomic64_inc(&p->tx_pkts);
	atomic64_add(skb->len, &p->tx_bytes);
	skb_orphan_frags(skb, GFP_ATOMIC);
	skb_queue_tail(&pp->rxskbs, skb);
	napi_schedule(&pp->napi);
out:
	rcu_read_unlock();
	return NETDEV_TX_OK;
}

/* XDP_REDIRECT target: copy into skbs queued to the peer (simple; not on the ZC path). */
static int sp_xdp_xmit(struct net_device *dev, int n, struct xdp_frame **frames, u32 flags)
{
	struct sp_priv *p = netdev_priv(dev);
	struct net_device *peer;
	struct sp_priv *pp;
	int i, sent = 0;

	rcu_read_lock();
	peer = sp_peer(p);
	if (!peer || !netif_running(peer)) {
		rcu_read_unlock();
		return -ENETDOWN;
	}
	pp = netdev_priv(peer);
	for (i = 0; i < n; i++) {
		struct sk_buff *skb = netdev_alloc_skb(peer, frames[i]->len);

		if (!skb || skb_queue_len(&pp->rxskbs) >= SP_RXQ_MAX) {
			kfree_skb(skb);
			break;
		}
		skb_put_data(skb, frames[i]->data, frames[i]->len);
		skb_queue_tail(&pp->rxskbs, skb);
		xdp_return_frame(frames[i]);
		sent++;
	}
	if (sent)
		napi_schedule(&pp->napi);
	rcu_read_unlock();
	return sent;	/* core frees the rest */
}

static int sp_xsk_pool_enable(struct net_device *dev, struct xsk_buff_pool *pool, u16 qid)
{
	struct sp_priv *p = netdev_priv(dev);
	int err;

	if (qid != 0)
		return -EINVAL;
	if (p->pool)
		return -EBUSY;
	err = xsk_pool_dma_map(pool, &sp_pdev->dev, 0);
	if (err) {
		netdev_err(dev, "xsk_pool_dma_map: %d\n", err);
		return err;
	}
	err = xdp_rxq_info_reg(&p->rxq_xsk, dev, 0, p->napi.napi_id);
	if (err)
		goto unmap;
	err = xdp_rxq_info_reg_mem_model(&p->rxq_xsk, MEM_TYPE_XSK_BUFF_POOL, NULL);
	if (err)
		goto unreg;
	xsk_pool_set_rxq_info(pool, &p->rxq_xsk);
	WRITE_ONCE(p->pool, pool);
	netdev_info(dev, "XSK pool bound to queue %u (zero-copy), need_wakeup=%d\n",
		    qid, xsk_uses_need_wakeup(pool));
	if (netif_running(dev)) {
		local_bh_disable();
		napi_schedule(&p->napi);
		local_bh_enable();
	}
	return 0;
unreg:
	xdp_rxq_info_unreg(&p->rxq_xsk);
unmap:
	xsk_pool_dma_unmap(pool, 0);
	return err;
}

static int sp_xsk_pool_disable(struct net_device *dev, u16 qid)
{
	struct sp_priv *p = netdev_priv(dev);
	struct xsk_buff_pool *pool = p->pool;

	if (qid != 0 || !pool)
		return -EINVAL;
	WRITE_ONCE(p->pool, NULL);
	synchronize_net();	/* no NAPI (ours or the peer's) still uses the pool */
	xdp_rxq_info_unreg(&p->rxq_xsk);
	xsk_pool_dma_unmap(pool, 0);
	netdev_info(dev, "XSK pool unbound from queue %u\n", qid);
	return 0;
}

static int sp_bpf(struct net_device *dev, struct netdev_bpf *bpf)
{
	struct sp_priv *p = netdev_priv(dev);
	struct bpf_prog *old;

	switch (bpf->command) {
	case XDP_SETUP_PROG:
		old = rtnl_dereference(p->xdp_prog);
		rcu_assign_pointer(p->xdp_prog, bpf->prog);
		if (old)
			bpf_prog_put(old);
		return 0;
	case XDP_SETUP_XSK_POOL:
		return bpf->xsk.pool ? sp_xsk_pool_enable(dev, bpf->xsk.pool, bpf->xsk.queue_id)
				     : sp_xsk_pool_disable(dev, bpf->xsk.queue_id);
	default:
		return -EINVAL;
	}
}

static int sp_xsk_wakeup(struct net_device *dev, u32 qid, u32 flags)
{
	struct sp_priv *p = netdev_priv(dev);
	struct net_device *peer;

	if (!netif_running(dev))
		return -ENETDOWN;
	if (qid != 0 || !READ_ONCE(p->pool))
		return -EINVAL;
	local_bh_disable();
	napi_schedule(&p->napi);
	/* RX wakeup: the fill ring was refilled; the peer's TX NAPI may be stalled on it */
	if (flags & XDP_WAKEUP_RX) {
		rcu_read_lock();
		peer = sp_peer(p);
		if (peer && netif_running(peer))
			napi_schedule(&((struct sp_priv *)netdev_priv(peer))->napi);
		rcu_read_unlock();
	}
	local_bh_enable();
	return 0;
}

static int sp_open(struct net_device *dev)
{
	struct sp_priv *p = netdev_priv(dev);
	struct net_device *peer = rtnl_dereference(p->peer);

	napi_enable(&p->napi);
	netif_start_queue(dev);
	if (peer && netif_running(peer)) {
		netif_carrier_on(dev);
		netif_carrier_on(peer);
	}
	return 0;
}

static int sp_stop(struct net_device *dev)
{
	struct sp_priv *p = netdev_priv(dev);
	struct net_device *peer = rtnl_dereference(p->peer);

	netif_carrier_off(dev);
	if (peer)
		netif_carrier_off(peer);
	netif_stop_queue(dev);
	napi_disable(&p->napi);
	synchronize_net();
	skb_queue_purge(&p->rxskbs);
	return 0;
}

static void sp_get_stats64(struct net_device *dev, struct rtnl_link_stats64 *s)
{
	struct sp_priv *p = netdev_priv(dev);

	s->rx_packets = atomic64_read(&p->rx_pkts);
	s->rx_bytes = atomic64_read(&p->rx_bytes);
	s->rx_dropped = atomic64_read(&p->rx_drops);
	s->rx_missed_errors = atomic64_read(&p->xsk_rx_nobuf);
	s->tx_packets = atomic64_read(&p->tx_pkts);
	s->tx_bytes = atomic64_read(&p->tx_bytes);
}

static const struct net_device_ops sp_ops = {
	.ndo_open = sp_open,
	.ndo_stop = sp_stop,
	.ndo_start_xmit = sp_xmit,
	.ndo_get_stats64 = sp_get_stats64,
	.ndo_bpf = sp_bpf,
	.ndo_xdp_xmit = sp_xdp_xmit,
	.ndo_xsk_wakeup = sp_xsk_wakeup,
	.ndo_set_mac_address = eth_mac_addr,
};

static struct net_device *sp_create(const char *name)
{
	struct net_device *dev = alloc_etherdev(sizeof(struct sp_priv));
	struct sp_priv *p;

	if (!dev)
		return NULL;
	strscpy(dev->name, name, IFNAMSIZ);
	dev->netdev_ops = &sp_ops;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = 3000;
	eth_hw_addr_random(dev);
	SET_NETDEV_DEV(dev, &sp_pdev->dev);
	p = netdev_priv(dev);
	p->dev = dev;
	spin_lock_init(&p->rx_lock);
	skb_queue_head_init(&p->rxskbs);
	netif_napi_add(dev, &p->napi, sp_poll);
	return dev;
}

static void sp_destroy(struct net_device *dev)
{
	struct sp_priv *p = netdev_priv(dev);

	if (xdp_rxq_info_is_reg(&p->rxq_page))
		xdp_rxq_info_unreg(&p->rxq_page);
	netif_napi_del(&p->napi);
	free_netdev(dev);
}

static int __init sp_init(void)
{
	int err, i;

	sp_pdev = platform_device_register_simple("sovnet_poc", -1, NULL, 0);
	if (IS_ERR(sp_pdev))
		return PTR_ERR(sp_pdev);
	err = 0;
	if (dmamode == 0)
		err = dma_set_mask_and_coherent(&sp_pdev->dev, DMA_BIT_MASK(64));
	else if (dmamode == 2)
		sp_pdev->dev.dma_mask = NULL;
	if (err) {
		pr_err("sovnet_poc: dma_set_mask_and_coherent(64): %d\n", err);
		goto out_pdev;
	}
	for (i = 0; i < 2; i++) {
		sp_devs[i] = sp_create(i ? "sp1" : "sp0");
		if (!sp_devs[i]) {
			err = -ENOMEM;
			goto out_free;
		}
	}
	RCU_INIT_POINTER(((struct sp_priv *)netdev_priv(sp_devs[0]))->peer, sp_devs[1]);
	RCU_INIT_POINTER(((struct sp_priv *)netdev_priv(sp_devs[1]))->peer, sp_devs[0]);
	for (i = 0; i < 2; i++) {
		struct sp_priv *p = netdev_priv(sp_devs[i]);

		err = register_netdev(sp_devs[i]);
		if (err)
			goto out_unreg;
		err = xdp_rxq_info_reg(&p->rxq_page, sp_devs[i], 0, p->napi.napi_id);
		if (!err)
			err = xdp_rxq_info_reg_mem_model(&p->rxq_page, MEM_TYPE_PAGE_SHARED, NULL);
		if (err) {
			unregister_netdev(sp_devs[i]);
			goto out_unreg;
		}
	}
	pr_info("sovnet_poc: sp0<->sp1 on platform device %s, dma mask %llx\n",
		dev_name(&sp_pdev->dev), sp_pdev->dev.dma_mask ?
		(unsigned long long)dma_get_mask(&sp_pdev->dev) : 0ULL);
	return 0;
out_unreg:
	while (--i >= 0)
		unregister_netdev(sp_devs[i]);
	i = 2;
out_free:
	while (--i >= 0)
		sp_destroy(sp_devs[i]);
out_pdev:
	platform_device_unregister(sp_pdev);
	return err;
}

static void __exit sp_exit(void)
{
	int i;

	/* unregister_netdev -> NETDEV_UNREGISTER: xsk unbinds sockets (XDP_SETUP_XSK_POOL
	 * disable) and the core uninstalls XDP programs (XDP_SETUP_PROG NULL) */
	for (i = 0; i < 2; i++)
		unregister_netdev(sp_devs[i]);
	for (i = 0; i < 2; i++)
		sp_destroy(sp_devs[i]);
	platform_device_unregister(sp_pdev);	/* last: pools were mapped against it */
}

module_init(sp_init);
module_exit(sp_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("AF_XDP zero-copy proof on a virtual netdev pair");
