// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the sov qdisc's token buckets (kmod/sched/shaper.c), on a simulated
 * clock, at rates from 8 kbit/s to 1 Tbit/s: the arithmetic against a 128-bit
 * reference, a burst and the wait after it, the long-run rate, packets
 * bigger than the bucket, the ceil, bad configurations, a clock that goes
 * back.
 *
 * The buckets count ps, the clock and the waits ns. At the rates named here
 * a byte takes a whole number of ps, so waits are checked to the ns: the
 * sending time rounded up.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/math64.h>
#include <linux/time64.h>

#include "../../kmod/sched/shaper.h"

#define T0		(1000 * NSEC_PER_SEC)	/* the simulated clock starts here, not at 0 */
#define MTU		1500U

/* bytes/s */
#define R_8KBIT		1000ULL
#define R_1MBIT		125000ULL
#define R_10GBIT	1250000000ULL
#define R_100GBIT	12500000000ULL
#define R_1TBIT		125000000000ULL

static const u64 rates[] = { R_8KBIT, R_1MBIT, R_10GBIT, R_100GBIT, R_1TBIT };

/* len * 1e9 / rate rounded up, checked with 128-bit products */
static u64 ref_len2ns(struct kunit *test, u64 rate, u32 len)
{
	unsigned __int128 want = (unsigned __int128)len * NSEC_PER_SEC;
	u64 q = div64_u64((u64)len * NSEC_PER_SEC, rate);

	KUNIT_EXPECT_TRUE(test, (unsigned __int128)q * rate <= want);
	KUNIT_EXPECT_TRUE(test, (unsigned __int128)(q + 1) * rate > want);
	return (unsigned __int128)q * rate == want ? q : q + 1;
}

static void tb_len2ns_reference(struct kunit *test)
{
	static const u32 lens[] = { 0, 1, 64, 1500, 65535, U32_MAX };
	unsigned int i, j;
	u64 rate, x = 88172645463325252ULL;

	for (i = 0; i < ARRAY_SIZE(rates); i++)
		for (j = 0; j < ARRAY_SIZE(lens); j++)
			KUNIT_EXPECT_EQ_MSG(test, sov_tb_len2ns(rates[i], lens[j]),
					    ref_len2ns(test, rates[i], lens[j]),
					    "rate %llu len %u", rates[i], lens[j]);

	/* exact values */
	KUNIT_EXPECT_EQ(test, sov_tb_len2ns(R_8KBIT, 1), 1000000ULL);
	KUNIT_EXPECT_EQ(test, sov_tb_len2ns(R_8KBIT, 1500), 1500000000ULL);
	KUNIT_EXPECT_EQ(test, sov_tb_len2ns(R_8KBIT, U32_MAX), 4294967295000000ULL);
	KUNIT_EXPECT_EQ(test, sov_tb_len2ns(R_1MBIT, 64), 512000ULL);
	KUNIT_EXPECT_EQ(test, sov_tb_len2ns(R_1MBIT, U32_MAX), 34359738360000ULL);
	KUNIT_EXPECT_EQ(test, sov_tb_len2ns(R_10GBIT, 1500), 1200ULL);
	KUNIT_EXPECT_EQ(test, sov_tb_len2ns(R_100GBIT, 1500), 120ULL);
	KUNIT_EXPECT_EQ(test, sov_tb_len2ns(R_1TBIT, 1500), 12ULL);
	KUNIT_EXPECT_EQ(test, sov_tb_len2ns(R_1TBIT, 65000), 520ULL);
	/* rounded up: never faster than the rate */
	KUNIT_EXPECT_EQ(test, sov_tb_len2ns(R_10GBIT, 64), 52ULL);		/* 51.2 */
	KUNIT_EXPECT_EQ(test, sov_tb_len2ns(R_100GBIT, 65535), 5243ULL);	/* 5242.8 */
	KUNIT_EXPECT_EQ(test, sov_tb_len2ns(R_1TBIT, 1), 1ULL);		/* 0.008 */
	KUNIT_EXPECT_EQ(test, sov_tb_len2ns(R_1TBIT, U32_MAX), 34359739ULL);	/* ...8.36 */
	KUNIT_EXPECT_EQ(test, sov_tb_len2ns(R_8KBIT, 0), 0ULL);
	KUNIT_EXPECT_EQ(test, sov_tb_len2ns(1, U32_MAX), 4294967295000000000ULL);

	/* and odd rates and lengths in between */
	for (i = 0; i < 2000; i++) {
		u32 len;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		rate = R_8KBIT + x % (R_1TBIT * 8);
		len = i < 1000 ? (u32)(x >> 40) % 65536 : (u32)(x >> 32);
		KUNIT_EXPECT_EQ_MSG(test, sov_tb_len2ns(rate, len), ref_len2ns(test, rate, len),
				    "rate %llu len %u", rate, len);
	}
}

