// SPDX-License-Identifier: GPL-2.0
/*
 * SOV_CMD_PROF_*: the profiler over the "sovereign" family. The profiler
 * sees every task of the machine, so it answers in the initial network
 * namespace only; START and STOP need CAP_NET_ADMIN (GENL_ADMIN_PERM).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/vmalloc.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "prof.h"

static_assert(SOV_PROF_HIST_BUCKETS <= 64);

/* u32/u64 ranges past NLA_POLICY_RANGE's s16 bounds (6.1 wants them non-const) */
static struct netlink_range_validation sov_prof_period_range = {
	.min = SOV_PROF_PERIOD_MIN_NS, .max = SOV_PROF_PERIOD_MAX_NS,
};

static struct netlink_range_validation sov_prof_stacks_range = {
	.min = SOV_PROF_MAX_STACKS_MIN, .max = SOV_PROF_MAX_STACKS_MAX,
};

static struct netlink_range_validation sov_prof_rss_range = {
	.min = SOV_PROF_RSS_INTERVAL_MIN_MS, .max = SOV_PROF_RSS_INTERVAL_MAX_MS,
};

const struct nla_policy sov_prof_start_policy[SOV_A_PROF_MAX + 1] = {
	[SOV_A_PROF_KINDS]	= NLA_POLICY_MASK(NLA_U32, BIT(__SOV_PROF_KIND_CNT) - 1),
	[SOV_A_PROF_FREQ]	= NLA_POLICY_RANGE(NLA_U32, SOV_PROF_FREQ_MIN,
						   SOV_PROF_FREQ_MAX),
	[SOV_A_PROF_PERIOD_NS]	= NLA_POLICY_FULL_RANGE(NLA_U64, &sov_prof_period_range),
	[SOV_A_PROF_ADAPTIVE_X100] = NLA_POLICY_RANGE(NLA_U32, SOV_PROF_ADAPTIVE_MIN_X100,
						      SOV_PROF_ADAPTIVE_MAX_X100),
	[SOV_A_PROF_CPU]	= { .type = NLA_U32 },
	[SOV_A_PROF_PID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[SOV_A_PROF_TGID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[SOV_A_PROF_CGROUP_ID]	= { .type = NLA_U64 },
	[SOV_A_PROF_STACKS]	= NLA_POLICY_MASK(NLA_U32, SOV_PROF_STACK_KERNEL |
						  SOV_PROF_STACK_USER),
	[SOV_A_PROF_MAX_STACKS]	= NLA_POLICY_FULL_RANGE(NLA_U32, &sov_prof_stacks_range),
	[SOV_A_PROF_RSS_INTERVAL_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &sov_prof_rss_range),
};

const struct nla_policy sov_prof_dump_policy[SOV_A_PROF_MAX + 1] = {
	[SOV_A_PROF_KIND]	= NLA_POLICY_MAX(NLA_U32, __SOV_PROF_KIND_CNT - 1),
	[SOV_A_PROF_LEAK_AGE_MS] = { .type = NLA_U32 },
};

static bool sov_prof_netns_ok(struct net *net, struct netlink_ext_ack *extack)
{
	if (net_eq(net, &init_net))
		return true;
	NL_SET_ERR_MSG(extack, "the profiler answers in the initial network namespace only");
	return false;
}

/* START's attributes -> a validated configuration. */
static int sov_prof_parse(struct nlattr **tb, struct sov_prof_cfg *c,
			  struct netlink_ext_ack *extack)
{
	static const int scopes[] = { SOV_A_PROF_CPU, SOV_A_PROF_PID,
				      SOV_A_PROF_TGID, SOV_A_PROF_CGROUP_ID };
	struct nlattr *scope = NULL;
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->kinds = tb[SOV_A_PROF_KINDS] ? nla_get_u32(tb[SOV_A_PROF_KINDS]) :
		   BIT(SOV_PROF_KIND_CPU);
	if (!c->kinds) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SOV_A_PROF_KINDS],
				    "kinds: expected at least one of cpu, mem, lock");
		return -EINVAL;
	}
	if (tb[SOV_A_PROF_FREQ] && tb[SOV_A_PROF_PERIOD_NS]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SOV_A_PROF_PERIOD_NS],
				    "expected a frequency or a period, not both");
		return -EINVAL;
	}
	if (tb[SOV_A_PROF_ADAPTIVE_X100] && tb[SOV_A_PROF_PERIOD_NS]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SOV_A_PROF_PERIOD_NS],
				    "adaptive mode takes a frequency ceiling, not a period");
		return -EINVAL;
	}
	c->mode = SOV_PROF_MODE_FREQ;
	c->freq = tb[SOV_A_PROF_ADAPTIVE_X100] ? 999 : SOV_PROF_FREQ_DEFAULT;
	if (tb[SOV_A_PROF_FREQ])
		c->freq = nla_get_u32(tb[SOV_A_PROF_FREQ]);
	c->period_ns = div_u64(NSEC_PER_SEC, c->freq);
	if (tb[SOV_A_PROF_PERIOD_NS]) {
		c->period_ns = nla_get_u64(tb[SOV_A_PROF_PERIOD_NS]);
		c->mode = SOV_PROF_MODE_PERIOD;
		c->freq = div64_u64(NSEC_PER_SEC, c->period_ns);
	}
	if (tb[SOV_A_PROF_ADAPTIVE_X100]) {
		c->mode = SOV_PROF_MODE_ADAPTIVE;
		c->adaptive_x100 = nla_get_u32(tb[SOV_A_PROF_ADAPTIVE_X100]);
	}

	for (i = 0; i < ARRAY_SIZE(scopes); i++) {
		if (!tb[scopes[i]])
			continue;
		if (scope) {
			NL_SET_ERR_MSG_ATTR(extack, tb[scopes[i]],
					    "expected one scope at most: cpu, pid, tgid or cgroup");
			return -EINVAL;
		}
		scope = tb[scopes[i]];
	}
	c->cpu = -1;
	if (tb[SOV_A_PROF_CPU]) {
		u32 cpu = nla_get_u32(tb[SOV_A_PROF_CPU]);

		if (cpu >= nr_cpu_ids || !cpu_online(cpu)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[SOV_A_PROF_CPU],
					    "cpu: expected an online cpu");
			return -ENODEV;
		}
		c->cpu = cpu;
	}
	if (tb[SOV_A_PROF_PID])
		c->pid = nla_get_u32(tb[SOV_A_PROF_PID]);
	if (tb[SOV_A_PROF_TGID])
		c->tgid = nla_get_u32(tb[SOV_A_PROF_TGID]);
	if (tb[SOV_A_PROF_CGROUP_ID])
		c->cgroup_id = nla_get_u64(tb[SOV_A_PROF_CGROUP_ID]);

	c->stacks = SOV_PROF_STACK_KERNEL | SOV_PROF_STACK_USER;
	if (tb[SOV_A_PROF_STACKS])
		c->stacks = nla_get_u32(tb[SOV_A_PROF_STACKS]);
	if (!c->stacks) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SOV_A_PROF_STACKS],
				    "stacks: expected kernel, user or both");
		return -EINVAL;
	}
	c->max_stacks = tb[SOV_A_PROF_MAX_STACKS] ?
			nla_get_u32(tb[SOV_A_PROF_MAX_STACKS]) :
			SOV_PROF_MAX_STACKS_DEFAULT;
	c->rss_interval_ms = tb[SOV_A_PROF_RSS_INTERVAL_MS] ?
			     nla_get_u32(tb[SOV_A_PROF_RSS_INTERVAL_MS]) :
			     SOV_PROF_RSS_INTERVAL_DEFAULT_MS;
	return 0;
}

