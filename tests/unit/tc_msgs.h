/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Canned rtnetlink messages of a "sov" qdisc and its classes, as the
 * kernel dumps them (kmod/sched: qdisc.c, class.c), built with libmnl for
 * the tests of sovctl classes and of the tc plugin.
 */
#ifndef SOV_TEST_TC_MSGS_H
#define SOV_TEST_TC_MSGS_H

#include <stdint.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/gen_stats.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "../../uapi/linux/sovereign_sched.h"

struct tc_msg_stats {
	uint64_t bytes, packets;
	uint32_t qlen, backlog, drops, requeues, overlimits;
};

static inline struct nlmsghdr *tc_msg_start(void *buf, uint16_t type, int ifindex, uint32_t handle,
				     uint32_t parent)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tcmsg *tcm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_MULTI;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_handle = handle;
	tcm->tcm_parent = parent;
	mnl_attr_put_strz(nlh, TCA_KIND, "sov");
	return nlh;
}

/* Another TCA_KIND of the same length ("htb" for "sov"). */
static inline void tc_msg_set_kind(struct nlmsghdr *nlh, const char *kind)
{
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct tcmsg)) {
		if (mnl_attr_get_type(a) == TCA_KIND &&
		    mnl_attr_get_payload_len(a) == strlen(kind) + 1)
			memcpy(mnl_attr_get_payload(a), kind, strlen(kind) + 1);
	}
}

/* TCA_STATS2 (basic, queue, app) and the TCA_XSTATS copy, as gnet_stats_* make them. */
static inline void tc_msg_put_stats(struct nlmsghdr *nlh, const struct tc_msg_stats *s,
			     const void *xstats, size_t xlen)
{
	struct gnet_stats_basic b = { .bytes = s->bytes, .packets = (uint32_t)s->packets };
	struct gnet_stats_queue q = {
		.qlen = s->qlen, .backlog = s->backlog, .drops = s->drops,
		.requeues = s->requeues, .overlimits = s->overlimits,
	};
	struct nlattr *nest = mnl_attr_nest_start(nlh, TCA_STATS2);

	mnl_attr_put(nlh, TCA_STATS_BASIC, sizeof(b), &b);
	mnl_attr_put_u64(nlh, TCA_STATS_PKT64, s->packets);
	mnl_attr_put(nlh, TCA_STATS_QUEUE, sizeof(q), &q);
	if (xstats)
		mnl_attr_put(nlh, TCA_STATS_APP, xlen, xstats);
	mnl_attr_nest_end(nlh, nest);
	if (xstats)
		mnl_attr_put(nlh, TCA_XSTATS, xlen, xstats);
}

/* The qdisc: priomap, a dscpmap (NULL: none mapped), limit, quantum. */
static inline struct nlmsghdr *tc_msg_qdisc(void *buf, int ifindex, uint32_t handle, const uint8_t *prio,
				     const uint8_t *dscp, uint32_t limit, uint32_t quantum)
{
	struct nlmsghdr *nlh = tc_msg_start(buf, RTM_NEWQDISC, ifindex, handle, TC_H_ROOT);
	uint8_t none[TC_SOV_DSCP_CNT] = { 0 };
	struct nlattr *opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);

	mnl_attr_put(nlh, TCA_SOV_PRIOMAP, TC_SOV_PRIO_MAX + 1, prio);
	mnl_attr_put(nlh, TCA_SOV_DSCPMAP, TC_SOV_DSCP_CNT, dscp ? dscp : none);
	mnl_attr_put_u32(nlh, TCA_SOV_LIMIT, limit);
	mnl_attr_put_u32(nlh, TCA_SOV_QUANTUM, quantum);
	mnl_attr_nest_end(nlh, opts);
	return nlh;
}

/* A class 1-8 of the qdisc @handle (u64s padded as nla_put_u64_64bit does). */
static inline struct nlmsghdr *tc_msg_class(void *buf, int ifindex, uint32_t handle, unsigned int minor,
				     uint64_t rate, uint64_t ceil, uint32_t burst, uint32_t limit)
{
	struct nlmsghdr *nlh = tc_msg_start(buf, RTM_NEWTCLASS, ifindex, handle | minor,
					    TC_H_ROOT);
	struct nlattr *opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);

	mnl_attr_put(nlh, TCA_SOV_CLASS_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, TCA_SOV_CLASS_RATE, rate);
	mnl_attr_put_u64(nlh, TCA_SOV_CLASS_CEIL, ceil);
	mnl_attr_put_u32(nlh, TCA_SOV_CLASS_BURST, burst);
	mnl_attr_put_u32(nlh, TCA_SOV_CLASS_LIMIT, limit);
	mnl_attr_nest_end(nlh, opts);
	return nlh;
}

/* The kernel's default priomap (kmod/sched/classify.c). */
static const uint8_t tc_msg_prio_default[TC_SOV_PRIO_MAX + 1] = {
	5, 8, 7, 6, 4, 3, 2, 1, 5, 5, 5, 5, 5, 5, 5, 5,
};

#endif
