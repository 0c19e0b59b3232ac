// SPDX-License-Identifier: GPL-2.0
/*
 * sovnet pairs over rtnetlink: RTM_NEWLINK kind "sovnet" with the peer in
 * IFLA_INFO_DATA/SOVNET_INFO_PEER (a struct ifinfomsg and the peer's own
 * IFLA_* attributes, veth's layout, which kmod/netio/link.c parses),
 * RTM_DELLINK, and the RTM_GETLINK dump that status and stats read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include "../../lib/nl/rtnl.h"
#include "netio.h"

static unsigned char rbuf[SOV_NL_BUFSZ];

static int rtnl_transact(struct nlmsghdr *nlh, sov_nl_cb cb, void *data, struct sov_nl_err *err)
{
	struct sov_rtnl r;
	ssize_t n;
	int ret;

	sov_nl_err_clear(err);
	ret = sov_rtnl_open(&r);
	if (ret) {
		sov_nl_err_set(err, ret, "cannot open a rtnetlink socket");
		return ret;
	}
	nlh->nlmsg_seq = ++r.seq;
	if (mnl_socket_sendto(r.sock, nlh, nlh->nlmsg_len) < 0) {
		sov_nl_err_set(err, -errno, NULL);
		sov_rtnl_close(&r);
		return err->error;
	}
	do {
		n = mnl_socket_recvfrom(r.sock, rbuf, sizeof(rbuf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			sov_nl_err_set(err, -errno, NULL);
			ret = err->error;
			break;
		}
		ret = sov_nl_process(rbuf, (size_t)n, nlh->nlmsg_seq, NULL, cb, data, err);
	} while (ret > 0);
	sov_rtnl_close(&r);
	return ret;
}

static void put_queues(struct nlmsghdr *nlh, uint32_t queues)
{
	if (!queues)
		return;
	mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, queues);
	mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, queues);
}

/* NS: a name under /run/netns (ip netns add) or a path */
static int open_netns(const char *ns, struct sov_nl_err *err)
{
	char path[256];
	int fd;

	if (strchr(ns, '/'))
		snprintf(path, sizeof(path), "%s", ns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		sov_nl_err_set(err, -errno, "network namespace \"%s\": cannot open %s: %s", ns,
			       path, strerror(errno));
	return fd < 0 ? -errno : fd;
}

int netio_link_create(const char *name, const char *peer, uint32_t queues, const char *netns,
		      struct sov_nl_err *err)
{
	static unsigned char buf[4096];
	struct nlattr *linkinfo, *data, *pnest;
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh;
	int nsfd = -1, ret;

	sov_nl_err_clear(err);
	if (netns) {
		nsfd = open_netns(netns, err);
		if (nsfd < 0)
			return nsfd;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	put_queues(nlh, queues);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, SOVNET_KIND);
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	pnest = mnl_attr_nest_start(nlh, SOVNET_INFO_PEER);
	/* the peer's ifinfomsg sits at the start of the nest, then its attributes */
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	put_queues(nlh, queues);
	if (nsfd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)nsfd);
	mnl_attr_nest_end(nlh, pnest);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	ret = rtnl_transact(nlh, NULL, NULL, err);
	if (nsfd >= 0)
		close(nsfd);
	return ret;
}

int netio_link_destroy(const char *name, struct sov_nl_err *err)
{
	unsigned char buf[256];
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_DELLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return rtnl_transact(nlh, NULL, NULL, err);
}

static void link_xdp(struct netio_link *k, const struct nlattr *nest)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == IFLA_XDP_ATTACHED && mnl_attr_get_payload_len(a) >= 1)
			k->xdp_attached = mnl_attr_get_u8(a);
		else if (mnl_attr_get_type(a) == IFLA_XDP_PROG_ID &&
			 mnl_attr_get_payload_len(a) >= 4)
			k->xdp_prog = mnl_attr_get_u32(a);
	}
}

static void link_kind(struct netio_link *k, const struct nlattr *nest)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == IFLA_INFO_KIND)
			snprintf(k->kind, sizeof(k->kind), "%.*s",
				 (int)strnlen(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a)),
				 (const char *)mnl_attr_get_payload(a));
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct netio_links *l = data;
	const struct ifinfomsg *ifm;
	const struct nlattr *a;
	struct netio_link *k;

	if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifm)))
		return MNL_CB_OK;
	if (l->n == l->cap) {
		unsigned int cap = l->cap ? 2 * l->cap : 8;
		struct netio_link *n = realloc(l->l, cap * sizeof(*n));

		if (!n) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		l->l = n;
		l->cap = cap;
	}
	ifm = mnl_nlmsg_get_payload(nlh);
	k = &l->l[l->n++];
	memset(k, 0, sizeof(*k));
	k->ifindex = ifm->ifi_index;
	k->up = ifm->ifi_flags & IFF_UP;
	mnl_attr_for_each(a, nlh, sizeof(*ifm)) {
		size_t len = mnl_attr_get_payload_len(a);

		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			snprintf(k->name, sizeof(k->name), "%.*s",
				 (int)strnlen(mnl_attr_get_payload(a), len),
				 (const char *)mnl_attr_get_payload(a));
			break;
		case IFLA_MTU:
			if (len >= 4)
				k->mtu = mnl_attr_get_u32(a);
			break;
		case IFLA_CARRIER:
			if (len >= 1)
				k->carrier = mnl_attr_get_u8(a);
			break;
		case IFLA_NUM_TX_QUEUES:
			if (len >= 4)
				k->txq = mnl_attr_get_u32(a);
			break;
		case IFLA_NUM_RX_QUEUES:
			if (len >= 4)
				k->rxq = mnl_attr_get_u32(a);
			break;
		case IFLA_XDP:
			link_xdp(k, a);
			break;
		case IFLA_LINKINFO:
			link_kind(k, a);
			break;
		case IFLA_STATS64:
			if (len >= sizeof(k->st)) {
				memcpy(&k->st, mnl_attr_get_payload(a), sizeof(k->st));
				k->has_stats = true;
			}
			break;
		}
	}
	return MNL_CB_OK;
}

int netio_link_dump(struct netio_links *out, const char *ifname, struct sov_nl_err *err)
{
	unsigned char buf[256];
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh;

	memset(out, 0, sizeof(*out));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | (ifname ? NLM_F_ACK : NLM_F_DUMP);
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	if (ifname)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	return rtnl_transact(nlh, link_cb, out, err);
}

void netio_links_free(struct netio_links *l)
{
	free(l->l);
	memset(l, 0, sizeof(*l));
}