int sov_nl_prof_start_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sov_prof_cfg cfg;
	int err;

	if (!sov_prof_netns_ok(genl_info_net(info), info->extack))
		return -EOPNOTSUPP;
	err = sov_prof_parse(info->attrs, &cfg, info->extack);
	if (err)
		return err;
	return sov_prof_start(&cfg, info->extack);
}

int sov_nl_prof_stop_doit(struct sk_buff *skb, struct genl_info *info)
{
	int err;

	if (!sov_prof_netns_ok(genl_info_net(info), info->extack))
		return -EOPNOTSUPP;
	err = sov_prof_stop();
	if (err == -EALREADY)
		NL_SET_ERR_MSG(info->extack, "no profile is running");
	return err;
}

struct sov_prof_sums {
	u64 samples, skipped, dropped, ufaults;
	u32 entries;
	u64 bytes;
};

static void sov_prof_sum(struct sov_prof *p, struct sov_prof_sums *s)
{
	int cpu, kind;

	memset(s, 0, sizeof(*s));
	if (!p->pcpu)
		return;
	for_each_possible_cpu(cpu) {
		struct sov_prof_pcpu *pc = per_cpu_ptr(p->pcpu, cpu);

		s->samples += READ_ONCE(pc->samples);
		s->skipped += READ_ONCE(pc->skipped);
		s->ufaults += READ_ONCE(pc->ustack_faults);
		for (kind = 0; kind < __SOV_PROF_KIND_CNT; kind++) {
			s->dropped += READ_ONCE(pc->maps[kind].dropped);
			s->entries += READ_ONCE(pc->maps[kind].used);
			s->bytes += sov_stackmap_bytes(&pc->maps[kind]);
		}
	}
	s->bytes += sov_prof_kmem_bytes(p) + sov_prof_locks_bytes(p);
}

