/* SPDX-License-Identifier: GPL-2.0 */
/* sovctl memcompress: what memcompress.c and memcompress_show.c share. */
#ifndef SOVCTL_MEMCOMPRESS_SHOW_H
#define SOVCTL_MEMCOMPRESS_SHOW_H

#include <stdbool.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#include "../../uapi/linux/sovereign.h"

struct mc_dev {
	uint32_t id;
	char name[SOV_MC_NAME_MAX + 1];
	uint64_t size, mem_limit, compacted;
	uint32_t level, openers;
	uint64_t stats[SOV_A_MC_STATS_MAX + 1];	/* by SOV_A_MC_STATS_* */
	bool has_stats;
	struct {
		bool present, running;
		uint32_t level, idle_s, threads;
		uint64_t scanned, recompressed, errors, runs;
	} recomp;
	struct {
		bool present;
		uint32_t kinds, ratio_x100, idle_s, cooldown_s, level;
		uint64_t mem_bytes, acted;
	} policy;
	bool has_lat;
	uint64_t lat[2][SOV_MC_LAT_BUCKETS];	/* read, write */
};

struct mc_list {
	struct mc_dev *devs;
	unsigned int n, cap;
};

extern const char *const mc_policy_names[__SOV_MC_POLICY_CNT];

/* A reply message's device appended to the struct mc_list @data. */
int mc_dev_cb(const struct nlmsghdr *nlh, void *data);

void mc_print_bytes(const char *key, const char *fmt, uint64_t v);
void mc_print_limit(uint64_t limit);
void mc_print_status_line(const struct mc_dev *d);
void mc_print_stats(const struct mc_dev *d);

#endif
