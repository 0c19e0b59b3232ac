// SPDX-License-Identifier: GPL-2.0
/*
 * link_sovnet.so: `ip link add NAME type sovnet peer name PEER [OPTIONS]`
 * for the stock ip. ip loads $IP_LIB_DIR/link_sovnet.so and looks up the
 * symbol sovnet_link_util. sovnet's IFLA_INFO_DATA has veth's layout
 * (SOVNET_INFO_PEER == VETH_INFO_PEER: a struct ifinfomsg and the peer's
 * IFLA_* attributes), so the options are parsed by the veth parser ip itself
 * exports (veth_link_util); nothing of it is copied here.
 */
#include <stdio.h>
#include <linux/netlink.h>

/* iproute2 6.1's struct link_util (ip/ip_common.h), with spare room */
struct link_util {
	struct link_util *next;
	const char *id;
	int maxattr;
	int (*parse_opt)(struct link_util *lu, int argc, char **argv,
			 struct nlmsghdr *n);
	void *rest[16];
};

extern struct link_util veth_link_util;

static int sovnet_parse_opt(struct link_util *lu, int argc, char **argv,
			    struct nlmsghdr *n)
{
	if (!veth_link_util.parse_opt) {
		fprintf(stderr, "link_sovnet: this ip has no veth parser\n");
		return -1;
	}
	return veth_link_util.parse_opt(lu, argc, argv, n);
}

struct link_util sovnet_link_util = {
	.id = "sovnet",
	.maxattr = 1,
	.parse_opt = sovnet_parse_opt,
};
