// SPDX-License-Identifier: GPL-2.0
/*
 * The SOV_CMD_NETIO_* commands (uapi/linux/sovereign_netio.h): an end is
 * looked up in the caller's namespace by ifindex or ifname under RTNL (so
 * that it stays registered, and its flow table allocated, while it is
 * read); its classes and flow table are copied under its TX lock and the
 * reply is built from the copies with that lock released. NETIO_SET checks
 * every attribute before it changes anything.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/filter.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>
#include <net/sock.h>

#include "netio.h"

static const struct nla_policy sov_netio_class_policy[SOV_A_NETIO_CLASS_MAX + 1] = {
	[SOV_A_NETIO_CLASS_ID]		= { .type = NLA_U8 },
	[SOV_A_NETIO_CLASS_RATE]	= { .type = NLA_U64 },
	[SOV_A_NETIO_CLASS_BURST]	= { .type = NLA_U32 },
};

static const struct nla_policy sov_netio_queue_policy[SOV_A_NETIO_QUEUE_MAX + 1] = {
	[SOV_A_NETIO_QUEUE_ID]		= { .type = NLA_U32 },
	[SOV_A_NETIO_QUEUE_CLASS]	= { .type = NLA_U8 },
};

const struct nla_policy sov_netio_get_policy[SOV_A_NETIO_MAX + 1] = {
	[SOV_A_NETIO_IFINDEX]	= { .type = NLA_U32 },
	[SOV_A_NETIO_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
};

const struct nla_policy sov_netio_set_policy[SOV_A_NETIO_MAX + 1] = {
	[SOV_A_NETIO_IFINDEX]	= { .type = NLA_U32 },
	[SOV_A_NETIO_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[SOV_A_NETIO_RATE]	= { .type = NLA_U64 },
	[SOV_A_NETIO_PRIOMAP]	= { .type = NLA_BINARY },
	[SOV_A_NETIO_CLASS]	= NLA_POLICY_NESTED(sov_netio_class_policy),
	[SOV_A_NETIO_QUEUE]	= NLA_POLICY_NESTED(sov_netio_queue_policy),
	[SOV_A_NETIO_RESET]	= { .type = NLA_FLAG },
};

/* NL_SET_ERR_MSG_ATTR for the checks' static strings (6.1's macro wants a literal). */
static void sov_netio_err(struct netlink_ext_ack *extack, const struct nlattr *attr,
			  const char *why)
{
	if (extack) {
		extack->_msg = why;
		extack->bad_attr = attr;
	}
}

static bool sov_netio_is_sovnet(const struct net_device *dev)
{
	return dev->rtnl_link_ops && !strcmp(dev->rtnl_link_ops->kind, SOVNET_KIND);
}

/* The end named by @attrs in @net (RTNL held), or NULL with the reason in @extack. */
static struct net_device *sov_netio_lookup(struct net *net, struct nlattr **attrs,
					   struct netlink_ext_ack *extack)
{
	struct nlattr *idx = attrs[SOV_A_NETIO_IFINDEX];
	struct nlattr *name = attrs[SOV_A_NETIO_IFNAME];
	struct net_device *dev;

	if (idx) {
		dev = __dev_get_by_index(net, nla_get_u32(idx));
		if (!dev) {
			NL_SET_ERR_MSG_ATTR(extack, idx,
					    "ifindex: no device with this ifindex in this namespace (expected a sovnet end)");
			return NULL;
		}
		if (!sov_netio_is_sovnet(dev)) {
			NL_SET_ERR_MSG_ATTR(extack, idx,
					    "ifindex: the device is not a sovnet end (expected a sovnet device)");
			return NULL;
		}
	} else if (name) {
		dev = __dev_get_by_name(net, nla_data(name));
		if (!dev) {
			NL_SET_ERR_MSG_ATTR(extack, name,
					    "ifname: no sovnet device of this name in this namespace");
			return NULL;
		}
		if (!sov_netio_is_sovnet(dev)) {
			NL_SET_ERR_MSG_ATTR(extack, name,
					    "ifname: the device is not a sovnet end (expected a sovnet device)");
			return NULL;
		}
	} else {
		NL_SET_ERR_MSG(extack, "ifindex or ifname of a sovnet end is required");
		return NULL;
	}
	return dev;
}

