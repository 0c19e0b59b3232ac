// SPDX-License-Identifier: GPL-2.0
/* memcompress policies (policy.h): the decision, nothing else. */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/time64.h>

#include "policy.h"

/* A pool this much larger than its objects is worth compacting (zsmalloc's fragmentation). */
#define COMPACT_SLACK_PCT	125

static const char * const names[__SOV_ZPOLICY_CNT] = {
	[SOV_ZPOLICY_THRESHOLD]	= "threshold",
	[SOV_ZPOLICY_TIME]	= "time",
	[SOV_ZPOLICY_DEMAND]	= "demand",
};

const char *sov_zpolicy_name(enum sov_zpolicy_kind kind)
{
	return kind < __SOV_ZPOLICY_CNT ? names[kind] : "?";
}

int sov_zpolicy_check(struct sov_zpolicy *p)
{
	if (p->kinds & ~(u32)GENMASK(__SOV_ZPOLICY_CNT - 1, 0))
		return -EINVAL;
	if (p->level >= __SOV_ZLEVEL_CNT)
		return -EINVAL;
	/* a threshold with no bound would never fire */
	if ((p->kinds & BIT(SOV_ZPOLICY_THRESHOLD)) && !p->mem_bytes && !p->ratio_x100)
		return -EINVAL;
	if (!p->idle_s)
		p->idle_s = SOV_ZPOLICY_IDLE_S_DEFAULT;
	if (!p->cooldown_s)
		p->cooldown_s = SOV_ZPOLICY_COOLDOWN_S_DEFAULT;
	return 0;
}

static bool cooled(const struct sov_zpolicy_clock *c, enum sov_zpolicy_kind kind,
		   u64 period_s, u64 now_ns)
{
	u64 last = c->last_ns[kind];

	return !last || now_ns - last >= period_s * NSEC_PER_SEC;
}

static bool over_threshold(const struct sov_zpolicy *p, const struct sov_zstore_stats *st)
{
	if (p->mem_bytes && st->mem_used > p->mem_bytes)
		return true;
	/* orig / compr < ratio / 100, without dividing; an empty device has no ratio */
	return p->ratio_x100 && st->compr_bytes &&
	       st->orig_bytes * 100 < (u64)p->ratio_x100 * st->compr_bytes;
}

static bool fragmented(const struct sov_zstore_stats *st)
{
	return st->mem_used * 100 > st->compr_bytes * COMPACT_SLACK_PCT;
}

static bool act(struct sov_zpolicy_clock *c, struct sov_zpolicy_decision *d,
		enum sov_zpolicy_kind kind, u32 actions, u32 idle_s, u64 now_ns)
{
	c->last_ns[kind] = now_ns;
	d->cause = kind;
	d->actions = actions;
	d->idle_s = idle_s;
	return true;
}

bool sov_zpolicy_decide(const struct sov_zpolicy *p, struct sov_zpolicy_clock *c,
			const struct sov_zstore_stats *st, u64 now_ns, bool pressure,
			struct sov_zpolicy_decision *d)
{
	u32 compact;

	memset(d, 0, sizeof(*d));
	if (!st->pages)
		return false;
	compact = fragmented(st) ? SOV_ZACT_COMPACT : 0;
	/* the most urgent first: pressure now, then a bound crossed, then the routine */
	if ((p->kinds & BIT(SOV_ZPOLICY_DEMAND)) && pressure &&
	    cooled(c, SOV_ZPOLICY_DEMAND, p->cooldown_s, now_ns))
		return act(c, d, SOV_ZPOLICY_DEMAND, SOV_ZACT_RECOMPRESS | compact,
			   max(p->idle_s / 4, 1U), now_ns);
	if ((p->kinds & BIT(SOV_ZPOLICY_THRESHOLD)) && over_threshold(p, st) &&
	    cooled(c, SOV_ZPOLICY_THRESHOLD, p->cooldown_s, now_ns))
		return act(c, d, SOV_ZPOLICY_THRESHOLD, SOV_ZACT_RECOMPRESS | compact,
			   p->idle_s, now_ns);
	if ((p->kinds & BIT(SOV_ZPOLICY_TIME)) &&
	    cooled(c, SOV_ZPOLICY_TIME, max(p->idle_s / 2, p->cooldown_s), now_ns))
		return act(c, d, SOV_ZPOLICY_TIME, SOV_ZACT_RECOMPRESS, p->idle_s, now_ns);
	return false;
}
