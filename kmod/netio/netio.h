/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netio: the "sovnet" virtual pair. device.c has the netdev ops, the skb
 * path, the queues and the subsystem's init/exit; link.c the rtnl_link_ops;
 * xdp.c delivery through a native XDP program and ndo_xdp_xmit; xsk.c AF_XDP
 * zero-copy (pool bind/unbind, TX into the peer, wakeup); ethtool.c the
 * ethtool ops. SOVNET_KIND, SOVNET_INFO_* and SOV_NETIO_QUEUES_MAX are the
 * uapi's (uapi/linux/sovereign_netio.h).
 */
#ifndef _SOV_NETIO_H
#define _SOV_NETIO_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/xdp.h>

#include "../sovereign.h"

/* skbs waiting for one queue's RX NAPI */
#define SOVNET_RXQ_MAX		4096
/* a frame must fit in one page after XDP's headroom (copy-mode receive) */
#define SOVNET_MAX_MTU		3000

/* one queue's counters; summed over the queues by ndo_get_stats64 */
enum sovnet_qstat {
	SOVNET_QS_RX_PKTS,	/* delivered into this end (stack, XDP, socket) */
	SOVNET_QS_RX_BYTES,
	SOVNET_QS_TX_PKTS,	/* sent by this end and taken by the peer */
	SOVNET_QS_TX_BYTES,
	SOVNET_QS_XSK_TX,	/* of tx: from this queue's XSK TX ring */
	SOVNET_QS_XSK_RX,	/* of rx: redirected out of this queue's XSK buffer */
	SOVNET_QS_RX_NOBUF,	/* the XSK fill ring was empty */
	SOVNET_QS_RX_DROPS,	/* dropped on the way in (full queue, no memory, XDP_DROP) */
	SOVNET_QS_TX_INVALID,	/* XSK TX descriptors refused (length) and completed */
	SOVNET_QS_NUM
};

/*
 * One queue pair. Queue q of an end receives what queue q of its peer sends
 * (skbs by their queue mapping, bounded by this end's real queue count). Its
 * RX NAPI delivers the skbs queued to it; its TX NAPI drains its XSK TX ring
 * into the peer's queue q.
 */
struct sovnet_queue {
	struct sovnet_priv *priv;
	u16 qid;
	struct napi_struct rx_napi;
	struct napi_struct tx_napi;
	struct xsk_buff_pool *pool;	/* READ_ONCE; freed after synchronize_net() */
	struct xdp_rxq_info rxq_xsk;	/* MEM_TYPE_XSK_BUFF_POOL while a pool is bound */
	struct xdp_rxq_info rxq_page;	/* MEM_TYPE_PAGE_SHARED */
	spinlock_t rx_lock;		/* one producer into this queue at a time */
	struct sk_buff_head rxskbs;	/* sent to this queue, waiting for its RX NAPI */
	atomic64_t stats[SOVNET_QS_NUM];
};

struct sovnet_priv {
	struct net_device *dev;
	struct net_device __rcu *peer;
	struct bpf_prog __rcu *xdp_prog;
	struct sovnet_queue q[SOV_NETIO_QUEUES_MAX];
};

static inline struct sovnet_priv *sovnet_priv(const struct net_device *dev)
{
	return netdev_priv(dev);
}

static inline void sovnet_qadd(struct sovnet_queue *q, enum sovnet_qstat s,
			       u64 v)
{
	atomic64_add(v, &q->stats[s]);
}

/* Queue @qid of @dev, bounded by its real RX queue count (peer's view). */
static inline struct sovnet_queue *sovnet_rxq(struct net_device *dev, u32 qid)
{
	u32 n = READ_ONCE(dev->real_num_rx_queues);

	return &sovnet_priv(dev)->q[qid < n ? qid : qid % n];
}

/* device.c */
struct device *sovnet_dma_dev(void);
void sovnet_setup(struct net_device *dev);
u64 sovnet_qstat_sum(struct net_device *dev, enum sovnet_qstat s);
void sovnet_rx_skb(struct sovnet_queue *q, const void *data, u32 len);
bool sovnet_queue_copy(struct sovnet_queue *to, const void *data, u32 len);
int sov_netio_init(void);
void sov_netio_exit(void);

/*
 * Every frame an end sends reaches its peer through one of these, one per
 * kind; TX classes (classify, count the flow, hold while the class has no
 * tokens) go at their top, before the peer is touched:
 *   sovnet_tx_skb()       device.c  ndo_start_xmit (stack, copy-mode AF_XDP)
 *   sovnet_tx_xsk()       xsk.c     a descriptor of an XSK TX ring (zero-copy)
 *   sovnet_tx_xdp_buff()  xdp.c     XDP_TX of the receiving end's program
 *   sovnet_tx_xdp_frame() xdp.c     ndo_xdp_xmit (XDP_REDIRECT into an end)
 * An XSK descriptor is held by not peeking it (sovnet_xsk_tx's loop).
 */
netdev_tx_t sovnet_tx_skb(struct sovnet_priv *p, struct sk_buff *skb);

/* link.c */
int sovnet_link_init(void);
void sovnet_link_exit(void);

/* xdp.c */
bool sovnet_deliver(struct sovnet_queue *q, const void *data, u32 len);
bool sovnet_tx_xdp_buff(struct sovnet_queue *q, struct xdp_buff *xdp);
bool sovnet_tx_xdp_frame(struct net_device *dev, struct xdp_frame *frame);
int sovnet_bpf(struct net_device *dev, struct netdev_bpf *bpf);
int sovnet_xdp_xmit(struct net_device *dev, int n, struct xdp_frame **frames,
		    u32 flags);

/* xsk.c */
int sovnet_xsk_pool_setup(struct net_device *dev, struct xsk_buff_pool *pool,
			  u16 qid);
int sovnet_xsk_tx(struct sovnet_queue *q, int budget, bool *more);
int sovnet_xsk_wakeup(struct net_device *dev, u32 qid, u32 flags);
bool sovnet_any_pool(struct net_device *dev);

/* ethtool.c */
extern const struct ethtool_ops sovnet_ethtool_ops;

#endif /* _SOV_NETIO_H */