/* What a GET or STATS_GET reply says, copied under the end's TX lock. */
struct sov_netio_snap {
	struct sov_txs_stats st;
	u32 flows_used;
	u64 collisions;
};

static void sov_netio_snapshot(struct sovnet_priv *p, struct sov_netio_snap *sn)
{
	spin_lock_bh(&p->tx.lock);
	sov_txs_stats(&p->tx.s, ktime_get_ns(), &sn->st);
	sn->flows_used = p->tx.ft->used;
	sn->collisions = p->tx.ft->collisions;
	spin_unlock_bh(&p->tx.lock);
}

static int sov_netio_put_dev(struct sk_buff *skb, struct net_device *dev)
{
	struct net_device *peer = rtnl_dereference(sovnet_priv(dev)->peer);
	struct bpf_prog *prog = rtnl_dereference(sovnet_priv(dev)->xdp_prog);

	if (nla_put_u32(skb, SOV_A_NETIO_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, SOV_A_NETIO_IFNAME, dev->name))
		return -EMSGSIZE;
	if (peer) {
		if (nla_put_u32(skb, SOV_A_NETIO_PEER_IFINDEX, peer->ifindex))
			return -EMSGSIZE;
		if (!net_eq(dev_net(dev), dev_net(peer)) &&
		    nla_put_s32(skb, SOV_A_NETIO_PEER_NETNSID,
				peernet2id_alloc(dev_net(dev), dev_net(peer),
						 GFP_KERNEL)))
			return -EMSGSIZE;
	}
	if (nla_put_u32(skb, SOV_A_NETIO_QUEUES, dev->real_num_tx_queues) ||
	    nla_put_u32(skb, SOV_A_NETIO_MTU, dev->mtu) ||
	    nla_put_u8(skb, SOV_A_NETIO_CARRIER, netif_carrier_ok(dev)))
		return -EMSGSIZE;
	if (prog && nla_put_u32(skb, SOV_A_NETIO_XDP_PROG_ID, prog->aux->id))
		return -EMSGSIZE;
	return 0;
}

/* a u64 of a CLASS nest */
static int sov_netio_put_u64(struct sk_buff *skb, int type, u64 v)
{
	return nla_put_u64_64bit(skb, type, v, SOV_A_NETIO_CLASS_PAD);
}

