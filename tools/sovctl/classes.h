/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sovctl classes: the "sov" qdiscs and their 8 classes as rtnetlink
 * reports them, collected and printed; shared with the unit tests.
 */
#ifndef SOVCTL_CLASSES_H
#define SOVCTL_CLASSES_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#include "../../uapi/linux/sovereign_sched.h"

/* The standard tc statistics of a qdisc or a class. */
struct cls_stats {
	bool present;
	uint64_t bytes, packets;
	uint32_t qlen, backlog, drops, requeues, overlimits;
};

struct cls_class {
	bool present;
	uint32_t handle;
	bool has_opts;
	uint64_t rate, ceil;		/* bytes/s, 0: none */
	uint32_t burst, limit;
	struct cls_stats st;
	bool has_xstats;
	struct tc_sov_class_xstats x;
};

struct cls_qdisc {
	int ifindex;
	char dev[IF_NAMESIZE];
	uint32_t handle, parent;
	bool has_prio, has_dscp, has_limit, has_quantum;
	uint8_t prio[TC_SOV_PRIO_MAX + 1];
	uint8_t dscp[TC_SOV_DSCP_CNT];
	uint32_t limit, quantum;
	struct cls_stats st;
	bool has_xstats;
	struct tc_sov_xstats x;
	struct cls_class cls[TC_SOV_CLASSES];	/* by minor - 1 */
};

struct cls_list {
	int ifindex;			/* only this device's qdiscs; 0: all */
	struct cls_qdisc *q;
	unsigned int n, cap;
};

/* RTM_NEWQDISC messages: a "sov" one is added to the struct cls_list @data. */
int cls_qdisc_cb(const struct nlmsghdr *nlh, void *data);
/* RTM_NEWTCLASS messages: a class of a listed "sov" qdisc is filled in. */
int cls_class_cb(const struct nlmsghdr *nlh, void *data);
void cls_list_free(struct cls_list *l);

/*
 * Print the list inside print_begin()/print_end(): "qdiscs", an array with
 * each qdisc's options and classes; with @stats their statistics.
 */
void cls_print(const struct cls_list *l, bool stats);

/* "10Mbit", "1.5Gbit", "800Kbit", "64bit" (rates are bytes/s) */
const char *cls_fmt_rate(uint64_t bytes_per_s, char *buf, size_t size);
/* "1:", "1:3" */
const char *cls_fmt_handle(uint32_t handle, char *buf, size_t size);

#endif
