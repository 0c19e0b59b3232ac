// SPDX-License-Identifier: GPL-2.0
/* KUnit: the settings policy rejects bad values; SET changes only what is given. */
#include <kunit/test.h>

#include "../../kmod/sovereign.h"

/* Parse one u32 attribute of @type with the SET policy, as genetlink would. */
static int parse_u32(struct kunit *test, int type, u32 val,
		     struct nlattr **tb, struct netlink_ext_ack *extack)
{
	struct sk_buff *skb = alloc_skb(NLMSG_GOODSIZE, GFP_KERNEL);
	int err;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, type, val), 0);
	err = nla_parse(tb, SOV_A_CONFIG_MAX, (struct nlattr *)skb->data,
			skb->len, sov_config_set_policy, extack);
	kfree_skb(skb);
	return err;
}

static void config_policy_range(struct kunit *test)
{
	struct nlattr *tb[SOV_A_CONFIG_MAX + 1];
	struct netlink_ext_ack extack = {};
	u32 level;

	for (level = 0; level <= SOV_LOG_LEVEL_MAX; level++)
		KUNIT_EXPECT_EQ(test, parse_u32(test, SOV_A_CONFIG_LOG_LEVEL,
						level, tb, &extack), 0);

	KUNIT_EXPECT_EQ(test, parse_u32(test, SOV_A_CONFIG_LOG_LEVEL,
					SOV_LOG_LEVEL_MAX + 1, tb, &extack),
			-ERANGE);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	KUNIT_EXPECT_NOT_NULL(test, extack.bad_attr);
	/* the policy travels back so userspace can print the valid range */
	KUNIT_EXPECT_PTR_EQ(test, extack.policy,
			    &sov_config_set_policy[SOV_A_CONFIG_LOG_LEVEL]);

	memset(&extack, 0, sizeof(extack));
	KUNIT_EXPECT_EQ(test, parse_u32(test, 0xffffU, 1, tb, &extack),
			-EINVAL);
}

static void config_apply_changes_only_present(struct kunit *test)
{
	struct nlattr *tb[SOV_A_CONFIG_MAX + 1] = {};
	struct netlink_ext_ack extack = {};
	struct sov_config cfg = { .log_level = 3 };
	bool changed = true;

	KUNIT_EXPECT_EQ(test, sov_config_apply(&cfg, tb, &extack, &changed),
			-EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	KUNIT_EXPECT_EQ(test, cfg.log_level, 3U);

	KUNIT_ASSERT_EQ(test, parse_u32(test, SOV_A_CONFIG_LOG_LEVEL, 3, tb,
					&extack), 0);
	KUNIT_EXPECT_EQ(test, sov_config_apply(&cfg, tb, &extack, &changed), 0);
	KUNIT_EXPECT_FALSE(test, changed);

	KUNIT_ASSERT_EQ(test, parse_u32(test, SOV_A_CONFIG_LOG_LEVEL, 7, tb,
					&extack), 0);
	KUNIT_EXPECT_EQ(test, sov_config_apply(&cfg, tb, &extack, &changed), 0);
	KUNIT_EXPECT_TRUE(test, changed);
	KUNIT_EXPECT_EQ(test, cfg.log_level, 7U);
}

static void config_fill_roundtrip(struct kunit *test)
{
	struct sk_buff *skb = alloc_skb(NLMSG_GOODSIZE, GFP_KERNEL);
	struct sov_config cfg = { .log_level = 5 };
	struct nlattr *tb[SOV_A_CONFIG_MAX + 1];

	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_EQ(test, sov_config_fill(skb, &cfg), 0);
	KUNIT_ASSERT_EQ(test, nla_parse(tb, SOV_A_CONFIG_MAX,
					(struct nlattr *)skb->data, skb->len,
					sov_config_set_policy, NULL), 0);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[SOV_A_CONFIG_LOG_LEVEL]), 5U);
	kfree_skb(skb);
}

static struct kunit_case config_test_cases[] = {
	KUNIT_CASE(config_policy_range),
	KUNIT_CASE(config_apply_changes_only_present),
	KUNIT_CASE(config_fill_roundtrip),
	{}
};

static struct kunit_suite config_test_suite = {
	.name = "sovereign_config",
	.test_cases = config_test_cases,
};

kunit_test_suite(config_test_suite);

MODULE_LICENSE("GPL");
