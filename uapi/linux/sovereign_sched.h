/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The "sov" qdisc's contract with tc (rtnetlink, not the genl family of
 * sovereign.h): its options inside TCA_OPTIONS, its classes' options, and
 * the TCA_XSTATS structures it dumps. tools/tc/q_sov.c and sovctl classes
 * include this header; Documentation/classes.rst describes each field.
 *
 * Eight classes, 1:1 (served first) to 1:8, in strict priority. A packet
 * goes to the class a tc filter names (its classid's minor, 1-8); else the
 * one its DSCP maps to, if mapped; else the one its skb->priority maps to
 * (priomap, as prio's).
 */
#ifndef _UAPI_LINUX_SOVEREIGN_SCHED_H
#define _UAPI_LINUX_SOVEREIGN_SCHED_H

#include <linux/types.h>

#define TC_SOV_CLASSES		8
#define TC_SOV_PRIO_MAX		15	/* skb->priority & TC_PRIO_MAX indexes the priomap */
#define TC_SOV_DSCP_CNT		64
#define TC_SOV_FLOWS		1024	/* flow buckets per class */
#define TC_SOV_FLOW_WAYS	8	/* set-associative: a flow may use 8 buckets */

/**
 * enum tca_sov - the qdisc's options, nested in TCA_OPTIONS
 * @TCA_SOV_PRIOMAP: binary, TC_SOV_PRIO_MAX + 1 bytes: the class (1-8)
 *	of each priority 0-15
 * @TCA_SOV_DSCPMAP: binary, TC_SOV_DSCP_CNT bytes: the class (1-8) of each
 *	DSCP value, 0 for "not mapped" (the priomap decides)
 * @TCA_SOV_LIMIT: u32, packets the qdisc holds at most (1-1048576)
 * @TCA_SOV_QUANTUM: u32, bytes a flow may send per DRR round (256-1048576;
 *	default the device's MTU plus its link-layer header)
 *
 * A change sets only the options present. A dump has all of them.
 */
enum tca_sov {
	TCA_SOV_UNSPEC,
	TCA_SOV_PAD,
	TCA_SOV_PRIOMAP,
	TCA_SOV_DSCPMAP,
	TCA_SOV_LIMIT,
	TCA_SOV_QUANTUM,

	__TCA_SOV_MAX,
	TCA_SOV_MAX = __TCA_SOV_MAX - 1
};

/**
 * enum tca_sov_class - a class's options, nested in TCA_OPTIONS of a class
 *	change (tc class change dev X classid 1:N sov ...)
 * @TCA_SOV_CLASS_PAD: alignment padding
 * @TCA_SOV_CLASS_RATE: u64, bytes per second the class may send on
 *	average; 0 removes the shaping
 * @TCA_SOV_CLASS_BURST: u32, bytes the class may send at once above its
 *	rate (the token bucket's depth); at least one MTU
 * @TCA_SOV_CLASS_CEIL: u64, bytes per second the class never exceeds, even
 *	within its burst (a second bucket one MTU deep); needs a rate, and
 *	must be at least the rate. 0 removes it.
 * @TCA_SOV_CLASS_LIMIT: u32, packets the class holds at most (1-1048576)
 */
enum tca_sov_class {
	TCA_SOV_CLASS_UNSPEC,
	TCA_SOV_CLASS_PAD,
	TCA_SOV_CLASS_RATE,
	TCA_SOV_CLASS_BURST,
	TCA_SOV_CLASS_CEIL,
	TCA_SOV_CLASS_LIMIT,

	__TCA_SOV_CLASS_MAX,
	TCA_SOV_CLASS_MAX = __TCA_SOV_CLASS_MAX - 1
};

/*
 * tc hands a qdisc's and a class's TCA_XSTATS to the same print hook: the
 * plugin tells the two structures apart by their sizes, so they must stay
 * different (static_assert in kmod/sched/qdisc.c).
 */

/**
 * struct tc_sov_class_xstats - TCA_XSTATS of one class (next to the basic
 *	and queue stats: packets, bytes, drops, overlimits, backlog, qlen)
 * @drops_class_limit: packets dropped because the class was full (from its
 *	fattest flow)
 * @drops_qdisc_limit: packets of this class dropped because the qdisc was
 *	full (the lowest class with packets loses its fattest flow's)
 * @throttled: times the class had packets but no tokens (the watchdog ran)
 * @collisions: packets whose flow found all 8 buckets of its set taken by
 *	other flows and had to share one (cake's way collisions)
 * @flows_active: buckets with packets now
 * @flows_max: the most buckets with packets at once
 * @rate: shaping, as configured (bytes/s, 0: none)
 * @ceil: as configured (bytes/s, 0: none)
 * @burst: bytes
 * @tokens: bytes the class may send now (negative: in debt)
 * @limit: packets
 */
struct tc_sov_class_xstats {
	__u64 drops_class_limit;
	__u64 drops_qdisc_limit;
	__u64 throttled;
	__u64 collisions;
	__u32 flows_active;
	__u32 flows_max;
	__u64 rate;
	__u64 ceil;
	__u32 burst;
	__u32 limit;
	__s64 tokens;
};

/**
 * struct tc_sov_xstats - TCA_XSTATS of the qdisc
 * @drops_class_limit: sum over the classes
 * @drops_qdisc_limit: sum over the classes
 * @by_filter: packets classified by a tc filter
 * @by_dscp: ... by the DSCP map
 * @by_priority: ... by the priomap
 * @filter_bad_class: packets a filter sent to a class that does not exist
 *	(they go by DSCP and priority instead)
 * @classes_active: classes with packets now
 * @classes_throttled: classes waiting for tokens now
 */
struct tc_sov_xstats {
	__u64 drops_class_limit;
	__u64 drops_qdisc_limit;
	__u64 by_filter;
	__u64 by_dscp;
	__u64 by_priority;
	__u64 filter_bad_class;
	__u32 classes_active;
	__u32 classes_throttled;
};

#endif /* _UAPI_LINUX_SOVEREIGN_SCHED_H */
