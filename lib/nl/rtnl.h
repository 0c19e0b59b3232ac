/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtnetlink (NETLINK_ROUTE) on libmnl: dumps of tc objects (qdiscs,
 * classes) and their decoding into one struct, with the standard
 * statistics. Errors come back as in nl.h: a negative errno and the
 * kernel's extack message in struct sov_nl_err.
 */
#ifndef SOV_RTNL_H
#define SOV_RTNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nl.h"

struct sov_rtnl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
};

int sov_rtnl_open(struct sov_rtnl *r);
void sov_rtnl_close(struct sov_rtnl *r);

/*
 * Dump tc objects: @type is RTM_GETQDISC (every device's; the kernel does
 * not filter them by @ifindex) or RTM_GETTCLASS (those of device @ifindex).
 * Each reply message goes to @cb.
 */
int sov_rtnl_tc_dump(struct sov_rtnl *r, uint16_t type, int ifindex, sov_nl_cb cb,
		     void *data, struct sov_nl_err *err);

/* A tc object message (RTM_NEWQDISC, RTM_NEWTCLASS) decoded. */
struct sov_tc_obj {
	uint16_t type;
	int ifindex;
	uint32_t handle, parent;
	char kind[16];			/* TCA_KIND, "" if absent */
	const struct nlattr *options;	/* TCA_OPTIONS, NULL if absent */
	const void *xstats;		/* TCA_STATS2's TCA_STATS_APP, else TCA_XSTATS */
	size_t xstats_len;
	bool has_stats;			/* TCA_STATS2 with basic and queue stats */
	uint64_t bytes, packets;
	uint32_t qlen, backlog, drops, requeues, overlimits;
};

/*
 * Decode @nlh into @o; its pointers point into @nlh. -EINVAL if it is not a
 * tc object message or is malformed (an attribute runs past the message).
 */
int sov_tc_parse(const struct nlmsghdr *nlh, struct sov_tc_obj *o);

#endif /* SOV_RTNL_H */
