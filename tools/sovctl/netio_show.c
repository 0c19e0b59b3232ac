// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl netio status / stats / set: rtnetlink's view of every sovnet end
 * joined with the module's (SOV_CMD_NETIO_GET, STATS_GET, FLOW_GET, SET).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "netio.h"
#include "print.h"

static int dump_error(struct sov_nl_err *err)
{
	if (err->error == -ENODEV)
		return op_error("netio: no such device");
	return op_error("netio: rtnetlink: %s%s%s", strerror(-err->error),
			err->msg[0] ? ": " : "", err->msg);
}

static const char *xdp_mode(uint8_t a)
{
	switch (a) {
	case XDP_ATTACHED_DRV: return "native";
	case XDP_ATTACHED_SKB: return "generic";
	case XDP_ATTACHED_HW: return "offload";
	case XDP_ATTACHED_MULTI: return "multi";
	}
	return "none";
}

static void print_link_stats(const struct netio_link *k)
{
	print_open_object("link_stats");
	print_u64("rx_packets", "  link rx %llu packets", k->st.rx_packets);
	print_u64("rx_bytes", " %llu bytes", k->st.rx_bytes);
	print_u64("rx_dropped", " %llu dropped\n", k->st.rx_dropped);
	print_u64("tx_packets", "  link tx %llu packets", k->st.tx_packets);
	print_u64("tx_bytes", " %llu bytes", k->st.tx_bytes);
	print_u64("tx_dropped", " %llu dropped\n", k->st.tx_dropped);
	print_close_object();
}

int netio_cmd_status(int argc, char **argv)
{
	bool lacks = false, told = false;
	struct netio_links l;
	struct sov_nl_err err;
	unsigned int i, q, n = 0;

	if (argc > 1)
		return usage_error("netio status: one DEV at most, got \"%s\" after it", argv[1]);
	if (argc == 1 && netio_check_ifname("netio status: DEV", argv[0]))
		return EXIT_USAGE;
	if (netio_link_dump(&l, argc ? argv[0] : NULL, &err))
		return dump_error(&err);
	if (argc && (l.n != 1 || strcmp(l.l[0].kind, SOVNET_KIND))) {
		netio_links_free(&l);
		return op_error("netio status %s: not a sovnet device", argv[0]);
	}
	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_open_array("devices");
	for (i = 0; i < l.n; i++) {
		const struct netio_link *k = &l.l[i];
		struct netio_dev d;
		char peer[32];
		unsigned int zc = 0;
		bool have = false;

		if (strcmp(k->kind, SOVNET_KIND))
			continue;
		n++;
		if (!lacks) {
			have = !netio_genl_get(k->name, &d, &lacks, told);
			if (lacks)
				told = true;
		}
		print_open_object(NULL);
		print_string("name", "%s:", k->name);
		print_u64("ifindex", " ifindex %llu", (uint64_t)k->ifindex);
		if (have) {
			if (d.has_peer_netnsid)
				snprintf(peer, sizeof(peer), "%u@nsid%d", d.peer_ifindex, d.peer_netnsid);
			else if (!if_indextoname(d.peer_ifindex, peer))
				snprintf(peer, sizeof(peer), "if%u", d.peer_ifindex);
			print_string("peer", " peer %s", peer);
		} else {
			print_null("peer", " peer ?");
		}
		print_u64("queues", " queues %llu", have ? d.queues : k->rxq);
		print_u64("mtu", " mtu %llu", k->mtu);
		print_bool("up", " up %s", k->up);
		print_bool("carrier", " carrier %s", k->carrier);
		print_u64("xdp_prog", " xdp %llu", k->xdp_prog);
		print_string("xdp_mode", " (%s)", xdp_mode(k->xdp_attached));
		if (have) {
			print_open_array("zc_queues");
			print_text(" zc-queues");
			for (q = 0; q < d.nq; q++) {
				if (d.q[q].zc) {
					print_u64(NULL, " %llu", d.q[q].id);
					zc++;
				}
			}
			if (!zc)
				print_text(" none");
			print_close_array();
		} else {
			print_null("zc_queues", " zc-queues ?");
		}
		print_text("\n");
		print_close_object();
	}
	print_close_array();
	if (!n)
		print_text("no sovnet devices\n");
	print_end();
	netio_links_free(&l);
	return EXIT_OK;
}

