/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "sov" qdisc: 8 classes in strict priority, each optionally shaped
 * (shaper.h) and fair across its flows (flows.h); classification in
 * classify.h. qdisc.c has the data path and the qdisc's options, class.c
 * the class operations. Everything below is under the qdisc's root lock.
 */
#ifndef _SOV_SCHED_H
#define _SOV_SCHED_H

#include <net/gen_stats.h>
#include <net/pkt_sched.h>
#include <net/sch_generic.h>

#include "classify.h"
#include "flows.h"
#include "shaper.h"

#define SOV_SCHED_LIMIT_DEFAULT		10240
#define SOV_SCHED_LIMIT_MAX		1048576
#define SOV_SCHED_QUANTUM_MIN		256
#define SOV_SCHED_QUANTUM_MAX		1048576
/* watchdog slack: a few µs of timer coalescing; tokens, not the timer, keep the rate */
#define SOV_SCHED_SLACK_NS		(20 * NSEC_PER_USEC)

struct sov_class {
	struct sov_flows flows;
	struct sov_tb tb;
	struct gnet_stats_basic_sync bstats;
	struct gnet_stats_queue qstats;	/* backlog, drops, overlimits */
	u32 qlen;
	u32 limit;
	bool waiting;			/* has packets, no tokens */
	u64 drops_class_limit;
	u64 drops_qdisc_limit;
	u64 throttled;
};

struct sov_sched {
	struct sov_class *cls[TC_SOV_CLASSES];	/* index 0 is class 1:1 */
	struct sov_cls_maps maps;
	struct tcf_proto __rcu *filter_list;
	struct tcf_block *block;
	struct qdisc_watchdog watchdog;
	unsigned long active;		/* bit i: class i has packets */
	u32 limit;
	u32 quantum;
	u32 mtu;			/* psched_mtu() at init: the ceil bucket, burst floor */
	u64 by_filter, by_dscp, by_prio, filter_bad_class;
};

extern const struct Qdisc_class_ops sov_sched_class_ops;
extern struct netlink_range_validation sov_sched_limit_range;

/* class.c: a class's defaults, and its options applied (tc class change) */
void sov_class_init(struct sov_class *cl, u32 limit, u32 quantum, u64 now);
int sov_class_change(struct Qdisc *sch, struct sov_class *cl, struct nlattr *opt,
		     struct netlink_ext_ack *extack);

/* qdisc.c: drop packets until the qdisc and its classes are within their limits */
void sov_sched_trim(struct Qdisc *sch);

/* The subsystem's start and stop (info.c's table). */
int sov_sched_init(void);
void sov_sched_exit(void);

#endif /* _SOV_SCHED_H */
