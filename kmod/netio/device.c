// SPDX-License-Identifier: GPL-2.0
/*
 * The sovnet pair's net_device: 1..SOV_NETIO_QUEUES_MAX queue pairs per end,
 * an RX NAPI per queue pair, one TX NAPI per end. A queue's RX NAPI delivers
 * the skbs its peer queued to it (stack traffic, copy-mode AF_XDP, XDP_TX,
 * ndo_xdp_xmit): with no XDP program the skb itself goes up the stack, as
 * veth does (GSO and checksum state kept); with a program it is copied into
 * an xdp_buff. What an end sends goes through its TX classes and its one TX
 * NAPI (txpath.c), which also drains the zero-copy XSK TX rings (xsk.c).
 * XSK pools are DMA-mapped against a platform device with a 64-bit mask,
 * registered first and unregistered last.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/etherdevice.h>
#include <linux/filter.h>
#include <linux/platform_device.h>
#include <linux/rtnetlink.h>
#include <net/xdp_sock_drv.h>

#include "netio.h"

/* what an end offers and accepts: veth's software offloads */
#define SOVNET_FEATURES	(NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HW_CSUM | \
			 NETIF_F_RXCSUM | NETIF_F_HIGHDMA | \
			 NETIF_F_GSO_SOFTWARE)

static struct platform_device *sovnet_pdev;

struct device *sovnet_dma_dev(void)
{
	return &sovnet_pdev->dev;
}

u64 sovnet_qstat_sum(struct net_device *dev, enum sovnet_qstat s)
{
	struct sovnet_priv *p = sovnet_priv(dev);
	u64 sum = 0;
	u32 i;

	for (i = 0; i < dev->num_rx_queues; i++)
		sum += atomic64_read(&p->q[i].stats[s]);
	return sum;
}

/* A copy of @data up the stack of @q's device (NAPI context). */
void sovnet_rx_skb(struct sovnet_queue *q, const void *data, u32 len)
{
	struct net_device *dev = q->priv->dev;
	struct sk_buff *skb;

	if (len < ETH_HLEN)
		goto drop;
	skb = netdev_alloc_skb_ip_align(dev, len);
	if (!skb)
		goto drop;
	skb_put_data(skb, data, len);
	skb->protocol = eth_type_trans(skb, dev);
	skb_record_rx_queue(skb, q->qid);
	netif_receive_skb(skb);
	return;
drop:
	sovnet_qadd(q, SOVNET_QS_RX_DROPS, 1);
}

/* One linear, checksummed frame into @q through its XDP program; frees @skb. */
static void sovnet_rx_xdp_skb(struct sovnet_queue *q, struct sk_buff *skb)
{
	if ((skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)) ||
	    skb_linearize(skb)) {
		sovnet_qadd(q, SOVNET_QS_RX_DROPS, 1);
		kfree_skb(skb);
		return;
	}
	sovnet_deliver(q, skb->data, skb->len);
	consume_skb(skb);
}

/*
 * One skb sent to @q by the peer. With no program it goes up as it is; a
 * program sees one frame per xdp_buff, so a GSO skb is segmented in software
 * first (its checksums computed) and each segment runs the program.
 */
static void sovnet_rx_one(struct sovnet_queue *q, struct sk_buff *skb)
{
	struct net_device *dev = q->priv->dev;
	struct sk_buff *segs, *seg, *next;
	u32 len = skb->len;

	if (!rcu_access_pointer(q->priv->xdp_prog)) {
		if (!is_skb_forwardable(dev, skb)) {
			sovnet_qadd(q, SOVNET_QS_RX_DROPS, 1);
			kfree_skb(skb);
			return;
		}
		/* scrubs it, sets its protocol; counts and frees what fails */
		if (__dev_forward_skb(dev, skb))
			return;
		skb_record_rx_queue(skb, q->qid);
		netif_receive_skb(skb);
		sovnet_qadd(q, SOVNET_QS_RX_PKTS, 1);
		sovnet_qadd(q, SOVNET_QS_RX_BYTES, len);
		return;
	}
	if (!skb_is_gso(skb)) {
		sovnet_rx_xdp_skb(q, skb);
		return;
	}
	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		sovnet_qadd(q, SOVNET_QS_RX_DROPS, 1);
		kfree_skb(skb);
		return;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		sovnet_rx_xdp_skb(q, seg);
	}
}

static int sovnet_rx_poll(struct napi_struct *napi, int budget)
{
	struct sovnet_queue *q = container_of(napi, struct sovnet_queue,
					      rx_napi);
	struct sk_buff *skb;
	int done = 0;

	rcu_read_lock();
	if (!skb_queue_empty(&q->rxskbs)) {
		spin_lock(&q->rx_lock);
		while (done < budget && (skb = skb_dequeue(&q->rxskbs))) {
			sovnet_rx_one(q, skb);
			done++;
		}
		xdp_do_flush();
		spin_unlock(&q->rx_lock);
	}
	rcu_read_unlock();
	if (done >= budget)
		return budget;
	if (napi_complete_done(napi, done) && !skb_queue_empty(&q->rxskbs))
		napi_schedule(napi);
	return done;
}

