// SPDX-License-Identifier: GPL-2.0
/*
 * The "sov" qdisc (sched.h): enqueue, dequeue, the qdisc's options and
 * its statistics.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/dsfield.h>
#include <net/netlink.h>
#include <net/pkt_cls.h>

#include "sched.h"

/* nla_policy's own bounds are s16: these need the full-range form (not const in 6.1) */
struct netlink_range_validation sov_sched_limit_range = {
	.min = 1, .max = SOV_SCHED_LIMIT_MAX,
};

static struct netlink_range_validation sov_sched_quantum_range = {
	.min = SOV_SCHED_QUANTUM_MIN, .max = SOV_SCHED_QUANTUM_MAX,
};

/* tc's plugin tells the two apart by size (sovereign_sched.h) */
static_assert(sizeof(struct tc_sov_xstats) != sizeof(struct tc_sov_class_xstats));

static const struct nla_policy sov_sched_policy[TCA_SOV_MAX + 1] = {
	[TCA_SOV_PAD]		= { .type = NLA_REJECT },
	/* lengths and entries checked in sov_sched_change(), to name what is wrong */
	[TCA_SOV_PRIOMAP]	= { .type = NLA_BINARY },
	[TCA_SOV_DSCPMAP]	= { .type = NLA_BINARY },
	[TCA_SOV_LIMIT]		= NLA_POLICY_FULL_RANGE(NLA_U32, &sov_sched_limit_range),
	[TCA_SOV_QUANTUM]	= NLA_POLICY_FULL_RANGE(NLA_U32, &sov_sched_quantum_range),
};

/* The DSCP of an IPv4 or IPv6 packet, else SOV_CLS_NO_DSCP. */
static int sov_sched_dscp(struct sk_buff *skb)
{
	switch (skb_protocol(skb, true)) {
	case htons(ETH_P_IP):
		if (!pskb_network_may_pull(skb, sizeof(struct iphdr)))
			break;
		return ipv4_get_dsfield(ip_hdr(skb)) >> 2;
	case htons(ETH_P_IPV6):
		if (!pskb_network_may_pull(skb, sizeof(struct ipv6hdr)))
			break;
		return ipv6_get_dsfield(ipv6_hdr(skb)) >> 2;
	}
	return SOV_CLS_NO_DSCP;
}

/* The class of @skb, or -1 when a filter action took or dropped it (*@qerr says which). */
static int sov_sched_classify(struct sk_buff *skb, struct Qdisc *sch, int *qerr)
{
	struct sov_sched *q = qdisc_priv(sch);
	u32 minor = SOV_CLS_NO_FILTER;
	struct tcf_proto *fl;
	struct tcf_result res;
	enum sov_cls_by by;
	unsigned int idx;
	bool bad;
	int ret;

	*qerr = NET_XMIT_SUCCESS | __NET_XMIT_BYPASS;
	fl = rcu_dereference_bh(q->filter_list);
	if (fl) {
		ret = tcf_classify(skb, NULL, fl, &res, false);
		if (ret >= 0) {
#ifdef CONFIG_NET_CLS_ACT
			switch (ret) {
			case TC_ACT_STOLEN:
			case TC_ACT_QUEUED:
			case TC_ACT_TRAP:
				*qerr = NET_XMIT_SUCCESS | __NET_XMIT_STOLEN;
				fallthrough;
			case TC_ACT_SHOT:
				return -1;
			}
#endif
			/*
			 * A classid of this qdisc or a bare minor names a class;
			 * another qdisc's, or minor 0, names none of ours:
			 * sov_classify() counts it as bad and goes on.
			 */
			if (res.classid) {
				if (TC_H_MAJ(res.classid) && TC_H_MAJ(res.classid) != sch->handle)
					minor = TC_SOV_CLASSES + 1;
				else
					minor = TC_H_MIN(res.classid) ?: TC_SOV_CLASSES + 1;
			}
		}
	}
	idx = sov_classify(&q->maps, minor, sov_sched_dscp(skb), skb->priority, &by, &bad);
	if (bad)
		q->filter_bad_class++;
	if (by == SOV_CLS_BY_FILTER)
		q->by_filter++;
	else if (by == SOV_CLS_BY_DSCP)
		q->by_dscp++;
	else
		q->by_prio++;
	return idx;
}

/* Drop the head packet of @cl's fattest flow; its length, or 0 if @cl is empty. */
static unsigned int sov_sched_drop_fattest(struct Qdisc *sch, struct sov_class *cl,
					   bool class_limit, struct sk_buff **to_free,
					   struct sk_buff **dropped)
{
	struct sov_flow *f = sov_flows_fattest(&cl->flows);
	struct sk_buff *skb;
	unsigned int len;

