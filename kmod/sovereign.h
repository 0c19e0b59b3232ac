/* SPDX-License-Identifier: GPL-2.0 */
/* Declarations shared by the parts of sovereign.ko (and its KUnit suites). */
#ifndef _SOV_SOVEREIGN_H
#define _SOV_SOVEREIGN_H

#include <linux/kern_levels.h>
#include <linux/printk.h>
#include <linux/types.h>
#include <net/genetlink.h>

#include "../uapi/linux/sovereign.h"
#include "version.h"

/* Module-wide settings, changed only through SOV_CMD_CONFIG_SET. */
struct sov_config {
	u32 log_level;
};

#define SOV_LOG_LEVEL_DEFAULT	LOGLEVEL_INFO

extern struct sov_config sov_config;
extern const struct nla_policy sov_config_set_policy[SOV_A_CONFIG_MAX + 1];

int sov_config_apply(struct sov_config *cfg, struct nlattr **tb,
		     struct netlink_ext_ack *extack, bool *changed);
void sov_config_commit(const struct sov_config *cfg);
int sov_config_fill(struct sk_buff *skb, const struct sov_config *cfg);

/* The module's own messages obey the configured log level. */
#define sov_log_on(lvl)		((lvl) <= READ_ONCE(sov_config.log_level))
#define sov_err(fmt, ...)						\
	do { if (sov_log_on(LOGLEVEL_ERR)) pr_err(fmt, ##__VA_ARGS__); } while (0)
#define sov_warn(fmt, ...)						\
	do { if (sov_log_on(LOGLEVEL_WARNING)) pr_warn(fmt, ##__VA_ARGS__); } while (0)
#define sov_notice(fmt, ...)						\
	do { if (sov_log_on(LOGLEVEL_NOTICE)) pr_notice(fmt, ##__VA_ARGS__); } while (0)
#define sov_info(fmt, ...)						\
	do { if (sov_log_on(LOGLEVEL_INFO)) pr_info(fmt, ##__VA_ARGS__); } while (0)
#define sov_dbg(fmt, ...)						\
	do { if (sov_log_on(LOGLEVEL_DEBUG)) pr_debug(fmt, ##__VA_ARGS__); } while (0)

/*
 * A subsystem of the module. @init is NULL when the subsystem is not built
 * into this module; subsystems start in table order and stop in reverse.
 */
struct sov_subsys_desc {
	const char *name;
	int (*init)(void);
	void (*exit)(void);
};

extern const struct sov_subsys_desc sov_subsystems[__SOV_SUBSYS_CNT];

int sov_subsys_start(const struct sov_subsys_desc *tbl, unsigned int n,
		     unsigned long *enabled);
void sov_subsys_stop(const struct sov_subsys_desc *tbl, unsigned int n,
		     unsigned long *enabled);

int sov_info_fill(struct sk_buff *skb, const struct sov_subsys_desc *tbl,
		  unsigned int n, unsigned long enabled, u64 uptime_ns);

/* The profiler is built where perf events and tracepoints exist (not UML). */
#define SOV_HAVE_PROF	(IS_ENABLED(CONFIG_PERF_EVENTS) && IS_ENABLED(CONFIG_TRACEPOINTS))
/* netio (the sovnet pair) needs AF_XDP sockets (not in UML, where KUnit runs). */
#define SOV_HAVE_NETIO	IS_ENABLED(CONFIG_XDP_SOCKETS)

/* netlink.c */
extern struct genl_family sov_genl_family;
int sov_netlink_init(void);
void sov_netlink_exit(void);
bool sov_nl_has_listeners(struct net *net);
void sov_nl_multicast(struct net *net, struct sk_buff *msg);

/* main.c */
extern unsigned long sov_enabled_subsys;
u64 sov_uptime_ns(void);

#endif /* _SOV_SOVEREIGN_H */