/* floor(len * 1e12 / rate), exactly: (len * 1e9 = q * rate + r) * 1000 */
static u64 ref_len2ps_floor(u64 rate, u32 len)
{
	u64 r, q = div64_u64_rem((u64)len * NSEC_PER_SEC, rate, &r);

	return q * 1000 + div64_u64(r * 1000, rate);
}

#define PS_BIG	1000000000000000000ULL	/* 1e18 ps: 11.6 days */

/*
 * sov_tb_len2ps(): len * 1e12 / rate rounded down, at least 1. Beyond
 * 1e18 ps (more than any bucket holds) only: no more than that, and room
 * left in s64 to add it to a bucket.
 */
static void expect_len2ps(struct kunit *test, u64 rate, u32 len)
{
	u64 got = sov_tb_len2ps(rate, len), fl = ref_len2ps_floor(rate, len);

	if (fl < PS_BIG) {
		KUNIT_EXPECT_EQ_MSG(test, got, max(fl, 1ULL), "rate %llu len %u", rate, len);
		return;
	}
	KUNIT_EXPECT_LE_MSG(test, got, fl, "rate %llu len %u", rate, len);
	KUNIT_EXPECT_GE_MSG(test, got, PS_BIG, "rate %llu len %u", rate, len);
	KUNIT_EXPECT_LE_MSG(test, got, (u64)S64_MAX / 2, "rate %llu len %u", rate, len);
}

static void tb_len2ps_reference(struct kunit *test)
{
	static const u32 lens[] = { 0, 1, 64, 1500, 65535, U32_MAX };
	unsigned int i, j;
	u64 x = 0x2545f4914f6cdd1dULL;

	for (i = 0; i < ARRAY_SIZE(rates); i++)
		for (j = 0; j < ARRAY_SIZE(lens); j++)
			expect_len2ps(test, rates[i], lens[j]);
	/* whole ps where the ns are not: 64 bytes at 10, 100 Gbit/s and 1 Tbit/s */
	KUNIT_EXPECT_EQ(test, sov_tb_len2ps(R_10GBIT, 64), 51200ULL);
	KUNIT_EXPECT_EQ(test, sov_tb_len2ps(R_100GBIT, 64), 5120ULL);
	KUNIT_EXPECT_EQ(test, sov_tb_len2ps(R_1TBIT, 64), 512ULL);
	KUNIT_EXPECT_EQ(test, sov_tb_len2ps(R_1TBIT, 1), 8ULL);
	KUNIT_EXPECT_EQ(test, sov_tb_len2ps(R_8KBIT, 1500), 1500000000000ULL);
	/* never free */
	KUNIT_EXPECT_EQ(test, sov_tb_len2ps(U64_MAX, 1), 1ULL);
	/* the dearest: 4 GiB at 8 kbit/s, 8 bit/s, 1 byte/s: no trap, room in s64 */
	KUNIT_EXPECT_LE(test, sov_tb_len2ps(R_8KBIT, U32_MAX), (u64)S64_MAX / 2);
	KUNIT_EXPECT_LE(test, sov_tb_len2ps(1, U32_MAX), (u64)S64_MAX / 2);
	KUNIT_EXPECT_GE(test, sov_tb_len2ps(1, U32_MAX), PS_BIG);

	/* odd rates; lengths up to 1 MiB, then any */
	for (i = 0; i < 2000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		expect_len2ps(test, R_8KBIT + x % (R_1TBIT * 8),
			      i < 1000 ? (u32)(x >> 44) : (u32)(x >> 32));
	}
}

/*
 * The sender: a packet of @len bytes goes whenever sov_tb_wait() says 0,
 * else the clock jumps by the wait, from *@t to @end included. Checks that
 * each wait is exact (the packet may go after it, not one ns before).
 */
