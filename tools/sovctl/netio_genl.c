// SPDX-License-Identifier: GPL-2.0
/*
 * The module's SOV_CMD_NETIO_* commands (uapi/linux/sovereign_netio.h):
 * GET, STATS_GET, FLOW_GET (a dump) and SET, an end named by
 * SOV_A_NETIO_IFNAME. A module built before them answers EOPNOTSUPP
 * (generic netlink's "no such command"): that is said as such, once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netio.h"

static const char *const netio_attr_names[SOV_A_NETIO_MAX + 1] = {
	[SOV_A_NETIO_IFINDEX] = "ifindex",
	[SOV_A_NETIO_IFNAME] = "ifname",
	[SOV_A_NETIO_RATE] = "rate",
	[SOV_A_NETIO_PRIOMAP] = "priomap",
	[SOV_A_NETIO_CLASS] = "class",
	[SOV_A_NETIO_QUEUE] = "queue",
	[SOV_A_NETIO_RESET] = "reset",
};

void netio_lacks(const char *what)
{
	fprintf(stderr, "sovctl: netio: sovereign.ko has no netio %s (module too old?)\n", what);
}

static uint64_t get_uint(const struct nlattr *a)
{
	switch (mnl_attr_get_payload_len(a)) {
	case 1:
		return mnl_attr_get_u8(a);
	case 2:
		return mnl_attr_get_u16(a);
	case 4:
		return mnl_attr_get_u32(a);
	case 8:
		return mnl_attr_get_u64(a);
	}
	return 0;
}

static void parse_queue(struct netio_dev *d, const struct nlattr *nest)
{
	const struct nlattr *a;
	unsigned int i;

	if (d->nq >= SOV_NETIO_QUEUES_MAX)
		return;
	i = d->nq++;
	mnl_attr_for_each_nested(a, nest) {
		uint64_t v = get_uint(a);

		switch (mnl_attr_get_type(a)) {
		case SOV_A_NETIO_QUEUE_ID: d->q[i].id = (uint32_t)v; break;
		case SOV_A_NETIO_QUEUE_CLASS: d->q[i].cls = (uint8_t)v; break;
		case SOV_A_NETIO_QUEUE_ZC: d->q[i].zc = (uint8_t)v; break;
		case SOV_A_NETIO_QUEUE_RX_PKTS: d->q[i].rx_pkts = v; break;
		case SOV_A_NETIO_QUEUE_RX_BYTES: d->q[i].rx_bytes = v; break;
		case SOV_A_NETIO_QUEUE_TX_PKTS: d->q[i].tx_pkts = v; break;
		case SOV_A_NETIO_QUEUE_TX_BYTES: d->q[i].tx_bytes = v; break;
		case SOV_A_NETIO_QUEUE_XSK_TX: d->q[i].xsk_tx = v; break;
		case SOV_A_NETIO_QUEUE_XSK_RX: d->q[i].xsk_rx = v; break;
		case SOV_A_NETIO_QUEUE_RX_NOBUF: d->q[i].rx_nobuf = v; break;
		case SOV_A_NETIO_QUEUE_RX_DROPS: d->q[i].rx_drops = v; break;
		case SOV_A_NETIO_QUEUE_TX_INVALID: d->q[i].tx_invalid = v; break;
		}
	}
}

static void parse_class(struct netio_dev *d, const struct nlattr *nest)
{
	const struct nlattr *a;
	unsigned int i;

	if (d->nc >= SOV_NETIO_CLASSES)
		return;
	i = d->nc++;
	mnl_attr_for_each_nested(a, nest) {
		uint64_t v = get_uint(a);

		switch (mnl_attr_get_type(a)) {
		case SOV_A_NETIO_CLASS_ID: d->c[i].id = (uint8_t)v; break;
		case SOV_A_NETIO_CLASS_RATE: d->c[i].rate = v; break;
		case SOV_A_NETIO_CLASS_BURST: d->c[i].burst = (uint32_t)v; break;
		case SOV_A_NETIO_CLASS_TX_PKTS: d->c[i].tx_pkts = v; break;
		case SOV_A_NETIO_CLASS_TX_BYTES: d->c[i].tx_bytes = v; break;
		case SOV_A_NETIO_CLASS_BACKLOG: d->c[i].backlog = (uint32_t)v; break;
		case SOV_A_NETIO_CLASS_THROTTLED: d->c[i].throttled = v; break;
		case SOV_A_NETIO_CLASS_DROPS: d->c[i].drops = v; break;
		}
	}
}

static int dev_cb(const struct nlmsghdr *nlh, void *data)
{
	struct netio_dev *d = data;
	const struct nlattr *a;

	memset(d, 0, sizeof(*d));
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		uint64_t v = get_uint(a);

		switch (mnl_attr_get_type(a)) {
		case SOV_A_NETIO_IFINDEX: d->ifindex = (uint32_t)v; break;
		case SOV_A_NETIO_IFNAME:
			snprintf(d->name, sizeof(d->name), "%.*s",
				 (int)strnlen(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a)),
				 (const char *)mnl_attr_get_payload(a));
			break;
		case SOV_A_NETIO_PEER_IFINDEX: d->peer_ifindex = (uint32_t)v; break;
		case SOV_A_NETIO_PEER_NETNSID:
			d->peer_netnsid = (int32_t)v;
			d->has_peer_netnsid = true;
			break;
		case SOV_A_NETIO_QUEUES: d->queues = (uint32_t)v; break;
		case SOV_A_NETIO_MTU: d->mtu = (uint32_t)v; break;
		case SOV_A_NETIO_RATE: d->rate = v; break;
		case SOV_A_NETIO_PRIOMAP:
			if (mnl_attr_get_payload_len(a) == SOV_NETIO_PRIOMAP_LEN) {
				memcpy(d->priomap, mnl_attr_get_payload(a), SOV_NETIO_PRIOMAP_LEN);
				d->has_priomap = true;
			}
			break;
		case SOV_A_NETIO_CLASS: parse_class(d, a); break;
		case SOV_A_NETIO_QUEUE: parse_queue(d, a); break;
		case SOV_A_NETIO_FLOWS_USED: d->flows_used = (uint32_t)v; break;
		case SOV_A_NETIO_COLLISIONS: d->collisions = v; break;
		case SOV_A_NETIO_CARRIER: d->carrier = (uint8_t)v; break;
		case SOV_A_NETIO_XDP_PROG_ID: d->xdp_prog = (uint32_t)v; break;
		case SOV_A_NETIO_TX_INVALID: d->tx_invalid = v; break;
		}
	}
	return MNL_CB_OK;
}

static int flow_cb(const struct nlmsghdr *nlh, void *data)
{
	struct netio_flows *fl = data;
	const struct nlattr *a, *b;
	struct netio_flow *f;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) != SOV_A_NETIO_FLOW)
			continue;
		if (fl->n == fl->cap) {
			unsigned int cap = fl->cap ? 2 * fl->cap : 64;
			struct netio_flow *n = realloc(fl->f, cap * sizeof(*n));

			if (!n) {
				errno = ENOMEM;
				return MNL_CB_ERROR;
			}
			fl->f = n;
			fl->cap = cap;
		}
		f = &fl->f[fl->n++];
		memset(f, 0, sizeof(*f));
		mnl_attr_for_each_nested(b, a) {
			uint64_t v = get_uint(b);
			size_t len = mnl_attr_get_payload_len(b);

			switch (mnl_attr_get_type(b)) {
			case SOV_A_NETIO_FLOW_INDEX: f->index = (uint32_t)v; break;
			case SOV_A_NETIO_FLOW_HASH: f->hash = (uint32_t)v; break;
			case SOV_A_NETIO_FLOW_PROTO: f->proto = (uint8_t)v; break;
			case SOV_A_NETIO_FLOW_SRC:
			case SOV_A_NETIO_FLOW_DST:
				if (len == 4 || len == 6 || len == 16) {
					memcpy(mnl_attr_get_type(b) == SOV_A_NETIO_FLOW_SRC ?
					       f->src : f->dst, mnl_attr_get_payload(b), len);
					f->alen = (uint8_t)len;
				}
				break;
			case SOV_A_NETIO_FLOW_SPORT: f->sport = (uint16_t)v; f->has_ports = true; break;
			case SOV_A_NETIO_FLOW_DPORT: f->dport = (uint16_t)v; f->has_ports = true; break;
			case SOV_A_NETIO_FLOW_CLASS: f->cls = (uint8_t)v; break;
			case SOV_A_NETIO_FLOW_PKTS: f->pkts = v; break;
			case SOV_A_NETIO_FLOW_BYTES: f->bytes = v; break;
			case SOV_A_NETIO_FLOW_COLLISIONS: f->collisions = v; break;
			}
		}
	}
	return MNL_CB_OK;
}

/* One request to the module: EXIT_OK, or the error said (and *lacks). */
static int netio_transact(struct nlmsghdr *nlh, sov_nl_cb cb, void *data, const char *what,
			  const char *lacks_what, bool *lacks, bool quiet)
{
	struct sov_nl_err err;
	struct sov_genl g;
	int ret;

	*lacks = false;
	if (module_open(&g, false, NULL))
		return EXIT_FAIL;
	nlh->nlmsg_type = g.family;
	ret = sov_genl_transact(&g, nlh, cb, data, &err);
	sov_genl_close(&g);
	if (!ret)
		return EXIT_OK;
	if (err.error == -EOPNOTSUPP && !err.msg[0]) {
		*lacks = true;
		if (!quiet)
			netio_lacks(lacks_what);
		return EXIT_FAIL;
	}
	return report_nl_error(what, &err, netio_attr_names, SOV_A_NETIO_MAX + 1);
}

