/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memcompress: the /dev/sovzN block devices (device.c) and their generic
 * netlink commands (netlink.c). The pages themselves live in store.c.
 */
#ifndef _SOV_ZPAGE_ZPAGE_H
#define _SOV_ZPAGE_ZPAGE_H

#include <linux/types.h>
#include <net/genetlink.h>

#include "../sovereign.h"
#include "policy.h"
#include "recompress.h"
#include "store.h"

struct sov_zdev;

/* RECOMPRESS without IDLE_AGE: pages idle for 5 minutes */
#define SOV_MC_RECOMP_IDLE_DEFAULT	300

/* The subsystem: codecs, the block major; exit destroys every device. */
int sov_mc_init(void);
void sov_mc_exit(void);

/* What CREATE asks for; @name is "" for the default "sovzN". */
struct sov_zdev_cfg {
	u64 size;
	enum sov_zlevel level;
	u64 mem_limit;
	const char *name;
};

/* A consistent copy of a device's state, for replies. */
struct sov_zdev_info {
	u32 id;
	char name[32];
	u64 size;
	enum sov_zlevel level;
	u64 mem_limit;
	u32 openers;
	struct sov_zstore_stats stats;
	struct sov_zrecomp_status recomp;
	struct sov_zpolicy policy;	/* kinds 0: none */
	u64 policy_acted;
	/* bios served in [2^i, 2^(i+1)) ns, summed over the CPUs */
	u64 lat_read[SOV_MC_LAT_BUCKETS], lat_write[SOV_MC_LAT_BUCKETS];
};

/*
 * Devices are looked up, changed and destroyed under one mutex; a device
 * pointer is valid only while it is held.
 */
void sov_zdev_lock(void);
void sov_zdev_unlock(void);
struct sov_zdev *sov_zdev_find_id(u32 id);
struct sov_zdev *sov_zdev_find_name(const char *name);
/* The device with the lowest id >= *@id, or NULL; sets *@id to its id. */
struct sov_zdev *sov_zdev_next(u32 *id);

/* 0 if @name may name a new device (*@id: its fixed id, or -1); else -EINVAL. */
int sov_zdev_name_check(const char *name, int *id);
/*
 * -EEXIST: the name or id is taken; -ENOSPC: SOV_MC_DEV_MAX devices exist;
 * -ENOMEM. On success *@out is the new device.
 */
int sov_zdev_create(const struct sov_zdev_cfg *cfg, struct sov_zdev **out);
/* -EBUSY while the device is open (swapped on, mounted): nothing changes. */
int sov_zdev_destroy(struct sov_zdev *zd);

void sov_zdev_get_info(struct sov_zdev *zd, struct sov_zdev_info *info);
void sov_zdev_set_level(struct sov_zdev *zd, enum sov_zlevel level);
void sov_zdev_set_limit(struct sov_zdev *zd, u64 bytes);
unsigned long sov_zdev_compact(struct sov_zdev *zd);
/*
 * Replace the device's policy (@p checked, kinds 0: none). While it has one,
 * a work item decides every second and acts (policy.h).
 */
void sov_zdev_set_policy(struct sov_zdev *zd, const struct sov_zpolicy *p);
/* Memory pressure: devices with a demand policy act on it; returns how many. */
unsigned int sov_zdev_pressure(void);
/* sov_zrecomp_start() on the device's pages: -EBUSY, -EINVAL as it says. */
int sov_zdev_recompress(struct sov_zdev *zd, enum sov_zlevel level, u32 idle_s, u32 threads);

/* netlink.c: the ops of SOV_CMD_MC_* (kmod/netlink.c puts them in its table) */
extern const struct nla_policy sov_mc_get_policy[SOV_A_MC_NAME + 1];
extern const struct nla_policy sov_mc_create_policy[SOV_A_MC_MEM_LIMIT + 1];
extern const struct nla_policy sov_mc_recompress_policy[SOV_A_MC_THREADS + 1];
extern const struct nla_policy sov_mc_set_policy[SOV_A_MC_POLICY + 1];

int sov_nl_mc_get_doit(struct sk_buff *skb, struct genl_info *info);
int sov_nl_mc_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int sov_nl_mc_create_doit(struct sk_buff *skb, struct genl_info *info);
int sov_nl_mc_destroy_doit(struct sk_buff *skb, struct genl_info *info);
int sov_nl_mc_set_doit(struct sk_buff *skb, struct genl_info *info);
int sov_nl_mc_compact_doit(struct sk_buff *skb, struct genl_info *info);
int sov_nl_mc_recompress_doit(struct sk_buff *skb, struct genl_info *info);
int sov_nl_mc_pressure_doit(struct sk_buff *skb, struct genl_info *info);

/* A SOV_CMD_MC_EVENT_NTF: what each kind carries (enum sov_mc_event). */
struct sov_mc_ev {
	u32 kind;
	u32 id;
	const char *name;
	const struct sov_zrecomp_status *recomp;	/* recompress-done */
	u32 cause, actions;				/* policy */
	const struct sov_zstore_stats *stats;		/* policy, limit */
};

/*
 * Send @ev to the events group of the initial netns. Process context
 * (workers of the device); takes no device lock.
 */
void sov_mc_notify_event(const struct sov_mc_ev *ev);

#endif /* _SOV_ZPAGE_ZPAGE_H */