static const char *fmt_addr(const uint8_t *a, uint8_t alen, char *buf, size_t size)
{
	if (!alen)
		return "-";
	if (alen == 6) {	/* not IP: the module gives the MACs */
		snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3],
			 a[4], a[5]);
		return buf;
	}
	return inet_ntop(alen == 4 ? AF_INET : AF_INET6, a, buf, (socklen_t)size) ? buf : "?";
}

static int stats_flows(const char *dev)
{
	struct netio_flows fl;
	bool lacks;
	unsigned int i;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	if (netio_genl_flows(dev, &fl, &lacks))
		return EXIT_FAIL;
	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_string("dev", "%s flow table:\n", dev);
	print_open_array("flows");
	print_text("  index  proto  source -> destination  class  packets  bytes  collisions\n");
	for (i = 0; i < fl.n; i++) {
		const struct netio_flow *f = &fl.f[i];

		print_open_object(NULL);
		print_u64("index", "  %5llu", f->index);
		print_u64("proto", "  %5llu", f->proto);
		print_string("src", "  %s", fmt_addr(f->src, f->alen, s, sizeof(s)));
		if (f->has_ports)
			print_u64("sport", ":%llu", f->sport);
		print_string("dst", " -> %s", fmt_addr(f->dst, f->alen, d, sizeof(d)));
		if (f->has_ports)
			print_u64("dport", ":%llu", f->dport);
		print_u64("class", "  %llu", f->cls);
		print_u64("packets", "  %llu", f->pkts);
		print_u64("bytes", "  %llu", f->bytes);
		print_u64("collisions", "  %llu\n", f->collisions);
		print_u64("hash", NULL, f->hash);
		print_close_object();
	}
	print_close_array();
	print_end();
	free(fl.f);
	return EXIT_OK;
}

/*
 * STATS_GET carries the counters, GET the settings (the end's rate, the
 * priomap, a class's rate and burst, a queue's class): show both.
 */
static void merge_settings(const char *dev, struct netio_dev *d)
{
	struct netio_dev g;
	unsigned int i, j;
	bool lacks;

	if (netio_genl_get(dev, &g, &lacks, true))
		return;
	d->rate = g.rate;
	d->has_priomap = g.has_priomap;
	memcpy(d->priomap, g.priomap, sizeof(d->priomap));
	for (i = 0; i < d->nc; i++) {
		for (j = 0; j < g.nc; j++) {
			if (g.c[j].id == d->c[i].id && !d->c[i].rate) {
				d->c[i].rate = g.c[j].rate;
				d->c[i].burst = g.c[j].burst;
			}
		}
	}
	for (i = 0; i < d->nq; i++)
		for (j = 0; j < g.nq; j++)
			if (g.q[j].id == d->q[i].id)
				d->q[i].cls = g.q[j].cls;
}

