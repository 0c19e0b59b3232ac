/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SOVCTL_LB_H
#define SOVCTL_LB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/netlink.h>

/* lb_pinned.c: `sovctl lb status` with no daemon, from the pinned maps */
int lb_show_pinned(const char *pin_dir, bool metrics);

/* lb_monitor.c: `sovctl lb monitor` */
int lb_monitor(int argc, char **argv);
/* One SOV_CMD_LB_EVENT_NTF as a text line or a JSON line; -1 if it is none. */
int lb_event_print(const struct nlmsghdr *nlh, bool json, FILE *out);
/* "backend-down", ...; NULL for a kind this build does not know */
const char *lb_event_name(uint32_t kind);
/* CLOCK_REALTIME ns as "2026-11-25T16:02:11.123Z" */
const char *lb_event_time(uint64_t ns, char *buf, size_t size);

#endif
