/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memcompress policies: when a device recompresses its idle pages at a
 * higher level, or compacts its pool. The decision is a pure function of
 * the policy, the device's stats, the time and whether memory pressure was
 * reported, so it is tested with a fake clock; the device runs it from a
 * timer and carries out what it returns.
 *
 * threshold  memory used above @mem_bytes, or the compression ratio below
 *            @ratio_x100 / 100: recompress pages idle for @idle_s, and
 *            compact when the pool holds much more than its objects
 * time       every @idle_s / 2: recompress pages idle for @idle_s
 * demand     memory pressure reported (sovereignd watches PSI): recompress
 *            pages idle for @idle_s / 4 and compact
 * Each policy acts at most once per @cooldown_s.
 */
#ifndef _SOV_ZPAGE_POLICY_H
#define _SOV_ZPAGE_POLICY_H

#include <linux/types.h>

#include "store.h"

enum sov_zpolicy_kind {
	SOV_ZPOLICY_THRESHOLD,
	SOV_ZPOLICY_TIME,
	SOV_ZPOLICY_DEMAND,
	__SOV_ZPOLICY_CNT
};

struct sov_zpolicy {
	u32 kinds;			/* BIT(enum sov_zpolicy_kind) */
	u64 mem_bytes;			/* threshold: 0 = no memory bound */
	u32 ratio_x100;			/* threshold: 0 = no ratio bound */
	u32 idle_s;			/* pages idle this long get recompressed */
	u32 cooldown_s;
	enum sov_zlevel level;		/* ... at this level */
};

#define SOV_ZPOLICY_IDLE_S_DEFAULT	300
#define SOV_ZPOLICY_COOLDOWN_S_DEFAULT	30

/* What the device keeps between decisions. */
struct sov_zpolicy_clock {
	u64 last_ns[__SOV_ZPOLICY_CNT];	/* the last action of each kind; 0: never */
};

#define SOV_ZACT_RECOMPRESS	BIT(0)
#define SOV_ZACT_COMPACT	BIT(1)

struct sov_zpolicy_decision {
	u32 actions;			/* SOV_ZACT_* */
	u32 idle_s;			/* for SOV_ZACT_RECOMPRESS */
	enum sov_zpolicy_kind cause;	/* the policy that acted */
};

const char *sov_zpolicy_name(enum sov_zpolicy_kind kind);

/* Fill in the defaults for what @p leaves 0; -EINVAL for a policy that cannot act. */
int sov_zpolicy_check(struct sov_zpolicy *p);

/*
 * Decide at @now_ns; @pressure: memory pressure was reported since the last
 * call. Returns true and fills @d if something is to be done (and notes it
 * in @c), false otherwise.
 */
bool sov_zpolicy_decide(const struct sov_zpolicy *p, struct sov_zpolicy_clock *c,
			const struct sov_zstore_stats *st, u64 now_ns, bool pressure,
			struct sov_zpolicy_decision *d);

#endif /* _SOV_ZPAGE_POLICY_H */
