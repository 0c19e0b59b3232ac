// SPDX-License-Identifier: GPL-2.0
/*
 * The sovnet pair's net_device: one queue pair and one NAPI per end. An end's
 * NAPI delivers the skbs queued to it by its peer (stack traffic, copy-mode
 * AF_XDP, XDP_TX, ndo_xdp_xmit) and drains its own zero-copy XSK TX ring into
 * the peer (xsk.c). XSK pools are DMA-mapped against a platform device with a
 * 64-bit mask, registered first and unregistered last.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/etherdevice.h>
#include <linux/filter.h>
#include <linux/platform_device.h>
#include <linux/rtnetlink.h>

#include "../sovereign.h"
#include "netio.h"

static struct platform_device *sovnet_pdev;

struct device *sovnet_dma_dev(void)
{
	return &sovnet_pdev->dev;
}

/* A copy of @data up the stack of @dev (NAPI context). */
void sovnet_rx_skb(struct net_device *dev, const void *data, u32 len)
{
	struct sovnet_priv *p = sovnet_priv(dev);
	struct sk_buff *skb = netdev_alloc_skb_ip_align(dev, len);

	if (!skb) {
		atomic64_inc(&p->rx_drops);
		return;
	}
	skb_put_data(skb, data, len);
	skb->protocol = eth_type_trans(skb, dev);
	netif_receive_skb(skb);
}

/* Queue a copy of @data for @to's NAPI (off the zero-copy path). RCU held. */
bool sovnet_queue_copy(struct net_device *to, const void *data, u32 len)
{
	struct sovnet_priv *tp = sovnet_priv(to);
	struct sk_buff *skb;

	if (!netif_running(to) || skb_queue_len(&tp->rxskbs) >= SOVNET_RXQ_MAX)
		goto drop;
	skb = netdev_alloc_skb(to, len);
	if (!skb)
		goto drop;
	skb_put_data(skb, data, len);
	skb_queue_tail(&tp->rxskbs, skb);
	napi_schedule(&tp->napi);
	return true;
drop:
	atomic64_inc(&tp->rx_drops);
	return false;
}

static int sovnet_poll(struct napi_struct *napi, int budget)
{
	struct sovnet_priv *p = container_of(napi, struct sovnet_priv, napi);
	struct sk_buff *skb;
	int done = 0, txn = 0;
	bool more = false;

	rcu_read_lock();
	if (!skb_queue_empty(&p->rxskbs)) {
		spin_lock(&p->rx_lock);
		while (done < budget && (skb = skb_dequeue(&p->rxskbs))) {
			if (!skb_linearize(skb))
				sovnet_deliver(p->dev, skb->data, skb->len);
			else
				atomic64_inc(&p->rx_drops);
			consume_skb(skb);
			done++;
		}
		xdp_do_flush();
		spin_unlock(&p->rx_lock);
	}
	if (done < budget)
		txn = sovnet_xsk_tx(p, budget - done, &more);
	rcu_read_unlock();
	done += txn;
	if (more || done >= budget)
		return budget;
	if (napi_complete_done(napi, done) && !skb_queue_empty(&p->rxskbs))
		napi_schedule(napi);
	return done;
}

static netdev_tx_t sovnet_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct sovnet_priv *p = sovnet_priv(dev);
	struct net_device *peer;
	struct sovnet_priv *pp;

	rcu_read_lock();
	peer = rcu_dereference(p->peer);
	if (!peer || !netif_running(peer)) {
		atomic64_inc(&p->rx_drops);
		kfree_skb(skb);
		goto out;
	}
	pp = sovnet_priv(peer);
	if (skb_queue_len(&pp->rxskbs) >= SOVNET_RXQ_MAX) {
		atomic64_inc(&pp->rx_drops);
		kfree_skb(skb);
		goto out;
	}
	atomic64_inc(&p->tx_pkts);
	atomic64_add(skb->len, &p->tx_bytes);
	skb_orphan(skb);
	if (skb_orphan_frags(skb, GFP_ATOMIC)) {
		kfree_skb(skb);
		goto out;
	}
	skb_queue_tail(&pp->rxskbs, skb);
	napi_schedule(&pp->napi);
out:
	rcu_read_unlock();
	return NETDEV_TX_OK;
}

/* The carrier of both ends is on while both are up. */
static int sovnet_open(struct net_device *dev)
{
	struct sovnet_priv *p = sovnet_priv(dev);
	struct net_device *peer = rtnl_dereference(p->peer);

	napi_enable(&p->napi);
	netif_start_queue(dev);
	if (peer && netif_running(peer)) {
		netif_carrier_on(dev);
		netif_carrier_on(peer);
	}
	return 0;
}

static int sovnet_stop(struct net_device *dev)
{
	struct sovnet_priv *p = sovnet_priv(dev);
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

static int sovnet_init(struct net_device *dev)
{
	struct sovnet_priv *p = sovnet_priv(dev);
	int err;

	netif_napi_add(dev, &p->napi, sovnet_poll);
	err = xdp_rxq_info_reg(&p->rxq_page, dev, 0, p->napi.napi_id);
	if (err)
		return err;
	err = xdp_rxq_info_reg_mem_model(&p->rxq_page, MEM_TYPE_PAGE_SHARED,
					 NULL);
	if (err)
		xdp_rxq_info_unreg(&p->rxq_page);
	return err;
}

/* After NETDEV_UNREGISTER: sockets are unbound, the XDP program removed. */
static void sovnet_uninit(struct net_device *dev)
{
	struct sovnet_priv *p = sovnet_priv(dev);

	if (xdp_rxq_info_is_reg(&p->rxq_page))
		xdp_rxq_info_unreg(&p->rxq_page);
	skb_queue_purge(&p->rxskbs);
}

static void sovnet_get_stats64(struct net_device *dev,
			       struct rtnl_link_stats64 *s)
{
	struct sovnet_priv *p = sovnet_priv(dev);

	s->rx_packets = atomic64_read(&p->rx_pkts);
	s->rx_bytes = atomic64_read(&p->rx_bytes);
	s->rx_dropped = atomic64_read(&p->rx_drops);
	s->rx_missed_errors = atomic64_read(&p->xsk_rx_nobuf);
	s->tx_packets = atomic64_read(&p->tx_pkts);
	s->tx_bytes = atomic64_read(&p->tx_bytes);
}

static const struct net_device_ops sovnet_netdev_ops = {
	.ndo_init		= sovnet_init,
	.ndo_uninit		= sovnet_uninit,
	.ndo_open		= sovnet_open,
	.ndo_stop		= sovnet_stop,
	.ndo_start_xmit		= sovnet_xmit,
	.ndo_get_stats64	= sovnet_get_stats64,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_bpf		= sovnet_bpf,
	.ndo_xdp_xmit		= sovnet_xdp_xmit,
	.ndo_xsk_wakeup		= sovnet_xsk_wakeup,
};

void sovnet_setup(struct net_device *dev)
{
	struct sovnet_priv *p = sovnet_priv(dev);

	ether_setup(dev);
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE;
	dev->netdev_ops = &sovnet_netdev_ops;
	dev->needs_free_netdev = true;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = SOVNET_MAX_MTU;
	p->dev = dev;
	spin_lock_init(&p->rx_lock);
	skb_queue_head_init(&p->rxskbs);
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
