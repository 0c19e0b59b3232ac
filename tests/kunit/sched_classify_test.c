// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the sov qdisc's classification (kmod/sched/classify.c). A filter's
 * verdict first, then the DSCP map, then the priomap; the maps' defaults and
 * the checks of maps from userspace.
 */
#include <kunit/test.h>
#include <linux/pkt_sched.h>

#include "../../kmod/sched/classify.h"

/* DSCP values with names: EF (46), AF41 (34), CS1 (8) */
#define DSCP_EF		46
#define DSCP_AF41	34
#define DSCP_CS1	8

/* Defaults, plus EF -> class 2 (1:2), AF41 -> 4, CS1 -> 8, DSCP 63 -> 3. */
static void maps(struct sov_cls_maps *m)
{
	sov_cls_maps_default(m);
	m->dscp[DSCP_EF] = 2;
	m->dscp[DSCP_AF41] = 4;
	m->dscp[DSCP_CS1] = 8;
	m->dscp[63] = 3;
}

/*
 * Classify, and check the rule that decided and bad_filter; both outputs
 * start poisoned so that a stale value is seen.
 */
static unsigned int cls(struct kunit *test, const struct sov_cls_maps *m, u32 minor, int dscp,
			u32 prio, enum sov_cls_by want_by, bool want_bad)
{
	enum sov_cls_by by = (enum sov_cls_by)0x5a5a;
	bool bad = !want_bad;
	unsigned int c;

	c = sov_classify(m, minor, dscp, prio, &by, &bad);
	KUNIT_EXPECT_EQ_MSG(test, by, want_by, "minor %u dscp %d prio %#x", minor, dscp, prio);
	KUNIT_EXPECT_EQ_MSG(test, bad, want_bad, "minor %u dscp %d prio %#x", minor, dscp, prio);
	KUNIT_EXPECT_LT(test, c, (unsigned int)TC_SOV_CLASSES);
	return c;
}

static void classify_filter_wins(struct kunit *test)
{
	struct sov_cls_maps m;
	u32 minor;

	maps(&m);
	/* every class a filter can name, over a mapped DSCP and a mapped priority */
	for (minor = 1; minor <= TC_SOV_CLASSES; minor++) {
		KUNIT_EXPECT_EQ(test, cls(test, &m, minor, DSCP_EF, TC_PRIO_CONTROL,
					  SOV_CLS_BY_FILTER, false), minor - 1);
		KUNIT_EXPECT_EQ(test, cls(test, &m, minor, SOV_CLS_NO_DSCP, TC_PRIO_BULK,
					  SOV_CLS_BY_FILTER, false), minor - 1);
	}
	/* 1:8 by filter although DSCP says 1:2 and priority says 1:1 */
	KUNIT_EXPECT_EQ(test, cls(test, &m, 8, DSCP_EF, TC_PRIO_CONTROL, SOV_CLS_BY_FILTER, false),
			7U);
}

static void classify_bad_filter_falls_through(struct kunit *test)
{
	static const u32 bad_minors[] = { TC_SOV_CLASSES + 1, 0x10, 0xffff, 0x10001, U32_MAX };
	struct sov_cls_maps m;
	unsigned int i;

	maps(&m);
	for (i = 0; i < ARRAY_SIZE(bad_minors); i++) {
		u32 minor = bad_minors[i];

		/* to the DSCP map when the DSCP is mapped */
		KUNIT_EXPECT_EQ(test, cls(test, &m, minor, DSCP_EF, TC_PRIO_CONTROL,
					  SOV_CLS_BY_DSCP, true), 1U);
		/* else to the priomap */
		KUNIT_EXPECT_EQ(test, cls(test, &m, minor, 0, TC_PRIO_BULK,
					  SOV_CLS_BY_PRIO, true), 6U);
		KUNIT_EXPECT_EQ(test, cls(test, &m, minor, SOV_CLS_NO_DSCP, TC_PRIO_CONTROL,
					  SOV_CLS_BY_PRIO, true), 0U);
	}
	/* no filter verdict is not a bad one; and a good one after a bad one clears it */
	KUNIT_EXPECT_EQ(test, cls(test, &m, SOV_CLS_NO_FILTER, DSCP_EF, 0, SOV_CLS_BY_DSCP, false),
			1U);
	KUNIT_EXPECT_EQ(test, cls(test, &m, 3, DSCP_EF, 0, SOV_CLS_BY_FILTER, false), 2U);
}

