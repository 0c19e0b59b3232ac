// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: netio's TX classes (kmod/netio/txsched.c) on a simulated clock:
 * strict priority, a shaped class yielding and coming back after the
 * wait it announced, the end-wide rate capping the sum, the rates at 64
 * and 1500 bytes, classification by priomap and queue, the checks of
 * what userspace sends, throttled spells, counters and their reset.
 *
 * A "saturated" run keeps a frame waiting in every class of a bitmap and
 * sends whatever sov_txs_pick() allows, advancing the clock by the wait it
 * returns; what each class sent is then checked against its rate.
 */
#include <kunit/test.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/math64.h>
#include <linux/time64.h>

#include "../../kmod/netio/txsched.h"

#define T0		(1000 * NSEC_PER_SEC)	/* the simulated clock starts here, not at 0 */
#define MTU		1500U
#define ALL		GENMASK(SOV_NETIO_CLASSES - 1, 0)

#define R_1MB		1000000ULL		/* bytes/s */
#define R_10GBIT	1250000000ULL

static int txs_init(struct kunit *test)
{
	struct sov_txs *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	sov_txs_init(s, MTU, T0);
	test->priv = s;
	return 0;
}

static void lens_all(u32 *lens, u32 len)
{
	unsigned int i;

	for (i = 0; i < SOV_NETIO_CLASSES; i++)
		lens[i] = len;
}

/*
 * Send from every class in @backlog (each always has a frame of lens[c])
 * from *@now until @until; add what each class sent to @bytes. Returns the
 * frames sent.
 */
static u64 run_saturated(struct kunit *test, struct sov_txs *s, unsigned long backlog,
			 const u32 *lens, u64 *now, u64 until, u64 *bytes)
{
	u64 frames = 0, loops = 0;

	while (*now < until) {
		u64 wait = 0;
		int c = sov_txs_pick(s, backlog, lens, *now, &wait);

		KUNIT_ASSERT_LT_MSG(test, ++loops, 50000000ULL, "the run does not end");
		if (c >= 0) {
			KUNIT_ASSERT_TRUE(test, backlog & BIT(c));
			sov_txs_charge(s, c, lens[c], *now);
			bytes[c] += lens[c];
			frames++;
			continue;
		}
		KUNIT_ASSERT_EQ(test, c, -EAGAIN);
		KUNIT_ASSERT_GT(test, wait, 0ULL);
		*now += wait;
	}
	return frames;
}

/* bytes a bucket of @burst at @rate lets through in @ns: burst + rate * ns / 1e9 */
static u64 allowed(u64 rate, u32 burst, u64 ns)
{
	return burst + mul_u64_u64_div_u64(rate, ns, NSEC_PER_SEC);
}

static void txs_defaults(struct kunit *test)
{
	struct sov_txs *s = test->priv;
	struct sov_txs_stats st;
	unsigned int p, c;

	sov_txs_stats(s, T0, &st);
	for (p = 0; p < SOV_NETIO_PRIOMAP_LEN; p++)
		KUNIT_EXPECT_EQ_MSG(test, st.priomap[p], p < 7 ? 7 - p : 0, "priority %u", p);
	for (p = 0; p < SOV_NETIO_QUEUES_MAX; p++)
		KUNIT_EXPECT_EQ(test, st.queue_class[p], 7);
	for (c = 0; c < SOV_NETIO_CLASSES; c++) {
		KUNIT_EXPECT_EQ(test, st.cls[c].rate, 0ULL);
		KUNIT_EXPECT_EQ(test, st.cls[c].burst, 0U);
		KUNIT_EXPECT_EQ(test, st.cls[c].tx_pkts, 0ULL);
	}
	KUNIT_EXPECT_EQ(test, st.rate, 0ULL);
	KUNIT_EXPECT_EQ(test, st.mtu, MTU);
}

static void txs_classify_skb(struct kunit *test)
{
	static const u8 map[SOV_NETIO_PRIOMAP_LEN] = {
		3, 3, 1, 0, 4, 5, 6, 7, 2, 2, 2, 2, 2, 2, 2, 6,
	};
	struct sov_txs *s = test->priv;
	u32 p;

	for (p = 0; p < 40; p++)
		KUNIT_EXPECT_EQ_MSG(test, sov_txs_classify_skb(s, p), p < 7 ? 7 - p : 0,
				    "priority %u", p);
	KUNIT_EXPECT_EQ(test, sov_txs_classify_skb(s, U32_MAX), 0U);

	KUNIT_ASSERT_EQ(test, sov_txs_set_priomap(s, map), 0);
	for (p = 0; p < SOV_NETIO_PRIOMAP_LEN; p++)
		KUNIT_EXPECT_EQ(test, sov_txs_classify_skb(s, p), (u32)map[p]);
	/* above 15: entry 15 */
	KUNIT_EXPECT_EQ(test, sov_txs_classify_skb(s, 16), 6U);
	KUNIT_EXPECT_EQ(test, sov_txs_classify_skb(s, 0x10007), 6U);
}

