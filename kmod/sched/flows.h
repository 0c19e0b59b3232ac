/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sov qdisc flow fairness inside one class: packets are hashed into
 * TC_SOV_FLOWS buckets, set-associative as in cake: a flow's hash picks a
 * set of TC_SOV_FLOW_WAYS buckets and the flow takes the bucket in it that
 * holds its hash, else an empty one; only when all are busy with other
 * flows does it share one (a collision, counted). Buckets with packets are
 * served deficit round robin by bytes: each turn a bucket may send
 * @quantum bytes, so flows share the class by bytes, not by packets.
 */
#ifndef _SOV_SCHED_FLOWS_H
#define _SOV_SCHED_FLOWS_H

#include <linux/list.h>
#include <linux/skbuff.h>
#include <linux/types.h>
#include "../../uapi/linux/sovereign_sched.h"

struct sov_flow {
	struct sk_buff *head, *tail;	/* singly linked by skb->next */
	struct list_head node;		/* on the table's active list while it has packets */
	u32 hash;			/* the flow it holds (the last one to claim it) */
	u32 qlen;
	u32 backlog;			/* bytes */
	s32 deficit;
};

struct sov_flows {
	struct sov_flow flow[TC_SOV_FLOWS];
	struct list_head active;	/* DRR order */
	u32 quantum;
	u32 nr_active, max_active;
	u64 collisions;
};

void sov_flows_init(struct sov_flows *fl, u32 quantum);

/* The bucket for a packet of flow @hash; counts a collision if it must share. */
struct sov_flow *sov_flows_lookup(struct sov_flows *fl, u32 hash);

/* Queue @skb (of @len bytes by qdisc_pkt_len()) on @f. */
void sov_flows_add(struct sov_flows *fl, struct sov_flow *f, struct sk_buff *skb);

/*
 * The bucket whose head packet goes next (DRR), NULL when empty. Calling it
 * again without taking a packet returns the same bucket.
 */
struct sov_flow *sov_flows_next(struct sov_flows *fl);
/* Take @f's head packet; @f must be the one sov_flows_next() returned. */
struct sk_buff *sov_flows_take(struct sov_flows *fl, struct sov_flow *f);

/* The bucket with the most bytes queued (ties: the first found), NULL when empty. */
struct sov_flow *sov_flows_fattest(struct sov_flows *fl);
/* Take the head packet of @f, outside the DRR order (a drop). */
struct sk_buff *sov_flows_drop_head(struct sov_flows *fl, struct sov_flow *f);

/* Everything queued, as one list linked by skb->next (to free); the table is empty after. */
struct sk_buff *sov_flows_purge(struct sov_flows *fl);

#endif /* _SOV_SCHED_FLOWS_H */
