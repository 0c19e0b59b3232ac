/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netio: the "sovnet" virtual pair. device.c has the netdev ops, the skb
 * path and the subsystem's init/exit; link.c the rtnl_link_ops; xdp.c
 * delivery through a native XDP program and ndo_xdp_xmit; xsk.c AF_XDP
 * zero-copy (pool bind/unbind, TX into the peer, wakeup).
 */
#ifndef _SOV_NETIO_H
#define _SOV_NETIO_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/xdp.h>

#define SOVNET_KIND		"sovnet"
/* skbs waiting for one end's NAPI */
#define SOVNET_RXQ_MAX		4096
/* a frame must fit in one page after XDP's headroom (copy-mode receive) */
#define SOVNET_MAX_MTU		3000

/* IFLA_INFO_DATA: the peer, as veth lays it out (a struct ifinfomsg, then IFLA_*) */
enum {
	SOVNET_INFO_UNSPEC,
	SOVNET_INFO_PEER,
	__SOVNET_INFO_MAX
};

#define SOVNET_INFO_MAX		(__SOVNET_INFO_MAX - 1)

struct sovnet_priv {
	struct net_device *dev;
	struct net_device __rcu *peer;
	struct napi_struct napi;
	struct bpf_prog __rcu *xdp_prog;
	struct xsk_buff_pool *pool;	/* READ_ONCE; freed after synchronize_net() */
	struct xdp_rxq_info rxq_xsk;	/* MEM_TYPE_XSK_BUFF_POOL while a pool is bound */
	struct xdp_rxq_info rxq_page;	/* MEM_TYPE_PAGE_SHARED */
	spinlock_t rx_lock;		/* one producer into this end at a time */
	struct sk_buff_head rxskbs;	/* sent to this end, waiting for its NAPI */
	atomic64_t rx_pkts, rx_bytes, rx_drops, tx_pkts, tx_bytes;
	atomic64_t xsk_tx, xsk_rx_nobuf;
};

static inline struct sovnet_priv *sovnet_priv(const struct net_device *dev)
{
	return netdev_priv(dev);
}

/* device.c */
struct device *sovnet_dma_dev(void);
void sovnet_setup(struct net_device *dev);
void sovnet_rx_skb(struct net_device *dev, const void *data, u32 len);
bool sovnet_queue_copy(struct net_device *to, const void *data, u32 len);
int sov_netio_init(void);
void sov_netio_exit(void);

/* link.c */
int sovnet_link_init(void);
void sovnet_link_exit(void);

/* xdp.c */
bool sovnet_deliver(struct net_device *dev, const void *data, u32 len);
int sovnet_bpf(struct net_device *dev, struct netdev_bpf *bpf);
int sovnet_xdp_xmit(struct net_device *dev, int n, struct xdp_frame **frames,
		    u32 flags);

/* xsk.c */
int sovnet_xsk_pool_setup(struct net_device *dev, struct xsk_buff_pool *pool,
			  u16 qid);
int sovnet_xsk_tx(struct sovnet_priv *p, int budget, bool *more);
int sovnet_xsk_wakeup(struct net_device *dev, u32 qid, u32 flags);

#endif /* _SOV_NETIO_H */