/* An skb @p's TX classes let go (its TX NAPI): onto the peer's queue. */
void sovnet_tx_skb_out(struct sovnet_priv *p, struct sk_buff *skb)
{
	u16 qid = skb_get_queue_mapping(skb);
	struct sovnet_queue *q = &p->q[qid < SOV_NETIO_QUEUES_MAX ? qid : 0];
	struct net_device *peer;
	struct sovnet_queue *pq;
	u32 len = skb->len;

	rcu_read_lock();
	peer = rcu_dereference(p->peer);
	if (!peer || !netif_running(peer)) {
		dev_core_stats_tx_dropped_inc(p->dev);
		goto drop;
	}
	pq = sovnet_rxq(peer, q->qid);
	if (skb_queue_len(&pq->rxskbs) >= SOVNET_RXQ_MAX) {
		sovnet_qadd(pq, SOVNET_QS_RX_DROPS, 1);
		goto drop;
	}
	skb_orphan(skb);
	if (skb_orphan_frags(skb, GFP_ATOMIC)) {
		dev_core_stats_tx_dropped_inc(p->dev);
		goto drop;
	}
	skb_queue_tail(&pq->rxskbs, skb);
	napi_schedule(&pq->rx_napi);
	sovnet_qadd(q, SOVNET_QS_TX_PKTS, 1);
	sovnet_qadd(q, SOVNET_QS_TX_BYTES, len);
	rcu_read_unlock();
	return;
drop:
	rcu_read_unlock();
	kfree_skb(skb);
}

static netdev_tx_t sovnet_xmit(struct sk_buff *skb, struct net_device *dev)
{
	return sovnet_tx_skb(sovnet_priv(dev), skb);
}

/* The carrier of both ends is on while both are up. */
static int sovnet_open(struct net_device *dev)
{
	struct sovnet_priv *p = sovnet_priv(dev);
	struct net_device *peer = rtnl_dereference(p->peer);
	u32 i;

	for (i = 0; i < dev->num_rx_queues; i++)
		napi_enable(&p->q[i].rx_napi);
	napi_enable(&p->tx.napi);
	netif_tx_start_all_queues(dev);
	if (peer && netif_running(peer)) {
		netif_carrier_on(dev);
		netif_carrier_on(peer);
	}
	/* a socket bound while the link was down may have queued frames */
	if (sovnet_any_pool(dev))
		sovnet_tx_wake(p);
	return 0;
}

static int sovnet_stop(struct net_device *dev)
{
	struct sovnet_priv *p = sovnet_priv(dev);
	struct net_device *peer = rtnl_dereference(p->peer);
	u32 i;

	netif_carrier_off(dev);
	if (peer)
		netif_carrier_off(peer);
	netif_tx_stop_all_queues(dev);
	for (i = 0; i < dev->num_rx_queues; i++)
		napi_disable(&p->q[i].rx_napi);
	napi_disable(&p->tx.napi);
	synchronize_net();
	/* what the classes hold is lost, the held XSK descriptors completed */
	sovnet_tx_flush(p);
	for (i = 0; i < dev->num_rx_queues; i++)
		skb_queue_purge(&p->q[i].rxskbs);
	return 0;
}

static void sovnet_uninit_queues(struct sovnet_priv *p, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		if (xdp_rxq_info_is_reg(&p->q[i].rxq_page))
			xdp_rxq_info_unreg(&p->q[i].rxq_page);
		skb_queue_purge(&p->q[i].rxskbs);
	}
}

/* One RX and one TX NAPI and a page-backed rxq per queue pair the end has. */
static int sovnet_init(struct net_device *dev)
{
	struct sovnet_priv *p = sovnet_priv(dev);
	struct sovnet_queue *q;
	int err;
	u32 i;

	err = sovnet_tx_init(p);
	if (err)
		return err;
	for (i = 0; i < dev->num_rx_queues; i++) {
		q = &p->q[i];
		netif_napi_add(dev, &q->rx_napi, sovnet_rx_poll);
		err = xdp_rxq_info_reg(&q->rxq_page, dev, i,
				       q->rx_napi.napi_id);
		if (err)
			goto err;
		err = xdp_rxq_info_reg_mem_model(&q->rxq_page,
						 MEM_TYPE_PAGE_SHARED, NULL);
		if (err) {
			xdp_rxq_info_unreg(&q->rxq_page);
			goto err;
		}
	}
	return 0;
err:
	sovnet_uninit_queues(p, i);
	sovnet_tx_uninit(p);
	return err;
}