static int sov_prof_fill_state(struct sk_buff *skb, struct sov_prof *p)
{
	const struct sov_prof_cfg *c = &p->cfg;
	u64 mev, munt, lev, lunt, end;
	struct sov_prof_sums s;

	if (nla_put_u32(skb, SOV_A_PROF_STATE, p->state))
		return -EMSGSIZE;
	if (p->state == SOV_PROF_STATE_IDLE)
		return 0;
	sov_prof_sum(p, &s);
	sov_prof_kmem_counters(p, &mev, &munt);
	sov_prof_locks_counters(p, &lev, &lunt);
	end = p->state == SOV_PROF_STATE_RUNNING ? sov_prof_now() : p->stop_ns;

	if (nla_put_u32(skb, SOV_A_PROF_KINDS, c->kinds) ||
	    nla_put_u32(skb, SOV_A_PROF_MODE, c->mode) ||
	    nla_put_u32(skb, SOV_A_PROF_FREQ, c->freq) ||
	    nla_put_u64_64bit(skb, SOV_A_PROF_PERIOD_NS, p->period_ns,
			      SOV_A_PROF_PAD) ||
	    (c->mode == SOV_PROF_MODE_ADAPTIVE &&
	     nla_put_u32(skb, SOV_A_PROF_ADAPTIVE_X100, c->adaptive_x100)) ||
	    (c->cpu >= 0 && nla_put_u32(skb, SOV_A_PROF_CPU, c->cpu)) ||
	    (c->pid && nla_put_u32(skb, SOV_A_PROF_PID, c->pid)) ||
	    (c->tgid && nla_put_u32(skb, SOV_A_PROF_TGID, c->tgid)) ||
	    (c->cgroup_id && nla_put_u64_64bit(skb, SOV_A_PROF_CGROUP_ID,
					       c->cgroup_id, SOV_A_PROF_PAD)) ||
	    nla_put_u32(skb, SOV_A_PROF_STACKS, c->stacks) ||
	    nla_put_u32(skb, SOV_A_PROF_MAX_STACKS, c->max_stacks) ||
	    nla_put_u32(skb, SOV_A_PROF_RSS_INTERVAL_MS, c->rss_interval_ms) ||
	    nla_put_u64_64bit(skb, SOV_A_PROF_START_NS, p->start_ns, SOV_A_PROF_PAD) ||
	    nla_put_u64_64bit(skb, SOV_A_PROF_DURATION_NS, end - p->start_ns,
			      SOV_A_PROF_PAD) ||
	    nla_put_u32(skb, SOV_A_PROF_EFFECTIVE_FREQ,
			div64_u64(NSEC_PER_SEC, p->period_ns)) ||
	    nla_put_u64_64bit(skb, SOV_A_PROF_SAMPLES, s.samples, SOV_A_PROF_PAD) ||
	    nla_put_u64_64bit(skb, SOV_A_PROF_SKIPPED, s.skipped, SOV_A_PROF_PAD) ||
	    nla_put_u64_64bit(skb, SOV_A_PROF_DROPPED, s.dropped, SOV_A_PROF_PAD) ||
	    nla_put_u64_64bit(skb, SOV_A_PROF_USTACK_FAULTS, s.ufaults,
			      SOV_A_PROF_PAD) ||
	    nla_put_u32(skb, SOV_A_PROF_ENTRIES, s.entries) ||
	    nla_put_u64_64bit(skb, SOV_A_PROF_MEM_BYTES, s.bytes, SOV_A_PROF_PAD) ||
	    nla_put_u32(skb, SOV_A_PROF_OVERHEAD_X100, p->overhead_x100) ||
	    nla_put_u64_64bit(skb, SOV_A_PROF_MEM_EVENTS, mev, SOV_A_PROF_PAD) ||
	    nla_put_u64_64bit(skb, SOV_A_PROF_MEM_UNTRACKED, munt, SOV_A_PROF_PAD) ||
	    nla_put_u64_64bit(skb, SOV_A_PROF_LOCK_EVENTS, lev, SOV_A_PROF_PAD) ||
	    nla_put_u64_64bit(skb, SOV_A_PROF_LOCK_UNTRACKED, lunt, SOV_A_PROF_PAD))
		return -EMSGSIZE;
	return 0;
}

