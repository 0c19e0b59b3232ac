// SPDX-License-Identifier: GPL-2.0
/* Module-wide settings: validation (policy), application and reporting. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "sovereign.h"

struct sov_config sov_config = {
	.log_level = SOV_LOG_LEVEL_DEFAULT,
};

const struct nla_policy sov_config_set_policy[SOV_A_CONFIG_MAX + 1] = {
	[SOV_A_CONFIG_LOG_LEVEL] = NLA_POLICY_MAX(NLA_U32, SOV_LOG_LEVEL_MAX),
};

/*
 * Apply the attributes present in @tb (already validated against
 * sov_config_set_policy) to @cfg. Absent attributes keep their value.
 */
int sov_config_apply(struct sov_config *cfg, struct nlattr **tb,
		     struct netlink_ext_ack *extack, bool *changed)
{
	unsigned int i, present = 0;

	for (i = 1; i <= SOV_A_CONFIG_MAX; i++)
		present += !!tb[i];
	if (!present) {
		NL_SET_ERR_MSG(extack, "expected at least one setting (log-level)");
		return -EINVAL;
	}

	*changed = false;
	if (tb[SOV_A_CONFIG_LOG_LEVEL]) {
		u32 level = nla_get_u32(tb[SOV_A_CONFIG_LOG_LEVEL]);

		*changed |= level != cfg->log_level;
		cfg->log_level = level;
	}
	return 0;
}

void sov_config_commit(const struct sov_config *cfg)
{
	WRITE_ONCE(sov_config.log_level, cfg->log_level);
}

int sov_config_fill(struct sk_buff *skb, const struct sov_config *cfg)
{
	if (nla_put_u32(skb, SOV_A_CONFIG_LOG_LEVEL, cfg->log_level))
		return -EMSGSIZE;
	return 0;
}
