// SPDX-License-Identifier: GPL-2.0
/* sov qdisc classification (classify.h). */
#include <linux/kernel.h>
#include <linux/pkt_sched.h>
#include <linux/string.h>

#include "classify.h"

/*
 * TC_PRIO_CONTROL (7) first, then interactive (6), 5, interactive bulk
 * (4), 3, best effort (0) in the middle, bulk (2) and filler (1) last;
 * priorities 8-15 are best effort.
 */
static const u8 sov_cls_prio_default[TC_SOV_PRIO_MAX + 1] = {
	[TC_PRIO_BESTEFFORT]		= 5,
	[TC_PRIO_FILLER]		= 8,
	[TC_PRIO_BULK]			= 7,
	[3]				= 6,
	[TC_PRIO_INTERACTIVE_BULK]	= 4,
	[5]				= 3,
	[TC_PRIO_INTERACTIVE]		= 2,
	[TC_PRIO_CONTROL]		= 1,
	[8 ... TC_SOV_PRIO_MAX]		= 5,
};

void sov_cls_maps_default(struct sov_cls_maps *m)
{
	memcpy(m->prio, sov_cls_prio_default, sizeof(m->prio));
	memset(m->dscp, 0, sizeof(m->dscp));
}

unsigned int sov_classify(const struct sov_cls_maps *m, u32 filter_minor, int dscp,
			  u32 priority, enum sov_cls_by *by, bool *bad_filter)
{
	*bad_filter = false;
	if (filter_minor != SOV_CLS_NO_FILTER) {
		if (filter_minor <= TC_SOV_CLASSES) {
			*by = SOV_CLS_BY_FILTER;
			return filter_minor - 1;
		}
		*bad_filter = true;
	}
	if (dscp >= 0 && dscp < TC_SOV_DSCP_CNT && m->dscp[dscp]) {
		*by = SOV_CLS_BY_DSCP;
		return m->dscp[dscp] - 1;
	}
	*by = SOV_CLS_BY_PRIO;
	return m->prio[priority & TC_PRIO_MAX] - 1;
}

bool sov_cls_prio_valid(const u8 *map, unsigned int len)
{
	unsigned int i;

	if (len != TC_SOV_PRIO_MAX + 1)
		return false;
	for (i = 0; i < len; i++)
		if (map[i] < 1 || map[i] > TC_SOV_CLASSES)
			return false;
	return true;
}

bool sov_cls_dscp_valid(const u8 *map, unsigned int len)
{
	unsigned int i;

	if (len != TC_SOV_DSCP_CNT)
		return false;
	for (i = 0; i < len; i++)
		if (map[i] > TC_SOV_CLASSES)
			return false;
	return true;
}