static void txs_classify_xsk(struct kunit *test)
{
	struct sov_txs *s = test->priv;
	u32 q;

	for (q = 0; q < SOV_NETIO_QUEUES_MAX; q++)
		KUNIT_EXPECT_EQ(test, sov_txs_classify_xsk(s, q, 0), 7U);
	KUNIT_ASSERT_EQ(test, sov_txs_set_queue_class(s, 2, 1), 0);
	KUNIT_ASSERT_EQ(test, sov_txs_set_queue_class(s, 7, 0), 0);
	KUNIT_EXPECT_EQ(test, sov_txs_classify_xsk(s, 2, 0), 1U);
	KUNIT_EXPECT_EQ(test, sov_txs_classify_xsk(s, 7, 0), 0U);
	KUNIT_EXPECT_EQ(test, sov_txs_classify_xsk(s, 1, 0), 7U);
	/* a socket priority overrides the queue: priomap[3] is class 4 */
	KUNIT_EXPECT_EQ(test, sov_txs_classify_xsk(s, 2, 3), 4U);
	KUNIT_EXPECT_EQ(test, sov_txs_classify_xsk(s, 7, 1), 6U);
	KUNIT_EXPECT_EQ(test, sov_txs_classify_xsk(s, 7, 100), 0U);
	/* a queue past the end (a datapath bug) gets the default class */
	KUNIT_EXPECT_EQ(test, sov_txs_classify_xsk(s, SOV_NETIO_QUEUES_MAX, 0), 7U);
	KUNIT_EXPECT_EQ(test, sov_txs_set_queue_class(s, SOV_NETIO_QUEUES_MAX, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, sov_txs_set_queue_class(s, 0, SOV_NETIO_CLASSES), -EINVAL);
	KUNIT_EXPECT_EQ(test, sov_txs_classify_xsk(s, 0, 0), 7U);
}

static void txs_check_priomap(struct kunit *test)
{
	struct sov_txs *s = test->priv;
	u8 map[SOV_NETIO_PRIOMAP_LEN + 1] = { 0 };
	const char *why;
	int bad = 42;

	KUNIT_EXPECT_NULL(test, sov_txs_check_priomap(map, SOV_NETIO_PRIOMAP_LEN, &bad));
	KUNIT_EXPECT_EQ(test, bad, -1);

	why = sov_txs_check_priomap(map, SOV_NETIO_PRIOMAP_LEN - 1, &bad);
	KUNIT_EXPECT_STREQ(test, why, "priomap must be 16 bytes, one class per priority 0..15");
	KUNIT_EXPECT_EQ(test, bad, -1);
	why = sov_txs_check_priomap(map, SOV_NETIO_PRIOMAP_LEN + 1, &bad);
	KUNIT_EXPECT_STREQ(test, why, "priomap must be 16 bytes, one class per priority 0..15");

	map[5] = 7;
	map[9] = 8;
	map[12] = 255;
	why = sov_txs_check_priomap(map, SOV_NETIO_PRIOMAP_LEN, &bad);
	KUNIT_EXPECT_STREQ(test, why, "priomap entries must be classes 0..7");
	KUNIT_EXPECT_EQ(test, bad, 9);

	/* a refused map changes nothing */
	KUNIT_EXPECT_EQ(test, sov_txs_set_priomap(s, map), -EINVAL);
	KUNIT_EXPECT_EQ(test, sov_txs_classify_skb(s, 5), 2U);
	KUNIT_EXPECT_EQ(test, sov_txs_classify_skb(s, 9), 0U);
}

static void txs_check_class_and_rate(struct kunit *test)
{
	struct sov_txs *s = test->priv;
	struct sov_txs_stats st;

	KUNIT_EXPECT_NULL(test, sov_txs_check_class_id(0));
	KUNIT_EXPECT_NULL(test, sov_txs_check_class_id(7));
	KUNIT_EXPECT_STREQ(test, sov_txs_check_class_id(8), "class id must be 0..7");
	KUNIT_EXPECT_STREQ(test, sov_txs_check_class_id(U32_MAX), "class id must be 0..7");

	KUNIT_EXPECT_NULL(test, sov_txs_check_rate(0, 0, MTU));
	KUNIT_EXPECT_NULL(test, sov_txs_check_rate(R_1MB, 0, MTU));
	KUNIT_EXPECT_NULL(test, sov_txs_check_rate(R_1MB, MTU, MTU));
	KUNIT_EXPECT_NULL(test, sov_txs_check_rate(1, 0, MTU));
	KUNIT_EXPECT_NULL(test, sov_txs_check_rate(U64_MAX, U32_MAX, MTU));
	KUNIT_EXPECT_STREQ(test, sov_txs_check_rate(0, MTU, MTU),
			   "a burst needs a rate (rate 0 is not shaped)");
	KUNIT_EXPECT_STREQ(test, sov_txs_check_rate(R_1MB, MTU - 1, MTU),
			   "burst must be at least the mtu");
	/* 4 GB at 1 byte/s: 136 years */
	KUNIT_EXPECT_STREQ(test, sov_txs_check_rate(1, U32_MAX, MTU),
			   "burst must be at most 26 days of sending at the rate");

	/* refused settings change nothing */
	KUNIT_EXPECT_EQ(test, sov_txs_set_class_rate(s, 8, R_1MB, 0, T0), -EINVAL);
	KUNIT_EXPECT_EQ(test, sov_txs_set_class_rate(s, 1, R_1MB, MTU - 1, T0), -EINVAL);
	KUNIT_EXPECT_EQ(test, sov_txs_set_class_rate(s, 1, 1, U32_MAX, T0), -EINVAL);
	KUNIT_EXPECT_EQ(test, sov_txs_set_class_rate(s, 1, 0, MTU, T0), -EINVAL);
	sov_txs_stats(s, T0, &st);
	KUNIT_EXPECT_EQ(test, st.cls[1].rate, 0ULL);

	KUNIT_EXPECT_EQ(test, sov_txs_set_class_rate(s, 1, R_1MB, 4000, T0), 0);
	KUNIT_EXPECT_EQ(test, sov_txs_set_rate(s, 2 * R_1MB, T0), 0);
	sov_txs_stats(s, T0, &st);
	KUNIT_EXPECT_EQ(test, st.cls[1].rate, R_1MB);
	KUNIT_EXPECT_EQ(test, st.cls[1].burst, 4000U);
	KUNIT_EXPECT_EQ(test, st.cls[1].tokens, 4000LL);
	KUNIT_EXPECT_EQ(test, st.rate, 2 * R_1MB);
	KUNIT_EXPECT_EQ(test, st.burst, 20000U);	/* 10 ms at 2 MB/s */
	/* rate 0 turns it off again */
	KUNIT_EXPECT_EQ(test, sov_txs_set_class_rate(s, 1, 0, 0, T0), 0);
	KUNIT_EXPECT_EQ(test, sov_txs_set_rate(s, 0, T0), 0);
	sov_txs_stats(s, T0, &st);
	KUNIT_EXPECT_EQ(test, st.cls[1].rate, 0ULL);
	KUNIT_EXPECT_EQ(test, st.cls[1].burst, 0U);
	KUNIT_EXPECT_EQ(test, st.rate, 0ULL);
}

static void txs_default_burst(struct kunit *test)
{
	struct sov_txs *s = test->priv;
	struct sov_txs_stats st;

	/* 10 ms at the rate ... */
	KUNIT_EXPECT_EQ(test, sov_txs_default_burst(R_1MB, MTU), 10000U);
	KUNIT_EXPECT_EQ(test, sov_txs_default_burst(R_10GBIT, MTU), 12500000U);
	/* ... at least 2 MTU ... */
	KUNIT_EXPECT_EQ(test, sov_txs_default_burst(100000, MTU), 3000U);
	KUNIT_EXPECT_EQ(test, sov_txs_default_burst(1, 9000), 18000U);
	/* ... at most what a u32 holds */
	KUNIT_EXPECT_EQ(test, sov_txs_default_burst(1000000000000ULL, MTU), U32_MAX);
	KUNIT_EXPECT_EQ(test, sov_txs_default_burst(U64_MAX, MTU), U32_MAX);

	/* on an MTU change default bursts follow it, set ones stay but not below it */
	KUNIT_ASSERT_EQ(test, sov_txs_set_class_rate(s, 0, 100000, 0, T0), 0);
	KUNIT_ASSERT_EQ(test, sov_txs_set_class_rate(s, 1, R_1MB, MTU, T0), 0);
	KUNIT_ASSERT_EQ(test, sov_txs_set_class_rate(s, 2, R_1MB, 5000, T0), 0);
	sov_txs_set_mtu(s, 3000, T0);
	sov_txs_stats(s, T0, &st);
	KUNIT_EXPECT_EQ(test, st.mtu, 3000U);
	KUNIT_EXPECT_EQ(test, st.cls[0].burst, 6000U);
	KUNIT_EXPECT_EQ(test, st.cls[1].burst, 3000U);
	KUNIT_EXPECT_EQ(test, st.cls[2].burst, 5000U);
	KUNIT_EXPECT_EQ(test, st.cls[1].rate, R_1MB);
	sov_txs_set_mtu(s, MTU, T0);
	sov_txs_stats(s, T0, &st);
	KUNIT_EXPECT_EQ(test, st.cls[0].burst, 3000U);
	KUNIT_EXPECT_EQ(test, st.cls[1].burst, MTU);
	KUNIT_EXPECT_EQ(test, st.cls[2].burst, 5000U);
}

/* Every bitmap of waiting classes: unshaped, the lowest-numbered class goes. */
static void txs_strict_priority(struct kunit *test)
{
	unsigned int left[SOV_NETIO_CLASSES], order = 0, c;
	struct sov_txs *s = test->priv;
	unsigned long bm, backlog = ALL;
	u32 lens[SOV_NETIO_CLASSES];
	u64 wait = 12345;

	lens_all(lens, MTU);
	KUNIT_EXPECT_EQ(test, sov_txs_pick(s, 0, lens, T0, &wait), -ENODATA);
	/* bits past the classes are not classes */
	KUNIT_EXPECT_EQ(test, sov_txs_pick(s, BIT(SOV_NETIO_CLASSES), lens, T0, &wait), -ENODATA);
	for (bm = 1; bm <= ALL; bm++)
		KUNIT_EXPECT_EQ_MSG(test, sov_txs_pick(s, bm, lens, T0, &wait), __ffs(bm),
				    "backlog %#lx", bm);

	/* drain 3 frames of each class: class 0's first, class 7's last */
	for (c = 0; c < SOV_NETIO_CLASSES; c++)
		left[c] = 3;
	while (backlog) {
		int got = sov_txs_pick(s, backlog, lens, T0, &wait);

		KUNIT_ASSERT_EQ(test, got, (int)(order / 3));
		sov_txs_charge(s, got, lens[got], T0);
		if (!--left[got])
			backlog &= ~BIT(got);
		order++;
	}
	KUNIT_EXPECT_EQ(test, order, 3U * SOV_NETIO_CLASSES);
	KUNIT_EXPECT_EQ(test, wait, 12345ULL);	/* only -EAGAIN sets it */
}

/*
 * Class 0 shaped to 1 MB/s with a bucket of one MTU: after one frame it
 * yields to class 3, announces the wait of one frame's sending time, and
 * goes again exactly then, not a ns earlier.
 */
static void txs_shaped_yields(struct kunit *test)
{
	struct sov_txs *s = test->priv;
	u32 lens[SOV_NETIO_CLASSES];
	u64 now = T0, wait = 0, want = sov_tb_len2ns(R_1MB, MTU);
	struct sov_txs_stats st;

	lens_all(lens, MTU);
	KUNIT_ASSERT_EQ(test, sov_txs_set_class_rate(s, 0, R_1MB, MTU, now), 0);
	KUNIT_EXPECT_EQ(test, want, 1500000ULL);

	KUNIT_ASSERT_EQ(test, sov_txs_pick(s, BIT(0) | BIT(3), lens, now, &wait), 0);
	sov_txs_charge(s, 0, MTU, now);
	/* class 0 is out of tokens: class 3 goes, unshaped, as often as asked */
	KUNIT_EXPECT_EQ(test, sov_txs_pick(s, BIT(0) | BIT(3), lens, now, &wait), 3);
	sov_txs_charge(s, 3, MTU, now);
	now += want / 2;
	KUNIT_EXPECT_EQ(test, sov_txs_pick(s, BIT(0) | BIT(3), lens, now, &wait), 3);
	sov_txs_charge(s, 3, MTU, now);

	/* alone, class 0 must wait the rest of one frame's time */
	KUNIT_EXPECT_EQ(test, sov_txs_pick(s, BIT(0), lens, now, &wait), -EAGAIN);
	KUNIT_EXPECT_EQ(test, wait, want - want / 2);
	KUNIT_EXPECT_EQ(test, sov_txs_pick(s, BIT(0), lens, now + wait - 1, &wait), -EAGAIN);
	KUNIT_EXPECT_EQ(test, wait, 1ULL);
	now = T0 + want;
	KUNIT_EXPECT_EQ(test, sov_txs_pick(s, BIT(0) | BIT(3), lens, now, &wait), 0);
	sov_txs_charge(s, 0, MTU, now);

	/* a 64-byte frame needs only its own time */
	lens[0] = 64;
	KUNIT_EXPECT_EQ(test, sov_txs_pick(s, BIT(0), lens, now, &wait), -EAGAIN);
	KUNIT_EXPECT_EQ(test, wait, sov_tb_len2ns(R_1MB, 64));
	KUNIT_EXPECT_EQ(test, wait, 64000ULL);

	sov_txs_stats(s, now, &st);
	KUNIT_EXPECT_EQ(test, st.cls[0].tx_pkts, 2ULL);
	KUNIT_EXPECT_EQ(test, st.cls[3].tx_pkts, 2ULL);
	KUNIT_EXPECT_EQ(test, st.cls[3].tx_bytes, 2ULL * MTU);
	/* one spell (four refusals), then a second one after it sent */
	KUNIT_EXPECT_EQ(test, st.cls[0].throttled, 2ULL);
	KUNIT_EXPECT_EQ(test, st.cls[3].throttled, 0ULL);
	KUNIT_EXPECT_EQ(test, st.link_throttled, 0ULL);
}

/* Every class waiting, only class 0 shaped: the time to wait is its own. */
static void txs_wait_is_earliest(struct kunit *test)
{
	struct sov_txs *s = test->priv;
	u32 lens[SOV_NETIO_CLASSES];
	u64 wait = 0;
	unsigned int c;

	lens_all(lens, MTU);
	for (c = 0; c < SOV_NETIO_CLASSES; c++)
		KUNIT_ASSERT_EQ(test, sov_txs_set_class_rate(s, c, (c + 1) * R_1MB, MTU, T0), 0);
	for (c = 0; c < SOV_NETIO_CLASSES; c++) {
		KUNIT_ASSERT_EQ(test, sov_txs_pick(s, ALL, lens, T0, &wait), (int)c);
		sov_txs_charge(s, c, MTU, T0);
	}
	/* the fastest class (7, 8 MB/s) refills first: 1500 B / 8 MB/s */
	KUNIT_EXPECT_EQ(test, sov_txs_pick(s, ALL, lens, T0, &wait), -EAGAIN);
	KUNIT_EXPECT_EQ(test, wait, sov_tb_len2ns(8 * R_1MB, MTU));
	KUNIT_EXPECT_EQ(test, sov_txs_pick(s, ALL, lens, T0 + wait, &wait), 7);
	/* without class 7 waiting, class 6's */
	KUNIT_EXPECT_EQ(test, sov_txs_pick(s, ALL & ~BIT(7), lens, T0, &wait), -EAGAIN);
	KUNIT_EXPECT_EQ(test, wait, sov_tb_len2ns(7 * R_1MB, MTU));
}

/* The end-wide rate caps what all classes send together, at both sizes. */
static void txs_link_caps_sum(struct kunit *test)
{
	static const u32 sizes[] = { 64, MTU };
	struct sov_txs *s = test->priv;
	u32 lens[SOV_NETIO_CLASSES];
	unsigned int i, c;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u64 bytes[SOV_NETIO_CLASSES] = { 0 }, now = T0, sum = 0;
		u32 burst = sov_txs_default_burst(R_1MB, MTU);
		struct sov_txs_stats st;

		sov_txs_init(s, MTU, now);
		KUNIT_ASSERT_EQ(test, sov_txs_set_rate(s, R_1MB, now), 0);
		lens_all(lens, sizes[i]);
		run_saturated(test, s, ALL, lens, &now, T0 + NSEC_PER_SEC, bytes);
		for (c = 0; c < SOV_NETIO_CLASSES; c++)
			sum += bytes[c];
		/* strict priority: class 0 always had a frame, so it took everything */
		KUNIT_EXPECT_EQ(test, bytes[0], sum);
		KUNIT_EXPECT_LE_MSG(test, sum, allowed(R_1MB, burst, NSEC_PER_SEC),
				    "len %u", sizes[i]);
		KUNIT_EXPECT_GE_MSG(test, sum + sizes[i], allowed(R_1MB, burst, NSEC_PER_SEC),
				    "len %u", sizes[i]);
		sov_txs_stats(s, now, &st);
		KUNIT_EXPECT_EQ(test, st.cls[0].tx_bytes, sum);
		KUNIT_EXPECT_EQ(test, st.cls[0].tx_pkts, sum / sizes[i]);
		/*
		 * After the burst the link held back every frame once (a spell
		 * each, the last one unfinished); class 0's own bucket never.
		 */
		KUNIT_EXPECT_EQ(test, st.link_throttled, st.cls[0].tx_pkts - burst / sizes[i] + 1);
		KUNIT_EXPECT_EQ(test, st.cls[0].throttled, st.link_throttled);
		KUNIT_EXPECT_EQ(test, st.cls[1].throttled, 0ULL);
	}
}