static u64 tb_send(struct kunit *test, struct sov_tb *tb, u32 len, u64 *t, u64 end)
{
	u64 bytes = 0, bad_waits = 0, max_pkts;
	bool waited = false;

	max_pkts = div64_u64((end - *t) / NSEC_PER_SEC * tb->rate + tb->rate, len) * 4 +
		   (tb->burst + len) / len * 4 + 16;
	while (*t <= end && max_pkts--) {
		u64 w = sov_tb_wait(tb, len, *t);

		if (w) {
			/* after a wait the packet goes; one ns before it, it does not */
			if (waited || (w > 1 && !sov_tb_wait(tb, len, *t + w - 1)))
				bad_waits++;
			*t += w;
			waited = true;
			continue;
		}
		waited = false;
		sov_tb_charge(tb, len, *t);
		bytes += len;
	}
	KUNIT_EXPECT_NE_MSG(test, max_pkts + 1, 0ULL, "more packets than the rate allows");
	KUNIT_EXPECT_EQ_MSG(test, bad_waits, 0ULL, "waits not exact");
	return bytes;
}

static void tb_burst_then_wait(struct kunit *test)
{
	unsigned int i, k;

	for (i = 0; i < ARRAY_SIZE(rates); i++) {
		u64 rate = rates[i], cost = sov_tb_len2ns(rate, MTU), t, w;
		struct sov_tb tb;

		KUNIT_ASSERT_EQ(test, sov_tb_config(&tb, rate, 10 * MTU, 0, MTU, T0), 0);
		KUNIT_EXPECT_TRUE(test, sov_tb_shaped(&tb));
		KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, T0), 10LL * MTU);
		/* a full bucket of 10 MTUs sends 10 MTUs at once */
		t = T0;
		KUNIT_EXPECT_EQ_MSG(test, tb_send(test, &tb, MTU, &t, T0), 10ULL * MTU,
				    "rate %llu: not the whole burst at once", rate);

		/* (again, the 10 charged whether they were let go or not) */
		KUNIT_ASSERT_EQ(test, sov_tb_config(&tb, rate, 10 * MTU, 0, MTU, T0), 0);
		for (k = 0; k < 10; k++)
			sov_tb_charge(&tb, MTU, T0);
		KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, T0), 0LL);
		/* the 11th waits one packet's time */
		w = sov_tb_wait(&tb, MTU, T0);
		KUNIT_EXPECT_EQ(test, w, cost);
		KUNIT_EXPECT_NE(test, sov_tb_wait(&tb, MTU, T0 + w - 1), 0ULL);
		KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, MTU, T0 + w), 0ULL);
		/* a smaller one waits less */
		KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, 64, T0), sov_tb_len2ns(rate, 64));
		/* the one after it: a packet's time more */
		sov_tb_charge(&tb, MTU, T0 + w);
		KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, MTU, T0 + w), cost);

		/* idle for an hour: the bucket holds one burst, not more, and all of it goes */
		t = T0 + 3600 * NSEC_PER_SEC;
		KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, t), 10LL * MTU);
		KUNIT_EXPECT_EQ(test, tb_send(test, &tb, MTU, &t, t), 10ULL * MTU);
	}
}

struct tb_run_case {
	u64 rate;
	u32 len;
	u32 burst;
	u64 dur;	/* ns */
};

static void tb_run_desc(const struct tb_run_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "rate %llu B/s, %u-byte packets, burst %u, %llu us",
		 c->rate, c->len, c->burst, c->dur / NSEC_PER_USEC);
}

/*
 * Packets as fast as the bucket lets them for c->dur: rate * dur + burst,
 * within 0.1 % (and one packet: a count of whole packets can miss by one).
 */
static void tb_run(struct kunit *test, const struct tb_run_case *c)
{
	u64 want, got, t = T0, slack;
	struct sov_tb tb;

	KUNIT_ASSERT_EQ(test, sov_tb_config(&tb, c->rate, c->burst, 0, min(c->len, c->burst),
					    T0), 0);
	got = tb_send(test, &tb, c->len, &t, T0 + c->dur);
	want = mul_u64_u64_div_u64(c->rate, c->dur, NSEC_PER_SEC) + c->burst;
	slack = div64_u64(want, 1000) + c->len;
	kunit_info(test, "rate %llu len %u: %llu bytes in %llu us, want %llu (%+lld ppm)\n",
		   c->rate, c->len, got, c->dur / NSEC_PER_USEC, want,
		   div64_s64(((s64)got - (s64)want) * 1000000, want));
	KUNIT_EXPECT_LE(test, got, want + slack);
	KUNIT_EXPECT_GE(test, got, want - slack);
}

