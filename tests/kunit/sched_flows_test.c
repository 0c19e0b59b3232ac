// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the sov qdisc's flow buckets (kmod/sched/flows.c), with real skbs:
 * DRR by bytes, the set-associative lookup and its collisions, the fattest
 * flow and drops from it, purge.
 *
 * Each skb carries its flow in skb->mark and its number within the flow in
 * skb->priority (flows.c looks at neither); its length for the qdisc is
 * qdisc_skb_cb(skb)->pkt_len, as qdisc_pkt_len() reads it.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/skbuff.h>
#include <net/sch_generic.h>

#include "../../kmod/sched/flows.h"

#define SETS		(TC_SOV_FLOWS / TC_SOV_FLOW_WAYS)
#define QUANTUM		1514U

static u32 set_of(u32 hash)
{
	return reciprocal_scale(hash, SETS);
}

static unsigned int bucket_idx(struct sov_flows *fl, struct sov_flow *f)
{
	return f - fl->flow;
}

/* A hash in set @set (the set number is the hash's top bits, whatever else is in it). */
static u32 hash_in_set(u32 set, u32 salt)
{
	return set * (U32_MAX / SETS + 1) + (salt * 2654435761U) % (U32_MAX / SETS + 1);
}

static int fl_init(struct kunit *test)
{
	struct sov_flows *fl = kunit_kzalloc(test, sizeof(*fl), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fl);
	sov_flows_init(fl, QUANTUM);
	test->priv = fl;
	return 0;
}

static void free_list(struct sk_buff *skb)
{
	while (skb) {
		struct sk_buff *next = skb->next;

		skb->next = NULL;
		kfree_skb(skb);
		skb = next;
	}
}

static void fl_exit(struct kunit *test)
{
	free_list(sov_flows_purge(test->priv));
}

/*
 * A packet of flow @flow, number @seq in it, of @len bytes on the wire (a GSO
 * one: more than its linear part).
 */
static struct sk_buff *pkt(struct kunit *test, u32 flow, u32 seq, u32 len)
{
	struct sk_buff *skb = alloc_skb(min(len, 2048U), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_put(skb, min(len, 2048U));
	skb->mark = flow;
	skb->priority = seq;
	qdisc_skb_cb(skb)->pkt_len = len;
	return skb;
}

static struct sov_flow *enq(struct kunit *test, struct sov_flows *fl, u32 hash, u32 flow,
			    u32 seq, u32 len)
{
	struct sov_flow *f = sov_flows_lookup(fl, hash);

	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_LT(test, bucket_idx(fl, f), (unsigned int)TC_SOV_FLOWS);
	sov_flows_add(fl, f, pkt(test, flow, seq, len));
	return f;
}

/* The next packet in DRR order (NULL: empty); *@from: its bucket. */
static struct sk_buff *deq(struct sov_flows *fl, struct sov_flow **from)
{
	struct sov_flow *f = sov_flows_next(fl);

