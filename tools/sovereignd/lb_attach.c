// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching the load balancer's XDP program to an interface and taking it
 * off again: the node-local part of its configuration (in a cluster every
 * node attaches to its own interface; services and backends replicate).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>

#include "lb.skel.h"
#include "lb.h"
#include "log.h"

#define REFUSE(ret, ...) do { snprintf(msg, msglen, __VA_ARGS__); return (ret); } while (0)

static int interface_source(const char *ifname, int family, void *out)
{
	struct ifaddrs *ifa, *i;
	int ret = -ENOENT;

	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, ifname) ||
		    i->ifa_addr->sa_family != family)
			continue;
		if (family == AF_INET)
			memcpy(out, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		else
			memcpy(out, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		ret = 0;
		break;
	}
	freeifaddrs(ifa);
	return ret;
}

static int interface_mac(const char *ifname, uint8_t mac[6])
{
	unsigned int m[6];
	char path[128];
	FILE *f;
	int i, n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/address", ifname);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fscanf(f, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]);
	fclose(f);
	if (n != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
	return 0;
}

int sovd_lb_attach(struct sovd_lb *lb, const struct nlattr **tb, char *msg, size_t msglen)
{
	struct lb_config cfg = {};
	const char *ifname;
	uint32_t mode = SOV_LB_XDP_NATIVE, key = 0, flags;
	int ifindex, ret;

	if (!tb[SOV_A_LB_IFNAME])
		REFUSE(-EINVAL, "IFNAME (the interface to attach to) missing");
	ifname = mnl_attr_get_str(tb[SOV_A_LB_IFNAME]);
	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex)
		REFUSE(-ENODEV, "interface \"%s\" does not exist", ifname);
	if (!tb[SOV_A_LB_GW_MAC] || mnl_attr_get_payload_len(tb[SOV_A_LB_GW_MAC]) != 6)
		REFUSE(-EINVAL, "GW_MAC (6 bytes: where forwarded packets go) missing");
	if (tb[SOV_A_LB_XDP_MODE])
		mode = mnl_attr_get_u32(tb[SOV_A_LB_XDP_MODE]);
	if (mode > SOV_LB_XDP_GENERIC)
		REFUSE(-EINVAL, "XDP_MODE %u unknown: expected 0 (native) or 1 (generic)", mode);
	if (interface_mac(ifname, cfg.src_mac))
		REFUSE(-EINVAL, "interface \"%s\" has no Ethernet address", ifname);
	memcpy(cfg.gw_mac, mnl_attr_get_payload(tb[SOV_A_LB_GW_MAC]), 6);
	if (tb[SOV_A_LB_SRC4] && mnl_attr_get_payload_len(tb[SOV_A_LB_SRC4]) == 4)
		memcpy(&cfg.src4, mnl_attr_get_payload(tb[SOV_A_LB_SRC4]), 4);
	else
		interface_source(ifname, AF_INET, &cfg.src4);
	if (tb[SOV_A_LB_SRC6] && mnl_attr_get_payload_len(tb[SOV_A_LB_SRC6]) == 16)
		memcpy(cfg.src6, mnl_attr_get_payload(tb[SOV_A_LB_SRC6]), 16);
	else
		interface_source(ifname, AF_INET6, cfg.src6);
	if (bpf_map_update_elem(bpf_map__fd(lb->skel->maps.lb_config), &key, &cfg, BPF_ANY))
		REFUSE(-errno, "writing lb_config: %s", strerror(errno));

	flags = mode == SOV_LB_XDP_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	if (lb->ifindex && (lb->ifindex != ifindex || lb->xdp_flags != flags))
		bpf_xdp_detach(lb->ifindex, lb->xdp_flags, NULL);
	ret = bpf_xdp_attach(ifindex, bpf_program__fd(lb->skel->progs.sov_lb), flags, NULL);
	if (ret)
		REFUSE(ret, "attaching XDP (%s) to %s failed: %s%s",
		       mode == SOV_LB_XDP_GENERIC ? "generic" : "native", ifname, strerror(-ret),
		       mode == SOV_LB_XDP_NATIVE ? " (try mode generic)" : "");
	lb->ifindex = ifindex;
	lb->xdp_flags = flags;
	log_notice("lb: attached to %s (%s XDP)", ifname,
		   mode == SOV_LB_XDP_GENERIC ? "generic" : "native");
	sovd_lb_emit(lb, &(struct sovd_lb_event){ .kind = SOV_LB_EVENT_ATTACHED,
		     .ifname = ifname, .ifindex = ifindex, .xdp_mode = mode });
	return 0;
}

int sovd_lb_detach(struct sovd_lb *lb, char *msg, size_t msglen)
{
	char name[IF_NAMESIZE] = "?";

	if (!lb->ifindex)
		REFUSE(-ENOENT, "the load balancer is not attached");
	if_indextoname((unsigned int)lb->ifindex, name);
	if (bpf_xdp_detach(lb->ifindex, lb->xdp_flags, NULL))
		REFUSE(-errno, "detaching from %s failed: %s", name, strerror(errno));
	log_notice("lb: detached from %s", name);
	sovd_lb_emit(lb, &(struct sovd_lb_event){ .kind = SOV_LB_EVENT_DETACHED,
		     .ifname = name, .ifindex = lb->ifindex });
	lb->ifindex = 0;
	return 0;
}