static void classify_dscp_beats_priomap(struct kunit *test)
{
	struct sov_cls_maps m;
	u32 prio;

	maps(&m);
	for (prio = 0; prio <= TC_SOV_PRIO_MAX; prio++) {
		KUNIT_EXPECT_EQ(test, cls(test, &m, SOV_CLS_NO_FILTER, DSCP_EF, prio,
					  SOV_CLS_BY_DSCP, false), 1U);
		KUNIT_EXPECT_EQ(test, cls(test, &m, SOV_CLS_NO_FILTER, DSCP_AF41, prio,
					  SOV_CLS_BY_DSCP, false), 3U);
		KUNIT_EXPECT_EQ(test, cls(test, &m, SOV_CLS_NO_FILTER, DSCP_CS1, prio,
					  SOV_CLS_BY_DSCP, false), 7U);
		/* the highest DSCP value is in the map */
		KUNIT_EXPECT_EQ(test, cls(test, &m, SOV_CLS_NO_FILTER, 63, prio,
					  SOV_CLS_BY_DSCP, false), 2U);
	}
}

static void classify_unmapped_dscp_to_priomap(struct kunit *test)
{
	static const int dscps[] = { 0, 1, DSCP_EF + 1, 62, SOV_CLS_NO_DSCP };
	struct sov_cls_maps m;
	unsigned int i;
	u32 prio;

	maps(&m);
	/* a priomap naming every class, so that each entry is told apart */
	for (prio = 0; prio <= TC_SOV_PRIO_MAX; prio++)
		m.prio[prio] = 8 - prio % 8;
	for (i = 0; i < ARRAY_SIZE(dscps); i++)
		for (prio = 0; prio <= TC_SOV_PRIO_MAX; prio++)
			KUNIT_EXPECT_EQ(test, cls(test, &m, SOV_CLS_NO_FILTER, dscps[i], prio,
						  SOV_CLS_BY_PRIO, false), 7 - prio % 8);

	/* with the default (empty) DSCP map every DSCP goes by priority */
	sov_cls_maps_default(&m);
	for (i = 0; i < TC_SOV_DSCP_CNT; i++)
		KUNIT_EXPECT_EQ(test, cls(test, &m, SOV_CLS_NO_FILTER, i, TC_PRIO_CONTROL,
					  SOV_CLS_BY_PRIO, false), 0U);
}

static void classify_priority_masked(struct kunit *test)
{
	struct sov_cls_maps m;
	u32 prio;

	sov_cls_maps_default(&m);
	for (prio = 0; prio <= TC_SOV_PRIO_MAX; prio++)
		m.prio[prio] = prio % 8 + 1;
	m.prio[3] = 4;
	m.prio[11] = 1;

	/* skb->priority is often a classid (major:minor): only its low 4 bits index */
	KUNIT_EXPECT_EQ(test, cls(test, &m, 0, -1, 0x10003, SOV_CLS_BY_PRIO, false), 3U);
	KUNIT_EXPECT_EQ(test, cls(test, &m, 0, -1, 3, SOV_CLS_BY_PRIO, false), 3U);
	KUNIT_EXPECT_EQ(test, cls(test, &m, 0, -1, 0xfff3, SOV_CLS_BY_PRIO, false), 3U);
	KUNIT_EXPECT_EQ(test, cls(test, &m, 0, -1, 0x1b, SOV_CLS_BY_PRIO, false), 0U);
	KUNIT_EXPECT_EQ(test, cls(test, &m, 0, -1, 16, SOV_CLS_BY_PRIO, false), 0U);
	KUNIT_EXPECT_EQ(test, cls(test, &m, 0, -1, 15, SOV_CLS_BY_PRIO, false), 7U);
	KUNIT_EXPECT_EQ(test, cls(test, &m, 0, -1, U32_MAX, SOV_CLS_BY_PRIO, false), 7U);
}

static void classify_defaults(struct kunit *test)
{
	/* TC_PRIO_*: control first, then interactive, best effort in the middle, filler last */
	static const u8 want[TC_SOV_PRIO_MAX + 1] = {
		[TC_PRIO_BESTEFFORT] = 5,	 [TC_PRIO_FILLER] = 8,
		[TC_PRIO_BULK] = 7,		 [3] = 6,
		[TC_PRIO_INTERACTIVE_BULK] = 4, [5] = 3,
		[TC_PRIO_INTERACTIVE] = 2,	 [TC_PRIO_CONTROL] = 1,
		[8] = 5, [9] = 5, [10] = 5, [11] = 5, [12] = 5, [13] = 5, [14] = 5, [15] = 5,
	};
	struct sov_cls_maps m;
	unsigned int i;

	memset(&m, 0xee, sizeof(m));
	sov_cls_maps_default(&m);
	for (i = 0; i <= TC_SOV_PRIO_MAX; i++)
		KUNIT_EXPECT_EQ_MSG(test, m.prio[i], want[i], "priomap[%u]", i);
	for (i = 0; i < TC_SOV_DSCP_CNT; i++)
		KUNIT_EXPECT_EQ_MSG(test, m.dscp[i], 0, "dscpmap[%u]", i);
	KUNIT_EXPECT_TRUE(test, sov_cls_prio_valid(m.prio, sizeof(m.prio)));
	KUNIT_EXPECT_TRUE(test, sov_cls_dscp_valid(m.dscp, sizeof(m.dscp)));

	/* and they classify as they say */
	KUNIT_EXPECT_EQ(test, cls(test, &m, 0, DSCP_EF, TC_PRIO_CONTROL, SOV_CLS_BY_PRIO, false),
			0U);
	KUNIT_EXPECT_EQ(test, cls(test, &m, 0, -1, TC_PRIO_BESTEFFORT, SOV_CLS_BY_PRIO, false), 4U);
	KUNIT_EXPECT_EQ(test, cls(test, &m, 0, -1, TC_PRIO_FILLER, SOV_CLS_BY_PRIO, false), 7U);
}