int netio_cmd_stats(int argc, char **argv)
{
	struct netio_links l;
	struct sov_nl_err err;
	struct netio_dev d;
	bool lacks = false;
	unsigned int i;
	int ret;

	if (argc < 1)
		return usage_error("netio stats: DEV missing (stats DEV [flows])");
	if (netio_check_ifname("netio stats: DEV", argv[0]))
		return EXIT_USAGE;
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "flows")))
		return usage_error("netio stats %s: \"%s\" is not \"flows\"", argv[0], argv[1]);
	if (netio_link_dump(&l, argv[0], &err))
		return dump_error(&err);
	if (l.n != 1 || strcmp(l.l[0].kind, SOVNET_KIND)) {
		netio_links_free(&l);
		return op_error("netio stats %s: not a sovnet device", argv[0]);
	}
	if (argc == 2) {
		netio_links_free(&l);
		return stats_flows(argv[0]);
	}
	ret = netio_genl_stats(argv[0], &d, &lacks);
	if (ret && !lacks) {
		netio_links_free(&l);
		return ret;
	}
	if (!lacks)
		merge_settings(argv[0], &d);
	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_string("dev", "%s", argv[0]);
	print_string("source", " (%s)\n", lacks ? "rtnetlink" : "module");
	if (lacks) {
		print_link_stats(&l.l[0]);
		goto out;
	}
	print_u64("flows_used", "  flows used %llu", d.flows_used);
	print_u64("collisions", " collisions %llu", d.collisions);
	print_u64("tx_invalid", " tx invalid %llu", d.tx_invalid);
	print_u64("rate", " rate %llu B/s", d.rate);
	if (d.has_priomap) {
		print_open_array("priomap");
		print_text(" priomap");
		for (i = 0; i < SOV_NETIO_PRIOMAP_LEN; i++)
			print_u64(NULL, " %llu", d.priomap[i]);
		print_close_array();
	}
	print_text("\n");
	print_open_array("queues");
	for (i = 0; i < d.nq; i++) {
		print_open_object(NULL);
		print_u64("id", "  queue %llu:", d.q[i].id);
		print_u64("class", " class %llu", d.q[i].cls);
		print_bool("zc", " zc %s", d.q[i].zc);
		print_u64("rx_packets", " rx %llu", d.q[i].rx_pkts);
		print_u64("rx_bytes", "/%lluB", d.q[i].rx_bytes);
		print_u64("tx_packets", " tx %llu", d.q[i].tx_pkts);
		print_u64("tx_bytes", "/%lluB", d.q[i].tx_bytes);
		print_u64("xsk_tx", " xsk-tx %llu", d.q[i].xsk_tx);
		print_u64("xsk_rx", " xsk-rx %llu", d.q[i].xsk_rx);
		print_u64("rx_nobuf", " nobuf %llu", d.q[i].rx_nobuf);
		print_u64("rx_drops", " drops %llu", d.q[i].rx_drops);
		print_u64("tx_invalid", " invalid %llu\n", d.q[i].tx_invalid);
		print_close_object();
	}
	print_close_array();
	print_open_array("classes");
	for (i = 0; i < d.nc; i++) {
		print_open_object(NULL);
		print_u64("id", "  class %llu:", d.c[i].id);
		print_u64("rate", " rate %llu B/s", d.c[i].rate);
		print_u64("burst", " burst %llu", d.c[i].burst);
		print_u64("tx_packets", " tx %llu", d.c[i].tx_pkts);
		print_u64("tx_bytes", "/%lluB", d.c[i].tx_bytes);
		print_u64("backlog", " backlog %llu", d.c[i].backlog);
		print_u64("throttled", " throttled %llu", d.c[i].throttled);
		print_u64("drops", " drops %llu\n", d.c[i].drops);
		print_close_object();
	}
	print_close_array();
	print_link_stats(&l.l[0]);
out:
	print_end();
	netio_links_free(&l);
	return EXIT_OK;
}

static int set_class(struct netio_set *s, int argc, char **argv, int *i)
{
	uint32_t id;

	/* class C rate R [burst B] */
	if (*i + 3 >= argc || strcmp(argv[*i + 2], "rate"))
		return usage_error("netio set: class takes \"class C rate R [burst B]\"");
	if (parse_u32(argv[*i + 1], 10, &id) || id >= SOV_NETIO_CLASSES)
		return usage_error("netio set: class \"%s\": 0 to %d", argv[*i + 1],
				   SOV_NETIO_CLASSES - 1);
	if (s->nclass >= SOV_NETIO_CLASSES)
		return usage_error("netio set: more than %d class settings", SOV_NETIO_CLASSES);
	s->cls[s->nclass].id = (uint8_t)id;
	if (netio_parse_rate(argv[*i + 3], &s->cls[s->nclass].rate))
		return usage_error("netio set: class %u rate \"%s\": a rate (e.g. 100mbit, 5mb, 125000)",
				   id, argv[*i + 3]);
	*i += 3;
	if (*i + 2 < argc && !strcmp(argv[*i + 1], "burst")) {
		if (parse_u32(argv[*i + 2], 10, &s->cls[s->nclass].burst) ||
		    !s->cls[s->nclass].burst)
			return usage_error("netio set: class %u burst \"%s\": bytes, above 0", id,
					   argv[*i + 2]);
		s->cls[s->nclass].has_burst = true;
		*i += 2;
	}
	s->nclass++;
	return EXIT_OK;
}

