// SPDX-License-Identifier: GPL-2.0
/* The "sovereign" generic netlink family: ops table, handlers, notifications. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "sovereign.h"
#include "sov_trace.h"
#include "prof/prof.h"
#if SOV_HAVE_NETIO
#include "netio/netio.h"
#endif
#include "zpage/zpage.h"

enum sov_mcgrp {
	SOV_MCGRP_EVENTS,
};

static const struct genl_multicast_group sov_mcgrps[] = {
	[SOV_MCGRP_EVENTS] = { .name = SOV_GENL_MCGRP_EVENTS },
};

typedef int (*sov_fill_t)(struct sk_buff *skb);

static int sov_fill_info(struct sk_buff *skb)
{
	return sov_info_fill(skb, sov_subsystems, ARRAY_SIZE(sov_subsystems),
			     sov_enabled_subsys, sov_uptime_ns());
}

static int sov_fill_config(struct sk_buff *skb)
{
	return sov_config_fill(skb, &sov_config);
}

/* Build one message of @cmd filled by @fill; portid 0 means a notification. */
static struct sk_buff *sov_nl_build(struct genl_info *info, u8 cmd,
				    sov_fill_t fill)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return ERR_PTR(-ENOMEM);

	if (info)
		hdr = genlmsg_put_reply(msg, info, &sov_genl_family, 0, cmd);
	else
		hdr = genlmsg_put(msg, 0, 0, &sov_genl_family, 0, cmd);
	if (!hdr || fill(msg)) {
		nlmsg_free(msg);
		return ERR_PTR(-EMSGSIZE);
	}
	genlmsg_end(msg, hdr);
	return msg;
}

static int sov_nl_reply(struct genl_info *info, u8 cmd, sov_fill_t fill)
{
	struct sk_buff *msg = sov_nl_build(info, cmd, fill);

	if (IS_ERR(msg))
		return PTR_ERR(msg);
	return genlmsg_reply(msg, info);
}

static void sov_nl_notify(struct net *net, u8 cmd, sov_fill_t fill)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&sov_genl_family, net, SOV_MCGRP_EVENTS))
		return;
	msg = sov_nl_build(NULL, cmd, fill);
	if (IS_ERR(msg)) {
		sov_warn("dropping notification %u: %ld\n", cmd, PTR_ERR(msg));
		return;
	}
	genlmsg_multicast_netns(&sov_genl_family, net, msg, 0,
				SOV_MCGRP_EVENTS, GFP_KERNEL);
}

bool sov_nl_has_listeners(struct net *net)
{
	return genl_has_listeners(&sov_genl_family, net, SOV_MCGRP_EVENTS);
}

/* For subsystems that build their own notifications: sends and consumes @msg. */
void sov_nl_multicast(struct net *net, struct sk_buff *msg)
{
	genlmsg_multicast_netns(&sov_genl_family, net, msg, 0,
				SOV_MCGRP_EVENTS, GFP_KERNEL);
}

static int sov_nl_info_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return sov_nl_reply(info, SOV_CMD_INFO_GET, sov_fill_info);
}

static int sov_nl_config_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return sov_nl_reply(info, SOV_CMD_CONFIG_GET, sov_fill_config);
}

/* Ops are serialised by genl_mutex (no parallel_ops), so copy-apply-commit is safe. */
static int sov_nl_config_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sov_config cfg = sov_config;
	bool changed;
	int err;

	err = sov_config_apply(&cfg, info->attrs, info->extack, &changed);
	if (err)
		return err;
	if (!changed)
		return 0;

	sov_config_commit(&cfg);
	sov_info("log level set to %u\n", cfg.log_level);
	sov_nl_notify(genl_info_net(info), SOV_CMD_CONFIG_NTF, sov_fill_config);
	return 0;
}

/*
 * Each request between sovereign:sov_op_start and sov_op_end, its result in
 * the end (post_doit does not see it): a tracer's kernel-side span.
 */
#define SOV_NL_TRACED(fn)						\
static int fn##_traced(struct sk_buff *skb, struct genl_info *info)	\
{									\
	u32 op = SOV_TRACE_OP(SOV_TRACE_GENL, info->genlhdr->cmd);	\
	int err;							\
									\
	trace_sov_op_start(op, info->snd_seq);				\
	err = fn(skb, info);						\
	trace_sov_op_end(op, err);					\
	return err;							\
}

SOV_NL_TRACED(sov_nl_config_get_doit)
SOV_NL_TRACED(sov_nl_config_set_doit)
SOV_NL_TRACED(sov_nl_info_get_doit)
SOV_NL_TRACED(sov_nl_mc_compact_doit)
SOV_NL_TRACED(sov_nl_mc_create_doit)
SOV_NL_TRACED(sov_nl_mc_destroy_doit)
SOV_NL_TRACED(sov_nl_mc_get_doit)
SOV_NL_TRACED(sov_nl_mc_pressure_doit)
SOV_NL_TRACED(sov_nl_mc_recompress_doit)
SOV_NL_TRACED(sov_nl_mc_set_doit)
#if SOV_HAVE_PROF
SOV_NL_TRACED(sov_nl_prof_get_doit)
SOV_NL_TRACED(sov_nl_prof_start_doit)
SOV_NL_TRACED(sov_nl_prof_stop_doit)
#endif
#if SOV_HAVE_NETIO
SOV_NL_TRACED(sov_nl_netio_get_doit)
SOV_NL_TRACED(sov_nl_netio_set_doit)
SOV_NL_TRACED(sov_nl_netio_stats_get_doit)
#endif