static struct nlmsghdr *start(void *buf, uint8_t cmd, uint16_t flags, const char *ifname)
{
	struct nlmsghdr *nlh = sov_nl_put_hdr(buf, 0, cmd, SOV_GENL_VERSION, flags, 0);

	mnl_attr_put_strz(nlh, SOV_A_NETIO_IFNAME, ifname);
	return nlh;
}

int netio_genl_get(const char *ifname, struct netio_dev *d, bool *lacks, bool quiet)
{
	unsigned char buf[256];
	char what[64];

	snprintf(what, sizeof(what), "netio get %s", ifname);
	return netio_transact(start(buf, SOV_CMD_NETIO_GET, 0, ifname), dev_cb, d, what,
			      "state (SOV_CMD_NETIO_GET)", lacks, quiet);
}

int netio_genl_stats(const char *ifname, struct netio_dev *d, bool *lacks)
{
	unsigned char buf[256];
	char what[64];

	snprintf(what, sizeof(what), "netio stats %s", ifname);
	return netio_transact(start(buf, SOV_CMD_NETIO_STATS_GET, 0, ifname), dev_cb, d, what,
			      "stats (SOV_CMD_NETIO_STATS_GET)", lacks, false);
}

int netio_genl_flows(const char *ifname, struct netio_flows *fl, bool *lacks)
{
	unsigned char buf[256];
	char what[64];

	memset(fl, 0, sizeof(*fl));
	snprintf(what, sizeof(what), "netio flows %s", ifname);
	return netio_transact(start(buf, SOV_CMD_NETIO_FLOW_GET, NLM_F_DUMP, ifname), flow_cb,
			      fl, what, "flow table (SOV_CMD_NETIO_FLOW_GET)", lacks, false);
}

