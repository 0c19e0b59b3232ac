// SPDX-License-Identifier: GPL-2.0
/*
 * rtnl_link_ops "sovnet": `ip link add sv0 type sovnet peer name sv1`. The
 * peer's attributes arrive nested in IFLA_INFO_DATA/SOVNET_INFO_PEER behind
 * a struct ifinfomsg; the peer is registered first, then the device the
 * request names, then the two are tied. Deleting either end deletes both;
 * rtnl_link_unregister() deletes every pair in every namespace.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <net/rtnetlink.h>

#include "netio.h"

static struct rtnl_link_ops sovnet_link_ops;

/* Queue pairs: as many TX as RX queues, 1..SOV_NETIO_QUEUES_MAX. */
static int sovnet_validate_queues(struct nlattr *tb[],
				  struct netlink_ext_ack *extack)
{
	struct nlattr *tx = tb[IFLA_NUM_TX_QUEUES], *rx = tb[IFLA_NUM_RX_QUEUES];

	if (tx && nla_get_u32(tx) > SOV_NETIO_QUEUES_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, tx, "sovnet: numtxqueues must be 1 to 8");
		return -EINVAL;
	}
	if (rx && nla_get_u32(rx) > SOV_NETIO_QUEUES_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, rx, "sovnet: numrxqueues must be 1 to 8");
		return -EINVAL;
	}
	if ((tx ? nla_get_u32(tx) : 1) != (rx ? nla_get_u32(rx) : 1)) {
		NL_SET_ERR_MSG_ATTR(extack, tx ? tx : rx,
				    "sovnet: numtxqueues and numrxqueues must be equal (queue pairs)");
		return -EINVAL;
	}
	return 0;
}

static int sovnet_validate(struct nlattr *tb[], struct nlattr *data[],
			   struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		if (nla_len(tb[IFLA_ADDRESS]) != ETH_ALEN) {
			NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
					    "sovnet: address must be 6 bytes");
			return -EINVAL;
		}
		if (!is_valid_ether_addr(nla_data(tb[IFLA_ADDRESS]))) {
			NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
					    "sovnet: address must be a unicast, non-zero MAC");
			return -EADDRNOTAVAIL;
		}
	}
	return sovnet_validate_queues(tb, extack);
}

/*
 * The peer takes the device's queue counts unless it names its own, which
 * must then be the same (queue q of one end delivers to queue q of the other).
 */
static int sovnet_peer_queues(struct net_device *dev, struct nlattr *ptb[],
			      struct nlattr *tb[],
			      struct netlink_ext_ack *extack)
{
	struct nlattr *a = ptb[IFLA_NUM_TX_QUEUES] ? ptb[IFLA_NUM_TX_QUEUES] :
			   ptb[IFLA_NUM_RX_QUEUES];

	if (!a) {
		ptb[IFLA_NUM_TX_QUEUES] = tb[IFLA_NUM_TX_QUEUES];
		ptb[IFLA_NUM_RX_QUEUES] = tb[IFLA_NUM_RX_QUEUES];
		return 0;
	}
	if (nla_get_u32(a) != dev->num_tx_queues) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "sovnet: the peer must have as many queue pairs as the device");
		return -EINVAL;
	}
	return 0;
}

static int sovnet_newlink(struct net *src_net, struct net_device *dev,
			  struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	struct nlattr *peer_tb[IFLA_MAX + 1], **ptb = tb;
	unsigned char assign = NET_NAME_ENUM;
	struct ifinfomsg *ifm = NULL;
	struct net_device *peer;
	char name[IFNAMSIZ];
	struct net *net;
	int err;

	if (data && data[SOVNET_INFO_PEER]) {
		ifm = nla_data(data[SOVNET_INFO_PEER]);
		err = rtnl_nla_parse_ifinfomsg(peer_tb, data[SOVNET_INFO_PEER],
					       extack);
		if (err < 0)
			return err;
		err = sovnet_validate(peer_tb, NULL, extack);
		if (err < 0)
			return err;
		err = sovnet_peer_queues(dev, peer_tb, tb, extack);
		if (err < 0)
			return err;
		ptb = peer_tb;
	}
	if (ifm && ptb[IFLA_IFNAME]) {
		nla_strscpy(name, ptb[IFLA_IFNAME], IFNAMSIZ);
		assign = NET_NAME_USER;
	} else {
		strscpy(name, SOVNET_KIND "%d", IFNAMSIZ);
	}

	net = rtnl_link_get_net(src_net, ptb);
	if (IS_ERR(net))
		return PTR_ERR(net);
	peer = rtnl_create_link(net, name, assign, &sovnet_link_ops, ptb,
				extack);
	if (IS_ERR(peer)) {
		put_net(net);
		return PTR_ERR(peer);
	}
	if (!ifm || !ptb[IFLA_ADDRESS])
		eth_hw_addr_random(peer);
	if (ifm && dev->ifindex)
		peer->ifindex = ifm->ifi_index;
	err = register_netdevice(peer);
	put_net(net);
	if (err < 0) {
		free_netdev(peer);
		return err;
	}
	netif_carrier_off(peer);
	err = rtnl_configure_link(peer, ifm, 0, NULL);
	if (err < 0)
		goto err_peer;

	if (!tb[IFLA_ADDRESS])
		eth_hw_addr_random(dev);
	err = register_netdevice(dev);
	if (err < 0)
		goto err_peer;
	netif_carrier_off(dev);

	rcu_assign_pointer(sovnet_priv(dev)->peer, peer);
	rcu_assign_pointer(sovnet_priv(peer)->peer, dev);
	return 0;

err_peer:
	unregister_netdevice(peer);
	return err;
}

/*
 * Called under RTNL, also from default_device_exit_batch() and
 * rtnl_link_unregister(); the devices are freed only after an RCU grace
 * period, so a data path holding rcu_read_lock() may still use the peer.
 */
static void sovnet_dellink(struct net_device *dev, struct list_head *head)
{
	struct sovnet_priv *p = sovnet_priv(dev);
	struct net_device *peer = rtnl_dereference(p->peer);

	RCU_INIT_POINTER(p->peer, NULL);
	unregister_netdevice_queue(dev, head);
	if (peer) {
		RCU_INIT_POINTER(sovnet_priv(peer)->peer, NULL);
		unregister_netdevice_queue(peer, head);
	}
}

static struct net *sovnet_get_link_net(const struct net_device *dev)
{
	struct net_device *peer = rtnl_dereference(sovnet_priv(dev)->peer);

	return peer ? dev_net(peer) : dev_net(dev);
}

static const struct nla_policy sovnet_policy[SOVNET_INFO_MAX + 1] = {
	[SOVNET_INFO_PEER]	= { .len = sizeof(struct ifinfomsg) },
};

static struct rtnl_link_ops sovnet_link_ops = {
	.kind		= SOVNET_KIND,
	.priv_size	= sizeof(struct sovnet_priv),
	.setup		= sovnet_setup,
	.validate	= sovnet_validate,
	.newlink	= sovnet_newlink,
	.dellink	= sovnet_dellink,
	.policy		= sovnet_policy,
	.maxtype	= SOVNET_INFO_MAX,
	.get_link_net	= sovnet_get_link_net,
};

int sovnet_link_init(void)
{
	return rtnl_link_register(&sovnet_link_ops);
}

void sovnet_link_exit(void)
{
	rtnl_link_unregister(&sovnet_link_ops);
}

MODULE_ALIAS_RTNL_LINK(SOVNET_KIND);
