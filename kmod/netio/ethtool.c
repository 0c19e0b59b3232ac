// SPDX-License-Identifier: GPL-2.0
/*
 * ethtool on a sovnet end: -i (driver "sovnet", the module's version), -l/-L
 * (combined queue pairs, 1 to the count the pair was made with), link state,
 * and -S: every queue's counters, the end's totals, each TX class's
 * counters, the flow table's use and the end-wide bucket's throttled
 * count. The offload flags (-k/-K) are the core's, from hw_features
 * (device.c).
 */
#include <linux/ethtool.h>
#include <linux/rtnetlink.h>

#include "netio.h"

/* -S names of enum sovnet_qstat: per queue (a %u for the queue), then total */
static const char * const sovnet_qstat_names[SOVNET_QS_NUM][2] = {
	[SOVNET_QS_RX_PKTS]	= { "rxq%u_packets", "rx_packets" },
	[SOVNET_QS_RX_BYTES]	= { "rxq%u_bytes", "rx_bytes" },
	[SOVNET_QS_TX_PKTS]	= { "txq%u_packets", "tx_packets" },
	[SOVNET_QS_TX_BYTES]	= { "txq%u_bytes", "tx_bytes" },
	[SOVNET_QS_XSK_TX]	= { "txq%u_xsk", "tx_xsk" },
	[SOVNET_QS_XSK_RX]	= { "rxq%u_xsk", "rx_xsk" },
	[SOVNET_QS_RX_NOBUF]	= { "rxq%u_nobuf", "rx_nobuf" },
	[SOVNET_QS_RX_DROPS]	= { "rxq%u_drops", "rx_drops" },
	[SOVNET_QS_TX_INVALID]	= { "txq%u_invalid", "tx_invalid" },
};

/* -S names of each TX class's counters (a %u for the class) */
static const char * const sovnet_cstat_names[] = {
	"class%u_tx_packets", "class%u_tx_bytes", "class%u_drops",
	"class%u_throttled",
};

/* then the end's: the flow table's and the end-wide bucket's */
static const char * const sovnet_estat_names[] = {
	"flows_used", "flow_collisions", "tx_throttled",
};

/*
 * The layout of -S: SOVNET_QS_NUM counters for each real queue, then the
 * SOVNET_QS_NUM totals, then each class's counters, then the end's.
 */
static int sovnet_sset_count(struct net_device *dev)
{
	return (dev->real_num_rx_queues + 1) * SOVNET_QS_NUM +
	       SOV_NETIO_CLASSES * ARRAY_SIZE(sovnet_cstat_names) +
	       ARRAY_SIZE(sovnet_estat_names);
}

static void sovnet_get_drvinfo(struct net_device *dev,
			       struct ethtool_drvinfo *info)
{
	strscpy(info->driver, SOVNET_KIND, sizeof(info->driver));
	strscpy(info->version, SOV_VERSION, sizeof(info->version));
}

static void sovnet_get_channels(struct net_device *dev,
				struct ethtool_channels *ch)
{
	ch->max_combined = dev->num_rx_queues;
	ch->combined_count = dev->real_num_rx_queues;
}

static int sovnet_set_real_queues(struct net_device *dev, u32 n)
{
	int err = netif_set_real_num_tx_queues(dev, n);

	return err ? err : netif_set_real_num_rx_queues(dev, n);
}

/*
 * Both ends always have as many queue pairs: -L on one end sets both. It is
 * refused while a pool is bound on either end (the pool belongs to a queue
 * that would move or go), and above what either end was made with.
 */
static int sovnet_set_channels(struct net_device *dev,
			       struct ethtool_channels *ch)
{
	struct net_device *peer = rtnl_dereference(sovnet_priv(dev)->peer);
	u32 n = ch->combined_count, old = dev->real_num_rx_queues;
	int err;

	if (n == old)
		return 0;
	if (!n || ch->rx_count || ch->tx_count || ch->other_count) {
		netdev_err(dev, "only combined channels, 1 to %u\n",
			   dev->num_rx_queues);
		return -EINVAL;
	}
	if (sovnet_any_pool(dev) || (peer && sovnet_any_pool(peer))) {
		netdev_err(dev, "cannot change the queue count: an XSK pool is bound on %s\n",
			   sovnet_any_pool(dev) ? dev->name : peer->name);
		return -EBUSY;
	}
	if (peer && n > peer->num_rx_queues) {
		netdev_err(dev, "cannot set %u queue pairs: the peer %s was made with %u\n",
			   n, peer->name, peer->num_rx_queues);
		return -EINVAL;
	}
	err = sovnet_set_real_queues(dev, n);
	if (!err && peer) {
		err = sovnet_set_real_queues(peer, n);
		if (err)
			sovnet_set_real_queues(dev, old);
	}
	if (err)
		netdev_err(dev, "setting %u queue pairs failed: %d\n", n, err);
	return err;
}

static int sovnet_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? sovnet_sset_count(dev) : -EOPNOTSUPP;
}

static void sovnet_get_strings(struct net_device *dev, u32 sset, u8 *buf)
{
	u32 i, s;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < dev->real_num_rx_queues; i++)
		for (s = 0; s < SOVNET_QS_NUM; s++)
			ethtool_sprintf(&buf, sovnet_qstat_names[s][0], i);
	for (s = 0; s < SOVNET_QS_NUM; s++)
		ethtool_sprintf(&buf, "%s", sovnet_qstat_names[s][1]);
	for (i = 0; i < SOV_NETIO_CLASSES; i++)
		for (s = 0; s < ARRAY_SIZE(sovnet_cstat_names); s++)
			ethtool_sprintf(&buf, sovnet_cstat_names[s], i);
	for (s = 0; s < ARRAY_SIZE(sovnet_estat_names); s++)
		ethtool_sprintf(&buf, "%s", sovnet_estat_names[s]);
}

static void sovnet_get_ethtool_stats(struct net_device *dev,
				     struct ethtool_stats *stats, u64 *data)
{
	struct sovnet_priv *p = sovnet_priv(dev);
	struct sov_txs_class *c;
	u64 used, coll, thr;
	u32 i, s;

	for (i = 0; i < dev->real_num_rx_queues; i++)
		for (s = 0; s < SOVNET_QS_NUM; s++)
			*data++ = atomic64_read(&p->q[i].stats[s]);
	/* totals over every queue the end has, the inactive ones included */
	for (s = 0; s < SOVNET_QS_NUM; s++)
		*data++ = sovnet_qstat_sum(dev, s);
	/* a consistent copy: the TX lock, no allocation, so taken here */
	spin_lock_bh(&p->tx.lock);
	for (i = 0; i < SOV_NETIO_CLASSES; i++) {
		c = &p->tx.s.cls[i];
		*data++ = c->tx_pkts;
		*data++ = c->tx_bytes;
		*data++ = c->drops;
		*data++ = c->throttled;
	}
	used = p->tx.ft->used;
	coll = p->tx.ft->collisions;
	thr = p->tx.s.link_throttled;
	spin_unlock_bh(&p->tx.lock);
	*data++ = used;
	*data++ = coll;
	*data++ = thr;
}

const struct ethtool_ops sovnet_ethtool_ops = {
	.get_drvinfo		= sovnet_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_channels		= sovnet_get_channels,
	.set_channels		= sovnet_set_channels,
	.get_sset_count		= sovnet_get_sset_count,
	.get_strings		= sovnet_get_strings,
	.get_ethtool_stats	= sovnet_get_ethtool_stats,
};
