/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The load balancer's configuration through the cluster (lb_cluster.c):
 * when sovereignd runs clustered, services and backends are keys of the
 * replicated state and every node renders its own maps from them.
 *
 *   lb/service/<vip>                     the service's settings
 *   lb/service/<vip>/backend/<addr>      one backend (<addr>:<port> in nat mode)
 *
 * <vip> as sov_lb_vip_format() writes it ("10.0.0.100:80/tcp"); values are
 * SOV_A_LB_* attributes, as a request to add the object would carry them.
 */
#ifndef SOVD_LB_CLUSTER_H
#define SOVD_LB_CLUSTER_H

#include "../../lib/cluster/kvstate.h"
#include "sovereignd.h"

#define SOVD_LB_KEY_PREFIX	"lb/"

/*
 * A clustered daemon's load balancer request (lb.c hands it over after
 * parsing): a change is judged here, proposed, and answered once applied;
 * a dump waits for a linearizable read point first. 1 (answered later) or
 * <0 with @msg.
 */
int sovd_lb_cluster_request(struct sovd *d, struct sovd_client *c, const struct nlmsghdr *nlh,
			    const struct nlattr **tb, char *msg, size_t msglen);

/* The replicated state changed @key (value NULL: removed); noted only. */
void sovd_lb_cluster_key(struct sovd *d, const char *key, const struct sov_kv_value *v);
/* Make the load balancer what the noted keys say (after an entry or a snapshot). */
void sovd_lb_cluster_sync(struct sovd *d);

#endif /* SOVD_LB_CLUSTER_H */