/*
 * GET ops carry no policy: with resv_start_op 0 the core then rejects any
 * attribute. Module-wide settings need CAP_NET_ADMIN in the initial user
 * namespace (GENL_ADMIN_PERM), not merely in a container's.
 */
static const struct genl_ops sov_genl_ops[] = {
	{
		.cmd	= SOV_CMD_INFO_GET,
		.doit	= sov_nl_info_get_doit_traced,
	},
	{
		.cmd	= SOV_CMD_CONFIG_GET,
		.doit	= sov_nl_config_get_doit_traced,
	},
	{
		.cmd	= SOV_CMD_CONFIG_SET,
		.doit	= sov_nl_config_set_doit_traced,
		.policy	= sov_config_set_policy,
		.maxattr = ARRAY_SIZE(sov_config_set_policy) - 1,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= SOV_CMD_MC_DEV_GET,
		.doit	= sov_nl_mc_get_doit_traced,
		.dumpit	= sov_nl_mc_get_dumpit,
		.policy	= sov_mc_get_policy,
		.maxattr = ARRAY_SIZE(sov_mc_get_policy) - 1,
	},
	{
		.cmd	= SOV_CMD_MC_DEV_CREATE,
		.doit	= sov_nl_mc_create_doit_traced,
		.policy	= sov_mc_create_policy,
		.maxattr = ARRAY_SIZE(sov_mc_create_policy) - 1,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= SOV_CMD_MC_DEV_DESTROY,
		.doit	= sov_nl_mc_destroy_doit_traced,
		.policy	= sov_mc_get_policy,
		.maxattr = ARRAY_SIZE(sov_mc_get_policy) - 1,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= SOV_CMD_MC_DEV_SET,
		.doit	= sov_nl_mc_set_doit_traced,
		.policy	= sov_mc_set_policy,
		.maxattr = ARRAY_SIZE(sov_mc_set_policy) - 1,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= SOV_CMD_MC_COMPACT,
		.doit	= sov_nl_mc_compact_doit_traced,
		.policy	= sov_mc_get_policy,
		.maxattr = ARRAY_SIZE(sov_mc_get_policy) - 1,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= SOV_CMD_MC_RECOMPRESS,
		.doit	= sov_nl_mc_recompress_doit_traced,
		.policy	= sov_mc_recompress_policy,
		.maxattr = ARRAY_SIZE(sov_mc_recompress_policy) - 1,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= SOV_CMD_MC_PRESSURE,
		.doit	= sov_nl_mc_pressure_doit_traced,
		.flags	= GENL_ADMIN_PERM,
	},
#if SOV_HAVE_PROF
	{
		.cmd	= SOV_CMD_PROF_START,
		.doit	= sov_nl_prof_start_doit_traced,
		.policy	= sov_prof_start_policy,
		.maxattr = SOV_A_PROF_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= SOV_CMD_PROF_STOP,
		.doit	= sov_nl_prof_stop_doit_traced,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= SOV_CMD_PROF_GET,
		.doit	= sov_nl_prof_get_doit_traced,
	},
	{
		.cmd	= SOV_CMD_PROF_STACK_GET,
		.dumpit	= sov_nl_prof_stack_dumpit,
		.policy	= sov_prof_dump_policy,
		.maxattr = SOV_A_PROF_MAX,
	},
	{
		.cmd	= SOV_CMD_PROF_SITE_GET,
		.dumpit	= sov_nl_prof_site_dumpit,
		.policy	= sov_prof_dump_policy,
		.maxattr = SOV_A_PROF_MAX,
	},
	{
		.cmd	= SOV_CMD_PROF_LOCK_GET,
		.dumpit	= sov_nl_prof_lock_dumpit,
	},
	{
		.cmd	= SOV_CMD_PROF_RSS_GET,
		.dumpit	= sov_nl_prof_rss_dumpit,
	},
#endif
#if SOV_HAVE_NETIO
	{
		.cmd	= SOV_CMD_NETIO_GET,
		.doit	= sov_nl_netio_get_doit_traced,
		.dumpit	= sov_nl_netio_get_dumpit,
		.policy	= sov_netio_get_policy,
		.maxattr = SOV_A_NETIO_MAX,
	},
	{
		.cmd	= SOV_CMD_NETIO_SET,
		.doit	= sov_nl_netio_set_doit_traced,
		.policy	= sov_netio_set_policy,
		.maxattr = SOV_A_NETIO_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= SOV_CMD_NETIO_STATS_GET,
		.doit	= sov_nl_netio_stats_get_doit_traced,
		.policy	= sov_netio_get_policy,
		.maxattr = SOV_A_NETIO_MAX,
	},
	{
		.cmd	= SOV_CMD_NETIO_FLOW_GET,
		.dumpit	= sov_nl_netio_flow_get_dumpit,
		.policy	= sov_netio_get_policy,
		.maxattr = SOV_A_NETIO_MAX,
	},
#endif
};

struct genl_family sov_genl_family = {
	.name		= SOV_GENL_NAME,
	.version	= SOV_GENL_VERSION,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.ops		= sov_genl_ops,
	.n_ops		= ARRAY_SIZE(sov_genl_ops),
	.resv_start_op	= 0,
	.mcgrps		= sov_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(sov_mcgrps),
};

int sov_netlink_init(void)
{
	return genl_register_family(&sov_genl_family);
}

void sov_netlink_exit(void)
{
	genl_unregister_family(&sov_genl_family);
}
