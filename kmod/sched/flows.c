// SPDX-License-Identifier: GPL-2.0
/* sov qdisc per-class flow buckets and DRR (flows.h). */
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/skbuff.h>
#include <net/sch_generic.h>

#include "flows.h"

#define SOV_FLOW_SETS	(TC_SOV_FLOWS / TC_SOV_FLOW_WAYS)

static_assert(TC_SOV_FLOWS % TC_SOV_FLOW_WAYS == 0);

void sov_flows_init(struct sov_flows *fl, u32 quantum)
{
	unsigned int i;

	memset(fl, 0, sizeof(*fl));
	INIT_LIST_HEAD(&fl->active);
	for (i = 0; i < TC_SOV_FLOWS; i++)
		INIT_LIST_HEAD(&fl->flow[i].node);
	fl->quantum = quantum;
}

struct sov_flow *sov_flows_lookup(struct sov_flows *fl, u32 hash)
{
	struct sov_flow *set = &fl->flow[reciprocal_scale(hash, SOV_FLOW_SETS) * TC_SOV_FLOW_WAYS];
	struct sov_flow *empty = NULL;
	unsigned int i;

	for (i = 0; i < TC_SOV_FLOW_WAYS; i++) {
		struct sov_flow *f = &set[i];

		if (!f->qlen) {
			/* an idle bucket that last held this flow is the best: nothing moves */
			if (f->hash == hash)
				return f;
			if (!empty)
				empty = f;
		} else if (f->hash == hash) {
			return f;
		}
	}
	if (empty) {
		empty->hash = hash;
		return empty;
	}
	fl->collisions++;
	/* a way the hash's other bits choose, so colliding flows spread over the set */
	return &set[(hash >> 16) % TC_SOV_FLOW_WAYS];
}

void sov_flows_add(struct sov_flows *fl, struct sov_flow *f, struct sk_buff *skb)
{
	skb->next = NULL;
	if (f->tail)
		f->tail->next = skb;
	else
		f->head = skb;
	f->tail = skb;
	f->backlog += qdisc_pkt_len(skb);
	if (!f->qlen++) {
		/* a new flow joins at the back with a full quantum */
		f->deficit = fl->quantum;
		list_add_tail(&f->node, &fl->active);
		if (++fl->nr_active > fl->max_active)
			fl->max_active = fl->nr_active;
	}
}

struct sov_flow *sov_flows_next(struct sov_flows *fl)
{
	struct sov_flow *f;

	/* each bucket passed over gets a quantum, so this ends (after a GSO packet, some laps) */
	while ((f = list_first_entry_or_null(&fl->active, struct sov_flow, node))) {
		if (f->deficit > 0)
			return f;
		f->deficit += fl->quantum;
		list_move_tail(&f->node, &fl->active);
	}
	return NULL;
}

static struct sk_buff *sov_flow_pop(struct sov_flows *fl, struct sov_flow *f)
{
	struct sk_buff *skb = f->head;

	f->head = skb->next;
	if (!f->head)
		f->tail = NULL;
	skb->next = NULL;
	f->backlog -= qdisc_pkt_len(skb);
	if (!--f->qlen) {
		list_del_init(&f->node);
		fl->nr_active--;
	}
	return skb;
}

struct sk_buff *sov_flows_take(struct sov_flows *fl, struct sov_flow *f)
{
	struct sk_buff *skb = f->head;

	f->deficit -= qdisc_pkt_len(skb);
	return sov_flow_pop(fl, f);
}

struct sov_flow *sov_flows_fattest(struct sov_flows *fl)
{
	struct sov_flow *f, *fat = NULL;

	list_for_each_entry(f, &fl->active, node)
		if (!fat || f->backlog > fat->backlog)
			fat = f;
	return fat;
}

struct sk_buff *sov_flows_drop_head(struct sov_flows *fl, struct sov_flow *f)
{
	return sov_flow_pop(fl, f);
}

struct sk_buff *sov_flows_purge(struct sov_flows *fl)
{
	struct sk_buff *all = NULL, **tail = &all;
	struct sov_flow *f, *n;

	list_for_each_entry_safe(f, n, &fl->active, node) {
		*tail = f->head;
		tail = &f->tail->next;
		f->head = NULL;
		f->tail = NULL;
		f->qlen = 0;
		f->backlog = 0;
		list_del_init(&f->node);
	}
	fl->nr_active = 0;
	return all;
}
