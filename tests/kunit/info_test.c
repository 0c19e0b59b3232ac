// SPDX-License-Identifier: GPL-2.0
/* KUnit: SOV_CMD_INFO_GET's payload parses back to what the module knows. */
#include <kunit/test.h>
#include <linux/utsname.h>

#include "../../kmod/sovereign.h"

static const struct nla_policy subsys_policy[SOV_A_SUBSYS_MAX + 1] = {
	[SOV_A_SUBSYS_ID]	= { .type = NLA_U32 },
	[SOV_A_SUBSYS_NAME]	= { .type = NLA_NUL_STRING },
	[SOV_A_SUBSYS_COMPILED]	= NLA_POLICY_MAX(NLA_U8, 1),
	[SOV_A_SUBSYS_ENABLED]	= NLA_POLICY_MAX(NLA_U8, 1),
};

static int fake_init(void) { return 0; }
static void fake_exit(void) { }

static const struct sov_subsys_desc tbl[] = {
	{ "one", fake_init, fake_exit },
	{ "two", NULL, NULL },
	{ "three", fake_init, fake_exit },
};

static struct sk_buff *fill(struct kunit *test, unsigned long enabled,
			    struct nlattr **tb)
{
	struct sk_buff *skb = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_EQ(test, sov_info_fill(skb, tbl, ARRAY_SIZE(tbl), enabled,
					    1234567890123ULL), 0);
	KUNIT_ASSERT_EQ(test, nla_parse(tb, SOV_A_INFO_MAX,
					(struct nlattr *)skb->data, skb->len,
					NULL, NULL), 0);
	return skb;
}

static void info_scalars(struct kunit *test)
{
	struct nlattr *tb[SOV_A_INFO_MAX + 1];
	struct sk_buff *skb = fill(test, 0, tb);

	KUNIT_ASSERT_NOT_NULL(test, tb[SOV_A_INFO_VERSION]);
	KUNIT_EXPECT_STREQ(test, (char *)nla_data(tb[SOV_A_INFO_VERSION]),
			   SOV_VERSION);
	KUNIT_ASSERT_NOT_NULL(test, tb[SOV_A_INFO_KERNEL_RELEASE]);
	KUNIT_EXPECT_STREQ(test,
			   (char *)nla_data(tb[SOV_A_INFO_KERNEL_RELEASE]),
			   utsname()->release);
	KUNIT_ASSERT_NOT_NULL(test, tb[SOV_A_INFO_UPTIME_NS]);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[SOV_A_INFO_UPTIME_NS]),
			1234567890123ULL);
	/* u64 payloads must be 8-byte aligned for 32-bit-unsafe readers */
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)nla_data(tb[SOV_A_INFO_UPTIME_NS]), 8));
	kfree_skb(skb);
}

static void info_subsystems(struct kunit *test)
{
	struct nlattr *tb[SOV_A_INFO_MAX + 1], *st[SOV_A_SUBSYS_MAX + 1];
	struct sk_buff *skb = fill(test, BIT(2), tb);
	struct nlattr *pos;
	unsigned int n = 0;
	int rem;

	KUNIT_ASSERT_NOT_NULL(test, tb[SOV_A_INFO_SUBSYSTEMS]);
	nla_for_each_nested(pos, tb[SOV_A_INFO_SUBSYSTEMS], rem) {
		KUNIT_ASSERT_EQ(test, nla_type(pos), SOV_A_INFO_SUBSYS);
		KUNIT_ASSERT_EQ(test, nla_parse_nested(st, SOV_A_SUBSYS_MAX, pos,
						       subsys_policy, NULL), 0);
		KUNIT_ASSERT_LT(test, n, (unsigned int)ARRAY_SIZE(tbl));
		KUNIT_EXPECT_EQ(test, nla_get_u32(st[SOV_A_SUBSYS_ID]), n);
		KUNIT_EXPECT_STREQ(test, (char *)nla_data(st[SOV_A_SUBSYS_NAME]),
				   tbl[n].name);
		KUNIT_EXPECT_EQ(test, nla_get_u8(st[SOV_A_SUBSYS_COMPILED]),
				(u8)!!tbl[n].init);
		KUNIT_EXPECT_EQ(test, nla_get_u8(st[SOV_A_SUBSYS_ENABLED]),
				(u8)(n == 2));
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, (unsigned int)ARRAY_SIZE(tbl));
	kfree_skb(skb);
}

/* A reply that does not fit fails cleanly at every size, never half-written. */
static void info_too_small(struct kunit *test)
{
	struct sk_buff *skb = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	unsigned int full, room;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_EQ(test, sov_info_fill(skb, tbl, ARRAY_SIZE(tbl), 0, 1), 0);
	full = skb->len;
	kfree_skb(skb);

	/* the u64's pad attribute comes and goes with alignment: allow it */
	for (room = 0; room < full - nla_total_size(0); room++) {
		skb = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, skb);
		/* fill the skb so that exactly @room bytes of tailroom remain */
		skb_put_zero(skb, skb_tailroom(skb) - room);
		KUNIT_EXPECT_EQ(test, sov_info_fill(skb, tbl, ARRAY_SIZE(tbl),
						    0, 1), -EMSGSIZE);
		KUNIT_EXPECT_EQ(test, skb_tailroom(skb), (int)room);
		kfree_skb(skb);
	}
}

static struct kunit_case info_test_cases[] = {
	KUNIT_CASE(info_scalars),
	KUNIT_CASE(info_subsystems),
	KUNIT_CASE(info_too_small),
	{}
};

static struct kunit_suite info_test_suite = {
	.name = "sovereign_info",
	.test_cases = info_test_cases,
};

kunit_test_suite(info_test_suite);

MODULE_LICENSE("GPL");
