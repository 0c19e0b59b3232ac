// SPDX-License-Identifier: GPL-2.0
/*
 * The "sov" qdisc's classes (sched.h): eight, fixed, 1:1 to 1:8. tc may
 * change a class's shaping and limit, attach filters to the qdisc, list
 * the classes and their statistics; it may not add or delete classes or
 * graft qdiscs under them (each class queues by flow itself).
 */
#include <linux/kernel.h>
#include <net/netlink.h>
#include <net/pkt_cls.h>

#include "sched.h"

static const struct nla_policy sov_class_policy[TCA_SOV_CLASS_MAX + 1] = {
	[TCA_SOV_CLASS_PAD]	= { .type = NLA_REJECT },
	[TCA_SOV_CLASS_RATE]	= { .type = NLA_U64 },
	[TCA_SOV_CLASS_BURST]	= NLA_POLICY_MIN(NLA_U32, 1),
	[TCA_SOV_CLASS_CEIL]	= { .type = NLA_U64 },
	[TCA_SOV_CLASS_LIMIT]	= NLA_POLICY_FULL_RANGE(NLA_U32, &sov_sched_limit_range),
};

void sov_class_init(struct sov_class *cl, u32 limit, u32 quantum, u64 now)
{
	sov_flows_init(&cl->flows, quantum);
	sov_tb_config(&cl->tb, 0, 0, 0, 0, now);
	gnet_stats_basic_sync_init(&cl->bstats);
	cl->limit = limit;
}

/* A burst when none is given: 4 ms at the rate, at least 2 MTUs. */
static u32 sov_class_default_burst(u64 rate, u32 mtu)
{
	return max_t(u64, 2 * mtu, min_t(u64, div_u64(rate, 250), U32_MAX));
}

int sov_class_change(struct Qdisc *sch, struct sov_class *cl, struct nlattr *opt,
		     struct netlink_ext_ack *extack)
{
	struct sov_sched *q = qdisc_priv(sch);
	struct nlattr *tb[TCA_SOV_CLASS_MAX + 1];
	struct sov_tb bucket;
	u64 rate, ceil;
	u32 burst;
	int err;

	if (!opt) {
		NL_SET_ERR_MSG(extack, "expected class options: rate, burst, ceil or limit");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, TCA_SOV_CLASS_MAX, opt, sov_class_policy, extack);
	if (err)
		return err;

	/* the new settings: what is given, the rest as it was */
	rate = tb[TCA_SOV_CLASS_RATE] ? nla_get_u64(tb[TCA_SOV_CLASS_RATE]) : cl->tb.rate;
	ceil = tb[TCA_SOV_CLASS_CEIL] ? nla_get_u64(tb[TCA_SOV_CLASS_CEIL]) : cl->tb.ceil;
	if (tb[TCA_SOV_CLASS_BURST])
		burst = nla_get_u32(tb[TCA_SOV_CLASS_BURST]);
	else if (tb[TCA_SOV_CLASS_RATE] || !cl->tb.burst)
		burst = sov_class_default_burst(rate, q->mtu);
	else
		burst = cl->tb.burst;
	/* rate 0 turns shaping off: a ceil left over from before goes too */
	if (tb[TCA_SOV_CLASS_RATE] && !rate && !tb[TCA_SOV_CLASS_CEIL])
		ceil = 0;

	if (ceil && !rate) {
		NL_SET_ERR_MSG_ATTR(extack, tb[TCA_SOV_CLASS_CEIL] ?: tb[TCA_SOV_CLASS_RATE],
				    "ceil needs a rate: expected a rate above 0 and at most the ceil");
		return -EINVAL;
	}
	if (ceil && ceil < rate) {
		NL_SET_ERR_MSG_ATTR(extack, tb[TCA_SOV_CLASS_CEIL] ?: tb[TCA_SOV_CLASS_RATE],
				    "ceil below rate: expected a ceil of at least the rate");
		return -EINVAL;
	}
	if (rate && burst < q->mtu) {
		NL_SET_ERR_MSG_ATTR(extack, tb[TCA_SOV_CLASS_BURST],
				    "burst below the device's mtu: expected at least one full packet");
		return -EINVAL;
	}

	/* made aside, so that nothing changes on error */
	err = sov_tb_config(&bucket, rate, rate ? burst : 0, ceil, q->mtu, ktime_get_ns());
	if (err == -ERANGE) {
		NL_SET_ERR_MSG_ATTR(extack, tb[TCA_SOV_CLASS_BURST] ?: tb[TCA_SOV_CLASS_RATE],
				    "burst too long for the rate: expected at most 26 days of sending");
		return err;
	}
	if (err) {
		NL_SET_ERR_MSG(extack, "the rate, burst and ceil do not make a token bucket");
		return err;
	}

	sch_tree_lock(sch);
	cl->tb = bucket;
	if (tb[TCA_SOV_CLASS_LIMIT]) {
		cl->limit = nla_get_u32(tb[TCA_SOV_CLASS_LIMIT]);
		sov_sched_trim(sch);
	}
	cl->waiting = false;
	sch_tree_unlock(sch);
	/* a class that is no longer shaped, or shaped looser, may send now */
	__netif_schedule(qdisc_root(sch));
	return 0;
}

/* Class handles are the minors 1-8; 0 is "no class". */
static struct sov_class *sov_class_get(struct Qdisc *sch, unsigned long arg)
{
	struct sov_sched *q = qdisc_priv(sch);