/*
 * 10 simulated seconds at each rate, with packets of a size common at that
 * rate (GSO at the top) whose sending time is a whole number of ns.
 */
static const struct tb_run_case tb_long_cases[] = {
	{ R_8KBIT, 100, 15000, 10 * NSEC_PER_SEC },
	{ R_1MBIT, 1500, 15000, 10 * NSEC_PER_SEC },
	{ R_10GBIT, 1500, 1500000, 10 * NSEC_PER_SEC },
	{ R_100GBIT, 9000, 4000000, 10 * NSEC_PER_SEC },
	{ R_1TBIT, 64000, 16000000, 10 * NSEC_PER_SEC },
	/* a GSO packet larger than the burst every time: each leaves debt, the average holds */
	{ R_10GBIT, 65535, 15000, 10 * NSEC_PER_SEC },
};

KUNIT_ARRAY_PARAM(tb_long, tb_long_cases, tb_run_desc);

static void tb_long_run(struct kunit *test)
{
	tb_run(test, test->param_value);
}

/*
 * Wire-size packets (64 and 1514 bytes), whose sending time at a high rate
 * is not a whole number of ns, for 10 s or 1e6 packets, whichever is
 * shorter: the same 0.1 %.
 */
static const struct tb_run_case tb_wire_cases[] = {
	{ R_8KBIT, 64, 15000, 10 * NSEC_PER_SEC },
	{ R_8KBIT, 1514, 15140, 10 * NSEC_PER_SEC },
	{ R_1MBIT, 64, 15000, 10 * NSEC_PER_SEC },
	{ R_1MBIT, 1514, 15140, 10 * NSEC_PER_SEC },
	{ R_10GBIT, 64, 15000, 51200 * NSEC_PER_USEC },
	{ R_10GBIT, 1514, 15140, 1211200 * NSEC_PER_USEC },
	{ R_100GBIT, 64, 15000, 5120 * NSEC_PER_USEC },
	{ R_100GBIT, 1514, 15140, 121120 * NSEC_PER_USEC },
	{ R_1TBIT, 64, 15000, 512 * NSEC_PER_USEC },
	{ R_1TBIT, 1514, 15140, 12112 * NSEC_PER_USEC },
};

KUNIT_ARRAY_PARAM(tb_wire, tb_wire_cases, tb_run_desc);

static void tb_wire_size_rate(struct kunit *test)
{
	tb_run(test, test->param_value);
}

static void tb_oversize_packet_debt(struct kunit *test)
{
	u64 per_byte = NSEC_PER_SEC / R_1MBIT;	/* 8000 ns, exact */
	struct sov_tb tb;
	u64 t;

	KUNIT_ASSERT_EQ(test, sov_tb_config(&tb, R_1MBIT, MTU, 0, MTU, T0), 0);
	/* 64 KiB on a 1500-byte bucket: goes when the bucket is full */
	KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, 65535, T0), 0ULL);
	sov_tb_charge(&tb, 65535, T0);
	KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, T0), 1500LL - 65535);
	/* a small packet waits until the debt is paid and its own tokens are in */
	KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, 100, T0), (65535 - 1500 + 100) * per_byte);
	/* the next big one until the bucket is full again */
	KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, 65535, T0), 65535 * per_byte);
	KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, U32_MAX, T0), 65535 * per_byte);
	t = T0 + 65535 * per_byte;
	KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, t), 1500LL);
	t = T0 + sov_tb_wait(&tb, 65535, T0);
	KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, 65535, t), 0ULL);
	KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, t + NSEC_PER_SEC), 1500LL);

	/* the biggest GSO packet (GSO_MAX_SIZE) at the lowest rate: 8.7 minutes of debt */
	KUNIT_ASSERT_EQ(test, sov_tb_config(&tb, R_8KBIT, MTU, 0, MTU, T0), 0);
	sov_tb_charge(&tb, 524280, T0);
	KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, T0), 1500LL - 524280);
	KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, 1, T0), (524280ULL - 1500 + 1) * 1000000);
	KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, T0 + (524280ULL - 1500) * 1000000), 0LL);
}

