/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sov qdisc classification: which of the 8 classes a packet joins. A tc
 * filter's verdict comes first, then the DSCP map, then the priomap; the
 * first that names a class wins. Pure: the qdisc feeds it what it read
 * from the skb, KUnit feeds it anything.
 */
#ifndef _SOV_SCHED_CLASSIFY_H
#define _SOV_SCHED_CLASSIFY_H

#include <linux/types.h>
#include "../../uapi/linux/sovereign_sched.h"

/* Both maps hold class numbers 1-8; a DSCP entry of 0 is "not mapped". */
struct sov_cls_maps {
	u8 prio[TC_SOV_PRIO_MAX + 1];
	u8 dscp[TC_SOV_DSCP_CNT];
};

enum sov_cls_by {
	SOV_CLS_BY_FILTER,
	SOV_CLS_BY_DSCP,
	SOV_CLS_BY_PRIO,
};

/* No filter verdict, or no DSCP (not IP): the arguments that say so. */
#define SOV_CLS_NO_FILTER	0
#define SOV_CLS_NO_DSCP		(-1)

/* The defaults: priomap by TC_PRIO_* (control first, bulk and filler last), no DSCP map. */
void sov_cls_maps_default(struct sov_cls_maps *m);

/*
 * The class (0-7, for 1:1-1:8) of a packet that a filter sent to minor
 * @filter_minor (SOV_CLS_NO_FILTER: none did), with DSCP @dscp
 * (SOV_CLS_NO_DSCP: not IP) and skb->priority @priority. *@by says which
 * rule decided; *@bad_filter is set when a filter named a class that does
 * not exist (the packet then goes by DSCP and priority).
 */
unsigned int sov_classify(const struct sov_cls_maps *m, u32 filter_minor, int dscp,
			  u32 priority, enum sov_cls_by *by, bool *bad_filter);

/* A map from userspace: every class number within 1-8 (the DSCP map: or 0). */
bool sov_cls_prio_valid(const u8 *map, unsigned int len);
bool sov_cls_dscp_valid(const u8 *map, unsigned int len);

#endif /* _SOV_SCHED_CLASSIFY_H */
