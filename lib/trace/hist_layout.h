/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bucket layout of Sovereign's log-linear latency histogram, on its own
 * so that a BPF program can share it with lib/trace (it uses no libc type:
 * include it after <stdint.h> or vmlinux.h alike).
 *
 * Values are unsigned 64-bit integers (nanoseconds). With
 * TRACE_HIST_SUB_BITS = k and S = 2^k:
 *
 *   v < S                      bucket v, width 1 (exact)
 *   2^e <= v < 2^(e+1), e >= k bucket S + (e - k) * S + ((v >> (e - k)) - S),
 *                              width 2^(e - k)
 *
 * so every power-of-two range [2^e, 2^(e+1)) with e >= k is split linearly
 * into S buckets, and the whole uint64 range is covered (no overflow
 * bucket): (65 - k) * S buckets. A bucket's width is at most 1/S of its
 * lower bound, which gives the bound stated in trace.h.
 */
#ifndef SOV_TRACE_HIST_LAYOUT_H
#define SOV_TRACE_HIST_LAYOUT_H

#define TRACE_HIST_SUB_BITS	6
#define TRACE_HIST_SUB		(1u << TRACE_HIST_SUB_BITS)		/* 64 */
#define TRACE_HIST_BUCKETS	((65u - TRACE_HIST_SUB_BITS) * TRACE_HIST_SUB)	/* 3776 */

/* floor(log2(v)) for v > 0 */
static inline unsigned int trace_hist_log2(unsigned long long v)
{
#if defined(__BPF__) || defined(__bpf__)
	unsigned int e = 0;

	if (v >> 32) { v >>= 32; e += 32; }
	if (v >> 16) { v >>= 16; e += 16; }
	if (v >> 8) { v >>= 8; e += 8; }
	if (v >> 4) { v >>= 4; e += 4; }
	if (v >> 2) { v >>= 2; e += 2; }
	if (v >> 1) e += 1;
	return e;
#else
	return 63u - (unsigned int)__builtin_clzll(v);
#endif
}

/* The bucket holding @v. */
static inline unsigned int trace_hist_bucket(unsigned long long v)
{
	unsigned int e, shift;

	if (v < TRACE_HIST_SUB)
		return (unsigned int)v;
	e = trace_hist_log2(v);
	shift = e - TRACE_HIST_SUB_BITS;
	return TRACE_HIST_SUB + shift * TRACE_HIST_SUB +
	       (unsigned int)((v >> shift) - TRACE_HIST_SUB);
}

/* The smallest value bucket @b holds (b < TRACE_HIST_BUCKETS). */
static inline unsigned long long trace_hist_bucket_lo(unsigned int b)
{
	unsigned int shift;

	if (b < TRACE_HIST_SUB)
		return b;
	shift = (b - TRACE_HIST_SUB) / TRACE_HIST_SUB;
	return (unsigned long long)(TRACE_HIST_SUB + (b % TRACE_HIST_SUB)) << shift;
}

/* The largest value bucket @b holds (inclusive). */
static inline unsigned long long trace_hist_bucket_hi(unsigned int b)
{
	unsigned int shift;

	if (b < TRACE_HIST_SUB)
		return b;
	shift = (b - TRACE_HIST_SUB) / TRACE_HIST_SUB;
	return trace_hist_bucket_lo(b) + ((1ULL << shift) - 1);
}

#endif