static int sov_netio_put_class(struct sk_buff *skb, u32 c,
			       const struct sov_txs_class_stats *cs, bool stats)
{
	struct nlattr *nest = nla_nest_start(skb, SOV_A_NETIO_CLASS);

	if (!nest ||
	    nla_put_u8(skb, SOV_A_NETIO_CLASS_ID, c) ||
	    sov_netio_put_u64(skb, SOV_A_NETIO_CLASS_RATE, cs->rate) ||
	    nla_put_u32(skb, SOV_A_NETIO_CLASS_BURST, cs->burst))
		return -EMSGSIZE;
	if (stats &&
	    (sov_netio_put_u64(skb, SOV_A_NETIO_CLASS_TX_PKTS, cs->tx_pkts) ||
	     sov_netio_put_u64(skb, SOV_A_NETIO_CLASS_TX_BYTES, cs->tx_bytes) ||
	     nla_put_u32(skb, SOV_A_NETIO_CLASS_BACKLOG, cs->backlog) ||
	     sov_netio_put_u64(skb, SOV_A_NETIO_CLASS_THROTTLED, cs->throttled) ||
	     sov_netio_put_u64(skb, SOV_A_NETIO_CLASS_DROPS, cs->drops) ||
	     (cs->rate && nla_put_s64(skb, SOV_A_NETIO_CLASS_TOKENS, cs->tokens,
				      SOV_A_NETIO_CLASS_PAD))))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static const u8 sov_netio_qstat_attr[SOVNET_QS_NUM] = {
	[SOVNET_QS_RX_PKTS]	= SOV_A_NETIO_QUEUE_RX_PKTS,
	[SOVNET_QS_RX_BYTES]	= SOV_A_NETIO_QUEUE_RX_BYTES,
	[SOVNET_QS_TX_PKTS]	= SOV_A_NETIO_QUEUE_TX_PKTS,
	[SOVNET_QS_TX_BYTES]	= SOV_A_NETIO_QUEUE_TX_BYTES,
	[SOVNET_QS_XSK_TX]	= SOV_A_NETIO_QUEUE_XSK_TX,
	[SOVNET_QS_XSK_RX]	= SOV_A_NETIO_QUEUE_XSK_RX,
	[SOVNET_QS_RX_NOBUF]	= SOV_A_NETIO_QUEUE_RX_NOBUF,
	[SOVNET_QS_RX_DROPS]	= SOV_A_NETIO_QUEUE_RX_DROPS,
	[SOVNET_QS_TX_INVALID]	= SOV_A_NETIO_QUEUE_TX_INVALID,
};

static int sov_netio_put_queue(struct sk_buff *skb, struct net_device *dev,
			       u32 i, const struct sov_txs_stats *st, bool stats)
{
	struct sovnet_queue *q = &sovnet_priv(dev)->q[i];
	struct nlattr *nest = nla_nest_start(skb, SOV_A_NETIO_QUEUE);
	u32 s;

	if (!nest ||
	    nla_put_u32(skb, SOV_A_NETIO_QUEUE_ID, i) ||
	    nla_put_u8(skb, SOV_A_NETIO_QUEUE_CLASS, st->queue_class[i]) ||
	    nla_put_u8(skb, SOV_A_NETIO_QUEUE_ZC, !!READ_ONCE(q->pool)))
		return -EMSGSIZE;
	for (s = 0; stats && s < SOVNET_QS_NUM; s++)
		if (nla_put_u64_64bit(skb, sov_netio_qstat_attr[s],
				      atomic64_read(&q->stats[s]),
				      SOV_A_NETIO_QUEUE_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* One GET (@stats false) or STATS_GET reply about @dev; RTNL held. */
static int sov_netio_fill(struct sk_buff *skb, struct net_device *dev,
			  const struct sov_netio_snap *sn, bool stats)
{
	const struct sov_txs_stats *st = &sn->st;
	u32 i;

	if (stats) {
		if (nla_put_u32(skb, SOV_A_NETIO_IFINDEX, dev->ifindex) ||
		    nla_put_string(skb, SOV_A_NETIO_IFNAME, dev->name) ||
		    nla_put_u32(skb, SOV_A_NETIO_FLOWS_USED, sn->flows_used) ||
		    nla_put_u64_64bit(skb, SOV_A_NETIO_COLLISIONS, sn->collisions,
				      SOV_A_NETIO_PAD) ||
		    nla_put_u64_64bit(skb, SOV_A_NETIO_TX_INVALID,
				      sovnet_qstat_sum(dev, SOVNET_QS_TX_INVALID),
				      SOV_A_NETIO_PAD) ||
		    nla_put_u64_64bit(skb, SOV_A_NETIO_THROTTLED, st->link_throttled,
				      SOV_A_NETIO_PAD))
			return -EMSGSIZE;
	} else {
		if (sov_netio_put_dev(skb, dev) ||
		    nla_put_u64_64bit(skb, SOV_A_NETIO_RATE, st->rate, SOV_A_NETIO_PAD) ||
		    nla_put(skb, SOV_A_NETIO_PRIOMAP, sizeof(st->priomap), st->priomap))
			return -EMSGSIZE;
	}
	for (i = 0; i < SOV_NETIO_CLASSES; i++)
		if (sov_netio_put_class(skb, i, &st->cls[i], stats))
			return -EMSGSIZE;
	for (i = 0; i < dev->real_num_tx_queues; i++)
		if (sov_netio_put_queue(skb, dev, i, st, stats))
			return -EMSGSIZE;
	return 0;
}

static int sov_netio_reply(struct genl_info *info, u8 cmd, bool stats)
{
	struct sov_netio_snap *sn;
	struct net_device *dev;
	struct sk_buff *msg;
	void *hdr;
	int err;

	sn = kmalloc(sizeof(*sn), GFP_KERNEL);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	err = -ENOMEM;
	if (!sn || !msg)
		goto out;
	rtnl_lock();
	dev = sov_netio_lookup(genl_info_net(info), info->attrs, info->extack);
	err = -ENODEV;
	if (dev) {
		sov_netio_snapshot(sovnet_priv(dev), sn);
		hdr = genlmsg_put_reply(msg, info, &sov_genl_family, 0, cmd);
		err = hdr ? sov_netio_fill(msg, dev, sn, stats) : -EMSGSIZE;
	}
	rtnl_unlock();
	if (err)
		goto out;
	genlmsg_end(msg, hdr);
	kfree(sn);
	return genlmsg_reply(msg, info);
out:
	nlmsg_free(msg);
	kfree(sn);
	return err;
}

int sov_nl_netio_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return sov_netio_reply(info, SOV_CMD_NETIO_GET, false);
}

int sov_nl_netio_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return sov_netio_reply(info, SOV_CMD_NETIO_STATS_GET, true);
}

/* args: [0] sovnet ends already dumped */
int sov_nl_netio_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(cb->skb->sk);
	struct sov_netio_snap *sn;
	struct net_device *dev;
	long i = 0;
	void *hdr;

	sn = kmalloc(sizeof(*sn), GFP_KERNEL);
	if (!sn)
		return -ENOMEM;
	rtnl_lock();
	for_each_netdev(net, dev) {
		if (!sov_netio_is_sovnet(dev) || i++ < cb->args[0])
			continue;
		sov_netio_snapshot(sovnet_priv(dev), sn);
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &sov_genl_family,
				  NLM_F_MULTI, SOV_CMD_NETIO_GET);
		if (!hdr)
			break;
		if (sov_netio_fill(skb, dev, sn, false)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = i;
	}
	rtnl_unlock();
	kfree(sn);
	return skb->len;
}

/* The checked values of one NETIO_SET */
struct sov_netio_req {
	u64 rate;
	const u8 *priomap;
	u8 cls_set[SOV_NETIO_CLASSES];
	u64 cls_rate[SOV_NETIO_CLASSES];
	u32 cls_burst[SOV_NETIO_CLASSES];
	s8 queue_class[SOV_NETIO_QUEUES_MAX];	/* -1: unchanged */
};

static int sov_netio_check_class(struct nlattr *nest, u32 mtu, struct sov_netio_req *r,
				 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SOV_A_NETIO_CLASS_MAX + 1];
	const char *why;
	u32 id, burst;
	u64 rate;
	int err;

	err = nla_parse_nested(tb, SOV_A_NETIO_CLASS_MAX, nest, sov_netio_class_policy, extack);
	if (err)
		return err;
	if (!tb[SOV_A_NETIO_CLASS_ID]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "class: an id (0..7) is required");
		return -EINVAL;
	}
	id = nla_get_u8(tb[SOV_A_NETIO_CLASS_ID]);
	why = sov_txs_check_class_id(id);
	if (why) {
		sov_netio_err(extack, tb[SOV_A_NETIO_CLASS_ID], why);
		return -EINVAL;
	}
	if (!tb[SOV_A_NETIO_CLASS_RATE] && !tb[SOV_A_NETIO_CLASS_BURST]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "class: a rate is required (0: not shaped)");
		return -EINVAL;
	}
	rate = tb[SOV_A_NETIO_CLASS_RATE] ? nla_get_u64(tb[SOV_A_NETIO_CLASS_RATE]) : 0;
	burst = tb[SOV_A_NETIO_CLASS_BURST] ? nla_get_u32(tb[SOV_A_NETIO_CLASS_BURST]) : 0;
	why = sov_txs_check_rate(rate, burst, mtu);
	if (why) {
		sov_netio_err(extack, tb[SOV_A_NETIO_CLASS_BURST] ?
				    tb[SOV_A_NETIO_CLASS_BURST] : tb[SOV_A_NETIO_CLASS_RATE], why);
		return -EINVAL;
	}
	r->cls_set[id] = 1;
	r->cls_rate[id] = rate;
	r->cls_burst[id] = burst;
	return 0;
}

