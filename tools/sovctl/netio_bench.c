// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl netio bench: lib/netio on DEV, and on PEER the side that makes
 * the measurement whole (txonly -> rxdrop, or txonly -> l2fwd and back),
 * in one process. The headline rate is what the measuring side counted:
 * received frames for txonly and rxdrop, forwarded ones for l2fwd.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netio.h"
#include "print.h"

struct bench_args {
	struct netio_cfg cfg;
	const char *dev, *peer;
	enum netio_mode mode;
	bool has_mode;
};

static int parse_time(const char *s, uint32_t *ms)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 0.01 || v > 3600)
		return -EINVAL;
	*ms = (uint32_t)(v * 1000 + 0.5);
	return 0;
}

static int parse_onoff(const char *s, bool *v)
{
	if (!strcmp(s, "on"))
		*v = true;
	else if (!strcmp(s, "off"))
		*v = false;
	else
		return -EINVAL;
	return 0;
}

static int bench_parse(int argc, char **argv, struct bench_args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->cfg.need_wakeup = true;
	a->cfg.duration_ms = 1000;
	a->cfg.bind = NETIO_BIND_AUTO;
	if (argc < 1)
		return usage_error("netio bench: DEV missing (bench DEV [PEER] mode MODE ...)");
	a->dev = argv[0];
	if (netio_check_ifname("netio bench: DEV", a->dev))
		return EXIT_USAGE;
	i = 1;
	if (i < argc && strcmp(argv[i], "mode")) {
		a->peer = argv[i++];
		if (netio_check_ifname("netio bench: PEER", a->peer))
			return EXIT_USAGE;
		if (!strcmp(a->peer, a->dev))
			return usage_error("netio bench: PEER is DEV (%s): name the other end", a->dev);
	}
	for (; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(k, "zc") || !strcmp(k, "copy") || !strcmp(k, "auto")) {
			netio_bind_parse(k, &a->cfg.bind);
			continue;
		}
		if (!strcmp(k, "shared-umem")) {
			a->cfg.shared_umem = true;
			continue;
		}
		if (!strcmp(k, "mode") || !strcmp(k, "size") || !strcmp(k, "time") ||
		    !strcmp(k, "queue") || !strcmp(k, "frames") || !strcmp(k, "frame-size") ||
		    !strcmp(k, "need-wakeup")) {
			if (!v)
				return usage_error("netio bench: \"%s\" needs a value", k);
			i++;
		} else {
			return usage_error("netio bench: \"%s\" is unknown (mode, size, time, queue, zc, copy, auto, frames, frame-size, need-wakeup, shared-umem)",
					   k);
		}
		if (!strcmp(k, "mode")) {
			if (netio_mode_parse(v, &a->mode))
				return usage_error("netio bench: mode \"%s\": rxdrop, txonly or l2fwd", v);
			a->has_mode = true;
		} else if (!strcmp(k, "size")) {
			if (parse_u32(v, 10, &a->cfg.size) || a->cfg.size < NETIO_SIZE_MIN ||
			    a->cfg.size > 4096 - 256)
				return usage_error("netio bench: size \"%s\": frame bytes from %d to %d (and at most the MTU + 14)",
						   v, NETIO_SIZE_MIN, 4096 - 256);
		} else if (!strcmp(k, "time")) {
			if (parse_time(v, &a->cfg.duration_ms))
				return usage_error("netio bench: time \"%s\": seconds, 0.01 to 3600", v);
		} else if (!strcmp(k, "queue")) {
			if (parse_u32(v, 10, &a->cfg.sock[0].queue) ||
			    a->cfg.sock[0].queue > NETIO_QUEUE_MAX)
				return usage_error("netio bench: queue \"%s\": 0 to %d", v,
						   NETIO_QUEUE_MAX);
		} else if (!strcmp(k, "frames")) {
			if (parse_u32(v, 10, &a->cfg.frames) || a->cfg.frames < NETIO_FRAMES_MIN ||
			    a->cfg.frames > NETIO_FRAMES_MAX)
				return usage_error("netio bench: frames \"%s\": %d to %u UMEM frames", v,
						   NETIO_FRAMES_MIN, NETIO_FRAMES_MAX);
		} else if (!strcmp(k, "frame-size")) {
			if (parse_u32(v, 10, &a->cfg.frame_size) ||
			    (a->cfg.frame_size != 2048 && a->cfg.frame_size != 4096))
				return usage_error("netio bench: frame-size \"%s\": 2048 or 4096", v);
		} else if (parse_onoff(v, &a->cfg.need_wakeup)) {
			return usage_error("netio bench: need-wakeup \"%s\": on or off", v);
		}
	}
	if (!a->has_mode)
		return usage_error("netio bench: mode missing (mode rxdrop|txonly|l2fwd)");
	if (a->cfg.frame_size && a->cfg.size > a->cfg.frame_size - 256)
		return usage_error("netio bench: size %u does not fit a %u-byte frame (at most %u)",
				   a->cfg.size, a->cfg.frame_size, a->cfg.frame_size - 256);
	if (a->cfg.shared_umem && !a->peer)
		return usage_error("netio bench: shared-umem needs a PEER (two sockets share it)");
	/* the measuring side opens first: it is ready when the sender starts */
	a->cfg.sock[1].queue = a->cfg.sock[0].queue;
	if (!a->peer) {
		a->cfg.nsocks = 1;
		snprintf(a->cfg.sock[0].ifname, IF_NAMESIZE, "%s", a->dev);
		a->cfg.sock[0].mode = a->mode;
	} else if (a->mode == NETIO_MODE_TXONLY) {
		a->cfg.nsocks = 2;
		snprintf(a->cfg.sock[0].ifname, IF_NAMESIZE, "%s", a->peer);
		a->cfg.sock[0].mode = NETIO_MODE_RXDROP;
		snprintf(a->cfg.sock[1].ifname, IF_NAMESIZE, "%s", a->dev);
		a->cfg.sock[1].mode = NETIO_MODE_TXONLY;
	} else {
		a->cfg.nsocks = 2;
		snprintf(a->cfg.sock[0].ifname, IF_NAMESIZE, "%s", a->dev);
		a->cfg.sock[0].mode = a->mode;
		snprintf(a->cfg.sock[1].ifname, IF_NAMESIZE, "%s", a->peer);
		a->cfg.sock[1].mode = NETIO_MODE_TXONLY;
	}
	return EXIT_OK;
}