/*
 * Class 0 shaped to a quarter of the end's rate (default burst), class 1
 * not: class 0 gets its rate, class 1 the rest, the sum the end's rate,
 * class 5 nothing.
 */
static void txs_link_shares(struct kunit *test)
{
	struct sov_txs *s = test->priv;
	u64 bytes[SOV_NETIO_CLASSES] = { 0 }, now = T0;
	u32 lens[SOV_NETIO_CLASSES], link_burst = sov_txs_default_burst(4 * R_1MB, MTU);
	u32 burst = sov_txs_default_burst(R_1MB, MTU);

	lens_all(lens, MTU);
	KUNIT_ASSERT_EQ(test, sov_txs_set_rate(s, 4 * R_1MB, now), 0);
	KUNIT_ASSERT_EQ(test, sov_txs_set_class_rate(s, 0, R_1MB, 0, now), 0);
	run_saturated(test, s, BIT(0) | BIT(1) | BIT(5), lens, &now, T0 + NSEC_PER_SEC, bytes);

	KUNIT_EXPECT_LE(test, bytes[0], allowed(R_1MB, burst, NSEC_PER_SEC));
	/* less than a frame in its bucket, plus what it gained while the link held it */
	KUNIT_EXPECT_GE(test, bytes[0] + 2 * MTU, allowed(R_1MB, burst, NSEC_PER_SEC));
	KUNIT_EXPECT_LE(test, bytes[0] + bytes[1], allowed(4 * R_1MB, link_burst, NSEC_PER_SEC));
	KUNIT_EXPECT_GE(test, bytes[0] + bytes[1] + MTU,
			allowed(4 * R_1MB, link_burst, NSEC_PER_SEC));
	KUNIT_EXPECT_GT(test, bytes[1], 2 * bytes[0]);
	KUNIT_EXPECT_EQ(test, bytes[5], 0ULL);
}