	return arg && arg <= TC_SOV_CLASSES ? q->cls[arg - 1] : NULL;
}

static unsigned long sov_class_find(struct Qdisc *sch, u32 classid)
{
	u32 minor = TC_H_MIN(classid);

	if (TC_H_MAJ(classid) && TC_H_MAJ(classid) != sch->handle)
		return 0;
	return minor >= 1 && minor <= TC_SOV_CLASSES ? minor : 0;
}

static int sov_class_op_change(struct Qdisc *sch, u32 classid, u32 parentid,
			       struct nlattr **tca, unsigned long *arg,
			       struct netlink_ext_ack *extack)
{
	struct sov_class *cl = sov_class_get(sch, *arg);

	if (!cl) {
		NL_SET_ERR_MSG(extack,
			       "the sov qdisc has 8 fixed classes: expected classid 1-8 under its handle, with tc class change");
		return -EOPNOTSUPP;
	}
	return sov_class_change(sch, cl, tca[TCA_OPTIONS], extack);
}

static int sov_class_delete(struct Qdisc *sch, unsigned long arg, struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG(extack,
		       "the sov qdisc's 8 classes cannot be deleted: set rate 0 to stop shaping one");
	return -EOPNOTSUPP;
}

static int sov_class_graft(struct Qdisc *sch, unsigned long arg, struct Qdisc *new,
			   struct Qdisc **old, struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG(extack,
		       "sov classes queue by flow themselves: no qdisc can be grafted under one");
	return -EOPNOTSUPP;
}

static struct Qdisc *sov_class_leaf(struct Qdisc *sch, unsigned long arg)
{
	return NULL;
}

static void sov_class_walk(struct Qdisc *sch, struct qdisc_walker *arg)
{
	unsigned long i;

	if (arg->stop)
		return;
	for (i = 1; i <= TC_SOV_CLASSES; i++)
		if (!tc_qdisc_stats_dump(sch, i, arg))
			break;
}

static struct tcf_block *sov_class_tcf_block(struct Qdisc *sch, unsigned long arg,
					     struct netlink_ext_ack *extack)
{
	struct sov_sched *q = qdisc_priv(sch);

	if (arg) {
		NL_SET_ERR_MSG(extack, "filters attach to the sov qdisc itself, not to a class");
		return NULL;
	}
	return q->block;
}

static unsigned long sov_class_bind_tcf(struct Qdisc *sch, unsigned long parent, u32 classid)
{
	return sov_class_find(sch, classid);
}

static void sov_class_unbind_tcf(struct Qdisc *sch, unsigned long arg)
{
}

static int sov_class_dump(struct Qdisc *sch, unsigned long arg, struct sk_buff *skb,
			  struct tcmsg *tcm)
{
	struct sov_class *cl = sov_class_get(sch, arg);
	struct nlattr *opts;

	tcm->tcm_parent = TC_H_ROOT;
	tcm->tcm_handle = sch->handle | arg;
	tcm->tcm_info = 0;
	opts = nla_nest_start_noflag(skb, TCA_OPTIONS);
	if (!opts ||
	    nla_put_u64_64bit(skb, TCA_SOV_CLASS_RATE, cl->tb.rate, TCA_SOV_CLASS_PAD) ||
	    nla_put_u64_64bit(skb, TCA_SOV_CLASS_CEIL, cl->tb.ceil, TCA_SOV_CLASS_PAD) ||
	    nla_put_u32(skb, TCA_SOV_CLASS_BURST, cl->tb.burst) ||
	    nla_put_u32(skb, TCA_SOV_CLASS_LIMIT, cl->limit))
		goto nla_put_failure;
	return nla_nest_end(skb, opts);

nla_put_failure:
	nla_nest_cancel(skb, opts);
	return -EMSGSIZE;
}

static int sov_class_dump_stats(struct Qdisc *sch, unsigned long arg, struct gnet_dump *d)
{
	struct sov_class *cl = sov_class_get(sch, arg);
	struct tc_sov_class_xstats st;

	sch_tree_lock(sch);
	st = (struct tc_sov_class_xstats){
		.drops_class_limit	= cl->drops_class_limit,
		.drops_qdisc_limit	= cl->drops_qdisc_limit,
		.throttled		= cl->throttled,
		.collisions		= cl->flows.collisions,
		.flows_active		= cl->flows.nr_active,
		.flows_max		= cl->flows.max_active,
		.rate			= cl->tb.rate,
		.ceil			= cl->tb.ceil,
		.burst			= cl->tb.burst,
		.limit			= cl->limit,
		.tokens			= sov_tb_tokens_bytes(&cl->tb, ktime_get_ns()),
	};
	sch_tree_unlock(sch);
	if (gnet_stats_copy_basic(d, NULL, &cl->bstats, true) < 0 ||
	    gnet_stats_copy_queue(d, NULL, &cl->qstats, cl->qlen) < 0)
		return -1;
	return gnet_stats_copy_app(d, &st, sizeof(st));
}

const struct Qdisc_class_ops sov_sched_class_ops = {
	.graft		= sov_class_graft,
	.leaf		= sov_class_leaf,
	.find		= sov_class_find,
	.change		= sov_class_op_change,
	.delete		= sov_class_delete,
	.walk		= sov_class_walk,
	.tcf_block	= sov_class_tcf_block,
	.bind_tcf	= sov_class_bind_tcf,
	.unbind_tcf	= sov_class_unbind_tcf,
	.dump		= sov_class_dump,
	.dump_stats	= sov_class_dump_stats,
};
