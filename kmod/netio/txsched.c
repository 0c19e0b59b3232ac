// SPDX-License-Identifier: GPL-2.0
/* netio TX classes: strict priority over token buckets (txsched.h). */
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/time64.h>

#include "txsched.h"

static_assert(SOV_NETIO_CLASSES <= BITS_PER_BYTE);

u32 sov_txs_default_burst(u64 rate, u32 mtu)
{
	u64 burst = div_u64(rate * SOV_TXS_BURST_MS, MSEC_PER_SEC);

	if (rate > U64_MAX / SOV_TXS_BURST_MS)	/* 10 ms at that rate is far past u32 anyway */
		burst = U32_MAX;
	return clamp_t(u64, burst, (u64)mtu * SOV_TXS_BURST_MTUS, U32_MAX);
}

/* The burst a class asked for (0: the default) as it stands on an MTU of @mtu. */
static u32 sov_txs_burst(u64 rate, u32 burst_set, u32 mtu)
{
	return burst_set ? max(burst_set, mtu) : sov_txs_default_burst(rate, mtu);
}

void sov_txs_init(struct sov_txs *s, u32 mtu, u64 now)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->mtu = mtu;
	for (i = 0; i < SOV_NETIO_PRIOMAP_LEN; i++)
		s->priomap[i] = SOV_TXS_CLASS_DEFAULT -
			min_t(unsigned int, i, SOV_TXS_CLASS_DEFAULT);
	for (i = 0; i < SOV_NETIO_QUEUES_MAX; i++)
		s->queue_class[i] = SOV_TXS_CLASS_DEFAULT;
	for (i = 0; i < SOV_NETIO_CLASSES; i++)
		sov_tb_config(&s->cls[i].tb, 0, 0, 0, mtu, now);
	sov_tb_config(&s->link, 0, 0, 0, mtu, now);
}

const char *sov_txs_check_priomap(const u8 *map, u32 len, int *bad_index)
{
	unsigned int i;

	*bad_index = -1;
	if (len != SOV_NETIO_PRIOMAP_LEN)
		return "priomap must be 16 bytes, one class per priority 0..15";
	for (i = 0; i < len; i++) {
		if (map[i] >= SOV_NETIO_CLASSES) {
			*bad_index = i;
			return "priomap entries must be classes 0..7";
		}
	}
	return NULL;
}

const char *sov_txs_check_class_id(u32 id)
{
	return id < SOV_NETIO_CLASSES ? NULL : "class id must be 0..7";
}

const char *sov_txs_check_rate(u64 rate, u32 burst, u32 mtu)
{
	struct sov_tb tb;

	if (!rate)
		return burst ? "a burst needs a rate (rate 0 is not shaped)" : NULL;
	if (burst && burst < mtu)
		return "burst must be at least the mtu";
	/* sov_tb is the judge of what it can hold */
	switch (sov_tb_config(&tb, rate, sov_txs_burst(rate, burst, mtu), 0, mtu, 0)) {
	case 0:
		return NULL;
	case -ERANGE:
		return burst ? "burst must be at most 26 days of sending at the rate" :
			"rate too low: 2 mtu take more than 26 days at it";
	default:
		return "rate and burst not accepted by the token bucket";
	}
}

int sov_txs_set_priomap(struct sov_txs *s, const u8 *map)
{
	int bad;

	if (sov_txs_check_priomap(map, SOV_NETIO_PRIOMAP_LEN, &bad))
		return -EINVAL;
	memcpy(s->priomap, map, SOV_NETIO_PRIOMAP_LEN);
	return 0;
}

int sov_txs_set_queue_class(struct sov_txs *s, u32 qid, u32 cls)
{
	if (qid >= SOV_NETIO_QUEUES_MAX || sov_txs_check_class_id(cls))
		return -EINVAL;
	s->queue_class[qid] = cls;
	return 0;
}

int sov_txs_set_class_rate(struct sov_txs *s, u32 cls, u64 rate, u32 burst, u64 now)
{
	struct sov_txs_class *c;
	int err;

	if (sov_txs_check_class_id(cls) || sov_txs_check_rate(rate, burst, s->mtu))
		return -EINVAL;
	c = &s->cls[cls];
	err = sov_tb_config(&c->tb, rate, sov_txs_burst(rate, burst, s->mtu), 0, s->mtu, now);
	if (err)
		return err;
	c->burst_set = rate ? burst : 0;
	return 0;
}

int sov_txs_set_rate(struct sov_txs *s, u64 rate, u64 now)
{
	if (sov_txs_check_rate(rate, 0, s->mtu))
		return -EINVAL;
	return sov_tb_config(&s->link, rate, sov_txs_default_burst(rate, s->mtu), 0, s->mtu, now);
}