/* A shaped class, alone, sends at its rate: 64 and 1500 bytes, 1 MB/s and 10 Gbit/s. */
struct rate_case {
	u64 rate;
	u32 len;
	u64 ns;		/* how long to run */
};

static const struct rate_case rate_cases[] = {
	{ R_1MB, 64, NSEC_PER_SEC },
	{ R_1MB, 1500, NSEC_PER_SEC },
	{ R_10GBIT, 64, NSEC_PER_MSEC },
	{ R_10GBIT, 1500, 10 * NSEC_PER_MSEC },
};

static void rate_case_desc(const struct rate_case *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%llu B/s, %u B", p->rate, p->len);
}

KUNIT_ARRAY_PARAM(rate, rate_cases, rate_case_desc);

static void txs_rate_at_size(struct kunit *test)
{
	const struct rate_case *p = test->param_value;
	struct sov_txs *s = test->priv;
	u64 bytes[SOV_NETIO_CLASSES] = { 0 }, now = T0, frames, t_last;
	u32 lens[SOV_NETIO_CLASSES];
	u64 wait;

	lens_all(lens, p->len);
	KUNIT_ASSERT_EQ(test, sov_txs_set_class_rate(s, 2, p->rate, MTU, now), 0);
	frames = run_saturated(test, s, BIT(2), lens, &now, T0 + p->ns, bytes);
	KUNIT_EXPECT_EQ(test, bytes[2], frames * p->len);
	KUNIT_EXPECT_LE(test, bytes[2], allowed(p->rate, MTU, p->ns));
	KUNIT_EXPECT_GE(test, bytes[2] + p->len, allowed(p->rate, MTU, p->ns));

	/*
	 * The run ended on a wait, so a frame may go now; after it, frames go
	 * one sending time apart (to the ns: the ps are rounded).
	 */
	KUNIT_ASSERT_EQ(test, sov_txs_pick(s, BIT(2), lens, now, &wait), 2);
	sov_txs_charge(s, 2, p->len, now);
	KUNIT_ASSERT_EQ(test, sov_txs_pick(s, BIT(2), lens, now, &wait), -EAGAIN);
	KUNIT_EXPECT_LE(test, wait, sov_tb_len2ns(p->rate, p->len));
	t_last = now + wait;
	KUNIT_ASSERT_EQ(test, sov_txs_pick(s, BIT(2), lens, t_last, &wait), 2);
	sov_txs_charge(s, 2, p->len, t_last);
	KUNIT_ASSERT_EQ(test, sov_txs_pick(s, BIT(2), lens, t_last, &wait), -EAGAIN);
	KUNIT_EXPECT_LE(test, wait, sov_tb_len2ns(p->rate, p->len));
	KUNIT_EXPECT_GE(test, wait + 1, sov_tb_len2ns(p->rate, p->len));
}