static void tb_ceil_limits_burst(struct kunit *test)
{
	const u64 rate = R_1MBIT, ceil = 10 * R_1MBIT;
	u64 t = T0, got, w, gap = sov_tb_len2ns(ceil, MTU);
	struct sov_tb tb;

	KUNIT_EXPECT_EQ(test, gap, 1200000ULL);

	/* without a ceil the burst of 100 packets goes at once */
	KUNIT_ASSERT_EQ(test, sov_tb_config(&tb, rate, 100 * MTU, 0, MTU, T0), 0);
	KUNIT_EXPECT_EQ(test, tb_send(test, &tb, MTU, &t, T0), 100ULL * MTU);

	/* with one, it leaves at the ceil: one MTU at once, then one every 1.2 ms */
	t = T0;
	KUNIT_ASSERT_EQ(test, sov_tb_config(&tb, rate, 100 * MTU, ceil, MTU, T0), 0);
	KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, MTU, T0), 0ULL);
	sov_tb_charge(&tb, MTU, T0);
	w = sov_tb_wait(&tb, MTU, T0);
	KUNIT_EXPECT_EQ(test, w, gap);
	KUNIT_EXPECT_NE(test, sov_tb_wait(&tb, MTU, T0 + w - 1), 0ULL);
	KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, MTU, T0 + w), 0ULL);
	t = T0 + 1;
	/* in the first 50 ms: 1500 + ceil * 50 ms = 64000, within a packet */
	got = MTU + tb_send(test, &tb, MTU, &t, T0 + 50 * NSEC_PER_MSEC);
	KUNIT_EXPECT_LE(test, got, 64000ULL + MTU);
	KUNIT_EXPECT_GE(test, got, 64000ULL - MTU);
	/* after 1 s the burst is spent and the rate holds: burst + rate * 1 s */
	got += tb_send(test, &tb, MTU, &t, T0 + NSEC_PER_SEC);
	KUNIT_EXPECT_LE(test, got, 100ULL * MTU + rate + MTU);
	KUNIT_EXPECT_GE(test, got, 100ULL * MTU + rate - MTU);

	/* a ceil equal to the rate is allowed: then there is no burst at all */
	t = T0;
	KUNIT_ASSERT_EQ(test, sov_tb_config(&tb, rate, 100 * MTU, rate, MTU, T0), 0);
	KUNIT_EXPECT_EQ(test, tb_send(test, &tb, MTU, &t, T0), (u64)MTU);
	KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, MTU, T0), sov_tb_len2ns(rate, MTU));
}

static void tb_config_errors(struct kunit *test)
{
	struct sov_tb tb;

	KUNIT_EXPECT_EQ(test, sov_tb_config(&tb, 0, 0, R_1MBIT, MTU, T0), -EINVAL);
	KUNIT_EXPECT_EQ(test, sov_tb_config(&tb, 0, 15000, 1, MTU, T0), -EINVAL);
	KUNIT_EXPECT_EQ(test, sov_tb_config(&tb, R_1MBIT, 15000, R_1MBIT - 1, MTU, T0), -EINVAL);
	KUNIT_EXPECT_EQ(test, sov_tb_config(&tb, R_1MBIT, MTU - 1, 0, MTU, T0), -EINVAL);
	KUNIT_EXPECT_EQ(test, sov_tb_config(&tb, R_1MBIT, 0, 0, MTU, T0), -EINVAL);
	KUNIT_EXPECT_EQ(test, sov_tb_config(&tb, R_1MBIT, MTU - 1, R_10GBIT, MTU, T0), -EINVAL);

	KUNIT_EXPECT_EQ(test, sov_tb_config(&tb, R_1MBIT, MTU, 0, MTU, T0), 0);
	KUNIT_EXPECT_EQ(test, sov_tb_config(&tb, R_1MBIT, MTU, R_1MBIT, MTU, T0), 0);
	KUNIT_EXPECT_EQ(test, sov_tb_config(&tb, R_8KBIT, 2000000000, R_1TBIT, MTU, T0), 0);
	KUNIT_EXPECT_EQ(test, sov_tb_config(&tb, R_1TBIT, U32_MAX, 0, 65535, T0), 0);
	/* a bucket of more than 26 days at its rate (4 GiB at 8 kbit/s: 50 days) */
	KUNIT_EXPECT_EQ(test, sov_tb_config(&tb, R_8KBIT, U32_MAX, 0, MTU, T0), -ERANGE);

	/* rate 0: not shaped, everything goes */
	memset(&tb, 0x5a, sizeof(tb));
	KUNIT_EXPECT_EQ(test, sov_tb_config(&tb, 0, 0, 0, 0, T0), 0);
	KUNIT_EXPECT_FALSE(test, sov_tb_shaped(&tb));
	KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, U32_MAX, T0), 0ULL);
	sov_tb_charge(&tb, U32_MAX, T0);
	KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, U32_MAX, T0), 0ULL);
	KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, T0), 0LL);
	KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, 0), 0LL);
}

