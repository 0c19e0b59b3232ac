// SPDX-License-Identifier: GPL-2.0
/* KUnit: memcompress policy decisions, on a fake clock. */
#include <kunit/test.h>
#include <linux/time64.h>

#include "../../kmod/zpage/policy.h"

#define SEC(s)	((u64)(s) * NSEC_PER_SEC)
#define T0	SEC(1000)	/* not 0: 0 means "never acted" */

/* 1000 pages stored 3:1 in a pool 10 % larger than its objects */
static struct sov_zstore_stats stats(void)
{
	struct sov_zstore_stats st = {
		.pages = 1000,
		.orig_bytes = 1000 * 4096ULL,
		.compr_bytes = 1000 * 4096ULL / 3,
	};

	st.mem_used = st.compr_bytes * 110 / 100;
	return st;
}

static void policy_check_defaults_and_refusals(struct kunit *test)
{
	struct sov_zpolicy p = { .kinds = BIT(SOV_ZPOLICY_TIME), .level = SOV_ZLEVEL_BEST };

	KUNIT_EXPECT_EQ(test, sov_zpolicy_check(&p), 0);
	KUNIT_EXPECT_EQ(test, p.idle_s, (u32)SOV_ZPOLICY_IDLE_S_DEFAULT);
	KUNIT_EXPECT_EQ(test, p.cooldown_s, (u32)SOV_ZPOLICY_COOLDOWN_S_DEFAULT);

	/* a threshold without a bound would never act */
	p = (struct sov_zpolicy){ .kinds = BIT(SOV_ZPOLICY_THRESHOLD) };
	KUNIT_EXPECT_EQ(test, sov_zpolicy_check(&p), -EINVAL);
	p.ratio_x100 = 250;
	KUNIT_EXPECT_EQ(test, sov_zpolicy_check(&p), 0);

	p = (struct sov_zpolicy){ .kinds = BIT(__SOV_ZPOLICY_CNT) };
	KUNIT_EXPECT_EQ(test, sov_zpolicy_check(&p), -EINVAL);
	p = (struct sov_zpolicy){ .kinds = BIT(SOV_ZPOLICY_TIME), .level = __SOV_ZLEVEL_CNT };
	KUNIT_EXPECT_EQ(test, sov_zpolicy_check(&p), -EINVAL);
	KUNIT_EXPECT_STREQ(test, sov_zpolicy_name(SOV_ZPOLICY_DEMAND), "demand");
}

static void policy_threshold_memory(struct kunit *test)
{
	struct sov_zpolicy p = { .kinds = BIT(SOV_ZPOLICY_THRESHOLD), .idle_s = 60,
				 .cooldown_s = 10 };
	struct sov_zstore_stats st = stats();
	struct sov_zpolicy_clock c = {};
	struct sov_zpolicy_decision d;

	p.mem_bytes = st.mem_used;	/* at the bound: not over it */
	KUNIT_ASSERT_EQ(test, sov_zpolicy_check(&p), 0);
	KUNIT_EXPECT_FALSE(test, sov_zpolicy_decide(&p, &c, &st, T0, false, &d));
	KUNIT_EXPECT_EQ(test, d.actions, 0U);

	st.mem_used++;
	KUNIT_ASSERT_TRUE(test, sov_zpolicy_decide(&p, &c, &st, T0, false, &d));
	KUNIT_EXPECT_EQ(test, d.cause, SOV_ZPOLICY_THRESHOLD);
	KUNIT_EXPECT_EQ(test, d.actions, (u32)SOV_ZACT_RECOMPRESS);	/* not fragmented */
	KUNIT_EXPECT_EQ(test, d.idle_s, 60U);

	/* still over, but cooling down: once per 10 s */
	KUNIT_EXPECT_FALSE(test, sov_zpolicy_decide(&p, &c, &st, T0 + SEC(10) - 1, false, &d));
	KUNIT_EXPECT_TRUE(test, sov_zpolicy_decide(&p, &c, &st, T0 + SEC(10), false, &d));

	/* a pool much larger than its objects is compacted too */
	st.mem_used = st.compr_bytes * 2;
	KUNIT_EXPECT_TRUE(test, sov_zpolicy_decide(&p, &c, &st, T0 + SEC(20), false, &d));
	KUNIT_EXPECT_EQ(test, d.actions, (u32)(SOV_ZACT_RECOMPRESS | SOV_ZACT_COMPACT));
}