	if (!f)
		return 0;
	skb = sov_flows_drop_head(&cl->flows, f);
	len = qdisc_pkt_len(skb);
	cl->qlen--;
	cl->qstats.backlog -= len;
	cl->qstats.drops++;
	if (class_limit)
		cl->drops_class_limit++;
	else
		cl->drops_qdisc_limit++;
	sch->q.qlen--;
	qdisc_qstats_backlog_dec(sch, skb);
	qdisc_qstats_drop(sch);
	*dropped = skb;
	__qdisc_drop(skb, to_free);
	return len;
}

static void sov_sched_update_active(struct sov_sched *q, unsigned int idx)
{
	if (q->cls[idx]->qlen)
		__set_bit(idx, &q->active);
	else
		__clear_bit(idx, &q->active);
}

static int sov_sched_enqueue(struct sk_buff *skb, struct Qdisc *sch, struct sk_buff **to_free)
{
	struct sov_sched *q = qdisc_priv(sch);
	struct sk_buff *dropped = NULL;
	unsigned int len, dlen, vidx;
	struct sov_class *cl;
	bool class_limit;
	int idx, qerr;

	idx = sov_sched_classify(skb, sch, &qerr);
	if (idx < 0) {
		if (qerr & __NET_XMIT_BYPASS)
			qdisc_qstats_drop(sch);
		__qdisc_drop(skb, to_free);
		return qerr;
	}
	cl = q->cls[idx];
	len = qdisc_pkt_len(skb);
	sov_flows_add(&cl->flows, sov_flows_lookup(&cl->flows, skb_get_hash(skb)), skb);
	cl->qlen++;
	cl->qstats.backlog += len;
	sch->q.qlen++;
	qdisc_qstats_backlog_inc(sch, skb);
	__set_bit(idx, &q->active);

	/* over a limit: the fattest flow pays, of this class or of the lowest one */
	if (cl->qlen > cl->limit) {
		vidx = idx;
		class_limit = true;
	} else if (sch->q.qlen > q->limit) {
		vidx = find_last_bit(&q->active, TC_SOV_CLASSES);
		class_limit = false;
	} else {
		return NET_XMIT_SUCCESS;
	}
	dlen = sov_sched_drop_fattest(sch, q->cls[vidx], class_limit, to_free, &dropped);
	sov_sched_update_active(q, vidx);
	/* our own packet: the parents must not count it */
	if (dropped == skb)
		return NET_XMIT_CN;
	/* another one: the parents count this one, so take that one off */
	qdisc_tree_reduce_backlog(sch, 1, dlen);
	return NET_XMIT_SUCCESS;
}

/*
 * The class whose next packet may go now, with that packet's flow in
 * *@flow; -1 if none. Bit 0 first: strict priority; a class waiting for
 * tokens lets the next one go, and *@wake gets the earliest time one of
 * those may. Nothing is taken: peek and dequeue share it.
 */
static int sov_sched_pick(struct Qdisc *sch, struct sov_flow **flow, u64 *now, u64 *wake)
{
	struct sov_sched *q = qdisc_priv(sch);
	struct sov_class *cl;
	struct sov_flow *f;
	unsigned int idx;
	u64 wait;

	for_each_set_bit(idx, &q->active, TC_SOV_CLASSES) {
		cl = q->cls[idx];
		f = sov_flows_next(&cl->flows);
		if (WARN_ON_ONCE(!f))
			continue;
		if (sov_tb_shaped(&cl->tb)) {
			if (!*now)
				*now = ktime_get_ns();
			wait = sov_tb_wait(&cl->tb, qdisc_pkt_len(f->head), *now);
			if (wait) {
				if (!cl->waiting) {
					cl->waiting = true;
					cl->throttled++;
				}
				cl->qstats.overlimits++;
				qdisc_qstats_overlimit(sch);
				*wake = min(*wake, *now + wait);
				continue;
			}
		}
		*flow = f;
		return idx;
	}
	return -1;
}

/* Nothing may go: wake up when the first waiting class may. */
static void sov_sched_sleep(struct sov_sched *q, u64 wake)
{
	if (wake != U64_MAX)
		qdisc_watchdog_schedule_range_ns(&q->watchdog, wake, SOV_SCHED_SLACK_NS);
}

static struct sk_buff *sov_sched_dequeue(struct Qdisc *sch)
{
	struct sov_sched *q = qdisc_priv(sch);
	u64 now = 0, wake = U64_MAX;
	struct sov_class *cl;
	struct sk_buff *skb;
	struct sov_flow *f;
	int idx;