/* The count the headline rate is made of. */
static uint64_t headline(const struct netio_result *r, enum netio_mode mode, bool peer)
{
	unsigned int i;
	uint64_t n = 0;

	for (i = 0; i < r->nsocks; i++) {
		const struct netio_sock_result *s = &r->sock[i];

		if (mode == NETIO_MODE_L2FWD && s->mode == NETIO_MODE_L2FWD)
			n += s->fwd_pkts;
		else if (mode != NETIO_MODE_L2FWD && s->mode == NETIO_MODE_RXDROP)
			n += s->rx_pkts;
		else if (!peer && mode == NETIO_MODE_TXONLY)
			n += s->tx_pkts;
	}
	return n;
}

static void print_sock(const struct netio_result *r, const struct netio_sock_result *s)
{
	print_open_object(NULL);
	print_string("dev", "  %-10s", s->ifname);
	print_u64("queue", " %5llu", s->queue);
	print_string("mode", " %-7s", netio_mode_name(s->mode));
	print_string("bind", " %-5s", s->zerocopy ? "zc" : "copy");
	print_bool("zerocopy", NULL, s->zerocopy);
	print_bool("need_wakeup", NULL, s->need_wakeup);
	print_u64("tx_packets", " %12llu", s->tx_pkts);
	print_u64("rx_packets", " %12llu", s->rx_pkts);
	print_u64("tx_pps", " %10llu", (uint64_t)netio_pps(r, s->tx_pkts));
	print_u64("rx_pps", " %10llu", (uint64_t)netio_pps(r, s->rx_pkts));
	print_u64("fwd_packets", " %10llu\n", s->fwd_pkts);
	print_u64("tx_bytes", NULL, s->tx_bytes);
	print_u64("rx_bytes", NULL, s->rx_bytes);
	print_u64("rx_foreign", NULL, s->rx_foreign);
	print_u64("rx_seq_gaps", NULL, s->rx_seq_gaps);
	print_u64("tx_invalid", NULL, s->tx_invalid);
	print_u64("rx_dropped", NULL, s->rx_dropped);
	print_u64("rx_fill_empty", NULL, s->rx_fill_empty);
	if (s->lat.count) {
		print_open_object("latency");
		print_u64("count", NULL, s->lat.count);
		print_u64("min_ns", NULL, s->lat.min);
		print_u64("p50_ns", NULL, s->lat.p50);
		print_u64("p99_ns", NULL, s->lat.p99);
		print_u64("max_ns", NULL, s->lat.max);
		print_close_object();
	} else {
		print_null("latency", NULL);
	}
	print_close_object();
}

