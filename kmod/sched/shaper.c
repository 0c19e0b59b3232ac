// SPDX-License-Identifier: GPL-2.0
/* sov qdisc token buckets (shaper.h). */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/time64.h>

#include "shaper.h"

#define SOV_PS_PER_NS		1000
#define SOV_PS_PER_SEC		1000000000000ULL
/* the most ns of idle counted, so that ps of it plus any bucket fit s64 */
#define SOV_TB_ELAPSED_MAX	((u64)S64_MAX / 2 / SOV_PS_PER_NS)
/* the deepest bucket and the dearest packet, in ps (26 days of sending) */
#define SOV_TB_PS_MAX		((u64)S64_MAX / 4)

u64 sov_tb_len2ns(u64 rate, u32 len)
{
	/* len * 1e9 fits u64 for any u32 len; round up so that no rate is beaten */
	return div64_u64((u64)len * NSEC_PER_SEC + rate - 1, rate);
}

u64 sov_tb_len2ps(u64 rate, u32 len)
{
	u64 ps;

	/*
	 * len * 1e12 needs 128 bits. Rounded down, so that a burst of whole
	 * packets fits its bucket exactly: at most 1 ps early per packet.
	 * A packet is never free, and never dearer than the deepest bucket.
	 */
	/* in ns first (len * 1e9 fits u64): a quotient past u64 would trap in the division */
	if (div64_u64((u64)len * NSEC_PER_SEC, rate) >= SOV_TB_PS_MAX / SOV_PS_PER_NS)
		return SOV_TB_PS_MAX;
	ps = mul_u64_u64_div_u64(len, SOV_PS_PER_SEC, rate);
	return clamp_t(u64, ps, 1, SOV_TB_PS_MAX);
}

int sov_tb_config(struct sov_tb *tb, u64 rate, u32 burst, u64 ceil, u32 mtu, u64 now)
{
	if (!rate) {
		if (ceil)
			return -EINVAL;
		*tb = (struct sov_tb){ .t_c = now };
		return 0;
	}
	if ((ceil && ceil < rate) || !mtu || burst < mtu)
		return -EINVAL;
	/* a bucket the clock would take 26 days to fill: no use, and past s64's room */
	if (sov_tb_len2ps(rate, burst) >= SOV_TB_PS_MAX)
		return -ERANGE;
	tb->rate = rate;
	tb->ceil = ceil;
	tb->burst = burst;
	tb->mtu = mtu;
	tb->buffer = sov_tb_len2ps(rate, burst);
	tb->pbuffer = ceil ? sov_tb_len2ps(ceil, mtu) : 0;
	tb->tokens = tb->buffer;
	tb->ptokens = tb->pbuffer;
	tb->t_c = now;
	return 0;
}

/* What a bucket of depth @depth holding @tokens (ps) at @t_c holds at @now (ns). */
static s64 sov_tb_fill(s64 tokens, s64 depth, u64 t_c, u64 now)
{
	/* a clock that went back gives nothing; a long idle is capped to fit the sum */
	s64 elapsed = now > t_c ? (s64)min_t(u64, now - t_c, SOV_TB_ELAPSED_MAX) : 0;

	return min(tokens + elapsed * SOV_PS_PER_NS, depth);
}

/* ns until a bucket holding @toks ps (full at @depth) lets a packet of @cost ps go */
static u64 sov_tb_need(s64 toks, s64 depth, u64 cost)
{
	s64 need = min_t(u64, cost, depth);

	return toks >= need ? 0 : DIV_ROUND_UP_ULL(need - toks, SOV_PS_PER_NS);
}

u64 sov_tb_wait(const struct sov_tb *tb, u32 len, u64 now)
{
	u64 wait;

	if (!tb->rate)
		return 0;
	wait = sov_tb_need(sov_tb_fill(tb->tokens, tb->buffer, tb->t_c, now), tb->buffer,
			   sov_tb_len2ps(tb->rate, len));
	if (tb->ceil)
		wait = max(wait, sov_tb_need(sov_tb_fill(tb->ptokens, tb->pbuffer, tb->t_c, now),
					     tb->pbuffer, sov_tb_len2ps(tb->ceil, len)));
	return wait;
}

void sov_tb_charge(struct sov_tb *tb, u32 len, u64 now)
{
	if (!tb->rate)
		return;
	tb->tokens = sov_tb_fill(tb->tokens, tb->buffer, tb->t_c, now) -
		sov_tb_len2ps(tb->rate, len);
	if (tb->ceil)
		tb->ptokens = sov_tb_fill(tb->ptokens, tb->pbuffer, tb->t_c, now) -
			sov_tb_len2ps(tb->ceil, len);
	tb->t_c = max(tb->t_c, now);
}

s64 sov_tb_tokens_bytes(const struct sov_tb *tb, u64 now)
{
	s64 toks;

	if (!tb->rate)
		return 0;
	toks = sov_tb_fill(tb->tokens, tb->buffer, tb->t_c, now);
	/* ps * bytes/s / 1e12, in 128 bits */
	return toks < 0 ? -(s64)mul_u64_u64_div_u64(-toks, tb->rate, SOV_PS_PER_SEC) :
		(s64)mul_u64_u64_div_u64(toks, tb->rate, SOV_PS_PER_SEC);
}
