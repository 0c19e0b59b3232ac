/* SPDX-License-Identifier: GPL-2.0 */
/* The profiler (kmod/prof): one session at a time, system-wide. */
#ifndef _SOV_PROF_H
#define _SOV_PROF_H

#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>

#include "../sovereign.h"
#include "stackmap.h"

/* What START asked for, validated. */
struct sov_prof_cfg {
	u32 kinds;			/* BIT(enum sov_prof_kind) */
	u32 mode;			/* enum sov_prof_mode */
	u32 freq;			/* Hz; adaptive: the ceiling */
	u64 period_ns;			/* the period in force at start */
	u32 adaptive_x100;
	s32 cpu;			/* -1: every online CPU */
	u32 pid, tgid;
	u64 cgroup_id;
	u32 stacks;			/* SOV_PROF_STACK_* */
	u32 max_stacks;
	u32 rss_interval_ms;
};

struct sov_prof_pcpu {
	struct perf_event *event;
	struct sov_stackmap maps[__SOV_PROF_KIND_CNT];
	/* scratch keys: one per kind, so a probe never shares the handler's */
	struct sov_stack_key key[__SOV_PROF_KIND_CNT];
	/*
	 * time in the cpu sample handler, in cycles: the guest's sched_clock
	 * is not steady enough under emulation, and reading the HPET there
	 * would cost more than the handler
	 */
	u64 handler_cycles;
	u64 samples, skipped, ustack_faults;
	bool online;			/* tables allocated for this CPU */
};

struct sov_prof_kmem;
struct sov_prof_locks;
struct sov_prof_rss;

struct sov_prof {
	struct mutex lock;		/* start, stop, reads */
	u32 state;			/* enum sov_prof_state */
	u32 gen;			/* bumped by every start: dumps resume safely */
	struct sov_prof_cfg cfg;
	struct sov_prof_pcpu __percpu *pcpu;
	struct cgroup *cgrp;		/* cgroup scope, referenced */
	u64 start_ns, stop_ns;
	u64 period_ns;			/* now (adaptive changes it) */
	u32 overhead_x100;		/* last second's handler share */
	u64 last_tick_ns, last_handler_ns;	/* boot-time clock */
	struct delayed_work tick;
	struct sov_prof_kmem *kmem;
	struct sov_prof_locks *locks;
	struct sov_prof_rss *rss;
};

extern struct sov_prof sov_prof;

/* session.c */
int sov_prof_init(void);
void sov_prof_exit(void);
int sov_prof_start(const struct sov_prof_cfg *cfg, struct netlink_ext_ack *extack);
int sov_prof_stop(void);
u64 sov_prof_now(void);
/* @k's process fields from current, then its kernel and user frames */
void sov_prof_fill_task(struct sov_stack_key *k);
void sov_prof_user_stack(struct sov_stack_key *k, struct pt_regs *regs,
			 struct sov_prof_pcpu *pc);
void sov_prof_kernel_stack(struct sov_stack_key *k, unsigned long from_ip);
bool sov_prof_in_scope(struct task_struct *t);

/* sampler.c: cpu-clock events */
int sov_prof_sampler_start(struct sov_prof *p);
void sov_prof_sampler_stop(struct sov_prof *p);
int sov_prof_sampler_set_period(struct sov_prof *p, u64 period_ns);

/* kmem.c */
int sov_prof_kmem_start(struct sov_prof *p);
void sov_prof_kmem_stop(struct sov_prof *p);
void sov_prof_kmem_free(struct sov_prof *p);
void sov_prof_kmem_counters(struct sov_prof *p, u64 *events, u64 *untracked);
/* Site @i of the table, with its live objects counted; false past the end. */
struct sov_prof_site_view {
	u64 site, allocs, frees, bytes, live_objs, live_bytes, old_objs, old_bytes;
};

int sov_prof_kmem_sites(struct sov_prof *p, u64 old_before_ns,
			struct sov_prof_site_view **out, u32 *n);
size_t sov_prof_kmem_bytes(struct sov_prof *p);

/* lock.c */
int sov_prof_locks_start(struct sov_prof *p);
void sov_prof_locks_stop(struct sov_prof *p);
void sov_prof_locks_free(struct sov_prof *p);
void sov_prof_locks_counters(struct sov_prof *p, u64 *events, u64 *untracked);
struct sov_prof_lock_view {
	u64 addr, count, total_ns, max_ns;
	u32 flags;
	u64 hist[SOV_PROF_HIST_BUCKETS];
};

/* Copy lock @i (0..) into @v; false past the end. */
bool sov_prof_locks_get(struct sov_prof *p, u32 *i, struct sov_prof_lock_view *v);
size_t sov_prof_locks_bytes(struct sov_prof *p);

/* rss.c */
int sov_prof_rss_start(struct sov_prof *p);
void sov_prof_rss_stop(struct sov_prof *p);
void sov_prof_rss_free(struct sov_prof *p);
struct sov_prof_rss_view {
	u64 time_ns, bytes;
	u32 tgid;
	char comm[TASK_COMM_LEN];
};

bool sov_prof_rss_get(struct sov_prof *p, u32 i, struct sov_prof_rss_view *v);

/* debugfs.c */
void sov_prof_debugfs_init(void);
void sov_prof_debugfs_exit(void);

/* netlink.c */
extern const struct nla_policy sov_prof_start_policy[SOV_A_PROF_MAX + 1];
extern const struct nla_policy sov_prof_dump_policy[SOV_A_PROF_MAX + 1];
int sov_nl_prof_start_doit(struct sk_buff *skb, struct genl_info *info);
int sov_nl_prof_stop_doit(struct sk_buff *skb, struct genl_info *info);
int sov_nl_prof_get_doit(struct sk_buff *skb, struct genl_info *info);
int sov_nl_prof_stack_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int sov_nl_prof_site_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int sov_nl_prof_lock_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int sov_nl_prof_rss_dumpit(struct sk_buff *skb, struct netlink_callback *cb);

#endif /* _SOV_PROF_H */
