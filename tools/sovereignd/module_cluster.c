// SPDX-License-Identifier: GPL-2.0
/*
 * The module's settings replicated across the cluster (module_cluster.h):
 * SOV_CMD_CONFIG_SET on the daemon socket proposes "module/log-level"; on
 * apply every node sets its own sovereign.ko with SOV_CMD_CONFIG_SET. The
 * request's trace therefore reaches every node's kernel: the module's
 * sov_op tracepoints fire in the apply's traced thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"
#include "log.h"
#include "module_cluster.h"
#include "sovereignd.h"

#define KEY_LOG_LEVEL	SOVD_MODULE_KEY_PREFIX "log-level"

static const enum mnl_attr_data_type config_types[SOV_A_CONFIG_MAX + 1] = {
	[SOV_A_CONFIG_LOG_LEVEL] = MNL_TYPE_U32,
};

bool sovd_module_cluster_serves(uint8_t cmd)
{
	return cmd == SOV_CMD_CONFIG_SET;
}

int sovd_module_cluster_request(struct sovd *d, struct sovd_client *c,
				const struct nlmsghdr *nlh, char *msg, size_t msglen)
{
	const struct nlattr *tb[SOV_A_CONFIG_MAX + 1];
	struct sov_nl_err err;
	struct sov_kv_op op;
	char val[16];
	uint32_t level;
	int ret;

	if (sov_nl_parse(nlh, tb, SOV_A_CONFIG_MAX, config_types, &err)) {
		snprintf(msg, msglen, "%s", err.msg);
		return err.error;
	}
	if (!d->cluster) {
		snprintf(msg, msglen, "sovereignd runs without a cluster: set the module directly (sovctl module set, without --cluster)");
		return -EOPNOTSUPP;
	}
	if (!tb[SOV_A_CONFIG_LOG_LEVEL]) {
		snprintf(msg, msglen, "CONFIG_SET needs LOG_LEVEL (0-%d)", SOV_LOG_LEVEL_MAX);
		return -EINVAL;
	}
	level = mnl_attr_get_u32(tb[SOV_A_CONFIG_LOG_LEVEL]);
	if (level > SOV_LOG_LEVEL_MAX) {
		snprintf(msg, msglen, "LOG_LEVEL: %u is out of range (expected 0..%d)", level,
			 SOV_LOG_LEVEL_MAX);
		return -ERANGE;
	}
	snprintf(val, sizeof(val), "%u", level);
	op = (struct sov_kv_op){
		.op = SOV_KV_PUT, .key = KEY_LOG_LEVEL, .if_index = UINT64_MAX,
		.value = { .type = SOV_KV_STRING, .len = (uint32_t)strlen(val),
			   .data = (const uint8_t *)val },
	};
	ret = sovd_cluster_propose(d, c, nlh, &op, sovd_cluster_answer, NULL, msg, msglen);
	return ret ? ret : 1;
}

/* This node's module, set now; the loop thread's kernel spans hang under @sp. */
static int set_log_level(struct sovd *d, uint32_t level, struct trace_span *sp)
{
	unsigned char buf[128];
	struct nlmsghdr *nlh;
	struct sov_nl_err err;
	int ret;

	if (d->module_state != SOV_MODULE_LOADED)
		return -ENOENT;
	nlh = sov_nl_put_hdr(buf, d->req.family, SOV_CMD_CONFIG_SET, SOV_GENL_VERSION, 0, 0);
	mnl_attr_put_u32(nlh, SOV_A_CONFIG_LOG_LEVEL, level);
	sovd_trace_thread_set(d, sovd_gettid(), sp);
	ret = sov_genl_transact(&d->req, nlh, NULL, NULL, &err);
	/* the apply's own span goes back to being the thread's parent */
	sovd_trace_thread_set(d, sovd_gettid(), sovd_trace_current(d));
	if (ret)
		log_warn("module: setting the replicated log level %u failed: %s", level,
			 err.msg[0] ? err.msg : strerror(-ret));
	return ret;
}

void sovd_module_cluster_key(struct sovd *d, const char *key, const struct sov_kv_value *v)
{
	struct trace_span *sp;
	char val[16];
	unsigned long n;
	char *end;
	int ret;

	if (strcmp(key, KEY_LOG_LEVEL) || !v || v->type != SOV_KV_STRING || !v->len ||
	    v->len >= sizeof(val))
		return;
	memcpy(val, v->data, v->len);
	val[v->len] = '\0';
	n = strtoul(val, &end, 10);
	if (*end || n > SOV_LOG_LEVEL_MAX)
		return;
	sp = sovd_span_child(d, NULL, "module.config-set", TRACE_KIND_CLIENT);
	trace_span_attr_int(sp, "sov.log_level", (int64_t)n);
	ret = set_log_level(d, (uint32_t)n, sp);
	if (!ret)
		log_info("module: log level %lu (replicated)", n);
	sovd_span_end(d, sp, ret, ret == -ENOENT ? "sovereign.ko is not loaded on this node" : NULL);
}
