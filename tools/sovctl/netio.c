// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl netio: the sovnet AF_XDP zero-copy pairs of sovereign.ko.
 * create/destroy go over rtnetlink, status/stats/set ask the module's
 * netio commands (rtnetlink's view where the module lacks them), bench
 * runs lib/netio.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netio.h"
#include "print.h"

static void netio_usage(FILE *f)
{
	fputs("Usage: sovctl netio { status [DEV] | stats DEV [flows] | create NAME peer PEER [queues N] [netns NS] |\n"
	      "                     destroy NAME | set DEV SETTINGS | bench DEV [PEER] mode MODE [OPTIONS] | help }\n"
	      "\n"
	      "  status [DEV]      every sovnet end (or DEV): peer, queues, MTU, carrier, XDP program,\n"
	      "                    zero-copy queues\n"
	      "  stats DEV         per queue and per class counters, flow table use; the link's own\n"
	      "                    counters (rtnetlink) when the module has no netio stats\n"
	      "  stats DEV flows   the flow table entries in use\n"
	      "  create NAME peer PEER [queues N] [netns NS]\n"
	      "                    make a pair (N queue pairs, 1-8; PEER in namespace NS: a name\n"
	      "                    under /run/netns or a path)\n"
	      "  destroy NAME      delete a pair (either end)\n"
	      "  set DEV [rate R] [class C rate R [burst B]] [queue Q class C] [priomap P0 .. P15] [reset]\n"
	      "                    R: bytes/s, or with a unit: kbit mbit gbit (bits/s), kb mb gb (bytes/s)\n"
	      "  bench DEV [PEER] mode rxdrop|txonly|l2fwd [size N] [time S] [queue Q] [zc|copy|auto]\n"
	      "        [frames N] [frame-size 2048|4096] [need-wakeup on|off] [shared-umem]\n"
	      "                    AF_XDP on DEV in MODE; with PEER, the other side runs in the same\n"
	      "                    process: txonly on DEV -> rxdrop on PEER; rxdrop on DEV <- txonly on\n"
	      "                    PEER; l2fwd on DEV <- txonly on PEER (round trip). size: frame bytes\n"
	      "                    without FCS (64 .. frame size - 256, at most MTU + 14; default 64);\n"
	      "                    time: seconds (default 1); frames: UMEM frames per UMEM (>= 512,\n"
	      "                    default 4096); zc fails where zero-copy is refused, auto takes what\n"
	      "                    the kernel gives (the result says which).\n"
	      "\n"
	      "Every command takes -j (JSON) and -p (pretty JSON). Needs root (CAP_NET_ADMIN).\n", f);
}

int netio_parse_u64(const char *s, uint64_t *v)
{
	unsigned long long n;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*v = n;
	return 0;
}

int netio_parse_rate(const char *s, uint64_t *bps)
{
	static const struct {
		const char *unit;
		double mul;	/* to bytes/s */
	} units[] = {
		{ "", 1 }, { "bit", 1.0 / 8 }, { "kbit", 1e3 / 8 }, { "mbit", 1e6 / 8 },
		{ "gbit", 1e9 / 8 }, { "b", 1 }, { "kb", 1e3 }, { "mb", 1e6 }, { "gb", 1e9 },
	};
	unsigned int i;
	double v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcasecmp(end, units[i].unit)) {
			v *= units[i].mul;
			if (v >= 1.8e19)
				return -ERANGE;
			*bps = (uint64_t)v;
			return 0;
		}
	}
	return -EINVAL;
}

int netio_check_ifname(const char *what, const char *s)
{
	if (!*s)
		return usage_error("%s: an empty device name", what);
	if (strlen(s) >= IF_NAMESIZE)
		return usage_error("%s \"%s\": device names are at most %d bytes", what, s,
				   IF_NAMESIZE - 1);
	if (strchr(s, '/') || strchr(s, ' ') || !strcmp(s, ".") || !strcmp(s, ".."))
		return usage_error("%s \"%s\": not a valid device name", what, s);
	return EXIT_OK;
}