	if (from)
		*from = f;
	return f ? sov_flows_take(fl, f) : NULL;
}

static void expect_empty(struct kunit *test, struct sov_flows *fl)
{
	unsigned int i, busy = 0;

	KUNIT_EXPECT_EQ(test, fl->nr_active, 0U);
	KUNIT_EXPECT_TRUE(test, list_empty(&fl->active));
	KUNIT_EXPECT_NULL(test, sov_flows_next(fl));
	KUNIT_EXPECT_NULL(test, sov_flows_fattest(fl));
	for (i = 0; i < TC_SOV_FLOWS; i++) {
		struct sov_flow *f = &fl->flow[i];

		if (f->qlen || f->backlog || f->head || f->tail || !list_empty(&f->node))
			busy++;
	}
	KUNIT_EXPECT_EQ_MSG(test, busy, 0U, "buckets not empty");
}

struct drr_case {
	const char *name;
	u32 quantum;
	u32 len[4];
	u64 total;	/* bytes to dequeue */
};

static const struct drr_case drr_cases[] = {
	{ "mtu quantum, 1500/64/1000/300", QUANTUM, { 1500, 64, 1000, 300 }, 2000000 },
	{ "mtu quantum, GSO 65535/1514/64/576", QUANTUM, { 65535, 1514, 64, 576 }, 8000000 },
	{ "quantum 256, 1500/64/1000/300", 256, { 1500, 64, 1000, 300 }, 2000000 },
	{ "quantum 64k, 1500/64/9000/300", 65536, { 1500, 64, 9000, 300 }, 4000000 },
};

static void drr_desc(const struct drr_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(drr, drr_cases, drr_desc);

/*
 * Four always-backlogged flows, each with its own packet size: after any
 * number of bytes they are within a quantum and a packet of each other,
 * and at the start of each DRR round each is within max(quantum, its
 * largest packet) of its share.
 */
static void flows_drr_byte_fairness(struct kunit *test)
{
	const struct drr_case *c = test->param_value;
	struct sov_flows *fl = test->priv;
	struct sov_flow *bucket[4], *f, *prev = NULL;
	u64 sent[4] = {}, total = 0, rounds = 0, bad_step = 0, bad_round = 0;
	u32 hash[4], seq[4] = {}, want_seq[4] = {}, maxlen = 0, i, k;
	s64 round_dev, step_dev;

	sov_flows_init(fl, c->quantum);
	for (i = 0; i < 4; i++) {
		hash[i] = 0x9e3779b9U * (i + 1);
		maxlen = max(maxlen, c->len[i]);
		for (k = 0; k < 8; k++)
			bucket[i] = enq(test, fl, hash[i], i, seq[i]++, c->len[i]);
	}
	/* 4x a flow's distance from its share, at a round's start and at any time */
	round_dev = 4LL * max(c->quantum, maxlen);
	step_dev = 4LL * (c->quantum + maxlen);
	for (i = 0; i < 4; i++)
		for (k = i + 1; k < 4; k++)
			KUNIT_ASSERT_PTR_NE(test, bucket[i], bucket[k]);
	KUNIT_EXPECT_EQ(test, fl->nr_active, 4U);

	while (total < c->total) {
		struct sk_buff *skb;
		u64 lo = U64_MAX, hi = 0;

		f = sov_flows_next(fl);
		KUNIT_ASSERT_NOT_NULL(test, f);
		/* asking again changes nothing */
		KUNIT_ASSERT_PTR_EQ(test, sov_flows_next(fl), f);
		if (f == bucket[0] && prev && prev != bucket[0]) {
			/* a new round: every flow has had as many turns */
			rounds++;
			for (i = 0; i < 4; i++)
				if (abs((s64)(sent[i] * 4) - (s64)total) > round_dev)
					bad_round++;
		}
		prev = f;
		skb = sov_flows_take(fl, f);
		KUNIT_ASSERT_NOT_NULL(test, skb);
		i = skb->mark;
		KUNIT_ASSERT_LT(test, i, 4U);
		KUNIT_EXPECT_PTR_EQ(test, f, bucket[i]);
		KUNIT_EXPECT_EQ(test, (u32)skb->priority, want_seq[i]);	/* FIFO inside a flow */
		KUNIT_EXPECT_EQ(test, qdisc_pkt_len(skb), c->len[i]);
		want_seq[i] = skb->priority + 1;
		sent[i] += qdisc_pkt_len(skb);
		total += qdisc_pkt_len(skb);
		kfree_skb(skb);
		/* the flow stays backlogged */
		f = enq(test, fl, hash[i], i, seq[i]++, c->len[i]);
		KUNIT_ASSERT_PTR_EQ(test, f, bucket[i]);

		for (i = 0; i < 4; i++) {
			lo = min(lo, sent[i]);
			hi = max(hi, sent[i]);
		}
		if (hi - lo > c->quantum + maxlen)
			bad_step++;
	}
	kunit_info(test, "%s: %llu bytes in %llu rounds: %llu %llu %llu %llu\n", c->name, total,
		   rounds, sent[0], sent[1], sent[2], sent[3]);
	KUNIT_EXPECT_EQ_MSG(test, bad_step, 0ULL, "flows apart by more than quantum + a packet");
	KUNIT_EXPECT_EQ_MSG(test, bad_round, 0ULL, "a flow off its share at a round's start");
	KUNIT_EXPECT_GT(test, rounds, 10ULL);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_LE_MSG(test, abs((s64)(sent[i] * 4) - (s64)total), step_dev,
				    "flow %u: %llu of %llu", i, sent[i], total);
	KUNIT_EXPECT_EQ(test, fl->nr_active, 4U);
	KUNIT_EXPECT_EQ(test, fl->max_active, 4U);
}

/* Take from the DRR head until a packet of another flow than @flow comes; returns the count. */
static unsigned int run_of(struct kunit *test, struct sov_flows *fl, u32 flow, u32 *bytes)
{
	struct sov_flow *f = sov_flows_next(fl);
	unsigned int n = 0;

	*bytes = 0;
	while (f && f->head && f->head->mark == flow) {
		struct sk_buff *skb = sov_flows_take(fl, f);

		*bytes += qdisc_pkt_len(skb);
		kfree_skb(skb);
		n++;
		f = sov_flows_next(fl);
	}
	return n;
}

static void flows_new_flow_full_quantum(struct kunit *test)
{
	struct sov_flows *fl = test->priv;
	struct sov_flow *a, *b, *f;
	struct sk_buff *skb;
	u32 bytes, k;

	sov_flows_init(fl, 1500);
	for (k = 0; k < 40; k++)
		a = enq(test, fl, 0xa, 0, k, 300);
	KUNIT_EXPECT_EQ(test, a->deficit, 1500);
	/* A's turn starts */
	skb = deq(fl, &f);
	KUNIT_ASSERT_PTR_EQ(test, f, a);
	kfree_skb(skb);

	/* B arrives: a full quantum, at the back */
	for (k = 0; k < 20; k++)
		b = enq(test, fl, 0xb, 1, k, 300);
	KUNIT_ASSERT_PTR_NE(test, a, b);
	KUNIT_EXPECT_EQ(test, b->deficit, 1500);
	KUNIT_EXPECT_EQ(test, fl->nr_active, 2U);

	KUNIT_EXPECT_EQ(test, run_of(test, fl, 0, &bytes), 4U);	/* the rest of A's 1500 */
	KUNIT_EXPECT_EQ(test, run_of(test, fl, 1, &bytes), 5U);	/* B's full quantum */
	KUNIT_EXPECT_EQ(test, bytes, 1500U);
	KUNIT_EXPECT_EQ(test, run_of(test, fl, 0, &bytes), 5U);
	KUNIT_EXPECT_EQ(test, run_of(test, fl, 1, &bytes), 5U);

	/* B empties in the middle of its turn (900 bytes of quantum left over)... */
	KUNIT_EXPECT_EQ(test, run_of(test, fl, 0, &bytes), 5U);
	while (b->qlen > 2)
		kfree_skb(sov_flows_drop_head(fl, b));
	KUNIT_EXPECT_EQ(test, run_of(test, fl, 1, &bytes), 2U);
	KUNIT_EXPECT_EQ(test, b->qlen, 0U);
	KUNIT_EXPECT_EQ(test, fl->nr_active, 1U);
	/* ...and comes back with a full quantum, not 600 more or 600 in all */
	for (k = 100; k < 110; k++)
		KUNIT_ASSERT_PTR_EQ(test, enq(test, fl, 0xb, 1, k, 300), b);
	KUNIT_EXPECT_EQ(test, b->deficit, 1500);
	KUNIT_EXPECT_EQ(test, run_of(test, fl, 0, &bytes), 5U);
	KUNIT_EXPECT_EQ(test, run_of(test, fl, 1, &bytes), 5U);
	KUNIT_EXPECT_EQ(test, bytes, 1500U);

	/* one that overshot (a 2000-byte packet on 1500) comes back with a full quantum too */
	while (b->qlen)
		kfree_skb(sov_flows_drop_head(fl, b));
	KUNIT_ASSERT_PTR_EQ(test, enq(test, fl, 0xb, 1, 200, 2000), b);
	KUNIT_EXPECT_EQ(test, run_of(test, fl, 0, &bytes), 5U);
	KUNIT_EXPECT_EQ(test, run_of(test, fl, 1, &bytes), 1U);
	KUNIT_EXPECT_EQ(test, bytes, 2000U);
	for (k = 201; k < 211; k++)
		KUNIT_ASSERT_PTR_EQ(test, enq(test, fl, 0xb, 1, k, 300), b);
	KUNIT_EXPECT_EQ(test, b->deficit, 1500);
}

static void flows_lookup_same_bucket(struct kunit *test)
{
	struct sov_flows *fl = test->priv;
	struct sov_flow *f, *g;
	u32 s;

	KUNIT_EXPECT_EQ(test, fl->quantum, QUANTUM);
	expect_empty(test, fl);
	f = sov_flows_lookup(fl, 0x12345678);
	KUNIT_EXPECT_PTR_EQ(test, sov_flows_lookup(fl, 0x12345678), f);
	KUNIT_EXPECT_EQ(test, bucket_idx(fl, f) / TC_SOV_FLOW_WAYS, set_of(0x12345678));
	sov_flows_add(fl, f, pkt(test, 0, 0, 100));
	KUNIT_EXPECT_PTR_EQ(test, sov_flows_lookup(fl, 0x12345678), f);
	KUNIT_EXPECT_EQ(test, f->qlen, 1U);
	KUNIT_EXPECT_EQ(test, f->backlog, 100U);
	KUNIT_EXPECT_EQ(test, f->hash, 0x12345678U);

	/* another flow of the same set takes another way; one of each set its own bucket */
	g = sov_flows_lookup(fl, hash_in_set(set_of(0x12345678), 7));
	KUNIT_EXPECT_PTR_NE(test, g, f);
	KUNIT_EXPECT_EQ(test, bucket_idx(fl, g) / TC_SOV_FLOW_WAYS, set_of(0x12345678));
	for (s = 0; s < SETS; s++) {
		u32 h = hash_in_set(s, s + 1);

		KUNIT_ASSERT_EQ(test, set_of(h), s);
		g = sov_flows_lookup(fl, h);
		KUNIT_EXPECT_EQ(test, bucket_idx(fl, g) / TC_SOV_FLOW_WAYS, s);
		KUNIT_EXPECT_PTR_EQ(test, sov_flows_lookup(fl, h), g);
	}
	KUNIT_EXPECT_EQ(test, fl->collisions, 0ULL);
}

/* @n distinct hashes of one set, found by searching with the table's own set function */
static void same_set_hashes(u32 *h, unsigned int n, u32 set)
{
	u32 x = 1;
	unsigned int i = 0;

	while (i < n) {
		x = x * 1664525U + 1013904223U;
		if (set_of(x) == set)
			h[i++] = x;
	}
}

static void flows_collision_shares(struct kunit *test)
{
	const unsigned int per_flow = 5, set = 77;
	struct sov_flows *fl = test->priv;
	struct sov_flow *f[TC_SOV_FLOW_WAYS + 1], *from;
	u32 h[TC_SOV_FLOW_WAYS + 1], got[TC_SOV_FLOW_WAYS + 1] = {}, i, k, n = 0;
	struct sk_buff *skb;

	same_set_hashes(h, ARRAY_SIZE(h), set);
	for (i = 0; i < TC_SOV_FLOW_WAYS; i++) {
		f[i] = enq(test, fl, h[i], i, 0, 100 + i);
		KUNIT_EXPECT_EQ(test, bucket_idx(fl, f[i]) / TC_SOV_FLOW_WAYS, set);
		for (k = 0; k < i; k++)
			KUNIT_EXPECT_PTR_NE(test, f[i], f[k]);
	}
	KUNIT_EXPECT_EQ(test, fl->collisions, 0ULL);
	KUNIT_EXPECT_EQ(test, fl->nr_active, (u32)TC_SOV_FLOW_WAYS);

	/* the 9th: all 8 ways busy with other flows: it shares one of them, counted */
	f[8] = sov_flows_lookup(fl, h[8]);
	KUNIT_EXPECT_EQ(test, fl->collisions, 1ULL);
	KUNIT_EXPECT_EQ(test, bucket_idx(fl, f[8]) / TC_SOV_FLOW_WAYS, set);
	sov_flows_add(fl, f[8], pkt(test, 8, 0, 108));
	KUNIT_EXPECT_EQ(test, fl->nr_active, (u32)TC_SOV_FLOW_WAYS);
	KUNIT_EXPECT_EQ(test, f[8]->qlen, 2U);
	/* the flows that own their bucket still find it, uncounted */
	for (i = 0; i < TC_SOV_FLOW_WAYS; i++)
		KUNIT_EXPECT_PTR_EQ(test, sov_flows_lookup(fl, h[i]), f[i]);
	KUNIT_EXPECT_EQ(test, fl->collisions, 1ULL);

	/* more packets of every flow; the 9th keeps colliding into the same bucket */
	for (k = 1; k < per_flow; k++)
		for (i = 0; i <= TC_SOV_FLOW_WAYS; i++)
			KUNIT_EXPECT_PTR_EQ(test, enq(test, fl, h[i], i, k, 100 + i), f[i]);
	/* counted per packet (flows.h) or per flow (the uapi's words): not pinned here */
	KUNIT_EXPECT_GE(test, fl->collisions, 1ULL);
	KUNIT_EXPECT_LE(test, fl->collisions, (u64)per_flow);
	KUNIT_EXPECT_EQ(test, fl->max_active, (u32)TC_SOV_FLOW_WAYS);

	/* every packet of every flow comes out, in order within its flow */
	while ((skb = deq(fl, &from))) {
		i = skb->mark;
		KUNIT_ASSERT_LE(test, i, (u32)TC_SOV_FLOW_WAYS);
		KUNIT_EXPECT_PTR_EQ(test, from, f[i]);
		KUNIT_EXPECT_EQ(test, (u32)skb->priority, got[i]);
		got[i]++;
		n++;
		kfree_skb(skb);
	}
	for (i = 0; i <= TC_SOV_FLOW_WAYS; i++)
		KUNIT_EXPECT_EQ_MSG(test, got[i], per_flow, "flow %u", i);
	KUNIT_EXPECT_EQ(test, n, per_flow * (TC_SOV_FLOW_WAYS + 1));
	expect_empty(test, fl);
}

static void flows_emptied_bucket_reused(struct kunit *test)
{
	const u32 set = 3;
	struct sov_flows *fl = test->priv;
	struct sov_flow *f[TC_SOV_FLOW_WAYS + 2];
	u32 h[TC_SOV_FLOW_WAYS + 2], i;

	same_set_hashes(h, ARRAY_SIZE(h), set);
	for (i = 0; i < TC_SOV_FLOW_WAYS; i++) {
		f[i] = enq(test, fl, h[i], i, 0, 1000);
		enq(test, fl, h[i], i, 1, 1000);
	}
	/* flow 5 drains: its bucket goes to the next new flow, no collision */
	kfree_skb(sov_flows_drop_head(fl, f[5]));
	kfree_skb(sov_flows_drop_head(fl, f[5]));
	KUNIT_EXPECT_EQ(test, f[5]->qlen, 0U);
	KUNIT_EXPECT_EQ(test, fl->nr_active, (u32)TC_SOV_FLOW_WAYS - 1);
	f[8] = enq(test, fl, h[8], 8, 0, 1000);
	KUNIT_EXPECT_PTR_EQ(test, f[8], f[5]);
	KUNIT_EXPECT_EQ(test, f[8]->hash, h[8]);
	KUNIT_EXPECT_EQ(test, fl->collisions, 0ULL);
	KUNIT_EXPECT_EQ(test, fl->nr_active, (u32)TC_SOV_FLOW_WAYS);
	/* flow 5 again: its bucket is taken, the set is full: it shares */
	sov_flows_lookup(fl, h[5]);
	KUNIT_EXPECT_EQ(test, fl->collisions, 1ULL);

	/* two idle buckets: a flow returns to the one it had, not to the first idle one */
	while (f[2]->qlen)
		kfree_skb(sov_flows_drop_head(fl, f[2]));
	while (f[6]->qlen)
		kfree_skb(sov_flows_drop_head(fl, f[6]));
	KUNIT_EXPECT_PTR_EQ(test, sov_flows_lookup(fl, h[6]), f[6]);
	KUNIT_EXPECT_PTR_EQ(test, sov_flows_lookup(fl, h[2]), f[2]);
	/* and a new flow takes an idle one */
	f[9] = sov_flows_lookup(fl, h[9]);
	KUNIT_EXPECT_TRUE(test, f[9] == f[2] || f[9] == f[6]);
	KUNIT_EXPECT_EQ(test, fl->collisions, 1ULL);
}

static void flows_fattest(struct kunit *test)
{
	struct sov_flows *fl = test->priv;
	struct sov_flow *a, *b, *c, *d = NULL;
	u32 k;

	KUNIT_EXPECT_NULL(test, sov_flows_fattest(fl));
	a = enq(test, fl, 0x1000, 0, 0, 1500);
	enq(test, fl, 0x1000, 0, 1, 1500);				/* 3000 */
	b = enq(test, fl, 0x2000000, 1, 0, 64);
	enq(test, fl, 0x2000000, 1, 1, 4936);				/* 5000 */
	c = enq(test, fl, 0x30000000, 2, 0, 1500);
	enq(test, fl, 0x30000000, 2, 1, 1500);
	enq(test, fl, 0x30000000, 2, 2, 1500);				/* 4500 */
	KUNIT_EXPECT_PTR_EQ(test, sov_flows_fattest(fl), b);
	/* the most bytes, not the most packets */
	for (k = 0; k < 10; k++)
		d = enq(test, fl, 0x40000000, 3, k, 10);		/* 10 x 10 */
	KUNIT_EXPECT_EQ(test, d->qlen, 10U);
	KUNIT_EXPECT_PTR_EQ(test, sov_flows_fattest(fl), b);
	KUNIT_EXPECT_EQ(test, b->backlog, 5000U);

	/* b loses its head (64 bytes): still fattest; then its 4936: c is */
	kfree_skb(sov_flows_drop_head(fl, b));
	KUNIT_EXPECT_PTR_EQ(test, sov_flows_fattest(fl), b);
	kfree_skb(sov_flows_drop_head(fl, b));
	KUNIT_EXPECT_PTR_EQ(test, sov_flows_fattest(fl), c);
	/* a tie (3000 and 3000): the first found */
	kfree_skb(sov_flows_drop_head(fl, c));
	KUNIT_EXPECT_EQ(test, c->backlog, a->backlog);
	KUNIT_EXPECT_TRUE(test, sov_flows_fattest(fl) == a || sov_flows_fattest(fl) == c);
	enq(test, fl, 0x30000000, 2, 3, 1);
	KUNIT_EXPECT_PTR_EQ(test, sov_flows_fattest(fl), c);
}

static void flows_drop_head(struct kunit *test)
{
	struct sov_flows *fl = test->priv;
	struct sov_flow *a, *b, *from;
	struct sk_buff *skb;
	u32 k;

	for (k = 0; k < 4; k++)
		a = enq(test, fl, 0xaaaa, 0, k, 1000 + k);
	for (k = 0; k < 3; k++)
		b = enq(test, fl, 0xbbbbbbbb, 1, k, 200);
	KUNIT_EXPECT_EQ(test, a->backlog, 4006U);
	KUNIT_EXPECT_EQ(test, fl->nr_active, 2U);

	/* the head (oldest) packet, with qlen and backlog */
	skb = sov_flows_drop_head(fl, a);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_EQ(test, skb->mark, 0U);
	KUNIT_EXPECT_EQ(test, (u32)skb->priority, 0U);
	KUNIT_EXPECT_NULL(test, skb->next);
	kfree_skb(skb);
	KUNIT_EXPECT_EQ(test, a->qlen, 3U);
	KUNIT_EXPECT_EQ(test, a->backlog, 3006U);
	KUNIT_EXPECT_PTR_EQ(test, a->head->next->next, a->tail);

	/* A is the DRR head: it sends one, then loses the rest to drops */
	skb = deq(fl, &from);
	KUNIT_ASSERT_PTR_EQ(test, from, a);
	KUNIT_EXPECT_EQ(test, (u32)skb->priority, 1U);
	kfree_skb(skb);
	kfree_skb(sov_flows_drop_head(fl, a));
	skb = sov_flows_drop_head(fl, a);
	KUNIT_EXPECT_EQ(test, (u32)skb->priority, 3U);
	kfree_skb(skb);
	/* emptied: off the active list */
	KUNIT_EXPECT_EQ(test, a->qlen, 0U);
	KUNIT_EXPECT_EQ(test, a->backlog, 0U);
	KUNIT_EXPECT_NULL(test, a->head);
	KUNIT_EXPECT_NULL(test, a->tail);
	KUNIT_EXPECT_TRUE(test, list_empty(&a->node));
	KUNIT_EXPECT_EQ(test, fl->nr_active, 1U);
	KUNIT_EXPECT_PTR_EQ(test, sov_flows_fattest(fl), b);

	/* DRR goes on with B only, and never returns A */
	for (k = 0; k < 3; k++) {
		skb = deq(fl, &from);
		KUNIT_ASSERT_NOT_NULL(test, skb);
		KUNIT_EXPECT_PTR_EQ(test, from, b);
		KUNIT_EXPECT_EQ(test, (u32)skb->priority, k);
		kfree_skb(skb);
	}
	expect_empty(test, fl);

	/* and A can come back */
	KUNIT_EXPECT_PTR_EQ(test, enq(test, fl, 0xaaaa, 0, 9, 100), a);
	KUNIT_EXPECT_EQ(test, fl->nr_active, 1U);
	KUNIT_EXPECT_PTR_EQ(test, sov_flows_next(fl), a);
}

static void flows_purge(struct kunit *test)
{
	const u32 nflows = 300;
	struct sov_flows *fl = test->priv;
	u32 i, k, n = 0, total = 0, id;
	u64 bytes = 0, got_bytes = 0;
	struct sk_buff *all, *skb;
	bool *seen;

	KUNIT_EXPECT_NULL(test, sov_flows_purge(fl));
	for (i = 0; i < nflows; i++)
		for (k = 0; k <= i % 7; k++) {
			/* some flows of the same set, so that some share */
			enq(test, fl, i % 3 ? 0x01000193U * i : hash_in_set(9, i), i, k,
			    64 + 37 * (i + k));
			bytes += 64 + 37 * (i + k);
			total++;
		}
	/* half way through a DRR turn */
	kfree_skb(deq(fl, NULL));
	total--;
	bytes -= 64;

	seen = kunit_kzalloc(test, nflows * 8, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	seen[0] = true;		/* the one dequeued above: flow 0's only packet */
	all = sov_flows_purge(fl);
	for (skb = all; skb; skb = skb->next) {
		id = skb->mark * 8 + skb->priority;
		KUNIT_ASSERT_LT(test, id, nflows * 8);
		KUNIT_EXPECT_FALSE_MSG(test, seen[id], "flow %u packet %u twice", skb->mark,
				       (u32)skb->priority);
		seen[id] = true;
		got_bytes += qdisc_pkt_len(skb);
		if (++n > total)
			break;
	}
	KUNIT_EXPECT_EQ(test, n, total);
	KUNIT_EXPECT_EQ(test, got_bytes, bytes);
	for (i = 0; i < nflows; i++)
		for (k = 0; k <= i % 7; k++)
			KUNIT_EXPECT_TRUE_MSG(test, seen[i * 8 + k], "flow %u packet %u lost",
					      i, k);
	if (n <= total)
		free_list(all);
	expect_empty(test, fl);
	KUNIT_EXPECT_NULL(test, sov_flows_purge(fl));

	/* the table works after it */
	enq(test, fl, 0x01000193U * 5, 5, 0, 100);
	enq(test, fl, 0x01000193U * 5, 5, 1, 100);
	KUNIT_EXPECT_EQ(test, fl->nr_active, 1U);
	skb = deq(fl, NULL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_EQ(test, (u32)skb->priority, 0U);
	kfree_skb(skb);
	kfree_skb(deq(fl, NULL));
	expect_empty(test, fl);
}

static void flows_max_active(struct kunit *test)
{
	struct sov_flows *fl = test->priv;
	struct sov_flow *f[12];
	u32 i;

	for (i = 0; i < 5; i++) {
		f[i] = enq(test, fl, hash_in_set(i * 20, i), i, 0, 100);
		enq(test, fl, hash_in_set(i * 20, i), i, 1, 100);
	}
	KUNIT_EXPECT_EQ(test, fl->nr_active, 5U);
	KUNIT_EXPECT_EQ(test, fl->max_active, 5U);
	for (i = 0; i < 3; i++)
		while (f[i]->qlen)
			kfree_skb(sov_flows_drop_head(fl, f[i]));
	KUNIT_EXPECT_EQ(test, fl->nr_active, 2U);
	KUNIT_EXPECT_EQ(test, fl->max_active, 5U);
	f[5] = enq(test, fl, hash_in_set(100, 5), 5, 0, 100);
	KUNIT_EXPECT_EQ(test, fl->nr_active, 3U);
	KUNIT_EXPECT_EQ(test, fl->max_active, 5U);
	for (i = 6; i < 10; i++)
		f[i] = enq(test, fl, hash_in_set(i * 10, i), i, 0, 100);
	KUNIT_EXPECT_EQ(test, fl->nr_active, 7U);
	KUNIT_EXPECT_EQ(test, fl->max_active, 7U);
	/* more packets of active flows change neither */
	enq(test, fl, hash_in_set(100, 5), 5, 1, 100);
	KUNIT_EXPECT_EQ(test, fl->nr_active, 7U);
	KUNIT_EXPECT_EQ(test, fl->max_active, 7U);
	/* drained by DRR: the maximum stays */
	while (fl->nr_active)
		kfree_skb(deq(fl, NULL));
	KUNIT_EXPECT_EQ(test, fl->max_active, 7U);
	expect_empty(test, fl);
}

static struct kunit_case sched_flows_cases[] = {
	KUNIT_CASE_PARAM(flows_drr_byte_fairness, drr_gen_params),
	KUNIT_CASE(flows_new_flow_full_quantum),
	KUNIT_CASE(flows_lookup_same_bucket),
	KUNIT_CASE(flows_collision_shares),
	KUNIT_CASE(flows_emptied_bucket_reused),
	KUNIT_CASE(flows_fattest),
	KUNIT_CASE(flows_drop_head),
	KUNIT_CASE(flows_purge),
	KUNIT_CASE(flows_max_active),
	{}
};

static struct kunit_suite sched_flows_suite = {
	.name = "sov_sched_flows",
	.init = fl_init,
	.exit = fl_exit,
	.test_cases = sched_flows_cases,
};

kunit_test_suite(sched_flows_suite);