static void policy_threshold_ratio(struct kunit *test)
{
	struct sov_zpolicy p = { .kinds = BIT(SOV_ZPOLICY_THRESHOLD), .ratio_x100 = 300 };
	struct sov_zstore_stats st = stats();	/* exactly 3.00 */
	struct sov_zpolicy_clock c = {};
	struct sov_zpolicy_decision d;

	KUNIT_ASSERT_EQ(test, sov_zpolicy_check(&p), 0);
	KUNIT_EXPECT_FALSE(test, sov_zpolicy_decide(&p, &c, &st, T0, false, &d));
	st.compr_bytes++;			/* just under 3.00 */
	KUNIT_EXPECT_TRUE(test, sov_zpolicy_decide(&p, &c, &st, T0, false, &d));
	KUNIT_EXPECT_EQ(test, d.cause, SOV_ZPOLICY_THRESHOLD);

	/* nothing stored: no ratio, no action, whatever the bound */
	st = (struct sov_zstore_stats){};
	memset(&c, 0, sizeof(c));
	KUNIT_EXPECT_FALSE(test, sov_zpolicy_decide(&p, &c, &st, T0, false, &d));
	/* only same-filled pages: stored, but no compressed bytes to judge */
	st.pages = 10;
	st.same_pages = 10;
	st.orig_bytes = 10 * 4096;
	KUNIT_EXPECT_FALSE(test, sov_zpolicy_decide(&p, &c, &st, T0, false, &d));
}

static void policy_time(struct kunit *test)
{
	struct sov_zpolicy p = { .kinds = BIT(SOV_ZPOLICY_TIME), .idle_s = 120,
				 .cooldown_s = 5, .level = SOV_ZLEVEL_BEST };
	struct sov_zstore_stats st = stats();
	struct sov_zpolicy_clock c = {};
	struct sov_zpolicy_decision d;

	KUNIT_ASSERT_EQ(test, sov_zpolicy_check(&p), 0);
	KUNIT_ASSERT_TRUE(test, sov_zpolicy_decide(&p, &c, &st, T0, false, &d));
	KUNIT_EXPECT_EQ(test, d.cause, SOV_ZPOLICY_TIME);
	KUNIT_EXPECT_EQ(test, d.actions, (u32)SOV_ZACT_RECOMPRESS);
	KUNIT_EXPECT_EQ(test, d.idle_s, 120U);
	/* the next round after half the idle time, not after the cooldown */
	KUNIT_EXPECT_FALSE(test, sov_zpolicy_decide(&p, &c, &st, T0 + SEC(59), false, &d));
	KUNIT_EXPECT_TRUE(test, sov_zpolicy_decide(&p, &c, &st, T0 + SEC(60), false, &d));
	/* pressure means nothing to a time-only policy */
	KUNIT_EXPECT_FALSE(test, sov_zpolicy_decide(&p, &c, &st, T0 + SEC(61), true, &d));
}

static void policy_demand_first(struct kunit *test)
{
	struct sov_zpolicy p = { .kinds = BIT(SOV_ZPOLICY_DEMAND) | BIT(SOV_ZPOLICY_THRESHOLD),
				 .mem_bytes = 1, .idle_s = 200, .cooldown_s = 30 };
	struct sov_zstore_stats st = stats();
	struct sov_zpolicy_clock c = {};
	struct sov_zpolicy_decision d;

	KUNIT_ASSERT_EQ(test, sov_zpolicy_check(&p), 0);
	KUNIT_EXPECT_FALSE(test, sov_zpolicy_decide(&p, &c, &st, T0, false, &d) &&
			   d.cause == SOV_ZPOLICY_DEMAND);
	memset(&c, 0, sizeof(c));
	/* pressure and a crossed bound: pressure wins, with a shorter idle age */
	KUNIT_ASSERT_TRUE(test, sov_zpolicy_decide(&p, &c, &st, T0, true, &d));
	KUNIT_EXPECT_EQ(test, d.cause, SOV_ZPOLICY_DEMAND);
	KUNIT_EXPECT_EQ(test, d.idle_s, 50U);
	/* demand cools down; the threshold has its own clock and acts now */
	KUNIT_ASSERT_TRUE(test, sov_zpolicy_decide(&p, &c, &st, T0 + 1, true, &d));
	KUNIT_EXPECT_EQ(test, d.cause, SOV_ZPOLICY_THRESHOLD);
	KUNIT_EXPECT_FALSE(test, sov_zpolicy_decide(&p, &c, &st, T0 + 2, true, &d));
	KUNIT_EXPECT_TRUE(test, sov_zpolicy_decide(&p, &c, &st, T0 + SEC(30), true, &d));
	KUNIT_EXPECT_EQ(test, d.cause, SOV_ZPOLICY_DEMAND);
}

static struct kunit_case zpage_policy_cases[] = {
	KUNIT_CASE(policy_check_defaults_and_refusals),
	KUNIT_CASE(policy_threshold_memory),
	KUNIT_CASE(policy_threshold_ratio),
	KUNIT_CASE(policy_time),
	KUNIT_CASE(policy_demand_first),
	{}
};

static struct kunit_suite zpage_policy_suite = {
	.name = "sov_zpage_policy",
	.test_cases = zpage_policy_cases,
};

kunit_test_suite(zpage_policy_suite);