/* After NETDEV_UNREGISTER: sockets are unbound, the XDP program removed. */
static void sovnet_uninit(struct net_device *dev)
{
	sovnet_uninit_queues(sovnet_priv(dev), dev->num_rx_queues);
	sovnet_tx_uninit(sovnet_priv(dev));
}

static void sovnet_get_stats64(struct net_device *dev,
			       struct rtnl_link_stats64 *s)
{
	s->rx_packets = sovnet_qstat_sum(dev, SOVNET_QS_RX_PKTS);
	s->rx_bytes = sovnet_qstat_sum(dev, SOVNET_QS_RX_BYTES);
	s->rx_dropped = sovnet_qstat_sum(dev, SOVNET_QS_RX_DROPS);
	s->rx_missed_errors = sovnet_qstat_sum(dev, SOVNET_QS_RX_NOBUF);
	s->tx_packets = sovnet_qstat_sum(dev, SOVNET_QS_TX_PKTS);
	s->tx_bytes = sovnet_qstat_sum(dev, SOVNET_QS_TX_BYTES);
	s->tx_errors = sovnet_qstat_sum(dev, SOVNET_QS_TX_INVALID);
}

/*
 * A bound pool must take a whole frame of the new MTU, or every frame the
 * peer sends at that size would be dropped: refuse the change instead.
 */
static int sovnet_change_mtu(struct net_device *dev, int mtu)
{
	struct sovnet_priv *p = sovnet_priv(dev);
	struct xsk_buff_pool *pool;
	u32 i;

	for (i = 0; i < dev->num_rx_queues; i++) {
		pool = READ_ONCE(p->q[i].pool);
		if (pool && xsk_pool_get_rx_frame_size(pool) < mtu + ETH_HLEN) {
			netdev_err(dev, "mtu %d does not fit the XSK pool bound on queue %u (frames of %u bytes)\n",
				   mtu, i, xsk_pool_get_rx_frame_size(pool));
			return -EINVAL;
		}
	}
	WRITE_ONCE(dev->mtu, mtu);
	spin_lock_bh(&p->tx.lock);
	sov_txs_set_mtu(&p->tx.s, mtu, ktime_get_ns());
	spin_unlock_bh(&p->tx.lock);
	return 0;
}

static const struct net_device_ops sovnet_netdev_ops = {
	.ndo_init		= sovnet_init,
	.ndo_uninit		= sovnet_uninit,
	.ndo_open		= sovnet_open,
	.ndo_stop		= sovnet_stop,
	.ndo_start_xmit		= sovnet_xmit,
	.ndo_get_stats64	= sovnet_get_stats64,
	.ndo_change_mtu		= sovnet_change_mtu,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_bpf		= sovnet_bpf,
	.ndo_xdp_xmit		= sovnet_xdp_xmit,
	.ndo_xsk_wakeup		= sovnet_xsk_wakeup,
};

void sovnet_setup(struct net_device *dev)
{
	struct sovnet_priv *p = sovnet_priv(dev);
	u32 i;

	ether_setup(dev);
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE;
	dev->netdev_ops = &sovnet_netdev_ops;
	dev->ethtool_ops = &sovnet_ethtool_ops;
	dev->needs_free_netdev = true;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = SOVNET_MAX_MTU;
	dev->features |= SOVNET_FEATURES;
	dev->hw_features = SOVNET_FEATURES;
	dev->vlan_features = SOVNET_FEATURES;
	p->dev = dev;
	for (i = 0; i < SOV_NETIO_QUEUES_MAX; i++) {
		p->q[i].priv = p;
		p->q[i].qid = i;
		spin_lock_init(&p->q[i].rx_lock);
		skb_queue_head_init(&p->q[i].rxskbs);
	}
}

/* The DMA device first, the link type last: no pair exists without it. */
int sov_netio_init(void)
{
	int err;

	sovnet_pdev = platform_device_register_simple(SOVNET_KIND, -1, NULL, 0);
	if (IS_ERR(sovnet_pdev))
		return PTR_ERR(sovnet_pdev);
	err = dma_set_mask_and_coherent(&sovnet_pdev->dev, DMA_BIT_MASK(64));
	if (err) {
		pr_err("netio: 64-bit DMA mask refused: %d\n", err);
		goto err_pdev;
	}
	err = sovnet_link_init();
	if (err)
		goto err_pdev;
	return 0;

err_pdev:
	platform_device_unregister(sovnet_pdev);
	sovnet_pdev = NULL;
	return err;
}

/* Deletes every pair (unbinding their sockets), then the DMA device. */
void sov_netio_exit(void)
{
	sovnet_link_exit();
	platform_device_unregister(sovnet_pdev);
	sovnet_pdev = NULL;
}