/* The same through the end-wide bucket, with the class unshaped. */
static void txs_link_rate_at_size(struct kunit *test)
{
	const struct rate_case *p = test->param_value;
	struct sov_txs *s = test->priv;
	u64 bytes[SOV_NETIO_CLASSES] = { 0 }, now = T0;
	u32 lens[SOV_NETIO_CLASSES], burst = sov_txs_default_burst(p->rate, MTU);

	lens_all(lens, p->len);
	KUNIT_ASSERT_EQ(test, sov_txs_set_rate(s, p->rate, now), 0);
	run_saturated(test, s, BIT(6), lens, &now, T0 + p->ns, bytes);
	KUNIT_EXPECT_LE(test, bytes[6], allowed(p->rate, burst, p->ns));
	KUNIT_EXPECT_GE(test, bytes[6] + p->len, allowed(p->rate, burst, p->ns));
}

/* The end's bucket holding back class 1 holds back class 4's smaller frame too. */
static void txs_link_keeps_priority(struct kunit *test)
{
	struct sov_txs *s = test->priv;
	u32 lens[SOV_NETIO_CLASSES];
	u32 burst = sov_txs_default_burst(R_1MB, MTU);	/* 10000 bytes */
	u64 wait = 0, now = T0, want;
	struct sov_txs_stats st;

	lens_all(lens, MTU);
	lens[4] = 64;
	KUNIT_ASSERT_EQ(test, sov_txs_set_rate(s, R_1MB, now), 0);
	/* 6 frames of 1500 leave 1000 bytes: enough for 64, not for 1500 */
	while (burst >= MTU) {
		KUNIT_ASSERT_EQ(test, sov_txs_pick(s, BIT(1) | BIT(4), lens, now, &wait), 1);
		sov_txs_charge(s, 1, MTU, now);
		burst -= MTU;
	}
	KUNIT_EXPECT_EQ(test, sov_txs_pick(s, BIT(1) | BIT(4), lens, now, &wait), -EAGAIN);
	want = sov_tb_len2ns(R_1MB, MTU - burst);
	KUNIT_EXPECT_EQ(test, wait, want);
	KUNIT_EXPECT_EQ(test, sov_txs_pick(s, BIT(1) | BIT(4), lens, now + want - 1, &wait),
			-EAGAIN);
	KUNIT_EXPECT_EQ(test, wait, 1ULL);
	KUNIT_EXPECT_EQ(test, sov_txs_pick(s, BIT(1) | BIT(4), lens, now + want, &wait), 1);
	sov_txs_stats(s, now, &st);
	/* one spell of the link's, though refused twice */
	KUNIT_EXPECT_EQ(test, st.link_throttled, 1ULL);
	KUNIT_EXPECT_EQ(test, st.cls[1].throttled, 1ULL);
	KUNIT_EXPECT_EQ(test, st.cls[4].throttled, 0ULL);
	/* the 64-byte frame alone could have gone at once: only priority held it */
	KUNIT_EXPECT_EQ(test, sov_txs_pick(s, BIT(4), lens, now, &wait), 4);
}

