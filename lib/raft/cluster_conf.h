/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lib/raft/cluster_conf: who is in the cluster and where to reach them.
 *
 * The same four settings come from sovereignd's command line or from a
 * file (Documentation/raft-transport.rst):
 *
 *   --cluster-id NAME     cluster-id NAME
 *   --node-id ID          node-id ID
 *   --peers LIST          peers LIST       (repeatable: the lists add up)
 *   --listen ADDR:PORT    listen ADDR:PORT (optional; default: our entry)
 *
 * LIST is ID=ADDR:PORT[,ID=ADDR:PORT...] and names every node, this one
 * included. Addresses are numeric, IPv4 or [IPv6]: parsing does no DNS, so
 * a config means the same thing on every node and at every start.
 *
 * Errors name the setting (and, from a file, FILE:LINE), e.g.
 * "peers: node 2 listed twice"; sov_cluster_conf_check() runs the checks
 * that need everything (this node in the list, ...).
 */
#ifndef SOV_CLUSTER_CONF_H
#define SOV_CLUSTER_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "../../uapi/linux/sovereign.h"
#include "raft.h"

#define SOV_CLUSTER_ADDR_LEN	56	/* "[" INET6_ADDRSTRLEN "]:65535" */

struct sov_cluster_addr {
	struct sockaddr_storage sa;	/* sockaddr_in or sockaddr_in6 */
	socklen_t len;
	char text[SOV_CLUSTER_ADDR_LEN];	/* canonical, for logs */
};

struct sov_cluster_node {
	raft_id_t id;
	struct sov_cluster_addr addr;
};

struct sov_cluster_conf {
	char cluster_id[SOV_RAFT_CLUSTER_ID_MAX + 1];	/* "" until set */
	raft_id_t self;					/* 0 until set */
	struct sov_cluster_addr listen;			/* len 0: use self's */
	size_t n_nodes;
	struct sov_cluster_node nodes[RAFT_MAX_NODES];
};

void sov_cluster_conf_init(struct sov_cluster_conf *c);
/*
 * One setting: @key is "cluster-id", "node-id", "peers" or "listen".
 * Returns 0 or -EINVAL with the reason in @err.
 */
int sov_cluster_conf_set(struct sov_cluster_conf *c, const char *key,
			 const char *value, char *err, size_t errlen);
/* "key value" lines; '#' starts a comment. Errors start with "PATH:LINE: ". */
int sov_cluster_conf_load(struct sov_cluster_conf *c, const char *path,
			  char *err, size_t errlen);
/* Everything set and consistent; fills in listen from this node's entry. */
int sov_cluster_conf_check(struct sov_cluster_conf *c, char *err, size_t errlen);

const struct sov_cluster_node *sov_cluster_conf_node(const struct sov_cluster_conf *c,
						     raft_id_t id);
/* "1.2.3.4:80" or "[::1]:80"; @any: 0.0.0.0 and [::] allowed (to listen on). */
int sov_cluster_addr_parse(const char *s, int any, struct sov_cluster_addr *a,
			   char *err, size_t errlen);

#endif /* SOV_CLUSTER_CONF_H */
