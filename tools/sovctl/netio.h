/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sovctl netio: sovnet pairs (rtnetlink), their netio state and counters
 * (the module's SOV_CMD_NETIO_* commands) and lib/netio's AF_XDP bench.
 */
#ifndef SOVCTL_NETIO_H
#define SOVCTL_NETIO_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <linux/if_link.h>

#include "../../lib/netio/netio.h"
#include "sovctl.h"

/* ---- rtnetlink (netio_link.c) ---- */

struct netio_link {
	int ifindex;
	char name[IF_NAMESIZE];
	char kind[16];
	uint32_t mtu, txq, rxq;
	bool up, carrier;
	uint32_t xdp_prog;
	uint8_t xdp_attached;		/* XDP_ATTACHED_* */
	bool has_stats;
	struct rtnl_link_stats64 st;
};

struct netio_links {
	struct netio_link *l;
	unsigned int n, cap;
};

int netio_link_create(const char *name, const char *peer, uint32_t queues, const char *netns,
		      struct sov_nl_err *err);
int netio_link_destroy(const char *name, struct sov_nl_err *err);
/* Every link (@ifname NULL) or one; each with its kind. */
int netio_link_dump(struct netio_links *out, const char *ifname, struct sov_nl_err *err);
void netio_links_free(struct netio_links *l);

/* ---- the module's netio commands (netio_genl.c) ---- */

struct netio_dev {
	uint32_t ifindex;
	char name[IF_NAMESIZE];
	uint32_t peer_ifindex;
	int32_t peer_netnsid;
	bool has_peer_netnsid;
	uint32_t queues, mtu, xdp_prog;
	uint8_t carrier;
	uint64_t rate, collisions, tx_invalid;
	uint32_t flows_used;
	bool has_priomap;
	uint8_t priomap[SOV_NETIO_PRIOMAP_LEN];
	unsigned int nq, nc;
	struct {
		uint32_t id;
		uint8_t cls, zc;
		uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes, xsk_tx, xsk_rx;
		uint64_t rx_nobuf, rx_drops, tx_invalid;
	} q[SOV_NETIO_QUEUES_MAX];
	struct {
		uint8_t id;
		uint64_t rate, tx_pkts, tx_bytes, throttled, drops;
		uint32_t burst, backlog;
	} c[SOV_NETIO_CLASSES];
};

struct netio_flow {
	uint32_t index, hash;
	uint8_t proto, cls, alen;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	bool has_ports;
	uint64_t pkts, bytes, collisions;
};

struct netio_flows {
	struct netio_flow *f;
	unsigned int n, cap;
};

/* What a SET carries; has_* say which parts. */
struct netio_set {
	bool has_rate, has_priomap, reset;
	uint64_t rate;
	uint8_t priomap[SOV_NETIO_PRIOMAP_LEN];
	unsigned int nclass, nqueue;
	struct {
		uint8_t id;
		uint64_t rate;
		uint32_t burst;
		bool has_burst;
	} cls[SOV_NETIO_CLASSES];
	struct {
		uint32_t id;
		uint8_t cls;
	} queue[SOV_NETIO_QUEUES_MAX];
};

/*
 * The module's answers. Each returns EXIT_OK, or prints why and returns
 * EXIT_FAIL; *lacks is set (and the "module lacks" line printed) when the
 * module answered that it has no such command.
 */
int netio_genl_get(const char *ifname, struct netio_dev *d, bool *lacks, bool quiet);
int netio_genl_stats(const char *ifname, struct netio_dev *d, bool *lacks);
int netio_genl_flows(const char *ifname, struct netio_flows *fl, bool *lacks);
int netio_genl_set(const char *ifname, const struct netio_set *s, bool *lacks);
void netio_lacks(const char *what);

/* ---- commands ---- */
int netio_cmd_bench(int argc, char **argv);
int netio_cmd_stats(int argc, char **argv);
int netio_cmd_set(int argc, char **argv);
int netio_cmd_status(int argc, char **argv);

/* Argument helpers (netio.c) */
int netio_parse_u64(const char *s, uint64_t *v);
/* "100mbit", "1gbit", "5000" (bytes/s), "10MB" -> bytes/s */
int netio_parse_rate(const char *s, uint64_t *bytes_per_s);
int netio_check_ifname(const char *what, const char *s);

#endif