static void print_result(const struct bench_args *a, const struct netio_result *r)
{
	uint64_t n = headline(r, a->mode, a->peer), pps = (uint64_t)netio_pps(r, n);
	unsigned int i;

	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_string("dev", "netio bench: %s", a->dev);
	if (a->peer)
		print_string("peer", " <-> %s", a->peer);
	else
		print_null("peer", NULL);
	print_string("mode", ", %s", netio_mode_name(a->mode));
	print_u64("size", ", %llu B", a->cfg.size ? a->cfg.size : NETIO_SIZE_MIN);
	print_string("bind", ", %s", netio_bind_name(a->cfg.bind));
	print_bool("need_wakeup", ", need-wakeup %s", a->cfg.need_wakeup);
	print_bool("shared_umem", ", shared UMEM %s", a->cfg.shared_umem);
	print_u64("duration_ms", NULL, (uint64_t)(r->seconds * 1000));
	print_text(", %.2f s\n", r->seconds);
	print_u64("packets", "  packets %llu", n);
	print_u64("pps", "  pps %llu", pps);
	print_u64("mbit_s", "  Mbit/s %llu", (uint64_t)(netio_pps(r, n) *
						 (a->cfg.size ? a->cfg.size : NETIO_SIZE_MIN) * 8 / 1e6));
	print_u64("ns_per_pkt", "  ns/pkt %llu\n", pps ? 1000000000ull / pps : 0);
	print_text("  %-10s %5s %-7s %-5s %12s %12s %10s %10s %10s\n", "dev", "queue", "mode",
		   "bind", "tx", "rx", "tx/s", "rx/s", "fwd");
	print_open_array("sockets");
	for (i = 0; i < r->nsocks; i++)
		print_sock(r, &r->sock[i]);
	print_close_array();
	for (i = 0; i < r->nsocks; i++) {
		const struct netio_sock_result *s = &r->sock[i];

		if (!s->lat.count)
			continue;
		print_text("  latency at %s (%s, %llu frames): min %llu ns  p50 %llu ns  p99 %llu ns  max %llu ns\n",
			   s->ifname, a->mode == NETIO_MODE_L2FWD ? "round trip" : "one way",
			   (unsigned long long)s->lat.count, (unsigned long long)s->lat.min,
			   (unsigned long long)s->lat.p50, (unsigned long long)s->lat.p99,
			   (unsigned long long)s->lat.max);
	}
	print_end();
}

int netio_cmd_bench(int argc, char **argv)
{
	struct bench_args a;
	struct netio_result r;
	struct netio_err err;
	int ret;

	ret = bench_parse(argc, argv, &a);
	if (ret)
		return ret;
	ret = netio_run(&a.cfg, &r, &err);
	if (ret)
		return op_error("netio bench: %s", err.msg[0] ? err.msg : strerror(-ret));
	print_result(&a, &r);
	return EXIT_OK;
}