static int link_error(const char *what, const char *name, struct sov_nl_err *err)
{
	if (err->error == -EOPNOTSUPP)
		return op_error("%s %s: the kernel has no link type \"" SOVNET_KIND
				"\" (%s): %s", what, name, err->msg[0] ? err->msg :
				strerror(-err->error), module_not_loaded_msg());
	if (err->error == -EPERM && !err->msg[0])
		return op_error("%s %s: permission denied (needs CAP_NET_ADMIN: run as root)",
				what, name);
	if (err->error == -EEXIST && !err->msg[0])
		return op_error("%s %s: a device of that name exists", what, name);
	if (err->error == -ENODEV && !err->msg[0])
		return op_error("%s %s: no such device", what, name);
	if (err->msg[0])
		return op_error("%s %s: %s (%s)", what, name, err->msg, strerror(-err->error));
	return op_error("%s %s: %s", what, name, strerror(-err->error));
}

static int cmd_create(int argc, char **argv)
{
	const char *name, *peer = NULL, *netns = NULL;
	struct sov_nl_err err;
	uint32_t queues = 0;
	int i;

	if (argc < 1)
		return usage_error("netio create: NAME missing (create NAME peer PEER [queues N] [netns NS])");
	name = argv[0];
	if (netio_check_ifname("netio create: NAME", name))
		return EXIT_USAGE;
	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			return usage_error("netio create: \"%s\" needs a value", argv[i]);
		if (!strcmp(argv[i], "peer")) {
			peer = argv[++i];
			if (netio_check_ifname("netio create: peer", peer))
				return EXIT_USAGE;
		} else if (!strcmp(argv[i], "queues")) {
			if (parse_u32(argv[++i], 10, &queues) || queues < 1 ||
			    queues > SOV_NETIO_QUEUES_MAX)
				return usage_error("netio create: queues \"%s\": a number from 1 to %d",
						   argv[i], SOV_NETIO_QUEUES_MAX);
		} else if (!strcmp(argv[i], "netns")) {
			netns = argv[++i];
			if (!*netns)
				return usage_error("netio create: netns: an empty name");
		} else {
			return usage_error("netio create: \"%s\" is not peer, queues or netns", argv[i]);
		}
	}
	if (!peer)
		return usage_error("netio create %s: peer PEER missing (the other end's name)", name);
	if (!strcmp(name, peer) && !netns)
		return usage_error("netio create: both ends are named \"%s\"", name);
	if (netio_link_create(name, peer, queues, netns, &err))
		return link_error("netio create", name, &err);
	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_string("name", "created %s", name);
	print_string("peer", " (peer %s", peer);
	print_u64("queues", ", %llu queue pair(s))\n", queues ? queues : 1);
	print_end();
	return EXIT_OK;
}

static int cmd_destroy(int argc, char **argv)
{
	struct netio_links l;
	struct sov_nl_err err;

	if (argc != 1)
		return usage_error(argc ? "netio destroy: one NAME, got \"%s\" after it" :
				   "netio destroy: NAME missing%s", argc ? argv[1] : "");
	if (netio_check_ifname("netio destroy: NAME", argv[0]))
		return EXIT_USAGE;
	if (netio_link_dump(&l, argv[0], &err))
		return link_error("netio destroy", argv[0], &err);
	if (l.n != 1 || strcmp(l.l[0].kind, SOVNET_KIND)) {
		int ret = op_error("netio destroy %s: not a sovnet device (kind \"%s\")", argv[0],
				   l.n ? l.l[0].kind : "");

		netio_links_free(&l);
		return ret;
	}
	netio_links_free(&l);
	if (netio_link_destroy(argv[0], &err))
		return link_error("netio destroy", argv[0], &err);
	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_string("destroyed", "destroyed %s (and its peer)\n", argv[0]);
	print_end();
	return EXIT_OK;
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	netio_usage(stdout);
	return EXIT_OK;
}

int do_netio(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "status", netio_cmd_status }, { "stats", netio_cmd_stats },
		{ "create", cmd_create }, { "destroy", cmd_destroy },
		{ "set", netio_cmd_set }, { "bench", netio_cmd_bench },
		{ "help", cmd_help },
	};
	unsigned int i;

	argc = take_output_options(argc, argv);
	if (argc < 1)
		return netio_cmd_status(0, argv);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[0], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	usage_error("netio: command \"%s\" is unknown", argv[0]);
	netio_usage(stderr);
	return EXIT_USAGE;
}