int sov_nl_prof_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (!sov_prof_netns_ok(genl_info_net(info), info->extack))
		return -EOPNOTSUPP;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &sov_genl_family, 0, SOV_CMD_PROF_GET);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	mutex_lock(&sov_prof.lock);
	err = sov_prof_fill_state(msg, &sov_prof);
	mutex_unlock(&sov_prof.lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * Dumps resume from cb->args: [0] the profile's generation + 1 (a restart
 * in between ends the dump with -EINTR), then per dump its position.
 */
static int sov_prof_dump_begin(struct netlink_callback *cb)
{
	if (!sov_prof_netns_ok(sock_net(cb->skb->sk), cb->extack))
		return -EOPNOTSUPP;
	mutex_lock(&sov_prof.lock);
	if (!cb->args[0]) {
		cb->args[0] = (long)sov_prof.gen + 1;
	} else if (cb->args[0] != (long)sov_prof.gen + 1) {
		mutex_unlock(&sov_prof.lock);
		NL_SET_ERR_MSG(cb->extack, "the profile restarted during the dump");
		return -EINTR;
	}
	return 0;
}

static void *sov_prof_dump_put(struct sk_buff *skb, struct netlink_callback *cb,
			       u8 cmd)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &sov_genl_family, NLM_F_MULTI, cmd);
}

static int sov_prof_put_stack(struct sk_buff *skb, struct netlink_callback *cb,
			      u32 kind, const struct sov_stack_entry *e)
{
	void *hdr = sov_prof_dump_put(skb, cb, SOV_CMD_PROF_STACK_GET);

	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, SOV_A_PROF_KIND, kind) ||
	    nla_put_u64_64bit(skb, SOV_A_PROF_TAG, e->tag, SOV_A_PROF_PAD) ||
	    nla_put_u32(skb, SOV_A_PROF_PID, e->pid) ||
	    nla_put_u32(skb, SOV_A_PROF_TGID, e->tgid) ||
	    nla_put_string(skb, SOV_A_PROF_COMM, e->comm) ||
	    nla_put(skb, SOV_A_PROF_KSTACK, e->nk * sizeof(u64), e->ips) ||
	    nla_put(skb, SOV_A_PROF_USTACK, e->nu * sizeof(u64), e->ips + e->nk) ||
	    nla_put_u64_64bit(skb, SOV_A_PROF_COUNT, READ_ONCE(e->count),
			      SOV_A_PROF_PAD) ||
	    nla_put_u64_64bit(skb, SOV_A_PROF_WEIGHT, READ_ONCE(e->weight),
			      SOV_A_PROF_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* args: [1] kind, [2] cpu, [3] slot */
int sov_nl_prof_stack_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct nlattr *only = info->attrs[SOV_A_PROF_KIND];
	struct sov_prof *p = &sov_prof;
	long kind, cpu, slot;
	int err;

	err = sov_prof_dump_begin(cb);
	if (err)
		return err;
	if (!p->pcpu)
		goto out;
	for (kind = cb->args[1]; kind < __SOV_PROF_KIND_CNT; kind++, cb->args[2] = 0) {
		if (only && nla_get_u32(only) != kind)
			continue;
		for (cpu = cb->args[2]; cpu < nr_cpu_ids; cpu++, cb->args[3] = 0) {
			struct sov_stackmap *m;

			if (!cpu_possible(cpu))
				continue;
			m = &per_cpu_ptr(p->pcpu, cpu)->maps[kind];
			for (slot = cb->args[3]; slot < sov_stackmap_nslots(m); slot++) {
				const struct sov_stack_entry *e = sov_stackmap_slot(m, slot);

				if (!e)
					continue;
				if (sov_prof_put_stack(skb, cb, kind, e)) {
					cb->args[1] = kind;
					cb->args[2] = cpu;
					cb->args[3] = slot;
					goto out;
				}
			}
		}
	}
	cb->args[1] = __SOV_PROF_KIND_CNT;
out:
	mutex_unlock(&p->lock);
	return skb->len;
}