static void classify_prio_map_valid(struct kunit *test)
{
	u8 map[TC_SOV_PRIO_MAX + 2];
	unsigned int i;

	memset(map, 1, sizeof(map));
	KUNIT_EXPECT_TRUE(test, sov_cls_prio_valid(map, 16));
	KUNIT_EXPECT_FALSE(test, sov_cls_prio_valid(map, 15));
	KUNIT_EXPECT_FALSE(test, sov_cls_prio_valid(map, 17));
	KUNIT_EXPECT_FALSE(test, sov_cls_prio_valid(map, 0));
	memset(map, 8, sizeof(map));
	KUNIT_EXPECT_TRUE(test, sov_cls_prio_valid(map, 16));

	/* 0 and 9 are refused wherever they are, 1 and 8 accepted */
	for (i = 0; i <= TC_SOV_PRIO_MAX; i++) {
		memset(map, 5, sizeof(map));
		map[i] = 0;
		KUNIT_EXPECT_FALSE_MSG(test, sov_cls_prio_valid(map, 16), "0 at %u", i);
		map[i] = 9;
		KUNIT_EXPECT_FALSE_MSG(test, sov_cls_prio_valid(map, 16), "9 at %u", i);
		map[i] = 0xff;
		KUNIT_EXPECT_FALSE_MSG(test, sov_cls_prio_valid(map, 16), "255 at %u", i);
		map[i] = 1;
		KUNIT_EXPECT_TRUE_MSG(test, sov_cls_prio_valid(map, 16), "1 at %u", i);
		map[i] = 8;
		KUNIT_EXPECT_TRUE_MSG(test, sov_cls_prio_valid(map, 16), "8 at %u", i);
	}
	/* a bad byte past the map's length is not the map's */
	memset(map, 5, sizeof(map));
	map[16] = 0;
	KUNIT_EXPECT_TRUE(test, sov_cls_prio_valid(map, 16));
}

static void classify_dscp_map_valid(struct kunit *test)
{
	u8 map[TC_SOV_DSCP_CNT + 1];
	unsigned int i;

	memset(map, 0, sizeof(map));
	/* all "not mapped" is a valid map */
	KUNIT_EXPECT_TRUE(test, sov_cls_dscp_valid(map, 64));
	KUNIT_EXPECT_FALSE(test, sov_cls_dscp_valid(map, 63));
	KUNIT_EXPECT_FALSE(test, sov_cls_dscp_valid(map, 65));
	KUNIT_EXPECT_FALSE(test, sov_cls_dscp_valid(map, 0));
	KUNIT_EXPECT_FALSE(test, sov_cls_dscp_valid(map, 16));

	for (i = 0; i < TC_SOV_DSCP_CNT; i++) {
		memset(map, 3, sizeof(map));
		map[i] = 0;
		KUNIT_EXPECT_TRUE_MSG(test, sov_cls_dscp_valid(map, 64), "0 at %u", i);
		map[i] = 1;
		KUNIT_EXPECT_TRUE_MSG(test, sov_cls_dscp_valid(map, 64), "1 at %u", i);
		map[i] = 8;
		KUNIT_EXPECT_TRUE_MSG(test, sov_cls_dscp_valid(map, 64), "8 at %u", i);
		map[i] = 9;
		KUNIT_EXPECT_FALSE_MSG(test, sov_cls_dscp_valid(map, 64), "9 at %u", i);
		map[i] = 0xff;
		KUNIT_EXPECT_FALSE_MSG(test, sov_cls_dscp_valid(map, 64), "255 at %u", i);
	}
}

static struct kunit_case sched_classify_cases[] = {
	KUNIT_CASE(classify_filter_wins),
	KUNIT_CASE(classify_bad_filter_falls_through),
	KUNIT_CASE(classify_dscp_beats_priomap),
	KUNIT_CASE(classify_unmapped_dscp_to_priomap),
	KUNIT_CASE(classify_priority_masked),
	KUNIT_CASE(classify_defaults),
	KUNIT_CASE(classify_prio_map_valid),
	KUNIT_CASE(classify_dscp_map_valid),
	{}
};

static struct kunit_suite sched_classify_suite = {
	.name = "sov_sched_classify",
	.test_cases = sched_classify_cases,
};

kunit_test_suite(sched_classify_suite);
