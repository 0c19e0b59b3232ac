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

#include <linux/hrtimer.h>
#include <linux/if_xdp.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/xdp.h>

#include "../sovereign.h"
#include "flowtab.h"
#include "txsched.h"

/* skbs waiting for one queue's RX NAPI */
#define SOVNET_RXQ_MAX		4096
/* skbs one TX class holds before it drops (ndo_start_xmit, XDP_TX, xdp_xmit) */
#define SOVNET_TXQ_CLASS_MAX	1024
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
 * RX NAPI delivers the skbs queued to it; the end's TX NAPI (txpath.c)
 * drains its XSK TX ring into the peer's queue q.
 */
struct sovnet_queue {
	struct sovnet_priv *priv;
	u16 qid;
	struct napi_struct rx_napi;
	struct xsk_buff_pool *pool;	/* READ_ONCE; freed after synchronize_net() */
	struct xdp_rxq_info rxq_xsk;	/* MEM_TYPE_XSK_BUFF_POOL while a pool is bound */
	struct xdp_rxq_info rxq_page;	/* MEM_TYPE_PAGE_SHARED */
	spinlock_t rx_lock;		/* one producer into this queue at a time */
	struct sk_buff_head rxskbs;	/* sent to this queue, waiting for its RX NAPI */
	atomic64_t stats[SOVNET_QS_NUM];
};

/* an XSK TX descriptor peeked from its queue's ring, waiting for its class */
struct sovnet_held {
	struct xdp_desc desc;
	u8 cls;
	bool valid;
};

/*
 * The end's TX scheduling point (txpath.c): classes and flow table under
 * @lock, which also guards @cq, @held and @rr; one NAPI for the whole end.
 */
struct sovnet_tx {
	spinlock_t lock;		/* the end's TX lock: everything below */
	struct sov_txs s;
	struct sov_flowtab *ft;
	struct sk_buff_head cq[SOV_NETIO_CLASSES];	/* skbs per class */
	struct sovnet_held held[SOV_NETIO_QUEUES_MAX];
	u8 rr[SOV_NETIO_CLASSES];	/* the class's next source, round robin */
	u32 flow_hint;			/* sov_flowtab_count_frame_hint() */
	struct napi_struct napi;
	struct hrtimer timer;		/* every class waits for tokens */
};

struct sovnet_priv {
	struct net_device *dev;
	struct net_device __rcu *peer;
	struct bpf_prog __rcu *xdp_prog;
	struct sovnet_queue q[SOV_NETIO_QUEUES_MAX];
	struct sovnet_tx tx;
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
void sovnet_tx_skb_out(struct sovnet_priv *p, struct sk_buff *skb);
int sov_netio_init(void);
void sov_netio_exit(void);

/*
 * Every frame an end sends goes through the end's TX classes (txpath.c):
 *   sovnet_tx_skb()       ndo_start_xmit (stack, copy-mode AF_XDP): queued
 *                         in its class
 *   sovnet_tx_copy()      XDP_TX and ndo_xdp_xmit (xdp.c): a copy, queued
 *                         as an skb of priority 0
 *   XSK TX rings          peeked by the end's TX NAPI, one descriptor per
 *                         queue held until its class may send it
 * and reaches the peer from the TX NAPI through sovnet_tx_skb_out()
 * (device.c) or sovnet_tx_xsk() (xsk.c).
 */
/* txpath.c */
int sovnet_tx_init(struct sovnet_priv *p);
void sovnet_tx_uninit(struct sovnet_priv *p);
netdev_tx_t sovnet_tx_skb(struct sovnet_priv *p, struct sk_buff *skb);
bool sovnet_tx_copy(struct sovnet_priv *p, u32 qid, const void *data, u32 len);
void sovnet_tx_wake(struct sovnet_priv *p);
void sovnet_tx_unhold(struct sovnet_priv *p, u32 qid,
		      struct xsk_buff_pool *pool);
void sovnet_tx_flush(struct sovnet_priv *p);

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
void sovnet_tx_xsk(struct sovnet_queue *q, struct sovnet_queue *pq,
		   struct xsk_buff_pool *pool, const struct xdp_desc *desc);
int sovnet_xsk_wakeup(struct net_device *dev, u32 qid, u32 flags);
bool sovnet_any_pool(struct net_device *dev);

/* netlink.c: the SOV_CMD_NETIO_* handlers (kmod/netlink.c's ops table) */
extern const struct nla_policy sov_netio_get_policy[SOV_A_NETIO_MAX + 1];
extern const struct nla_policy sov_netio_set_policy[SOV_A_NETIO_MAX + 1];
int sov_nl_netio_get_doit(struct sk_buff *skb, struct genl_info *info);
int sov_nl_netio_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int sov_nl_netio_set_doit(struct sk_buff *skb, struct genl_info *info);
int sov_nl_netio_stats_get_doit(struct sk_buff *skb, struct genl_info *info);
int sov_nl_netio_flow_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);

/* ethtool.c */
extern const struct ethtool_ops sovnet_ethtool_ops;

#endif /* _SOV_NETIO_H */