	idx = sov_sched_pick(sch, &f, &now, &wake);
	if (idx < 0) {
		sov_sched_sleep(q, wake);
		return NULL;
	}
	cl = q->cls[idx];
	if (sov_tb_shaped(&cl->tb))
		sov_tb_charge(&cl->tb, qdisc_pkt_len(f->head), now);
	cl->waiting = false;
	skb = sov_flows_take(&cl->flows, f);
	cl->qlen--;
	cl->qstats.backlog -= qdisc_pkt_len(skb);
	bstats_update(&cl->bstats, skb);
	sch->q.qlen--;
	qdisc_qstats_backlog_dec(sch, skb);
	qdisc_bstats_update(sch, skb);
	sov_sched_update_active(q, idx);
	return skb;
}

/*
 * A parent (a shaper above us) looks before it takes. The packet stays
 * queued, so one that arrives in a higher class meanwhile still goes
 * first; qdisc_peek_dequeued() would hold the looked-at one aside.
 */
static struct sk_buff *sov_sched_peek(struct Qdisc *sch)
{
	u64 now = 0, wake = U64_MAX;
	struct sov_flow *f;

	if (sov_sched_pick(sch, &f, &now, &wake) < 0) {
		sov_sched_sleep(qdisc_priv(sch), wake);
		return NULL;
	}
	return f->head;
}

void sov_sched_trim(struct Qdisc *sch)
{
	struct sov_sched *q = qdisc_priv(sch);
	unsigned int qlen = sch->q.qlen, backlog = sch->qstats.backlog;
	struct sk_buff *to_free = NULL, *dropped;
	unsigned int idx;

	for (idx = 0; idx < TC_SOV_CLASSES; idx++) {
		struct sov_class *cl = q->cls[idx];

		while (cl->qlen > cl->limit)
			sov_sched_drop_fattest(sch, cl, true, &to_free, &dropped);
		sov_sched_update_active(q, idx);
	}
	while (sch->q.qlen > q->limit) {
		idx = find_last_bit(&q->active, TC_SOV_CLASSES);
		if (WARN_ON_ONCE(idx >= TC_SOV_CLASSES))
			break;
		sov_sched_drop_fattest(sch, q->cls[idx], false, &to_free, &dropped);
		sov_sched_update_active(q, idx);
	}
	qdisc_tree_reduce_backlog(sch, qlen - sch->q.qlen, backlog - sch->qstats.backlog);
	kfree_skb_list(to_free);
}

/* Apply the qdisc's options; @extack names the one that is wrong. Nothing changes on error. */
static int sov_sched_change(struct Qdisc *sch, struct nlattr *opt, struct netlink_ext_ack *extack)
{
	struct sov_sched *q = qdisc_priv(sch);
	struct nlattr *tb[TCA_SOV_MAX + 1];
	int err;

	if (!opt)
		return 0;
	err = nla_parse_nested(tb, TCA_SOV_MAX, opt, sov_sched_policy, extack);
	if (err)
		return err;
	if (tb[TCA_SOV_PRIOMAP] &&
	    !sov_cls_prio_valid(nla_data(tb[TCA_SOV_PRIOMAP]), nla_len(tb[TCA_SOV_PRIOMAP]))) {
		NL_SET_ERR_MSG_ATTR(extack, tb[TCA_SOV_PRIOMAP],
				    "priomap: expected 16 entries, each a class 1-8");
		return -EINVAL;
	}
	if (tb[TCA_SOV_DSCPMAP] &&
	    !sov_cls_dscp_valid(nla_data(tb[TCA_SOV_DSCPMAP]), nla_len(tb[TCA_SOV_DSCPMAP]))) {
		NL_SET_ERR_MSG_ATTR(extack, tb[TCA_SOV_DSCPMAP],
				    "dscpmap: expected 64 entries, each a class 1-8 or 0 (not mapped)");
		return -EINVAL;
	}

	sch_tree_lock(sch);
	if (tb[TCA_SOV_PRIOMAP])
		memcpy(q->maps.prio, nla_data(tb[TCA_SOV_PRIOMAP]), sizeof(q->maps.prio));
	if (tb[TCA_SOV_DSCPMAP])
		memcpy(q->maps.dscp, nla_data(tb[TCA_SOV_DSCPMAP]), sizeof(q->maps.dscp));
	if (tb[TCA_SOV_QUANTUM]) {
		unsigned int i;

		q->quantum = nla_get_u32(tb[TCA_SOV_QUANTUM]);
		for (i = 0; i < TC_SOV_CLASSES; i++)
			q->cls[i]->flows.quantum = q->quantum;
	}
	if (tb[TCA_SOV_LIMIT])
		q->limit = nla_get_u32(tb[TCA_SOV_LIMIT]);
	sov_sched_trim(sch);
	sch_tree_unlock(sch);
	return 0;
}

static void sov_sched_free_classes(struct sov_sched *q)
{
	unsigned int i;

	for (i = 0; i < TC_SOV_CLASSES; i++) {
		if (q->cls[i])
			kfree_skb_list(sov_flows_purge(&q->cls[i]->flows));
		kvfree(q->cls[i]);
		q->cls[i] = NULL;
	}
}