static int sov_netio_check_queue(struct nlattr *nest, struct net_device *dev,
				 struct sov_netio_req *r, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SOV_A_NETIO_QUEUE_MAX + 1];
	const char *why;
	u32 id, cls;
	int err;

	err = nla_parse_nested(tb, SOV_A_NETIO_QUEUE_MAX, nest, sov_netio_queue_policy, extack);
	if (err)
		return err;
	if (!tb[SOV_A_NETIO_QUEUE_ID] || !tb[SOV_A_NETIO_QUEUE_CLASS]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "queue: an id and a class are required");
		return -EINVAL;
	}
	id = nla_get_u32(tb[SOV_A_NETIO_QUEUE_ID]);
	if (id >= dev->real_num_tx_queues) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SOV_A_NETIO_QUEUE_ID],
				    "queue id must be below the end's queue count");
		return -EINVAL;
	}
	cls = nla_get_u8(tb[SOV_A_NETIO_QUEUE_CLASS]);
	why = sov_txs_check_class_id(cls);
	if (why) {
		sov_netio_err(extack, tb[SOV_A_NETIO_QUEUE_CLASS], why);
		return -EINVAL;
	}
	r->queue_class[id] = cls;
	return 0;
}

/* Every attribute of a NETIO_SET into @r, or the first reason it is refused. */
static int sov_netio_check_set(struct genl_info *info, struct net_device *dev,
			       struct sov_netio_req *r)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *a;
	const char *why;
	int rem, bad, err;

	memset(r, 0, sizeof(*r));
	memset(r->queue_class, -1, sizeof(r->queue_class));
	a = info->attrs[SOV_A_NETIO_RATE];
	if (a) {
		r->rate = nla_get_u64(a);
		why = sov_txs_check_rate(r->rate, 0, dev->mtu);
		if (why) {
			sov_netio_err(extack, a, why);
			return -EINVAL;
		}
	}
	a = info->attrs[SOV_A_NETIO_PRIOMAP];
	if (a) {
		why = sov_txs_check_priomap(nla_data(a), nla_len(a), &bad);
		if (why) {
			sov_netio_err(extack, a, why);
			return -EINVAL;
		}
		r->priomap = nla_data(a);
	}
	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(a) == SOV_A_NETIO_CLASS)
			err = sov_netio_check_class(a, dev->mtu, r, extack);
		else if (nla_type(a) == SOV_A_NETIO_QUEUE)
			err = sov_netio_check_queue(a, dev, r, extack);
		else
			err = 0;
		if (err)
			return err;
	}
	return 0;
}