int netio_cmd_set(int argc, char **argv)
{
	struct netio_set s;
	bool lacks;
	uint32_t v;
	int i, j;

	memset(&s, 0, sizeof(s));
	if (argc < 1)
		return usage_error("netio set: DEV missing");
	if (netio_check_ifname("netio set: DEV", argv[0]))
		return EXIT_USAGE;
	if (argc < 2)
		return usage_error("netio set %s: nothing to set (rate, class, queue, priomap, reset)",
				   argv[0]);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "reset")) {
			s.reset = true;
		} else if (!strcmp(argv[i], "rate")) {
			if (i + 1 >= argc || netio_parse_rate(argv[i + 1], &s.rate))
				return usage_error("netio set: rate \"%s\": a rate (e.g. 1gbit, 100mb, 125000)",
						   i + 1 < argc ? argv[i + 1] : "");
			s.has_rate = true;
			i++;
		} else if (!strcmp(argv[i], "class")) {
			if (set_class(&s, argc, argv, &i))
				return EXIT_USAGE;
		} else if (!strcmp(argv[i], "queue")) {
			uint32_t q, c;

			if (i + 3 >= argc || strcmp(argv[i + 2], "class"))
				return usage_error("netio set: queue takes \"queue Q class C\"");
			if (parse_u32(argv[i + 1], 10, &q) || q >= SOV_NETIO_QUEUES_MAX)
				return usage_error("netio set: queue \"%s\": 0 to %d", argv[i + 1],
						   SOV_NETIO_QUEUES_MAX - 1);
			if (parse_u32(argv[i + 3], 10, &c) || c >= SOV_NETIO_CLASSES)
				return usage_error("netio set: queue %u class \"%s\": 0 to %d", q,
						   argv[i + 3], SOV_NETIO_CLASSES - 1);
			if (s.nqueue >= SOV_NETIO_QUEUES_MAX)
				return usage_error("netio set: more than %d queue settings",
						   SOV_NETIO_QUEUES_MAX);
			s.queue[s.nqueue].id = q;
			s.queue[s.nqueue++].cls = (uint8_t)c;
			i += 3;
		} else if (!strcmp(argv[i], "priomap")) {
			if (i + SOV_NETIO_PRIOMAP_LEN >= argc)
				return usage_error("netio set: priomap takes %d classes (0-%d), one per priority 0..15",
						   SOV_NETIO_PRIOMAP_LEN, SOV_NETIO_CLASSES - 1);
			for (j = 0; j < SOV_NETIO_PRIOMAP_LEN; j++) {
				if (parse_u32(argv[i + 1 + j], 10, &v) || v >= SOV_NETIO_CLASSES)
					return usage_error("netio set: priomap entry %d \"%s\": a class 0 to %d",
							   j, argv[i + 1 + j], SOV_NETIO_CLASSES - 1);
				s.priomap[j] = (uint8_t)v;
			}
			s.has_priomap = true;
			i += SOV_NETIO_PRIOMAP_LEN;
		} else {
			return usage_error("netio set: \"%s\" is not rate, class, queue, priomap or reset",
					   argv[i]);
		}
	}
	if (netio_genl_set(argv[0], &s, &lacks))
		return EXIT_FAIL;
	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_string("dev", "%s: set\n", argv[0]);
	print_end();
	return EXIT_OK;
}