int netio_genl_set(const char *ifname, const struct netio_set *s, bool *lacks)
{
	unsigned char buf[1024];
	struct nlmsghdr *nlh = start(buf, SOV_CMD_NETIO_SET, NLM_F_ACK, ifname);
	struct nlattr *nest;
	unsigned int i;
	char what[64];

	if (s->has_rate)
		mnl_attr_put_u64(nlh, SOV_A_NETIO_RATE, s->rate);
	if (s->has_priomap)
		mnl_attr_put(nlh, SOV_A_NETIO_PRIOMAP, SOV_NETIO_PRIOMAP_LEN, s->priomap);
	for (i = 0; i < s->nclass; i++) {
		nest = mnl_attr_nest_start(nlh, SOV_A_NETIO_CLASS);
		mnl_attr_put_u8(nlh, SOV_A_NETIO_CLASS_ID, s->cls[i].id);
		mnl_attr_put_u64(nlh, SOV_A_NETIO_CLASS_RATE, s->cls[i].rate);
		if (s->cls[i].has_burst)
			mnl_attr_put_u32(nlh, SOV_A_NETIO_CLASS_BURST, s->cls[i].burst);
		mnl_attr_nest_end(nlh, nest);
	}
	for (i = 0; i < s->nqueue; i++) {
		nest = mnl_attr_nest_start(nlh, SOV_A_NETIO_QUEUE);
		mnl_attr_put_u32(nlh, SOV_A_NETIO_QUEUE_ID, s->queue[i].id);
		mnl_attr_put_u8(nlh, SOV_A_NETIO_QUEUE_CLASS, s->queue[i].cls);
		mnl_attr_nest_end(nlh, nest);
	}
	if (s->reset)
		mnl_attr_put(nlh, SOV_A_NETIO_RESET, 0, NULL);
	snprintf(what, sizeof(what), "netio set %s", ifname);
	return netio_transact(nlh, NULL, NULL, what, "settings (SOV_CMD_NETIO_SET)", lacks, false);
}