/* args: [1] site index; the whole table is snapshotted per call */
int sov_nl_prof_site_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct nlattr *age = info->attrs[SOV_A_PROF_LEAK_AGE_MS];
	u32 age_ms = age ? nla_get_u32(age) : SOV_PROF_LEAK_AGE_DEFAULT_MS;
	struct sov_prof_site_view *v;
	u32 n, i;
	int err;

	err = sov_prof_dump_begin(cb);
	if (err)
		return err;
	err = sov_prof_kmem_sites(&sov_prof,
				  get_jiffies_64() - msecs_to_jiffies(age_ms),
				  &v, &n);
	mutex_unlock(&sov_prof.lock);
	if (err)
		return err;
	for (i = cb->args[1]; i < n; i++) {
		void *hdr = sov_prof_dump_put(skb, cb, SOV_CMD_PROF_SITE_GET);

		if (!hdr)
			break;
		if (nla_put_u64_64bit(skb, SOV_A_PROF_SITE, v[i].site, SOV_A_PROF_PAD) ||
		    nla_put_u64_64bit(skb, SOV_A_PROF_ALLOCS, v[i].allocs, SOV_A_PROF_PAD) ||
		    nla_put_u64_64bit(skb, SOV_A_PROF_FREES, v[i].frees, SOV_A_PROF_PAD) ||
		    nla_put_u64_64bit(skb, SOV_A_PROF_BYTES, v[i].bytes, SOV_A_PROF_PAD) ||
		    nla_put_u64_64bit(skb, SOV_A_PROF_LIVE_OBJS, v[i].live_objs,
				      SOV_A_PROF_PAD) ||
		    nla_put_u64_64bit(skb, SOV_A_PROF_LIVE_BYTES, v[i].live_bytes,
				      SOV_A_PROF_PAD) ||
		    nla_put_u64_64bit(skb, SOV_A_PROF_OLD_OBJS, v[i].old_objs,
				      SOV_A_PROF_PAD) ||
		    nla_put_u64_64bit(skb, SOV_A_PROF_OLD_BYTES, v[i].old_bytes,
				      SOV_A_PROF_PAD)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[1] = i;
	vfree(v);
	return skb->len;
}

/* args: [1] lock slot */
int sov_nl_prof_lock_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sov_prof_lock_view v;
	u32 i, at;
	int err;

	err = sov_prof_dump_begin(cb);
	if (err)
		return err;
	i = cb->args[1];
	for (at = i; sov_prof_locks_get(&sov_prof, &i, &v); at = i) {
		void *hdr = sov_prof_dump_put(skb, cb, SOV_CMD_PROF_LOCK_GET);

		if (!hdr)
			break;
		if (nla_put_u64_64bit(skb, SOV_A_PROF_LOCK_ADDR, v.addr, SOV_A_PROF_PAD) ||
		    nla_put_u32(skb, SOV_A_PROF_LOCK_FLAGS, v.flags) ||
		    nla_put_u64_64bit(skb, SOV_A_PROF_LOCK_COUNT, v.count, SOV_A_PROF_PAD) ||
		    nla_put_u64_64bit(skb, SOV_A_PROF_LOCK_TOTAL_NS, v.total_ns,
				      SOV_A_PROF_PAD) ||
		    nla_put_u64_64bit(skb, SOV_A_PROF_LOCK_MAX_NS, v.max_ns,
				      SOV_A_PROF_PAD) ||
		    nla_put(skb, SOV_A_PROF_LOCK_HIST, sizeof(v.hist), v.hist)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[1] = at;
	mutex_unlock(&sov_prof.lock);
	return skb->len;
}

/* args: [1] ring position */
int sov_nl_prof_rss_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sov_prof_rss_view v;
	u32 i;
	int err;

	err = sov_prof_dump_begin(cb);
	if (err)
		return err;
	for (i = cb->args[1]; sov_prof_rss_get(&sov_prof, i, &v); i++) {
		void *hdr = sov_prof_dump_put(skb, cb, SOV_CMD_PROF_RSS_GET);

		if (!hdr)
			break;
		if (nla_put_u64_64bit(skb, SOV_A_PROF_RSS_TIME_NS, v.time_ns,
				      SOV_A_PROF_PAD) ||
		    nla_put_u32(skb, SOV_A_PROF_TGID, v.tgid) ||
		    nla_put_string(skb, SOV_A_PROF_COMM, v.comm) ||
		    nla_put_u64_64bit(skb, SOV_A_PROF_RSS_BYTES, v.bytes,
				      SOV_A_PROF_PAD)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[1] = i;
	mutex_unlock(&sov_prof.lock);
	return skb->len;
}
