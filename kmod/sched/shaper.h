/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sov qdisc shaping: a class's token buckets, counted in picoseconds of
 * sending time (tbf counts ns: at 10 Gbit/s a 64-byte packet takes 51.2 ns,
 * and rounding each packet to whole ns would cost 1.6 % of the rate;
 * whole ps, rounded down, send at most 1 ps a packet early). The rate
 * bucket holds up to @burst bytes; the
 * optional ceil bucket one MTU, so that a full burst still leaves at no
 * more than the ceil. Pure arithmetic on a clock the caller passes in.
 *
 * Rates run from 8 kbit/s (1000 bytes/s) to 100 Gbit/s and beyond: a
 * 64 KiB GSO packet at 1000 bytes/s costs 6.6e16 ps. A bucket may hold
 * up to 26 days of sending (2.3e18 ps, a quarter of s64: room for a long
 * idle and a debt on top); a deeper one is refused. A packet bigger than
 * the bucket (a GSO burst larger than @burst) may go when the bucket is
 * full, and leaves it in debt, so it can neither stall the class nor beat
 * the rate.
 */
#ifndef _SOV_SCHED_SHAPER_H
#define _SOV_SCHED_SHAPER_H

#include <linux/types.h>

struct sov_tb {
	u64 rate;		/* bytes/s; 0: not shaped */
	u64 ceil;		/* bytes/s; 0: none */
	u32 burst;		/* bytes */
	u32 mtu;		/* the ceil bucket's depth, bytes */
	s64 buffer;		/* burst as ps at rate */
	s64 pbuffer;		/* mtu as ps at ceil */
	s64 tokens;		/* ps; negative: debt */
	s64 ptokens;
	u64 t_c;		/* ns: when the buckets were last filled */
};

/* Time to send @len bytes at @rate bytes/s, in ns (rounded up). @rate > 0. */
u64 sov_tb_len2ns(u64 rate, u32 len);
/* The same in ps, what the buckets count (rounded down, at least 1). */
u64 sov_tb_len2ps(u64 rate, u32 len);

/*
 * (Re)configure @tb; it starts full at @now. @rate 0 turns shaping off
 * (then @ceil must be 0). -EINVAL: a ceil without a rate or below it, a
 * burst below @mtu; -ERANGE: a burst of more than 26 days at @rate.
 */
int sov_tb_config(struct sov_tb *tb, u64 rate, u32 burst, u64 ceil, u32 mtu, u64 now);

static inline bool sov_tb_shaped(const struct sov_tb *tb)
{
	return tb->rate;
}

/*
 * May a packet of @len bytes go at @now? 0 if so, else how many ns until
 * it may (the watchdog's delay). Changes nothing.
 */
u64 sov_tb_wait(const struct sov_tb *tb, u32 len, u64 now);
/* The packet of @len bytes goes at @now: take its tokens. */
void sov_tb_charge(struct sov_tb *tb, u32 len, u64 now);
/* Bytes the rate bucket holds at @now (negative: debt), for the stats. */
s64 sov_tb_tokens_bytes(const struct sov_tb *tb, u64 now);

#endif /* _SOV_SCHED_SHAPER_H */