static void txs_counters_and_reset(struct kunit *test)
{
	struct sov_txs *s = test->priv;
	struct sov_txs_stats st;
	u32 lens[SOV_NETIO_CLASSES];
	u64 wait;

	lens_all(lens, MTU);
	KUNIT_ASSERT_EQ(test, sov_txs_set_class_rate(s, 5, R_1MB, MTU, T0), 0);
	KUNIT_ASSERT_EQ(test, sov_txs_set_queue_class(s, 3, 5), 0);
	sov_txs_enqueue(s, 5);
	sov_txs_enqueue(s, 5);
	sov_txs_enqueue(s, 5);
	sov_txs_enqueue(s, 2);
	sov_txs_drop(s, 5);
	sov_txs_drop(s, 6);
	sov_txs_drop(s, SOV_NETIO_CLASSES);	/* not a class: ignored */
	KUNIT_ASSERT_EQ(test, sov_txs_pick(s, BIT(5), lens, T0, &wait), 5);
	sov_txs_dequeue(s, 5);
	sov_txs_charge(s, 5, 1000, T0);
	KUNIT_ASSERT_EQ(test, sov_txs_pick(s, BIT(5), lens, T0, &wait), -EAGAIN);
	sov_txs_dequeue(s, 2);
	sov_txs_dequeue(s, 2);		/* more than queued: stays 0 */

	sov_txs_stats(s, T0, &st);
	KUNIT_EXPECT_EQ(test, st.cls[5].tx_pkts, 1ULL);
	KUNIT_EXPECT_EQ(test, st.cls[5].tx_bytes, 1000ULL);
	KUNIT_EXPECT_EQ(test, st.cls[5].backlog, 2U);
	KUNIT_EXPECT_EQ(test, st.cls[5].drops, 1ULL);
	KUNIT_EXPECT_EQ(test, st.cls[5].throttled, 1ULL);
	KUNIT_EXPECT_EQ(test, st.cls[5].tokens, (s64)MTU - 1000);
	KUNIT_EXPECT_EQ(test, st.cls[6].drops, 1ULL);
	KUNIT_EXPECT_EQ(test, st.cls[2].backlog, 0U);

	sov_txs_reset_counters(s);
	sov_txs_stats(s, T0, &st);
	KUNIT_EXPECT_EQ(test, st.cls[5].tx_pkts, 0ULL);
	KUNIT_EXPECT_EQ(test, st.cls[5].tx_bytes, 0ULL);
	KUNIT_EXPECT_EQ(test, st.cls[5].drops, 0ULL);
	KUNIT_EXPECT_EQ(test, st.cls[5].throttled, 0ULL);
	KUNIT_EXPECT_EQ(test, st.cls[6].drops, 0ULL);
	/* settings, tokens and backlog stay */
	KUNIT_EXPECT_EQ(test, st.cls[5].backlog, 2U);
	KUNIT_EXPECT_EQ(test, st.cls[5].rate, R_1MB);
	KUNIT_EXPECT_EQ(test, st.cls[5].tokens, (s64)MTU - 1000);
	KUNIT_EXPECT_EQ(test, st.queue_class[3], 5);
	/* a class still in its spell is not counted again after the reset */
	KUNIT_EXPECT_EQ(test, sov_txs_pick(s, BIT(5), lens, T0, &wait), -EAGAIN);
	sov_txs_stats(s, T0, &st);
	KUNIT_EXPECT_EQ(test, st.cls[5].throttled, 0ULL);
}

static struct kunit_case netio_txsched_cases[] = {
	KUNIT_CASE(txs_defaults),
	KUNIT_CASE(txs_classify_skb),
	KUNIT_CASE(txs_classify_xsk),
	KUNIT_CASE(txs_check_priomap),
	KUNIT_CASE(txs_check_class_and_rate),
	KUNIT_CASE(txs_default_burst),
	KUNIT_CASE(txs_strict_priority),
	KUNIT_CASE(txs_shaped_yields),
	KUNIT_CASE(txs_wait_is_earliest),
	KUNIT_CASE(txs_link_caps_sum),
	KUNIT_CASE(txs_link_shares),
	KUNIT_CASE_PARAM(txs_rate_at_size, rate_gen_params),
	KUNIT_CASE_PARAM(txs_link_rate_at_size, rate_gen_params),
	KUNIT_CASE(txs_link_keeps_priority),
	KUNIT_CASE(txs_counters_and_reset),
	{}
};

static struct kunit_suite netio_txsched_suite = {
	.name = "netio_txsched",
	.init = txs_init,
	.test_cases = netio_txsched_cases,
};

kunit_test_suite(netio_txsched_suite);