void sov_txs_set_mtu(struct sov_txs *s, u32 mtu, u64 now)
{
	unsigned int i;

	s->mtu = mtu;
	for (i = 0; i < SOV_NETIO_CLASSES; i++) {
		struct sov_txs_class *c = &s->cls[i];

		/* unshaped, or a rate that no burst fits on this MTU: not shaped */
		if (sov_tb_config(&c->tb, c->tb.rate, sov_txs_burst(c->tb.rate, c->burst_set, mtu),
				  0, mtu, now)) {
			sov_tb_config(&c->tb, 0, 0, 0, mtu, now);
			c->burst_set = 0;
		}
	}
	if (sov_tb_config(&s->link, s->link.rate, sov_txs_default_burst(s->link.rate, mtu), 0,
			  mtu, now))
		sov_tb_config(&s->link, 0, 0, 0, mtu, now);
}

u32 sov_txs_classify_xsk(const struct sov_txs *s, u32 qid, u32 sk_priority)
{
	if (sk_priority)
		return sov_txs_classify_skb(s, sk_priority);
	return qid < SOV_NETIO_QUEUES_MAX ? s->queue_class[qid] : SOV_TXS_CLASS_DEFAULT;
}

/* Start class @cls's throttled spell unless it is in one. */
static void sov_txs_throttle(struct sov_txs *s, unsigned int cls)
{
	if (!(s->throttled_mask & BIT(cls))) {
		s->throttled_mask |= BIT(cls);
		s->cls[cls].throttled++;
	}
}

int sov_txs_pick(struct sov_txs *s, unsigned long backlog, const u32 *lens,
		 u64 now, u64 *wait_ns)
{
	u64 wait = U64_MAX;
	unsigned int c;

	backlog &= GENMASK(SOV_NETIO_CLASSES - 1, 0);
	/* classes without frames are in no spell */
	s->throttled_mask &= backlog;
	if (!backlog) {
		s->link_waiting = false;
		return -ENODATA;
	}
	for (c = 0; c < SOV_NETIO_CLASSES; c++) {
		u64 own, link;

		if (!(backlog & BIT(c)))
			continue;
		own = sov_tb_wait(&s->cls[c].tb, lens[c], now);
		link = sov_tb_wait(&s->link, lens[c], now);

		/* the earliest any class up to the first eligible one may go */
		wait = min(wait, max(own, link));
		if (own) {
			sov_txs_throttle(s, c);
			continue;
		}
		if (!link) {
			s->link_waiting = false;
			return c;
		}
		/* the first eligible class waits for the link, and so does every lower one */
		sov_txs_throttle(s, c);
		if (!s->link_waiting) {
			s->link_waiting = true;
			s->link_throttled++;
		}
		break;
	}
	/* classes below the one the link holds back wait for priority, not tokens */
	if (c < SOV_NETIO_CLASSES)
		s->throttled_mask &= GENMASK(c, 0);
	else
		s->link_waiting = false;
	*wait_ns = wait;
	return -EAGAIN;
}

void sov_txs_charge(struct sov_txs *s, u32 cls, u32 len, u64 now)
{
	struct sov_txs_class *c;

	if (cls >= SOV_NETIO_CLASSES)
		return;
	c = &s->cls[cls];
	sov_tb_charge(&c->tb, len, now);
	sov_tb_charge(&s->link, len, now);
	c->tx_pkts++;
	c->tx_bytes += len;
	s->throttled_mask &= ~BIT(cls);
}

void sov_txs_enqueue(struct sov_txs *s, u32 cls)
{
	if (cls < SOV_NETIO_CLASSES)
		s->cls[cls].backlog++;
}

void sov_txs_dequeue(struct sov_txs *s, u32 cls)
{
	if (cls < SOV_NETIO_CLASSES && s->cls[cls].backlog)
		s->cls[cls].backlog--;
}

void sov_txs_drop(struct sov_txs *s, u32 cls)
{
	if (cls < SOV_NETIO_CLASSES)
		s->cls[cls].drops++;
}

void sov_txs_reset_counters(struct sov_txs *s)
{
	unsigned int i;

	for (i = 0; i < SOV_NETIO_CLASSES; i++) {
		struct sov_txs_class *c = &s->cls[i];

		c->tx_pkts = 0;
		c->tx_bytes = 0;
		c->throttled = 0;
		c->drops = 0;
	}
	s->link_throttled = 0;
}

void sov_txs_stats(const struct sov_txs *s, u64 now, struct sov_txs_stats *st)
{
	unsigned int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < SOV_NETIO_CLASSES; i++) {
		const struct sov_txs_class *c = &s->cls[i];
		struct sov_txs_class_stats *cs = &st->cls[i];

		cs->rate = c->tb.rate;
		cs->burst = c->tb.rate ? c->tb.burst : 0;
		cs->backlog = c->backlog;
		cs->tokens = sov_tb_tokens_bytes(&c->tb, now);
		cs->tx_pkts = c->tx_pkts;
		cs->tx_bytes = c->tx_bytes;
		cs->throttled = c->throttled;
		cs->drops = c->drops;
	}
	st->rate = s->link.rate;
	st->burst = s->link.rate ? s->link.burst : 0;
	st->mtu = s->mtu;
	st->link_throttled = s->link_throttled;
	memcpy(st->priomap, s->priomap, sizeof(st->priomap));
	memcpy(st->queue_class, s->queue_class, sizeof(st->queue_class));
}