/*
 * Netlink takes any rate from 1 byte/s and any burst to 4 GiB: a bucket of
 * more ps than s64 holds must be refused, or work (and not overflow after a
 * long idle). Past u64 (rate 100, burst 4 GiB: 4.3e19 ps) the 128-bit
 * division traps (#DE) on x86: UML panics ("Kernel mode signal 8").
 */
static void tb_config_huge_burst(struct kunit *test)
{
	static const struct { u64 rate; u32 burst; } cases[] = {
		{ 1, 10000000 },	/* 8 bit/s, 10 MB: 1e19 ps */
		{ 300, U32_MAX },	/* 2.4 kbit/s, 4 GiB: 1.4e19 ps */
		{ 500, U32_MAX },	/* 8.6e18 ps */
		{ 100, U32_MAX },	/* 4.3e19 ps: past u64 */
		{ 1, U32_MAX },		/* 4.3e21 ps */
		{ R_8KBIT, U32_MAX },	/* 4.3e18 ps */
		{ R_8KBIT, 2000000000 },	/* 2e18 ps, 23 days */
		{ 1, 3000 },		/* the default burst at 8 bit/s: 3e15 ps */
	};
	struct sov_tb tb;
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		err = sov_tb_config(&tb, cases[i].rate, cases[i].burst, 0, MTU, T0);
		if (err) {
			KUNIT_EXPECT_TRUE(test, err == -EINVAL || err == -ERANGE);
			continue;
		}
		KUNIT_EXPECT_EQ_MSG(test, sov_tb_tokens_bytes(&tb, T0), (s64)cases[i].burst,
				    "rate %llu burst %u accepted, but the bucket is not full",
				    cases[i].rate, cases[i].burst);
		KUNIT_EXPECT_EQ_MSG(test, sov_tb_wait(&tb, MTU, T0), 0ULL,
				    "rate %llu burst %u accepted, but a packet may not go",
				    cases[i].rate, cases[i].burst);
		/* nor may it overflow after a long idle */
		KUNIT_EXPECT_EQ_MSG(test, sov_tb_tokens_bytes(&tb, U64_MAX), (s64)cases[i].burst,
				    "rate %llu burst %u: not full after a long idle",
				    cases[i].rate, cases[i].burst);
	}
}