int sov_nl_netio_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sov_netio_req *r;
	struct net_device *dev;
	struct sovnet_tx *t;
	u64 now;
	int err;
	u32 i;

	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	rtnl_lock();
	dev = sov_netio_lookup(genl_info_net(info), info->attrs, info->extack);
	err = dev ? sov_netio_check_set(info, dev, r) : -ENODEV;
	if (err)
		goto out;
	t = &sovnet_priv(dev)->tx;
	spin_lock_bh(&t->lock);
	now = ktime_get_ns();
	if (r->priomap)
		sov_txs_set_priomap(&t->s, r->priomap);
	for (i = 0; i < SOV_NETIO_QUEUES_MAX; i++)
		if (r->queue_class[i] >= 0)
			sov_txs_set_queue_class(&t->s, i, r->queue_class[i]);
	for (i = 0; i < SOV_NETIO_CLASSES; i++)
		if (r->cls_set[i])
			sov_txs_set_class_rate(&t->s, i, r->cls_rate[i], r->cls_burst[i], now);
	if (info->attrs[SOV_A_NETIO_RATE])
		sov_txs_set_rate(&t->s, r->rate, now);
	if (info->attrs[SOV_A_NETIO_RESET]) {
		sov_txs_reset_counters(&t->s);
		sov_flowtab_reset(t->ft);
	}
	spin_unlock_bh(&t->lock);
	/* frames waiting for tokens may go now */
	if (netif_running(dev))
		sovnet_tx_wake(sovnet_priv(dev));