static int sov_qdisc_init(struct Qdisc *sch, struct nlattr *opt, struct netlink_ext_ack *extack)
{
	struct sov_sched *q = qdisc_priv(sch);
	u64 now = ktime_get_ns();
	unsigned int i;
	int err;

	/* the watchdog first: destroy() cancels it even when init fails */
	qdisc_watchdog_init(&q->watchdog, sch);
	err = tcf_block_get(&q->block, &q->filter_list, sch, extack);
	if (err)
		return err;
	sov_cls_maps_default(&q->maps);
	q->limit = SOV_SCHED_LIMIT_DEFAULT;
	q->mtu = psched_mtu(qdisc_dev(sch));
	q->quantum = q->mtu;
	for (i = 0; i < TC_SOV_CLASSES; i++) {
		q->cls[i] = kvzalloc(sizeof(*q->cls[i]), GFP_KERNEL);
		if (!q->cls[i]) {
			NL_SET_ERR_MSG(extack, "no memory for the sov qdisc's classes");
			return -ENOMEM;
		}
		sov_class_init(q->cls[i], q->limit, q->quantum, now);
	}
	return sov_sched_change(sch, opt, extack);
}

static void sov_sched_reset(struct Qdisc *sch)
{
	struct sov_sched *q = qdisc_priv(sch);
	unsigned int i;

	for (i = 0; i < TC_SOV_CLASSES; i++) {
		struct sov_class *cl = q->cls[i];

		if (!cl)
			continue;
		kfree_skb_list(sov_flows_purge(&cl->flows));
		cl->qlen = 0;
		cl->qstats.backlog = 0;
		cl->waiting = false;
	}
	q->active = 0;
	sch->q.qlen = 0;
	sch->qstats.backlog = 0;
	qdisc_watchdog_cancel(&q->watchdog);
}

static void sov_sched_destroy(struct Qdisc *sch)
{
	struct sov_sched *q = qdisc_priv(sch);

	tcf_block_put(q->block);
	qdisc_watchdog_cancel(&q->watchdog);
	sov_sched_free_classes(q);
}

static int sov_sched_dump(struct Qdisc *sch, struct sk_buff *skb)
{
	struct sov_sched *q = qdisc_priv(sch);
	struct nlattr *opts = nla_nest_start_noflag(skb, TCA_OPTIONS);

	if (!opts ||
	    nla_put(skb, TCA_SOV_PRIOMAP, sizeof(q->maps.prio), q->maps.prio) ||
	    nla_put(skb, TCA_SOV_DSCPMAP, sizeof(q->maps.dscp), q->maps.dscp) ||
	    nla_put_u32(skb, TCA_SOV_LIMIT, q->limit) ||
	    nla_put_u32(skb, TCA_SOV_QUANTUM, q->quantum))
		goto nla_put_failure;
	return nla_nest_end(skb, opts);

nla_put_failure:
	nla_nest_cancel(skb, opts);
	return -EMSGSIZE;
}

static int sov_sched_dump_stats(struct Qdisc *sch, struct gnet_dump *d)
{
	struct sov_sched *q = qdisc_priv(sch);
	struct tc_sov_xstats st = {
		.by_filter		= q->by_filter,
		.by_dscp		= q->by_dscp,
		.by_priority		= q->by_prio,
		.filter_bad_class	= q->filter_bad_class,
		.classes_active		= hweight_long(q->active),
	};
	unsigned int i;

	for (i = 0; i < TC_SOV_CLASSES; i++) {
		st.drops_class_limit += q->cls[i]->drops_class_limit;
		st.drops_qdisc_limit += q->cls[i]->drops_qdisc_limit;
		st.classes_throttled += q->cls[i]->waiting;
	}
	return gnet_stats_copy_app(d, &st, sizeof(st));
}

static struct Qdisc_ops sov_sched_ops __read_mostly = {
	.cl_ops		= &sov_sched_class_ops,
	.id		= "sov",
	.priv_size	= sizeof(struct sov_sched),
	.enqueue	= sov_sched_enqueue,
	.dequeue	= sov_sched_dequeue,
	.peek		= sov_sched_peek,
	.init		= sov_qdisc_init,
	.reset		= sov_sched_reset,
	.destroy	= sov_sched_destroy,
	.change		= sov_sched_change,
	.dump		= sov_sched_dump,
	.dump_stats	= sov_sched_dump_stats,
	.owner		= THIS_MODULE,
};

int sov_sched_init(void)
{
	return register_qdisc(&sov_sched_ops);
}

void sov_sched_exit(void)
{
	unregister_qdisc(&sov_sched_ops);
}