static void tb_clock_backwards(struct kunit *test)
{
	u64 cost = sov_tb_len2ns(R_10GBIT, MTU), w;
	struct sov_tb tb;

	KUNIT_ASSERT_EQ(test, sov_tb_config(&tb, R_10GBIT, MTU, 0, MTU, T0), 0);
	sov_tb_charge(&tb, MTU, T0);
	w = sov_tb_wait(&tb, MTU, T0);
	KUNIT_EXPECT_EQ(test, w, cost);
	/* earlier than the last fill: no tokens, the same wait */
	KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, MTU, T0 - 1), w);
	KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, MTU, 0), w);
	KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, 0), 0LL);
	KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, T0 - NSEC_PER_SEC), 0LL);
	/* charged in the past: debt, and the refill still counts from T0 */
	sov_tb_charge(&tb, MTU, T0 - NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, T0), -1500LL);
	w = sov_tb_wait(&tb, MTU, T0);
	KUNIT_EXPECT_EQ(test, w, 2 * cost);
	KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, MTU, T0 + w), 0ULL);

	/*
	 * The whole u64 clock: from 0 to U64_MAX fills the bucket and no more.
	 * A deep bucket (2 GB at 8 kbit/s, 23 days), emptied by a 2 GB packet,
	 * then in debt by a 64 KiB one (what the qdisc can do: it charges only
	 * when the wait is 0).
	 */
	KUNIT_ASSERT_EQ(test, sov_tb_config(&tb, R_8KBIT, 2000000000, R_1MBIT, MTU, 0), 0);
	KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, 2000000000, 0), 0ULL);
	sov_tb_charge(&tb, 2000000000, 0);
	sov_tb_charge(&tb, 65535, 0);
	KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, 0), -65535LL);
	KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, U64_MAX), 2000000000LL);
	KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, 2000000000, U64_MAX), 0ULL);
	KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, MTU, U64_MAX), 0ULL);
	/* and back from U64_MAX to 0 gives nothing */
	KUNIT_ASSERT_EQ(test, sov_tb_config(&tb, R_1TBIT, MTU, 0, MTU, U64_MAX), 0);
	sov_tb_charge(&tb, MTU, U64_MAX);
	KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, 0), 0LL);
	KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, MTU, 0), sov_tb_len2ns(R_1TBIT, MTU));
	KUNIT_EXPECT_EQ(test, sov_tb_wait(&tb, MTU, U64_MAX), sov_tb_len2ns(R_1TBIT, MTU));
}

static void tb_tokens_bytes(struct kunit *test)
{
	struct sov_tb tb;
	s64 b;

	KUNIT_ASSERT_EQ(test, sov_tb_config(&tb, R_1MBIT, 32768, 0, MTU, T0), 0);
	KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, T0), 32768LL);
	sov_tb_charge(&tb, 1000, T0);
	KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, T0), 31768LL);
	/* refilled at the rate: 125 bytes per ms, up to the burst */
	KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, T0 + NSEC_PER_MSEC), 31893LL);
	KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, T0 + NSEC_PER_SEC), 32768LL);
	sov_tb_charge(&tb, 65535, T0);
	KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, T0), 31768LL - 65535);
	KUNIT_EXPECT_LT(test, sov_tb_tokens_bytes(&tb, T0), 0LL);

	/* the biggest bucket at the highest rates: within a ns of bytes of 4 GiB */
	KUNIT_ASSERT_EQ(test, sov_tb_config(&tb, R_1TBIT, U32_MAX, 0, MTU, T0), 0);
	b = sov_tb_tokens_bytes(&tb, T0);
	KUNIT_EXPECT_GE(test, b, (s64)U32_MAX);
	KUNIT_EXPECT_LE(test, b, (s64)U32_MAX + 125);
	sov_tb_charge(&tb, U32_MAX, T0);
	sov_tb_charge(&tb, U32_MAX, T0);
	b = sov_tb_tokens_bytes(&tb, T0);
	KUNIT_EXPECT_LE(test, b, -(s64)U32_MAX + 125);
	KUNIT_EXPECT_GE(test, b, -(s64)U32_MAX - 250);
	KUNIT_ASSERT_EQ(test, sov_tb_config(&tb, R_8KBIT, 2000000000, 0, MTU, T0), 0);
	KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, T0), 2000000000LL);
	sov_tb_charge(&tb, 524280, T0);
	sov_tb_charge(&tb, 2000000000, T0);
	KUNIT_EXPECT_EQ(test, sov_tb_tokens_bytes(&tb, T0), -524280LL);
}

static struct kunit_case sched_shaper_cases[] = {
	KUNIT_CASE(tb_len2ns_reference),
	KUNIT_CASE(tb_len2ps_reference),
	KUNIT_CASE(tb_burst_then_wait),
	KUNIT_CASE_PARAM(tb_long_run, tb_long_gen_params),
	KUNIT_CASE_PARAM(tb_wire_size_rate, tb_wire_gen_params),
	KUNIT_CASE(tb_oversize_packet_debt),
	KUNIT_CASE(tb_ceil_limits_burst),
	KUNIT_CASE(tb_config_errors),
	KUNIT_CASE(tb_config_huge_burst),
	KUNIT_CASE(tb_clock_backwards),
	KUNIT_CASE(tb_tokens_bytes),
	{}
};

static struct kunit_suite sched_shaper_suite = {
	.name = "sov_sched_shaper",
	.test_cases = sched_shaper_cases,
};

kunit_test_suite(sched_shaper_suite);