out:
	rtnl_unlock();
	kfree(r);
	return err;
}

static int sov_netio_put_flow(struct sk_buff *skb, u32 idx,
			      const struct sov_flowtab_entry *e)
{
	struct nlattr *nest = nla_nest_start(skb, SOV_A_NETIO_FLOW);
	const struct sov_flow_key *k = &e->key;

	if (!nest ||
	    nla_put_u32(skb, SOV_A_NETIO_FLOW_INDEX, idx) ||
	    nla_put_u32(skb, SOV_A_NETIO_FLOW_HASH, e->hash) ||
	    nla_put_u8(skb, SOV_A_NETIO_FLOW_PROTO, k->proto) ||
	    nla_put_u16(skb, SOV_A_NETIO_FLOW_ETHERTYPE, ntohs(k->ethertype)) ||
	    nla_put_u8(skb, SOV_A_NETIO_FLOW_CLASS, e->cls) ||
	    nla_put_u64_64bit(skb, SOV_A_NETIO_FLOW_PKTS, e->pkts, SOV_A_NETIO_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SOV_A_NETIO_FLOW_BYTES, e->bytes, SOV_A_NETIO_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SOV_A_NETIO_FLOW_COLLISIONS, e->collisions,
			      SOV_A_NETIO_FLOW_PAD))
		return -EMSGSIZE;
	if (k->addr_len &&
	    (nla_put(skb, SOV_A_NETIO_FLOW_SRC, k->addr_len, k->src) ||
	     nla_put(skb, SOV_A_NETIO_FLOW_DST, k->addr_len, k->dst)))
		return -EMSGSIZE;
	if (k->vlan && nla_put_u16(skb, SOV_A_NETIO_FLOW_VLAN, k->vlan))
		return -EMSGSIZE;
	if (k->has_ports &&
	    (nla_put_u16(skb, SOV_A_NETIO_FLOW_SPORT, ntohs(k->sport)) ||
	     nla_put_u16(skb, SOV_A_NETIO_FLOW_DPORT, ntohs(k->dport))))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* args: [0] next flow table index; the end is looked up again each call */
int sov_nl_netio_flow_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct sov_flowtab_entry e;
	struct net_device *dev;
	struct sovnet_tx *t;
	u32 pos = cb->args[0];
	int idx, err = 0;
	void *hdr;

	rtnl_lock();
	dev = sov_netio_lookup(sock_net(cb->skb->sk), info->attrs, cb->extack);
	if (!dev) {
		err = -ENODEV;
		goto out;
	}
	t = &sovnet_priv(dev)->tx;
	for (;;) {
		spin_lock_bh(&t->lock);
		idx = sov_flowtab_get(t->ft, &pos, &e);
		spin_unlock_bh(&t->lock);
		if (idx < 0)
			break;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &sov_genl_family, NLM_F_MULTI, SOV_CMD_NETIO_FLOW_GET);
		if (!hdr)
			break;
		if (nla_put_u32(skb, SOV_A_NETIO_IFINDEX, dev->ifindex) ||
		    sov_netio_put_flow(skb, idx, &e)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = pos;
	}
out:
	rtnl_unlock();
	return err ? err : skb->len;
}
