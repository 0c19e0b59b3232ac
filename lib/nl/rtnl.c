// SPDX-License-Identifier: GPL-2.0
/* rtnetlink client on libmnl: tc object dumps and their decoding (rtnl.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include <linux/gen_stats.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "rtnl.h"

int sov_rtnl_open(struct sov_rtnl *r)
{
	int one = 1;

	memset(r, 0, sizeof(*r));
	r->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!r->sock)
		return -errno;
	if (mnl_socket_bind(r->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(r->sock);
		r->sock = NULL;
		return err;
	}
	mnl_socket_setsockopt(r->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(r->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	r->portid = mnl_socket_get_portid(r->sock);
	r->seq = (uint32_t)time(NULL);
	return 0;
}

void sov_rtnl_close(struct sov_rtnl *r)
{
	if (r->sock)
		mnl_socket_close(r->sock);
	r->sock = NULL;
}

int sov_rtnl_tc_dump(struct sov_rtnl *r, uint16_t type, int ifindex, sov_nl_cb cb,
		     void *data, struct sov_nl_err *err)
{
	static unsigned char buf[SOV_NL_BUFSZ];
	unsigned char req[256];
	struct nlmsghdr *nlh;
	struct tcmsg *tcm;
	ssize_t n;
	int ret;

	sov_nl_err_clear(err);
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++r->seq;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	if (mnl_socket_sendto(r->sock, nlh, nlh->nlmsg_len) < 0) {
		sov_nl_err_set(err, -errno, NULL);
		return err->error;
	}
	do {
		n = mnl_socket_recvfrom(r->sock, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			sov_nl_err_set(err, -errno, NULL);
			return err->error;
		}
		/* no request to name attributes by: its header is not genl's */
		ret = sov_nl_process(buf, (size_t)n, nlh->nlmsg_seq, NULL, cb, data, err);
	} while (ret > 0);
	return ret;
}

static void parse_stats2(const struct nlattr *nest, struct sov_tc_obj *o)
{
	const struct nlattr *a;
	bool basic = false, queue = false;

	mnl_attr_for_each_nested(a, nest) {
		const void *p = mnl_attr_get_payload(a);
		uint16_t len = mnl_attr_get_payload_len(a);

		switch (mnl_attr_get_type(a)) {
		case TCA_STATS_BASIC: {
			struct gnet_stats_basic b = { 0 };

			/* bytes and packets; the struct's tail padding may be absent */
			if (len < offsetof(struct gnet_stats_basic, packets) + sizeof(b.packets))
				break;
			memcpy(&b, p, len < sizeof(b) ? len : sizeof(b));
			o->bytes = b.bytes;
			if (!o->packets)
				o->packets = b.packets;
			basic = true;
			break;
		}
		case TCA_STATS_PKT64:
			/* the 64-bit count, where the kernel sends it */
			if (len == sizeof(uint64_t))
				o->packets = mnl_attr_get_u64(a);
			break;
		case TCA_STATS_QUEUE: {
			struct gnet_stats_queue q;

			if (len < sizeof(q))
				break;
			memcpy(&q, p, sizeof(q));
			o->qlen = q.qlen;
			o->backlog = q.backlog;
			o->drops = q.drops;
			o->requeues = q.requeues;
			o->overlimits = q.overlimits;
			queue = true;
			break;
		}
		case TCA_STATS_APP:
			o->xstats = p;
			o->xstats_len = len;
			break;
		}
	}
	o->has_stats = basic && queue;
}

int sov_tc_parse(const struct nlmsghdr *nlh, struct sov_tc_obj *o)
{
	const struct tcmsg *tcm;
	const struct nlattr *a;
	const struct nlattr *stats2 = NULL, *xstats = NULL;

	memset(o, 0, sizeof(*o));
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*tcm)))
		return -EINVAL;
	switch (nlh->nlmsg_type) {
	case RTM_NEWQDISC:
	case RTM_DELQDISC:
	case RTM_NEWTCLASS:
	case RTM_DELTCLASS:
		break;
	default:
		return -EINVAL;
	}
	tcm = mnl_nlmsg_get_payload(nlh);
	o->type = nlh->nlmsg_type;
	o->ifindex = tcm->tcm_ifindex;
	o->handle = tcm->tcm_handle;
	o->parent = tcm->tcm_parent;
	mnl_attr_for_each(a, nlh, sizeof(*tcm)) {
		switch (mnl_attr_get_type(a)) {
		case TCA_KIND:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				snprintf(o->kind, sizeof(o->kind), "%s", mnl_attr_get_str(a));
			break;
		case TCA_OPTIONS:
			o->options = a;
			break;
		case TCA_STATS2:
			stats2 = a;
			break;
		case TCA_XSTATS:
			xstats = a;
			break;
		}
	}
	/* mnl_attr_for_each stops at the first attribute that overruns */
	if ((const char *)a < (const char *)nlh + nlh->nlmsg_len &&
	    (const char *)nlh + nlh->nlmsg_len - (const char *)a >= (ptrdiff_t)sizeof(*a))
		return -EINVAL;
	if (stats2)
		parse_stats2(stats2, o);
	if (!o->xstats && xstats) {
		o->xstats = mnl_attr_get_payload(xstats);
		o->xstats_len = mnl_attr_get_payload_len(xstats);
	}
	return 0;
}
