/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sovereign.ko's settings replicated by Raft (module_cluster.c): set on the
 * leader with SOV_CMD_CONFIG_SET on the daemon socket (sovctl module set
 * --cluster), applied by every node to its own module.
 */
#ifndef SOVD_MODULE_CLUSTER_H
#define SOVD_MODULE_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../lib/cluster/kvstate.h"

struct sovd;
struct sovd_client;
struct nlmsghdr;

#define SOVD_MODULE_KEY_PREFIX	"module/"

bool sovd_module_cluster_serves(uint8_t cmd);
/* As sovd_lb_request(): 1 answered when applied, <0 refused with @msg. */
int sovd_module_cluster_request(struct sovd *d, struct sovd_client *c,
				const struct nlmsghdr *nlh, char *msg, size_t msglen);
/* A "module/" key changed (or the boot snapshot has it): apply it here. */
void sovd_module_cluster_key(struct sovd *d, const char *key, const struct sov_kv_value *v);

#endif
